"""User callables as activation, loss and penalty: training, checks, pickling."""

import copy
import importlib
import pickle
import subprocess
import sys
import textwrap
import warnings

import autograd.numpy as anp
import joblib
import numpy as np
import pytest
from helpers import fit_quietly
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skautonet import AutogradMLPClassifier
from skautonet.losses import LogLoss


def quick_classifier(**params):
    """Return a small, fast, seeded estimator with ``params`` overriding defaults."""
    defaults = {
        "hidden_layer_sizes": (6,),
        "solver": "adam",
        "batch_size": 16,
        "max_iter": 30,
        "random_state": 0,
    }
    defaults.update(params)
    return AutogradMLPClassifier(**defaults)


def make_scaled_tanh(scale):
    """Return a closure over ``scale``: an activation pickle cannot store."""

    def scaled_tanh(z):
        return scale * anp.tanh(z)

    return scaled_tanh


def squared_coefficients(coefs):
    """Return ``0.5 * sum(W**2)``: the built-in "l2" penalty as a callable."""
    return 0.5 * sum(anp.sum(coef**2) for coef in coefs)


class OutActivationRecorder:
    """Cross-entropy that records each ``out_activation`` it is called with."""

    def __init__(self):
        self.seen = []

    def __call__(self, targets, logits, out_activation):
        self.seen.append(out_activation)
        return LogLoss()(targets, logits, out_activation=out_activation)


# -- training with callables --------------------------------------------------


@pytest.mark.parametrize(
    "activation",
    [lambda z: anp.sin(z), make_scaled_tanh(1.5)],
    ids=["lambda", "closure"],
)
def test_callable_activation_trains_and_predicts(iris, activation):
    X, y = iris
    clf = fit_quietly(quick_classifier(activation=activation), X, y)

    proba = clf.predict_proba(X)

    assert clf.predict(X).shape == y.shape
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.85


def test_callable_loss_and_penalty_train(iris):
    X, y = iris
    clf = quick_classifier(
        loss=lambda targets, logits: LogLoss()(targets, logits),
        penalty=lambda coefs: sum(anp.sum(anp.abs(coef)) for coef in coefs),
        alpha=1e-3,
    )

    fit_quietly(clf, X, y)

    assert clf.score(X, y) > 0.85


@pytest.mark.parametrize(
    ("name", "activation"),
    [
        ("tanh", lambda z: anp.tanh(z)),
        ("relu", lambda z: anp.maximum(z, 0.0)),
        ("softplus", lambda z: anp.logaddexp(0.0, z)),
        ("identity", lambda z: z),
    ],
)
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_callable_activation_matches_builtin(iris, name, activation, solver):
    # A built-in name trains through the fused primitives, a callable through
    # autograd's tracing. Both compute the same function, so with the same
    # seed the weights agree up to rounding. "logistic" is left out because
    # its name also selects a narrower initial weight range.
    X, y = iris[0][::3], iris[1][::3]
    params = {"solver": solver, "batch_size": 1, "max_iter": 5}
    builtin = fit_quietly(quick_classifier(activation=name, **params), X, y)
    traced = fit_quietly(quick_classifier(activation=activation, **params), X, y)

    for builtin_coef, traced_coef in zip(builtin.coefs_, traced.coefs_):
        np.testing.assert_allclose(traced_coef, builtin_coef, rtol=0, atol=1e-12)


def test_callable_penalty_matches_builtin_l2(iris):
    X, y = iris
    builtin = fit_quietly(quick_classifier(alpha=0.1, penalty="l2"), X, y)
    traced = fit_quietly(
        quick_classifier(alpha=0.1, penalty=squared_coefficients), X, y
    )

    for builtin_coef, traced_coef in zip(builtin.coefs_, traced.coefs_):
        np.testing.assert_allclose(traced_coef, builtin_coef, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("iris", "softmax"),
        ("binary_data", "logistic"),
        ("multilabel_data", "logistic"),
    ],
)
def test_loss_receives_out_activation(request, data, expected):
    X, y = request.getfixturevalue(data)
    recorder = OutActivationRecorder()

    fit_quietly(quick_classifier(loss=recorder, max_iter=1), X, y)

    # One call per batch of 16, plus the fit-time check.
    assert len(recorder.seen) > X.shape[0] // 16
    assert set(recorder.seen) == {expected}


# -- checks at fit --------------------------------------------------------------


def assign_in_place(z):
    z[z < 0] = 0.0
    return z


def raise_runtime_error(*args):
    raise RuntimeError("unsupported input")


# (id, callable, fragment that the message must contain)
BAD_ACTIVATIONS = [
    ("wrong-shape", lambda z: anp.sum(z, axis=1), "of shape (5, 3), got shape (5,)"),
    ("integer-dtype", lambda z: (z > 0).astype(int), "must return floating-point"),
    ("non-finite", lambda z: anp.log(z), "non-finite values"),
    ("numpy-where", lambda z: np.where(z > 0, z, 0.0), "autograd.numpy"),
    ("numpy-dot", lambda z: np.dot(z, np.eye(z.shape[1])), "autograd.numpy"),
    ("in-place", assign_in_place, "use anp.where"),
    ("constant", lambda z: anp.ones_like(z), "depend on the input"),
    ("zero-gradient", lambda z: 0.0 * z, "does not depend on its input"),
    ("raises", raise_runtime_error, "raised RuntimeError: unsupported input"),
]

BAD_LOSSES = [
    (
        "scalar-mean",
        lambda targets, logits: anp.mean(LogLoss()(targets, logits)),
        "one loss per example of shape (5,), got shape ()",
    ),
    (
        "per-output",
        lambda targets, logits: (targets - logits) ** 2,
        "one loss per example of shape (5,), got shape (5, 3)",
    ),
    (
        "non-finite",
        lambda targets, logits: -anp.sum(targets * anp.log(logits), axis=1),
        "non-finite values",
    ),
    (
        "numpy-where",
        lambda targets, logits: np.sum(np.where(targets > 0, -logits, 0.0), axis=1),
        "autograd.numpy",
    ),
    (
        "ignores-logits",
        lambda targets, logits: anp.sum(targets, axis=1),
        "depend on the input",
    ),
    ("raises", raise_runtime_error, "raised RuntimeError: unsupported input"),
]

BAD_PENALTIES = [
    (
        "vector",
        lambda coefs: anp.array([anp.sum(coef**2) for coef in coefs]),
        "a scalar of shape (), got shape (2,)",
    ),
    (
        "python-float",
        lambda coefs: float(sum(anp.sum(coef**2) for coef in coefs)),
        "autograd cannot differentiate",
    ),
    (
        "list",
        lambda coefs: [anp.sum(coef**2) for coef in coefs],
        "must return a scalar, got list",
    ),
    ("constant", lambda coefs: anp.array(1.0), "depend on the input"),
    ("raises", raise_runtime_error, "raised RuntimeError: unsupported input"),
]


def check_error_at_fit(iris, parameter, function, fragment):
    X, y = iris
    clf = quick_classifier(**{parameter: function}, max_iter=1)

    with pytest.raises(ValueError) as raised:
        clf.fit(X, y)

    message = str(raised.value)
    assert f"{parameter} callable" in message
    assert fragment in message
    assert not hasattr(clf, "coefs_")


# numpy warns about the log of a negative number before the check finds the nan.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize(
    ("function", "fragment"),
    [case[1:] for case in BAD_ACTIVATIONS],
    ids=[case[0] for case in BAD_ACTIVATIONS],
)
def test_bad_activation_raises_at_fit(iris, function, fragment):
    check_error_at_fit(iris, "activation", function, fragment)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize(
    ("function", "fragment"),
    [case[1:] for case in BAD_LOSSES],
    ids=[case[0] for case in BAD_LOSSES],
)
def test_bad_loss_raises_at_fit(iris, function, fragment):
    check_error_at_fit(iris, "loss", function, fragment)


@pytest.mark.parametrize(
    ("function", "fragment"),
    [case[1:] for case in BAD_PENALTIES],
    ids=[case[0] for case in BAD_PENALTIES],
)
def test_bad_penalty_raises_at_fit(iris, function, fragment):
    check_error_at_fit(iris, "penalty", function, fragment)


def test_non_finite_check_emits_no_warning(iris):
    X, y = iris
    clf = quick_classifier(activation=lambda z: anp.log(z), max_iter=1)

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="non-finite values"):
            clf.fit(X, y)


def test_plain_numpy_ufunc_activation_trains(iris):
    # autograd 1.9 forwards NumPy ufuncs called on its traced arrays to
    # autograd.numpy, so np.tanh is differentiated like anp.tanh.
    X, y = iris
    builtin = fit_quietly(quick_classifier(activation="tanh"), X, y)
    plain = fit_quietly(quick_classifier(activation=lambda z: np.tanh(z)), X, y)

    np.testing.assert_allclose(plain.coefs_[0], builtin.coefs_[0], rtol=0, atol=1e-12)


# -- pickling and copying ------------------------------------------------------

LAMBDA_PARAMETERS = {
    "activation": lambda z: anp.tanh(z),
    "loss": lambda targets, logits: LogLoss()(targets, logits),
    "penalty": lambda coefs: squared_coefficients(coefs),
}


def dump_with_pickle(estimator, path):
    return pickle.dumps(estimator)


def dump_with_joblib(estimator, path):
    return joblib.dump(estimator, path / "model.joblib")


@pytest.mark.parametrize("dump", [dump_with_pickle, dump_with_joblib])
@pytest.mark.parametrize("parameter", sorted(LAMBDA_PARAMETERS))
def test_saving_lambda_raises_pickling_error(iris, tmp_path, parameter, dump):
    X, y = iris
    clf = fit_quietly(
        quick_classifier(**{parameter: LAMBDA_PARAMETERS[parameter]}, max_iter=1),
        X,
        y,
    )

    with pytest.raises(pickle.PicklingError) as raised:
        dump(clf, tmp_path)

    message = str(raised.value)
    assert f"its {parameter} parameter" in message
    assert "module level" in message


def test_saving_closure_raises_pickling_error():
    clf = quick_classifier(activation=make_scaled_tanh(2.0))

    with pytest.raises(pickle.PicklingError, match="its activation parameter"):
        pickle.dumps(clf)


USER_MODULE = "skautonet_test_user_functions"

USER_MODULE_SOURCE = textwrap.dedent(
    """
    import autograd.numpy as anp


    def squareplus(z):
        return 0.5 * (z + anp.sqrt(z * z + 4.0))


    class ScaledLogLoss:
        def __init__(self, scale):
            self.scale = scale

        def __call__(self, targets, logits):
            shifted = logits - anp.max(logits, axis=1, keepdims=True)
            log_norm = anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
            return -self.scale * anp.sum(targets * (shifted - log_norm), axis=1)


    def quartic_penalty(coefs):
        return sum(anp.sum(coef**4) for coef in coefs)
    """
)


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module of user functions written to tmp_path and importable."""
    (tmp_path / f"{USER_MODULE}.py").write_text(USER_MODULE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(USER_MODULE)
    yield module
    sys.modules.pop(USER_MODULE, None)


def test_module_functions_load_in_new_process(iris, tmp_path, user_module):
    X, y = iris
    clf = quick_classifier(
        activation=user_module.squareplus,
        loss=user_module.ScaledLogLoss(2.0),
        penalty=user_module.quartic_penalty,
        alpha=1e-3,
    )
    fit_quietly(clf, X, y)
    model_path = tmp_path / "model.joblib"
    data_path = tmp_path / "X.npy"
    output_path = tmp_path / "proba.npy"
    joblib.dump(clf, model_path)
    np.save(data_path, X)

    script = textwrap.dedent(
        f"""
        import sys

        sys.path.insert(0, {str(tmp_path)!r})
        import joblib
        import numpy as np

        model = joblib.load({str(model_path)!r})
        X = np.load({str(data_path)!r})
        np.save({str(output_path)!r}, model.predict_proba(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)

    np.testing.assert_array_equal(np.load(output_path), clf.predict_proba(X))


def test_module_level_function_pickles_in_process(iris, user_module):
    X, y = iris
    clf = fit_quietly(quick_classifier(activation=user_module.squareplus), X, y)

    restored = pickle.loads(pickle.dumps(clf))

    assert restored.activation is user_module.squareplus
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_grid_search_parallel_with_lambda(iris):
    X, y = iris
    search = GridSearchCV(
        quick_classifier(activation=lambda z: anp.sin(z)),
        {"alpha": [1e-4, 1e-2]},
        cv=2,
        n_jobs=2,
        error_score="raise",
    )

    fit_quietly(search, X, y)

    assert len(search.cv_results_["params"]) == 2
    assert search.best_score_ > 0.8
    assert search.best_estimator_.score(X, y) > 0.85


@pytest.mark.parametrize("parameter", sorted(LAMBDA_PARAMETERS))
def test_clone_keeps_callable(parameter):
    function = LAMBDA_PARAMETERS[parameter]
    clf = quick_classifier(**{parameter: function})

    cloned = clone(clf)

    assert clf.get_params()[parameter] is function
    assert cloned.get_params()[parameter] is function


def test_deepcopy_keeps_lambda_and_weights(iris):
    X, y = iris
    activation = lambda z: anp.sin(z)  # noqa: E731
    clf = fit_quietly(quick_classifier(activation=activation), X, y)

    copied = copy.deepcopy(clf)

    assert copied.activation is activation
    assert copied.coefs_[0] is not clf.coefs_[0]
    np.testing.assert_array_equal(copied.predict_proba(X), clf.predict_proba(X))


def test_wrong_signature_names_expected_call(iris):
    X, y = iris

    def two_arguments(z, extra):
        return z

    clf = AutogradMLPClassifier(hidden_layer_sizes=(4,), activation=two_arguments)
    with pytest.raises(ValueError, match=r"called as activation\(z\)"):
        clf.fit(X, y)
