"""Summaries, ratios, targets and the Markdown report of a benchmark run."""

import statistics
from dataclasses import dataclass

from benchmark_cases import NOTEBOOK, SKAUTONET, SKLEARN, SYSTEM_LABELS, SYSTEMS

MIB = 1024 * 1024
# Share of one core that other processes may use during a measurement before
# the report flags its timing. OpenBLAS with one thread per core can slow down
# many times over when another process takes one of the cores.
OTHER_LOAD_WARNING_SHARE = 0.1


def summarize_runs(case, runs):
    """Return the medians over ``runs``, the worker results of one case and system.

    The fit time is scaled to all epochs of the case when the runs did fewer
    epochs, and ``extrapolated_from_epochs`` then records how many they did.
    """
    traced = [run["traced_peak_bytes"] for run in runs if "traced_peak_bytes" in run]
    other_shares = [
        run["other_cpu_share"] for run in runs if run.get("other_cpu_share") is not None
    ]
    summary = {
        "repeats": len(runs),
        "warnings": sorted({run["warning"] for run in runs if "warning" in run}),
        "max_other_cpu_share": max(other_shares, default=None),
        "rss_peak_increase_bytes": statistics.median(
            run["rss_peak_increase_bytes"] for run in runs
        ),
        # Only the first repeat runs under tracemalloc.
        "traced_peak_bytes": traced[0] if traced else None,
    }
    if case.is_predict:
        seconds = statistics.median(run["predict_seconds"] for run in runs)
        summary["predict_seconds"] = seconds
        summary["rows_per_second"] = runs[0]["rows"] / seconds
        return summary

    epochs_run = runs[0]["epochs_run"]
    measured_seconds = statistics.median(run["fit_seconds"] for run in runs)
    summary["updates_per_second"] = statistics.median(
        run["updates"] / run["fit_seconds"] for run in runs
    )
    summary["fit_seconds"] = measured_seconds * case.epochs / epochs_run
    summary["train_accuracy"] = runs[0]["train_accuracy"]
    if epochs_run != case.epochs:
        summary["extrapolated_from_epochs"] = epochs_run
    return summary


def ratio(value, baseline):
    """Return ``value / baseline``, or None when either is missing or zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


def format_ratio(value):
    if value is None:
        return "n/a"
    if value >= 0.1:
        return f"{value:.2f}x"
    return f"{value:.2g}x"


def format_mib(num_bytes):
    if num_bytes is None:
        return "n/a"
    return f"{num_bytes / MIB:.3g}"


def format_seconds(seconds):
    return f"{seconds:.3g}"


def format_rate(rate):
    return f"{rate:,.0f}"


def markdown_table(header, rows):
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def fit_case_table(case, results):
    """Return the Markdown table of one fit case.

    ``results`` maps each system to ``{"status": ..., "summary": ...}``, where
    status is "ok" or the reason the system has no numbers.
    """
    baseline = results.get(SKLEARN, {}).get("summary")
    header = [
        "system",
        "updates/s",
        "vs MLP",
        "fit s",
        "vs MLP",
        "traced peak MiB",
        "vs MLP",
        "RSS peak MiB",
        "vs MLP",
        "train acc",
    ]
    rows = []
    footnotes = []
    for system in SYSTEMS:
        if system not in results:
            continue
        label = SYSTEM_LABELS[system]
        entry = results[system]
        if entry["status"] != "ok":
            rows.append([label, entry["status"], *[""] * (len(header) - 2)])
            continue
        summary = entry["summary"]
        footnotes.extend(f"{label}: {warning}" for warning in summary["warnings"])
        fit_text = format_seconds(summary["fit_seconds"])
        if "extrapolated_from_epochs" in summary:
            fit_text += " (est.)"
            footnotes.append(
                f"{label}: ran {summary['extrapolated_from_epochs']} of "
                f"{case.epochs} epochs. Updates/s, memory and train accuracy "
                "are measured over those epochs, and fit s is that time scaled "
                f"linearly to {case.epochs} epochs."
            )
        rows.append(
            [
                label,
                format_rate(summary["updates_per_second"]),
                format_ratio(
                    ratio(
                        summary["updates_per_second"],
                        _get(baseline, "updates_per_second"),
                    )
                ),
                fit_text,
                format_ratio(
                    ratio(summary["fit_seconds"], _get(baseline, "fit_seconds"))
                ),
                format_mib(summary["traced_peak_bytes"]),
                format_ratio(
                    ratio(
                        summary["traced_peak_bytes"],
                        _get(baseline, "traced_peak_bytes"),
                    )
                ),
                format_mib(summary["rss_peak_increase_bytes"]),
                format_ratio(
                    ratio(
                        summary["rss_peak_increase_bytes"],
                        _get(baseline, "rss_peak_increase_bytes"),
                    )
                ),
                f"{summary['train_accuracy']:.3f}",
            ]
        )
    load_note = format_load_note(results)
    if load_note:
        footnotes.append(load_note)
    text = markdown_table(header, rows)
    if footnotes:
        text += "\n\n" + "\n".join(f"- {note}" for note in footnotes)
    return text


def format_load_note(results):
    """Return a warning when other processes were busy during a measurement."""
    shares = [
        entry["summary"]["max_other_cpu_share"]
        for entry in results.values()
        if entry["status"] == "ok"
        and entry["summary"]["max_other_cpu_share"] is not None
    ]
    worst = max(shares, default=0.0)
    if worst <= OTHER_LOAD_WARNING_SHARE:
        return None
    return (
        f"NOTE: other processes used up to {worst:.0%} of one core during some "
        "of these measurements, so their timings are likely inflated."
    )


def predict_case_table(results):
    """Return the Markdown table of the predict_proba case."""
    baseline = results.get(SKLEARN, {}).get("summary")
    header = [
        "system",
        "rows/s",
        "predict s",
        "vs MLP",
        "traced peak MiB",
        "vs MLP",
        "RSS peak MiB",
        "vs MLP",
    ]
    rows = []
    for system in SYSTEMS:
        if system not in results:
            continue
        label = SYSTEM_LABELS[system]
        entry = results[system]
        if entry["status"] != "ok":
            rows.append([label, entry["status"], *[""] * (len(header) - 2)])
            continue
        summary = entry["summary"]
        rows.append(
            [
                label,
                format_rate(summary["rows_per_second"]),
                format_seconds(summary["predict_seconds"]),
                format_ratio(
                    ratio(summary["predict_seconds"], _get(baseline, "predict_seconds"))
                ),
                format_mib(summary["traced_peak_bytes"]),
                format_ratio(
                    ratio(
                        summary["traced_peak_bytes"],
                        _get(baseline, "traced_peak_bytes"),
                    )
                ),
                format_mib(summary["rss_peak_increase_bytes"]),
                format_ratio(
                    ratio(
                        summary["rss_peak_increase_bytes"],
                        _get(baseline, "rss_peak_increase_bytes"),
                    )
                ),
            ]
        )
    text = markdown_table(header, rows)
    load_note = format_load_note(results)
    if load_note:
        text += f"\n\n- {load_note}"
    return text


def _get(summary, key):
    return None if summary is None else summary.get(key)


def _summary(results, case_name, system):
    entry = results.get(case_name, {}).get(system)
    if entry is None or entry["status"] != "ok":
        return None
    return entry["summary"]


@dataclass(frozen=True)
class Target:
    """A required ratio of AutogradMLPClassifier to a baseline system."""

    description: str
    case_names: tuple
    baseline: str
    summary_key: str
    limit: float
    # True when the ratio must be at least ``limit``, False for at most.
    at_least: bool


TARGETS = (
    Target(
        "per-example updates/s vs MLPClassifier",
        ("iris", "digits"),
        SKLEARN,
        "updates_per_second",
        1.0,
        at_least=True,
    ),
    Target(
        "per-example updates/s vs notebook loop",
        ("iris", "digits"),
        NOTEBOOK,
        "updates_per_second",
        10.0,
        at_least=True,
    ),
    Target(
        "minibatch fit time vs MLPClassifier",
        ("synthetic",),
        SKLEARN,
        "fit_seconds",
        1.2,
        at_least=False,
    ),
    Target(
        "predict_proba time vs MLPClassifier",
        ("predict_proba",),
        SKLEARN,
        "predict_seconds",
        1.1,
        at_least=False,
    ),
    # The memory target reads the process's resident-set high-water mark
    # during the fit. The tracemalloc peak is reported beside it but is not
    # the target: it also counts CPython's tuple free lists, which autograd's
    # per-update bookkeeping fills with a few hundred KiB that the
    # interpreter keeps for reuse and a full gc.collect() releases.
    Target(
        "peak fit memory (RSS) vs MLPClassifier",
        ("iris", "digits", "synthetic"),
        SKLEARN,
        "rss_peak_increase_bytes",
        1.5,
        at_least=False,
    ),
)


def evaluate_targets(cases, results):
    """Return one dict per target and case with its measured ratio and verdict.

    ``results`` maps case name to system to ``{"status", "summary"}``. Only
    the cases in ``cases`` are checked, and a check whose systems did not run
    gets the verdict "NOT RUN".
    """
    checks = []
    for target in TARGETS:
        for case_name in target.case_names:
            if case_name not in cases:
                continue
            measured = ratio(
                _get(_summary(results, case_name, SKAUTONET), target.summary_key),
                _get(_summary(results, case_name, target.baseline), target.summary_key),
            )
            if measured is None:
                verdict = "NOT RUN"
            elif target.at_least:
                verdict = "PASS" if measured >= target.limit else "FAIL"
            else:
                verdict = "PASS" if measured <= target.limit else "FAIL"
            comparison = ">=" if target.at_least else "<="
            checks.append(
                {
                    "target": target.description,
                    "case": case_name,
                    "ratio": measured,
                    "threshold": f"{comparison} {target.limit:g}x",
                    "verdict": verdict,
                }
            )
    return checks


def targets_table(checks):
    rows = [
        [
            check["target"],
            check["case"],
            format_ratio(check["ratio"]),
            check["threshold"],
            check["verdict"],
        ]
        for check in checks
    ]
    return markdown_table(["target", "case", "measured", "threshold", "result"], rows)
