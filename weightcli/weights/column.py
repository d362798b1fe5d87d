"""Read an existing weight column for ``check``: parse CSV text explicitly, list junk cells,
flatten list-valued weights into their elements.

A list-valued weight (a List or Array of numbers, as Kumo's link prediction uses for targets
aggregated with ``LIST_DISTINCT``) has one weight per element. A null element is a null
weight. A null list is a null weight too: Kumo drops rows whose weight is null, so the row's
links are lost, and it counts once because its length is unknown. An empty list has no
weights."""

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
    lists: pl.Series | None = None
    """The list-valued column itself, one list per row; None for one weight per row."""
    row_index: pl.Series | None = None
    """0-based table row of each value of ``values`` when the column is list-valued."""
    null_lists: int = 0

    @property
    def list_valued(self) -> bool:
        """Whether each cell contains a list of weights."""
        return self.lists is not None


def is_numeric(dtype: pl.DataType) -> bool:
    """Whether a dtype can hold weights: integer, float or decimal (or all-null)."""
    return dtype.is_numeric() or dtype == pl.Null


def is_numeric_list(dtype: pl.DataType) -> bool:
    """Whether a dtype is a List or Array of numbers (one level deep)."""
    if not isinstance(dtype, pl.List | pl.Array):
        return False
    inner = dtype.inner
    # A dtype built as pl.List(pl.Float64) is the class itself; a schema's dtype is an instance.
    if isinstance(inner, type):
        inner = inner()
    return isinstance(inner, pl.DataType) and is_numeric(inner)


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

    if is_numeric_list(dtype):
        return _read_list_column(frame.get_column(column), str(dtype))
    if not is_numeric(dtype):
        return WeightColumn(values=None, dtype=str(dtype), numeric=False)
    return WeightColumn(
        values=frame.get_column(column).cast(pl.Float64), dtype=str(dtype), numeric=True
    )


def _read_list_column(cells: pl.Series, dtype: str) -> WeightColumn:
    if isinstance(cells.dtype, pl.Array):
        cells = cells.cast(pl.List(cells.dtype.inner))

    # keep_nulls turns a null list into one null value; an empty list yields no value.
    flat = pl.DataFrame({"row": pl.int_range(0, len(cells), eager=True), "weight": cells}).explode(
        "weight", empty_as_null=False, keep_nulls=True
    )
    return WeightColumn(
        values=flat.get_column("weight").cast(pl.Float64),
        dtype=dtype,
        numeric=True,
        lists=cells,
        row_index=flat.get_column("row"),
        null_lists=cells.null_count(),
    )
