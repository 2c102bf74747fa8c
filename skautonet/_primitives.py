"""Fused autograd primitives for the fast training path.

Autograd charges a fixed cost for every traced operation, so a two-layer
network written with ``autograd.numpy`` spends most of a per-example update
on bookkeeping. The primitives below each replace a run of traced
operations with one, and each vector-Jacobian product (VJP) sits right
after its forward function. ``tests/test_primitives.py`` checks every VJP
against central finite differences with ``autograd.test_util.check_grads``.

All parameters live in one flat vector ``theta``. A primitive reads its
layer's weights as views into ``theta`` and its VJP adds into the matching
block of the gradient through an autograd ``SparseObject``, so no full-size
zero vector is built per layer.
"""

import numpy as np
from autograd.core import SparseObject, defvjp_argnums, vspace
from autograd.extend import primitive
from scipy.special import expit


class LayerBlock:
    """Position of one dense layer's weights inside the flat vector.

    The coefficient matrix, of shape ``(fan_in, fan_out)``, is stored row
    major in ``theta[coef_start:intercept_start]`` and the intercept vector
    in ``theta[intercept_start:end]``.
    """

    __slots__ = ("coef_start", "end", "fan_in", "fan_out", "intercept_start")

    def __init__(self, coef_start, fan_in, fan_out):
        self.coef_start = coef_start
        self.fan_in = fan_in
        self.fan_out = fan_out
        self.intercept_start = coef_start + fan_in * fan_out
        self.end = self.intercept_start + fan_out

    def coef(self, theta):
        """Return the coefficient matrix as a view into ``theta``."""
        return theta[self.coef_start : self.intercept_start].reshape(
            self.fan_in, self.fan_out
        )

    def intercept(self, theta):
        """Return the intercept vector as a view into ``theta``."""
        return theta[self.intercept_start : self.end]

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
            delta = g * activation.derivative(z, ans)

        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(_layer_gradient(theta, x, block, delta))
            else:
                # dL/dx = delta @ W.T
                grads.append(delta @ block.coef(theta).T)
        return grads

    return vjp


def _layer_gradient(theta, x, block, delta):
    coef_grad = np.asarray(x.T @ delta).ravel()
    intercept_grad = delta.sum(axis=0)

    def add_into(total):
        total[block.coef_start : block.intercept_start] += coef_grad
        total[block.intercept_start : block.end] += intercept_grad
        return total

    return SparseObject(vspace(theta), add_into)


defvjp_argnums(dense, _dense_vjp)


# -- losses on the output layer's logits ------------------------------------


def _weighted_mean(losses, weights):
    # The mean of weights * losses over the batch, not divided by the sum of
    # the weights: the estimator scales the weights so that their mean over
    # the training set is 1, which keeps a batch's step proportional to its
    # weight and makes a batch of weight 0 contribute nothing.
    if weights is None:
        return np.mean(losses)
    return np.dot(weights, losses) / losses.shape[0]


def _weight_column(g, logits, weights):
    """Scale the upstream gradient by each example's share of the mean."""
    if weights is None:
        return g / logits.shape[0]
    return (g / logits.shape[0]) * weights[:, np.newaxis]


def _log_softmax(logits):
    # log softmax(z) = z - max(z) - log(sum(exp(z - max(z)))): the shift keeps
    # every exponent at or below 0, so nothing overflows.
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@primitive
def softmax_cross_entropy(logits, targets, weights):
    """Return the mean of ``weights * losses``, categorical cross-entropy losses.

    ``targets`` has one row per example; rows are one-hot for hard labels but
    any rows of non-negative values are accepted (label smoothing).
    """
    losses = -np.sum(targets * _log_softmax(logits), axis=1)
    return _weighted_mean(losses, weights)


def _softmax_cross_entropy_vjp(ans, logits, targets, weights):
    def vjp(g):
        probabilities = np.exp(_log_softmax(logits))
        # d/dz of -sum_k t_k log softmax_k(z) is softmax(z) * sum_k t_k - t.
        total = targets.sum(axis=1, keepdims=True)
        return (probabilities * total - targets) * _weight_column(g, logits, weights)

    return vjp


defvjp_argnums(
    softmax_cross_entropy,
    lambda argnums, ans, args, kwargs: _only_first(
        argnums, _softmax_cross_entropy_vjp(ans, *args)
    ),
)


@primitive
def sigmoid_cross_entropy(logits, targets, weights):
    """Return the mean of ``weights * losses``, binary cross-entropy losses.

    Losses are summed over the output columns (one per label), then averaged
    over examples.
    """
    # -t log s(z) - (1 - t) log(1 - s(z)) = log(1 + exp(z)) - t z
    losses = np.sum(np.logaddexp(0.0, logits) - targets * logits, axis=1)
    return _weighted_mean(losses, weights)


def _sigmoid_cross_entropy_vjp(ans, logits, targets, weights):
    def vjp(g):
        return (expit(logits) - targets) * _weight_column(g, logits, weights)

    return vjp


defvjp_argnums(
    sigmoid_cross_entropy,
    lambda argnums, ans, args, kwargs: _only_first(
        argnums, _sigmoid_cross_entropy_vjp(ans, *args)
    ),
)


def _only_first(argnums, vjp):
    if tuple(argnums) != (0,):
        raise NotImplementedError(
            "the loss primitives are differentiable in their logits only, "
            f"got a request for arguments {tuple(argnums)}"
        )
    return lambda g: (vjp(g),)


# -- L2 penalty ---------------------------------------------------------------


@primitive
def add_l2_penalty(loss, theta, blocks, scale):
    """Return ``loss + scale * 0.5 * sum(W**2)`` over the coefficient matrices.

    Adding the data loss inside the primitive saves tracing a separate
    addition on every update. Intercepts are not penalised.
    """
    total = 0.0
    for block in blocks:
        coef = theta[block.coef_start : block.intercept_start]
        total += np.dot(coef, coef)
    return loss + scale * 0.5 * total


def _add_l2_penalty_vjp(argnums, ans, args, kwargs):
    _, theta, blocks, scale = args

    def theta_gradient(g):
        factor = g * scale

        def add_into(total):
            for block in blocks:
                part = slice(block.coef_start, block.intercept_start)
                total[part] += factor * theta[part]
            return total

        return SparseObject(vspace(theta), add_into)

    def vjp(g):
        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(g)
            elif argnum == 1:
                grads.append(theta_gradient(g))
            else:
                raise NotImplementedError(
                    "add_l2_penalty is differentiable in loss and theta only"
                )
        return grads

    return vjp


defvjp_argnums(add_l2_penalty, _add_l2_penalty_vjp)


@primitive
def add_l1_penalty(loss, theta, blocks, scale):
    """Return ``loss + scale * sum(|W|)`` over the coefficient matrices.

    The gradient at a weight of exactly 0 is taken as 0, like autograd's
    ``abs``.
    """
    total = 0.0
    for block in blocks:
        total += np.sum(np.abs(theta[block.coef_start : block.intercept_start]))
    return loss + scale * total


def _add_l1_penalty_vjp(argnums, ans, args, kwargs):
    _, theta, blocks, scale = args

    def theta_gradient(g):
        factor = g * scale

        def add_into(total):
            for block in blocks:
                part = slice(block.coef_start, block.intercept_start)
                total[part] += factor * np.sign(theta[part])
            return total

        return SparseObject(vspace(theta), add_into)

    def vjp(g):
        grads = []
        for argnum in argnums:
            if argnum == 0:
                grads.append(g)
            elif argnum == 1:
                grads.append(theta_gradient(g))
            else:
                raise NotImplementedError(
                    "add_l1_penalty is differentiable in loss and theta only"
                )
        return grads

    return vjp


defvjp_argnums(add_l1_penalty, _add_l1_penalty_vjp)
