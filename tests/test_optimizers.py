"""Compare the flat-vector optimizers with scikit-learn's MLP optimizers.

scikit-learn's optimizers live in a private module and take lists of arrays,
so each comparison wraps one flat parameter vector in a one-element list.
"""

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import (
    AdamOptimizer as ReferenceAdam,
)
from sklearn.neural_network._stochastic_optimizers import (
    SGDOptimizer as ReferenceSGD,
)

from skautonet._optimizers import AdamOptimizer, SGDOptimizer

N_PARAMS = 10
N_STEPS = 20
# The schedule hooks run after every STEPS_PER_EPOCH steps of BATCH_SIZE samples.
STEPS_PER_EPOCH = 5
BATCH_SIZE = 8


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture
def initial_theta(rng):
    return rng.normal(size=N_PARAMS)


def run_side_by_side(optimizer, reference, initial_theta, rng):
    """Apply the same gradients to both optimizers and record their states.

    Returns the parameter vectors after every step, the learning rates after
    every step and every stopping decision, for ``optimizer`` and
    ``reference`` in turn.
    """
    theta = initial_theta.copy()
    reference_theta = initial_theta.copy()
    record = {"theta": [], "learning_rate": [], "stop": []}
    reference_record = {"theta": [], "learning_rate": [], "stop": []}

    for step in range(1, N_STEPS + 1):
        gradient = rng.normal(size=N_PARAMS)
        optimizer.step(theta, gradient)
        reference.update_params([reference_theta], [gradient])

        if step % STEPS_PER_EPOCH == 0:
            samples_seen = step * BATCH_SIZE
            optimizer.end_epoch(samples_seen)
            reference.iteration_ends(samples_seen)
            record["stop"].append(optimizer.should_stop())
            reference_record["stop"].append(
                reference.trigger_stopping("stalled", verbose=False)
            )

        record["theta"].append(theta.copy())
        reference_record["theta"].append(reference_theta.copy())
        record["learning_rate"].append(optimizer.learning_rate)
        reference_record["learning_rate"].append(reference.learning_rate)

    return record, reference_record


def assert_same_run(record, reference_record):
    np.testing.assert_allclose(record["theta"], reference_record["theta"], rtol=1e-12)
    np.testing.assert_allclose(
        record["learning_rate"], reference_record["learning_rate"], rtol=1e-12
    )
    assert record["stop"] == reference_record["stop"]


@pytest.mark.parametrize(
    ("schedule", "momentum", "nesterov", "power_t"),
    [
        ("constant", 0.0, False, 0.5),
        ("constant", 0.0, True, 0.5),
        ("constant", 0.9, False, 0.5),
        ("constant", 0.9, True, 0.5),
        ("invscaling", 0.0, False, 0.5),
        ("invscaling", 0.9, True, 0.25),
        ("adaptive", 0.9, False, 0.5),
        ("adaptive", 0.5, True, 0.5),
    ],
)
def test_sgd_matches_sklearn(schedule, momentum, nesterov, power_t, initial_theta, rng):
    optimizer = SGDOptimizer(
        N_PARAMS,
        np.float64,
        learning_rate_init=0.05,
        learning_rate=schedule,
        momentum=momentum,
        nesterovs_momentum=nesterov,
        power_t=power_t,
    )
    reference = ReferenceSGD(
        [initial_theta.copy()],
        learning_rate_init=0.05,
        lr_schedule=schedule,
        momentum=momentum,
        nesterov=nesterov,
        power_t=power_t,
    )

    record, reference_record = run_side_by_side(
        optimizer, reference, initial_theta, rng
    )

    assert_same_run(record, reference_record)


@pytest.mark.parametrize(
    ("learning_rate_init", "beta_1", "beta_2", "epsilon"),
    [
        (0.001, 0.9, 0.999, 1e-8),
        (0.01, 0.8, 0.99, 1e-6),
        (0.05, 0.5, 0.9, 1e-3),
    ],
)
def test_adam_matches_sklearn(
    learning_rate_init, beta_1, beta_2, epsilon, initial_theta, rng
):
    optimizer = AdamOptimizer(
        N_PARAMS,
        np.float64,
        learning_rate_init=learning_rate_init,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
    )
    reference = ReferenceAdam(
        [initial_theta.copy()],
        learning_rate_init=learning_rate_init,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
    )

    record, reference_record = run_side_by_side(
        optimizer, reference, initial_theta, rng
    )

    assert_same_run(record, reference_record)


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_sgd_stops_unless_adaptive(schedule):
    optimizer = SGDOptimizer(N_PARAMS, np.float64, 0.01, learning_rate=schedule)

    assert optimizer.should_stop()
    assert optimizer.learning_rate == 0.01


def test_adam_always_stops():
    optimizer = AdamOptimizer(N_PARAMS, np.float64, 0.01)

    assert optimizer.should_stop()


def test_adaptive_divides_rate_until_limit():
    optimizer = SGDOptimizer(N_PARAMS, np.float64, 1e-3, learning_rate="adaptive")
    reference = ReferenceSGD([np.zeros(N_PARAMS)], 1e-3, lr_schedule="adaptive")
    # A call shrinks the rate while the rate is above 1e-6. So 1.6e-6 still
    # shrinks to 3.2e-7, and only the sixth call stops.
    expected_rates = [1e-3 / 5**k for k in range(1, 6)]

    rates = []
    while not optimizer.should_stop():
        rates.append(optimizer.learning_rate)
    reference_rates = []
    while not reference.trigger_stopping("stalled", verbose=False):
        reference_rates.append(reference.learning_rate)

    np.testing.assert_allclose(rates, expected_rates, rtol=1e-12)
    np.testing.assert_allclose(rates, reference_rates, rtol=1e-12)
    assert optimizer.learning_rate <= 1e-6
    assert optimizer.should_stop()


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: SGDOptimizer(N_PARAMS, np.float64, 0.1, momentum=0.0),
        lambda: SGDOptimizer(N_PARAMS, np.float64, 0.1, momentum=0.9),
        lambda: AdamOptimizer(N_PARAMS, np.float64, 0.1),
    ],
    ids=["sgd", "sgd-momentum", "adam"],
)
def test_step_updates_in_place(make_optimizer, initial_theta, rng):
    optimizer = make_optimizer()
    theta = initial_theta.copy()
    # A view taken before the step, as the estimator's coefs_ are.
    leading_view = theta[:4]

    optimizer.step(theta, rng.normal(size=N_PARAMS))

    assert not np.array_equal(theta, initial_theta)
    assert not np.array_equal(leading_view, initial_theta[:4])
