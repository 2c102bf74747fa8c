"""
Iris with per-example SGD
=========================

The experiment that started skautonet: a 4-8-3 ReLU network on the Iris
flowers, every weight drawn from ``0.01 * N(0, 1)``, trained with plain
per-example stochastic gradient descent (learning rate 0.01, 50 epochs, no
penalty) on the raw measurements, and tested on a held-out 20%.

Run it with ``python examples/iris.py``; a progress bar shows the training
loss and accuracy after each epoch.
"""

# %%
# Load the measurements into a DataFrame, so the fitted model records the
# column names, and hold out a fifth of the flowers for testing.
import warnings

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skautonet import AutogradMLPClassifier

iris = load_iris()
columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
X = pd.DataFrame(iris.data, columns=columns)
y = pd.Series(iris.target_names[iris.target], name="species")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

# %%
# The original recipe, spelled out in the estimator's parameters.
clf = AutogradMLPClassifier(
    hidden_layer_sizes=(8,),
    activation="relu",
    init="normal",
    init_std=0.01,
    batch_size=1,
    learning_rate_init=0.01,
    alpha=0.0,
    max_iter=50,
    n_iter_no_change=50,
    random_state=0,
    verbose=True,
)
# Training runs all 50 epochs by design, so the ConvergenceWarning that
# max_iter ends training is expected here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train)

# %%
# Test accuracy and cross-entropy on the held-out flowers.
accuracy = clf.score(X_test, y_test)
loss = log_loss(y_test, clf.predict_proba(X_test), labels=clf.classes_)
print(f"epochs: {clf.n_iter_}")
print(f"test accuracy: {accuracy:.3f}")
print(f"test loss: {loss:.3f}")
