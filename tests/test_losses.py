"""The ready-made losses of skautonet.losses, alone and inside the estimator."""

import pickle

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads
from helpers import fit_quietly
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV

from skautonet import AutogradMLPClassifier
from skautonet.losses import FocalLoss, LabelSmoothingLoss, LogLoss

OUT_ACTIVATIONS = ["softmax", "logistic"]

READY_MADE_LOSSES = [
    LogLoss(),
    FocalLoss(0.0),
    FocalLoss(1.0),
    FocalLoss(2.0),
    LabelSmoothingLoss(0.0),
    LabelSmoothingLoss(0.1),
]


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


def make_targets_and_logits(out_activation, seed, n_samples=8, n_outputs=3):
    """One-hot rows for softmax, independent 0/1 labels for logistic outputs."""
    rng = np.random.RandomState(seed)
    if out_activation == "softmax":
        targets = np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    else:
        targets = rng.randint(2, size=(n_samples, n_outputs)).astype(float)
    logits = rng.normal(scale=2.0, size=(n_samples, n_outputs))
    return targets, logits


def reference_cross_entropy(targets, logits, out_activation):
    """Per-example cross-entropy computed with SciPy, independent of autograd."""
    if out_activation == "softmax":
        return -np.sum(targets * log_softmax(logits, axis=1), axis=1)
    return -np.sum(
        targets * log_expit(logits) + (1 - targets) * log_expit(-logits), axis=1
    )


@pytest.fixture
def seeded_global_rng():
    """Seed NumPy's global generator, which check_grads draws directions from."""
    state = np.random.get_state()
    np.random.seed(0)
    yield
    np.random.set_state(state)


# -- values --------------------------------------------------------------------


def test_log_loss_matches_sklearn_metric():
    targets, logits = make_targets_and_logits("softmax", seed=0)

    losses = LogLoss()(targets, logits)

    expected = log_loss(
        targets.argmax(axis=1), softmax(logits, axis=1), labels=[0, 1, 2]
    )
    np.testing.assert_allclose(losses.mean(), expected, rtol=1e-12)


@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
@pytest.mark.parametrize(
    "loss",
    [LogLoss(), FocalLoss(0.0), LabelSmoothingLoss(0.0)],
    ids=repr,
)
def test_loss_equals_cross_entropy(loss, out_activation):
    targets, logits = make_targets_and_logits(out_activation, seed=1)

    losses = loss(targets, logits, out_activation=out_activation)

    expected = reference_cross_entropy(targets, logits, out_activation)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0])
def test_focal_loss_softmax_formula(gamma):
    targets, logits = make_targets_and_logits("softmax", seed=2)

    losses = FocalLoss(gamma)(targets, logits)

    p_true = np.sum(targets * softmax(logits, axis=1), axis=1)
    expected = -((1 - p_true) ** gamma) * np.log(p_true)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0])
def test_focal_loss_logistic_formula(gamma):
    targets, logits = make_targets_and_logits("logistic", seed=3)

    losses = FocalLoss(gamma)(targets, logits, out_activation="logistic")

    # p is the probability of each label's true value, 1 or 0.
    p = np.where(targets == 1, expit(logits), expit(-logits))
    expected = -np.sum((1 - p) ** gamma * np.log(p), axis=1)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
def test_focal_loss_down_weights_easy_examples(out_activation):
    # Class 0 is the true class of both rows. The model gives it
    # p = sigmoid(4) ~ 0.98 in the first row and sigmoid(-4) ~ 0.02 in the
    # second, in both output forms.
    targets = np.array([[1.0, 0.0], [1.0, 0.0]])
    logits = np.array([[2.0, -2.0], [-2.0, 2.0]])
    if out_activation == "logistic":
        targets, logits = targets[:, :1], logits[:, :1] - logits[:, 1:]

    focal = FocalLoss(2.0)(targets, logits, out_activation=out_activation)
    cross_entropy = LogLoss()(targets, logits, out_activation=out_activation)

    easy_ratio, hard_ratio = focal / cross_entropy
    assert easy_ratio < 0.01
    assert hard_ratio > 0.5
    assert np.all(focal <= cross_entropy)


@pytest.mark.parametrize("smoothing", [0.05, 0.1, 0.3])
def test_label_smoothing_softmax_targets(smoothing):
    targets, logits = make_targets_and_logits("softmax", seed=4, n_outputs=4)

    losses = LabelSmoothingLoss(smoothing)(targets, logits)

    smoothed = (1 - smoothing) * targets + smoothing / 4
    np.testing.assert_allclose(smoothed.sum(axis=1), 1.0)
    expected = -np.sum(smoothed * log_softmax(logits, axis=1), axis=1)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


@pytest.mark.parametrize("smoothing", [0.05, 0.1, 0.3])
def test_label_smoothing_logistic_targets(smoothing):
    targets, logits = make_targets_and_logits("logistic", seed=5)

    losses = LabelSmoothingLoss(smoothing)(targets, logits, out_activation="logistic")

    smoothed = (1 - smoothing) * targets + smoothing / 2
    expected = reference_cross_entropy(smoothed, logits, "logistic")
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


def test_label_smoothing_keeps_loss_above_zero():
    # A confident correct prediction costs about 0 without smoothing, not with.
    targets = np.array([[1.0, 0.0, 0.0]])
    logits = np.array([[50.0, 0.0, 0.0]])

    plain = LabelSmoothingLoss(0.0)(targets, logits)[0]
    smoothed = LabelSmoothingLoss(0.1)(targets, logits)[0]

    assert plain < 1e-12
    assert smoothed > 1.0


# -- extreme logits ------------------------------------------------------------

EXTREME_TARGETS = {
    "softmax": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
    "logistic": np.array([[1.0, 0.0], [0.0, 1.0]]),
}
EXTREME_LOGITS = {
    "softmax": np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]]),
    "logistic": np.array([[1000.0, -1000.0], [1000.0, -1000.0]]),
}


@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
@pytest.mark.parametrize("loss", [*READY_MADE_LOSSES, FocalLoss(0.5)], ids=repr)
def test_loss_finite_for_extreme_logits(loss, out_activation):
    targets = EXTREME_TARGETS[out_activation]
    logits = EXTREME_LOGITS[out_activation]

    losses = loss(targets, logits, out_activation=out_activation)

    assert np.all(np.isfinite(losses))
    # The second row is wrong by a margin of 2000 (softmax) or has two labels
    # off by 1000 each (logistic), so its loss must not saturate.
    assert losses[1] > 999.0


@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
@pytest.mark.parametrize("loss", READY_MADE_LOSSES, ids=repr)
def test_loss_gradient_finite_for_extreme_logits(loss, out_activation):
    targets = EXTREME_TARGETS[out_activation]
    logits = EXTREME_LOGITS[out_activation]

    gradient = grad(lambda z: anp.sum(loss(targets, z, out_activation=out_activation)))(
        logits
    )

    assert np.all(np.isfinite(gradient))


@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
def test_focal_gradient_finite_for_gamma_below_one(out_activation):
    targets = EXTREME_TARGETS[out_activation]
    logits = EXTREME_LOGITS[out_activation]
    loss = FocalLoss(0.5)

    with np.errstate(divide="ignore", invalid="ignore"):
        gradient = grad(
            lambda z: anp.sum(loss(targets, z, out_activation=out_activation))
        )(logits)

    assert np.all(np.isfinite(gradient))


# -- gradients -----------------------------------------------------------------


@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
@pytest.mark.parametrize("loss", [*READY_MADE_LOSSES, FocalLoss(0.5)], ids=repr)
def test_loss_gradient_matches_finite_differences(
    loss, out_activation, seeded_global_rng
):
    targets, logits = make_targets_and_logits(out_activation, seed=6)

    # Raises AssertionError if the reverse-mode first and second derivatives
    # disagree with central differences.
    check_grads(
        lambda z: loss(targets, z, out_activation=out_activation),
        modes=["rev"],
        order=2,
    )(logits)


# -- inside the estimator ------------------------------------------------------


@pytest.mark.parametrize(
    "loss", [LogLoss(), FocalLoss(0.0), LabelSmoothingLoss(0.0)], ids=repr
)
@pytest.mark.parametrize("data", ["iris", "binary_data", "multilabel_data"])
def test_cross_entropy_callables_match_builtin(request, data, loss):
    # The callable is traced and the built-in is a fused primitive, so with
    # the same seed the weights agree up to rounding.
    X, y = request.getfixturevalue(data)
    builtin = fit_quietly(quick_classifier(loss="log_loss"), X, y)
    traced = fit_quietly(quick_classifier(loss=loss), X, y)

    for builtin_coef, traced_coef in zip(builtin.coefs_, traced.coefs_):
        np.testing.assert_allclose(traced_coef, builtin_coef, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("data", "min_accuracy"),
    [("iris", 0.9), ("binary_data", 0.85), ("multilabel_data", 0.9)],
)
@pytest.mark.parametrize("loss", [FocalLoss(2.0), LabelSmoothingLoss(0.1)], ids=repr)
def test_estimator_with_loss_predicts_sensibly(request, loss, data, min_accuracy):
    X, y = request.getfixturevalue(data)
    clf = fit_quietly(quick_classifier(loss=loss), X, y)

    predicted = clf.predict(X)
    proba = clf.predict_proba(X)

    assert predicted.shape == y.shape
    assert np.all((proba >= 0) & (proba <= 1))
    # For multilabel targets, the share of correct labels.
    assert np.mean(predicted == y) > min_accuracy


@pytest.mark.parametrize(
    ("loss", "fragment"),
    [
        (FocalLoss(-1.0), "gamma must be at least 0, got -1.0"),
        (LabelSmoothingLoss(-0.1), "smoothing must be in [0, 1), got -0.1"),
        (LabelSmoothingLoss(1.0), "smoothing must be in [0, 1), got 1.0"),
    ],
    ids=repr,
)
def test_invalid_setting_raises_at_fit(iris, loss, fragment):
    X, y = iris
    clf = quick_classifier(loss=loss)

    with pytest.raises(ValueError) as raised:
        clf.fit(X, y)

    message = str(raised.value)
    assert "loss callable" in message
    assert fragment in message


# -- pickling, cloning and searching ------------------------------------------------


@pytest.mark.parametrize("loss", READY_MADE_LOSSES, ids=repr)
def test_loss_pickles_equal(loss):
    restored = pickle.loads(pickle.dumps(loss))

    assert restored == loss
    assert hash(restored) == hash(loss)


@pytest.mark.parametrize("loss", [FocalLoss(2.0), LabelSmoothingLoss(0.1)], ids=repr)
def test_estimator_with_loss_pickles(iris, loss):
    X, y = iris
    clf = fit_quietly(quick_classifier(loss=loss, max_iter=3), X, y)

    restored = pickle.loads(pickle.dumps(clf))

    assert restored.loss == loss
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("loss", READY_MADE_LOSSES, ids=repr)
def test_clone_keeps_equal_loss(loss):
    clf = quick_classifier(loss=loss)

    cloned = clone(clf)

    assert cloned.get_params()["loss"] == loss


def test_losses_with_other_settings_differ():
    assert FocalLoss(1.0) != FocalLoss(2.0)
    assert LabelSmoothingLoss(0.1) != LabelSmoothingLoss(0.2)
    assert FocalLoss(0.0) != LogLoss()


def test_grid_search_over_focal_gamma(iris):
    X, y = iris
    candidates = [FocalLoss(0.0), FocalLoss(2.0)]
    search = GridSearchCV(
        quick_classifier(), {"loss": candidates}, cv=2, error_score="raise"
    )

    fit_quietly(search, X, y)

    assert search.cv_results_["params"] == [{"loss": loss} for loss in candidates]
    assert search.best_params_["loss"] in candidates
    assert search.best_score_ > 0.8
