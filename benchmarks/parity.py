"""Compare the test accuracy of MLPClassifier and AutogradMLPClassifier.

Run from the repository root::

    python benchmarks/parity.py                       # 4 data sets, 5 seeds
    python benchmarks/parity.py --datasets iris wine --seeds 2

Both estimators get the same settings: Adam, batches of 200 examples,
learning rate 0.001, ``alpha=1e-4``, ReLU, Glorot-uniform initial weights,
and exactly ``max_iter=200`` epochs, because ``n_iter_no_change`` equals
``max_iter`` and so the stopping rule never fires. Each seed drives the
stratified 75/25 train/test split and the ``random_state`` of both
estimators. The features are standardized with a ``StandardScaler`` fit on
the training split.

A data set passes when the mean test accuracies over the seeds differ by at
most 0.02. The script prints the command, the machine and the library
versions, then a Markdown table, on standard output.

``parity_table`` returns the same numbers as a DataFrame, for tests::

    sys.path.insert(0, "benchmarks")
    from parity import parity_table
    table = parity_table(["iris"], seeds=range(2))
"""

import argparse
import datetime
import importlib.metadata
import os
import platform
import shlex
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skautonet import AutogradMLPClassifier

# Each data set's loader and hidden layer sizes. Digits has 64 features and
# 10 classes, so it gets a wider hidden layer.
DATASETS = {
    "iris": (load_iris, (32,)),
    "wine": (load_wine, (32,)),
    "breast_cancer": (load_breast_cancer, (32,)),
    "digits": (load_digits, (64,)),
}
MAX_ITER = 200
SHARED_PARAMETERS = {
    "activation": "relu",
    "solver": "adam",
    "batch_size": 200,
    "learning_rate_init": 0.001,
    "alpha": 1e-4,
    "max_iter": MAX_ITER,
    "tol": 1e-4,
    "n_iter_no_change": MAX_ITER,
    "shuffle": True,
    "early_stopping": False,
}
TEST_SIZE = 0.25
# Largest accepted difference between the mean test accuracies.
MAX_ACCURACY_DIFFERENCE = 0.02
REPORTED_DISTRIBUTIONS = (
    "numpy",
    "scipy",
    "scikit-learn",
    "autograd",
    "pandas",
    "skautonet",
)
ESTIMATORS = {
    "sklearn": MLPClassifier,
    "skautonet": AutogradMLPClassifier,
}


def fit_and_score(
    estimator_class, hidden_layer_sizes, seed, X_train, y_train, X_test, y_test
):
    """Fit one estimator and return its test accuracy, fit seconds and epochs."""
    model = estimator_class(
        hidden_layer_sizes=hidden_layer_sizes, random_state=seed, **SHARED_PARAMETERS
    )
    with warnings.catch_warnings():
        # Every fit runs all max_iter epochs on purpose, so both estimators
        # warn that training stopped before converging.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Iris and wine have fewer than 200 training rows, and both
        # estimators warn that they use one batch of all rows instead.
        warnings.filterwarnings("ignore", message=".*batch_size", category=UserWarning)
        started = time.perf_counter()
        model.fit(X_train, y_train)
        fit_seconds = time.perf_counter() - started
    return model.score(X_test, y_test), fit_seconds, model.n_iter_


def warm_up():
    """Fit each estimator for one epoch so that first-call setup is untimed."""
    X, y = load_iris(return_X_y=True)
    for estimator_class in ESTIMATORS.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator_class(max_iter=1, random_state=0).fit(X, y)


def run_dataset(name, seeds):
    """Fit both estimators on each seed's split of one data set.

    Returns one result row per seed and estimator, the data shape, the
    number of classes and the hidden layer sizes.
    """
    loader, hidden_layer_sizes = DATASETS[name]
    X, y = loader(return_X_y=True)
    rows = []
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=TEST_SIZE, stratify=y, random_state=seed
        )
        scaler = StandardScaler().fit(X_train)
        X_train = scaler.transform(X_train)
        X_test = scaler.transform(X_test)
        for estimator_name, estimator_class in ESTIMATORS.items():
            accuracy, fit_seconds, epochs = fit_and_score(
                estimator_class,
                hidden_layer_sizes,
                seed,
                X_train,
                y_train,
                X_test,
                y_test,
            )
            rows.append(
                {
                    "dataset": name,
                    "seed": seed,
                    "estimator": estimator_name,
                    "accuracy": accuracy,
                    "fit_seconds": fit_seconds,
                    "epochs": epochs,
                }
            )
    return rows, X.shape, len(np.unique(y)), hidden_layer_sizes


def parity_table(datasets=None, seeds=range(5)):
    """Fit both estimators on each data set and seed and summarize the results.

    ``datasets`` is a list of keys of ``DATASETS`` (default: all). Returns a
    DataFrame with one row per data set: its shape, the hidden layer sizes,
    the mean and standard deviation (ddof=1, so NaN for a single seed) of
    each estimator's test accuracy, the mean fit seconds, the fewest epochs
    that a fit ran, ``difference`` (skautonet minus sklearn mean accuracy)
    and ``parity`` ("PASS" when ``abs(difference) <=
    MAX_ACCURACY_DIFFERENCE``, else "FAIL").
    """
    if datasets is None:
        datasets = list(DATASETS)
    unknown = [name for name in datasets if name not in DATASETS]
    if unknown:
        raise ValueError(f"Unknown data sets {unknown}. Choose from {list(DATASETS)}.")
    seeds = list(seeds)
    if not seeds:
        raise ValueError(
            "seeds is empty. Pass at least one seed, for example range(5)."
        )

    warm_up()
    summary_rows = []
    for name in datasets:
        rows, shape, n_classes, hidden_layer_sizes = run_dataset(name, seeds)
        results = pd.DataFrame(rows)
        summary = {
            "dataset": name,
            "n_samples": shape[0],
            "n_features": shape[1],
            "n_classes": n_classes,
            "hidden": hidden_layer_sizes,
        }
        for estimator_name in ESTIMATORS:
            runs = results[results["estimator"] == estimator_name]
            summary[f"{estimator_name}_accuracy_mean"] = runs["accuracy"].mean()
            summary[f"{estimator_name}_accuracy_std"] = runs["accuracy"].std()
            summary[f"{estimator_name}_fit_seconds"] = runs["fit_seconds"].mean()
            summary[f"{estimator_name}_min_epochs"] = runs["epochs"].min()
        difference = (
            summary["skautonet_accuracy_mean"] - summary["sklearn_accuracy_mean"]
        )
        summary["difference"] = difference
        # A difference of mean accuracies can be exactly 0.02, for example 45
        # of the 5 x 450 digits test rows, and rounding error may then put it
        # just above 0.02.
        passed = round(abs(difference), 12) <= MAX_ACCURACY_DIFFERENCE
        summary["parity"] = "PASS" if passed else "FAIL"
        summary_rows.append(summary)
    return pd.DataFrame(summary_rows)


def format_markdown(table):
    """Return the accuracy and fit-time table of ``parity_table`` as Markdown."""
    header = [
        "dataset",
        "n_samples",
        "n_features",
        "n_classes",
        "hidden",
        "MLPClassifier accuracy",
        "AutogradMLPClassifier accuracy",
        "difference",
        "parity",
        "MLPClassifier fit (s)",
        "AutogradMLPClassifier fit (s)",
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for row in table.itertuples(index=False):
        cells = [
            row.dataset,
            str(row.n_samples),
            str(row.n_features),
            str(row.n_classes),
            str(row.hidden),
            f"{row.sklearn_accuracy_mean:.4f} ± {row.sklearn_accuracy_std:.4f}",
            f"{row.skautonet_accuracy_mean:.4f} ± {row.skautonet_accuracy_std:.4f}",
            f"{row.difference:+.4f}",
            row.parity,
            f"{row.sklearn_fit_seconds:.3f}",
            f"{row.skautonet_fit_seconds:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def read_cpu_model():
    """Return the CPU model name from /proc/cpuinfo, or platform's guess."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def format_load_average():
    """Return the 1, 5 and 15 minute load averages, or "unknown"."""
    try:
        return ", ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def format_header(argv, seeds):
    """Return the command, date, machine, versions and settings as Markdown."""
    versions = []
    for distribution in REPORTED_DISTRIBUTIONS:
        try:
            versions.append(
                f"{distribution} {importlib.metadata.version(distribution)}"
            )
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{distribution} not installed")
    parameters = ", ".join(
        f"{key}={value!r}" for key, value in SHARED_PARAMETERS.items()
    )
    return "\n".join(
        [
            f"Command: `python {shlex.join(argv)}`",
            "",
            f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            f"- Machine: {read_cpu_model()}, {os.cpu_count()} CPUs, "
            f"{platform.platform()}",
            f"- Python {platform.python_version()}",
            f"- Load average at start (1, 5, 15 min): {format_load_average()}",
            f"- Versions: {', '.join(versions)}",
            f"- Seeds: {seeds}; test_size={TEST_SIZE}, stratified",
            f"- Shared parameters: {parameters}",
        ]
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=(
            "Compare the mean test accuracy of MLPClassifier and "
            "AutogradMLPClassifier on scikit-learn's small data sets."
        )
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(DATASETS),
        default=list(DATASETS),
        help="data sets to run (default: all)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=5,
        metavar="N",
        help="run the seeds 0 to N-1 (default: 5)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    seeds = list(range(args.seeds))
    print(format_header([sys.argv[0], *argv], seeds))
    print()
    started = time.perf_counter()
    table = parity_table(args.datasets, seeds)
    print(format_markdown(table))
    print()
    print(
        "Accuracy is mean ± standard deviation over the seeds; "
        "difference is AutogradMLPClassifier minus MLPClassifier, and parity "
        f"passes when |difference| <= {MAX_ACCURACY_DIFFERENCE}. Fit times are "
        "means over the seeds."
    )
    min_epochs = table[[f"{name}_min_epochs" for name in ESTIMATORS]].min().min()
    print(f"Every fit ran at least {min_epochs} of max_iter={MAX_ITER} epochs.")
    print(f"Load average at end (1, 5, 15 min): {format_load_average()}")
    print(f"Total run time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
