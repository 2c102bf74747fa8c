"""Built-in hidden-layer activations.

Each activation has three forms that must agree:

- ``__call__``: written with ``autograd.numpy``, so autograd can trace it.
  It is the definition, and the generic (slow) training path uses it.
- ``derivative``: the elementwise derivative in plain NumPy, used by the
  fused dense-layer primitive in ``_primitives``.
- ``apply_inplace``: plain NumPy that overwrites its argument, used at
  inference time to save a copy of each hidden layer.

The registry ``ACTIVATIONS`` is keyed by the same strings that the
``activation`` parameter accepts.
"""

import autograd.numpy as anp
import numpy as np
from scipy.special import expit


class Activation:
    """Base class of the built-in activations.

    Subclasses set ``name`` and ``uses_input``. When ``uses_input`` is False,
    ``derivative`` reads only the activation's output, so the fused layer
    needs no second copy of the pre-activation values.
    """

    name = None
    uses_input = False

    def __call__(self, z):
        raise NotImplementedError

    def derivative(self, z, out):
        """Return d out / d z elementwise; ``z`` may be None if not needed."""
        raise NotImplementedError

    def apply_inplace(self, z):
        """Overwrite ``z`` with the activation of ``z`` and return it."""
        z[...] = self(z)
        return z

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Activation):
    name = "identity"

    def __call__(self, z):
        return z

    def derivative(self, z, out):
        return np.ones_like(out)

    def apply_inplace(self, z):
        return z


class Logistic(Activation):
    name = "logistic"

    def __call__(self, z):
        # 0.5 * (1 + tanh(z / 2)) equals 1 / (1 + exp(-z)) and never overflows.
        return 0.5 * (anp.tanh(0.5 * z) + 1.0)

    def derivative(self, z, out):
        return out * (1.0 - out)

    def apply_inplace(self, z):
        return expit(z, out=z)


class Tanh(Activation):
    name = "tanh"

    def __call__(self, z):
        return anp.tanh(z)

    def derivative(self, z, out):
        return 1.0 - out * out

    def apply_inplace(self, z):
        return np.tanh(z, out=z)


class ReLU(Activation):
    name = "relu"

    def __call__(self, z):
        return anp.maximum(z, 0.0)

    def derivative(self, z, out):
        # NOTE: at z == 0 exactly this returns 0, while autograd's maximum
        # splits the tie and returns 0.5; the two paths agree everywhere else.
        return (out > 0).astype(out.dtype)

    def apply_inplace(self, z):
        return np.maximum(z, 0.0, out=z)


ACTIVATIONS = {
    activation.name: activation
    for activation in (Identity(), Logistic(), Tanh(), ReLU())
}
