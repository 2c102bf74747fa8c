"""Training options of AutogradMLPClassifier: solvers, schedules, stopping,
sample and class weights, divergence, target types and the training record."""

import re
import warnings

import numpy as np
import pytest
from helpers import assert_same_weights, fit_quietly
from scipy import sparse
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import recall_score

from skautonet import AutogradMLPClassifier, _training


def quick_classifier(**params):
    """Return a small seeded estimator, with ``params`` overriding the defaults."""
    defaults = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0}
    defaults.update(params)
    return AutogradMLPClassifier(**defaults)


def weights_differ(first, second):
    return any(
        not np.array_equal(coef_a, coef_b)
        for coef_a, coef_b in zip(first.coefs_, second.coefs_)
    )


@pytest.fixture(scope="module")
def imbalanced_data():
    """200 samples, 10% in class 1, with overlapping classes."""
    X, y = make_classification(
        n_samples=200,
        n_features=5,
        n_informative=3,
        weights=[0.9, 0.1],
        flip_y=0.0,
        class_sep=0.5,
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="module")
def iris_raw():
    """Iris features as published, not standardized, and integer labels."""
    return load_iris(return_X_y=True)


# -- solvers and learning-rate schedules --------------------------------------


@pytest.mark.parametrize(
    ("solver", "max_iter"), [("adam", 50), ("lbfgs", 200)], ids=["adam", "lbfgs"]
)
def test_solver_trains_iris_well(iris, solver, max_iter):
    X, y = iris
    clf = quick_classifier(solver=solver, max_iter=max_iter)

    clf.fit(X, y)

    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize(
    "limits", [{"max_iter": 3}, {"max_fun": 5}], ids=["max_iter", "max_fun"]
)
def test_lbfgs_stops_at_limit_with_warning(iris, monkeypatch, limits):
    X, y = iris
    evaluations = []
    original = _training.value_and_gradient

    def counting(*args):
        evaluations.append(1)
        return original(*args)

    monkeypatch.setattr(_training, "value_and_gradient", counting)
    params = {"max_iter": 200, "max_fun": 15000, **limits}
    clf = quick_classifier(solver="lbfgs", **params)

    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        clf.fit(X, y)

    assert clf.n_iter_ <= params["max_iter"]
    assert len(clf.loss_curve_) == clf.n_iter_
    # Unlimited, L-BFGS needs about 120 iterations on this problem. SciPy
    # checks max_fun between iterations, so the last line search may go a few
    # evaluations past it.
    assert len(evaluations) <= params["max_fun"] + 5
    assert len(evaluations) < 30


@pytest.mark.parametrize("nesterovs_momentum", [True, False])
def test_momentum_changes_weights(iris, nesterovs_momentum):
    X, y = iris
    plain = fit_quietly(quick_classifier(max_iter=2, momentum=0.0), X, y)
    with_momentum = fit_quietly(
        quick_classifier(
            max_iter=2, momentum=0.9, nesterovs_momentum=nesterovs_momentum
        ),
        X,
        y,
    )

    assert weights_differ(plain, with_momentum)


def test_nesterov_differs_from_classical(iris):
    X, y = iris
    nesterov = fit_quietly(
        quick_classifier(max_iter=2, momentum=0.9, nesterovs_momentum=True), X, y
    )
    classical = fit_quietly(
        quick_classifier(max_iter=2, momentum=0.9, nesterovs_momentum=False), X, y
    )

    assert weights_differ(nesterov, classical)


def test_invscaling_rate_follows_samples_seen(iris):
    X, y = iris
    n_samples = X.shape[0]
    clf = quick_classifier(
        learning_rate="invscaling",
        learning_rate_init=0.1,
        power_t=0.25,
        max_iter=4,
        batch_size=16,
    )
    fit_quietly(clf, X, y)

    # The schedule updates at the end of each epoch, so epoch k runs at the
    # rate computed from the (k - 1) * n_samples examples seen before it,
    # and the first epoch at learning_rate_init.
    samples_seen = n_samples * np.arange(1, 4)
    expected = np.concatenate([[0.1], 0.1 / (samples_seen + 1) ** 0.25])
    rates = clf.history_["learning_rate"].to_numpy()
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert np.all(np.diff(rates) < 0)


def test_adaptive_rate_divides_by_five_on_stall(iris):
    X, y = iris
    clf = quick_classifier(
        learning_rate="adaptive",
        tol=10.0,
        n_iter_no_change=1,
        max_iter=30,
        batch_size=16,
    )
    clf.fit(X, y)

    # With tol above any improvement, every epoch after the first counts as
    # stalled. The count passes n_iter_no_change=1 at epochs 3, 5, 7, ...,
    # and each time the rate is divided by 5 after that epoch's row is
    # written. Training stops at the first stall with a rate of at most 1e-6:
    # 0.01 / 5**6 = 6.4e-7 is reached after epoch 13, so epoch 15 stops.
    epochs = np.arange(1, 16)
    expected = 0.01 / 5.0 ** np.maximum(0, (epochs - 2) // 2)
    assert clf.n_iter_ == 15
    np.testing.assert_allclose(
        clf.history_["learning_rate"].to_numpy(), expected, rtol=1e-12
    )


@pytest.mark.parametrize(
    "param",
    [{"beta_1": 0.5}, {"beta_2": 0.9}, {"epsilon": 0.1}],
    ids=["beta_1", "beta_2", "epsilon"],
)
def test_adam_hyperparameter_changes_result(iris, param):
    X, y = iris
    default = fit_quietly(quick_classifier(solver="adam", max_iter=2), X, y)
    changed = fit_quietly(quick_classifier(solver="adam", max_iter=2, **param), X, y)

    assert weights_differ(default, changed)


# -- early stopping and stopping rules ----------------------------------------


def test_early_stopping_records_validation_scores(iris):
    X, y = iris
    clf = quick_classifier(early_stopping=True, max_iter=50, n_iter_no_change=3)
    clf.fit(X, y)

    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_early_stopping_history_has_validation_columns(iris):
    X, y = iris
    clf = quick_classifier(early_stopping=True, max_iter=50, n_iter_no_change=3)
    clf.fit(X, y)
    history = clf.history_

    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "learning_rate",
        "validation_score",
        "validation_loss",
        "seconds",
    ]
    assert len(history) == clf.n_iter_
    assert history["validation_score"].tolist() == clf.validation_scores_
    assert (history["validation_loss"] > 0).all()


def test_early_stopping_restores_best_weights(iris):
    X, y = iris
    params = {"early_stopping": True, "n_iter_no_change": 3}
    stopped = quick_classifier(max_iter=50, **params).fit(X, y)
    best_epoch = int(np.argmax(stopped.validation_scores_)) + 1
    # Training ran past its best epoch, so keeping the last weights would
    # differ from restoring the best ones.
    assert stopped.n_iter_ > best_epoch

    # A fit with the same seed draws the same initial weights, validation
    # split and shuffles, so its first epochs repeat those of the fit above.
    # Ending it at the best epoch gives the weights of that epoch.
    truncated = fit_quietly(quick_classifier(max_iter=best_epoch, **params), X, y)

    assert truncated.n_iter_ == best_epoch
    assert_same_weights(stopped, truncated, rtol=0, atol=0)


def test_small_validation_split_raises(iris):
    X, y = iris
    X_small, y_small = X[::5], y[::5]
    clf = quick_classifier(early_stopping=True, validation_fraction=0.01)

    with pytest.raises(ValueError, match=r"validation_fraction=0\.01 holds out 1"):
        clf.fit(X_small, y_small)
    assert not hasattr(clf, "coefs_")


def test_early_stopping_warns_at_max_iter(iris):
    X, y = iris
    clf = quick_classifier(early_stopping=True, max_iter=3, n_iter_no_change=50)

    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(3\)"):
        clf.fit(X, y)
    assert clf.n_iter_ == 3


@pytest.mark.parametrize("n_iter_no_change", [1, 3])
def test_validation_stall_stops_training(iris, n_iter_no_change):
    X, y = iris
    clf = quick_classifier(
        early_stopping=True,
        tol=10.0,
        n_iter_no_change=n_iter_no_change,
        max_iter=50,
        batch_size=16,
    )
    clf.fit(X, y)

    # The first score always beats the initial best of -inf. With tol above
    # any possible gain in accuracy, every later epoch counts as stalled, and
    # training stops once the count passes n_iter_no_change.
    assert clf.n_iter_ == n_iter_no_change + 2


def test_infinite_patience_runs_to_max_iter(iris):
    X, y = iris
    clf = quick_classifier(tol=10.0, n_iter_no_change=np.inf, max_iter=6)

    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 6


# -- divergence -----------------------------------------------------------------


# Adam's step is at most about learning_rate_init per parameter, so on
# unscaled iris the loss stays finite (if huge) up to a rate near 1e150,
# and a rate of 1e200 overflows it.
@pytest.mark.parametrize(
    ("solver", "batch_size", "learning_rate_init"),
    [("adam", 1, 1e200), ("adam", "auto", 1e200), ("sgd", "auto", 1e50)],
    ids=["adam", "adam-auto-batch", "sgd-auto-batch"],
)
def test_huge_learning_rate_raises_clear_error(
    iris_raw, solver, batch_size, learning_rate_init
):
    X, y = iris_raw
    clf = quick_classifier(
        solver=solver, batch_size=batch_size, learning_rate_init=learning_rate_init
    )

    with pytest.raises(ValueError, match="learning_rate_init") as excinfo:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(X * 1e3, y)
    assert "StandardScaler" in str(excinfo.value)
    assert not hasattr(clf, "coefs_")


def test_predict_after_divergence_not_fitted(iris_raw):
    X, y = iris_raw
    clf = quick_classifier(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="diverged"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(X * 1e3, y)

    with pytest.raises(NotFittedError):
        clf.predict_proba(X)


def test_diverged_warm_start_keeps_weights(iris, iris_raw):
    X, y = iris
    clf = fit_quietly(quick_classifier(warm_start=True), X, y)
    coefs_before = [coef.copy() for coef in clf.coefs_]
    proba_before = clf.predict_proba(X)

    # Inputs of order 1e200 overflow the loss at the default learning rate.
    with pytest.raises(ValueError, match="diverged"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(iris_raw[0] * 1e200, y)

    for coef, coef_before in zip(clf.coefs_, coefs_before):
        np.testing.assert_array_equal(coef, coef_before)
    proba_after = clf.predict_proba(X)
    assert np.all(np.isfinite(proba_after))
    np.testing.assert_array_equal(proba_after, proba_before)


# -- sample_weight --------------------------------------------------------------


def test_lbfgs_integer_weights_match_repeated_rows(iris):
    X, y = iris
    counts = np.random.RandomState(0).randint(0, 4, size=X.shape[0])
    weighted = quick_classifier(solver="lbfgs", max_iter=100)
    repeated = quick_classifier(solver="lbfgs", max_iter=100)

    weighted.fit(X, y, sample_weight=counts)
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))

    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6
    )


def test_lbfgs_zero_weights_match_removed_rows(iris):
    X, y = iris
    keep = np.arange(X.shape[0]) % 4 != 0
    weighted = quick_classifier(solver="lbfgs", max_iter=100)
    removed = quick_classifier(solver="lbfgs", max_iter=100)

    weighted.fit(X, y, sample_weight=keep.astype(float))
    removed.fit(X[keep], y[keep])

    np.testing.assert_allclose(
        weighted.predict_proba(X), removed.predict_proba(X), rtol=1e-6
    )


def test_all_zero_sample_weight_raises(iris):
    X, y = iris
    # scikit-learn 1.9's _check_sample_weight rejects all-zero weights with
    # its own message. With older releases, the estimator's check raises.
    with pytest.raises(ValueError, match=r"non-zero|0 for every example"):
        quick_classifier().fit(X, y, sample_weight=np.zeros(X.shape[0]))


def test_zero_combined_weight_raises(iris):
    X, y = iris
    only_class_0 = (y == 0).astype(float)
    clf = quick_classifier(class_weight={0: 0.0})

    message = "sample_weight (times class_weight) is 0 for every example"
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X, y, sample_weight=only_class_0)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_negative_sample_weight_raises(iris, method):
    X, y = iris
    weights = np.ones(X.shape[0])
    weights[5] = -1.0
    clf = quick_classifier()
    extra = {"classes": [0, 1, 2]} if method == "partial_fit" else {}

    with pytest.raises(ValueError, match="Negative values"):
        getattr(clf, method)(X, y, sample_weight=weights, **extra)


# -- class_weight -----------------------------------------------------------------


def test_balanced_class_weight_raises_minority_recall(imbalanced_data):
    X, y = imbalanced_data
    plain = fit_quietly(quick_classifier(max_iter=10), X, y)
    balanced = fit_quietly(quick_classifier(max_iter=10, class_weight="balanced"), X, y)

    plain_recall = recall_score(y, plain.predict(X))
    balanced_recall = recall_score(y, balanced.predict(X))
    assert balanced_recall > plain_recall + 0.3


def test_class_weight_dict_equals_sample_weight(imbalanced_data):
    X, y = imbalanced_data
    by_class = fit_quietly(quick_classifier(class_weight={0: 1, 1: 5}), X, y)
    by_sample = fit_quietly(
        quick_classifier(), X, y, sample_weight=np.where(y == 1, 5.0, 1.0)
    )

    assert_same_weights(by_class, by_sample, rtol=0, atol=0)


def test_partial_fit_class_weight_as_weights(imbalanced_data):
    X, y = imbalanced_data
    by_class = quick_classifier(class_weight={0: 1, 1: 5})
    by_sample = quick_classifier()

    by_class.partial_fit(X, y, classes=[0, 1])
    by_sample.partial_fit(
        X, y, classes=[0, 1], sample_weight=np.where(y == 1, 5.0, 1.0)
    )

    assert_same_weights(by_class, by_sample, rtol=0, atol=0)


def test_unknown_class_weight_key_raises(imbalanced_data):
    X, y = imbalanced_data
    clf = quick_classifier(class_weight={0: 1, 7: 2})

    with pytest.raises(ValueError, match=r"class_weight has keys \[7\]"):
        clf.fit(X, y)


def test_balanced_partial_fit_raises(imbalanced_data):
    X, y = imbalanced_data
    clf = quick_classifier(class_weight="balanced")

    with pytest.raises(ValueError, match="compute_class_weight"):
        clf.partial_fit(X, y, classes=[0, 1])


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1, 1: 2}])
def test_class_weight_multilabel_raises(multilabel_data, class_weight):
    X, Y = multilabel_data
    clf = quick_classifier(class_weight=class_weight)

    with pytest.raises(ValueError, match="not supported for multilabel"):
        clf.fit(X, Y)


# -- target types and input formats ---------------------------------------------


@pytest.fixture(scope="module")
def fitted_multilabel(multilabel_data):
    X, Y = multilabel_data
    clf = fit_quietly(quick_classifier(max_iter=30), X, Y)
    return clf, X, Y


def test_multilabel_sets_logistic_outputs(fitted_multilabel):
    clf, _, Y = fitted_multilabel

    assert clf.n_outputs_ == Y.shape[1]
    assert clf.out_activation_ == "logistic"
    np.testing.assert_array_equal(clf.classes_, np.arange(Y.shape[1]))


def test_multilabel_predict_thresholds_proba(fitted_multilabel):
    clf, X, Y = fitted_multilabel

    predicted = clf.predict(X)
    proba = clf.predict_proba(X)

    assert predicted.shape == Y.shape
    assert set(np.unique(predicted)) <= {0, 1}
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))


def test_multilabel_proba_rows_not_normalized(fitted_multilabel):
    clf, X, _ = fitted_multilabel
    row_sums = clf.predict_proba(X).sum(axis=1)
    assert np.max(np.abs(row_sums - 1.0)) > 0.5


def test_multilabel_accuracy_on_fixture(fitted_multilabel):
    clf, X, Y = fitted_multilabel
    assert np.mean(clf.predict(X) == Y) > 0.95
    # score is subset accuracy: every label of a row must be right.
    assert clf.score(X, Y) > 0.9


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
@pytest.mark.parametrize(
    ("input_dtype", "model_dtype"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
    ids=["float32", "float64", "int64"],
)
def test_input_dtype_sets_model_dtype(iris, solver, input_dtype, model_dtype):
    X, y = iris
    X_typed = np.round(X * 10).astype(input_dtype)
    clf = fit_quietly(quick_classifier(solver=solver, max_iter=3), X_typed, y)

    for array in [*clf.coefs_, *clf.intercepts_]:
        assert array.dtype == model_dtype
    assert clf.predict_proba(X_typed).dtype == model_dtype


def test_float32_model_predicts_float64_input(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(max_iter=3), X.astype(np.float32), y)
    assert clf.predict_proba(X).dtype == np.float64


@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
@pytest.mark.parametrize(
    "params",
    [{"solver": "lbfgs"}, {"solver": "sgd", "batch_size": 1, "max_iter": 2}],
    ids=["lbfgs", "sgd-per-example"],
)
def test_sparse_training_matches_dense(iris, sparse_format, params):
    X, y = iris
    X_sparse = sparse.csr_matrix(X).asformat(sparse_format)
    dense_clf = fit_quietly(quick_classifier(**params), X, y)
    sparse_clf = fit_quietly(quick_classifier(**params), X_sparse, y)

    # Only the summation order differs between the two paths.
    assert_same_weights(dense_clf, sparse_clf, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(sparse_clf.predict(X_sparse), dense_clf.predict(X))


@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_predict_matches_dense(iris, sparse_format):
    X, y = iris
    clf = fit_quietly(quick_classifier(), X, y)
    X_sparse = sparse.csr_matrix(X).asformat(sparse_format)

    np.testing.assert_allclose(
        clf.predict_proba(X_sparse), clf.predict_proba(X), rtol=1e-12
    )
    np.testing.assert_array_equal(clf.predict(X_sparse), clf.predict(X))


# -- training record and progress output ------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_loss_curve_is_list(iris, solver):
    X, y = iris
    clf = fit_quietly(quick_classifier(solver=solver, max_iter=4), X, y)

    assert isinstance(clf.loss_curve_, list)
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.loss_curve_[-1] == clf.loss_


def test_lbfgs_history_has_one_row(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(solver="lbfgs", max_iter=10), X, y)
    history = clf.history_

    assert list(history.columns) == ["epoch", "train_loss", "learning_rate", "seconds"]
    assert len(history) == 1
    assert history["epoch"].iloc[0] == clf.n_iter_
    assert history["train_loss"].iloc[0] == clf.loss_
    assert np.isnan(history["learning_rate"].iloc[0])
    assert history["seconds"].iloc[0] > 0


def test_stochastic_history_seconds_positive(iris):
    X, y = iris
    clf = fit_quietly(quick_classifier(solver="adam", max_iter=3), X, y)
    history = clf.history_

    assert history["epoch"].tolist() == [1, 2, 3]
    assert (history["seconds"] > 0).all()
    assert (history["learning_rate"] > 0).all()


def test_verbose_shows_validation_score(iris, capsys):
    X, y = iris
    clf = quick_classifier(early_stopping=True, max_iter=3, verbose=True)
    fit_quietly(clf, X, y)
    err = capsys.readouterr().err

    assert "val_score=" in err
    assert "3/3" in err


def test_verbose_reports_adaptive_rate(iris, capsys):
    X, y = iris
    clf = quick_classifier(
        learning_rate="adaptive",
        tol=10.0,
        n_iter_no_change=1,
        max_iter=3,
        batch_size=16,
        verbose=True,
    )
    fit_quietly(clf, X, y)
    output = capsys.readouterr()

    # tqdm.write prints the stall message on stdout, and the bar goes to stderr.
    assert "Setting learning rate to 0.002000" in output.out
    assert "3/3" in output.err
