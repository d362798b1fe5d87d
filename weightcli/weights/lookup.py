"""Left-join columns of a lookup table so that rules can use them.

The lookup table is small next to the training table, so it is read into memory once. Its
keys must be unique after conversion to the training table's key type: a repeated key would
multiply training rows, so it is an error, never a silent row multiplication."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from weightcli.config.model import DEFAULT_NULL_VALUES, Lookup
from weightcli.errors import ConfigError, InputError, first_line

MATCH_FLAG = "__weightcli_lookup_matched"
LOOKUP_SUFFIXES = ".parquet, .pq, .csv, .tsv, .ndjson, .jsonl, .arrow, .ipc, .feather"


@dataclass(frozen=True)
class LookupTable:
    """A lookup table, read in memory: the key, the joined columns and a match flag."""

    key: str
    columns: tuple[str, ...]
    frame: pl.DataFrame
    path: str


def _read_frame(lookup: Lookup, path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix in (".csv", ".tsv"):
            # Keys are read as text and converted to the training table's key type later,
            # so that text keys such as '007' keep their leading zeros.
            return pl.read_csv(
                path,
                separator="\t" if suffix == ".tsv" else ",",
                infer_schema_length=None,
                null_values=list(DEFAULT_NULL_VALUES),
                schema_overrides={lookup.on: pl.String},
            )
        if suffix in (".ndjson", ".jsonl"):
            return pl.read_ndjson(path)
        if suffix in (".arrow", ".ipc", ".feather"):
            return pl.read_ipc(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        message = first_line(error, "read failed")
        raise InputError(f"cannot read lookup table '{lookup.path}': {message}") from None
    raise InputError(
        f"lookup table '{lookup.path}' has an unknown extension '{suffix}'; expected one of "
        f"{LOOKUP_SUFFIXES}"
    )


def read_lookup(lookup: Lookup, table_columns: list[str]) -> LookupTable:
    """Read the lookup table and check that its key and columns exist and its columns are new."""
    path = Path(lookup.path)
    if not path.is_file():
        raise InputError(f"lookup table '{lookup.path}' not found; check lookup.path or --lookup")
    frame = _read_frame(lookup, path)

    if lookup.on not in frame.columns:
        raise ConfigError(
            f"lookup key '{lookup.on}' is not in '{lookup.path}'; its columns are: "
            f"{', '.join(frame.columns)}"
        )
    if lookup.on not in table_columns:
        raise ConfigError(
            f"lookup key '{lookup.on}' is not in the training table; its columns are: "
            f"{', '.join(table_columns)}"
        )

    columns = lookup.columns or [c for c in frame.columns if c != lookup.on]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"lookup column '{missing[0]}' is not in '{lookup.path}'; its columns are: "
            f"{', '.join(frame.columns)}"
        )
    clashing = [c for c in columns if c in table_columns]
    if clashing:
        raise ConfigError(
            f"lookup column '{clashing[0]}' is already in the training table; "
            "list the other columns in lookup.columns"
        )

    # A null key never matches a row of the training table, so its rows can go.
    selected = (
        frame.select(lookup.on, *columns)
        .filter(pl.col(lookup.on).is_not_null())
        .with_columns(pl.lit(True).alias(MATCH_FLAG))
    )
    _require_unique_keys(selected, lookup.on, lookup.path)
    return LookupTable(key=lookup.on, columns=tuple(columns), frame=selected, path=lookup.path)


def _require_unique_keys(frame: pl.DataFrame, key: str, path: str) -> None:
    repeated = frame.group_by(key).len().filter(pl.col("len") > 1)
    if repeated.is_empty():
        return
    value, count = repeated.sort(["len", key], descending=[True, False]).row(0)
    others = f" (and {len(repeated) - 1:,} more repeated keys)" if len(repeated) > 1 else ""
    raise InputError(
        f"lookup table '{path}' has key {value!r} in {count} rows of '{key}'{others}; "
        "a lookup needs one row per key, because a repeated key would multiply training "
        "rows; remove the repeated rows"
    )


def converted_lookup(lookup: LookupTable, key_dtype: pl.DataType) -> pl.DataFrame:
    """Return the lookup rows with the key converted to the training table's key type.

    Keys are checked for uniqueness again after the conversion, because two texts such as
    '1' and '01' become the same integer."""
    frame = lookup.frame
    if frame.schema[lookup.key] == key_dtype:
        return frame
    try:
        frame = frame.with_columns(pl.col(lookup.key).cast(key_dtype, strict=True))
    except pl.exceptions.PolarsError as error:
        reason = first_line(error, "invalid value")
        raise InputError(
            f"lookup key '{lookup.key}' is {lookup.frame.schema[lookup.key]} in "
            f"'{lookup.path}' and {key_dtype} in the training table, and its values cannot be "
            f"converted ({reason}); make both key columns the same type"
        ) from None
    _require_unique_keys(frame, lookup.key, lookup.path)
    return frame


def join_lookup(frame: pl.LazyFrame, lookup: LookupTable, key_dtype: pl.DataType) -> pl.LazyFrame:
    """Left-join the lookup columns; the training table keeps its rows and their order."""
    right = converted_lookup(lookup, key_dtype).lazy()
    return frame.join(right, on=lookup.key, how="left", maintain_order="left")
