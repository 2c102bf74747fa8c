"""Every example script runs to the end and prints its results."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_iris_example_reaches_notebook_accuracy():
    output = run_example("iris.py")
    match = re.search(r"test accuracy: ([0-9.]+)", output)
    assert match is not None, output
    assert float(match.group(1)) >= 0.93


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("online_learning.py", "final held-out accuracy"),
        ("imbalanced_classes.py", "minority recall"),
        ("custom_activation.py", "squareplus"),
        ("imbalanced_focal_loss.py", "minority recall"),
    ],
)
def test_example_runs(name, expected):
    output = run_example(name)
    assert expected in output


def test_every_example_is_tested():
    tested = {
        "iris.py",
        "online_learning.py",
        "imbalanced_classes.py",
        "custom_activation.py",
        "imbalanced_focal_loss.py",
    }
    assert {path.name for path in EXAMPLES.glob("*.py")} == tested
