"""Column types of a CSV table for typed outputs (Parquet, Arrow IPC, NDJSON).

CSV to CSV keeps every field's text. CSV to a typed format needs real types, so every
column's type is decided from all of its values, never from a sample, and each column is then
parsed with the same explicit parser the rules use.

Numbers and booleans come from polars' inference over the whole file. Dates and timestamps do
not, because polars' date inference tries many formats on every value and is many times
slower than its number inference. A text column is instead a date or timestamp when every
one of its values parses with one of the formats weightcli reads. Two streaming passes find
these columns: one counts the values that start like a date, and the next parses only the
columns whose values all do, with the format their first rows suggest."""

from __future__ import annotations

import polars as pl

from weightcli.io import text
from weightcli.io.read import Table

# An integer written with a leading zero, such as 007 or -01, but not 0 itself.
LEADING_ZERO = r"^[+-]?0\d"


def _kind(dtype: pl.DataType) -> text.TextKind:
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "float"
    if dtype == pl.Boolean:
        return "bool"
    return "text"


def infer_kinds(table: Table) -> dict[str, text.TextKind]:
    """Return the kind of every column of a CSV table, decided from the whole file."""
    source = table.data if table.data is not None else table.path
    assert source is not None
    separator = table.csv.separator or ("\t" if table.format == "tsv" else ",")
    frame = pl.scan_csv(
        source,
        separator=separator,
        infer_schema_length=None,
        null_values=list(table.csv.null_values),
        decimal_comma=table.csv.decimal_comma,
    )
    kinds = {column: _kind(dtype) for column, dtype in frame.collect_schema().items()}
    texts = [column for column, kind in kinds.items() if kind == "text"]
    integers = [column for column, kind in kinds.items() if kind == "int"]
    present, dated, padded = _counts(table, texts, integers)
    # Codes such as 00998 (postal codes, account numbers) would lose their zeros as integers.
    kinds.update({column: "text" for column in integers if padded[column]})
    candidates = [column for column in texts if 0 < present[column] == dated[column]]
    kinds.update(temporal_kinds(table, candidates, present))
    return kinds


def _counts(
    table: Table, texts: list[str], integers: list[str]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Count, in one streaming pass, the values of each text column and those of them that
    start like a date, and the values of each integer column written with a leading zero."""
    csv = table.csv
    expressions = [
        *(text.cleaned(column, csv).is_not_null().sum() for column in texts),
        *(text.cleaned(column, csv).str.contains(text.DATE_START).sum() for column in texts),
        *(text.cleaned(column, csv).str.contains(LEADING_ZERO).sum() for column in integers),
    ]
    if not expressions:
        return {}, {}, {}
    named = [expr.alias(f"count {index}") for index, expr in enumerate(expressions)]
    counts = table.frame.select(named).collect(engine="streaming").row(0)
    size = len(texts)
    return (
        dict(zip(texts, counts[:size], strict=True)),
        dict(zip(texts, counts[size : 2 * size], strict=True)),
        dict(zip(integers, counts[2 * size :], strict=True)),
    )


def temporal_kinds(
    table: Table, candidates: list[str], present: dict[str, int]
) -> dict[str, text.TextKind]:
    """Return the date or timestamp kind of each of ``candidates`` (text columns of
    ``table`` whose ``present`` values all start like a date) that parses all of them with
    one kind, the first such kind of ``text.TEMPORAL_KINDS``."""
    if not candidates:
        return {}
    csv = table.csv

    # The first rows suggest each column's format, and one parse of the whole column confirms
    # it. Only a column whose suggestion fails is parsed with every format.
    head = table.frame.select(candidates).head(text.GUESS_ROWS).collect()
    guesses = {column: [text.decide_kind(head.get_column(column), csv)] for column in candidates}
    found = _confirmed(table, guesses, present)
    rest = {column: list(text.TEMPORAL_KINDS) for column in candidates if column not in found}
    found.update(_confirmed(table, rest, present))
    return found


def _confirmed(
    table: Table, tries: dict[str, list[text.TextKind]], present: dict[str, int]
) -> dict[str, text.TextKind]:
    """Return, for each column of ``tries``, the first of its kinds that parses all of its
    ``present`` values, when one does. One streaming pass counts every try."""
    pairs = [
        (column, kind)
        for column, kinds in tries.items()
        for kind in kinds
        if kind in text.TEMPORAL_KINDS
    ]
    if not pairs:
        return {}
    parsed = table.frame.select(
        text.typed(column, kind, table.csv).is_not_null().sum().alias(f"try {index}")
        for index, (column, kind) in enumerate(pairs)
    )
    counts = parsed.collect(engine="streaming").row(0)
    found: dict[str, text.TextKind] = {}
    for (column, kind), count in zip(pairs, counts, strict=True):
        if column not in found and count == present[column]:
            found[column] = kind
    return found


def typed_columns(table: Table, kinds: dict[str, text.TextKind]) -> dict[str, pl.Expr]:
    """Return a parse expression per column, for the columns that are not text."""
    return {
        column: text.typed(column, kind, table.csv)
        for column, kind in kinds.items()
        if kind != "text"
    }
