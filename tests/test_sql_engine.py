"""`weightcli apply --engine duckdb|spark`: the same table and findings as the polars engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import spark_unavailable

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def findings(output: bytes) -> list[tuple[str, str]]:
    report = json.loads(output)
    return [(f["check"], f["level"]) for f in report["files"][0]["findings"]]


def test_duckdb_engine_writes_same_table_as_polars(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    config = SAMPLE / "weightcli.yaml"
    flights = SAMPLE / "flights.parquet"
    by_polars = run_cli("apply", flights, "-c", config, "-o", "polars.parquet", "--format", "json")
    by_duckdb = run_cli(
        "apply", flights, "-c", config, "-o", "duckdb.parquet", "--format", "json",
        "--engine", "duckdb",
    )  # fmt: skip

    assert by_duckdb.returncode == by_polars.returncode == 0
    assert by_duckdb.stderr == b""
    expected = pl.read_parquet(tmp_path / "polars.parquet")
    actual = pl.read_parquet(tmp_path / "duckdb.parquet")
    assert actual.schema == expected.schema
    assert actual.drop("weight").equals(expected.drop("weight"))
    np.testing.assert_allclose(
        actual["weight"].to_numpy(), expected["weight"].to_numpy(), rtol=1e-9
    )
    assert findings(by_duckdb.stdout) == findings(by_polars.stdout)

    report = json.loads(by_duckdb.stdout)["files"][0]
    assert report["rows_in"] == report["rows_out"] == 336_776
    # DuckDB sums in parallel in no fixed order, so the last bits of a sum of 336,776 doubles
    # vary between runs. The parity bound for the engines is 1e-9 relative.
    assert report["stats"]["sum"] == pytest.approx(336_776, rel=1e-9)
    assert "engine: duckdb ran the compiled SQL" in report["notes"]


def bad_table(path: Path) -> None:
    pl.DataFrame(
        {
            "id": range(8),
            "x": [1.0, None, -2.0, 3.0, 0.0, 5.0, None, 2.0],
        }
    ).write_parquet(path)


def test_duckdb_engine_same_findings_on_bad_weights(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    bad_table(tmp_path / "bad.parquet")
    arguments = ["apply", "bad.parquet", "--no-config", "--default", "x", "--format", "json"]
    by_polars = run_cli(*arguments, "-o", "p.csv")
    by_duckdb = run_cli(*arguments, "-o", "d.csv", "--engine", "duckdb")

    assert by_duckdb.returncode == by_polars.returncode == 1
    assert findings(by_duckdb.stdout) == findings(by_polars.stdout)
    assert findings(by_duckdb.stdout) == [
        ("null-weight", "error"),
        ("negative-weight", "warning"),
        ("negative-mass", "warning"),
    ]
    polars_null = json.loads(by_polars.stdout)["files"][0]["findings"][0]
    duckdb_null = json.loads(by_duckdb.stdout)["files"][0]["findings"][0]
    assert duckdb_null["message"] == polars_null["message"]
    assert duckdb_null["rows"] == [2, 7]
    # An error finding stops the write, as with the polars engine.
    assert not (tmp_path / "d.csv").exists()
    assert not (tmp_path / "p.csv").exists()


def test_duckdb_engine_on_null_drop_csv(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    bad_table(tmp_path / "bad.parquet")
    result = run_cli(
        "apply", "bad.parquet", "--no-config", "--default", "x", "--on-null", "drop",
        "--clip", "0.5:", "-o", "out.csv", "--engine", "duckdb",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_text() == (
        "id,x,weight\n0,1.0,1.0\n2,-2.0,0.5\n3,3.0,3.0\n4,0.0,0.5\n5,5.0,5.0\n7,2.0,2.0\n"
    )


def test_duckdb_engine_rejects_csv_input(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "t.csv").write_text("a\n1\n")
    result = run_cli("apply", "t.csv", "--no-config", "-o", "o.csv", "--engine", "duckdb")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "weightcli: error: input 't.csv' is not a Parquet file; --engine duckdb reads "
        "Parquet files; use --engine polars for other inputs\n"
    )
    assert not (tmp_path / "o.csv").exists()


def test_duckdb_engine_guard_error_is_one_line(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    pl.DataFrame({"cls": ["a", None, "b"]}).write_parquet(tmp_path / "t.parquet")
    (tmp_path / "w.yaml").write_text('balance: {column: cls, "null": error}\n')
    result = run_cli("apply", "t.parquet", "-c", "w.yaml", "-o", "o.parquet", "--engine", "duckdb")
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("weightcli: error: balance.column 'cls' has null values")
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.skipif(spark_unavailable() is not None, reason=str(spark_unavailable()))
def test_spark_engine_matches_polars(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    rows = 400
    pl.DataFrame(
        {
            "id": np.arange(rows),
            "x": rng.lognormal(0.0, 1.0, rows),
            "cls": rng.choice(["a", "b", "c"], rows, p=[0.7, 0.2, 0.1]),
        }
    ).write_parquet(tmp_path / "t.parquet")
    (tmp_path / "w.yaml").write_text(
        "default: x\n"
        "rules: [{when: \"cls = 'a'\", weight: 'x * 2'}]\n"
        "balance: {column: cls, power: 0.5}\n"
        "clip: {min: 0.1, max_quantile: 0.95}\n"
        "normalize: mean\n"
    )
    base = ["apply", "t.parquet", "-c", "w.yaml", "--format", "json"]
    by_polars = run_cli(*base, "-o", "p.parquet")
    by_spark = run_cli(*base, "-o", "s.parquet", "--engine", "spark")

    assert by_spark.returncode == by_polars.returncode == 0, by_spark.stderr[-2000:]
    expected = pl.read_parquet(tmp_path / "p.parquet")
    actual = pl.read_parquet(tmp_path / "s.parquet")
    assert actual.drop("weight").equals(expected.drop("weight"))
    np.testing.assert_allclose(
        actual["weight"].to_numpy(), expected["weight"].to_numpy(), rtol=1e-9
    )
    assert findings(by_spark.stdout) == findings(by_polars.stdout)
