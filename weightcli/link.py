"""Facts of link prediction tables: list-valued weights against list-valued targets, and
rows that repeat an (entity, target[, time]) key."""

from __future__ import annotations

import polars as pl

from weightcli.checks.context import DuplicatePairs, LengthMismatch
from weightcli.stats import EXAMPLE_ROWS


def as_list(series: pl.Series) -> pl.Series:
    """Return a List or Array series as a List series (fixed-size arrays become lists)."""
    if isinstance(series.dtype, pl.Array):
        return series.cast(pl.List(series.dtype.inner))
    return series


def length_mismatch(lists: pl.Series, target: pl.Series) -> LengthMismatch | None:
    """Find rows whose weight list and target list differ in length.

    Rows where either list is null are not compared: a null weight list is a null weight, and
    a null target is not a list to line up with. A target that is not list-valued mismatches
    every row with a non-null weight list."""
    weight_lengths = as_list(lists).list.len()
    if not isinstance(target.dtype, pl.List | pl.Array):
        mismatched = weight_lengths.is_not_null()
        target_lengths = pl.Series([None] * len(lists), dtype=pl.UInt32)
        target_is_list = False
    else:
        target_lengths = as_list(target).list.len()
        mismatched = (weight_lengths != target_lengths).fill_null(False)
        target_is_list = True

    count = int(mismatched.sum())
    if count == 0:
        return None
    indices = mismatched.arg_true().head(EXAMPLE_ROWS).to_list()
    examples = tuple(
        (int(index) + 1, int(weight_lengths[index]), _optional_int(target_lengths[index]))
        for index in indices
    )
    return LengthMismatch(
        target_column=target.name,
        target_dtype=str(target.dtype),
        target_is_list=target_is_list,
        rows=count,
        examples=examples,
    )


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def duplicate_pairs(keys: pl.DataFrame, weights: pl.Series | None) -> DuplicatePairs | None:
    """Find rows that repeat a key of ``keys`` (entity, target and time columns, in row order).

    ``weights`` (one value per row, or None when they are not scalar) gives the weight mass that
    Kumo's merge, which keeps each key's max weight, would drop. Nulls in a key compare equal."""
    key_columns = keys.columns
    counted = keys.with_columns(pl.len().over(key_columns).alias("__weightcli_count"))
    repeated = counted.get_column("__weightcli_count") > 1
    rows = int(repeated.sum())
    if rows == 0:
        return None

    pairs = keys.filter(repeated).n_unique()
    examples = tuple(int(index) + 1 for index in repeated.arg_true().head(EXAMPLE_ROWS))
    merged_mass = None
    total_mass = None
    if weights is not None:
        values = weights.cast(pl.Float64)
        finite = pl.when(pl.col("__weightcli_weight").is_finite()).then(
            pl.col("__weightcli_weight")
        )
        groups = (
            keys.with_columns(values.alias("__weightcli_weight"))
            .filter(repeated)
            .group_by(key_columns)
            .agg(finite.sum().alias("sum"), finite.max().alias("max"))
        )
        kept = float(groups.get_column("max").fill_null(0.0).sum())
        merged_mass = float(groups.get_column("sum").sum()) - kept
        total_mass = float(values.filter(values.is_finite()).sum())

    return DuplicatePairs(
        key_columns=tuple(key_columns),
        pairs=pairs,
        rows=rows,
        examples=examples,
        merged_mass=merged_mass,
        total_mass=total_mass,
    )
