"""Tests for the parameter layout, the losses and the two objectives."""

import numpy as np
import pytest
from autograd import grad
from scipy.special import expit, softmax
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from skautonet._activations import ACTIVATIONS
from skautonet._network import (
    ObjectiveSpec,
    ParameterLayout,
    binary_cross_entropy,
    categorical_cross_entropy,
    forward_logits_numpy,
    forward_numpy,
    fused_objective,
    initialize_parameters,
    log_softmax,
    traced_forward,
    traced_objective,
)

ACTIVATION_NAMES = sorted(ACTIVATIONS)
# 5 features, two hidden layers of 6 and 4 units, 3 outputs.
NETWORK_SIZES = (5, 6, 4, 3)


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture
def network_layout():
    return ParameterLayout(NETWORK_SIZES)


@pytest.fixture
def network_theta(network_layout, rng):
    return rng.normal(0.0, 0.5, size=network_layout.n_params)


@pytest.fixture
def network_inputs(rng):
    return rng.normal(size=(12, NETWORK_SIZES[0]))


def make_targets(rng, output, n_samples, n_columns):
    """One-hot rows for ``"softmax"``, independent 0/1 labels for ``"logistic"``."""
    if output == "softmax":
        return np.eye(n_columns)[rng.randint(n_columns, size=n_samples)]
    return rng.randint(2, size=(n_samples, n_columns)).astype(float)


# -- losses -------------------------------------------------------------------


def test_log_softmax_exact_for_extreme_logits():
    result = log_softmax(np.array([[1000.0, 0.0, -1000.0]]))

    assert np.all(np.isfinite(result))
    np.testing.assert_array_equal(result, [[0.0, -1000.0, -2000.0]])


def test_log_softmax_rows_normalized(rng):
    logits = rng.normal(0.0, 10.0, size=(8, 5))

    row_sums = np.exp(log_softmax(logits)).sum(axis=1)

    np.testing.assert_allclose(row_sums, np.ones(8), rtol=1e-14)


def test_categorical_loss_matches_log_loss(rng):
    logits = rng.normal(0.0, 2.0, size=(30, 4))
    labels = rng.randint(4, size=30)
    targets = np.eye(4)[labels]

    losses = categorical_cross_entropy(targets, logits)
    expected = log_loss(labels, softmax(logits, axis=1), labels=np.arange(4))

    assert losses.shape == (30,)
    np.testing.assert_allclose(np.mean(losses), expected, rtol=1e-12)


def test_binary_loss_matches_formula(rng):
    logits = rng.normal(0.0, 2.0, size=(30, 3))
    targets = rng.randint(2, size=(30, 3)).astype(float)
    probabilities = expit(logits)

    losses = binary_cross_entropy(targets, logits)
    expected = -np.sum(
        targets * np.log(probabilities) + (1.0 - targets) * np.log(1.0 - probabilities),
        axis=1,
    )

    np.testing.assert_allclose(losses, expected, rtol=1e-10)


# -- parameter layout ---------------------------------------------------------


def test_layout_counts_parameters():
    assert ParameterLayout((4, 8, 3)).n_params == 4 * 8 + 8 + 8 * 3 + 3


def test_layout_views_share_memory():
    layout = ParameterLayout((4, 8, 3))
    theta = np.arange(layout.n_params, dtype=float)

    coefs, intercepts = layout.views(theta)

    for view in [*coefs, *intercepts]:
        assert np.shares_memory(view, theta)
    coefs[1][2, 1] = -1.0
    assert theta[4 * 8 + 8 + 2 * 3 + 1] == -1.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_layout_views_match_sklearn_shapes(rng):
    X = rng.normal(size=(30, 4))
    y = rng.randint(3, size=30)
    reference = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, random_state=0)
    reference.fit(X, y)
    layout = ParameterLayout((4, 8, 3))

    coefs, intercepts = layout.views(np.zeros(layout.n_params))

    assert [coef.shape for coef in coefs] == [c.shape for c in reference.coefs_]
    assert [b.shape for b in intercepts] == [b.shape for b in reference.intercepts_]


def test_layout_pack_round_trips(rng):
    layout = ParameterLayout((4, 8, 3))
    coefs = [rng.normal(size=(4, 8)), rng.normal(size=(8, 3))]
    intercepts = [rng.normal(size=8), rng.normal(size=3)]

    theta = layout.pack(coefs, intercepts, np.float64)
    unpacked_coefs, unpacked_intercepts = layout.views(theta)

    assert theta.shape == (layout.n_params,)
    for unpacked, original in zip(unpacked_coefs, coefs):
        np.testing.assert_array_equal(unpacked, original)
    for unpacked, original in zip(unpacked_intercepts, intercepts):
        np.testing.assert_array_equal(unpacked, original)
    np.testing.assert_array_equal(layout.pack(*layout.views(theta), np.float64), theta)


# -- initialisation -----------------------------------------------------------


def test_normal_init_uses_init_std():
    layout = ParameterLayout((200, 100))

    theta = initialize_parameters(
        layout, "normal", 0.01, "relu", np.random.RandomState(0), np.float64
    )

    assert abs(np.std(theta) - 0.01) < 0.1 * 0.01


@pytest.mark.parametrize(
    ("activation", "factor"), [("relu", 6.0), ("tanh", 6.0), ("logistic", 2.0)]
)
def test_glorot_init_respects_bound(activation, factor):
    layout = ParameterLayout((50, 30, 20))

    theta = initialize_parameters(
        layout, "glorot_uniform", None, activation, np.random.RandomState(0), np.float64
    )

    for block in layout.blocks:
        bound = np.sqrt(factor / (block.fan_in + block.fan_out))
        largest = np.max(np.abs(theta[block.coef_start : block.end]))
        assert largest <= bound
        # With over 600 uniform draws per block the largest comes close.
        assert largest > 0.95 * bound


@pytest.mark.parametrize("init", ["normal", "glorot_uniform"])
def test_init_repeats_with_same_seed(init, network_layout):
    def draw():
        return initialize_parameters(
            network_layout, init, 0.01, "relu", np.random.RandomState(0), np.float64
        )

    np.testing.assert_array_equal(draw(), draw())


@pytest.mark.parametrize("init", ["normal", "glorot_uniform"])
def test_init_honours_float32(init, network_layout):
    theta = initialize_parameters(
        network_layout, init, 0.01, "relu", np.random.RandomState(0), np.float32
    )

    assert theta.dtype == np.float32
    assert theta.shape == (network_layout.n_params,)


# -- traced and fused objectives ---------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("weights_kind", [None, "positive"])
@pytest.mark.parametrize("output", ["softmax", "logistic"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_fused_objective_matches_traced(
    activation,
    output,
    weights_kind,
    alpha,
    network_layout,
    network_theta,
    network_inputs,
    rng,
):
    n_samples = network_inputs.shape[0]
    targets = make_targets(rng, output, n_samples, NETWORK_SIZES[-1])
    sample_weight = None
    if weights_kind == "positive":
        sample_weight = rng.uniform(0.1, 3.0, size=n_samples)
    spec = ObjectiveSpec(network_layout, activation, output, alpha)
    arguments = (network_inputs, targets, sample_weight, spec)

    traced_value = traced_objective(network_theta, *arguments)
    fused_value = fused_objective(network_theta, *arguments)
    traced_gradient = grad(traced_objective)(network_theta, *arguments)
    fused_gradient = grad(fused_objective)(network_theta, *arguments)

    np.testing.assert_allclose(fused_value, traced_value, rtol=1e-12)
    np.testing.assert_allclose(fused_gradient, traced_gradient, rtol=1e-12)


# -- inference ----------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_numpy_logits_match_traced(
    activation, network_layout, network_theta, network_inputs
):
    coefs, intercepts = network_layout.views(network_theta)

    logits = forward_logits_numpy(network_inputs, coefs, intercepts, activation)
    expected = traced_forward(network_theta, network_inputs, network_layout, activation)

    np.testing.assert_allclose(logits, expected, rtol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_softmax_probabilities_sum_to_one(
    activation, network_layout, network_theta, network_inputs
):
    coefs, intercepts = network_layout.views(network_theta)
    expected_logits = traced_forward(
        network_theta, network_inputs, network_layout, activation
    )

    probabilities = forward_numpy(
        network_inputs, coefs, intercepts, activation, "softmax"
    )

    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(
        probabilities, softmax(expected_logits, axis=1), rtol=1e-12
    )


def test_logistic_probabilities_match_expit(
    network_layout, network_theta, network_inputs
):
    coefs, intercepts = network_layout.views(network_theta)
    expected_logits = traced_forward(
        network_theta, network_inputs, network_layout, "tanh"
    )

    probabilities = forward_numpy(network_inputs, coefs, intercepts, "tanh", "logistic")

    np.testing.assert_allclose(probabilities, expit(expected_logits), rtol=1e-12)


@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_forward_leaves_inputs_unchanged(
    output, network_layout, network_theta, network_inputs
):
    original_theta = network_theta.copy()
    original_inputs = network_inputs.copy()
    coefs, intercepts = network_layout.views(network_theta)

    forward_numpy(network_inputs, coefs, intercepts, "relu", output)

    np.testing.assert_array_equal(network_inputs, original_inputs)
    np.testing.assert_array_equal(network_theta, original_theta)
