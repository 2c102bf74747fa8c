"""Continuing training: warm_start fits and partial_fit."""

import re
import warnings

import joblib
import numpy as np
import pytest
from helpers import assert_same_weights, fit_quietly
from sklearn.exceptions import ConvergenceWarning

from skautonet import AutogradMLPClassifier

CLASSES = [0, 1, 2]


def quick_classifier(**params):
    """Return a small seeded estimator, with ``params`` overriding the defaults."""
    defaults = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
    defaults.update(params)
    return AutogradMLPClassifier(**defaults)


def copy_weights(estimator):
    return [array.copy() for array in [*estimator.coefs_, *estimator.intercepts_]]


def assert_weights_equal(estimator, saved):
    current = [*estimator.coefs_, *estimator.intercepts_]
    for array, saved_array in zip(current, saved):
        np.testing.assert_array_equal(array, saved_array)


# -- warm_start -----------------------------------------------------------------


def test_warm_start_continues_training(iris):
    X, y = iris
    # A large n_iter_no_change keeps the stopping rule out of the comparison.
    warm = quick_classifier(warm_start=True, n_iter_no_change=100)
    fit_quietly(warm, X, y)
    first_fit_weights = copy_weights(warm)
    fit_quietly(warm, X, y)

    # The second fit keeps the weights and the random stream of the first, so
    # 3 + 3 epochs equal one fit of 6 epochs.
    straight = fit_quietly(quick_classifier(max_iter=6, n_iter_no_change=100), X, y)

    assert warm.n_iter_ == 6
    assert warm.t_ == 6 * X.shape[0]
    assert warm.loss_curve_ == straight.loss_curve_
    assert_same_weights(warm, straight, rtol=0, atol=0)
    assert not np.array_equal(warm.coefs_[0], first_fit_weights[0])


def test_warm_start_changed_classes_raises(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(warm_start=True), X, y)
    two_classes = y < 2

    message = "got [0, 1] now, [0, 1, 2] before"
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X[two_classes], y[two_classes])


def test_cold_start_restarts_training(iris):
    X, y = iris
    refitted = fit_quietly(quick_classifier(warm_start=False), X, y)
    fit_quietly(refitted, X, y)
    fresh = fit_quietly(quick_classifier(), X, y)

    assert refitted.n_iter_ == 3
    assert len(refitted.loss_curve_) == 3
    assert_same_weights(refitted, fresh, rtol=0, atol=0)


def test_warm_start_fit_warns_at_max_iter(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(warm_start=True, n_iter_no_change=100), X, y)

    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        clf.fit(X, y)


def test_warm_start_applies_new_learning_rate(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(warm_start=True, max_iter=1), X, y)
    clf.set_params(learning_rate_init=0.1)
    fit_quietly(clf, X, y)

    assert clf.history_["learning_rate"].iloc[-1] == 0.1


def test_warm_start_applies_new_solver(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(warm_start=True, max_iter=1), X, y)
    clf.set_params(solver="adam")
    fit_quietly(clf, X, y)

    # After one epoch of per-example steps, a new Adam optimizer has taken
    # t = n_samples steps and reports its bias-corrected step size.
    t = X.shape[0]
    expected = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
    assert clf.history_["learning_rate"].iloc[-1] == pytest.approx(expected)


@pytest.mark.parametrize("early_stopping_first", [False, True])
def test_warm_start_toggles_early_stopping(iris, early_stopping_first):
    X, y = iris
    clf = quick_classifier(warm_start=True, early_stopping=early_stopping_first)
    fit_quietly(clf, X, y)
    clf.set_params(early_stopping=not early_stopping_first)
    fit_quietly(clf, X, y)

    assert clf.n_iter_ == 6


def test_diverged_partial_fit_keeps_weights(iris):
    X, y = iris
    clf = quick_classifier().partial_fit(X, y, classes=CLASSES)
    saved = copy_weights(clf)

    # Inputs of order 1e200 overflow the loss at the default learning rate.
    with pytest.raises(ValueError, match="diverged"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.partial_fit(X * 1e200, y)

    assert_weights_equal(clf, saved)
    assert np.all(np.isfinite(clf.predict_proba(X)))


# -- partial_fit: classes and labels ---------------------------------------------


def test_first_partial_fit_requires_classes(iris):
    X, y = iris
    clf = quick_classifier()

    with pytest.raises(ValueError, match="classes must be passed on the first"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "coefs_")


def test_partial_fit_learns_class_absent_earlier(iris):
    X, y = iris
    clf = quick_classifier()
    clf.partial_fit(X[y == 0], y[y == 0], classes=CLASSES)
    class_2 = y == 2
    proba_before = clf.predict_proba(X[class_2])[:, 2].mean()

    # No earlier batch had class 2, but the first call listed it in classes.
    clf.partial_fit(X[class_2], y[class_2])
    proba_after = clf.predict_proba(X[class_2])[:, 2].mean()

    np.testing.assert_array_equal(clf.classes_, CLASSES)
    assert clf.predict_proba(X).shape == (X.shape[0], 3)
    assert proba_after > proba_before + 0.2


def test_partial_fit_unknown_label_raises(iris):
    X, y = iris
    clf = quick_classifier().partial_fit(X, y, classes=CLASSES)

    with pytest.raises(ValueError, match=r"y contains labels \[5\]"):
        clf.partial_fit(X[:2], np.array([0, 5]))


def test_partial_fit_changed_classes_raises(iris):
    X, y = iris
    clf = quick_classifier().partial_fit(X, y, classes=CLASSES)

    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2, 3\] differs"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])


def test_failed_first_call_still_requires_classes(iris):
    X, y = iris
    clf = quick_classifier(class_weight="balanced")
    with pytest.raises(ValueError, match="compute_class_weight"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    clf.set_params(class_weight=None)

    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)


def test_multilabel_partial_fit_without_classes(multilabel_data):
    X, Y = multilabel_data
    clf = quick_classifier()

    for batch in np.array_split(np.arange(X.shape[0]), 4):
        clf.partial_fit(X[batch], Y[batch])

    np.testing.assert_array_equal(clf.classes_, np.arange(Y.shape[1]))
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X).shape == Y.shape
    assert clf.n_iter_ == 4


# -- partial_fit: batches and the training record ---------------------------------


def test_partial_fit_single_examples(iris):
    X, y = iris
    clf = quick_classifier()
    rows = np.random.RandomState(0).permutation(X.shape[0])[:20]

    for row in rows:
        clf.partial_fit(X[row : row + 1], y[row : row + 1], classes=CLASSES)

    assert clf.n_iter_ == 20
    assert clf.t_ == 20
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_partial_fit_counts_calls(iris):
    X, y = iris
    clf = quick_classifier()

    for batch in np.array_split(np.arange(X.shape[0]), 3):
        clf.partial_fit(X[batch], y[batch], classes=CLASSES)

    assert clf.n_iter_ == 3
    assert clf.t_ == X.shape[0]
    assert len(clf.loss_curve_) == 3
    assert clf.history_["epoch"].tolist() == [1, 2, 3]


def test_partial_fit_after_fit_continues(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(), X, y)
    saved = copy_weights(clf)

    clf.partial_fit(X, y)

    assert clf.n_iter_ == 4
    assert not np.array_equal(clf.coefs_[0], saved[0])


def test_partial_fit_keeps_float32_weights(iris):
    X, y = iris
    clf = quick_classifier().partial_fit(X.astype(np.float32), y, classes=CLASSES)
    clf.partial_fit(X, y)

    for array in [*clf.coefs_, *clf.intercepts_]:
        assert array.dtype == np.float32


def test_partial_fit_after_joblib_reload(iris, tmp_path):
    X, y = iris
    halves = np.array_split(np.random.RandomState(0).permutation(X.shape[0]), 2)
    in_memory = quick_classifier(solver="adam")
    in_memory.partial_fit(X[halves[0]], y[halves[0]], classes=CLASSES)
    path = tmp_path / "model.joblib"
    joblib.dump(in_memory, path)
    restored = joblib.load(path)

    in_memory.partial_fit(X[halves[1]], y[halves[1]])
    restored.partial_fit(X[halves[1]], y[halves[1]])

    # The pickle contains the optimizer's moments and the random stream, so the
    # restored copy takes exactly the steps of the original.
    assert restored.n_iter_ == 2
    assert_same_weights(restored, in_memory, rtol=0, atol=0)


def test_lbfgs_has_no_partial_fit(iris):
    X, y = iris
    clf = quick_classifier(solver="lbfgs")

    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        clf.partial_fit(X, y, classes=CLASSES)


def test_streaming_iris_reaches_high_accuracy(iris):
    X, y = iris
    clf = quick_classifier()
    batches = np.array_split(np.random.RandomState(0).permutation(X.shape[0]), 10)

    for _ in range(20):
        for batch in batches:
            clf.partial_fit(X[batch], y[batch], classes=CLASSES)

    assert clf.n_iter_ == 200
    assert clf.score(X, y) > 0.9


# -- partial_fit: sample_weight ----------------------------------------------------


def test_partial_fit_weights_used_as_given(iris):
    X, y = iris
    rows = [0, 60]
    params = {"batch_size": "auto", "shuffle": False}
    weighted = quick_classifier(learning_rate_init=0.01, **params)
    weighted.partial_fit(X[rows], y[rows], classes=CLASSES, sample_weight=[2.0, 1.0])

    # One batch of the 2 rows weighted (2, 1) has the objective
    # (2 * l_a + l_b + penalty) / 2. The batch (a, a, b) has the same
    # numerator over 3, so a step 3/2 as large gives the same update. Weights
    # rescaled to a mean of 1 would instead match the same step size.
    duplicated = quick_classifier(learning_rate_init=0.015, **params)
    duplicated.partial_fit(X[[0, 0, 60]], y[[0, 0, 60]], classes=CLASSES)

    assert_same_weights(weighted, duplicated, rtol=1e-12, atol=1e-15)


def test_partial_fit_zero_weight_rows_take_no_step(iris):
    X, y = iris
    params = {"batch_size": 1, "shuffle": False}
    weighted = quick_classifier(**params)
    weighted.partial_fit(X[[0, 60]], y[[0, 60]], classes=CLASSES, sample_weight=[0, 1])
    only_second = quick_classifier(**params)
    only_second.partial_fit(X[[60]], y[[60]], classes=CLASSES)

    assert_same_weights(weighted, only_second, rtol=0, atol=1e-15)


def test_partial_fit_all_zero_weights_take_no_step(iris):
    X, y = iris
    clf = quick_classifier().partial_fit(X, y, classes=CLASSES)
    saved = copy_weights(clf)

    clf.partial_fit(X[:5], y[:5], sample_weight=np.zeros(5))

    assert_weights_equal(clf, saved)


def test_warm_start_rejects_new_layer_sizes(iris):
    X, y = iris
    clf = AutogradMLPClassifier(
        hidden_layer_sizes=(16,), max_iter=1, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.set_params(hidden_layer_sizes=(8,))

    with pytest.raises(ValueError, match="warm_start=False") as excinfo:
        clf.fit(X, y)
    assert "(4, 16, 3)" in str(excinfo.value)
    assert "(4, 8, 3)" in str(excinfo.value)


def test_lbfgs_partial_fit_names_reason():
    clf = AutogradMLPClassifier(solver="lbfgs")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        clf.partial_fit
    assert "'lbfgs' is not stochastic" in str(info.value.__cause__)
