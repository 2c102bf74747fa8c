"""Stochastic optimizers that update a flat parameter vector in place.

The update rules and learning-rate schedules follow ``MLPClassifier``'s
``sgd`` and ``adam`` solvers, so the same hyperparameters mean the same
thing. Updating in place, outside the differentiated function, keeps the
``coefs_`` and ``intercepts_`` views in step with the vector at no cost.
"""

import numpy as np


class SGDOptimizer:
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameter vector and the velocity.
    learning_rate_init : float
        Initial step size.
    learning_rate : {"constant", "invscaling", "adaptive"}
        Schedule. ``"invscaling"`` sets the step to
        ``learning_rate_init / (t + 1) ** power_t`` at the end of each epoch,
        with ``t`` the number of training samples seen. ``"adaptive"`` divides
        the step by 5 each time the stopping criterion fires and stops once the
        step falls below 1e-6.
    momentum : float
        Momentum in [0, 1]; 0 gives plain SGD.
    nesterovs_momentum : bool
        Whether to use Nesterov's momentum (only when ``momentum > 0``).
    power_t : float
        Exponent of the ``"invscaling"`` schedule.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        learning_rate="constant",
        momentum=0.0,
        nesterovs_momentum=True,
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = learning_rate
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype) if momentum > 0 else None

    def step(self, theta, grad):
        """Apply one update to ``theta`` in place."""
        if self.velocity is None:
            theta -= self.learning_rate * grad
            return

        # v <- momentum * v - lr * g; Nesterov's variant then steps by
        # momentum * v - lr * g instead of v.
        self.velocity *= self.momentum
        self.velocity -= self.learning_rate * grad
        if self.nesterovs_momentum:
            theta += self.momentum * self.velocity - self.learning_rate * grad
        else:
            theta += self.velocity

    def end_epoch(self, samples_seen):
        """Update the step size once per epoch for the ``invscaling`` schedule."""
        if self.schedule == "invscaling":
            self.learning_rate = (
                self.learning_rate_init / (samples_seen + 1) ** self.power_t
            )

    def should_stop(self):
        """React to a stall: return True to stop, or shrink the step and go on."""
        if self.schedule != "adaptive":
            return True
        if self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


class AdamOptimizer:
    """Adam (Kingma and Ba, 2015) with bias-corrected step size.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the moment estimates.
    learning_rate_init : float
        Step size.
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float
        Added to the denominator for numerical stability.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first_moment = np.zeros(n_params, dtype=dtype)
        self.second_moment = np.zeros(n_params, dtype=dtype)

    def step(self, theta, grad):
        """Apply one update to ``theta`` in place."""
        self.t += 1
        self.first_moment *= self.beta_1
        self.first_moment += (1 - self.beta_1) * grad
        self.second_moment *= self.beta_2
        self.second_moment += (1 - self.beta_2) * (grad * grad)

        # lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        self.learning_rate = (
            self.learning_rate_init
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        theta -= (
            self.learning_rate
            * self.first_moment
            / (np.sqrt(self.second_moment) + self.epsilon)
        )

    def end_epoch(self, samples_seen):
        """Adam has no per-epoch schedule."""

    def should_stop(self):
        """Adam always stops when the stopping criterion fires."""
        return True
