"""skautonet: a scikit-learn multilayer perceptron with autograd gradients."""

from ._mlp import AutogradMLPClassifier

__version__ = "0.1.0"

__all__ = ["AutogradMLPClassifier", "__version__"]
