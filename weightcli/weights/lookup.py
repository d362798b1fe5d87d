"""Left-join columns of a lookup table so that rules can use them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from weightcli.config.model import Lookup
from weightcli.errors import ConfigError, InputError

MATCH_FLAG = "__weightcli_lookup_matched"


@dataclass(frozen=True)
class LookupTable:
    """A lookup table, read in memory, with unique keys."""

    key: str
    columns: tuple[str, ...]
    frame: pl.DataFrame


def read_lookup(lookup: Lookup, table_columns: list[str]) -> LookupTable:
    """Read the lookup table and check that its keys are unique and its columns are new."""
    path = Path(lookup.path)
    if not path.is_file():
        raise InputError(f"lookup table '{lookup.path}' not found; check lookup.path")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
        elif suffix in (".csv", ".tsv"):
            separator = "\t" if suffix == ".tsv" else ","
            frame = pl.read_csv(path, separator=separator, infer_schema_length=None)
        else:
            raise InputError(
                f"lookup table '{lookup.path}' must be Parquet (.parquet) or CSV (.csv, .tsv)"
            )
    except pl.exceptions.PolarsError as error:
        raise InputError(f"cannot read lookup table '{lookup.path}': {error}") from None

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

    duplicates = frame.group_by(lookup.on).len().filter(pl.col("len") > 1)
    if len(duplicates):
        key_value, count = duplicates.sort("len", descending=True).row(0)
        raise InputError(
            f"lookup table '{lookup.path}' has {len(duplicates):,} repeated keys in "
            f"'{lookup.on}', such as {key_value!r} ({count} rows); a lookup needs one row "
            "per key, or it would multiply training rows"
        )

    selected = frame.select(lookup.on, *columns).with_columns(pl.lit(True).alias(MATCH_FLAG))
    return LookupTable(key=lookup.on, columns=tuple(columns), frame=selected)


def join_lookup(frame: pl.LazyFrame, lookup: LookupTable, key_dtype: pl.DataType) -> pl.LazyFrame:
    """Left-join the lookup columns; the training table keeps its rows and their order."""
    right = lookup.frame.lazy()
    right_dtype = lookup.frame.schema[lookup.key]
    if right_dtype != key_dtype:
        try:
            right = right.with_columns(pl.col(lookup.key).cast(key_dtype, strict=True))
        except pl.exceptions.PolarsError as error:
            raise InputError(
                f"lookup key '{lookup.key}' is {right_dtype} in the lookup table and "
                f"{key_dtype} in the training table, and cannot be converted: {error}"
            ) from None
    return frame.join(right, on=lookup.key, how="left", maintain_order="left")
