"""Finite-difference and value checks of the fused primitives' VJPs."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd.test_util import check_grads
from scipy import sparse

from skautonet._activations import ACTIVATIONS
from skautonet._network import ParameterLayout
from skautonet._primitives import (
    Penalty,
    add_penalty,
    dense,
    dense_cross_entropy,
)

ACTIVATION_NAMES = sorted(ACTIVATIONS)
N_SAMPLES = 5
N_OUTPUTS = 3


@pytest.fixture(autouse=True)
def seeded_global_rng():
    """Seed NumPy's global generator, which check_grads draws directions from."""
    state = np.random.get_state()
    np.random.seed(0)
    yield
    np.random.set_state(state)


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture
def layout():
    """A 3-4-2 network: the second block starts at offset 3 * 4 + 4 = 16."""
    return ParameterLayout((3, 4, 2))


@pytest.fixture
def theta(layout, rng):
    return rng.normal(0.0, 0.7, size=layout.n_params)


def make_layer_input(rng, block):
    return rng.normal(size=(N_SAMPLES, block.fan_in))


def check_reverse_mode(function, point):
    check_grads(function, modes=["rev"], order=1)(point)


def make_targets(rng, kind, n_columns):
    """Build a (N_SAMPLES, n_columns) target matrix of the given kind."""
    if kind == "one_hot":
        return np.eye(n_columns)[rng.randint(n_columns, size=N_SAMPLES)]
    if kind == "smoothed":
        one_hot = np.eye(n_columns)[rng.randint(n_columns, size=N_SAMPLES)]
        return 0.9 * one_hot + 0.1 / n_columns
    if kind == "binary":
        return rng.randint(2, size=(N_SAMPLES, n_columns)).astype(float)
    if kind == "soft":
        return rng.uniform(0.0, 1.0, size=(N_SAMPLES, n_columns))
    if kind == "unnormalized":
        return rng.uniform(0.0, 2.0, size=(N_SAMPLES, n_columns))
    raise ValueError(
        f"invalid target kind {kind!r}, expected one of one_hot, smoothed, "
        "binary, soft or unnormalized"
    )


def make_weights(rng, kind):
    if kind is None:
        return None
    return rng.uniform(0.1, 3.0, size=N_SAMPLES)


# -- dense --------------------------------------------------------------------


def test_second_block_starts_after_first(layout):
    first, second = layout.blocks

    assert second.coef_start == first.end
    assert second.coef_start == 16


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_theta_gradient_matches_differences(name, layer, layout, theta, rng):
    block = layout.blocks[layer]
    activation = ACTIVATIONS[name]
    x = make_layer_input(rng, block)
    # ReLU has a kink at 0, so the finite differences must not straddle it.
    pre_activation = x @ block.coef(theta) + block.intercept(theta)
    assert np.min(np.abs(pre_activation)) > 1e-3

    check_reverse_mode(lambda params: dense(params, x, block, activation), theta)


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_input_gradient_matches_differences(name, layer, layout, theta, rng):
    block = layout.blocks[layer]
    activation = ACTIVATIONS[name]
    x = make_layer_input(rng, block)
    pre_activation = x @ block.coef(theta) + block.intercept(theta)
    assert np.min(np.abs(pre_activation)) > 1e-3

    check_reverse_mode(lambda inputs: dense(theta, inputs, block, activation), x)


@pytest.mark.parametrize("layer", [0, 1])
def test_dense_gradient_zero_outside_block(layer, layout, theta, rng):
    block = layout.blocks[layer]
    x = make_layer_input(rng, block)
    cotangent = rng.normal(size=(N_SAMPLES, block.fan_out))

    gradient = grad(
        lambda params: anp.sum(cotangent * dense(params, x, block, ACTIVATIONS["tanh"]))
    )(theta)

    inside = np.zeros(layout.n_params, dtype=bool)
    inside[block.coef_start : block.end] = True
    assert np.all(gradient[~inside] == 0.0)
    assert np.all(gradient[inside] != 0.0)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_sparse_input_matches_dense(name, layout, theta, rng):
    block = layout.blocks[1]
    activation = ACTIVATIONS[name]
    x = make_layer_input(rng, block) * (rng.uniform(size=(N_SAMPLES, 4)) < 0.5)
    x_sparse = sparse.csr_matrix(x)
    cotangent = rng.normal(size=(N_SAMPLES, block.fan_out))

    def weighted_output(params, inputs):
        return anp.sum(cotangent * dense(params, inputs, block, activation))

    np.testing.assert_allclose(
        dense(theta, x_sparse, block, activation),
        dense(theta, x, block, activation),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        grad(lambda params: weighted_output(params, x_sparse))(theta),
        grad(lambda params: weighted_output(params, x))(theta),
        rtol=1e-12,
    )


# -- output layer with loss and penalty ------------------------------------------


def output_loss(theta, hidden, block, targets, weights, output, penalty=None):
    return dense_cross_entropy(theta, hidden, block, targets, weights, output, penalty)


@pytest.mark.parametrize("with_penalty", [False, True])
@pytest.mark.parametrize("weights_kind", [None, "positive"])
@pytest.mark.parametrize(
    ("output", "targets_kind"),
    [("softmax", "one_hot"), ("softmax", "smoothed"), ("logistic", "binary")],
)
def test_output_loss_theta_gradient(
    layout, theta, rng, output, targets_kind, weights_kind, with_penalty
):
    block = layout.blocks[1]
    hidden = make_layer_input(rng, block)
    targets = make_targets(rng, targets_kind, block.fan_out)
    weights = make_weights(rng, weights_kind)
    penalty = Penalty(layout.blocks, 0.3, 0.2) if with_penalty else None

    check_reverse_mode(
        lambda params: output_loss(
            params, hidden, block, targets, weights, output, penalty
        ),
        theta,
    )


@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_output_loss_input_gradient(layout, theta, rng, output):
    block = layout.blocks[1]
    hidden = make_layer_input(rng, block)
    kind = "one_hot" if output == "softmax" else "binary"
    targets = make_targets(rng, kind, block.fan_out)
    weights = make_weights(rng, "positive")

    check_reverse_mode(
        lambda values: output_loss(theta, values, block, targets, weights, output),
        hidden,
    )


def test_output_loss_matches_traced_cross_entropy(layout, theta, rng):
    block = layout.blocks[1]
    hidden = make_layer_input(rng, block)
    targets = make_targets(rng, "one_hot", block.fan_out)
    weights = make_weights(rng, "positive")
    coefs, intercepts = layout.views(theta)
    logits = hidden @ coefs[1] + intercepts[1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_proba = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = np.mean(weights * -np.sum(targets * log_proba, axis=1))

    value = output_loss(theta, hidden, block, targets, weights, "softmax")

    np.testing.assert_allclose(value, expected, rtol=1e-13)


def extreme_logit_layer():
    """A 3-3 identity layer, so the logits equal the input row."""
    layout = ParameterLayout((3, 3))
    theta = layout.pack([np.eye(3)], [np.zeros(3)], np.float64)
    return layout.blocks[0], theta


@pytest.mark.parametrize(
    ("target_class", "expected_loss"), [(0, 0.0), (1, 1000.0), (2, 2000.0)]
)
def test_softmax_loss_exact_for_extreme_logits(target_class, expected_loss):
    block, theta = extreme_logit_layer()
    logits = np.array([[1000.0, 0.0, -1000.0]])
    targets = np.eye(3)[[target_class]]

    loss = output_loss(theta, logits, block, targets, None, "softmax")
    gradient = grad(output_loss, 1)(theta, logits, block, targets, None, "softmax")

    assert np.isfinite(loss)
    assert loss == expected_loss
    # softmax(logits) is [1, 0, 0] to double precision.
    np.testing.assert_allclose(gradient, np.eye(3)[[0]] - targets, atol=1e-300)


def test_sigmoid_loss_finite_for_extreme_logits():
    layout = ParameterLayout((2, 2))
    block = layout.blocks[0]
    theta = layout.pack([np.eye(2)], [np.zeros(2)], np.float64)
    logits = np.array([[1000.0, -1000.0]])
    targets = np.array([[0.0, 1.0]])

    loss = output_loss(theta, logits, block, targets, None, "logistic")
    gradient = grad(output_loss, 1)(theta, logits, block, targets, None, "logistic")

    assert loss == 2000.0
    np.testing.assert_allclose(gradient, [[1.0, -1.0]], atol=1e-300)


def test_output_loss_rejects_gradient_in_targets(layout, theta, rng):
    block = layout.blocks[1]
    hidden = make_layer_input(rng, block)
    targets = make_targets(rng, "one_hot", block.fan_out)

    with pytest.raises(NotImplementedError, match="theta and their input only"):
        grad(output_loss, 3)(theta, hidden, block, targets, None, "softmax")


# -- penalties ------------------------------------------------------------------


def test_penalty_value_sums_coefficients(layout, theta):
    coefs, _ = layout.views(theta)
    squared_norm = sum(np.sum(coef**2) for coef in coefs)
    absolute_sum = sum(np.sum(np.abs(coef)) for coef in coefs)

    total = add_penalty(1.25, theta, Penalty(layout.blocks, 0.3, 0.2))

    expected = 1.25 + 0.5 * 0.3 * squared_norm + 0.2 * absolute_sum
    np.testing.assert_allclose(total, expected, rtol=1e-14)


def test_penalty_loss_gradient_matches_differences(layout, theta):
    penalty = Penalty(layout.blocks, 0.3, 0.2)
    check_reverse_mode(lambda loss: add_penalty(loss, theta, penalty), 1.25)


def test_penalty_theta_gradient_matches_differences(layout, theta):
    penalty = Penalty(layout.blocks, 0.3, 0.2)
    check_reverse_mode(lambda params: add_penalty(1.25, params, penalty), theta)


def test_penalty_skips_intercepts(layout, theta):
    l2, l1 = 0.3, 0.2
    penalty = Penalty(layout.blocks, l2, l1)

    gradient = grad(lambda params: add_penalty(1.25, params, penalty))(theta)

    coef_gradients, intercept_gradients = layout.views(gradient)
    coefs, _ = layout.views(theta)
    for intercept_gradient in intercept_gradients:
        assert np.all(intercept_gradient == 0.0)
    for coef_gradient, coef in zip(coef_gradients, coefs):
        np.testing.assert_allclose(
            coef_gradient, l2 * coef + l1 * np.sign(coef), rtol=1e-14
        )
