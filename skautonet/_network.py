"""The network's math: parameter layout, initialisation, forward pass, losses.

Everything that autograd differentiates here is a pure function of the flat
parameter vector ``theta`` and one batch of data. Two objectives compute the
same number:

- ``traced_objective`` is written only with ``autograd.numpy`` and is the
  definition of the model.
- ``fused_objective`` calls the primitives of ``_primitives`` and is what
  training uses for the built-in options. Tests pin that both give the
  same gradient.

Inference (``forward_numpy``) never traces: it is plain NumPy over the
``coefs_`` and ``intercepts_`` arrays.
"""

import autograd.numpy as anp
import numpy as np
from scipy.special import expit

from ._activations import ACTIVATIONS
from ._primitives import (
    LayerBlock,
    add_l2_penalty,
    dense,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
)

# -- parameter layout ---------------------------------------------------------


class ParameterLayout:
    """Blocks of a flat parameter vector for layers of the given sizes.

    ``layer_sizes`` lists the width of every layer, input and output
    included, so ``(4, 8, 3)`` is the 4-8-3 network: two dense layers with
    coefficient matrices of shapes ``(4, 8)`` and ``(8, 3)``.
    """

    def __init__(self, layer_sizes):
        self.layer_sizes = tuple(int(size) for size in layer_sizes)
        self.blocks = []
        start = 0
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            block = LayerBlock(start, fan_in, fan_out)
            self.blocks.append(block)
            start = block.end
        self.n_params = start

    def views(self, theta):
        """Return ``(coefs, intercepts)``, lists of views into ``theta``."""
        coefs = [block.coef(theta) for block in self.blocks]
        intercepts = [block.intercept(theta) for block in self.blocks]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """Copy coefficient and intercept arrays into a new flat vector."""
        theta = np.empty(self.n_params, dtype=dtype)
        for block, coef, intercept in zip(self.blocks, coefs, intercepts):
            block.coef(theta)[...] = coef
            block.intercept(theta)[...] = intercept
        return theta

    def __eq__(self, other):
        return (
            isinstance(other, ParameterLayout) and self.layer_sizes == other.layer_sizes
        )

    def __hash__(self):
        return hash(self.layer_sizes)


def initialize_parameters(layout, init, init_std, activation, random_state, dtype):
    """Draw a new flat parameter vector.

    ``"glorot_uniform"`` draws coefficients and intercepts uniformly in
    ``[-r, r]`` with ``r = sqrt(6 / (fan_in + fan_out))``, or
    ``sqrt(2 / (fan_in + fan_out))`` for the logistic activation, as
    ``MLPClassifier`` does (Glorot and Bengio, 2010). ``"normal"`` draws
    every parameter from ``init_std * N(0, 1)``.
    """
    parts = []
    for block in layout.blocks:
        size = block.end - block.coef_start
        if init == "normal":
            parts.append(init_std * random_state.standard_normal(size))
        else:
            factor = 2.0 if activation == "logistic" else 6.0
            bound = np.sqrt(factor / (block.fan_in + block.fan_out))
            parts.append(random_state.uniform(-bound, bound, size))
    return np.concatenate(parts).astype(dtype, copy=False)


# -- the traced definition ----------------------------------------------------


def log_softmax(logits):
    """Return log softmax along axis 1, finite for any finite logits.

    Subtracting the row maximum before exponentiating keeps every exponent
    at or below 0, so ``[1000, 0, -1000]`` gives ``[0, -1000, -2000]``
    instead of ``nan``.
    """
    row_max = anp.max(logits, axis=1, keepdims=True)
    shifted = logits - row_max
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))


def categorical_cross_entropy(targets, logits):
    """Return one loss per example: ``-sum_k targets_k log softmax_k(logits)``."""
    return -anp.sum(targets * log_softmax(logits), axis=1)


def binary_cross_entropy(targets, logits):
    """Return one loss per example, summed over sigmoid output columns."""
    # -t log s(z) - (1 - t) log(1 - s(z)) simplifies to log(1 + exp(z)) - t z.
    return anp.sum(anp.logaddexp(0.0, logits) - targets * logits, axis=1)


def l2_term(coefs):
    """Return ``0.5 * sum(W**2)`` over the coefficient matrices."""
    return 0.5 * sum(anp.sum(coef**2) for coef in coefs)


def traced_forward(theta, X, layout, activation):
    """Return the logits, traced operation by operation with autograd.numpy."""
    activate = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    hidden = X
    last = len(layout.blocks) - 1
    for index, block in enumerate(layout.blocks):
        coef = anp.reshape(
            theta[block.coef_start : block.intercept_start],
            (block.fan_in, block.fan_out),
        )
        intercept = theta[block.intercept_start : block.end]
        hidden = anp.dot(hidden, coef) + intercept
        if index < last:
            hidden = activate(hidden)
    return hidden


def traced_objective(theta, X, targets, sample_weight, spec):
    """Return the training objective, traced with autograd.numpy only.

    The objective is ``mean(sample_weight * losses) + alpha * 0.5 *
    sum(W**2) / n_batch`` over the batch, which is ``MLPClassifier``'s
    objective when there are no weights. The estimator passes weights scaled
    to a mean of 1 over the training set, so the full-batch objective is the
    weighted mean loss ``sum(w * losses) / sum(w)`` plus the penalty over
    ``sum(w)``.
    """
    logits = traced_forward(theta, X, spec.layout, spec.activation)
    if spec.output == "softmax":
        losses = categorical_cross_entropy(targets, logits)
    else:
        losses = binary_cross_entropy(targets, logits)

    n_batch = X.shape[0]
    if sample_weight is None:
        loss = anp.mean(losses)
    else:
        loss = anp.sum(losses * sample_weight) / n_batch

    if spec.alpha:
        coefs = [
            theta[block.coef_start : block.intercept_start]
            for block in spec.layout.blocks
        ]
        loss = loss + spec.alpha * l2_term(coefs) / n_batch
    return loss


# -- the fused fast path -----------------------------------------------------


def fused_objective(theta, X, targets, sample_weight, spec):
    """Return the same value as ``traced_objective`` through fused primitives."""
    hidden_activation = ACTIVATIONS[spec.activation]
    identity = ACTIVATIONS["identity"]
    blocks = spec.layout.blocks

    hidden = X
    for block in blocks[:-1]:
        hidden = dense(theta, hidden, block, hidden_activation)
    logits = dense(theta, hidden, blocks[-1], identity)

    if spec.output == "softmax":
        loss = softmax_cross_entropy(logits, targets, sample_weight)
    else:
        loss = sigmoid_cross_entropy(logits, targets, sample_weight)

    if spec.alpha:
        loss = add_l2_penalty(loss, theta, blocks, spec.alpha / X.shape[0])
    return loss


class ObjectiveSpec:
    """What an objective needs besides the parameters and the data."""

    __slots__ = ("activation", "alpha", "layout", "output")

    def __init__(self, layout, activation, output, alpha):
        self.layout = layout
        self.activation = activation
        self.output = output
        self.alpha = alpha


# -- inference ----------------------------------------------------------------


def forward_numpy(X, coefs, intercepts, activation, output):
    """Return output-layer probabilities with plain NumPy, never traced.

    ``output`` is ``"softmax"`` (one column per class) or ``"logistic"`` (one
    column per label, or a single column for a binary problem).
    """
    logits = forward_logits_numpy(X, coefs, intercepts, activation)
    if output == "softmax":
        # Softmax in place: shift by the row maximum, exponentiate, normalise.
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits
    return expit(logits, out=logits)


def forward_logits_numpy(X, coefs, intercepts, activation):
    """Return the logits with plain NumPy, reusing each hidden buffer."""
    activate = ACTIVATIONS[activation]
    hidden = X
    last = len(coefs) - 1
    for index, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        hidden = hidden @ coef
        hidden += intercept
        if index < last:
            hidden = activate.apply_inplace(hidden)
    return np.asarray(hidden)
