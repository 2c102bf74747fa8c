"""Fused autograd primitives for the fast training path.

Autograd charges a fixed cost for every traced operation, so a two-layer
network written with ``autograd.numpy`` spends most of a per-example update
on bookkeeping. The primitives below each replace a run of traced
operations with one, and each vector-Jacobian product (VJP) sits right
after its forward function. ``tests/test_primitives.py`` checks every VJP
against central finite differences with ``autograd.test_util.check_grads``.

All parameters live in one flat vector ``theta``. A primitive reads its
layer's weights as views into ``theta``, and its VJP returns a full-size
gradient that is zero outside the blocks the primitive reads. Measured on
2 cores, that costs less per update than autograd's ``SparseObject``, whose
accumulation goes through one more traced call per contribution.

The training objective for built-in options is then a chain of
``len(hidden_layer_sizes) + 1`` primitives: one ``dense`` per hidden layer
and one ``dense_cross_entropy`` that fuses the output layer, the loss and
the penalty.
"""

import numpy as np
from autograd.core import defvjp_argnums
from autograd.extend import primitive
from scipy import sparse
from scipy.special import expit


class LayerBlock:
    """Position of one dense layer's weights inside the flat vector.

    The coefficient matrix, of shape ``(fan_in, fan_out)``, is stored row
    major in ``theta[coef_start:intercept_start]`` and the intercept vector
    in ``theta[intercept_start:end]``.
    """

    __slots__ = (
        "_views",
        "coef_start",
        "end",
        "fan_in",
        "fan_out",
        "intercept_start",
    )

    def __init__(self, coef_start, fan_in, fan_out):
        self.coef_start = coef_start
        self.fan_in = fan_in
        self.fan_out = fan_out
        self.intercept_start = coef_start + fan_in * fan_out
        self.end = self.intercept_start + fan_out
        self._views = None

    def _views_of(self, theta):
        # Training updates one vector in place, so the views of the last
        # vector seen stay valid; the tuple keeps that vector alive, so the
        # identity test cannot match a different array at a reused address.
        views = self._views
        if views is None or views[0] is not theta:
            coef = theta[self.coef_start : self.intercept_start].reshape(
                self.fan_in, self.fan_out
            )
            views = (theta, coef, theta[self.intercept_start : self.end])
            self._views = views
        return views

    def coef(self, theta):
        """Return the coefficient matrix as a view into ``theta``."""
        return self._views_of(theta)[1]

    def intercept(self, theta):
        """Return the intercept vector as a view into ``theta``."""
        return self._views_of(theta)[2]

    def __eq__(self, other):
        return isinstance(other, LayerBlock) and (
            self.coef_start,
            self.fan_in,
            self.fan_out,
        ) == (other.coef_start, other.fan_in, other.fan_out)

    def __hash__(self):
        return hash((self.coef_start, self.fan_in, self.fan_out))

    def __repr__(self):
        return f"LayerBlock({self.coef_start}, {self.fan_in}, {self.fan_out})"


# -- dense layer with its activation ---------------------------------------


@primitive
def dense(theta, x, block, activation):
    """Compute ``activation(x @ W + b)`` with ``W`` and ``b`` read from ``theta``.

    ``x`` may be a dense array or a SciPy sparse matrix. ``activation`` is one
    of the objects in ``_activations.ACTIVATIONS``.
    """
    z = x @ block.coef(theta)
    z += block.intercept(theta)
    return activation.apply_inplace(z)


def _dense_vjp(argnums, ans, args, kwargs):
    theta, x, block, activation = args

    def vjp(g):
        # Backpropagate through the activation: delta = dL/dz.
        if activation.name == "identity":
            delta = g
        else:
            z = None
            if activation.uses_input:
                z = x @ block.coef(theta) + block.intercept(theta)
            delta = activation.backpropagate(g, z, ans)
        return _block_gradients(argnums, theta, x, block, delta)

    return vjp


def _block_gradients(argnums, theta, x, block, delta, penalty=None, upstream=1.0):
    """Return the gradients in ``theta`` and ``x`` of a layer with ``dL/dz = delta``."""
    grads = []
    for argnum in argnums:
        if argnum == 0:
            total = np.zeros(theta.shape, theta.dtype)
            # dL/dW = x.T @ delta, dL/db = sum of delta over the batch.
            coef_gradient = total[block.coef_start : block.intercept_start]
            if sparse.issparse(x):
                coef_gradient[:] = (x.T @ delta).ravel()
            else:
                # Write x.T @ delta straight into the gradient's block.
                np.matmul(
                    x.T, delta, out=coef_gradient.reshape(block.fan_in, block.fan_out)
                )
            total[block.intercept_start : block.end] = _sum_rows(delta)
            if penalty is not None:
                _add_penalty_gradient(total, theta, penalty, upstream)
            grads.append(total)
        elif argnum == 1:
            # dL/dx = delta @ W.T
            grads.append(delta @ block.coef(theta).T)
        else:
            raise NotImplementedError(
                "the layer primitives are differentiable in theta and their "
                f"input only, got a request for argument {argnum}"
            )
    return grads


defvjp_argnums(dense, _dense_vjp)


# -- output layer, loss and penalty in one primitive ---------------------------


class Penalty:
    """L2 and L1 terms on the coefficient blocks of a flat parameter vector.

    The value is ``l2 * 0.5 * sum(W**2) + l1 * sum(|W|)``, where ``l2`` and
    ``l1`` already include ``alpha / n_batch``.
    """

    __slots__ = ("blocks", "l1", "l2")

    def __init__(self, blocks, l2, l1):
        self.blocks = blocks
        self.l2 = l2
        self.l1 = l1


def _penalty_value(theta, penalty):
    total = 0.0
    for block in penalty.blocks:
        coef = theta[block.coef_start : block.intercept_start]
        if penalty.l2:
            total += penalty.l2 * 0.5 * np.dot(coef, coef)
        if penalty.l1:
            total += penalty.l1 * np.sum(np.abs(coef))
    return total


def _add_penalty_gradient(total, theta, penalty, upstream):
    """Add ``upstream`` times the penalty's gradient into ``total`` in place."""
    # The gradient of |w| at w == 0 is taken as 0, as autograd's abs does.
    for block in penalty.blocks:
        part = slice(block.coef_start, block.intercept_start)
        if penalty.l2:
            total[part] += (upstream * penalty.l2) * theta[part]
        if penalty.l1:
            total[part] += (upstream * penalty.l1) * np.sign(theta[part])


# np.add.reduce and np.maximum.reduce skip the Python wrappers of
# ndarray.sum and ndarray.max, which matters on one-row batches.
def _sum_rows(values):
    return np.add.reduce(values, axis=0)


def _sum_columns(values):
    return np.add.reduce(values, axis=1)


def _softmax_losses(logits, targets):
    # For a one-hot row t, -sum_k t_k log softmax_k(z) = logsumexp(z) - t . z.
    # The shift by the row maximum keeps every exponent at or below 0.
    logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
    log_normalizer = np.log(_sum_columns(np.exp(logits)))
    return log_normalizer - _sum_columns(targets * logits)


def _sigmoid_losses(logits, targets):
    # -t log s(z) - (1 - t) log(1 - s(z)) = log(1 + exp(z)) - t z
    return _sum_columns(np.logaddexp(0.0, logits) - targets * logits)


def cross_entropy_losses(logits, targets, output):
    """Return one cross-entropy per row in plain NumPy; may overwrite ``logits``.

    ``output`` is ``"softmax"`` (one-hot ``targets`` rows) or ``"logistic"``
    (0/1 columns, losses summed over them).
    """
    if output == "softmax":
        return _softmax_losses(logits, targets)
    return _sigmoid_losses(logits, targets)


@primitive
def dense_cross_entropy(theta, hidden, block, targets, weights, output, penalty):
    """Return the output layer's mean cross-entropy plus the penalty.

    The logits are ``hidden @ W + b`` with the last layer's block. With
    ``output="softmax"`` the loss of a row is its categorical cross-entropy,
    and each ``targets`` row must sum to 1, as one-hot rows do. With
    ``"logistic"`` it is the binary cross-entropy summed over the 0/1
    columns.
    The data term is ``sum(weights * losses) / n_batch``; the estimator scales
    the weights to a mean of 1 over the training set, so a batch's step is
    proportional to its weight and a batch of weight 0 contributes nothing.
    ``penalty`` is a ``Penalty`` or None.
    """
    logits = hidden @ block.coef(theta)
    logits += block.intercept(theta)
    losses = cross_entropy_losses(logits, targets, output)

    if weights is None:
        loss = np.add.reduce(losses) / losses.shape[0]
    else:
        loss = np.dot(weights, losses) / losses.shape[0]
    if penalty is not None:
        loss += _penalty_value(theta, penalty)
    return loss


def _dense_cross_entropy_vjp(argnums, ans, args, kwargs):
    theta, hidden, block, targets, weights, output, penalty = args

    def vjp(g):
        logits = hidden @ block.coef(theta)
        logits += block.intercept(theta)
        if output == "softmax":
            # d/dz of logsumexp(z) - t . z is softmax(z) - t.
            logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
            probabilities = np.exp(logits, out=logits)
            probabilities /= np.add.reduce(probabilities, axis=1, keepdims=True)
            delta = probabilities - targets
        else:
            delta = expit(logits) - targets

        # Each example's share of the batch mean.
        scale = g / delta.shape[0]
        if weights is None:
            delta *= scale
        else:
            delta *= (scale * weights)[:, np.newaxis]
        return _block_gradients(argnums, theta, hidden, block, delta, penalty, g)

    return vjp


defvjp_argnums(dense_cross_entropy, _dense_cross_entropy_vjp)


# -- penalties on their own, for a user's loss -----------------------------------


@primitive
def add_penalty(loss, theta, penalty):
    """Return ``loss`` plus the ``Penalty`` on the coefficient blocks of ``theta``.

    Used when the data loss is the user's callable, so that the penalty is
    still one primitive. Intercepts are not penalised.
    """
    return loss + _penalty_value(theta, penalty)


def _add_penalty_vjp(argnums, ans, args, kwargs):
    _, theta, penalty = args

    def vjp(g):
        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(g)
            elif argnum == 1:
                total = np.zeros(theta.shape, theta.dtype)
                _add_penalty_gradient(total, theta, penalty, g)
                grads.append(total)
            else:
                raise NotImplementedError(
                    "add_penalty is differentiable in loss and theta only"
                )
        return grads

    return vjp


defvjp_argnums(add_penalty, _add_penalty_vjp)
