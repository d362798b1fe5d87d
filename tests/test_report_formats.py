"""Report formats: histogram, text, json, markdown and github output, colour, -q, -v, --report.

The golden files in tests/golden/ pin the whole output of each format on fixed inputs.
Rewrite them after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_report_formats.py``
and review the diff."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from conftest import weightcli_command

from weightcli._version import __version__
from weightcli.cli import main
from weightcli.histogram import compute_histogram
from weightcli.report.github import escape_data, escape_property, render_github
from weightcli.report.markdown import cell, render_markdown
from weightcli.report.model import FileReport, Finding, Histogram, Report
from weightcli.report.render import REPORT_FORMATS, format_for_path, use_color
from weightcli.report.summary import bar

GOLDEN = Path(__file__).resolve().parent / "golden"
INPUTS = GOLDEN / "inputs"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
EXTENSIONS = {"text": "txt", "json": "json", "markdown": "md", "github": "github"}
ESCAPE = b"\x1b["


def _copy_inputs(folder: Path) -> None:
    for path in INPUTS.iterdir():
        shutil.copyfile(path, folder / path.name)


def _normalise(text: str) -> str:
    # The version changes with every release, so the golden files contain <version> instead.
    return text.replace(f'"weightcli_version": "{__version__}"', '"weightcli_version": "<version>"')


def _compare_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} is missing; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file; see UPDATE_GOLDEN=1"


# --- histogram -------------------------------------------------------------------------------


def test_histogram_powers_of_two() -> None:
    weights = pl.Series([1.0, 2.0, 4.0, 8.0, 3.0, None, math.nan, 0.0, -1.0, math.inf, -math.inf])
    histogram = compute_histogram(weights, max_bins=3)
    assert histogram.edges == (1.0, 2.0, 4.0, 8.0)
    assert histogram.counts == (1, 2, 2)
    assert histogram.sums == (1.0, 5.0, 12.0)
    assert histogram.zeros == 1
    assert histogram.negatives == 1


def test_histogram_edges_are_log_spaced() -> None:
    weights = pl.Series([0.01 * 10 ** (i / 10) for i in range(41)])
    histogram = compute_histogram(weights, max_bins=4)
    assert histogram.edges[0] == 0.01
    assert histogram.edges[-1] == 100.0
    assert histogram.edges[1:4] == pytest.approx((0.1, 1.0, 10.0))
    assert histogram.counts == (10, 10, 10, 11)
    assert sum(histogram.sums) == pytest.approx(float(weights.sum()))


def test_histogram_one_bin_per_distinct_value() -> None:
    histogram = compute_histogram(pl.Series([1.0, 4.0, 4.0, 1.0, 1.0]))
    assert histogram.edges == (1.0, 2.0, 4.0)
    assert histogram.counts == (3, 2)
    assert histogram.sums == (3.0, 8.0)


def test_histogram_constant_weights() -> None:
    histogram = compute_histogram(pl.Series([2.5, 2.5, 0.0]))
    assert histogram.edges == (2.5, 2.5)
    assert histogram.counts == (2,)
    assert histogram.sums == (5.0,)
    assert histogram.zeros == 1


def test_histogram_without_positive_weights() -> None:
    histogram = compute_histogram(pl.Series([0.0, -2.0, None], dtype=pl.Float64))
    assert histogram == Histogram(edges=(), counts=(), zeros=1, negatives=1, sums=())


def test_histogram_twelve_bins_at_most() -> None:
    histogram = compute_histogram(pl.Series([float(i) for i in range(1, 1001)]))
    assert len(histogram.counts) == 12
    assert sum(histogram.counts) == 1000
    assert histogram.edges[0] == 1.0
    assert histogram.edges[-1] == 1000.0


def test_histogram_counts_list_elements() -> None:
    histogram = compute_histogram(pl.Series([[1.0, 2.0], [2.0, 0.0], []]))
    assert histogram.counts == (1, 2)
    assert histogram.zeros == 1


def test_bar_lengths() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 80, 10) == "▏"
    assert bar(0, 10, 4) == ""
    assert bar(3, 8, 1) == "▍"


# --- github ----------------------------------------------------------------------------------


def test_github_escape_data() -> None:
    assert escape_data("50% of\r\nrows, a:b") == "50%25 of%0D%0Arows, a:b"


def test_github_escape_property() -> None:
    assert escape_property("dir/a,b:c%.csv") == "dir/a%2Cb%3Ac%25.csv"


def _report(source: str, findings: list[Finding], error: str | None = None) -> Report:
    file_report = FileReport(
        source=source,
        command="check",
        weight_column="weight",
        profile="kumo",
        fail_on="error",
        findings=findings,
        error=error,
    )
    return Report(files=[file_report])


def test_github_one_command_per_finding() -> None:
    findings = [
        Finding("null-weight", "error", "2 weights are null\n(rows 1, 2)", "fill them"),
        Finding("zero-share", "warning", "60% are zero", "check rules"),
        Finding("duplicate-pairs", "info", "3 pairs repeat", "dedupe"),
    ]
    output = render_github(_report("data/a,b:c.csv", findings))
    assert output == (
        "::error file=data/a%2Cb%3Ac.csv,title=weightcli null-weight::"
        "2 weights are null%0A(rows 1, 2)%0Ahint: fill them\n"
        "::warning file=data/a%2Cb%3Ac.csv,title=weightcli zero-share::"
        "60%25 are zero%0Ahint: check rules\n"
        "::notice file=data/a%2Cb%3Ac.csv,title=weightcli duplicate-pairs::"
        "3 pairs repeat%0Ahint: dedupe\n"
    )


def test_github_stdin_has_no_file() -> None:
    output = render_github(_report("<stdin>", [Finding("all-zero", "error", "all zero", "fix")]))
    assert output == "::error title=weightcli all-zero::all zero%0Ahint: fix\n"


def test_github_unreadable_file() -> None:
    output = render_github(_report("x.csv", [], error="input file 'x.csv' not found"))
    assert output == "::error file=x.csv,title=weightcli::input file 'x.csv' not found\n"


def test_github_clean_run_prints_nothing() -> None:
    assert render_github(_report("x.csv", [])) == ""


# --- markdown --------------------------------------------------------------------------------


def test_markdown_cell_escapes() -> None:
    assert cell("a | b\nc \\ d") == "a \\| b<br>c \\\\ d"


def test_markdown_quiet_keeps_findings() -> None:
    report = _report("t.csv", [Finding("zero-share", "warning", "a|b", "h")])
    assert render_markdown(report, quiet=True) == (
        "## weightcli check: `t.csv`\n"
        "\n"
        "**Result:** 1 warning; exit code 0\n"
        "\n"
        "### Findings\n"
        "\n"
        "| level | check | message | hint |\n"
        "| --- | --- | --- | --- |\n"
        "| warning | `zero-share` | a\\|b | h |\n"
    )


# --- format selection and colour ------------------------------------------------------------


def test_report_formats_match_cli() -> None:
    from weightcli.cli import REPORT_FORMATS as CLI_FORMATS

    assert CLI_FORMATS == REPORT_FORMATS == ("text", "json", "markdown", "github")


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("r.json", "json"), ("r.MD", "markdown"), ("r.markdown", "markdown"), ("a/r.txt", "text")],
)
def test_format_for_path(path: str, fmt: str) -> None:
    assert format_for_path(path) == fmt


class _FakeStream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_use_color_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = _FakeStream(True)
    pipe = _FakeStream(False)
    assert use_color("auto", terminal) is True
    assert use_color("auto", pipe) is False
    assert use_color("always", pipe) is True
    assert use_color("never", terminal) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", terminal) is False
    assert use_color("always", pipe) is True
    monkeypatch.setenv("NO_COLOR", "")
    assert use_color("auto", terminal) is True
    monkeypatch.setenv("TERM", "dumb")
    assert use_color("auto", terminal) is False


def _environment(**changes: str | None) -> dict[str, str]:
    environment = dict(os.environ, COLUMNS="100", TERM="xterm-256color")
    environment.pop("NO_COLOR", None)
    for key, value in changes.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return environment


def _run(
    folder: Path, *arguments: str, **environment: str | None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*weightcli_command(), *arguments],
        capture_output=True,
        cwd=folder,
        env=_environment(**environment),
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def _run_on_terminal(folder: Path, *arguments: str, **environment: str | None) -> bytes:
    """Run weightcli with a pseudo-terminal as standard output and return what it printed."""
    master, replica = os.openpty()
    try:
        process = subprocess.Popen(
            [*weightcli_command(), *arguments],
            stdout=replica,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            cwd=folder,
            env=_environment(**environment),
        )
        os.close(replica)
        output = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO on Linux once the child has closed the terminal
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=120)
    finally:
        os.close(master)
    return output


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    _copy_inputs(tmp_path)
    return tmp_path


@pytest.fixture
def in_inputs(inputs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the inputs and make their folder the working directory, for in-process runs."""
    monkeypatch.chdir(inputs)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return inputs


def _invoke(*arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments), catch_exceptions=False)


def test_color_always_in_pipe(inputs: Path) -> None:
    result = _run(inputs, "check", "skewed.csv", "--no-config", "--color", "always")
    assert ESCAPE in result.stdout


def test_color_always_beats_no_color(inputs: Path) -> None:
    result = _run(inputs, "check", "skewed.csv", "--no-config", "--color", "always", NO_COLOR="1")
    assert ESCAPE in result.stdout


def test_color_never_and_pipe_plain(inputs: Path) -> None:
    for arguments in (("--color", "never"), ()):
        result = _run(inputs, "check", "skewed.csv", "--no-config", *arguments)
        assert result.returncode == 0
        assert b"\x1b" not in result.stdout


def test_color_auto_on_terminal(inputs: Path) -> None:
    output = _run_on_terminal(inputs, "check", "skewed.csv", "--no-config")
    assert b"skew-ratio" in output
    assert ESCAPE in output


def test_no_color_on_terminal(inputs: Path) -> None:
    output = _run_on_terminal(inputs, "check", "skewed.csv", "--no-config", NO_COLOR="1")
    assert b"skew-ratio" in output
    assert b"\x1b" not in output


def test_color_never_on_terminal(inputs: Path) -> None:
    output = _run_on_terminal(inputs, "check", "skewed.csv", "--no-config", "--color", "never")
    assert b"skew-ratio" in output
    assert b"\x1b" not in output


def test_report_file_has_no_color(inputs: Path) -> None:
    result = _run(
        inputs, "check", "skewed.csv", "--no-config", "--color", "always", "--report", "r.txt"
    )
    assert ESCAPE in result.stdout
    written = (inputs / "r.txt").read_bytes()
    assert b"\x1b" not in written
    assert b"warning skew-ratio" in written


# --- -q, -v and --report ---------------------------------------------------------------------


def test_quiet_text(inputs: Path) -> None:
    result = _run(inputs, "check", "skewed.csv", "clean.csv", "--no-config", "-q")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert [line.split(":")[0:2] for line in lines] == [
        ["skewed.csv", " warning negative-weight"],
        ["skewed.csv", " warning skew-ratio"],
        ["skewed.csv", " warning low-ess"],
    ]


def test_quiet_clean_prints_nothing(inputs: Path) -> None:
    result = _run(inputs, "check", "clean.csv", "--no-config", "-q")
    assert result.returncode == 0
    assert result.stdout == b""
    assert result.stderr == b""


def test_quiet_markdown(inputs: Path) -> None:
    result = _run(inputs, "check", "skewed.csv", "--no-config", "-q", "--format", "markdown")
    text = result.stdout.decode()
    assert "### Findings" in text
    assert "### Statistics" not in text
    assert "### Histogram" not in text


def test_verbose_timings_check(inputs: Path) -> None:
    result = _run(inputs, "check", "clean.csv", "--no-config", "-v")
    assert re.search(rb"timings: read [0-9.e-]+ s, check [0-9.e-]+ s\n", result.stdout)

    quiet = _run(inputs, "check", "clean.csv", "--no-config")
    assert b"timings" not in quiet.stdout


def test_verbose_timings_json(in_inputs: Path) -> None:
    result = _invoke("apply", "train.csv", "-c", "config.yaml", "-o", "out.parquet", "-v")
    assert result.exit_code == 0
    shown = _invoke("check", "out.parquet", "--no-config", "-v", "--format", "json")
    timings = json.loads(shown.stdout)["files"][0]["timings"]
    assert sorted(timings) == ["check", "read"]
    assert all(value >= 0 for value in timings.values())

    applied = _invoke(
        "apply", "train.csv", "-c", "config.yaml", "--dry-run", "-v", "--format", "json"
    )
    timings = json.loads(applied.stdout)["files"][0]["timings"]
    assert sorted(timings) == ["check", "plan", "read"]

    written = _invoke(
        "apply", "train.csv", "-c", "config.yaml", "-o", "o2.csv", "-v", "--format", "json"
    )
    timings = json.loads(written.stdout)["files"][0]["timings"]
    assert sorted(timings) == ["check", "plan", "read", "write"]

    plain = _invoke("check", "out.parquet", "--no-config", "--format", "json")
    assert json.loads(plain.stdout)["files"][0]["timings"] == {}


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("r.json", '"schema_version": 1'),
        ("r.md", "## weightcli check: `skewed.csv`"),
        ("r.txt", "weightcli check skewed.csv"),
    ],
)
def test_report_file_by_extension(inputs: Path, name: str, marker: str) -> None:
    result = _run(
        inputs, "check", "skewed.csv", "--no-config", "--format", "github", "--report", name
    )
    assert result.returncode == 0
    assert result.stdout.startswith(b"::warning file=skewed.csv,title=weightcli negative-weight::")
    assert marker in (inputs / name).read_text(encoding="utf-8")


def test_report_file_unknown_extension(inputs: Path) -> None:
    result = _run(
        inputs, "apply", "train.csv", "-c", "config.yaml", "-o", "out.csv", "--report", "r.github"
    )
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1
    assert result.stderr.startswith(
        b"weightcli: error: cannot tell the report format of 'r.github'"
    )
    assert not (inputs / "out.csv").exists()
    assert not (inputs / "r.github").exists()


def test_report_file_missing_folder(inputs: Path) -> None:
    result = _run(inputs, "check", "clean.csv", "--no-config", "--report", "no/r.json")
    assert result.returncode == 2
    assert (
        result.stderr == b"weightcli: error: report folder 'no' does not exist; create it first\n"
    )


def test_json_report_keys(in_inputs: Path) -> None:
    result = _invoke("apply", "train.csv", "-c", "config.yaml", "--dry-run", "--format", "json")
    document = json.loads(result.stdout)
    assert list(document) == ["schema_version", "weightcli_version", "exit_code", "files"]
    file_report = document["files"][0]
    assert list(file_report) == [
        "source",
        "command",
        "output",
        "config",
        "profile",
        "task",
        "weight_column",
        "fail_on",
        "exit_code",
        "error",
        "rows_in",
        "rows_out",
        "stats",
        "stages",
        "rules",
        "classes",
        "histogram",
        "findings",
        "provenance",
        "timings",
        "notes",
    ]
    assert list(file_report["histogram"]) == ["edges", "counts", "sums", "zeros", "negatives"]
    assert sum(file_report["histogram"]["counts"]) == 24
    assert sum(file_report["histogram"]["sums"]) == pytest.approx(24.0)


# --- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_golden_apply(in_inputs: Path, fmt: str) -> None:
    result = _invoke("apply", "train.csv", "-c", "config.yaml", "--dry-run", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    # A dry run writes no table, so its report goes to standard output even in a pipe.
    assert result.stderr == ""
    _compare_golden(f"apply.{EXTENSIONS[fmt]}", _normalise(result.stdout))


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_golden_check(in_inputs: Path, fmt: str) -> None:
    result = _invoke(
        "check", "skewed.csv", "clean.csv", "missing.csv", "--no-config", "--format", fmt
    )
    assert result.exit_code == 2
    assert result.stderr == ""
    _compare_golden(f"check.{EXTENSIONS[fmt]}", _normalise(result.stdout))


def test_golden_check_subprocess(inputs: Path) -> None:
    # The installed command prints the same bytes as the in-process run above.
    result = _run(inputs, "check", "skewed.csv", "clean.csv", "missing.csv", "--no-config")
    assert result.returncode == 2
    assert result.stdout.decode() == (GOLDEN / "check.txt").read_text(encoding="utf-8")
