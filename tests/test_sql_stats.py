"""The statistics query and `check --stats`: the same figures and findings as a local check."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from weightcli.errors import InputError  # noqa: E402
from weightcli.sql.dialects import DIALECTS  # noqa: E402
from weightcli.sql.statistics import (  # noqa: E402
    compile_statistics,
    read_statistics,
    statistics_from_row,
)
from weightcli.stats import compute_stats  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden_sql"
UPDATE = os.environ.get("WEIGHTCLI_UPDATE_GOLDEN") == "1"


def duckdb_row(frame: pl.DataFrame, column: str = "weight") -> dict[str, object]:
    connection = duckdb.connect()
    connection.register("weighted", frame.to_arrow())
    cursor = connection.execute(compile_statistics("weighted", column, "duckdb"))
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def skewed_weights() -> pl.Series:
    rng = np.random.default_rng(7)
    values: list[float | None] = [float(v) for v in rng.lognormal(0.0, 2.0, 1000)]
    values[:5] = [0.0] * 5
    values[5:9] = [-1.5] * 4
    values += [None, float("nan"), float("inf")]
    return pl.Series("weight", values, dtype=pl.Float64)


def test_statistics_match_local_figures() -> None:
    weights = skewed_weights()
    expected = compute_stats(weights)
    actual, notes = statistics_from_row(duckdb_row(pl.DataFrame({"weight": weights})), "row")

    assert notes == []
    for name in ("rows", "nulls", "non_finite", "nan", "zeros", "negatives", "positives"):
        assert getattr(actual, name) == getattr(expected, name), name
    assert (actual.rows, actual.nulls, actual.non_finite, actual.nan) == (1003, 1, 2, 1)
    for name in (
        "sum",
        "mean",
        "std",
        "min",
        "max",
        "cv",
        "positive_sum",
        "negative_sum",
        "ess",
        "ess_ratio",
        "skew_ratio",
        "top1_share",
        "max_median_ratio",
        "design_effect",
    ):
        assert getattr(actual, name) == pytest.approx(getattr(expected, name), rel=1e-9), name
    for name, value in expected.quantiles.items():
        assert actual.quantiles[name] == pytest.approx(value, rel=1e-9), name


def test_statistics_of_empty_table() -> None:
    frame = pl.DataFrame({"weight": pl.Series([], dtype=pl.Float64)})
    stats, _ = statistics_from_row(duckdb_row(frame), "row")
    assert stats.rows == 0
    assert stats.sum is None
    assert stats.ess is None
    assert stats.quantiles["p50"] is None


def test_top_share_counts_ceil_of_one_percent() -> None:
    # 150 positive rows: the top 1% is ceil(1.5) = 2 rows, 100 + 50 of a total of 298.
    values = [100.0, 50.0, *([1.0] * 148)]
    stats, _ = statistics_from_row(duckdb_row(pl.DataFrame({"weight": values})), "row")
    assert stats.top1_share == pytest.approx(150 / 298, rel=1e-15)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_statistics_query_parses_back(dialect: str) -> None:
    sql = compile_statistics("analytics.weighted", "WEIGHT", dialect)
    assert sqlglot.parse_one(sql, read=dialect) is not None
    path = GOLDEN / f"checks.{dialect}.sql"
    if UPDATE:
        path.write_text(sql + ";\n")
    assert sql + ";\n" == path.read_text()


def test_bigquery_quantiles_marked_approximate() -> None:
    sql = compile_statistics("t", "weight", "bigquery")
    assert sql.startswith("-- bigquery has no exact quantile function")
    assert "APPROX_QUANTILES(`w`, 100)[OFFSET(99)] AS `p99_approx`" in sql
    assert "`max_median_ratio_approx`" in sql


def write_row(path: Path, row: dict[str, object], kind: str) -> None:
    if kind == "csv":
        with path.open("w", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(row))
            writer.writeheader()
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    elif kind == "json":
        path.write_text(json.dumps([row]))
    else:
        # Upper-case names and one object per line, as some warehouses export.
        path.write_text(json.dumps({k.upper(): v for k, v in row.items()}) + "\n")


@pytest.mark.parametrize("kind", ["csv", "json", "ndjson"])
def test_check_stats_matches_local_check(tmp_path: Path, run_cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    weights = skewed_weights()
    table = tmp_path / "weighted.parquet"
    pl.DataFrame({"weight": weights}).write_parquet(table)
    stats_file = tmp_path / f"stats.{'csv' if kind == 'csv' else 'json'}"
    write_row(stats_file, duckdb_row(pl.DataFrame({"weight": weights})), kind)

    local = run_cli("check", table, "--no-config", "--format", "json")
    remote = run_cli("check", "--stats", stats_file, "--no-config", "--format", "json")

    assert remote.stderr == b""
    assert remote.returncode == local.returncode == 1
    local_findings = json.loads(local.stdout)["files"][0]["findings"]
    remote_findings = json.loads(remote.stdout)["files"][0]["findings"]
    assert [(f["check"], f["level"]) for f in remote_findings] == [
        (f["check"], f["level"]) for f in local_findings
    ]
    assert [f["check"] for f in remote_findings] == [
        "null-weight",
        "non-finite",
        "negative-weight",
        "skew-ratio",
        "low-ess",
    ]
    for mine, theirs in zip(remote_findings, local_findings, strict=True):
        assert mine["value"] == pytest.approx(theirs["value"], rel=1e-9)


def test_check_stats_clean_row_exits_zero(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    stats_file = tmp_path / "stats.json"
    row = duckdb_row(pl.DataFrame({"weight": [1.0, 2.0, 1.5, 0.5]}))
    stats_file.write_text(json.dumps(row))
    result = run_cli("check", "--stats", stats_file, "--no-config")
    assert result.returncode == 0
    assert b"No findings." in result.stdout


def test_check_stats_missing_column(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    stats_file = tmp_path / "stats.csv"
    stats_file.write_text("rows,nulls\n10,0\n")
    result = run_cli("check", "--stats", stats_file, "--no-config")
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"weightcli: error: statistics file '{stats_file}' has no column 'non_finite'"
    )


def test_check_stats_with_inputs_rejected(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "table.parquet", "--stats", "stats.csv", "--no-config")
    assert result.returncode == 2
    assert b"either INPUT tables or --stats FILE" in result.stderr


def test_check_without_inputs_is_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--no-config")
    assert result.returncode == 2
    assert b"Missing argument 'INPUT...'" in result.stderr


def test_read_statistics_two_rows_rejected(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    path.write_text("[{}, {}]")
    with pytest.raises(InputError) as raised:
        read_statistics(path)
    assert "has 2 rows, expected exactly one" in str(raised.value)


def test_approximate_columns_read_with_note(tmp_path: Path) -> None:
    row = duckdb_row(pl.DataFrame({"weight": [1.0, 2.0, 3.0]}))
    renamed = {
        (k + "_approx" if k.startswith("p") and k[1:].isdigit() else k): v for k, v in row.items()
    }
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(renamed))
    stats, notes = read_statistics(path)
    assert stats.quantiles["p50"] == 2.0
    assert notes == [
        "statistics: the engine has no exact quantile function, so p1, p5, p25, p50, p75, "
        "p95, p99 are approximate"
    ]


def test_sql_command_prints_statement(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = Path(__file__).resolve().parent.parent / "sample_data" / "weightcli.yaml"
    result = run_cli("sql", "-c", config, "--table", "flights", "--dialect", "spark")
    assert result.returncode == 0
    assert result.stderr == b""
    text = result.stdout.decode()
    assert text == (GOLDEN / "flights.spark.sql").read_text()

    checks = run_cli("sql", "--no-config", "--table", "t", "--checks", "--dialect", "duckdb")
    assert checks.returncode == 0
    assert checks.stdout.decode().rstrip().endswith(";")
