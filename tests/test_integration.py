"""The estimator inside scikit-learn's tools, and saved to disk."""

import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skautonet import AutogradMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def raw_iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def fitted(raw_iris):
    X, y = raw_iris
    clf = AutogradMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    return make_pipeline(StandardScaler(), clf).fit(X, y)


def test_pipeline_with_scaler(raw_iris, fitted):
    X, y = raw_iris
    assert fitted.score(X, y) > 0.9
    assert fitted.predict_proba(X).shape == (150, 3)


def test_cross_val_score_stratifies(raw_iris):
    X, y = raw_iris
    clf = AutogradMLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    pipeline = make_pipeline(StandardScaler(), clf)

    scores = cross_val_score(pipeline, X, y, cv=3)

    # Iris is sorted by class, so unstratified 3-fold splits would test on
    # a class never seen in training and score 0.
    assert scores.min() > 0.8


def test_classifier_is_seen_as_classifier():
    from sklearn.base import is_classifier
    from sklearn.model_selection import check_cv

    clf = AutogradMLPClassifier()
    assert is_classifier(clf)
    cv = check_cv(3, np.array([0, 1] * 5), classifier=is_classifier(clf))
    assert isinstance(cv, StratifiedKFold)


def test_grid_search_in_parallel(raw_iris):
    X, y = raw_iris
    pipeline = make_pipeline(
        StandardScaler(),
        AutogradMLPClassifier(max_iter=5, random_state=0),
    )
    grid = {
        "autogradmlpclassifier__hidden_layer_sizes": [(4,), (8,)],
        "autogradmlpclassifier__learning_rate_init": [0.01, 0.05],
        "autogradmlpclassifier__alpha": [1e-4, 1e-2],
    }
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=2, error_score="raise")

    search.fit(X, y)

    assert len(search.cv_results_["params"]) == 8
    assert search.best_score_ > 0.85
    best = search.best_estimator_[-1]
    assert best.hidden_layer_sizes in [(4,), (8,)]
    assert hasattr(best, "coefs_")


def test_clone_copies_params_not_weights(fitted):
    clf = fitted[-1]
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")


def test_pickle_round_trip(raw_iris, fitted):
    X, _ = raw_iris
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


def test_joblib_load_in_new_process(raw_iris, fitted, tmp_path):
    X, _ = raw_iris
    model_path = tmp_path / "model.joblib"
    data_path = tmp_path / "X.npy"
    output_path = tmp_path / "proba.npy"
    joblib.dump(fitted, model_path)
    np.save(data_path, X)

    script = textwrap.dedent(
        f"""
        import joblib
        import numpy as np

        model = joblib.load({str(model_path)!r})
        X = np.load({str(data_path)!r})
        np.save({str(output_path)!r}, model.predict_proba(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)

    np.testing.assert_array_equal(np.load(output_path), fitted.predict_proba(X))


def test_refit_after_loading_keeps_working(raw_iris, fitted, tmp_path):
    X, y = raw_iris
    model_path = tmp_path / "model.joblib"
    joblib.dump(fitted, model_path)
    restored = joblib.load(model_path)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        restored.fit(X, y)

    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))
