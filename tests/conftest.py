"""Shared fixtures: small data sets with fixed seeds."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def iris():
    """Iris features, standardized, and integer labels."""
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def binary_data():
    """A separable two-class problem with 60 samples and 5 features."""
    X, y = make_classification(
        n_samples=60,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        class_sep=2.0,
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="session")
def multilabel_data():
    """Three independent labels that depend on the signs of the features."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5])
    return X, Y.astype(int)
