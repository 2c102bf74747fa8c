"""Benchmark cases, their data sets and the systems that the benchmark compares.

``run.py`` builds the data here and ``benchmark_worker.py`` fits and predicts
with the systems. Imports of scikit-learn and skautonet happen inside the
functions, so a worker that runs only the notebook reference does not pay for
them.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

NOTEBOOK = "notebook"
SKLEARN = "sklearn"
SKAUTONET = "skautonet"
SYSTEMS = (NOTEBOOK, SKLEARN, SKAUTONET)
SYSTEM_LABELS = {
    NOTEBOOK: "notebook loop",
    SKLEARN: "MLPClassifier",
    SKAUTONET: "AutogradMLPClassifier",
}

# skautonet parameters that later versions accept under MLPClassifier's names.
# Each one is passed only when get_params() lists it, so that the benchmark
# runs against both the current and the later parameter sets.
SKAUTONET_OPTIONAL_PARAMS = {
    "solver": "sgd",
    "momentum": 0.0,
    "nesterovs_momentum": False,
    "learning_rate": "constant",
    "early_stopping": False,
    "verbose": False,
}


@dataclass(frozen=True)
class Case:
    """One benchmark case: a data set, a network and its training settings."""

    name: str
    title: str
    description: str
    hidden: tuple
    learning_rate: float
    epochs: int
    batch_size: int
    n_train_rows: int
    # Epochs that the notebook loop runs before its fit time is extrapolated to
    # ``epochs``. None runs all epochs.
    notebook_epochs: int | None = None
    # Rows scored by predict_proba. Zero marks a fit case.
    n_predict_rows: int = 0
    # For a predict case, the fit case whose fitted models it scores with.
    model_case: str | None = None

    @property
    def is_predict(self):
        return self.n_predict_rows > 0

    def updates(self, epochs):
        """Return the number of parameter updates in ``epochs`` epochs."""
        batch_size = min(self.batch_size, self.n_train_rows)
        return epochs * math.ceil(self.n_train_rows / batch_size)


def build_cases(quick):
    """Return the cases by name, with tiny sizes when ``quick`` is true."""
    digits_rows = 300 if quick else 1797
    synthetic_rows = 2_000 if quick else 20_000
    synthetic = Case(
        name="synthetic",
        title="make_classification, minibatch",
        description=(
            f"make_classification({synthetic_rows:,} rows, 50 features, 20 "
            "informative, 3 classes), raw features, 50-64-3, batch 200"
        ),
        hidden=(64,),
        learning_rate=0.01,
        epochs=3 if quick else 20,
        batch_size=200,
        n_train_rows=synthetic_rows,
    )
    cases = [
        Case(
            name="iris",
            title="Iris, per-example SGD",
            description=(
                "load_iris 120-row training split (test_size=0.2, "
                "random_state=0), raw features, 4-8-3, batch 1"
            ),
            hidden=(8,),
            learning_rate=0.01,
            epochs=5 if quick else 50,
            batch_size=1,
            n_train_rows=120,
        ),
        Case(
            name="digits",
            title="digits, per-example SGD",
            description=(
                f"load_digits, first {digits_rows:,} rows, features / 16, "
                "64-32-10, batch 1"
            ),
            hidden=(32,),
            learning_rate=0.01,
            epochs=2 if quick else 10,
            batch_size=1,
            n_train_rows=digits_rows,
            # The notebook loop makes about 700 updates/s on a 2-core AMD EPYC
            # VM, so 10 epochs of 1797 rows would take about 26 s per repeat.
            notebook_epochs=1 if quick else 2,
        ),
        synthetic,
        Case(
            name="predict_proba",
            title="predict_proba on the make_classification models",
            description=(
                f"predict_proba of the models fitted in the synthetic case on "
                f"{20_000 if quick else 1_000_000:,} rows of 50 features"
            ),
            hidden=synthetic.hidden,
            learning_rate=synthetic.learning_rate,
            epochs=synthetic.epochs,
            batch_size=synthetic.batch_size,
            n_train_rows=synthetic.n_train_rows,
            n_predict_rows=20_000 if quick else 1_000_000,
            model_case=synthetic.name,
        ),
    ]
    return {case.name: case for case in cases}


def load_case_data(case):
    """Return ``(X, y)`` for a fit case, or the rows to score for a predict case."""
    from sklearn.datasets import load_digits, load_iris, make_classification
    from sklearn.model_selection import train_test_split

    if case.is_predict:
        # A second draw with the same settings and another seed, so the rows
        # follow a distribution like the training rows but are new.
        X, y = make_classification(
            n_samples=case.n_predict_rows,
            n_features=50,
            n_informative=20,
            n_classes=3,
            random_state=1,
        )
    elif case.name == "iris":
        X_all, y_all = load_iris(return_X_y=True)
        X, _, y, _ = train_test_split(X_all, y_all, test_size=0.2, random_state=0)
    elif case.name == "digits":
        X_all, y_all = load_digits(return_X_y=True)
        X, y = X_all[: case.n_train_rows] / 16.0, y_all[: case.n_train_rows]
    elif case.name == "synthetic":
        # Three classes keep a softmax output in all systems. MLPClassifier
        # fits a single logistic output unit to a binary target instead.
        X, y = make_classification(
            n_samples=case.n_train_rows,
            n_features=50,
            n_informative=20,
            n_classes=3,
            random_state=0,
        )
    else:
        raise ValueError(f"unknown benchmark case {case.name!r}")

    X = np.ascontiguousarray(X, dtype=np.float64)
    if not case.is_predict and len(X) != case.n_train_rows:
        raise ValueError(
            f"case {case.name!r} expects {case.n_train_rows} training rows, "
            f"the data set has {len(X)}"
        )
    return X, np.asarray(y, dtype=np.int64)


def probe_skautonet():
    """Return ``(status, detail)`` for the skautonet package.

    ``status`` is "ok" with the version as detail, "missing" when the package
    is not installed, or "broken" with the import error as detail.
    """
    import importlib.util

    if importlib.util.find_spec("skautonet") is None:
        return "missing", "not installed (run: pip install -e . in the repository root)"
    try:
        import skautonet
    except Exception as error:  # any import failure of the product is reported
        return "broken", f"import skautonet failed: {type(error).__name__}: {error}"
    if not hasattr(skautonet, "AutogradMLPClassifier"):
        return "broken", "skautonet has no attribute AutogradMLPClassifier"
    return "ok", getattr(skautonet, "__version__", "unknown version")


def ignore_convergence_warnings():
    """Silence ConvergenceWarning, which every fixed-epoch fit here triggers."""
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)


def make_estimator(system, case, epochs, seed):
    """Return an unfitted estimator for ``sklearn`` or ``skautonet``.

    The second value lists the optional skautonet parameters that were passed.
    """
    shared = {
        "hidden_layer_sizes": case.hidden,
        "alpha": 0.0,
        "batch_size": case.batch_size,
        "learning_rate_init": case.learning_rate,
        "max_iter": epochs,
        "shuffle": True,
        "random_state": seed,
        "tol": 0.0,
        # More than max_iter, so no fit stops early on a loss plateau.
        "n_iter_no_change": epochs + 1,
    }
    if system == SKLEARN:
        from sklearn.neural_network import MLPClassifier

        estimator = MLPClassifier(
            solver="sgd",
            momentum=0.0,
            nesterovs_momentum=False,
            early_stopping=False,
            **shared,
        )
        return estimator, []
    if system == SKAUTONET:
        from skautonet import AutogradMLPClassifier

        estimator = AutogradMLPClassifier(activation="relu", **shared)
        accepted = estimator.get_params()
        optional = {
            key: value
            for key, value in SKAUTONET_OPTIONAL_PARAMS.items()
            if key in accepted
        }
        estimator.set_params(**optional)
        return estimator, sorted(optional)
    raise ValueError(f"no estimator for system {system!r}")


def fit_system(system, case, X, y, epochs, seed):
    """Fit one system and return ``(model, details)``.

    The model is the fitted estimator, or the ``(W, b)`` list for the notebook
    loop. ``details`` contains facts for the report, such as ``n_iter_``.
    """
    if system == NOTEBOOK:
        from notebook_reference import one_hot, train_notebook

        n_classes = int(y.max()) + 1
        params = train_notebook(
            X,
            one_hot(y, n_classes),
            case.hidden,
            case.learning_rate,
            epochs,
            batch_size=case.batch_size,
            seed=seed,
        )
        return params, {"n_iter": epochs}

    estimator, optional_params = make_estimator(system, case, epochs, seed)
    estimator.fit(X, y)
    details = {"n_iter": getattr(estimator, "n_iter_", None)}
    if system == SKAUTONET:
        details["optional_params_passed"] = optional_params
    return estimator, details


def predict_proba_system(system, model, X):
    """Return class probabilities of a fitted model from ``fit_system``."""
    if system == NOTEBOOK:
        from notebook_reference import predict_proba_notebook

        return predict_proba_notebook(model, X)
    return model.predict_proba(X)
