"""``check_gradients``: autograd's gradient against finite differences."""

from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ._network import ParameterLayout, fused_objective, initialize_parameters
from ._training import value_and_gradient


class GradientCheck(NamedTuple):
    """Outcome of :func:`check_gradients`."""

    max_relative_error: float
    """Largest ``|autograd - finite difference| / max(|autograd|, |fd|, floor)``."""

    max_absolute_error: float
    """Largest ``|autograd - finite difference|`` over the checked entries."""

    n_checked: int
    """Number of parameters compared."""

    worst_index: int
    """Position of the worst entry in the flat parameter vector."""


def check_gradients(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    epsilon=1e-6,
    max_params=500,
    floor=1e-6,
    random_state=0,
):
    """Compare autograd's gradient of the full objective with finite differences.

    The objective is the one ``fit`` minimises for ``estimator``'s settings:
    the network with its activation, the loss, the sample and class
    weights, and the penalty, over the whole of ``X``. The gradient is taken
    at the fitted weights if ``estimator`` is fitted, else at the weights a
    ``fit`` would start from. The estimator itself is not changed.

    Parameters
    ----------
    estimator : AutogradMLPClassifier
        The estimator whose objective to check, fitted or not.

    X : array-like of shape (n_samples, n_features)
        Data for the objective; a few dozen rows are enough.

    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Labels for the objective.

    sample_weight : array-like of shape (n_samples,), default=None
        Example weights, as in ``fit``.

    epsilon : float, default=1e-6
        Step of the central differences ``(f(w + e) - f(w - e)) / (2 e)``.

    max_params : int, default=500
        Compare at most this many parameters, drawn at random, since each
        costs two evaluations of the objective.

    floor : float, default=1e-6
        Smallest denominator of the relative error, so that entries where
        both gradients are about 0 count as agreeing.

    random_state : int, default=0
        Seed of the parameter sample (and of the initial weights of an
        unfitted estimator whose own ``random_state`` is None).

    Returns
    -------
    result : GradientCheck
        ``max_relative_error`` is the number to look at. A wrong gradient
        gives errors of order 1e-2 to 1; a right one gives 1e-10 to about
        1e-4, the upper end on entries whose gradient is near ``floor``,
        where the rounding error of the finite differences (about 1e-10
        here) is divided by a small number. A kink (such as ReLU at 0)
        within ``epsilon`` of the weights can also inflate a single entry;
        ``max_absolute_error`` helps to tell these cases apart.

    Examples
    --------
    >>> import autograd.numpy as anp
    >>> from sklearn.datasets import load_iris
    >>> from skautonet import AutogradMLPClassifier, check_gradients
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AutogradMLPClassifier((5,), activation=anp.sin, random_state=0)
    >>> result = check_gradients(clf, X[::5], y[::5])
    >>> bool(result.max_relative_error < 1e-6)
    True
    """
    work = clone(estimator)
    if work.random_state is None:
        work.set_params(random_state=random_state)
    X, y, targets, sample_weight, weight_scale = work._prepare_data(
        np.asarray(X, dtype=np.float64) if not hasattr(X, "tocsr") else X,
        y,
        sample_weight,
        classes=None,
        incremental=False,
        continuing=False,
    )
    targets = targets.astype(np.float64)
    layout = ParameterLayout((X.shape[1], *work._hidden_sizes(), targets.shape[1]))
    work._reset_training_state(targets.shape[1], incremental=False)
    if hasattr(estimator, "coefs_"):
        if not np.array_equal(work.classes_, estimator.classes_) or (
            layout.layer_sizes
            != (
                estimator.n_features_in_,
                *estimator._hidden_sizes(),
                estimator.n_outputs_,
            )
        ):
            raise ValueError(
                "check_gradients needs data of the fitted estimator's shape: y "
                f"has the classes {work.classes_.tolist()} and X "
                f"{X.shape[1]} features, but the estimator was fitted on "
                f"{estimator.classes_.tolist()} and {estimator.n_features_in_} "
                "features. Pass rows that contain every fitted class."
            )
        theta = layout.pack(estimator.coefs_, estimator.intercepts_, np.float64)
    else:
        theta = initialize_parameters(
            layout,
            work.init,
            work.init_std,
            work.activation,
            check_random_state(work.random_state),
            np.float64,
        )
    spec = work._objective_spec(layout, weight_scale, np.float64)

    def objective(params):
        return float(fused_objective(params, X, targets, sample_weight, spec))

    _, gradient = value_and_gradient(
        fused_objective, theta, X, targets, sample_weight, spec
    )
    rng = np.random.RandomState(random_state)
    indices = np.arange(theta.size)
    if theta.size > max_params:
        indices = np.sort(rng.choice(theta.size, size=max_params, replace=False))

    numeric = np.empty(indices.size)
    for position, index in enumerate(indices):
        step = np.zeros_like(theta)
        step[index] = epsilon
        numeric[position] = (objective(theta + step) - objective(theta - step)) / (
            2 * epsilon
        )

    analytic = gradient[indices]
    absolute = np.abs(analytic - numeric)
    relative = absolute / np.maximum(
        np.maximum(np.abs(analytic), np.abs(numeric)), floor
    )
    worst = int(np.argmax(relative))
    return GradientCheck(
        max_relative_error=float(relative[worst]),
        max_absolute_error=float(absolute.max()),
        n_checked=int(indices.size),
        worst_index=int(indices[worst]),
    )
