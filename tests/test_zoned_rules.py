"""Rules on timestamps with a time zone compare their UTC wall time with TIMESTAMP literals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from conftest import RunCli

PARIS = "Europe/Paris"
# Weight 3 from midnight UTC on 1 January 2023.
FROM_MIDNIGHT = "ts >= TIMESTAMP '2023-01-01 00:00:00' => 3"


def zoned_table(path: Path) -> Path:
    # 00:30 in Paris in winter is 23:30 UTC the day before; 02:00 in Paris is 01:00 UTC.
    stamps = [dt.datetime(2023, 1, 1, 0, 30), dt.datetime(2023, 1, 1, 2, 0)]
    frame = pl.DataFrame({"ts": stamps, "x": [1, 2]}).with_columns(
        pl.col("ts").dt.replace_time_zone(PARIS)
    )
    frame.write_parquet(path)
    return path


def test_parquet_zone_compares_in_utc(run_cli: RunCli, tmp_path: Path) -> None:
    source = zoned_table(tmp_path / "in.parquet")
    target = tmp_path / "out.parquet"

    result = run_cli("apply", source, "--no-config", "--rule", FROM_MIDNIGHT, "-o", target, "-q")

    assert result.returncode == 0, result.stderr.decode()
    written = pl.read_parquet(target)
    assert written.get_column("weight").to_list() == [1.0, 3.0]
    # The column keeps its time zone: it is copied, not parsed.
    assert written.schema["ts"] == pl.Datetime("us", PARIS)
    assert written.drop("weight").equals(pl.read_parquet(source))


def test_csv_offsets_compare_in_utc(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("ts,x\n2023-01-01T00:30:00+01:00,1\n2023-01-01T02:00:00+01:00,2\n")

    result = run_cli("apply", source, "--no-config", "--rule", FROM_MIDNIGHT, "-o", "-", "-q")

    assert result.returncode == 0, result.stderr.decode()
    # CSV to CSV keeps the text of the timestamps.
    assert result.stdout == (
        b"ts,x,weight\n2023-01-01T00:30:00+01:00,1,1.0\n2023-01-01T02:00:00+01:00,2,3.0\n"
    )


def test_decay_on_a_zoned_column(run_cli: RunCli, tmp_path: Path) -> None:
    source = zoned_table(tmp_path / "in.parquet")

    result = run_cli(
        "apply",
        source,
        "--no-config",
        "--rule",
        "ts > TIMESTAMP '2000-01-01 00:00:00' => 1",
        "--decay",
        "ts:1d",
        "--decay-reference",
        "2023-01-02T01:00:00Z",
        "-o",
        "-",
        "--output-format",
        "csv",
        "-q",
    )

    assert result.returncode == 0, result.stderr.decode()
    weights = [float(line.split(b",")[-1]) for line in result.stdout.splitlines()[1:]]
    # Ages of 25.5 and 24 hours with a half-life of one day.
    assert weights == [0.5 ** (25.5 / 24), 0.5 ** (24 / 24)]
