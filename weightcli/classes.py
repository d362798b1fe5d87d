"""Per-class figures: rows and weight mass of each class of the target column.

A null target value forms a class of its own (value ``None``). Weight sums cover the finite
weights only, so a row with a null, NaN or infinite weight counts in its class's rows but adds
nothing to its weight."""

from __future__ import annotations

from typing import Any

import polars as pl

from weightcli.report.model import ClassFigures

# The report lists this many classes, those with the most rows, and sums the rest in one row.
REPORT_CLASS_LIMIT = 20


def class_figures(target: pl.Series, weights: pl.Series) -> list[ClassFigures]:
    """Compute the figures of every class, most rows first, then by value (nulls last)."""
    values = weights.cast(pl.Float64)
    finite = pl.when(pl.col("weight").is_finite()).then(pl.col("weight")).otherwise(0.0)
    frame = pl.DataFrame({"value": target, "weight": values})
    grouped = (
        frame.group_by("value")
        .agg(pl.len().alias("rows"), finite.sum().alias("weight_sum"))
        .sort(["rows", "value"], descending=[True, False], nulls_last=True)
    )

    total_rows = len(target)
    total_weight = float(grouped.get_column("weight_sum").sum())
    figures = []
    for value, rows, weight_sum in grouped.iter_rows():
        figures.append(
            ClassFigures(
                value=_plain(value),
                rows=int(rows),
                row_share=rows / total_rows,
                weight_sum=float(weight_sum),
                weight_share=float(weight_sum) / total_weight if total_weight != 0 else None,
            )
        )
    return figures


def _plain(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    # Dates, decimals and other types are shown by their text.
    return str(value)


def cap_classes(
    figures: list[ClassFigures], column: str, limit: int = REPORT_CLASS_LIMIT
) -> tuple[list[ClassFigures], str | None]:
    """Keep the ``limit`` classes with the most rows and sum the rest into one row.

    Returns the figures to report and a note saying what was summed, or None."""
    if len(figures) <= limit:
        return list(figures), None

    kept = list(figures[:limit])
    rest = figures[limit:]
    shares = [figure.weight_share for figure in rest]
    other = ClassFigures(
        value=f"({len(rest):,} other classes)",
        rows=sum(figure.rows for figure in rest),
        row_share=sum(figure.row_share for figure in rest),
        weight_sum=sum(figure.weight_sum for figure in rest),
        weight_share=None if None in shares else sum(share or 0.0 for share in shares),
    )
    note = (
        f"classes of '{column}': {len(figures):,} classes; the {limit} with the most rows are "
        f"listed and the other {len(rest):,} are summed in the last row"
    )
    return [*kept, other], note
