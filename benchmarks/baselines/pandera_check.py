"""Baseline (e): a pandera schema (polars backend) that validates the weight column.

The schema checks what weightcli's error-level checks check: present, Float64, no nulls,
every value finite and non-negative, and not every value zero. It computes no statistics.

Usage: python -m benchmarks.baselines.pandera_check INPUT [COLUMN]"""

from __future__ import annotations

import sys

import pandera.polars as pa
import polars as pl

from benchmarks.job import WEIGHT_COLUMN


def schema(column: str) -> pa.DataFrameSchema:
    """Return the schema of a valid weight column."""
    return pa.DataFrameSchema(
        {
            column: pa.Column(
                pl.Float64,
                nullable=False,
                checks=[
                    pa.Check.ge(0),
                    pa.Check(lambda data: data.lazyframe.select(pl.col(data.key).is_finite())),
                    pa.Check(lambda data: data.lazyframe.select((pl.col(data.key) != 0).any())),
                ],
            )
        }
    )


def main(arguments: list[str]) -> None:
    """Validate the weight column of INPUT; exit 1 when it is invalid."""
    column = arguments[1] if len(arguments) > 1 else WEIGHT_COLUMN
    frame = pl.scan_parquet(arguments[0]).select(column).collect(engine="streaming")
    try:
        schema(column).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main(sys.argv[1:])
