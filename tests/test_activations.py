"""Tests for the hidden-layer activations in ``skautonet._activations``."""

import numpy as np
import pytest
from autograd import elementwise_grad

from skautonet._activations import ACTIVATIONS

ACTIVATION_NAMES = sorted(ACTIVATIONS)


@pytest.fixture
def pre_activations():
    """Values from N(0, 2) with no entry within 1e-3 of ReLU's kink at 0."""
    rng = np.random.RandomState(0)
    z = rng.normal(0.0, 2.0, size=(20, 6))
    return np.where(np.abs(z) > 1e-3, z, 0.5)


def test_registry_keys_match_names():
    for key, activation in ACTIVATIONS.items():
        assert key == activation.name


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_autograd(name, pre_activations):
    activation = ACTIVATIONS[name]
    z = pre_activations

    expected = elementwise_grad(activation)(z)
    actual = activation.derivative(z, activation(z))

    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_apply_inplace_matches_call(name, pre_activations):
    activation = ACTIVATIONS[name]
    expected = activation(pre_activations)

    buffer = pre_activations.copy()
    result = activation.apply_inplace(buffer)

    assert np.shares_memory(result, buffer)
    np.testing.assert_allclose(buffer, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(result, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_apply_inplace_keeps_float32(name, pre_activations):
    activation = ACTIVATIONS[name]
    buffer = pre_activations.astype(np.float32)

    result = activation.apply_inplace(buffer)

    assert result.dtype == np.float32
    np.testing.assert_allclose(result, activation(pre_activations), rtol=1e-6)


def test_logistic_saturates_without_overflow():
    logistic = ACTIVATIONS["logistic"]
    z = np.array([-1000.0, 1000.0])

    traced = logistic(z)
    in_place = logistic.apply_inplace(z.copy())
    slope = logistic.derivative(z, traced)

    for values in (traced, in_place):
        assert np.all(np.isfinite(values))
        assert np.all(values >= 0.0)
        assert np.all(values <= 1.0)
        np.testing.assert_allclose(values, [0.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(slope, [0.0, 0.0], rtol=0, atol=1e-15)
