"""Number and row-list formatting shared by check messages and the report formats.

Every figure has thousands separators from 1,000 up. A float keeps a fixed number of
significant digits until its whole part is longer than that, and from then on it is shown as a
whole number. Only very small and very large floats use exponent form."""

from __future__ import annotations

import math
from collections.abc import Sequence

# From this magnitude on a float keeps exponent form. A double has 15 to 17 significant
# digits, so a whole number of 16 digits or more would show digits the value does not have.
EXPONENT_FROM = 1e15


def figure(value: float, digits: int) -> str:
    """Format a float with ``digits`` significant digits and thousands separators.

    A value whose whole part rounds to more than ``digits`` digits (and stays below 1e15) is
    shown as a whole number, so ``figure(9975215.6, 6)`` is ``'9,975,216'``, not
    ``'9.97522e+06'``, and a tie rounds to the even whole number as :func:`round` does.
    Magnitudes below 1e-4 and from 1e15 on keep exponent form (``'1.2e-07'``).
    Zero of either sign is ``'0'``, and the non-finite values are ``'NaN'``, ``'inf'`` and
    ``'-inf'``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        # -0.0 is not a different amount of weight from 0.0.
        return "0"

    # Deciding on the rounded value makes 999999.7 read 1,000,000 rather than 1e+06.
    whole = round(value)
    if 10**digits <= abs(whole) < EXPONENT_FROM:
        return f"{whole:,}"
    return f"{value:,.{digits}g}"


def fmt(value: float | int | None) -> str:
    """Format a figure for a message or report: integers exactly, floats with 6 significant
    digits, both with thousands separators (see :func:`figure`); ``None`` is ``'n/a'``."""
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return figure(float(value), 6)


def pct(share: float) -> str:
    """Format a share of 1 as a percentage with 3 significant digits (``0.256`` is ``'25.6%'``).

    A share other than 1 that would round to ``'100%'`` gets more digits (``0.999881`` is
    ``'99.99%'``), so that no report claims "100%" for a share that falls short of it. Only a
    share within about 1e-15 of 1, beyond 15 significant digits, still reads ``'100%'``."""
    percent = share * 100
    text = figure(percent, 3)
    digits = 3
    while text == "100" and share != 1 and digits < 15:
        digits += 1
        text = figure(percent, digits)
    return text + "%"


def rows_text(rows: Sequence[int], total: int) -> str:
    """Describe example rows: 'row 3' or 'rows 2, 5, 9 and 4 more'.

    Row numbers have no thousands separators, because they are listed with commas between."""
    if not rows:
        return ""
    listed = ", ".join(str(r) for r in rows)
    word = "row" if total == 1 else "rows"
    more = total - len(rows)
    suffix = f" and {more:,} more" if more > 0 else ""
    return f"{word} {listed}{suffix}"


def class_text(value: str | int | float | bool | None) -> str:
    """Return a class value for a class table, spelt as the findings spell it: null, true and
    false as in YAML and JSON, other values as they are."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
