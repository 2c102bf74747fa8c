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
import autograd.scipy.special as aspecial
import numpy as np
from scipy.special import erf, expit


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

    def backpropagate(self, g, z, out):
        """Return ``g * derivative(z, out)``, the gradient in the input."""
        return g * self.derivative(z, out)

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
        return aspecial.expit(z)

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


class LeakyReLU(Activation):
    """``max(z, 0.01 z)``: ReLU with a small slope for negative inputs."""

    name = "leaky_relu"
    negative_slope = 0.01

    def __call__(self, z):
        return anp.where(z > 0, z, self.negative_slope * z)

    def derivative(self, z, out):
        # The output has the sign of the input, so it alone selects the branch.
        return np.where(out > 0, 1.0, self.negative_slope).astype(out.dtype)


class ELU(Activation):
    """``z`` for ``z > 0``, else ``exp(z) - 1`` (Clevert et al., 2016)."""

    name = "elu"

    def __call__(self, z):
        # exp of the clipped input, so the branch not taken cannot overflow.
        return anp.where(z > 0, z, anp.exp(anp.minimum(z, 0.0)) - 1.0)

    def derivative(self, z, out):
        # For z <= 0, d/dz (exp(z) - 1) = exp(z) = out + 1.
        return np.where(out > 0, 1.0, out + 1.0).astype(out.dtype)


class Softplus(Activation):
    """``log(1 + exp(z))``, a smooth ReLU."""

    name = "softplus"

    def __call__(self, z):
        return anp.logaddexp(0.0, z)

    def derivative(self, z, out):
        # d/dz log(1 + exp(z)) = sigmoid(z) = 1 - exp(-out).
        return -np.expm1(-out)


class GELU(Activation):
    """``z * Phi(z)`` with ``Phi`` the standard normal CDF (exact, via erf)."""

    name = "gelu"
    uses_input = True

    def __call__(self, z):
        return 0.5 * z * (1.0 + aspecial.erf(z / np.sqrt(2.0)))

    def derivative(self, z, out):
        # Phi(z) + z * phi(z), with phi the standard normal density.
        cdf = 0.5 * (1.0 + erf(z / np.sqrt(2.0)))
        density = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
        return cdf + z * density


class SiLU(Activation):
    """``z * sigmoid(z)``, also called swish."""

    name = "silu"
    uses_input = True

    def __call__(self, z):
        return z * aspecial.expit(z)

    def derivative(self, z, out):
        sigmoid = expit(z)
        return sigmoid + z * sigmoid * (1.0 - sigmoid)

    def apply_inplace(self, z):
        z *= expit(z)
        return z


ACTIVATIONS = {
    activation.name: activation
    for activation in (
        Identity(),
        Logistic(),
        Tanh(),
        ReLU(),
        LeakyReLU(),
        ELU(),
        Softplus(),
        GELU(),
        SiLU(),
    )
}
