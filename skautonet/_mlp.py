"""The scikit-learn estimator ``AutogradMLPClassifier``."""

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._activations import ACTIVATIONS
from ._network import (
    ObjectiveSpec,
    ParameterLayout,
    forward_logits_numpy,
    forward_numpy,
    fused_objective,
    initialize_parameters,
)
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._training import run_lbfgs, run_stochastic

_STOCHASTIC_SOLVERS = ("sgd", "adam")


def _is_stochastic(estimator):
    return estimator.solver in _STOCHASTIC_SOLVERS


class AutogradMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier trained with autograd's gradients.

    The network is a stack of dense layers with one activation for the
    hidden layers and softmax (multiclass) or logistic (binary, multilabel)
    outputs. The training objective is the mean cross-entropy plus an L2
    penalty, differentiated by autograd. By default training is plain
    per-example stochastic gradient descent: every update uses one example's
    gradient, and the examples are reshuffled each epoch.

    Parameter names and meanings follow
    :class:`sklearn.neural_network.MLPClassifier` wherever the two
    estimators share a concept.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, \
            default=(100,)
        Number of units in each hidden layer. ``(8,)`` with 4 features and
        3 classes gives a 4-8-3 network.

    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers.

    solver : {"sgd", "adam", "lbfgs"}, default="sgd"
        Optimizer. ``"sgd"`` and ``"adam"`` are stochastic and train in
        minibatches of ``batch_size`` examples; ``"lbfgs"`` minimises the
        full-batch objective with SciPy's L-BFGS-B.

    alpha : float, default=1e-4
        Strength of the L2 penalty ``alpha * 0.5 * sum(W**2) / n_samples``
        on the coefficient matrices (not the intercepts).

    batch_size : int or "auto", default=1
        Examples per stochastic update. The default 1 is per-example SGD,
        unlike ``MLPClassifier``'s ``"auto"`` (``min(200, n_samples)``),
        which is also accepted. Ignored by ``"lbfgs"``.

    learning_rate : {"constant", "invscaling", "adaptive"}, \
            default="constant"
        Step-size schedule for ``solver="sgd"``, as in ``MLPClassifier``.

    learning_rate_init : float, default=0.01
        Initial step size of ``"sgd"`` and ``"adam"``. The default is ten
        times ``MLPClassifier``'s 0.001 because per-example steps on
        standardized data train well at 0.01 within the default
        ``max_iter``.

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    max_iter : int, default=50
        Maximum number of epochs for ``"sgd"`` and ``"adam"``, or of
        iterations for ``"lbfgs"``. The default is lower than
        ``MLPClassifier``'s 200 because one epoch of per-example SGD makes
        ``n_samples`` updates instead of about ``n_samples / 200``.

    shuffle : bool, default=True
        Whether to reshuffle the examples before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split.
        An int makes fits reproducible bit for bit, whatever NumPy's global
        random state is.

    tol : float, default=1e-4
        Training stops when the loss (or the validation score with
        ``early_stopping``) improves by less than ``tol`` for
        ``n_iter_no_change`` consecutive epochs. For ``"lbfgs"`` it is the
        gradient tolerance.

    verbose : bool, default=False
        Whether to show a tqdm progress bar over epochs with the training
        loss and accuracy.

    warm_start : bool, default=False
        Whether a new ``fit`` continues from the current weights instead of
        drawing new ones. The classes of ``y`` must match ``classes_``.

    momentum : float, default=0.0
        Momentum of ``"sgd"``, in [0, 1]. The default 0 keeps plain SGD;
        ``MLPClassifier`` defaults to 0.9.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum when ``momentum > 0``.

    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the data (stratified)
        and stop when its accuracy stops improving; the best weights are
        restored at the end. Stochastic solvers only.

    validation_fraction : float, default=0.1
        Share of the training data held out with ``early_stopping``.

    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of objective evaluations for ``"lbfgs"``.

    init : {"glorot_uniform", "normal"}, default="glorot_uniform"
        Initial weights. ``"glorot_uniform"`` is ``MLPClassifier``'s scheme;
        ``"normal"`` draws every weight and intercept from
        ``init_std * N(0, 1)``.

    init_std : float, default=0.01
        Standard deviation for ``init="normal"``.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, multiplied into
        ``sample_weight``. ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))``. Not supported for
        multilabel targets, nor ``"balanced"`` in ``partial_fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted. For multilabel targets, ``arange(n_labels)``.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` seen during ``fit``, defined only when they are
        all strings.

    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(fan_in, fan_out)`` and maps layer ``i`` to
        layer ``i + 1``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape ``(fan_out,)``.

    n_iter_ : int
        Epochs run (stochastic solvers) or L-BFGS iterations, summed over
        calls that continue training.

    t_ : int
        Training examples seen, counted once per epoch.

    loss_ : float
        Training objective at the end of the last epoch.

    loss_curve_ : list of float
        Training objective after each epoch (each L-BFGS iteration).

    best_loss_ : float or None
        Lowest training objective seen; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Validation accuracy after each epoch with ``early_stopping``, else
        None.

    best_validation_score_ : float or None
        Best validation accuracy with ``early_stopping``, else None.

    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``learning_rate``,
        ``seconds`` and, with ``early_stopping``, ``validation_score`` and
        ``validation_loss``.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units: 1 for a binary problem, else the number of
        classes or labels.

    out_activation_ : str
        ``"softmax"`` or ``"logistic"``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The NumPy-backprop estimator
        whose parameters this one mirrors.

    Notes
    -----
    Gradients come from ``autograd``. The built-in activations and loss go
    through a few fused autograd primitives with hand-written vector-Jacobian
    products, which autograd chains like any other operation. Inference is
    plain NumPy.

    The estimator does not run on GPUs and does not support regression.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skautonet import AutogradMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AutogradMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"sgd", "adam", "lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"glorot_uniform", "normal"})],
        "init_std": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="sgd",
        alpha=1e-4,
        batch_size=1,
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=50,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.0,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        init="glorot_uniform",
        init_std=0.01,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.init = init
        self.init_std = init_std
        self.class_weight = class_weight

    # -- public API ---------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains in float32; any other
            numeric input in float64.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of any type, or a multilabel indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each example in the loss. The weights are
            scaled to a mean of 1, so only their ratios matter: the full-batch
            objective is the weighted mean loss, and an integer weight acts
            like repeating the example (exactly with ``"lbfgs"``, in
            expectation with the stochastic solvers). A batch whose weights
            are all 0 takes no step.

        Returns
        -------
        self : AutogradMLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, classes=None, incremental=False)

    @available_if(_is_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch over ``X`` and ``y``, continuing the last state.

        Only for the stochastic solvers ``"sgd"`` and ``"adam"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data; a single example is fine.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels of the batch. Every label must be one of ``classes``.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each example in the loss, used as given
            (not rescaled, since one batch does not show the scale of all the
            weights): a weight of 2 doubles the example's step. A batch whose
            weights are all 0 takes no step.

        classes : array-like of shape (n_classes,), default=None
            Every class the model will ever see. Required on the first call
            (except for multilabel targets), ignored afterwards.

        Returns
        -------
        self : AutogradMLPClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, classes=classes, incremental=True)

    def predict(self, X):
        """Predict class labels for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels, taken from ``classes_``; for multilabel models an
            indicator matrix thresholded at 0.5.
        """
        check_is_fitted(self)
        return self._labels_from_logits(self._logits(X))

    def predict_proba(self, X):
        """Return class probabilities for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, one column per entry of ``classes_`` in that order.
            Rows sum to 1 except for multilabel models, whose columns are
            independent label probabilities.
        """
        check_is_fitted(self)
        X = self._validate_predict_input(X)
        proba = forward_numpy(
            X, self.coefs_, self.intercepts_, self.activation, self.out_activation_
        )
        if self.n_outputs_ == 1 and not self._multilabel:
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Return the logarithm of ``predict_proba(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``; ``-inf`` where a probability underflows
            to 0, as in ``MLPClassifier``.
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba)

    @property
    def history_(self):
        """Per-epoch training record as a pandas DataFrame."""
        check_is_fitted(self)
        return pd.DataFrame(self._history_rows)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # -- fitting --------------------------------------------------------------

    def _fit(self, X, y, sample_weight, classes, incremental):
        first_call = not hasattr(self, "coefs_")
        continuing = not first_call and (incremental or self.warm_start)
        if not incremental and self.solver == "lbfgs" and self.early_stopping:
            warnings.warn(
                "early_stopping is ignored with solver='lbfgs'; use 'sgd' or "
                "'adam' to stop on a validation split.",
                UserWarning,
                stacklevel=3,
            )

        # Validate the data. Continuing keeps the fitted dtype.
        dtype = self.coefs_[0].dtype if continuing else (np.float64, np.float32)
        X, y = validate_data(
            self,
            X,
            y,
            reset=not continuing,
            accept_sparse=["csr", "csc"],
            dtype=dtype,
            multi_output=True,
            ensure_min_samples=1 if incremental else 2,
            y_numeric=False,
        )
        if sparse.issparse(X):
            X = X.tocsr()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._set_label_binarizer(y, classes, incremental, continuing)
        targets = self._label_binarizer.transform(y).astype(X.dtype, copy=False)
        sample_weight, weight_scale = self._combined_sample_weight(
            X, y, sample_weight, incremental
        )

        # Build or reuse the network.
        random_state = self._training_random_state(continuing)
        n_outputs = targets.shape[1]
        layer_sizes = (X.shape[1], *self._hidden_sizes(), n_outputs)
        layout = ParameterLayout(layer_sizes)
        if continuing:
            theta = layout.pack(self.coefs_, self.intercepts_, X.dtype)
        else:
            self._reset_training_state(n_outputs, incremental)
            theta = initialize_parameters(
                layout,
                self.init,
                self.init_std,
                self.activation,
                random_state,
                X.dtype,
            )
        # The penalty is divided by the raw weight total of a batch, as in
        # MLPClassifier, while the loss uses weights scaled to a mean of 1.
        alpha = self.alpha / weight_scale
        spec = ObjectiveSpec(layout, self.activation, self.out_activation_, alpha)

        # Train on theta in place; coefs_ and intercepts_ become views of it.
        if self.solver == "lbfgs":
            run_lbfgs(self, theta, X, targets, sample_weight, spec, fused_objective)
        else:
            early_stopping = self.early_stopping and not incremental
            validation = None
            if early_stopping:
                X, targets, sample_weight, validation = self._split_validation(
                    X, y, targets, sample_weight, layout, random_state
                )
            if not continuing or not hasattr(self, "_optimizer"):
                self._optimizer = self._make_optimizer(theta)
            elif len(getattr(self._optimizer, "first_moment", theta)) != theta.size:
                self._optimizer = self._make_optimizer(theta)
            run_stochastic(
                self,
                theta,
                X,
                targets,
                sample_weight,
                spec,
                fused_objective,
                self._optimizer,
                random_state,
                validation,
                lambda params: self._accuracy_of(params, layout, X, y),
                incremental,
            )
        self.coefs_, self.intercepts_ = layout.views(theta)
        return self

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            return (int(sizes),)
        sizes = tuple(sizes)
        for size in sizes:
            if not isinstance(size, Integral) or size < 1:
                raise ValueError(
                    "hidden_layer_sizes must contain only positive integers, "
                    f"got {self.hidden_layer_sizes!r}. Use for example (100,) "
                    "for one hidden layer of 100 units."
                )
        return tuple(int(size) for size in sizes)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_samples} "
                f"training examples; using batches of {n_samples}.",
                UserWarning,
                stacklevel=5,
            )
        return self.batch_size

    def _set_label_binarizer(self, y, classes, incremental, continuing):
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. AutogradMLPClassifier "
                "needs class labels (binary or multiclass) or a multilabel "
                "indicator matrix; for continuous targets use a regressor."
            )
        multilabel = target_type == "multilabel-indicator"

        if incremental:
            if not multilabel and _check_partial_fit_first_call(self, classes):
                self._label_binarizer = LabelBinarizer().fit(classes)
                self._check_enough_classes(self._label_binarizer.classes_)
            elif multilabel and not hasattr(self, "_label_binarizer"):
                self._label_binarizer = LabelBinarizer().fit(y)
                self.classes_ = self._label_binarizer.classes_
            self._check_labels_known(y, multilabel)
            self._multilabel = multilabel
            return

        binarizer = LabelBinarizer().fit(y)
        if continuing:
            if not np.array_equal(binarizer.classes_, self.classes_):
                raise ValueError(
                    "warm_start can only continue with the classes of the "
                    f"previous fit: got {binarizer.classes_.tolist()} now, "
                    f"{self.classes_.tolist()} before. Set warm_start=False to "
                    "train a new model."
                )
            self._label_binarizer = binarizer
            return
        self._check_enough_classes(binarizer.classes_, multilabel)
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_
        self._multilabel = multilabel

    @staticmethod
    def _check_enough_classes(classes, multilabel=False):
        if not multilabel and len(classes) < 2:
            raise ValueError(
                "AutogradMLPClassifier needs samples of at least 2 classes, "
                f"got only one class: {classes.tolist()!r}. Pass data with at "
                "least two distinct labels."
            )

    def _check_labels_known(self, y, multilabel):
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} label columns but the model was "
                    f"started with {len(self.classes_)}."
                )
            return
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in "
                f"classes_={self.classes_.tolist()}. Pass every label in "
                "`classes` on the first call to partial_fit."
            )

    def _combined_sample_weight(self, X, y, sample_weight, incremental):
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        if self.class_weight is not None:
            if self._multilabel:
                raise ValueError(
                    "class_weight is not supported for multilabel targets; "
                    "pass sample_weight instead."
                )
            if incremental and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit "
                    "because one batch does not show the class frequencies. "
                    "Compute the weights with "
                    "sklearn.utils.class_weight.compute_class_weight and pass "
                    "them as a dict."
                )
            if isinstance(self.class_weight, dict):
                unknown = set(self.class_weight) - set(self.classes_.tolist())
                if unknown:
                    raise ValueError(
                        f"class_weight has keys {sorted(map(str, unknown))} "
                        f"that are not classes; classes_={self.classes_.tolist()}."
                    )
            class_weight = compute_sample_weight(self.class_weight, y).astype(X.dtype)
            sample_weight = (
                class_weight if sample_weight is None else sample_weight * class_weight
            )
        if sample_weight is None:
            return None, 1.0
        weight_scale = 1.0
        if not incremental:
            if not np.any(sample_weight > 0):
                raise ValueError(
                    "sample_weight (times class_weight) is 0 for every example, "
                    "so there is nothing to train on. Give some examples a "
                    "positive weight."
                )
            # Scale to a mean of 1 so that the step size does not depend on
            # the scale of the weights; see the objective in _network.
            weight_scale = float(np.mean(sample_weight))
            sample_weight = sample_weight / weight_scale
        return sample_weight, weight_scale

    def _training_random_state(self, continuing):
        if continuing and hasattr(self, "_random_state"):
            return self._random_state
        self._random_state = check_random_state(self.random_state)
        return self._random_state

    def _reset_training_state(self, n_outputs, incremental):
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(self._hidden_sizes()) + 2
        if self._multilabel or n_outputs == 1:
            self.out_activation_ = "logistic"
        else:
            self.out_activation_ = "softmax"
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._history_rows = []
        self._no_improvement_count = 0
        early_stopping = (
            self.early_stopping and not incremental and self.solver != "lbfgs"
        )
        if early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self._best_theta = None
        if hasattr(self, "_optimizer"):
            del self._optimizer

    def _make_optimizer(self, theta):
        if self.solver == "adam":
            return AdamOptimizer(
                theta.size,
                theta.dtype,
                self.learning_rate_init,
                self.beta_1,
                self.beta_2,
                self.epsilon,
            )
        return SGDOptimizer(
            theta.size,
            theta.dtype,
            self.learning_rate_init,
            self.learning_rate,
            self.momentum,
            self.nesterovs_momentum,
            self.power_t,
        )

    def _split_validation(self, X, y, targets, sample_weight, layout, random_state):
        n_samples = X.shape[0]
        n_validation = int(np.ceil(self.validation_fraction * n_samples))
        stratify = None if self._multilabel else y
        if stratify is not None:
            classes, counts = np.unique(y, return_counts=True)
            if n_validation < len(classes) or n_samples - n_validation < len(classes):
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} holds out "
                    f"{n_validation} of {n_samples} samples, too few for a "
                    f"stratified split over {len(classes)} classes. Raise "
                    "validation_fraction, pass more data, or set "
                    "early_stopping=False."
                )
            if counts.min() < 2:
                raise ValueError(
                    f"early_stopping needs at least 2 samples of every class "
                    f"for a stratified validation split; class "
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
        X_train, X_val = split[0], split[1]
        y_val = split[3]
        targets_train, targets_val = split[4], split[5]
        if sample_weight is not None:
            sample_weight, weight_val = split[6], split[7]
        else:
            weight_val = None

        def validation(theta):
            return self._validation_metrics(
                theta, layout, X_val, y_val, targets_val, weight_val
            )

        return X_train, targets_train, sample_weight, validation

    def _validation_metrics(self, theta, layout, X, y, targets, sample_weight):
        coefs, intercepts = layout.views(theta)
        logits = forward_logits_numpy(X, coefs, intercepts, self.activation)
        if self.out_activation_ == "softmax":
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_proba = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            losses = -np.sum(targets * log_proba, axis=1)
        else:
            losses = np.sum(np.logaddexp(0.0, logits) - targets * logits, axis=1)
        loss = float(np.average(losses, weights=sample_weight))
        predicted = self._labels_from_logits(logits)
        score = float(accuracy_score(y, predicted, sample_weight=sample_weight))
        return score, loss

    def _accuracy_of(self, theta, layout, X, y):
        coefs, intercepts = layout.views(theta)
        logits = forward_logits_numpy(X, coefs, intercepts, self.activation)
        return float(accuracy_score(y, self._labels_from_logits(logits)))

    # -- inference ------------------------------------------------------------

    def _validate_predict_input(self, X):
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
        )

    def _logits(self, X):
        X = self._validate_predict_input(X)
        return forward_logits_numpy(X, self.coefs_, self.intercepts_, self.activation)

    def _labels_from_logits(self, logits):
        if self._multilabel:
            return (logits > 0).astype(int)
        if logits.shape[1] == 1:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]
