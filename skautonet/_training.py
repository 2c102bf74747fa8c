"""Training loops: stochastic epochs and full-batch L-BFGS.

The loops update a flat parameter vector in place and keep the estimator's
training record (``loss_curve_``, ``n_iter_``, ``t_`` and the stopping
counters) on the estimator they are given, so that ``warm_start`` and
``partial_fit`` continue where the last call stopped.
"""

import math
import time
import warnings

import numpy as np
import scipy.optimize
from autograd.core import make_vjp
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

DIVERGENCE_MESSAGE = (
    "Training diverged: the {what} became {value} at epoch {epoch}. "
    "{remedy}standardize the input features, for example with StandardScaler."
)


def value_and_gradient(objective, theta, X, targets, sample_weight, spec):
    """Return the objective's value and its gradient in ``theta``.

    One call to autograd's ``make_vjp`` per step: it traces the objective
    once and runs the backward pass once.
    """
    vjp, value = make_vjp(
        lambda params: objective(params, X, targets, sample_weight, spec), theta
    )
    return value, vjp(1.0)


def _epoch_batches(X, targets, sample_weight, order, batch_size, per_example):
    """Yield ``(X, targets, sample_weight)`` batches in the order ``order``.

    ``targets`` may be stored compactly (uint8); each batch is converted to
    the dtype of ``X``.
    """
    dtype = X.dtype
    if per_example:
        # One-row slices are views, where fancy indexing would copy; Python
        # ints index faster than NumPy integers.
        for row in order.tolist():
            end = row + 1
            weights = None if sample_weight is None else sample_weight[row:end]
            yield X[row:end], targets[row:end].astype(dtype), weights
        return
    for start in range(0, X.shape[0], batch_size):
        batch = order[start : start + batch_size]
        weights = None if sample_weight is None else sample_weight[batch]
        yield X[batch], targets[batch].astype(dtype), weights


def run_stochastic(
    model,
    theta,
    X,
    targets,
    sample_weight,
    spec,
    objective,
    optimizer,
    random_state,
    validation,
    training_accuracy,
    incremental,
):
    """Run stochastic epochs on ``theta`` in place until a stopping rule fires.

    ``validation`` is None or a callable of ``theta`` that returns
    ``(score, loss)`` on the held-out split, in which case the best weights
    seen are restored at the end. ``training_accuracy`` is a callable of
    ``theta``, called once per epoch for the progress bar when ``verbose``.
    With ``incremental``, exactly one epoch runs (``partial_fit``).
    """
    n_samples = X.shape[0]
    batch_size = min(model._batch_size(n_samples), n_samples)
    per_example = batch_size == 1 and not sparse.issparse(X)
    max_epochs = 1 if incremental else model.max_iter

    progress = tqdm(
        total=max_epochs,
        desc="epochs",
        unit="epoch",
        disable=not model.verbose,
        leave=True,
    )
    interrupted = False
    reached_max_iter = False
    try:
        for epoch in range(max_epochs):
            started = time.perf_counter()
            if model.shuffle:
                order = random_state.permutation(n_samples)
            else:
                order = np.arange(n_samples)

            epoch_loss = 0.0
            try:
                for X_batch, targets_batch, weight_batch in _epoch_batches(
                    X, targets, sample_weight, order, batch_size, per_example
                ):
                    if weight_batch is not None and not np.any(weight_batch):
                        # Examples of weight 0 contribute nothing to the loss,
                        # so they take no step, not even the penalty's.
                        continue

                    loss, grad = value_and_gradient(
                        objective, theta, X_batch, targets_batch, weight_batch, spec
                    )
                    if not math.isfinite(loss):
                        _raise_diverged(model, "training loss", loss)
                    optimizer.step(theta, grad)
                    epoch_loss += float(loss) * X_batch.shape[0]
            except KeyboardInterrupt:
                interrupted = True

            model.n_iter_ += 1
            model.t_ += n_samples
            learning_rate = optimizer.learning_rate
            optimizer.end_epoch(model.t_)
            if not np.all(np.isfinite(theta)):
                _raise_diverged(model, "weights", "non-finite")

            epoch_loss /= n_samples
            model.loss_ = epoch_loss
            model.loss_curve_.append(epoch_loss)

            record = {
                "epoch": model.n_iter_,
                "train_loss": epoch_loss,
                "learning_rate": learning_rate,
            }
            if validation is not None:
                score, val_loss = validation(theta)
                record["validation_score"] = score
                record["validation_loss"] = val_loss
            record["seconds"] = time.perf_counter() - started
            model._history_rows.append(record)

            stalled = _update_stall_count(model, theta, record, validation)
            if model.verbose:
                # The bar shows the history_ row of the epoch, plus the
                # training accuracy, which costs a forward pass.
                postfix = {
                    "loss": f"{epoch_loss:.4f}",
                    "accuracy": f"{training_accuracy(theta):.3f}",
                }
                if validation is not None:
                    postfix["val_score"] = f"{record['validation_score']:.3f}"
                    postfix["val_loss"] = f"{record['validation_loss']:.4f}"
                postfix["lr"] = f"{learning_rate:.3g}"
                postfix["seconds"] = f"{record['seconds']:.2f}"
                progress.set_postfix(postfix, refresh=False)
            progress.update(1)

            if interrupted:
                warnings.warn(
                    f"Training interrupted by the user after {model.n_iter_} "
                    "epochs; the model keeps the weights trained so far.",
                    UserWarning,
                    stacklevel=5,
                )
                break

            if stalled:
                what = "Validation score" if validation is not None else "Training loss"
                if optimizer.should_stop():
                    if model.verbose:
                        progress.write(
                            f"{what} did not improve more than tol={model.tol} "
                            f"for {model.n_iter_no_change} consecutive epochs. "
                            "Stopping."
                        )
                    break
                model._no_improvement_count = 0
                if model.verbose:
                    progress.write(
                        f"{what} did not improve more than tol={model.tol} for "
                        f"{model.n_iter_no_change} consecutive epochs. Setting "
                        f"learning rate to {optimizer.learning_rate:f}."
                    )

            if incremental:
                break
            # max_iter counts the epochs of this call, also with warm_start.
            reached_max_iter = epoch + 1 == max_epochs
    finally:
        progress.close()

    if reached_max_iter:
        warnings.warn(
            f"Stochastic optimizer: maximum iterations ({model.max_iter}) "
            "reached and the optimization hasn't converged yet. "
            "Increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=5,
        )

    if validation is not None and model._best_theta is not None:
        theta[...] = model._best_theta


def _update_stall_count(model, theta, record, validation):
    """Update the no-improvement counter; return True once it passes the limit."""
    if validation is not None:
        score = record["validation_score"]
        model.validation_scores_.append(score)
        if score < model.best_validation_score_ + model.tol:
            model._no_improvement_count += 1
        else:
            model._no_improvement_count = 0
        if score > model.best_validation_score_:
            model.best_validation_score_ = score
            model._best_theta = theta.copy()
    else:
        loss = record["train_loss"]
        if loss > model.best_loss_ - model.tol:
            model._no_improvement_count += 1
        else:
            model._no_improvement_count = 0
        if loss < model.best_loss_:
            model.best_loss_ = loss
    return model._no_improvement_count > model.n_iter_no_change


def _raise_diverged(model, what, value):
    if model.solver == "lbfgs":
        remedy = "Check that the loss is finite for large logits, raise alpha or "
    else:
        remedy = (
            f"Lower learning_rate_init (currently {model.learning_rate_init!r}) or "
        )
    raise ValueError(
        DIVERGENCE_MESSAGE.format(
            what=what, value=value, epoch=model.n_iter_ + 1, remedy=remedy
        )
    )


def run_lbfgs(model, theta, X, targets, sample_weight, spec, objective):
    """Minimise the full-batch objective with SciPy's L-BFGS-B in place.

    SciPy works in float64, so the vector is promoted for the optimisation
    and written back in its own dtype.
    """
    dtype = theta.dtype
    targets = targets.astype(X.dtype)
    started = time.perf_counter()
    iteration_losses = []

    def record_iteration(intermediate_result):
        iteration_losses.append(float(intermediate_result.fun))

    def value_and_grad(flat):
        value, grad = value_and_gradient(
            objective, flat.astype(dtype, copy=False), X, targets, sample_weight, spec
        )
        return float(value), np.asarray(grad, dtype=np.float64)

    result = scipy.optimize.minimize(
        value_and_grad,
        theta.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=record_iteration,
        options={
            "maxfun": model.max_fun,
            "maxiter": model.max_iter,
            "gtol": model.tol,
        },
    )
    if not np.all(np.isfinite(result.x)) or not math.isfinite(result.fun):
        _raise_diverged(model, "training loss", result.fun)
    theta[...] = result.x
    model.n_iter_ += int(result.nit)
    model.t_ += X.shape[0]
    model.loss_ = float(result.fun)
    # loss_curve_ gets one entry per L-BFGS iteration, the last one the final
    # loss, and history_ a single row for the whole optimisation.
    model.loss_curve_.extend(iteration_losses or [model.loss_])
    model.best_loss_ = min(model.best_loss_, model.loss_)
    model._history_rows.append(
        {
            "epoch": model.n_iter_,
            "train_loss": model.loss_,
            "learning_rate": np.nan,
            "seconds": time.perf_counter() - started,
        }
    )
    if result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"(status={result.status}): {result.message}. Increase max_iter "
            "or max_fun, or scale the data, for example with StandardScaler.",
            ConvergenceWarning,
            stacklevel=5,
        )


def split_validation(
    X, y, targets, sample_weight, validation_fraction, multilabel, random_state
):
    """Hold out a stratified share of the data for early stopping.

    Returns ``(train, validation)``, each a tuple ``(X, y, targets, weights)``.
    Raises before any training when the split cannot hold every class.
    """
    n_samples = X.shape[0]
    n_validation = int(np.ceil(validation_fraction * n_samples))
    stratify = None if multilabel else y
    if stratify is not None:
        classes, counts = np.unique(y, return_counts=True)
        if n_validation < len(classes) or n_samples - n_validation < len(classes):
            raise ValueError(
                f"validation_fraction={validation_fraction} holds out "
                f"{n_validation} of {n_samples} samples, too few for a "
                f"stratified split over {len(classes)} classes. Raise "
                "validation_fraction, pass more data, or set "
                "early_stopping=False."
            )
        if counts.min() < 2:
            raise ValueError(
                "early_stopping needs at least 2 samples of every class for a "
                f"stratified validation split; class "
                f"{classes[np.argmin(counts)]!r} has 1. Set "
                "early_stopping=False or pass more data."
            )

    arrays = [X, y, targets]
    if sample_weight is not None:
        arrays.append(sample_weight)
    split = train_test_split(
        *arrays,
        test_size=n_validation,
        random_state=random_state,
        stratify=stratify,
    )
    train, validation = split[0::2], split[1::2]
    if sample_weight is None:
        train, validation = (*train, None), (*validation, None)
    return tuple(train), tuple(validation)
