"""Ready-made loss functions for ``AutogradMLPClassifier(loss=...)``.

A loss is any callable ``loss(targets, logits)`` that returns one loss per
example, written with ``autograd.numpy``. ``targets`` has one row per
example and one column per output unit: one-hot rows for a multiclass
problem (softmax output), or 0/1 columns for a binary problem (one logistic
output) or a multilabel one (one logistic output per label). ``logits`` has
the same shape and contains the output layer's values before the softmax or
the logistic function. The estimator applies sample and class weights and
takes the mean; the penalty is added separately.

A loss that also accepts a keyword argument ``out_activation`` receives the
output activation that applies (``"softmax"`` or ``"logistic"``), as the losses
below are, so one object serves every kind of target.

The classes here are small picklable objects whose settings are
attributes, so ``clone``, ``get_params``, ``GridSearchCV`` and joblib treat
them like any other parameter value.
"""

import autograd.numpy as anp

from ._network import log_softmax as _log_softmax

__all__ = ["FocalLoss", "LabelSmoothingLoss", "LogLoss"]


def _log_sigmoid(logits):
    # log sigmoid(z) = -log(1 + exp(-z)), finite for any finite z.
    return -anp.logaddexp(0.0, -logits)


class _Loss:
    """Shared equality and representation for the ready-made losses."""

    def _settings(self):
        return dict(vars(self))

    def __eq__(self, other):
        return type(self) is type(other) and self._settings() == other._settings()

    def __hash__(self):
        return hash((type(self).__name__, *sorted(self._settings().items())))

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({settings})"


class LogLoss(_Loss):
    """Cross-entropy, the same loss as ``loss="log_loss"``.

    Useful as a starting point for a custom loss and to compare a callable
    with the built-in, which is faster because it runs as one fused
    primitive.

    Examples
    --------
    >>> import numpy as np
    >>> from skautonet.losses import LogLoss
    >>> LogLoss()(np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]])).round(4)
    array([0.6931])
    """

    def __call__(self, targets, logits, out_activation="softmax"):
        if out_activation == "softmax":
            return -anp.sum(targets * _log_softmax(logits), axis=1)
        return -anp.sum(
            targets * _log_sigmoid(logits) + (1 - targets) * _log_sigmoid(-logits),
            axis=1,
        )


class FocalLoss(_Loss):
    """Focal loss: cross-entropy scaled down on well-classified examples.

    Each example's loss is ``-(1 - p) ** gamma * log(p)``, with ``p`` the
    probability the model gives to the true class (for logistic outputs, to
    each label's true value, summed over labels). With ``gamma=0`` it is the
    cross-entropy; larger ``gamma`` shifts the training signal towards hard
    and minority examples (Lin et al., "Focal Loss for Dense Object
    Detection", 2017).

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing exponent, at least 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skautonet.losses import FocalLoss
    >>> targets = np.array([[1.0, 0.0]])
    >>> easy, hard = np.array([[4.0, 0.0]]), np.array([[0.0, 4.0]])
    >>> loss = FocalLoss(gamma=2.0)
    >>> bool(loss(targets, easy)[0] < 0.001 < loss(targets, hard)[0])
    True
    """

    def __init__(self, gamma=2.0):
        self.gamma = gamma

    def __call__(self, targets, logits, out_activation="softmax"):
        if self.gamma < 0:
            raise ValueError(f"FocalLoss gamma must be at least 0, got {self.gamma!r}.")
        if out_activation == "softmax":
            log_p = _log_softmax(logits)
            return -anp.sum(targets * self._modulating(log_p) * log_p, axis=1)
        # Each logistic output: log p of the true value, 1 or 0.
        log_p = targets * _log_sigmoid(logits) + (1 - targets) * _log_sigmoid(-logits)
        return -anp.sum(self._modulating(log_p) * log_p, axis=1)

    def _modulating(self, log_p):
        # (1 - p) ** gamma has an infinite slope at p == 1 when gamma < 1, and
        # p rounds to 1 at a margin of about 37; the floor keeps it finite.
        return anp.maximum(1.0 - anp.exp(log_p), 1e-30) ** self.gamma


class LabelSmoothingLoss(_Loss):
    """Cross-entropy against targets smoothed towards the uniform distribution.

    With ``k`` softmax outputs each one-hot row becomes
    ``(1 - smoothing) * row + smoothing / k``; each logistic target ``t``
    becomes ``(1 - smoothing) * t + smoothing / 2``. Smoothing keeps the
    logits from growing without bound on separable data (Szegedy et al.,
    "Rethinking the Inception Architecture for Computer Vision", 2016).

    Parameters
    ----------
    smoothing : float, default=0.1
        Share of the target mass spread uniformly, in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skautonet.losses import LabelSmoothingLoss
    >>> loss = LabelSmoothingLoss(smoothing=0.2)
    >>> loss(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])).round(4)
    array([0.6931])
    """

    def __init__(self, smoothing=0.1):
        self.smoothing = smoothing

    def __call__(self, targets, logits, out_activation="softmax"):
        if not 0 <= self.smoothing < 1:
            raise ValueError(
                "LabelSmoothingLoss smoothing must be in [0, 1), got "
                f"{self.smoothing!r}."
            )
        if out_activation == "softmax":
            n_outputs = targets.shape[1]
            smoothed = (1 - self.smoothing) * targets + self.smoothing / n_outputs
            return -anp.sum(smoothed * _log_softmax(logits), axis=1)
        smoothed = (1 - self.smoothing) * targets + self.smoothing / 2
        return -anp.sum(
            smoothed * _log_sigmoid(logits) + (1 - smoothed) * _log_sigmoid(-logits),
            axis=1,
        )
