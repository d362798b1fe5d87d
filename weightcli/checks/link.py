"""Checks of link prediction tables: list-valued weights and repeated (entity, target) pairs."""

from __future__ import annotations

from collections.abc import Mapping

from weightcli.checks.context import CheckContext, Draft
from weightcli.checks.format import fmt, pct, rows_text


def list_length_mismatch(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """A list-valued weight's length differs from its row's list-valued target."""
    found = ctx.length_mismatch
    if found is None or found.rows == 0:
        return None
    rows = tuple(row for row, _, _ in found.examples)
    if not found.target_is_list:
        return Draft(
            message=f"weight column '{ctx.column}' contains lists, but target column "
            f"'{found.target_column}' has type {found.target_dtype}; "
            f"{fmt(found.rows)} rows have a weight list and no target list to align it with "
            f"({rows_text(rows, found.rows)})",
            hint="a list-valued weight needs a list-valued TARGET (LIST_DISTINCT) of the same "
            "length; use one number per row for a one-target-per-row table",
            value=found.rows,
            rows=rows,
        )

    shown = ", ".join(
        f"row {row} ({_count(weights, 'weight')}, {_count(targets or 0, 'target')})"
        for row, weights, targets in found.examples
    )
    more = found.rows - len(found.examples)
    suffix = f" and {more:,} more" if more > 0 else ""
    return Draft(
        message=f"{_count(found.rows, 'row')} {'has' if found.rows == 1 else 'have'} a weight "
        f"list whose length differs from the '{found.target_column}' list: {shown}{suffix}; "
        "Kumo needs one weight per target element, in the same order",
        hint=f"build the weight list from the same elements as '{found.target_column}', "
        "in the same order",
        value=found.rows,
        rows=rows,
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def duplicate_pairs(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Link prediction rows repeat an (entity, target[, time]) pair; Kumo keeps the max weight."""
    found = ctx.duplicate_pairs
    if found is None or found.rows == 0:
        return None
    key = "(" + ", ".join(found.key_columns) + ")"
    merged = ""
    if found.merged_mass is not None and found.total_mass:
        merged = (
            f", which drops {fmt(found.merged_mass)} of the weight mass "
            f"({pct(found.merged_mass / found.total_mass)} of {fmt(found.total_mass)})"
        )
    return Draft(
        message=f"{fmt(found.pairs)} {key} pairs repeat, over {fmt(found.rows)} rows "
        f"({rows_text(found.examples, found.rows)}); Kumo merges the rows of each pair into "
        f"one row with the max weight{merged}",
        hint="aggregate the repeated rows yourself (sum or max of their weights) if Kumo's max "
        "is not what you intend; set time_column when rows at different times are not repeats",
        value=found.pairs,
        rows=found.examples,
    )
