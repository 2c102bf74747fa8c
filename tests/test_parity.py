"""Accuracy parity with MLPClassifier on four scaled data sets.

Both estimators train with Adam, batches of 200 and 200 epochs on the same
hidden layers; the mean test accuracy over 5 seeds must agree within 0.02.
The comparison itself lives in benchmarks/parity.py, which also prints the
table in docs/parity.md.
"""

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def parity():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import parity
    finally:
        sys.path.remove(str(BENCHMARKS))
    return parity


@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer", "digits"])
def test_accuracy_within_two_points(parity, dataset):
    table = parity.parity_table(datasets=[dataset], seeds=range(5))
    row = table.iloc[0]

    assert row["sklearn_min_epochs"] == 200
    assert row["skautonet_min_epochs"] == 200
    assert abs(row["difference"]) <= 0.02, row.to_dict()
