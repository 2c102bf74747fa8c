"""Checks on the user's callables: activation, loss and penalty.

A callable is run once at ``fit``, before training, on a small batch, and
traced once with autograd, so that a mistake surfaces as a ``ValueError``
that names the parameter instead of as a failure deep inside training.
"""

import inspect
import pickle
import sys

import numpy as np
from autograd.core import make_vjp
from autograd.tracer import isbox

_TRACING_HINT = (
    "Write it with autograd.numpy (import autograd.numpy as anp) instead of "
    "numpy, without in-place assignment such as z[z < 0] = 0 (use "
    "anp.where), and only with functions that autograd supports."
)


def takes_out_activation(function):
    """Return True if ``function`` accepts a keyword ``out_activation``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "out_activation" in parameters or any(
        parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in parameters.values()
    )


_SIGNATURES = {
    "activation": "activation(z)",
    "loss": "loss(targets, logits)",
    "penalty": "penalty(coefs)",
}


def _raised_by_skautonet_losses(error):
    """Return True if ``error`` comes from a ready-made loss checking its settings."""
    traceback = error.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_globals.get("__name__") == "skautonet.losses"


def _call(name, function, args, kwargs):
    try:
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)
    except Exception as error:
        message = str(error).rstrip(".")
        if _raised_by_skautonet_losses(error):
            hint = ""
        elif isinstance(error, TypeError) and "argument" in message:
            hint = f" It is called as {_SIGNATURES[name]}; check its signature."
        else:
            hint = f" {_TRACING_HINT}"
        raise ValueError(
            f"The {name} callable {function!r} raised "
            f"{type(error).__name__}: {message}.{hint}"
        ) from error


def _check_array(name, function, value, expected_shape, dtype, what):
    if isbox(value):
        value = value._value
    value = np.asarray(value) if np.isscalar(value) else value
    if not isinstance(value, np.ndarray):
        raise ValueError(
            f"The {name} callable {function!r} must return {what}, got "
            f"{type(value).__name__}."
        )
    if value.shape != expected_shape:
        raise ValueError(
            f"The {name} callable {function!r} must return {what} of shape "
            f"{expected_shape}, got shape {value.shape}, when checked on a "
            "small batch before training."
        )
    if not np.issubdtype(value.dtype, np.floating):
        raise ValueError(
            f"The {name} callable {function!r} must return floating-point "
            f"values ({np.dtype(dtype).name} here), got dtype {value.dtype}."
        )
    if not np.all(np.isfinite(value)):
        raise ValueError(
            f"The {name} callable {function!r} returned non-finite values "
            "(nan or inf) on finite input. Guard exponentials and logarithms, "
            "for example with anp.logaddexp or by clipping the input."
        )


def _check_differentiable(name, function, make_input, call, expected_shape):
    """Trace ``call(x)`` with autograd and check the gradient is usable."""
    point = make_input()
    try:
        with np.errstate(all="ignore"):
            vjp, _ = make_vjp(call, point)
    except Exception as error:
        raise ValueError(
            f"autograd cannot differentiate the {name} callable {function!r}: "
            f"{type(error).__name__}: {str(error).rstrip('.')}. {_TRACING_HINT}"
        ) from error
    cotangent = np.ones(expected_shape)
    try:
        with np.errstate(all="ignore"):
            gradient = vjp(cotangent)
    except Exception as error:
        raise ValueError(
            f"autograd cannot differentiate the {name} callable {function!r}: "
            f"{type(error).__name__}: {str(error).rstrip('.')}. {_TRACING_HINT}"
        ) from error
    flat = np.concatenate([np.ravel(part) for part in _leaves(gradient)])
    if not np.all(np.isfinite(flat)):
        raise ValueError(
            f"The gradient of the {name} callable {function!r} is not finite "
            "on finite input. Check divisions, square roots and logarithms "
            "near 0."
        )
    if not np.any(flat):
        raise ValueError(
            f"The output of the {name} callable {function!r} does not depend "
            "on its input: its gradient is zero everywhere autograd looked. "
            f"{_TRACING_HINT}"
        )


def _leaves(value):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _traced_without_warning(call):
    """Wrap ``call`` so autograd's "independent of input" warning raises."""

    def wrapped(x):
        out = call(x)
        if not isbox(out):
            raise ValueError(
                "autograd did not see the output depend on the input, so it "
                "was computed with plain numpy or without using the input"
            )
        return out

    return wrapped


def check_activation(activation, dtype, random_state):
    """Check a user's activation on a small batch; raise ``ValueError`` if unfit."""
    shape = (5, 3)

    def make_input():
        return random_state.normal(size=shape).astype(dtype)

    value = _call("activation", activation, (make_input(),), {})
    _check_array(
        "activation",
        activation,
        value,
        shape,
        dtype,
        "an array of the same shape as its input",
    )
    _check_differentiable(
        "activation",
        activation,
        make_input,
        _traced_without_warning(activation),
        shape,
    )


def check_loss(loss, n_outputs, output, dtype, random_state):
    """Check a user's loss on a small batch; raise ``ValueError`` if unfit."""
    n_examples = 5
    if output == "softmax":
        targets = np.eye(n_outputs, dtype=dtype)[
            random_state.randint(n_outputs, size=n_examples)
        ]
    else:
        targets = random_state.randint(2, size=(n_examples, n_outputs)).astype(dtype)
    kwargs = {"out_activation": output} if takes_out_activation(loss) else {}

    def make_input():
        return random_state.normal(size=(n_examples, n_outputs)).astype(dtype)

    value = _call("loss", loss, (targets, make_input()), kwargs)
    _check_array("loss", loss, value, (n_examples,), dtype, "one loss per example")
    _check_differentiable(
        "loss",
        loss,
        make_input,
        _traced_without_warning(lambda logits: loss(targets, logits, **kwargs)),
        (n_examples,),
    )


def check_penalty(penalty, layout, dtype, random_state):
    """Check a user's penalty on random weights; raise ``ValueError`` if unfit."""

    def make_input():
        return [
            random_state.normal(size=(block.fan_in, block.fan_out)).astype(dtype)
            for block in layout.blocks
        ]

    value = _call("penalty", penalty, (make_input(),), {})
    _check_array("penalty", penalty, value, (), dtype, "a scalar")
    _check_differentiable(
        "penalty",
        penalty,
        make_input,
        _traced_without_warning(penalty),
        (),
    )


# -- pickling -------------------------------------------------------------------


def _copied_in_memory():
    """Return True when the estimator is deep-copied or sent by cloudpickle.

    ``copy.deepcopy`` keeps functions as they are, and joblib's process pool
    (loky) sends estimators to its workers with cloudpickle, which stores
    lambdas and closures by value. Both work with any callable, even though
    ``pickle`` and ``joblib.dump`` cannot save a lambda.
    """
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == "copy" or "cloudpickle" in module:
            return True
        frame = frame.f_back
    return False


def check_picklable(name, function):
    """Raise ``pickle.PicklingError`` if ``pickle`` cannot store ``function``."""
    if not callable(function) or isinstance(function, str):
        return
    try:
        pickle.dumps(function)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        if _copied_in_memory():
            return
        raise pickle.PicklingError(
            f"Cannot save this AutogradMLPClassifier: its {name} parameter "
            f"{function!r} is a lambda, a nested function or a closure, which "
            "pickle and joblib cannot store. Define the function at module "
            "level (or as a class with __call__) and pass that instead."
        ) from error
