"""Explicit parsing of CSV text columns.

CSV columns are read as text. A column is parsed only when a rule, a strategy or a check
needs it, and its type is decided from every value of the column, never from a sample."""

from __future__ import annotations

import re

import polars as pl

from weightcli.config.model import CsvOptions

# "int", "float", "bool", "text", "null" (no value at all), or "date|FORMAT",
# "datetime|FORMAT", "datetime_tz|FORMAT" with a chrono format string: lazy plans need an
# explicit format to know the output type.
TextKind = str

DATE_FORMATS = ("%Y-%m-%d",)
DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
)
# Timestamps with an offset or Z are converted to UTC.
DATETIME_TZ_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z")
TEMPORAL_KINDS: tuple[TextKind, ...] = (
    *(f"date|{f}" for f in DATE_FORMATS),
    *(f"datetime_tz|{f}" for f in DATETIME_TZ_FORMATS),
    *(f"datetime|{f}" for f in DATETIME_FORMATS),
)

# The start of every value that a format of TEMPORAL_KINDS parses, and of more: digits, a
# dash, digits, a dash and digits, after an optional sign.
DATE_START = r"^[+-]?\d+-\d+-\d+"
# Rows whose values suggest the format of a date or timestamp column.
GUESS_ROWS = 1000

_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")


def cleaned(column: str, csv: CsvOptions) -> pl.Expr:
    """Return the column's text with spaces trimmed and null tokens as null."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text.is_in(csv.null_values)).then(None).otherwise(text)


def number_pattern(csv: CsvOptions) -> str | None:
    """Return the regular expression a number must match under ``csv``'s decimal mark and
    thousands separator, or None when polars' own float parser decides (the defaults).

    With a thousands separator, it may only stand between groups of three digits before the
    decimal mark, so ``1.29,9`` or ``.5`` under ``--thousands .`` is junk, never 129.9 or 5.
    With a decimal comma, a dot that is not the thousands separator makes the cell junk, so
    ``1.299`` is never read as 1.299 under ``--decimal-comma``."""
    if csv.thousands is None and not csv.decimal_comma:
        return None
    mark = re.escape("," if csv.decimal_comma else ".")
    digits = r"\d+"
    if csv.thousands is not None:
        group = re.escape(csv.thousands)
        digits = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)"
    exponent = r"(?:[eE][+-]?\d+)?"
    special = r"(?i:inf|infinity|nan)"
    return rf"^[+-]?(?:{digits}(?:{mark}\d*)?{exponent}|{mark}\d+{exponent}|{special})$"


def _number_text(column: str, csv: CsvOptions) -> pl.Expr:
    text = cleaned(column, csv)
    pattern = number_pattern(csv)
    if pattern is None:
        return text

    # Text that breaks the pattern becomes null here, so invalid_number reports it.
    text = pl.when(text.str.contains(pattern)).then(text)
    if csv.thousands is not None:
        text = text.str.replace_all(csv.thousands, "", literal=True)
    if csv.decimal_comma:
        text = text.str.replace_all(",", ".", literal=True)
    return text


def number(column: str, csv: CsvOptions) -> pl.Expr:
    """Parse a text column as Float64; text that is no number becomes null."""
    return _number_text(column, csv).cast(pl.Float64, strict=False)


def invalid_number(column: str, csv: CsvOptions) -> pl.Expr:
    """Return True where the cell contains text that is neither a null token nor a number."""
    return cleaned(column, csv).is_not_null() & number(column, csv).is_null()


def typed(column: str, kind: TextKind, csv: CsvOptions) -> pl.Expr:
    """Parse a text column as ``kind``; the result keeps the column's name."""
    if kind == "null":
        # A column without any value has no type: it compares and computes as NULL.
        return pl.col(column).cast(pl.Null, strict=False).alias(column)
    if kind == "int":
        expr = _number_text(column, csv).cast(pl.Int64, strict=False)
    elif kind == "float":
        expr = number(column, csv)
    elif kind == "bool":
        text = cleaned(column, csv)
        expr = pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)
    elif kind.startswith("date|"):
        fmt = kind.split("|", 1)[1]
        expr = cleaned(column, csv).str.to_date(format=fmt, strict=False)
    elif kind.startswith("datetime|"):
        fmt = kind.split("|", 1)[1]
        expr = cleaned(column, csv).str.to_datetime(format=fmt, strict=False, time_unit="us")
    elif kind.startswith("datetime_tz|"):
        fmt = kind.split("|", 1)[1]
        expr = cleaned(column, csv).str.to_datetime(
            format=fmt, strict=False, time_unit="us", time_zone="UTC"
        )
    else:
        text = pl.col(column)
        expr = pl.when(text.str.strip_chars().is_in(csv.null_values)).then(None).otherwise(text)
    return expr.alias(column)


def decide_kind(values: pl.Series, csv: CsvOptions) -> TextKind:
    """Return the narrowest kind that parses every non-null value of a text column, or
    "null" when the column has no value.

    The kinds are tried in the order int, float, bool, then ``TEMPORAL_KINDS``. A value can
    parse as a date or timestamp only when it starts like one, and as a number or a boolean
    only when it does not. So one pass that counts such values leaves one of the two groups,
    and a column of dates is parsed with the format of its first rows before any other."""
    frame = values.to_frame("value")
    text = cleaned("value", csv)
    present, dated = frame.select(
        text.is_not_null().sum().alias("present"),
        text.str.contains(DATE_START).sum().alias("dated"),
    ).row(0)
    if present == 0:
        return "null"
    if dated != present:
        return _first_kind(frame, ("int", "float", "bool"), present, csv) or "text"

    first_rows = frame.filter(text.is_not_null()).head(GUESS_ROWS)
    guess = _first_kind(first_rows, TEMPORAL_KINDS, len(first_rows), csv)
    if guess is not None and _first_kind(frame, (guess,), present, csv) is not None:
        return guess
    return _first_kind(frame, TEMPORAL_KINDS, present, csv) or "text"


def _first_kind(
    frame: pl.DataFrame, kinds: tuple[TextKind, ...], present: int, csv: CsvOptions
) -> TextKind | None:
    """Return the first of ``kinds`` that parses all ``present`` values of the frame's
    ``value`` column, or None. The parses run in one select, which polars runs in parallel."""
    try:
        counts = frame.select(
            typed("value", kind, csv).is_not_null().sum().alias(str(index))
            for index, kind in enumerate(kinds)
        ).row(0)
    except pl.exceptions.PolarsError:
        # A parse that fails on the column as a whole rules out its kind only.
        if len(kinds) == 1:
            return None
        for kind in kinds:
            if _first_kind(frame, (kind,), present, csv) is not None:
                return kind
        return None
    for kind, count in zip(kinds, counts, strict=True):
        if count == present:
            return kind
    return None
