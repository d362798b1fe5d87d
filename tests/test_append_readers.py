"""Parquet files written by DuckDB and Spark get the weight column appended, and the same
engines read the result back with every value of the input."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import RunCli, spark_unavailable


def footer_start(data: bytes) -> int:
    return len(data) - 8 - int.from_bytes(data[-8:-4], "little")


def appended(run_cli: RunCli, source: Path) -> Path:
    target = source.with_name("weighted.parquet")
    result = run_cli("apply", source, "--no-config", "--rule", "g > 3 => 2", "-o", target, "-q")
    assert result.returncode == 0, result.stderr.decode()
    data = source.read_bytes()
    assert target.read_bytes()[: footer_start(data)] == data[: footer_start(data)]
    return target


def test_duckdb_file_round_trip(run_cli: RunCli, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    source = tmp_path / "duck.parquet"
    connection = duckdb.connect()
    connection.execute(
        "COPY (SELECT range AS id, range % 7 AS g, 'x' || (range % 13) AS s, "
        "[range, range + 1] AS l, {'a': range} AS st, "
        "TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (range) SECOND AS ts "
        f"FROM range(30000)) TO '{source}' (FORMAT parquet, ROW_GROUP_SIZE 10000)"
    )

    target = appended(run_cli, source)

    summary = "SELECT count(*), sum(id), count(DISTINCT s), sum(len(l)), sum(st.a), max(ts)"
    expected = connection.execute(f"{summary} FROM '{source}'").fetchall()
    assert connection.execute(f"{summary} FROM '{target}'").fetchall() == expected
    # g > 3 holds for 3 of every 7 ids, and for id 29,999 of the last 5 (29,995 is 7 x 4,285):
    # 12,856 rows of weight 2 and 17,144 of weight 1.
    weights = connection.execute(
        f"SELECT sum(weight), count(*) FILTER (WHERE weight > 1) FROM '{target}'"
    ).fetchall()
    assert weights == [(42_856.0, 12_856)]
    assert pl.read_parquet(target).drop("weight").equals(pl.read_parquet(source))


@pytest.mark.skipif(spark_unavailable() is not None, reason=str(spark_unavailable()))
def test_spark_file_round_trip(run_cli: RunCli, tmp_path: Path) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        frame = spark.range(50_000).select(
            F.col("id"),
            (F.col("id") % 7).alias("g"),
            F.array(F.col("id"), F.col("id") + 1).alias("l"),
            F.struct(F.col("id").alias("a")).alias("st"),
            (F.col("id") * 0.5).cast("decimal(12,2)").alias("price"),
        )
        # Small blocks give several row groups, each with the page index Spark writes.
        frame.coalesce(1).write.option("parquet.block.size", 256 * 1024).parquet(
            str(tmp_path / "spark")
        )
        source = tmp_path / "spark.parquet"
        shutil.copyfile(next((tmp_path / "spark").glob("part-*.parquet")), source)

        target = appended(run_cli, source)

        columns = [
            F.count("*"),
            F.sum("id"),
            F.sum(F.size("l")),
            F.sum("st.a"),
            F.sum("price"),
        ]
        read = spark.read.parquet(str(target))
        expected = spark.read.parquet(str(source)).agg(*columns).collect()
        assert read.agg(*columns).collect() == expected
        assert read.schema["weight"].dataType.simpleString() == "double"
        assert read.filter(F.col("weight") > 1).count() == 21_428
    finally:
        spark.stop()
