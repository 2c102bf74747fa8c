"""The scikit-learn estimator ``AutogradMLPClassifier``."""

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._activations import ACTIVATIONS
from ._callables import (
    check_activation,
    check_loss,
    check_penalty,
    check_picklable,
    takes_out_activation,
)
from ._network import (
    ObjectiveSpec,
    ParameterLayout,
    forward_logits_numpy,
    forward_numpy,
    fused_objective,
    initialize_parameters,
)
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._primitives import cross_entropy_losses
from ._targets import check_labels_known, fit_binarizer, is_multilabel, training_weights
from ._training import run_lbfgs, run_stochastic, split_validation

_STOCHASTIC_SOLVERS = ("sgd", "adam")


def _is_stochastic(estimator):
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers 'sgd' "
            f"and 'adam'; solver={estimator.solver!r} is not stochastic."
        )
    return True


class AutogradMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier trained with autograd's gradients.

    The network is a stack of dense layers with one activation for the
    hidden layers and softmax (multiclass) or logistic (binary, multilabel)
    outputs. The training objective is the mean loss (cross-entropy unless
    ``loss`` sets another) plus a penalty on the weights (L2 unless
    ``penalty`` sets another), differentiated by autograd. By default
    training is plain
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
        3 classes gives a 4-8-3 network; ``()`` gives no hidden layer
        (multinomial logistic regression).

    activation : str or callable, default="relu"
        Activation of the hidden layers. The built-in names are
        ``"identity"``, ``"logistic"``, ``"tanh"`` and ``"relu"`` (as in
        ``MLPClassifier``), plus ``"leaky_relu"`` (slope 0.01), ``"elu"``,
        ``"softplus"``, ``"gelu"`` and ``"silu"``. A callable is a function
        written with ``autograd.numpy`` that maps an array to an array of the
        same shape, such as ``lambda z: anp.sin(z)``. Built-in names train
        through fused primitives, while autograd traces a callable operation
        by operation, which is slower.

    solver : {"sgd", "adam", "lbfgs"}, default="sgd"
        Optimizer. ``"sgd"`` and ``"adam"`` are stochastic and train in
        minibatches of ``batch_size`` examples; ``"lbfgs"`` minimises the
        full-batch objective with SciPy's L-BFGS-B.

    alpha : float, default=1e-4
        Strength of the penalty: the objective adds
        ``alpha * penalty(W) / n_batch``, with the default ``penalty="l2"``
        giving ``MLPClassifier``'s ``alpha * 0.5 * sum(W**2) / n_batch``.
        Only the coefficient matrices are penalised, not the intercepts.

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
        ``n_samples`` updates instead of about ``n_samples / 200``. Training
        that reaches ``max_iter`` warns with ``ConvergenceWarning``, which
        the defaults often do; raise ``max_iter`` (``"lbfgs"`` usually needs
        a few hundred iterations) or silence the warning when a fixed
        number of epochs is intended.

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
        loss, the accuracy on the training data, the validation score and
        loss with ``early_stopping``, the learning rate and the seconds per
        epoch.

    warm_start : bool, default=False
        Whether a new ``fit`` continues from the current weights instead of
        drawing new ones. The classes of ``y``, the number of features and
        ``hidden_layer_sizes`` must stay the same.

    momentum : float, default=0.0
        Momentum of ``"sgd"``, in [0, 1]. The default 0 keeps plain SGD;
        ``MLPClassifier`` defaults to 0.9.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum when ``momentum > 0``.

    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the data (stratified)
        and stop when its accuracy stops improving; the best weights are
        restored at the end. Stochastic solvers only, and ignored by
        ``partial_fit``, as in ``MLPClassifier``.

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
        Maximum number of objective evaluations for ``"lbfgs"``. SciPy checks
        it between iterations, so the last iteration may exceed it by a few
        evaluations.

    init : {"glorot_uniform", "normal"}, default="glorot_uniform"
        Initial weights. ``"glorot_uniform"`` is ``MLPClassifier``'s scheme;
        ``"normal"`` draws every weight and intercept from
        ``init_std * N(0, 1)``.

    init_std : float, default=0.01
        Standard deviation for ``init="normal"``.

    loss : "log_loss" or callable, default="log_loss"
        The data loss. ``"log_loss"`` is the cross-entropy of the softmax
        (multiclass) or logistic (binary, multilabel) outputs. A callable
        ``loss(targets, logits)`` written with ``autograd.numpy`` returns one
        loss per example; ``targets`` are the one-hot (or 0/1 multilabel)
        rows and ``logits`` the output layer before its activation. If it
        accepts a keyword ``out_activation``, it is told ``"softmax"`` or
        ``"logistic"``. The estimator applies the weights and the mean.
        :mod:`skautonet.losses` has focal loss and label smoothing.

    penalty : {"l2", "l1", "elasticnet"} or callable, default="l2"
        Penalty on the coefficient matrices, scaled by ``alpha``:
        ``0.5 * sum(W**2)``, ``sum(|W|)``, or the mix
        ``l1_ratio * sum(|W|) + (1 - l1_ratio) * 0.5 * sum(W**2)`` as in
        ``SGDClassifier``. A callable receives the list of coefficient
        matrices and returns a scalar.

    l1_ratio : float, default=0.15
        Share of the L1 term with ``penalty="elasticnet"``, in [0, 1].

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
        Number of training examples seen, summed over epochs: 750 after 5
        epochs over 150 examples. As in ``MLPClassifier``, it drives the
        ``"invscaling"`` schedule.

    loss_ : float
        Training objective of the last epoch: for the stochastic solvers the
        mean of the per-update objectives during the epoch, as in
        ``MLPClassifier``, so it lags the objective of the final weights; for
        ``"lbfgs"`` the objective at the final weights.

    loss_curve_ : list of float
        ``loss_`` of each epoch (of each L-BFGS iteration).

    best_loss_ : float or None
        Lowest training objective seen; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Validation accuracy after each epoch with ``early_stopping``, else
        None.

    best_validation_score_ : float or None
        Best validation accuracy with ``early_stopping``, else None.

    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``learning_rate`` (the
        step size of the epoch's last update, bias-corrected for Adam),
        ``seconds`` and, with ``early_stopping``, ``validation_score`` and
        ``validation_loss``. ``"lbfgs"`` adds one row per call.

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
    Gradients come from ``autograd``. The built-in activations, loss and
    penalties go through a few fused autograd primitives with hand-written
    vector-Jacobian products, which autograd chains like any other
    operation. Inference is plain NumPy.

    Callables are checked once at ``fit`` on a small batch, and raise a
    ``ValueError`` that names the parameter if autograd cannot
    differentiate them. An estimator whose callable is a lambda or a
    closure trains and works with ``GridSearchCV(n_jobs=...)``, but pickle
    and joblib cannot save it: define the function at module level.

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
        "activation": [StrOptions(set(ACTIVATIONS)), callable],
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
        "loss": [StrOptions({"log_loss"}), callable],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), callable],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
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
        loss="log_loss",
        penalty="l2",
        l1_ratio=0.15,
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
        self.loss = loss
        self.penalty = penalty
        self.l1_ratio = l1_ratio
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

    def __sklearn_is_fitted__(self):
        # A fit that fails after validating the data has set classes_ but
        # not the weights, and must not count as fitted.
        return hasattr(self, "coefs_")

    def __getstate__(self):
        for name in ("activation", "loss", "penalty"):
            check_picklable(name, getattr(self, name))
        return super().__getstate__()

    # -- fitting --------------------------------------------------------------

    def _fit(self, X, y, sample_weight, classes, incremental):
        continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
        if not incremental and self.solver == "lbfgs" and self.early_stopping:
            warnings.warn(
                "early_stopping is ignored with solver='lbfgs'; use 'sgd' or "
                "'adam' to stop on a validation split.",
                UserWarning,
                stacklevel=4,
            )

        X, y, targets, sample_weight, weight_scale = self._prepare_data(
            X, y, sample_weight, classes, incremental, continuing
        )
        random_state = self._training_random_state(continuing)
        layout = ParameterLayout((X.shape[1], *self._hidden_sizes(), targets.shape[1]))
        if continuing:
            fitted_sizes = (
                self.coefs_[0].shape[0],
                *(coef.shape[1] for coef in self.coefs_),
            )
            if fitted_sizes != layout.layer_sizes:
                raise ValueError(
                    f"Cannot continue training: the fitted network has layer "
                    f"sizes {fitted_sizes}, but hidden_layer_sizes="
                    f"{self.hidden_layer_sizes!r} gives {layout.layer_sizes}. "
                    "Set warm_start=False to train a new network, or restore "
                    "hidden_layer_sizes."
                )
            theta = layout.pack(self.coefs_, self.intercepts_, X.dtype)
            self._reset_stopping_state(incremental, keep_records=True)
        else:
            self._reset_training_state(targets.shape[1], incremental)
            theta = initialize_parameters(
                layout,
                self.init,
                self.init_std,
                self.activation,
                random_state,
                X.dtype,
            )
        spec = self._objective_spec(layout, weight_scale, X.dtype)

        # Train theta in place; coefs_ and intercepts_ become views of it.
        if self.solver == "lbfgs":
            run_lbfgs(self, theta, X, targets, sample_weight, spec, fused_objective)
        else:
            validation = None
            if self.early_stopping and not incremental:
                train, held_out = split_validation(
                    X,
                    y,
                    targets,
                    sample_weight,
                    self.validation_fraction,
                    self._multilabel,
                    random_state,
                )
                X, y, targets, sample_weight = train
                validation = self._validation_callback(layout, *held_out)
            # partial_fit keeps the optimizer's state (momentum, Adam's
            # moments, the schedule); fit with warm_start starts a new one,
            # so that changed hyperparameters take effect.
            if not (incremental and continuing and hasattr(self, "_optimizer")):
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
                lambda params: self._accuracy(params, layout, X, y),
                incremental,
            )
        self.coefs_, self.intercepts_ = layout.views(theta)
        return self

    def _prepare_data(self, X, y, sample_weight, classes, incremental, continuing):
        """Validate the data; return it with targets and scaled weights.

        Sets ``classes_`` and the label binarizer on a first call.
        """
        # Continuing keeps the dtype of the fitted weights.
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
        multilabel = is_multilabel(y)

        if incremental:
            if not continuing:
                if not multilabel and classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to "
                        "partial_fit: list every label the model will see, "
                        "for example classes=np.unique(y_all)."
                    )
                labels = y if multilabel else classes
                self._label_binarizer = fit_binarizer(labels, multilabel)
                self.classes_ = self._label_binarizer.classes_
                self._multilabel = multilabel
            elif classes is not None and not np.array_equal(
                np.unique(classes), self.classes_
            ):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()} differs from the "
                    f"classes_={self.classes_.tolist()} of the first call to "
                    "partial_fit. Pass the same classes, or omit them after the "
                    "first call."
                )
            check_labels_known(y, self.classes_, self._multilabel)
        else:
            binarizer = fit_binarizer(y, multilabel)
            if continuing and not np.array_equal(binarizer.classes_, self.classes_):
                raise ValueError(
                    "warm_start can only continue with the classes of the "
                    f"previous fit: got {binarizer.classes_.tolist()} now, "
                    f"{self.classes_.tolist()} before. Set warm_start=False to "
                    "train a new model."
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self._multilabel = multilabel

        # 0/1 targets are stored as uint8, an eighth of float64, and the
        # training loops convert each batch to the dtype of X.
        targets = self._label_binarizer.transform(y).astype(np.uint8)
        sample_weight, weight_scale = training_weights(
            sample_weight,
            self.class_weight,
            X,
            y,
            self.classes_,
            self._multilabel,
            incremental,
        )
        return X, y, targets, sample_weight, weight_scale

    def _objective_spec(self, layout, weight_scale, dtype):
        """Build the objective's settings, checking the user's callables once."""
        output = self.out_activation_
        check_state = np.random.RandomState(0)
        if callable(self.activation):
            check_activation(self.activation, dtype, check_state)
        loss = None
        if callable(self.loss):
            check_loss(self.loss, layout.layer_sizes[-1], output, dtype, check_state)
            loss = self.loss
        if callable(self.penalty):
            check_penalty(self.penalty, layout, dtype, check_state)

        # The penalty is divided by the raw weight total of a batch, as in
        # MLPClassifier, while the loss uses weights scaled to a mean of 1.
        return ObjectiveSpec(
            layout,
            self.activation,
            output,
            self.alpha / weight_scale,
            loss=loss,
            penalty=self.penalty,
            l1_ratio=self.l1_ratio,
            loss_takes_out_activation=loss is not None and takes_out_activation(loss),
        )

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
                stacklevel=6,
            )
        return self.batch_size

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
        if hasattr(self, "_optimizer"):
            del self._optimizer
        self._reset_stopping_state(incremental, keep_records=False)

    def _reset_stopping_state(self, incremental, keep_records):
        """Set the stopping records for this call's mode.

        A continuing fit keeps the records of its own mode, so that a second
        ``fit`` with ``warm_start`` carries on counting, and starts fresh ones
        when ``early_stopping`` or the solver changed between calls.
        """
        early_stopping = (
            self.early_stopping and not incremental and self.solver != "lbfgs"
        )
        if early_stopping:
            if keep_records and self.validation_scores_ is not None:
                return
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            if keep_records and self.best_loss_ is not None:
                return
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self._no_improvement_count = 0
        self._best_theta = None

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

    def _validation_callback(self, layout, X, y, targets, sample_weight):
        """Return a function of theta giving (accuracy, loss) on held-out data."""

        def validation(theta):
            coefs, intercepts = layout.views(theta)
            logits = forward_logits_numpy(X, coefs, intercepts, self.activation)
            # Labels first, because the losses may overwrite the logits.
            predicted = self._labels_from_logits(logits)
            score = accuracy_score(y, predicted, sample_weight=sample_weight)
            losses = cross_entropy_losses(logits, targets, self.out_activation_)
            loss = float(np.average(losses, weights=sample_weight))
            return float(score), loss

        return validation

    def _accuracy(self, theta, layout, X, y):
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
