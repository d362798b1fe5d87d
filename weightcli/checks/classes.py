"""Checks on the weight mass of each class of the target column."""

from __future__ import annotations

from collections.abc import Mapping

from weightcli.checks.context import CheckContext, Draft
from weightcli.checks.format import class_text, figure, fmt, pct
from weightcli.report.model import ClassFigures

# Classes named in a message, at most.
SHOWN_CLASSES = 5


def class_label(value: str | int | float | bool | None) -> str:
    """Format a class value for a message: strings quoted, numbers as figures, null, true and
    false as the class table writes them."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt(value)
    return class_text(value)


def class_zero_weight(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """A class of the target has zero total weight, so it vanishes from training."""
    zero = [figure for figure in ctx.classes if figure.weight_sum == 0.0]
    # When no class has weight, all-zero or null-weight already names the problem.
    if not zero or len(zero) == len(ctx.classes):
        return None
    shown = ", ".join(
        f"{class_label(figure.value)} ({fmt(figure.rows)} rows)" for figure in zero[:SHOWN_CLASSES]
    )
    more = len(zero) - SHOWN_CLASSES
    suffix = f" and {more:,} more" if more > 0 else ""
    return Draft(
        message=f"{fmt(len(zero))} of {fmt(len(ctx.classes))} classes of '{ctx.class_column}' "
        f"have zero total weight: {shown}{suffix}; they vanish from training",
        hint="give the rows of those classes a positive weight, or drop the rows if the "
        "classes should not be learned",
        value=len(zero),
    )


def class_imbalance(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """A class's share of the weight mass differs from its share of rows by more than ``max``."""
    compared = [figure for figure in ctx.classes if figure.weight_share is not None]
    if not compared:
        return None
    moved = sorted(compared, key=lambda figure: -abs(_shift(figure)))
    largest = abs(_shift(moved[0]))
    limit = options["max"]
    if largest <= limit:
        return None

    shown = "; ".join(
        f"{class_label(figure.value)} {pct(figure.row_share)} of rows, "
        f"{pct(figure.weight_share or 0.0)} of weight"
        for figure in moved[:SHOWN_CLASSES]
    )
    more = len(moved) - SHOWN_CLASSES
    suffix = f"; {more:,} more classes" if more > 0 else ""
    return Draft(
        message=f"weighting shifts the class shares of '{ctx.class_column}' by up to "
        f"{fmt(largest)} ({figure(largest * 100, 3)} percentage points), above the maximum "
        f"{fmt(limit)}: {shown}{suffix}",
        hint="expected after class balancing (balance:); otherwise check the rules that give "
        "one class more weight than another",
        value=largest,
        threshold=limit,
    )


def _shift(figure: ClassFigures) -> float:
    return (figure.weight_share or 0.0) - figure.row_share
