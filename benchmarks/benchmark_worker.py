"""Run one benchmark measurement in a fresh process and write it as JSON.

``run.py`` starts this script once per case, system and repeat, with a JSON
spec as its only argument, so that no measurement inherits allocator state,
caches or a memory high-water mark from another one. The steps are:

1. Load the data and do a small untimed warm-up fit or predict, so that lazy
   imports, BLAS thread start-up and first-call setup fall outside the timing.
2. Time the full fit or predict_proba with ``time.perf_counter``, while the
   resident set size (RSS) high-water mark records the peak during the call.
3. When the spec sets ``measure_traced_memory``, repeat the call under
   ``tracemalloc`` to get the peak of Python and NumPy allocations. This second
   call runs after the timed one because tracing slows Python-heavy code by a
   large factor.
"""

import gc
import json
import pickle
import resource
import sys
import time
import tracemalloc

import numpy as np
from benchmark_cases import (
    NOTEBOOK,
    build_cases,
    fit_system,
    ignore_convergence_warnings,
    predict_proba_system,
)

PROC_STATUS = "/proc/self/status"
PROC_CLEAR_REFS = "/proc/self/clear_refs"


def read_status_kib(field):
    """Return a ``/proc/self/status`` field such as ``VmRSS`` in KiB."""
    with open(PROC_STATUS) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(f"{field} not found in {PROC_STATUS}")


class RssPeakMeter:
    """Measure how far the RSS peak rises above the RSS at ``start()``.

    On Linux, writing 5 to ``/proc/self/clear_refs`` resets the ``VmHWM``
    high-water mark to the current RSS, so the peak covers only the measured
    call. Without that file, the meter falls back to ``ru_maxrss``, which
    covers the whole process and so reads zero when the call stays below an
    earlier peak.
    """

    def start(self):
        try:
            with open(PROC_CLEAR_REFS, "w") as clear_refs:
                clear_refs.write("5")
            self.method = "VmHWM reset"
            self.rss_before_kib = read_status_kib("VmRSS")
        except OSError:
            self.method = "ru_maxrss"
            self.rss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def stop(self):
        """Return the peak increase in bytes."""
        if self.method == "VmHWM reset":
            peak_kib = read_status_kib("VmHWM")
        else:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return max(0, peak_kib - self.rss_before_kib) * 1024


def traced_peak_bytes(call):
    """Run ``call()`` under tracemalloc and return the peak traced bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def warm_up_rows(y, batch_size):
    """Return row indices that cover every class plus two batches of rows."""
    _, first_of_each_class = np.unique(y, return_index=True)
    leading_rows = np.arange(min(len(y), max(2 * batch_size, 20)))
    return np.union1d(first_of_each_class, leading_rows)


def measure_fit(spec, case):
    data = np.load(spec["data_path"])
    X, y = data["X"], data["y"]
    system, seed, epochs = spec["system"], spec["seed"], spec["epochs"]

    rows = warm_up_rows(y, case.batch_size)
    fit_system(system, case, X[rows], y[rows], 1, seed)

    meter = RssPeakMeter()
    gc.collect()
    meter.start()
    start = time.perf_counter()
    model, details = fit_system(system, case, X, y, epochs, seed)
    fit_seconds = time.perf_counter() - start
    rss_peak_increase = meter.stop()

    result = {
        "fit_seconds": fit_seconds,
        "epochs_run": epochs,
        "updates": case.updates(epochs),
        "rss_peak_increase_bytes": rss_peak_increase,
        "rss_method": meter.method,
        "train_accuracy": train_accuracy(system, model, X, y),
        **details,
    }
    if details.get("n_iter") is not None and details["n_iter"] != epochs:
        result["warning"] = f"ran {details['n_iter']} epochs, expected {epochs}"

    if spec.get("save_model_path"):
        with open(spec["save_model_path"], "wb") as model_file:
            pickle.dump(model, model_file)
    del model

    if spec["measure_traced_memory"]:
        result["traced_peak_bytes"] = traced_peak_bytes(
            lambda: fit_system(system, case, X, y, epochs, seed)
        )
    return result


def train_accuracy(system, model, X, y):
    probabilities = predict_proba_system(system, model, X)
    return float(np.mean(np.argmax(probabilities, axis=1) == y))


def measure_predict(spec, case):
    X = np.load(spec["data_path"])["X"]
    system = spec["system"]
    with open(spec["model_path"], "rb") as model_file:
        model = pickle.load(model_file)

    predict_proba_system(system, model, X[:1000])

    meter = RssPeakMeter()
    gc.collect()
    meter.start()
    start = time.perf_counter()
    probabilities = predict_proba_system(system, model, X)
    predict_seconds = time.perf_counter() - start
    rss_peak_increase = meter.stop()

    result = {
        "predict_seconds": predict_seconds,
        "rows": len(X),
        "rss_peak_increase_bytes": rss_peak_increase,
        "rss_method": meter.method,
        "max_row_sum_error": float(np.max(np.abs(probabilities.sum(axis=1) - 1.0))),
    }
    del probabilities

    if spec["measure_traced_memory"]:
        result["traced_peak_bytes"] = traced_peak_bytes(
            lambda: predict_proba_system(system, model, X)
        )
    return result


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: benchmark_worker.py SPEC_JSON (run.py starts this script)")
    spec = json.loads(argv[1])
    case = build_cases(spec["quick"])[spec["case"]]
    if spec["system"] != NOTEBOOK:
        ignore_convergence_warnings()

    if spec["mode"] == "fit":
        result = measure_fit(spec, case)
    else:
        result = measure_predict(spec, case)
    result["process_max_rss_bytes"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    )

    with open(spec["result_path"], "w") as result_file:
        json.dump(result, result_file)


if __name__ == "__main__":
    main(sys.argv)
