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

from ._activations import ACTIVATIONS, Activation
from ._primitives import (
    LayerBlock,
    Penalty,
    add_penalty,
    dense,
    dense_cross_entropy,
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


def l1_term(coefs):
    """Return ``sum(|W|)`` over the coefficient matrices."""
    return sum(anp.sum(anp.abs(coef)) for coef in coefs)


PENALTY_TERMS = {
    # name: (weight of l1_term, weight of l2_term) as functions of l1_ratio,
    # the elastic-net mix of SGDClassifier.
    "l2": lambda l1_ratio: (0.0, 1.0),
    "l1": lambda l1_ratio: (1.0, 0.0),
    "elasticnet": lambda l1_ratio: (l1_ratio, 1.0 - l1_ratio),
}


class ObjectiveSpec:
    """Settings of an objective besides the parameters and the data.

    Parameters
    ----------
    layout : ParameterLayout
        The network's layer sizes.
    activation : str or callable
        A key of ``ACTIVATIONS`` or a function written with autograd.numpy.
    output : {"softmax", "logistic"}
        The output activation.
    alpha : float
        Penalty strength; the objective adds ``alpha * penalty / n_batch``.
    loss : callable or None, default=None
        ``loss(targets, logits)`` returning one loss per example, or None for
        the cross-entropy that matches ``output``.
    penalty : {"l2", "l1", "elasticnet"} or callable, default="l2"
        The penalty on the coefficient matrices, or a function of the list of
        coefficient matrices that returns a scalar.
    l1_ratio : float, default=0.15
        Share of the L1 term for ``"elasticnet"``.
    loss_takes_out_activation : bool, default=False
        Whether to call ``loss(targets, logits, out_activation=output)``.
    """

    __slots__ = (
        "activation",
        "alpha",
        "l1_ratio",
        "layout",
        "loss",
        "loss_takes_out_activation",
        "output",
        "penalty",
    )

    def __init__(
        self,
        layout,
        activation,
        output,
        alpha,
        loss=None,
        penalty="l2",
        l1_ratio=0.15,
        loss_takes_out_activation=False,
    ):
        self.layout = layout
        self.activation = (
            ACTIVATIONS[activation] if isinstance(activation, str) else activation
        )
        self.output = output
        self.alpha = alpha
        self.loss = loss
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.loss_takes_out_activation = loss_takes_out_activation

    def per_example_losses(self, targets, logits):
        """Return one loss per example, traced with autograd.numpy."""
        if self.loss is None:
            if self.output == "softmax":
                return categorical_cross_entropy(targets, logits)
            return binary_cross_entropy(targets, logits)
        if self.loss_takes_out_activation:
            return self.loss(targets, logits, out_activation=self.output)
        return self.loss(targets, logits)


def _coefficient_matrices(theta, layout):
    return [
        anp.reshape(
            theta[block.coef_start : block.intercept_start],
            (block.fan_in, block.fan_out),
        )
        for block in layout.blocks
    ]


def traced_forward(theta, X, layout, activation):
    """Return the logits, traced operation by operation with autograd.numpy."""
    activate = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    hidden = X
    last = len(layout.blocks) - 1
    for index, (block, coef) in enumerate(
        zip(layout.blocks, _coefficient_matrices(theta, layout))
    ):
        intercept = theta[block.intercept_start : block.end]
        hidden = anp.dot(hidden, coef) + intercept
        if index < last:
            hidden = activate(hidden)
    return hidden


def traced_objective(theta, X, targets, sample_weight, spec):
    """Return the training objective, traced with autograd.numpy only.

    The objective is ``mean(sample_weight * losses) + alpha * penalty /
    n_batch`` over the batch, which is ``MLPClassifier``'s objective when
    there are no weights and the penalty is L2. The estimator passes weights
    scaled to a mean of 1 over the training set, so the full-batch objective
    is the weighted mean loss ``sum(w * losses) / sum(w)``.
    """
    logits = traced_forward(theta, X, spec.layout, spec.activation)
    losses = spec.per_example_losses(targets, logits)

    n_batch = X.shape[0]
    if sample_weight is None:
        loss = anp.mean(losses)
    else:
        loss = anp.sum(losses * sample_weight) / n_batch

    if spec.alpha:
        coefs = _coefficient_matrices(theta, spec.layout)
        if callable(spec.penalty):
            penalty = spec.penalty(coefs)
        else:
            l1_weight, l2_weight = PENALTY_TERMS[spec.penalty](spec.l1_ratio)
            penalty = 0.0
            if l1_weight:
                penalty = penalty + l1_weight * l1_term(coefs)
            if l2_weight:
                penalty = penalty + l2_weight * l2_term(coefs)
        loss = loss + spec.alpha * penalty / n_batch
    return loss


# -- the fused fast path -----------------------------------------------------


def fused_objective(theta, X, targets, sample_weight, spec):
    """Return the same value as ``traced_objective``, fused where possible.

    Built-in activations run as one ``dense`` primitive per hidden layer, and
    the output layer, the cross-entropy and a built-in penalty as one
    ``dense_cross_entropy``. A user's callable is traced by autograd like any
    other autograd.numpy code.
    """
    identity = ACTIVATIONS["identity"]
    blocks = spec.layout.blocks
    n_batch = X.shape[0]

    # Hidden layers.
    hidden = X
    builtin = isinstance(spec.activation, Activation)
    for block in blocks[:-1]:
        if builtin:
            hidden = dense(theta, hidden, block, spec.activation)
        else:
            hidden = spec.activation(dense(theta, hidden, block, identity))

    # Built-in penalty, as L2 and L1 strengths per batch.
    penalty = None
    if spec.alpha and not callable(spec.penalty):
        l1_weight, l2_weight = PENALTY_TERMS[spec.penalty](spec.l1_ratio)
        scale = spec.alpha / n_batch
        penalty = Penalty(blocks, l2_weight * scale, l1_weight * scale)

    # Output layer and loss.
    if spec.loss is None:
        loss = dense_cross_entropy(
            theta, hidden, blocks[-1], targets, sample_weight, spec.output, penalty
        )
    else:
        logits = dense(theta, hidden, blocks[-1], identity)
        losses = spec.per_example_losses(targets, logits)
        if sample_weight is None:
            loss = anp.mean(losses)
        else:
            loss = anp.sum(losses * sample_weight) / n_batch
        if penalty is not None:
            loss = add_penalty(loss, theta, penalty)

    if spec.alpha and callable(spec.penalty):
        coefs = _coefficient_matrices(theta, spec.layout)
        loss = loss + (spec.alpha / n_batch) * spec.penalty(coefs)
    return loss


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
    activate = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    builtin = isinstance(activate, Activation)
    hidden = X
    last = len(coefs) - 1
    for index, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        hidden = hidden @ coef
        hidden += intercept
        if index < last:
            if builtin:
                hidden = activate.apply_inplace(hidden)
            else:
                hidden = np.asarray(activate(hidden))
    return np.asarray(hidden)
