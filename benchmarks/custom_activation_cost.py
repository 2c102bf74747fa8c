"""Measure the cost of a callable activation or loss against the same built-in.

Built-in activations and the built-in loss train through fused autograd
primitives; a callable is traced by autograd operation by operation. This
script fits the same network side by side with each pair and prints
per-example updates per second (medians over repeats) and their ratio.

Run it as ``python benchmarks/custom_activation_cost.py [--repeats N]``.
"""

import argparse
import platform
import statistics
import sys
import time
import warnings
from importlib import metadata

import autograd.numpy as anp
import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import skautonet
from skautonet import AutogradMLPClassifier
from skautonet.losses import LogLoss


def tanh_callable(z):
    """Compute tanh, as the built-in "tanh" does, the way a user would write it."""
    return anp.tanh(z)


def relu_callable(z):
    """Compute ReLU, as the built-in "relu" does, the way a user would write it."""
    return anp.maximum(z, 0.0)


# (label, parameters of the built-in, parameters of the callable)
PAIRS = [
    ("activation tanh", {"activation": "tanh"}, {"activation": tanh_callable}),
    ("activation relu", {"activation": "relu"}, {"activation": relu_callable}),
    ("loss log_loss", {"loss": "log_loss"}, {"loss": LogLoss()}),
]


def updates_per_second(params, X, y, epochs):
    clf = AutogradMLPClassifier(
        hidden_layer_sizes=(8,),
        batch_size=1,
        learning_rate_init=0.01,
        alpha=0.0,
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        random_state=0,
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - started
    return epochs * X.shape[0] / seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="fits per configuration (default 5)"
    )
    parser.add_argument(
        "--epochs", type=int, default=20, help="epochs per fit (default 20)"
    )
    args = parser.parse_args(argv)

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    print(f"Command: python {' '.join(sys.argv)}")
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, autograd "
        f"{metadata.version('autograd')}, skautonet "
        f"{skautonet.__version__}"
    )
    print(
        f"Iris standardized, 4-8-3, per-example SGD, {args.epochs} epochs "
        f"({args.epochs * X.shape[0]} updates per fit), median of "
        f"{args.repeats} interleaved fits\n"
    )
    print("| option | built-in updates/s | callable updates/s | callable / built-in |")
    print("|---|---|---|---|")
    for label, builtin, custom in PAIRS:
        updates_per_second(builtin, X, y, 1)  # warm-up
        updates_per_second(custom, X, y, 1)
        builtin_rates, custom_rates = [], []
        for _ in range(args.repeats):
            builtin_rates.append(updates_per_second(builtin, X, y, args.epochs))
            custom_rates.append(updates_per_second(custom, X, y, args.epochs))
        builtin_rate = statistics.median(builtin_rates)
        custom_rate = statistics.median(custom_rates)
        print(
            f"| {label} | {builtin_rate:,.0f} | {custom_rate:,.0f} | "
            f"{custom_rate / builtin_rate:.2f}x |"
        )


if __name__ == "__main__":
    main()
