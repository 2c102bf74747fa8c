"""
A custom activation: squareplus on the digits
=============================================

``activation`` accepts any function written with ``autograd.numpy`` that maps
an array to an array of the same shape, and autograd differentiates it. Here it
is squareplus, ``(z + sqrt(z**2 + 4)) / 2``, a smooth ReLU without
exponentials (Barron, "Squareplus: A Softplus-Like Algebraic Rectifier",
2021), trained on the 8x8 handwritten digits and compared with the built-in
``"relu"`` by test accuracy and fit time.

A built-in name trains through fused primitives with hand-written
gradients, while a callable is traced operation by operation, so the fit
times show what the tracing costs on this network.

Run it with ``python examples/custom_activation.py``.
"""

# %%
# The activation: two lines of autograd.numpy. It is defined at module level,
# so a model that uses it can be saved with pickle or joblib.
import time
import warnings

import autograd.numpy as anp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skautonet import AutogradMLPClassifier, check_gradients


def squareplus(z):
    return 0.5 * (z + anp.sqrt(z * z + 4.0))


# %%
# Hold out a quarter of the images for testing.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Before training, compare autograd's gradient of the training objective
# with finite differences on 200 of the network's parameters. No fitted
# model is needed. The absolute error is the one to read here: about 5e-10
# is the rounding error of the differences. The relative error can reach
# about 1e-4 on an exact gradient, on parameters whose gradient is close to
# 0, while a wrong derivative gives relative errors of order 1.
scaler = StandardScaler().fit(X_train)
result = check_gradients(
    AutogradMLPClassifier(hidden_layer_sizes=(32,), activation=squareplus),
    scaler.transform(X_train[:100]),
    y_train[:100],
    max_params=200,
)
print(
    f"gradient check: max absolute error {result.max_absolute_error:.1e}, "
    f"max relative error {result.max_relative_error:.1e}"
)

# %%
# Train the same network with each activation: per-example SGD for 8 epochs,
# with the same seed, so that both start from the same weights.
print(f"{'activation':<12}{'test accuracy':>15}{'fit time (s)':>15}")
for name, activation in [("relu", "relu"), ("squareplus", squareplus)]:
    model = make_pipeline(
        StandardScaler(),
        AutogradMLPClassifier(
            hidden_layer_sizes=(32,),
            activation=activation,
            max_iter=8,
            random_state=0,
        ),
    )
    started = time.perf_counter()
    # 8 epochs is a deliberate budget, so max_iter ends training.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    accuracy = model.score(X_test, y_test)
    print(f"{name:<12}{accuracy:>15.3f}{seconds:>15.1f}")
