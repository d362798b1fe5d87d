"""Benchmark weightcli against hand-written polars, pandas and pandera on one training table.

Every measurement runs as its own child process; wall time is taken around the child and peak
memory is the child's own maximum resident set size, as ``os.wait4`` returns it. The cases
run in rotating order, repeated, and the summary shows medians, the ratios that the
performance targets name, and whether each target holds. A correctness step first checks
that weightcli and the polars baseline write the same weights and report the same figures.

Usage: python -m benchmarks.run [--rows N] [--repeats N] [--quick] [--markdown PATH]"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# This process imports no data library and reads no table: a child's peak memory as wait4
# returns it on Linux includes the parent's memory at the time of the fork.
BENCH_FOLDER = Path(__file__).resolve().parent
ROOT = BENCH_FOLDER.parent
DATA_FOLDER = BENCH_FOLDER / "data"
CONFIG = BENCH_FOLDER / "weightcli.yaml"
WEIGHT_COLUMN = "weight"


@dataclass
class Case:
    """One command to time, and its measurements."""

    name: str
    label: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    peaks_mib: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.walls)

    @property
    def peak_mib(self) -> float:
        """Median peak resident memory in MiB."""
        return statistics.median(self.peaks_mib)


@dataclass(frozen=True)
class Target:
    """A performance target: a measured ratio and the bound it must keep."""

    label: str
    value: float
    bound: float
    unit: str
    at_most: bool = True
    ideal: bool = False

    @property
    def passed(self) -> bool:
        """Whether the value keeps the bound."""
        return self.value <= self.bound if self.at_most else self.value >= self.bound


def _weightcli() -> str:
    found = shutil.which("weightcli", path=str(Path(sys.executable).parent)) or shutil.which(
        "weightcli"
    )
    if found is None:
        raise SystemExit("benchmark: error: the weightcli command is not installed; run make")
    return found


def _module(name: str) -> list[str]:
    return [sys.executable, "-m", f"benchmarks.baselines.{name}"]


def measure(argv: list[str]) -> tuple[float, float]:
    """Run ``argv`` as a child process and return its wall time (s) and peak RSS (MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    # The Popen object must not reap the child a second time.
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        message = errors.decode("utf-8", "replace").strip()
        command = " ".join(argv)
        raise SystemExit(f"benchmark: error: {command} exited {process.returncode}\n{message}")
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_maxrss / 1024


def _apply_argv(source: Path, destination: Path, *extra: str) -> list[str]:
    return [_weightcli(), "apply", str(source), "-c", str(CONFIG), "-o", str(destination), *extra]


def _check_argv(source: Path, *extra: str) -> list[str]:
    return [_weightcli(), "check", str(source), "--no-config", "-w", WEIGHT_COLUMN, *extra]


def generate(rows: int) -> Path:
    """Generate the table of ``rows`` rows in a child process, unless it exists."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.generate", "--rows", str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark: error: generating the table failed\n{completed.stderr}")
    return Path(completed.stdout.strip())


COMPILE = """
import compileall, pathlib, sys
import benchmarks, weightcli
folders = [pathlib.Path(package.__file__).parent for package in (weightcli, benchmarks)]
sys.exit(0 if all(compileall.compile_dir(folder, quiet=1) for folder in folders) else 1)
"""


def compile_sources() -> None:
    """Compile weightcli's and the baselines' modules to bytecode, as installing a wheel does.

    Python compiles a module whose bytecode is missing on every import when it may not write
    bytecode (PYTHONDONTWRITEBYTECODE), which an editable install in such an environment would
    add to every timed run of weightcli and of the baselines."""
    completed = subprocess.run(
        [sys.executable, "-c", COMPILE], cwd=ROOT, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark: error: compiling the sources failed\n{completed.stdout}")


def build_cases(rows: int, work: Path) -> tuple[list[Case], Path]:
    """Generate the tables and return the timed cases and the table that ``check`` reads."""
    source = generate(rows)
    quarter = generate(rows // 4)
    checked = work / "checked.parquet"
    cases = [
        Case("apply", "weightcli apply", _apply_argv(source, work / "weightcli.parquet")),
        Case(
            "polars_full",
            "(a) polars, weights and report figures",
            [*_module("polars_full"), str(source), str(work / "a.parquet")],
        ),
        Case(
            "polars_weights",
            "(b) polars, weights only",
            [*_module("polars_weights"), str(source), str(work / "b.parquet")],
        ),
        Case(
            "pandas",
            "(c) pandas, weights and report figures",
            [*_module("pandas_job"), str(source), str(work / "c.parquet")],
        ),
        Case(
            "apply_quarter",
            f"weightcli apply, {rows // 4:,} rows",
            _apply_argv(quarter, work / "quarter.parquet"),
        ),
        Case(
            "polars_weights_quarter",
            f"(b) polars, weights only, {rows // 4:,} rows",
            [*_module("polars_weights"), str(quarter), str(work / "b_quarter.parquet")],
        ),
        Case("check", "weightcli check", _check_argv(checked)),
        Case(
            "polars_check",
            "(d) polars, one aggregation of the figures",
            [*_module("polars_check"), str(checked)],
        ),
        Case("pandera", "(e) pandera schema (polars)", [*_module("pandera_check"), str(checked)]),
        Case("version", "weightcli --version", [_weightcli(), "--version"]),
    ]
    return cases, source


def run_cases(cases: list[Case], repeats: int, log: Callable[[str], None]) -> None:
    """Time every case ``repeats`` times, rotating the order between repeats."""
    for repeat in range(repeats):
        shift = repeat % len(cases)
        for case in cases[shift:] + cases[:shift]:
            wall, peak = measure(case.argv)
            case.walls.append(wall)
            case.peaks_mib.append(peak)
            log(f"  repeat {repeat + 1}/{repeats}  {case.label:<45} {wall:7.2f} s {peak:8.0f} MiB")


def check_correctness(source: Path, work: Path) -> tuple[list[str], bool]:
    """Compare weightcli with baseline (a) in a child process; return Markdown lines."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.correctness",
            _weightcli(),
            str(CONFIG),
            str(source),
            str(work),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark: error: the correctness check failed\n{completed.stderr}")
    result = json.loads(completed.stdout)
    return list(result["lines"]), bool(result["passed"])


def _mark(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def targets(by_name: dict[str, Case]) -> list[Target]:
    """Return the performance targets with their measured ratios."""
    apply = by_name["apply"]
    full = by_name["polars_full"]
    check = by_name["check"]
    return [
        Target("apply wall / (a) wall", apply.wall / full.wall, 1.1, "x"),
        Target("apply peak memory / (a) peak memory", apply.peak_mib / full.peak_mib, 1.25, "x"),
        Target("apply wall / (b) wall", apply.wall / by_name["polars_weights"].wall, 1.5, "x"),
        Target(
            "(c) pandas wall / apply wall",
            by_name["pandas"].wall / apply.wall,
            2.0,
            "x",
            at_most=False,
        ),
        Target("check wall / (d) wall", check.wall / by_name["polars_check"].wall, 1.1, "x"),
        Target("check wall / (e) wall", check.wall / by_name["pandera"].wall, 1.0, "x", ideal=True),
        Target(
            "apply peak memory, 4x rows / 1x rows",
            apply.peak_mib / by_name["apply_quarter"].peak_mib,
            1.5,
            "x",
        ),
        Target("weightcli --version wall", by_name["version"].wall, 0.25, "s"),
    ]


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"Python": platform.python_version()}
    for package in ("weightcli", "polars", "pyarrow", "numpy", "pandas", "pandera"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def machine() -> str:
    """Describe the CPU, cores, memory and operating system."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    cores = os.cpu_count()
    return f"{model}, {cores} cores, {memory} RAM, {platform.system()} {platform.release()}"


def _git_revision() -> str:
    try:
        completed = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return completed.stdout.strip()


def _own_peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(
    command: str,
    rows: int,
    source: Path,
    repeats: int,
    cases: list[Case],
    correctness: list[str],
) -> str:
    """Return the Markdown summary of one benchmark run."""
    versions = ", ".join(f"{name} {number}" for name, number in _versions().items())
    size = source.stat().st_size / 1024**2
    lines = [
        f"### Benchmark of {time.strftime('%Y-%m-%d')} (revision {_git_revision()})",
        "",
        f"- command: `{command}`",
        f"- machine: {machine()}",
        f"- software: {versions}",
        f"- table: `benchmarks/data/{source.name}` from `benchmarks/generate.py`, {rows:,} rows, "
        f"7 columns, {size:.0f} MiB Parquet",
        f"- medians of {repeats} runs, each a separate process in rotating order; peak memory "
        f"is the child's maximum RSS (the measuring process itself: {_own_peak_mib():.0f} MiB)",
        "",
        "| case | wall (s) | peak memory (MiB) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {case.label} | {case.wall:.2f} | {case.peak_mib:.0f} |" for case in cases]
    lines += ["", "| target | measured | bound | result |", "| --- | ---: | ---: | --- |"]
    by_name = {case.name: case for case in cases}
    for target in targets(by_name):
        sign = "≤" if target.at_most else "≥"
        result = _mark(target.passed)
        if target.ideal:
            result = f"{result} (ideal)"
        lines.append(
            f"| {target.label} | {target.value:.2f}{target.unit} | "
            f"{sign} {target.bound:g}{target.unit} | {result} |"
        )
    baseline = by_name["polars_weights"].peak_mib / by_name["polars_weights_quarter"].peak_mib
    lines += [
        "",
        f"For comparison, (b) at 4x rows / 1x rows takes {baseline:.2f}x the peak memory "
        "(no target: it shows how polars' own streaming write grows with its default settings).",
    ]
    lines += ["", "Correctness (weightcli against (a) on the same table):", "", *correctness]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its Markdown summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the table")
    parser.add_argument("--repeats", type=int, help="runs of each case (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="one run of each case")
    parser.add_argument("--markdown", type=Path, help="also write the summary to this file")
    arguments = parser.parse_args(argv)
    repeats = arguments.repeats or (1 if arguments.quick else 5)
    if arguments.rows < 400 or repeats < 1:
        parser.error("--rows must be 400 or more and --repeats 1 or more")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    work = DATA_FOLDER / "work"
    work.mkdir(parents=True, exist_ok=True)
    compile_sources()
    log(f"generating or reusing the tables in {DATA_FOLDER}")
    cases, source = build_cases(arguments.rows, work)
    log("checking correctness against baseline (a)")
    correctness, correct = check_correctness(source, work)
    for line in correctness:
        log(f"  {line}")
    log(f"timing {len(cases)} cases, {repeats} runs each")
    run_cases(cases, repeats, log)

    command = " ".join(["python -m benchmarks.run", *(argv or sys.argv[1:])])
    text = summary(command, arguments.rows, source, repeats, cases, correctness)
    print(text)
    if arguments.markdown is not None:
        arguments.markdown.write_text(text, encoding="utf-8")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
