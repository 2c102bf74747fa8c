"""check_gradients: autograd's gradient of the objective against differences."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd.extend import defvjp, primitive
from helpers import fit_quietly

from skautonet import AutogradMLPClassifier, GradientCheck, check_gradients
from skautonet._activations import ACTIVATIONS
from skautonet.losses import FocalLoss, LabelSmoothingLoss

# A correct gradient gives relative errors of about 1e-9 to 1e-6 here. The
# finite differences carry a rounding error of about 1e-10, so an entry
# whose gradient is just above check_gradients' floor of 1e-6 can read up
# to about 1e-4 even when it is exact. Every case below stays under 1e-6,
# so the bound leaves a tenfold margin for other BLAS builds.
TOLERANCE = 1e-5

# Finite-difference step of check_gradients.
EPSILON = 1e-6

# Activations whose slope jumps at 0.
KINKED_ACTIVATIONS = {"relu", "leaky_relu"}


def quick_classifier(**params):
    """Return a small, seeded estimator with ``params`` overriding defaults."""
    defaults = {
        "hidden_layer_sizes": (5,),
        "activation": "tanh",
        "solver": "adam",
        "batch_size": 10,
        "max_iter": 2,
        "alpha": 0.1,
        "random_state": 0,
    }
    defaults.update(params)
    return AutogradMLPClassifier(**defaults)


@pytest.fixture(scope="module")
def small_iris(iris):
    """Every fifth flower: 30 rows, 10 of each class."""
    X, y = iris
    return X[::5], y[::5]


def hidden_pre_activations(estimator, X):
    """Return the first hidden layer's input to the activation."""
    return X @ estimator.coefs_[0] + estimator.intercepts_[0]


# -- correct gradients pass ------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_builtin_activation_gradient_passes(small_iris, activation):
    X, y = small_iris
    clf = fit_quietly(quick_classifier(activation=activation), X, y)

    # ReLU and leaky ReLU have a kink at 0. A central difference whose step
    # crosses it averages the two slopes and disagrees with autograd, so the
    # seed must keep every hidden pre-activation farther than EPSILON from 0.
    # With random_state=0 the closest is above 1e-3, checked here.
    if activation in KINKED_ACTIVATIONS:
        margin = np.abs(hidden_pre_activations(clf, X)).min()
        assert margin > 1000 * EPSILON

    result = check_gradients(clf, X, y, epsilon=EPSILON)

    assert result.max_relative_error < TOLERANCE


def test_callable_activation_gradient_passes(small_iris):
    X, y = small_iris
    clf = quick_classifier(activation=lambda z: z / (1.0 + anp.abs(z)))

    result = check_gradients(clf, X, y)

    assert result.max_relative_error < TOLERANCE


@pytest.mark.parametrize(
    "loss",
    ["log_loss", FocalLoss(2.0), FocalLoss(0.5), LabelSmoothingLoss(0.1)],
    ids=str,
)
def test_loss_gradient_passes(small_iris, loss):
    X, y = small_iris
    clf = quick_classifier(loss=loss)

    result = check_gradients(clf, X, y)

    assert result.max_relative_error < TOLERANCE


def quartic_penalty(coefs):
    return sum(anp.sum(coef**4) for coef in coefs)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", quartic_penalty])
def test_penalty_gradient_passes(small_iris, penalty):
    X, y = small_iris
    clf = fit_quietly(quick_classifier(penalty=penalty, alpha=0.5), X, y)

    # |w| has a kink at 0 like ReLU, so no coefficient may be within EPSILON
    # of 0. No intercept is penalised.
    margin = min(np.abs(coef).min() for coef in clf.coefs_)
    assert margin > 10 * EPSILON

    result = check_gradients(clf, X, y, epsilon=EPSILON)

    assert result.max_relative_error < TOLERANCE


@pytest.mark.parametrize(
    "weights",
    ["sample_weight", "class_weight_dict", "class_weight_balanced", "both"],
)
def test_weighted_gradient_passes(small_iris, weights):
    X, y = small_iris
    # An unbalanced subset, so that "balanced" weights differ from 1.
    X, y = X[4:], y[4:]
    sample_weight = None
    params = {}
    if weights in ("sample_weight", "both"):
        sample_weight = np.random.RandomState(1).uniform(0.5, 3.0, size=len(y))
    if weights in ("class_weight_dict", "both"):
        params["class_weight"] = {0: 1.0, 1: 4.0, 2: 0.5}
    if weights == "class_weight_balanced":
        params["class_weight"] = "balanced"
    clf = quick_classifier(**params)

    result = check_gradients(clf, X, y, sample_weight=sample_weight)

    assert result.max_relative_error < TOLERANCE


@pytest.mark.parametrize("fitted", [False, True], ids=["unfitted", "fitted"])
@pytest.mark.parametrize("data", ["iris", "binary_data", "multilabel_data"])
def test_gradient_passes_for_target_kind(request, data, fitted):
    X, y = request.getfixturevalue(data)
    # Iris is sorted by class, so take every fourth row rather than the first.
    X, y = X[::4], y[::4]
    clf = quick_classifier()
    if fitted:
        fit_quietly(clf, X, y)

    result = check_gradients(clf, X, y)

    assert result.max_relative_error < TOLERANCE


def test_result_counts_checked_parameters(small_iris):
    X, y = small_iris
    # A 4-5-3 network has 4 * 5 + 5 + 5 * 3 + 3 = 43 parameters.
    all_params = check_gradients(quick_classifier(), X, y)
    sampled = check_gradients(quick_classifier(), X, y, max_params=10)

    assert isinstance(all_params, GradientCheck)
    assert all_params.n_checked == 43
    assert sampled.n_checked == 10
    assert 0 <= sampled.worst_index < 43


# -- wrong gradients are detected ----------------------------------------------


@primitive
def tanh_with_doubled_gradient(z):
    """tanh, whose vector-Jacobian product below is deliberately twice too big."""
    return np.tanh(z)


defvjp(tanh_with_doubled_gradient, lambda ans, z: lambda g: 2.0 * g * (1.0 - ans**2))


@primitive
def tanh_with_sign_flipped_gradient(z):
    """tanh, whose vector-Jacobian product below has the wrong sign."""
    return np.tanh(z)


defvjp(tanh_with_sign_flipped_gradient, lambda ans, z: lambda g: -g * (1.0 - ans**2))


@pytest.mark.parametrize(
    "activation",
    [tanh_with_doubled_gradient, tanh_with_sign_flipped_gradient],
    ids=["doubled", "sign-flipped"],
)
@pytest.mark.parametrize("fitted", [False, True], ids=["unfitted", "fitted"])
def test_wrong_gradient_detected(small_iris, activation, fitted):
    X, y = small_iris
    clf = quick_classifier(activation=activation)
    if fitted:
        fit_quietly(clf, X, y)

    result = check_gradients(clf, X, y)

    assert result.max_relative_error > 1e-2
    # Only the first layer's parameters come before the wrong activation.
    first_layer_size = X.shape[1] * 5 + 5
    assert result.worst_index < first_layer_size


# -- the estimator is left alone -------------------------------------------------


def test_fitted_estimator_unchanged(small_iris):
    X, y = small_iris
    clf = fit_quietly(quick_classifier(), X, y)
    coefs = [coef.copy() for coef in clf.coefs_]
    intercepts = [intercept.copy() for intercept in clf.intercepts_]
    params = clf.get_params()
    n_iter = clf.n_iter_

    check_gradients(clf, X, y, sample_weight=np.arange(1.0, len(y) + 1.0))

    for before, after in zip(coefs, clf.coefs_):
        np.testing.assert_array_equal(after, before)
    for before, after in zip(intercepts, clf.intercepts_):
        np.testing.assert_array_equal(after, before)
    assert clf.get_params() == params
    assert clf.n_iter_ == n_iter


def test_unfitted_estimator_stays_unfitted(small_iris):
    X, y = small_iris
    clf = quick_classifier(random_state=None)

    check_gradients(clf, X, y)

    assert not hasattr(clf, "coefs_")
    assert not hasattr(clf, "classes_")
    assert clf.random_state is None


def test_unfitted_check_uses_initial_weights(small_iris):
    # For an unfitted estimator the gradient is taken at the weights fit
    # starts from, so the same estimator gives the same result twice, and a
    # different seed gives a different one.
    X, y = small_iris
    first = check_gradients(quick_classifier(random_state=3), X, y)
    again = check_gradients(quick_classifier(random_state=3), X, y)
    other = check_gradients(quick_classifier(random_state=4), X, y)

    assert first == again
    assert first.max_absolute_error != other.max_absolute_error


def test_unfitted_check_accepts_random_state_instance(small_iris):
    X, y = small_iris
    clf = quick_classifier(random_state=np.random.RandomState(0))

    result = check_gradients(clf, X, y)

    assert result.max_relative_error < TOLERANCE
