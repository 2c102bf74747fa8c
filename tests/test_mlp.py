"""Behaviour of AutogradMLPClassifier: labels, attributes, errors, output."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from autograd.tracer import Box
from helpers import fit_quietly
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skautonet import AutogradMLPClassifier


def quick_classifier(**params):
    """A small, fast, seeded estimator; the tests override what they need."""
    defaults = {"hidden_layer_sizes": (8,), "max_iter": 20, "random_state": 0}
    defaults.update(params)
    return AutogradMLPClassifier(**defaults)


@pytest.fixture(scope="module")
def fitted_iris(iris):
    X, y = iris
    clf = quick_classifier(max_iter=30, n_iter_no_change=100)
    return fit_quietly(clf, X, y), X, y


# -- labels and probabilities -------------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["setosa", "versicolor", "virginica"]),
        np.array([-7, 3, 100]),
        np.array([2, 4, 9], dtype=np.uint8),
        np.array([1.0, 2.0, 5.0]),
    ],
    ids=["strings", "negative-noncontiguous", "uint8", "floats"],
)
def test_predict_returns_original_labels(iris, labels):
    X, y = iris
    y_labels = labels[y]
    clf = fit_quietly(quick_classifier(), X, y_labels)

    predicted = clf.predict(X)

    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    assert predicted.dtype == y_labels.dtype
    assert set(predicted) <= set(labels)
    assert np.mean(predicted == y_labels) > 0.8


def test_predict_proba_columns_follow_classes(iris):
    X, y = iris
    labels = np.array(["c", "a", "b"])
    clf = fit_quietly(quick_classifier(), X, labels[y])

    proba = clf.predict_proba(X)

    assert proba.shape == (X.shape[0], 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(
        clf.classes_[np.argmax(proba, axis=1)], clf.predict(X)
    )


def test_binary_proba_has_two_columns(binary_data):
    X, y = binary_data
    clf = fit_quietly(quick_classifier(), X, np.where(y == 1, "yes", "no"))

    proba = clf.predict_proba(X)

    assert clf.n_outputs_ == 1
    assert clf.out_activation_ == "logistic"
    assert proba.shape == (X.shape[0], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted_yes = proba[:, 1] > 0.5
    np.testing.assert_array_equal(clf.predict(X) == "yes", predicted_yes)
    assert clf.score(X, np.where(y == 1, "yes", "no")) > 0.9


def test_predict_log_proba_is_log_of_proba(fitted_iris):
    clf, X, _ = fitted_iris
    np.testing.assert_allclose(
        clf.predict_log_proba(X), np.log(clf.predict_proba(X)), rtol=1e-12
    )


def test_single_class_raises_clear_error(iris):
    X, _ = iris
    message = "at least 2 classes, got only one class: ['only']"
    with pytest.raises(ValueError, match=re.escape(message)):
        quick_classifier().fit(X, np.array(["only"] * X.shape[0]))


# -- fitted attributes --------------------------------------------------------


def test_fitted_attributes_match_mlpclassifier_shapes(fitted_iris):
    clf, X, _ = fitted_iris

    assert clf.n_features_in_ == 4
    assert clf.n_layers_ == 3
    assert clf.n_outputs_ == 3
    assert clf.out_activation_ == "softmax"
    assert [coef.shape for coef in clf.coefs_] == [(4, 8), (8, 3)]
    assert [intercept.shape for intercept in clf.intercepts_] == [(8,), (3,)]
    assert clf.n_iter_ == 30
    assert clf.t_ == 30 * X.shape[0]
    assert len(clf.loss_curve_) == 30
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None


def test_loss_curve_decreases_on_iris(fitted_iris):
    clf, _, _ = fitted_iris
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]


def test_no_autograd_boxes_on_estimator(fitted_iris):
    clf, _, _ = fitted_iris

    def contains_box(value):
        if isinstance(value, Box):
            return True
        if isinstance(value, (list, tuple)):
            return any(contains_box(item) for item in value)
        if isinstance(value, dict):
            return any(contains_box(item) for item in value.values())
        return False

    for name, value in vars(clf).items():
        assert not contains_box(value), name
    for array in [*clf.coefs_, *clf.intercepts_]:
        assert type(array) is np.ndarray


def test_feature_names_from_pandas(iris):
    X, y = iris
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    frame = pd.DataFrame(X, columns=columns)
    clf = fit_quietly(quick_classifier(), frame, pd.Series(y))

    np.testing.assert_array_equal(clf.feature_names_in_, columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_history_has_one_row_per_epoch(fitted_iris):
    clf, _, _ = fitted_iris
    history = clf.history_

    assert isinstance(history, pd.DataFrame)
    assert list(history.columns) == ["epoch", "train_loss", "learning_rate", "seconds"]
    assert history["epoch"].tolist() == list(range(1, 31))
    np.testing.assert_allclose(history["train_loss"], clf.loss_curve_)
    assert (history["seconds"] > 0).all()


# -- reproducibility ----------------------------------------------------------


def test_integer_random_state_is_bit_identical(iris):
    X, y = iris
    np.random.seed(1)
    first = fit_quietly(quick_classifier(random_state=42), X, y)
    np.random.seed(2)
    np.random.rand(10)
    second = fit_quietly(quick_classifier(random_state=42), X, y)

    for coef_a, coef_b in zip(first.coefs_, second.coefs_):
        np.testing.assert_array_equal(coef_a, coef_b)
    for intercept_a, intercept_b in zip(first.intercepts_, second.intercepts_):
        np.testing.assert_array_equal(intercept_a, intercept_b)
    assert first.loss_curve_ == second.loss_curve_


def test_different_random_states_differ(iris):
    X, y = iris
    first = fit_quietly(quick_classifier(random_state=0), X, y)
    second = fit_quietly(quick_classifier(random_state=1), X, y)
    assert not np.array_equal(first.coefs_[0], second.coefs_[0])


def test_normal_init_draws_small_weights(iris):
    X, y = iris
    clf = quick_classifier(
        hidden_layer_sizes=(200,), init="normal", init_std=0.01, max_iter=1
    )
    # One epoch at a tiny learning rate leaves the weights near their start.
    clf.set_params(learning_rate_init=1e-9)
    fit_quietly(clf, X, y)
    assert 0.008 < np.std(clf.coefs_[0]) < 0.012


# -- training mode ------------------------------------------------------------


def test_batch_size_one_makes_one_update_per_example(iris, monkeypatch):
    from skautonet import _training

    X, y = iris
    calls = []
    original = _training.value_and_gradient

    def counting(objective, theta, X_batch, *args):
        calls.append(X_batch.shape[0])
        return original(objective, theta, X_batch, *args)

    monkeypatch.setattr(_training, "value_and_gradient", counting)
    fit_quietly(quick_classifier(max_iter=2), X, y)

    assert len(calls) == 2 * X.shape[0]
    assert set(calls) == {1}


def test_minibatch_sizes_cover_the_data(iris, monkeypatch):
    from skautonet import _training

    X, y = iris
    calls = []
    original = _training.value_and_gradient

    def counting(objective, theta, X_batch, *args):
        calls.append(X_batch.shape[0])
        return original(objective, theta, X_batch, *args)

    monkeypatch.setattr(_training, "value_and_gradient", counting)
    fit_quietly(quick_classifier(max_iter=1, batch_size=64), X, y)

    assert calls == [64, 64, 22]


def test_default_estimator_trains_well(iris):
    X, y = iris
    clf = AutogradMLPClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.95


# -- verbose output -----------------------------------------------------------


def test_verbose_shows_progress_bar(iris, capsys):
    X, y = iris
    fit_quietly(quick_classifier(max_iter=3, verbose=True), X, y)
    err = capsys.readouterr().err

    assert "epochs" in err
    assert "3/3" in err
    assert "loss=" in err
    assert "accuracy=" in err
    assert "lr=0.01" in err
    assert "seconds=" in err


def test_silent_by_default(iris, capsys):
    X, y = iris
    fit_quietly(quick_classifier(max_iter=3), X, y)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == ""


# -- errors ---------------------------------------------------------------------


def test_predict_before_fit_raises(iris):
    X, _ = iris
    clf = quick_classifier()
    for method in (clf.predict, clf.predict_proba, clf.predict_log_proba):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            method(X)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_input_raises(iris, value):
    X, y = iris
    X_bad = X.copy()
    X_bad[3, 1] = value
    with pytest.raises(ValueError, match="Input X contains"):
        quick_classifier().fit(X_bad, y)


def test_wrong_feature_count_at_predict(fitted_iris):
    clf, X, _ = fitted_iris
    message = "X has 3 features, but AutogradMLPClassifier is expecting 4"
    with pytest.raises(ValueError, match=message):
        clf.predict(X[:, :3])


def test_non_numeric_input_raises(iris):
    _, y = iris
    X = np.array([["a", "b"]] * len(y), dtype=object)
    with pytest.raises(ValueError, match="could not convert"):
        quick_classifier().fit(X, y)


def test_empty_input_raises():
    with pytest.raises(ValueError, match="0 sample"):
        quick_classifier().fit(np.empty((0, 3)), np.array([]))


def test_single_sample_raises(iris):
    X, y = iris
    with pytest.raises(ValueError, match="1 sample"):
        quick_classifier().fit(X[:1], y[:1])


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("hidden_layer_sizes", "ten"),
        ("activation", "swish-ish"),
        ("learning_rate_init", 0.0),
        ("max_iter", 0),
        ("batch_size", 0),
        ("alpha", -1.0),
        ("solver", "newton"),
        ("init", "zeros"),
    ],
)
def test_invalid_hyperparameter_raises_at_fit(iris, param, value):
    X, y = iris
    clf = quick_classifier(**{param: value})
    with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter"):
        clf.fit(X, y)


def test_hidden_layer_sizes_rejects_zero(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"positive integers, got \(8, 0\)"):
        quick_classifier(hidden_layer_sizes=(8, 0)).fit(X, y)


def test_continuous_target_raises(iris):
    X, _ = iris
    y = np.linspace(0.0, 1.0, X.shape[0]) + 0.001
    with pytest.raises(ValueError, match="Unknown label type"):
        quick_classifier().fit(X, y)


def test_warnings_point_to_caller(iris):
    X, y = iris
    clf = quick_classifier(max_iter=1, batch_size=500)
    with pytest.warns(UserWarning) as record:
        clf.fit(X, y)
    assert len(record) == 2
    for warning in record:
        assert warning.filename == __file__
