"""Target encoding and example weights for the estimator."""

import inspect

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight

# scikit-learn 1.9 rejects all-zero weights unless allow_all_zero_weights is
# set; older releases accept them and have no such keyword.
_ACCEPTS_ALL_ZERO = (
    "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters
)


def is_multilabel(y):
    """Return True for a multilabel indicator ``y``; raise for non-class targets."""
    target_type = type_of_target(y, input_name="y")
    if target_type not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"Unknown label type: {target_type!r}. AutogradMLPClassifier "
            "needs class labels (binary or multiclass) or a multilabel "
            "indicator matrix; for continuous targets use a regressor."
        )
    return target_type == "multilabel-indicator"


def fit_binarizer(labels, multilabel):
    """Return a ``LabelBinarizer`` fitted on ``labels``, checking there are 2+."""
    binarizer = LabelBinarizer().fit(labels)
    if not multilabel and len(binarizer.classes_) < 2:
        raise ValueError(
            "AutogradMLPClassifier needs samples of at least 2 classes, got "
            f"only one class: {binarizer.classes_.tolist()!r}. Pass data with "
            "at least two distinct labels."
        )
    return binarizer


def check_labels_known(y, classes, multilabel):
    """Raise if ``y`` has a label outside ``classes`` (or a wrong label count)."""
    if multilabel:
        if y.shape[1] != len(classes):
            raise ValueError(
                f"y has {y.shape[1]} label columns but the model was started "
                f"with {len(classes)}."
            )
        return
    unknown = np.setdiff1d(np.unique(y), classes)
    if unknown.size:
        raise ValueError(
            f"y contains labels {unknown.tolist()} that are not in "
            f"classes_={classes.tolist()}. Pass every label in `classes` on "
            "the first call to partial_fit."
        )


def training_weights(
    sample_weight, class_weight, X, y, classes, multilabel, incremental
):
    """Combine ``sample_weight`` and ``class_weight`` into one weight vector.

    Returns ``(weights, scale)``. In ``fit`` the weights are divided by their
    mean ``scale``, so that the step size does not depend on the scale of the
    weights; ``partial_fit`` uses them as given (``scale`` 1), because one
    batch does not show the scale of the others. ``weights`` is None when
    every example has weight 1.
    """
    if sample_weight is not None:
        options = {}
        if incremental and _ACCEPTS_ALL_ZERO:
            # A partial_fit batch of weight 0 is valid: it takes no step.
            options["allow_all_zero_weights"] = True
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True, **options
        )

    if class_weight is not None:
        if multilabel:
            raise ValueError(
                "class_weight is not supported for multilabel targets; pass "
                "sample_weight instead."
            )
        if incremental and class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit "
                "because one batch does not show the class frequencies. "
                "Compute the weights with "
                "sklearn.utils.class_weight.compute_class_weight and pass them "
                "as a dict."
            )
        if isinstance(class_weight, dict):
            unknown = set(class_weight) - set(classes.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight has keys {sorted(unknown, key=str)} that "
                    f"are not classes; classes_={classes.tolist()}."
                )
        per_class = compute_sample_weight(class_weight, y).astype(X.dtype)
        sample_weight = (
            per_class if sample_weight is None else sample_weight * per_class
        )

    if sample_weight is None:
        return None, 1.0
    if incremental:
        return sample_weight, 1.0
    if not np.any(sample_weight > 0):
        raise ValueError(
            "sample_weight (times class_weight) is 0 for every example, so "
            "there is nothing to train on. Give some examples a positive "
            "weight."
        )
    scale = float(np.mean(sample_weight))
    return sample_weight / scale, scale
