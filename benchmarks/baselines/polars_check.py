"""Baseline (d): one bare polars aggregation of the report figures of a weight column.

Usage: python -m benchmarks.baselines.polars_check INPUT [COLUMN]"""

from __future__ import annotations

import sys

import polars as pl

from benchmarks.baselines.figures import stats_dict, stats_exprs
from benchmarks.job import WEIGHT_COLUMN


def main(arguments: list[str]) -> None:
    """Compute the figures of the weight column of INPUT and print the ESS."""
    column = arguments[1] if len(arguments) > 1 else WEIGHT_COLUMN
    row = pl.scan_parquet(arguments[0]).select(stats_exprs(column)).collect(engine="streaming")
    print(stats_dict(row.row(0, named=True))["ess"])


if __name__ == "__main__":
    main(sys.argv[1:])
