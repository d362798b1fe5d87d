"""How figures read in the text report and check messages, and the rows line of a dry run."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
from pathlib import Path

import polars as pl
import pytest
from conftest import weightcli_command

from weightcli.checks.format import figure, fmt, pct, rows_text
from weightcli.config.model import Clip
from weightcli.report.model import FileReport, Finding, Histogram, Report, Stats
from weightcli.report.summary import edge, rows_summary, timings_summary
from weightcli.report.text import render_text
from weightcli.weights.stages import fit_clip, fit_normalize


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "n/a"),
        # Integers are exact, with separators from 1,000 up.
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (336776, "336,776"),
        (-1234567, "-1,234,567"),
        (10**18, "1,000,000,000,000,000,000"),
        # Floats below 1e6 keep 6 significant digits, with separators.
        (1.0, "1"),
        (0.716512345, "0.716512"),
        (76261.93, "76,261.9"),
        (273354.6, "273,355"),
        (336776.00001, "336,776"),
        (470022.0, "470,022"),
        (1234.5, "1,234.5"),
        (-76261.93, "-76,261.9"),
        (999999.4, "999,999"),
        # A float that rounds to 1e6 or more is the whole number, never 1e+06.
        (999999.5, "1,000,000"),
        (999999.7, "1,000,000"),
        (-999999.7, "-1,000,000"),
        (9975215.6, "9,975,216"),
        (-9975215.6, "-9,975,216"),
        (123456789012.4, "123,456,789,012"),
        (999999999999999.0, "999,999,999,999,999"),
        # From 1e15 on, and below 1e-4, floats keep exponent form.
        (999999999999999.8, "1e+15"),
        (1e15, "1e+15"),
        (2.0**53, "9.0072e+15"),
        (-3.5e20, "-3.5e+20"),
        (1.2e-7, "1.2e-07"),
        (-1.2e-7, "-1.2e-07"),
        (0.0001, "0.0001"),
        (0.000099999995, "0.0001"),
        (0.00001234567, "1.23457e-05"),
        # Zero of either sign is 0, and the non-finite values have fixed names.
        (0.0, "0"),
        (-0.0, "0"),
        (math.nan, "NaN"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_fmt_exact_strings(value: float | int | None, expected: str) -> None:
    assert fmt(value) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1.34187, 4, "1.342"),
        (1234.5, 4, "1,234"),
        (9999.7, 4, "10,000"),
        (12345.6, 4, "12,346"),
        (4987608.0, 4, "4,987,608"),
        (12.5, 3, "12.5"),
        (999.7, 3, "1,000"),
        (1e-9, 3, "1e-09"),
    ],
)
def test_figure_digits(value: float, digits: int, expected: str) -> None:
    assert figure(value, digits) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "0%"),
        (0.256, "25.6%"),
        (0.00705, "0.705%"),
        (1e-7, "1e-05%"),
        (1.0, "100%"),
        (0.999, "99.9%"),
        # A share that falls short of 1 never reads 100%.
        (0.999881, "99.99%"),
        (0.9995, "99.95%"),
        (0.99999999, "99.999999%"),
        (1.00001, "100.001%"),
        (12.5, "1,250%"),
        (9.997, "1,000%"),
        (-0.0534, "-5.34%"),
        (math.nan, "NaN%"),
    ],
)
def test_pct_exact_strings(share: float, expected: str) -> None:
    assert pct(share) == expected


def test_histogram_edge_separators() -> None:
    assert edge(0.71651) == "0.7165"
    assert edge(292.4) == "292.4"
    assert edge(5000.0) == "5,000"
    assert edge(1579.2) == "1,579"
    assert edge(4987608.0) == "4,987,608"


def test_timings_separators() -> None:
    assert timings_summary({"write": 1234.56, "read": 0.01234}) == "read 0.0123 s, write 1,235 s"


def test_row_numbers_have_no_separators() -> None:
    # Row numbers are listed with commas between them, so separators would be ambiguous.
    assert rows_text([1234, 56789], 5000) == "rows 1234, 56789 and 4,998 more"
    assert rows_text([12345], 1) == "row 12345"


def test_clip_detail_and_notes() -> None:
    fitted, _ = fit_clip(Clip(max=2_500_000.0, min=0.5), pl.Series([0.25, 1.0, 3e6]))

    assert fitted.detail == "min 0.5, max 2,500,000"
    assert fitted.notes == ["clip: lowered 1 row to 2,500,000", "clip: raised 1 row to 0.5"]


def test_clip_redistribution_figures() -> None:
    fitted, _ = fit_clip(Clip(max=2_500_000.0, redistribute=True), pl.Series([1.0, 1.0, 3e6, 4e6]))

    # 2,000,000 of mass moves onto two rows of weight 1, which scales them by 1,000,001.
    assert fitted.detail == "max 2,500,000; redistributed over untrimmed rows (factor 1,000,001)"
    assert fitted.notes == [
        "clip: trimmed 2 rows to 2,500,000 and moved 2,000,000 of weight mass to the other rows"
    ]


def test_normalize_scale_detail() -> None:
    assert fit_normalize("mean", pl.Series([1e6, 2e6])).detail == "mean, scale 6.66667e-07"
    assert fit_normalize("sum", pl.Series([1250.0])).detail == "sum, scale 0.0008"


def _file_report(command: str, output: str | None) -> FileReport:
    return FileReport(
        source="big.csv",
        command=command,
        weight_column="weight",
        profile="kumo",
        fail_on="error",
        output=output,
        rows_in=20000,
        rows_out=19500 if command == "apply" else None,
    )


def test_rows_summary_written() -> None:
    assert rows_summary(_file_report("apply", "out.csv")) == "20,000 in, 19,500 out"


def test_rows_summary_not_written() -> None:
    assert rows_summary(_file_report("apply", None)) == "20,000 in, 19,500 would be written"


def test_rows_summary_check() -> None:
    assert rows_summary(_file_report("check", None)) == "20,000 in"


def _big_stats() -> Stats:
    return Stats(
        rows=1200,
        nulls=0,
        non_finite=0,
        nan=0,
        zeros=0,
        negatives=0,
        positives=1200,
        sum=4988207.5,
        positive_sum=4988207.5,
        negative_sum=0.0,
        mean=4156.839583,
        std=143920.4,
        min=0.5,
        max=4987608.0,
        cv=34.62245,
        ess=1.000240,
        ess_ratio=0.000833534,
        skew_ratio=9975216.0,
        top1_share=0.999881,
        max_median_ratio=9975216.0,
        design_effect=1199.714,
        quantiles={"p50": 0.5, "p99": 0.5},
    )


def test_text_report_figures() -> None:
    report = _file_report("check", None)
    report.rows_in = 1200
    report.stats = _big_stats()
    report.histogram = Histogram(
        edges=(0.5, 1579.2, 4987608.0),
        counts=(1199, 1),
        zeros=0,
        negatives=0,
        sums=(599.5, 4987608.0),
    )
    report.findings = [
        Finding(
            check="skew-ratio",
            level="warning",
            message="the largest positive weight is 9,975,216 times the smallest",
            hint="clip the weights",
            value=9975216.0,
            threshold=1000.0,
        )
    ]
    stream = io.StringIO()
    render_text(Report(files=[report]), stream=stream, color="never")
    text = stream.getvalue()
    lines = text.splitlines()

    assert "e+0" not in text
    assert lines[2] == "  rows: 1,200 in"
    assert "rows         1,200   sum        4,988,208   min                    0.5" in lines
    assert "nulls            0   mean        4,156.84   max              4,987,608" in lines
    assert "non-finite       0   std          143,920   max/min (pos.)   9,975,216" in lines
    assert "positives    1,200   ESS/rows     0.0834%   design effect     1,199.71" in lines
    assert "negatives        0   ESS          1.00024   top 1% share        99.99%" in lines
    assert "  0.5       1,579   ██████████████████████████████   1,199     99.9%     0.012%" in (
        lines
    )
    assert (
        "warning skew-ratio: the largest positive weight is 9,975,216 times the smallest "
        "[value 9,975,216, threshold 1,000]"
    ) in lines


def test_many_files_summary_line() -> None:
    reports = [_file_report("check", None) for _ in range(1200)]
    stream = io.StringIO()
    render_text(Report(files=reports), stream=stream, color="never")
    assert stream.getvalue().splitlines()[-1] == (
        "1,200 files checked, 0 with findings at fail_on or errors"
    )


def _run(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*weightcli_command(), *arguments],
        capture_output=True,
        text=True,
        cwd=folder,
        env=dict(os.environ, NO_COLOR="1", COLUMNS="100"),
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def _skewed_table(folder: Path) -> None:
    lines = ["id,weight", *[f"{i},0.5" for i in range(1, 1200)], "1200,4987608"]
    (folder / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_check_message_figures(tmp_path: Path) -> None:
    _skewed_table(tmp_path)
    result = _run(tmp_path, "check", "big.csv", "--no-config")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (
        "warning skew-ratio: the largest positive weight is 9,975,216 times the smallest, "
        "above the maximum 1,000 [value 9,975,216, threshold 1,000]"
    ) in result.stdout.splitlines()
    assert (
        "warning top-share: the top 1% of rows carry 99.99% of the positive weight mass, "
        "above the maximum 50% [value 0.999881, threshold 0.5]"
    ) in result.stdout.splitlines()


def test_json_keeps_full_precision(tmp_path: Path) -> None:
    _skewed_table(tmp_path)
    result = _run(tmp_path, "check", "big.csv", "--no-config", "--format", "json")

    stats = json.loads(result.stdout)["files"][0]["stats"]
    assert stats["sum"] == 4988207.5
    assert stats["skew_ratio"] == 9975216.0


def test_dry_run_rows_line(tmp_path: Path) -> None:
    lines = ["id,TARGET", *[f"{i},{i % 2}" for i in range(1, 1201)]]
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = sorted(path.name for path in tmp_path.iterdir())

    result = _run(
        tmp_path, "apply", "train.csv", "--no-config", "--rule", "TARGET = 1 => 5", "--dry-run"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2] == "  rows: 1,200 in, 1,200 would be written"
    assert "  note: dry run: no table written" in result.stdout.splitlines()
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_written_rows_line(tmp_path: Path) -> None:
    lines = ["id,TARGET", *[f"{i},{i % 2}" for i in range(1, 1201)]]
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = _run(
        tmp_path, "apply", "train.csv", "--no-config", "--rule", "TARGET = 1 => 5", "-o", "out.csv"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2] == "  rows: 1,200 in, 1,200 out"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") == 1201
