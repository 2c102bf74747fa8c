"""Reference MLP training loop that repeats the original notebook's computation.

It is the baseline in the benchmarks and is not part of the skautonet package.
The notebook's per-update cost comes from the number of operations autograd
traces, so this module keeps each of them, in the same order:

* Parameters are a list of ``(W, b)`` tuples, ``W`` of shape ``(n_out, n_in)``.
  Both ``W`` and ``b`` start as ``0.01 * N(0, 1)`` draws.
* Every layer computes ``dot(W, a.T).T + b``; hidden layers then apply
  ``maximum(0, z)``.
* The forward pass returns log-probabilities: the logits minus a log-sum-exp
  computed with the row maximum, a sum of exponentials, a log and two
  ``[:, None]`` reshapes.
* The loss applies softmax to those log-probabilities (a second log-sum-exp
  and an exponential), takes the log of the result, and returns the negative
  mean over rows of ``sum(targets * log(probabilities))``.
* Each update calls ``autograd.grad`` on the loss and builds a new parameter
  list ``(W - lr * dW, b - lr * db)``. Each example is a 1-D row made 2-D by
  ``expand_dims``.
* Plain SGD visits the rows in their given order in every epoch, because the
  recipe has no shuffling step. The notebook's per-epoch test evaluation for
  its progress bar is left out, as MLPClassifier and AutogradMLPClassifier do
  no such work either.
"""

import itertools

import autograd
import autograd.numpy as anp
import numpy as np


def init_params(layer_sizes, seed):
    """Draw the ``(W, b)`` list for consecutive layer widths ``layer_sizes``."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(layer_sizes):
        weights = 0.01 * rng.standard_normal((n_out, n_in))
        bias = 0.01 * rng.standard_normal(n_out)
        params.append((weights, bias))
    return params


def log_sum_exp(logits):
    """Return the row-wise log-sum-exp as a column, shifted by the row maximum."""
    row_max = anp.max(logits, axis=1)
    exp_sum = anp.sum(anp.exp(logits - row_max[:, None]), axis=1)
    return (row_max + anp.log(exp_sum))[:, None]


def softmax(logits):
    """Return row-wise probabilities through ``log_sum_exp``."""
    return anp.exp(logits - log_sum_exp(logits))


def forward_log_probabilities(params, inputs):
    """Return log-probabilities for a batch, as the notebook's ``predict`` does."""
    if inputs.ndim == 1:
        inputs = anp.expand_dims(inputs, axis=0)
    activations = inputs
    for weights, bias in params[:-1]:
        activations = anp.maximum(0, anp.dot(weights, activations.T).T + bias)
    weights, bias = params[-1]
    logits = anp.dot(weights, activations.T).T + bias
    return logits - log_sum_exp(logits)


def cross_entropy_loss(params, inputs, targets):
    """Return the notebook's loss: the log of a softmax of log-probabilities."""
    probabilities = softmax(forward_log_probabilities(params, inputs))
    return -anp.mean(anp.sum(targets * anp.log(probabilities), axis=1))


def one_hot(y, n_classes):
    """Encode integer labels ``0 .. n_classes - 1`` as a float one-hot matrix."""
    encoded = np.zeros((len(y), n_classes))
    encoded[np.arange(len(y)), y] = 1.0
    return encoded


def train_notebook(X, y_onehot, hidden, learning_rate, epochs, batch_size=1, seed=0):
    """Train the reference MLP with plain SGD and return the ``(W, b)`` list.

    ``hidden`` is a sequence of hidden-layer widths. The number of parameter
    updates is ``epochs * ceil(len(X) / batch_size)``, and the last batch of an
    epoch may be smaller than ``batch_size``.
    """
    X = np.asarray(X, dtype=float)
    y_onehot = np.asarray(y_onehot, dtype=float)
    layer_sizes = [X.shape[1], *hidden, y_onehot.shape[1]]
    params = init_params(layer_sizes, seed)
    loss_gradient = autograd.grad(cross_entropy_loss)

    for _ in range(epochs):
        for start in range(0, len(X), batch_size):
            if batch_size == 1:
                batch_inputs = np.expand_dims(X[start], axis=0)
                batch_targets = np.expand_dims(y_onehot[start], axis=0)
            else:
                batch_inputs = X[start : start + batch_size]
                batch_targets = y_onehot[start : start + batch_size]
            gradients = loss_gradient(params, batch_inputs, batch_targets)
            params = [
                (weights - learning_rate * d_weights, bias - learning_rate * d_bias)
                for (weights, bias), (d_weights, d_bias) in zip(params, gradients)
            ]
    return params


def predict_proba_notebook(params, X):
    """Return class probabilities of the trained reference MLP for ``X``."""
    return np.exp(forward_log_probabilities(params, np.asarray(X, dtype=float)))
