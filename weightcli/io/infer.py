"""Column types of a CSV table for typed outputs (Parquet, Arrow IPC, NDJSON).

CSV to CSV keeps every field's text. CSV to a typed format needs real types, so every
column's type is inferred from all of its values (polars' inference over the whole file,
not a sample), then each column is parsed with the same explicit parser the rules use."""

from __future__ import annotations

import polars as pl

from weightcli.io import text
from weightcli.io.read import Table


def _kind(dtype: pl.DataType, head: pl.Series, table: Table) -> text.TextKind:
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "float"
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_temporal():
        # The whole-file inference proved every value is a date or timestamp; the first
        # rows tell which format to parse them with.
        kind = text.decide_kind(head, table.csv)
        if kind not in ("text", "null"):
            return kind
    return "text"


def infer_kinds(table: Table) -> dict[str, text.TextKind]:
    """Return the kind of every column of a CSV table, inferred from the whole file."""
    source = table.data if table.data is not None else table.path
    assert source is not None
    separator = table.csv.separator or ("\t" if table.format == "tsv" else ",")
    frame = pl.scan_csv(
        source,
        separator=separator,
        infer_schema_length=None,
        null_values=list(table.csv.null_values),
        try_parse_dates=True,
        decimal_comma=table.csv.decimal_comma,
    )
    schema = frame.collect_schema()
    temporal = [column for column, dtype in schema.items() if dtype.is_temporal()]
    head = table.frame.select(temporal).head(1000).collect() if temporal else pl.DataFrame()
    empty = pl.Series(dtype=pl.String)
    return {
        column: _kind(dtype, head.get_column(column) if column in temporal else empty, table)
        for column, dtype in schema.items()
    }


def typed_columns(table: Table, kinds: dict[str, text.TextKind]) -> dict[str, pl.Expr]:
    """Return a parse expression per column, for the columns that are not text."""
    return {
        column: text.typed(column, kind, table.csv)
        for column, kind in kinds.items()
        if kind != "text"
    }
