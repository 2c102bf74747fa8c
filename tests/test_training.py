"""The training loops: equivalence with plain autograd, stopping, failures."""

import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from sklearn.exceptions import ConvergenceWarning

from skautonet import AutogradMLPClassifier, _training
from skautonet._network import ParameterLayout, initialize_parameters


def reference_loss(params, X, targets, alpha, output):
    """The model written the plain way: a list of (W, b) and autograd.numpy."""
    hidden = X
    for coef, intercept in params[:-1]:
        hidden = anp.maximum(anp.dot(hidden, coef) + intercept, 0.0)
    coef, intercept = params[-1]
    logits = anp.dot(hidden, coef) + intercept
    if output == "softmax":
        row_max = anp.max(logits, axis=1, keepdims=True)
        log_proba = logits - row_max
        log_proba = log_proba - anp.log(
            anp.sum(anp.exp(log_proba), axis=1, keepdims=True)
        )
        loss = -anp.mean(anp.sum(targets * log_proba, axis=1))
    else:
        loss = anp.mean(anp.sum(anp.logaddexp(0.0, logits) - targets * logits, axis=1))
    penalty = sum(anp.sum(coef**2) for coef, _ in params)
    return loss + 0.5 * alpha * penalty / X.shape[0]


def reference_sgd(X, targets, hidden, alpha, output, epochs, seed):
    """Per-example SGD with autograd.grad, drawing the estimator's random stream."""
    layout = ParameterLayout((X.shape[1], *hidden, targets.shape[1]))
    random_state = np.random.RandomState(seed)
    theta = initialize_parameters(
        layout, "normal", 0.01, "relu", random_state, np.float64
    )
    coefs, intercepts = layout.views(theta)
    params = [(c.copy(), b.copy()) for c, b in zip(coefs, intercepts)]
    loss_gradient = grad(reference_loss)

    for _ in range(epochs):
        for row in random_state.permutation(X.shape[0]):
            grads = loss_gradient(
                params, X[row : row + 1], targets[row : row + 1], alpha, output
            )
            params = [
                (coef - 0.01 * coef_grad, intercept - 0.01 * intercept_grad)
                for (coef, intercept), (coef_grad, intercept_grad) in zip(params, grads)
            ]
    return params


@pytest.mark.parametrize(
    ("n_classes", "hidden", "alpha"),
    [(3, (8,), 0.0), (3, (6, 5), 0.1), (2, (8,), 0.01)],
    ids=["iris-like", "two-hidden-l2", "binary"],
)
def test_fast_path_matches_plain_autograd(iris, n_classes, hidden, alpha):
    X, y = iris
    keep = y < n_classes
    X, y = X[keep], y[keep]
    epochs = 3
    clf = AutogradMLPClassifier(
        hidden_layer_sizes=hidden,
        init="normal",
        alpha=alpha,
        learning_rate_init=0.01,
        max_iter=epochs,
        random_state=7,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)

    if n_classes == 2:
        targets, output = (y == 1).astype(float)[:, None], "logistic"
    else:
        targets, output = np.eye(n_classes)[y], "softmax"
    params = reference_sgd(X, targets, hidden, alpha, output, epochs, seed=7)

    for layer, (coef, intercept) in enumerate(params):
        np.testing.assert_allclose(clf.coefs_[layer], coef, rtol=0, atol=1e-10)
        np.testing.assert_allclose(
            clf.intercepts_[layer], intercept, rtol=0, atol=1e-10
        )


def test_zero_weight_example_takes_no_step(iris, monkeypatch):
    X, y = iris
    steps = []
    original = _training.value_and_gradient

    def recording(objective, theta, X_batch, targets, weights, spec):
        steps.append(float(weights[0]))
        return original(objective, theta, X_batch, targets, weights, spec)

    monkeypatch.setattr(_training, "value_and_gradient", recording)
    weights = np.ones(X.shape[0])
    weights[::3] = 0.0
    clf = AutogradMLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=weights)

    assert len(steps) == X.shape[0] - 50
    assert 0.0 not in steps
    assert np.all(np.isfinite(clf.coefs_[0]))


def test_divergence_raises_and_names_fix(iris):
    X, y = iris
    clf = AutogradMLPClassifier(
        hidden_layer_sizes=(8,), learning_rate_init=1e6, max_iter=5, random_state=0
    )
    with pytest.raises(ValueError, match="learning_rate_init") as excinfo:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(X * 1e3, y)
    assert "StandardScaler" in str(excinfo.value)
    assert not hasattr(clf, "coefs_")


def test_max_iter_warns_convergence(iris):
    X, y = iris
    clf = AutogradMLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(2\)"):
        clf.fit(X, y)
    assert clf.n_iter_ == 2


def test_tol_stops_before_max_iter(iris):
    X, y = iris
    clf = AutogradMLPClassifier(
        hidden_layer_sizes=(8,),
        max_iter=200,
        tol=10.0,
        n_iter_no_change=2,
        random_state=0,
    )
    clf.fit(X, y)
    # The first epoch always improves on the initial best loss of infinity.
    # With tol larger than any later improvement, every further epoch counts
    # as stalled, and training stops once the count passes n_iter_no_change.
    assert clf.n_iter_ == 4


def test_keyboard_interrupt_keeps_model(iris, monkeypatch):
    X, y = iris
    calls = {"count": 0}
    original = _training.value_and_gradient

    def interrupting(*args):
        calls["count"] += 1
        if calls["count"] == 200:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(_training, "value_and_gradient", interrupting)
    clf = AutogradMLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)

    assert clf.n_iter_ == 2
    assert len(clf.loss_curve_) == 2
    assert clf.predict(X).shape == (X.shape[0],)
    assert np.all(np.isfinite(clf.predict_proba(X)))
