"""Baseline (b): hand-written polars computing only the weights, without any report.

A streaming pre-pass computes the mean weight; a streaming ``sink_parquet`` writes the table
with the normalised weight column.

Usage: python -m benchmarks.baselines.polars_weights INPUT OUTPUT"""

from __future__ import annotations

import sys

import polars as pl

from benchmarks.job import WEIGHT_COLUMN, raw_weight


def main(arguments: list[str]) -> None:
    """Weight INPUT into OUTPUT."""
    source, destination = arguments[0], arguments[1]
    table = pl.scan_parquet(source)
    mean = table.select(raw_weight().mean()).collect(engine="streaming").item()
    table.with_columns((raw_weight() / mean).alias(WEIGHT_COLUMN)).sink_parquet(
        destination, engine="streaming"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
