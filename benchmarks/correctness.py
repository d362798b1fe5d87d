"""Compare weightcli's output and report with baseline (a) on the same table.

Runs as a child of the benchmark, so that the tables it reads never count towards the peak
memory of the timed runs. Prints one JSON object: Markdown lines and whether all passed.

Usage: python -m benchmarks.correctness WEIGHTCLI CONFIG INPUT WORK_FOLDER"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks.job import WEIGHT_COLUMN

FIGURE_TOLERANCE = 1e-9
WEIGHT_TOLERANCE = 1e-12


def _relative(first: Any, second: Any) -> float:
    if first is None or second is None:
        return 0.0 if first is None and second is None else math.inf
    first, second = float(first), float(second)
    if first == second:
        return 0.0
    return abs(first - second) / max(abs(first), abs(second))


def figure_differences(report: dict[str, Any], figures: dict[str, Any]) -> dict[str, float]:
    """Return the relative difference of every figure that both reports have."""
    differences: dict[str, float] = {}
    for name, value in figures["stats"].items():
        if name == "quantiles":
            for quantile, expected in value.items():
                differences[quantile] = _relative(report["stats"]["quantiles"][quantile], expected)
        else:
            differences[name] = _relative(report["stats"][name], value)
    for stage, expected in zip(report["stages"], figures["stages"], strict=True):
        for name in ("sum", "min", "max", "ess"):
            differences[f"{stage['stage']} {name}"] = _relative(stage[name], expected[name])
    for rule in report["rules"]:
        for key, name in (("rows", "rows"), ("sum", "weight_sum")):
            expected = figures["rules"][f"{rule['rule']}_{key}"]
            differences[f"rule {rule['rule']} {name}"] = _relative(rule[name], expected)
    return differences


def _mark(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def compare(weightcli: str, config: str, source: str, work: Path) -> tuple[list[str], bool]:
    """Run weightcli and baseline (a) on ``source``; return Markdown lines and the verdict."""
    ours = work / "checked.parquet"
    theirs = work / "a_checked.parquet"
    figures_path = work / "a_figures.json"
    completed = subprocess.run(
        [weightcli, "apply", source, "-c", config, "-o", str(ours), "--format", "json"],
        capture_output=True,
        check=True,
    )
    report = json.loads(completed.stdout)["files"][0]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.baselines.polars_full",
            source,
            str(theirs),
            "--figures",
            str(figures_path),
        ],
        check=True,
    )
    figures = json.loads(figures_path.read_text(encoding="utf-8"))

    ours_frame = pl.read_parquet(ours)
    theirs_frame = pl.read_parquet(theirs)
    gap = (ours_frame.get_column(WEIGHT_COLUMN) - theirs_frame.get_column(WEIGHT_COLUMN)).abs()
    weight_difference = float(gap.max())  # type: ignore[arg-type]
    same_rows = ours_frame.height == theirs_frame.height == report["rows_out"]
    same_columns = ours_frame.drop(WEIGHT_COLUMN).equals(theirs_frame.drop(WEIGHT_COLUMN))
    differences = figure_differences(report, figures)
    worst_name, worst = max(differences.items(), key=lambda item: item[1])

    checks = [
        (
            f"rows: weightcli {report['rows_out']:,}, (a) {theirs_frame.height:,}",
            same_rows,
        ),
        ("other columns identical between the two outputs", same_columns),
        (
            f"weights: max abs difference {weight_difference:.3g} (tolerance {WEIGHT_TOLERANCE:g})",
            weight_difference <= WEIGHT_TOLERANCE,
        ),
        (
            f"{len(differences)} report figures: max relative difference {worst:.3g} "
            f"({worst_name}; tolerance {FIGURE_TOLERANCE:g})",
            worst <= FIGURE_TOLERANCE,
        ),
    ]
    lines = [f"- {text}: {_mark(passed)}" for text, passed in checks]
    return lines, all(passed for _, passed in checks)


def main(arguments: list[str]) -> None:
    """Print the comparison as JSON."""
    weightcli, config, source, work = arguments
    lines, passed = compare(weightcli, config, source, Path(work))
    print(json.dumps({"lines": lines, "passed": passed}))


if __name__ == "__main__":
    main(sys.argv[1:])
