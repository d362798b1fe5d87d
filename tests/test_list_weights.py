"""List-valued weight columns: statistics over the elements, table rows in examples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import weightcli
from weightcli.report.model import FileReport
from weightcli.stats import QUANTILES, quantile_name

SAMPLE_LINK_TABLE = Path(__file__).resolve().parent.parent / "sample_data" / "flights_link.parquet"


def check_one(frame: pl.DataFrame, **config: object) -> FileReport:
    return weightcli.check(frame, config).files[0]


def test_list_stats_match_numpy() -> None:
    weights = [[1.0, 2.5], [4.0], [], [0.5, 8.0, 3.0], [2.0, 2.0]]
    report = check_one(pl.DataFrame({"weight": weights}))
    flat = np.array([value for row in weights for value in row])
    stats = report.stats
    assert stats is not None

    assert stats.rows == 5
    assert stats.elements == 8
    assert stats.positives == 8
    assert stats.nulls == 0
    assert stats.sum == pytest.approx(float(flat.sum()), rel=1e-12)
    assert stats.mean == pytest.approx(float(flat.mean()), rel=1e-12)
    assert stats.std == pytest.approx(float(flat.std()), rel=1e-12)
    assert stats.min == 0.5
    assert stats.max == 8.0
    for q in QUANTILES:
        expected = float(np.quantile(flat, q))
        assert stats.quantiles[quantile_name(q)] == pytest.approx(expected, rel=1e-12)
    ess = flat.sum() ** 2 / np.square(flat).sum()
    assert stats.ess == pytest.approx(ess, rel=1e-12)
    assert stats.ess_ratio == pytest.approx(ess / 8, rel=1e-12)
    assert stats.skew_ratio == 16.0
    assert report.findings == []


def test_scalar_weights_have_no_element_count() -> None:
    report = check_one(pl.DataFrame({"weight": [1.0, 2.0]}))
    assert report.stats is not None
    assert report.stats.elements is None
    assert report.stats.rows == 2


def test_array_weights_are_flattened() -> None:
    frame = pl.DataFrame({"weight": [[1, 2], [3, 4]]}, schema={"weight": pl.Array(pl.Int32, 2)})
    stats = check_one(frame).stats
    assert stats is not None
    assert stats.rows == 2
    assert stats.elements == 4
    assert stats.sum == 10.0


def test_null_list_and_null_element() -> None:
    # Row 2's whole list is null (one null weight); row 4 contains one null element.
    frame = pl.DataFrame({"weight": [[1.0, 2.0], None, [3.0], [None, 4.0]]})
    report = check_one(frame)
    stats = report.stats
    assert stats is not None
    assert stats.rows == 4
    assert stats.elements == 6
    assert stats.nulls == 2
    assert stats.sum == 10.0

    [finding] = report.findings
    assert finding.check == "null-weight"
    assert finding.rows == (2, 4)
    assert finding.message == (
        "2 of 6 weights are null (rows 2, 4; 1 of them are whole null lists); "
        "Kumo drops rows whose weight is null"
    )


def test_negative_examples_are_table_rows() -> None:
    # Rows 2 and 4 hold three negative elements; row 2 must be named once.
    frame = pl.DataFrame({"weight": [[1.0, 1.0], [-1.0, -2.0], [1.0], [-1.0, 5.0]]})
    report = check_one(frame)
    negative = [f for f in report.findings if f.check == "negative-weight"]
    assert len(negative) == 1
    assert negative[0].rows == (2, 4)
    assert negative[0].message.startswith(
        "3 of 7 weights are negative (rows 2, 4); min -2, 42.9% of list elements, "
    )


def test_negative_rows_counted_once_past_cap() -> None:
    # Twelve rows each holding two negative elements: ten rows shown, two more rows.
    frame = pl.DataFrame({"weight": [[-1.0, -1.0, 30.0]] * 12})
    report = check_one(frame)
    [negative] = [f for f in report.findings if f.check == "negative-weight"]
    assert negative.rows == tuple(range(1, 11))
    assert "(rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more)" in negative.message


def test_zero_share_counts_elements() -> None:
    frame = pl.DataFrame({"weight": [[0.0, 0.0, 1.0], [0.0]]})
    report = check_one(frame)
    [zero] = [f for f in report.findings if f.check == "zero-share"]
    assert zero.value == 0.75
    assert zero.message == (
        "75% of list elements have a zero weight (3 of 4), above the maximum 50%"
    )


def test_list_of_strings_is_non_numeric() -> None:
    report = check_one(pl.DataFrame({"weight": [["a"], ["b"]]}))
    [finding] = report.findings
    assert finding.check == "non-numeric"
    assert finding.value == "List(String)"


def test_sample_link_table_cli(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "check",
        SAMPLE_LINK_TABLE,
        "--no-config",
        "--task",
        "temporal_link_prediction",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(result.stdout)
    [file_report] = document["files"]
    assert file_report["findings"] == []
    assert file_report["classes"] == []

    flat = pl.read_parquet(SAMPLE_LINK_TABLE).get_column("weight").explode().to_numpy()
    stats = file_report["stats"]
    assert stats["rows"] == 34_735
    assert stats["elements"] == 155_548
    assert stats["sum"] == 302_038.0
    assert stats["max"] == 44.0
    assert stats["min"] == 1.0
    assert stats["mean"] == pytest.approx(float(flat.mean()), rel=1e-12)
    assert stats["std"] == pytest.approx(float(flat.std()), rel=1e-12)
    assert stats["quantiles"]["p99"] == float(np.quantile(flat, 0.99))


def test_sample_link_table_aligned() -> None:
    table = pl.read_parquet(SAMPLE_LINK_TABLE)
    assert table.columns == ["ENTITY", "ANCHOR_TIMESTAMP", "TARGET", "weight"]
    lengths = table.select(
        (pl.col("TARGET").list.len() == pl.col("weight").list.len()).all().alias("aligned"),
        (pl.col("TARGET").list.sort() == pl.col("TARGET")).all().alias("sorted"),
        (pl.col("TARGET").list.n_unique() == pl.col("TARGET").list.len()).all().alias("distinct"),
    )
    assert lengths.row(0) == (True, True, True)
    assert table.select(pl.struct("ENTITY", "ANCHOR_TIMESTAMP").is_unique().all()).item()
