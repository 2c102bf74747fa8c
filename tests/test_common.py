"""scikit-learn's common estimator checks, for each solver family."""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skautonet import AutogradMLPClassifier

# With stochastic updates, a weight of 2 and a repeated example give the same
# gradient only in expectation, so the fitted models differ; scikit-learn
# lists the same checks as expected failures for SGDClassifier.
STOCHASTIC_WEIGHT_REASON = (
    "stochastic updates make sample_weight equivalent to repeated samples "
    "only in expectation"
)


def expected_failed_checks(estimator):
    if estimator.solver == "lbfgs":
        return {}
    return {
        "check_sample_weight_equivalence_on_dense_data": STOCHASTIC_WEIGHT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": STOCHASTIC_WEIGHT_REASON,
    }


# The default max_iter is low enough that some checks' small data sets end
# training before the loss settles, so the warning is expected.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [AutogradMLPClassifier(), AutogradMLPClassifier(solver="lbfgs")],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    estimator = AutogradMLPClassifier()
    check_param_validation(type(estimator).__name__, estimator)
