"""skautonet: a scikit-learn multilayer perceptron with autograd gradients."""

from . import losses
from ._gradcheck import GradientCheck, check_gradients
from ._mlp import AutogradMLPClassifier

__version__ = "0.1.0"

__all__ = [
    "AutogradMLPClassifier",
    "GradientCheck",
    "__version__",
    "check_gradients",
    "losses",
]
