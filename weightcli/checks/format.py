"""Number and row-list formatting shared by check messages."""

from __future__ import annotations

from collections.abc import Sequence


def fmt(value: float | int | None) -> str:
    """Format a figure for a message: integers plainly, floats with up to 6 significant digits."""
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    # Whole numbers, such as a sum of integer weights, are shown exactly up to 2**53.
    if value.is_integer() and abs(value) < 2**53:
        return f"{int(value):,}"
    return f"{value:.6g}"


def pct(share: float) -> str:
    """Format a share of 1 as a percentage."""
    return f"{share * 100:.3g}%"


def rows_text(rows: Sequence[int], total: int) -> str:
    """Describe example rows: 'row 3' or 'rows 2, 5, 9 and 4 more'."""
    if not rows:
        return ""
    listed = ", ".join(str(r) for r in rows)
    word = "row" if total == 1 else "rows"
    more = total - len(rows)
    suffix = f" and {more:,} more" if more > 0 else ""
    return f"{word} {listed}{suffix}"
