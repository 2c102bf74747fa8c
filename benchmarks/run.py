"""Compare the notebook loop, MLPClassifier and AutogradMLPClassifier.

Run from the repository root::

    python benchmarks/run.py              # all cases, 5 repeats
    python benchmarks/run.py --quick      # smoke run with tiny sizes
    python benchmarks/run.py --cases iris digits --repeats 3 --json out.json

Every measurement runs in a fresh worker process (``benchmark_worker.py``),
and the Markdown report on standard output gives medians over the repeats
with ratios against scikit-learn's MLPClassifier. Progress goes to standard
error. The exit status is 0 whether or not the targets pass, and 1 when a
measurement failed or skautonet is installed but cannot be imported.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmark_cases import (
    NOTEBOOK,
    SKAUTONET,
    SYSTEM_LABELS,
    SYSTEMS,
    build_cases,
    load_case_data,
    probe_skautonet,
)
from benchmark_report import (
    OTHER_LOAD_WARNING_SHARE,
    evaluate_targets,
    fit_case_table,
    predict_case_table,
    summarize_runs,
    targets_table,
)

WORKER_SCRIPT = Path(__file__).resolve().with_name("benchmark_worker.py")
CASE_NAMES = ("iris", "digits", "synthetic", "predict_proba")
SEED = 0
# The slowest worker of a full run, the notebook loop on Iris with its
# tracemalloc pass, takes about 70 s on a busy 2-core AMD EPYC VM, so a worker
# that runs for half an hour is stuck.
WORKER_TIMEOUT_SECONDS = 1800
# Environment variables that change BLAS kernels or thread counts. The script
# reports them and passes them on to the workers unchanged.
BLAS_ENVIRONMENT_VARIABLES = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


class WorkerError(RuntimeError):
    """A worker process failed, timed out or wrote no result."""


def parse_names(text, allowed, kind):
    names = [name for name in text.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {kind} {', '.join(unknown)}. Choose from {', '.join(allowed)}."
        )
    return names


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark AutogradMLPClassifier against MLPClassifier and the "
            "notebook training loop, and print a Markdown report."
        )
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=None,
        help="measurements per case and system; the report shows medians "
        "(default: 5, or 1 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run with tiny data sets and few epochs (about 30 s on an idle "
        "2-core VM)",
    )
    parser.add_argument(
        "--cases",
        nargs="+",
        metavar="CASE",
        help=f"cases to run, separated by spaces or commas: {', '.join(CASE_NAMES)} "
        "(default: all)",
    )
    parser.add_argument(
        "--systems",
        nargs="+",
        metavar="SYSTEM",
        help=f"systems to run: {', '.join(SYSTEMS)} (default: all). Ratios "
        "need sklearn.",
    )
    parser.add_argument(
        "--notebook-full-epochs",
        action="store_true",
        help="run the notebook loop for all epochs of the digits case instead "
        "of extrapolating its fit time from fewer epochs",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the raw per-repeat numbers and the summary to PATH",
    )
    args = parser.parse_args(argv)

    try:
        selected = parse_names(" ".join(args.cases or CASE_NAMES), CASE_NAMES, "case")
        args.systems = parse_names(" ".join(args.systems or SYSTEMS), SYSTEMS, "system")
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if args.json is not None and not args.json.parent.is_dir():
        parser.error(
            f"--json: directory {args.json.parent} not found. Create it or "
            "choose another path."
        )
    # The predict_proba case reuses the models of the synthetic case, so the
    # cases always run in the order of CASE_NAMES.
    args.cases = [name for name in CASE_NAMES if name in selected]
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    return args


def describe_threadpool(info):
    """Return one threadpoolctl record as "libname version (api, arch, threads)"."""
    details = [
        info.get("internal_api"),
        info.get("architecture"),
        f"{info.get('num_threads')} threads",
    ]
    name = " ".join(
        str(part) for part in (info.get("prefix"), info.get("version")) if part
    )
    return f"{name} ({', '.join(str(part) for part in details if part)})"


def describe_machine():
    """Return the machine, library versions and BLAS settings as a dict.

    The thread pools are those loaded in this process after importing NumPy
    and scikit-learn. The workers load the same libraries.
    """
    import sklearn  # noqa: F401, loads the libraries that threadpoolctl lists
    import threadpoolctl

    cpu_model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    versions = {}
    for distribution in ("numpy", "scikit-learn", "autograd"):
        try:
            versions[distribution] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            versions[distribution] = "not installed"

    return {
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions,
        "thread_pools": [
            describe_threadpool(info) for info in threadpoolctl.threadpool_info()
        ],
        "environment": {
            name: os.environ.get(name) for name in BLAS_ENVIRONMENT_VARIABLES
        },
    }


def read_busy_cpu_seconds():
    """Return the CPU seconds that all processes have used since boot.

    The value comes from the first line of ``/proc/stat`` (all time except
    idle and iowait), or is None where that file does not exist.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return None
    idle_ticks = fields[3] + fields[4]
    return (sum(fields) - idle_ticks) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """Return the CPU seconds of this process and its finished workers."""
    total = 0.0
    for scope in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(scope)
        total += usage.ru_utime + usage.ru_stime
    return total


class OtherLoadMeter:
    """Measure the CPU time that processes other than this one and its workers use.

    Steal time of a VM counts as busy in ``/proc/stat``, so it shows up here as
    other load too.
    """

    def __init__(self):
        self.busy_start = read_busy_cpu_seconds()
        self.own_start = own_cpu_seconds()
        self.wall_start = time.perf_counter()

    def read(self):
        """Return ``(other CPU seconds, share of one core)`` since creation.

        Both are None where ``/proc/stat`` does not exist.
        """
        busy_now = read_busy_cpu_seconds()
        if self.busy_start is None or busy_now is None:
            return None, None
        own_seconds = own_cpu_seconds() - self.own_start
        other_seconds = max(0.0, busy_now - self.busy_start - own_seconds)
        wall_seconds = time.perf_counter() - self.wall_start
        return other_seconds, other_seconds / wall_seconds


def format_run_conditions(load_at_start, run_load_meter):
    """Describe how busy the machine was, so a reader can judge the timings."""
    lines = [
        "Load average at start (1, 5, 15 min): "
        + ", ".join(f"{value:.2f}" for value in load_at_start)
    ]
    other_seconds, other_share = run_load_meter.read()
    if other_seconds is None:
        return "\n".join(lines)

    lines.append(
        f"Other processes used {other_seconds:.0f} CPU s during the run, "
        f"{other_share:.0%} of one core on average."
    )
    if other_share > OTHER_LOAD_WARNING_SHARE:
        lines.append(
            "NOTE: other load shared the CPUs with the measurements, so the "
            "timings are likely inflated and noisy. Rerun on an idle machine."
        )
    return "\n".join(lines)


def format_header(command, machine, skautonet_detail, args):
    environment = ", ".join(
        f"{name}={value}" if value is not None else f"{name} not set"
        for name, value in machine["environment"].items()
    )
    lines = [
        "# skautonet benchmark report",
        "",
        f"Command: `{command}`",
        "",
        f"- CPU: {machine['cpu_model']}, cpu_count={machine['cpu_count']}, "
        f"usable={machine['usable_cpus']}",
        f"- Platform: {machine['platform']}",
        f"- Python {machine['python']}, NumPy {machine['numpy']}, "
        f"scikit-learn {machine['scikit-learn']}, autograd {machine['autograd']}, "
        f"skautonet {skautonet_detail}",
        f"- Thread pools: {'; '.join(machine['thread_pools']) or 'none found'}",
        f"- BLAS environment, passed on to the workers unchanged: {environment}",
        f"- Repeats: {args.repeats} per case and system, medians shown"
        + (" (quick mode: tiny sizes)" if args.quick else ""),
        "",
        "Every measurement runs in a fresh process after an untimed warm-up. "
        '"vs MLP" is the value divided by MLPClassifier\'s: above 1 is better '
        "for updates/s and rows/s, below 1 is better for seconds and memory. "
        '"traced peak" is the tracemalloc peak during the call (first repeat '
        'only) and "RSS peak" is the rise of the resident set size high-water '
        "mark during the call (median).",
    ]
    return "\n".join(lines)


def run_worker(spec, tmp_dir, label):
    """Run one worker process and return its result dict."""
    result_path = Path(tmp_dir) / "result.json"
    result_path.unlink(missing_ok=True)
    spec = {**spec, "result_path": str(result_path)}

    print(f"  {label} ...", end="", file=sys.stderr, flush=True)
    started = time.perf_counter()
    load_meter = OtherLoadMeter()
    try:
        completed = subprocess.run(
            [sys.executable, str(WORKER_SCRIPT), json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as error:
        print(" timed out", file=sys.stderr)
        raise WorkerError(
            f"{label}: timed out after {WORKER_TIMEOUT_SECONDS} s"
        ) from error

    elapsed = time.perf_counter() - started
    if completed.returncode != 0 or not result_path.exists():
        print(" failed", file=sys.stderr)
        stderr_tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise WorkerError(
            f"{label}: worker exited with status {completed.returncode}\n{stderr_tail}"
        )

    _, other_share = load_meter.read()
    load_text = "" if other_share is None else f", other load {other_share:.0%}"
    print(f" done in {elapsed:.1f} s{load_text}", file=sys.stderr)
    if completed.stderr.strip():
        print(completed.stderr.rstrip(), file=sys.stderr)
    result = json.loads(result_path.read_text())
    result["other_cpu_share"] = other_share
    return result


def write_case_data(case, tmp_dir):
    X, y = load_case_data(case)
    path = Path(tmp_dir) / f"data-{case.name}.npz"
    np.savez(path, X=X, y=y)
    return path


def fit_spec(
    case, system, data_path, args, measure_traced_memory, save_model_path=None
):
    epochs = case.epochs
    if system == NOTEBOOK and case.notebook_epochs and not args.notebook_full_epochs:
        epochs = case.notebook_epochs
    return {
        "mode": "fit",
        "case": case.name,
        "quick": args.quick,
        "system": system,
        "seed": SEED,
        "epochs": epochs,
        "data_path": str(data_path),
        "measure_traced_memory": measure_traced_memory,
        "save_model_path": str(save_model_path) if save_model_path else None,
    }


def run_fit_case(case, systems, args, tmp_dir, model_paths, errors):
    """Run all repeats of a fit case and return the raw runs per system.

    When ``model_paths`` maps a system to a path, the first repeat of that
    system saves its fitted model there for the predict_proba case.
    """
    data_path = write_case_data(case, tmp_dir)
    runs = {system: [] for system in systems}
    failed = set()
    # Systems alternate within a repeat, so a slow drift of the machine
    # affects all of them alike.
    for repeat in range(args.repeats):
        for system in systems:
            if system in failed:
                continue
            save_path = model_paths.get(system) if repeat == 0 else None
            spec = fit_spec(case, system, data_path, args, repeat == 0, save_path)
            label = f"{case.name} / {system} / repeat {repeat + 1} of {args.repeats}"
            try:
                runs[system].append(run_worker(spec, tmp_dir, label))
            except WorkerError as error:
                errors.append(str(error))
                failed.add(system)
    return runs, failed


def run_predict_case(case, model_case, systems, args, tmp_dir, model_paths, errors):
    """Run all repeats of the predict_proba case and return the raw runs."""
    failed = set()
    model_data_path = None
    for system in systems:
        if model_paths[system].exists():
            continue
        # The fit case did not run, or not for this system: fit a model now.
        if model_data_path is None:
            model_data_path = write_case_data(model_case, tmp_dir)
        spec = fit_spec(
            model_case, system, model_data_path, args, False, model_paths[system]
        )
        try:
            run_worker(
                spec, tmp_dir, f"{model_case.name} / {system} / model for {case.name}"
            )
        except WorkerError as error:
            errors.append(str(error))
            failed.add(system)

    data_path = write_case_data(case, tmp_dir)
    runs = {system: [] for system in systems}
    for repeat in range(args.repeats):
        for system in systems:
            if system in failed:
                continue
            spec = {
                "mode": "predict",
                "case": case.name,
                "quick": args.quick,
                "system": system,
                "seed": SEED,
                "data_path": str(data_path),
                "model_path": str(model_paths[system]),
                "measure_traced_memory": repeat == 0,
            }
            label = f"{case.name} / {system} / repeat {repeat + 1} of {args.repeats}"
            try:
                runs[system].append(run_worker(spec, tmp_dir, label))
            except WorkerError as error:
                errors.append(str(error))
                failed.add(system)
    data_path.unlink()
    return runs, failed


def collect_results(case, requested_systems, runs, failed, skipped):
    """Return ``{system: {"status", "summary", "runs"}}`` for one case."""
    results = {}
    for system in requested_systems:
        if system in skipped:
            results[system] = {"status": skipped[system], "summary": None, "runs": []}
        elif system in failed:
            results[system] = {
                "status": "error (see Errors)",
                "summary": None,
                "runs": runs[system],
            }
        else:
            results[system] = {
                "status": "ok",
                "summary": summarize_runs(case, runs[system]),
                "runs": runs[system],
            }
    return results


def run_benchmarks(cases, args, skipped, errors):
    """Run the selected cases and return ``{case: {system: result}}``."""
    systems = [system for system in args.systems if system not in skipped]
    results = {}
    with tempfile.TemporaryDirectory(prefix="skautonet-bench-") as tmp_dir:
        model_paths = {
            system: Path(tmp_dir) / f"model-{system}.pkl" for system in systems
        }
        for name in args.cases:
            case = cases[name]
            print(f"{case.name}: {case.description}", file=sys.stderr)
            if case.is_predict:
                runs, failed = run_predict_case(
                    case,
                    cases[case.model_case],
                    systems,
                    args,
                    tmp_dir,
                    model_paths,
                    errors,
                )
            else:
                saves_models = "predict_proba" in args.cases and name == "synthetic"
                runs, failed = run_fit_case(
                    case,
                    systems,
                    args,
                    tmp_dir,
                    model_paths if saves_models else {},
                    errors,
                )
            results[name] = collect_results(case, args.systems, runs, failed, skipped)
    return results


def format_report(cases, args, results, checks, errors):
    sections = []
    for name in args.cases:
        case = cases[name]
        lines = [f"## {case.title}", "", case.description + "."]
        if case.is_predict:
            lines.append(
                "Only the predict_proba call is timed. The notebook row is a "
                "plain forward pass and softmax with the notebook's (W, b) list."
            )
        else:
            lines.append(
                f"{case.epochs} epochs, learning rate {case.learning_rate}, "
                f"{case.updates(case.epochs):,} parameter updates "
                "(epochs * ceil(rows / batch size))."
            )
        table = (
            predict_case_table(results[name])
            if case.is_predict
            else fit_case_table(case, results[name])
        )
        lines += ["", table]
        sections.append("\n".join(lines))

    targets_note = ""
    if args.quick:
        targets_note = (
            "NOTE: quick mode uses tiny sizes, so these verdicts only show that "
            "the report works; judge the targets on a full run.\n\n"
        )
    sections.append(
        "## Targets for AutogradMLPClassifier\n\n"
        + targets_note
        + targets_table(checks)
    )
    if errors:
        sections.append(
            "## Errors\n\n" + "\n\n".join(f"```\n{error}\n```" for error in errors)
        )
    return "\n\n".join(sections)


def json_ready(results):
    return {
        case_name: {
            SYSTEM_LABELS[system]: entry for system, entry in case_results.items()
        }
        for case_name, case_results in results.items()
    }


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    command = shlex.join([sys.executable, *sys.argv])
    started_at = datetime.datetime.now(datetime.timezone.utc)
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    run_load_meter = OtherLoadMeter()
    errors = []

    skipped = {}
    skautonet_status, skautonet_detail = probe_skautonet()
    if SKAUTONET in args.systems and skautonet_status != "ok":
        skipped[SKAUTONET] = f"not run: {skautonet_detail}"
        if skautonet_status == "broken":
            errors.append(skautonet_detail)

    machine = describe_machine()
    cases = build_cases(args.quick)
    print(format_header(command, machine, skautonet_detail, args))
    print()

    results = run_benchmarks(cases, args, skipped, errors)
    checks = evaluate_targets(args.cases, results)
    print(format_report(cases, args, results, checks, errors))
    total_seconds = time.perf_counter() - started
    run_conditions = format_run_conditions(load_at_start, run_load_meter)
    print(f"\n## Run conditions\n\n{run_conditions}")
    print(f"Started {started_at:%Y-%m-%d %H:%M} UTC, took {total_seconds:.0f} s.")

    if args.json:
        record = {
            "command": command,
            "started_at": started_at.isoformat(),
            "total_seconds": total_seconds,
            "run_conditions": run_conditions,
            "machine": machine,
            "skautonet": {"status": skautonet_status, "detail": skautonet_detail},
            "settings": {
                "repeats": args.repeats,
                "quick": args.quick,
                "cases": args.cases,
                "systems": args.systems,
                "seed": SEED,
                "notebook_full_epochs": args.notebook_full_epochs,
            },
            "cases": {name: vars(cases[name]) for name in args.cases},
            "results": json_ready(results),
            "targets": checks,
            "errors": errors,
        }
        args.json.write_text(json.dumps(record, indent=2, default=str) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)

    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
