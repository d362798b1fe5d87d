"""Read an existing weight column for ``check``: parse CSV text explicitly, list junk cells."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from weightcli.io import text
from weightcli.io.read import Table
from weightcli.stats import EXAMPLE_ROWS

NUMERIC_NAMES = "integer, float or decimal"


@dataclass(frozen=True)
class WeightColumn:
    """The weight column as Float64 values, or why it is not numeric."""

    values: pl.Series | None
    dtype: str
    numeric: bool
    invalid: tuple[tuple[int, str], ...] = ()
    invalid_count: int = 0


def is_numeric(dtype: pl.DataType) -> bool:
    """Whether a dtype can hold weights: integer, float or decimal (or all-null)."""
    return dtype.is_numeric() or dtype == pl.Null


def read_weight_column(table: Table, column: str, frame: pl.DataFrame) -> WeightColumn:
    """Parse ``column`` of the collected ``frame`` (a projection of ``table``)."""
    dtype = table.schema[column]
    if table.text:
        cells = frame.select(
            text.number(column, table.csv).alias("value"),
            text.invalid_number(column, table.csv).alias("invalid"),
            pl.col(column).alias("raw"),
        )
        invalid = cells.filter(pl.col("invalid"))
        examples = tuple(
            (int(row) + 1, str(raw))
            for row, raw in zip(
                cells.get_column("invalid").arg_true().head(EXAMPLE_ROWS),
                invalid.get_column("raw").head(EXAMPLE_ROWS),
                strict=True,
            )
        )
        return WeightColumn(
            values=cells.get_column("value"),
            dtype="text",
            numeric=True,
            invalid=examples,
            invalid_count=len(invalid),
        )

    if not is_numeric(dtype):
        return WeightColumn(values=None, dtype=str(dtype), numeric=False)
    return WeightColumn(
        values=frame.get_column(column).cast(pl.Float64), dtype=str(dtype), numeric=True
    )
