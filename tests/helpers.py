"""Helpers shared by the test modules (pytest puts this folder on sys.path)."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning


def fit_quietly(estimator, X, y, **fit_params):
    """Fit, allowing only the ConvergenceWarning of a short max_iter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, **fit_params)
    return estimator


def assert_same_weights(first, second, **tolerance):
    """Assert that two fitted estimators have the same weights."""
    for coef_a, coef_b in zip(first.coefs_, second.coefs_):
        np.testing.assert_allclose(coef_a, coef_b, **tolerance)
    for intercept_a, intercept_b in zip(first.intercepts_, second.intercepts_):
        np.testing.assert_allclose(intercept_a, intercept_b, **tolerance)
