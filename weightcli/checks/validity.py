"""Checks that the weight column exists and contains valid numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping

from weightcli.checks.context import CheckContext, Draft
from weightcli.checks.format import fmt

# A number such as 1,5 or -1.299,99, written with a decimal comma.
_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})*,\d+$|^[+-]?\d+,\d+$")


def missing_column(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The weight column is not in the table."""
    if ctx.present:
        return None
    columns = ", ".join(ctx.available_columns) if ctx.available_columns else "none"
    return Draft(
        message=f"weight column '{ctx.column}' is not in the table; its columns are: {columns}",
        hint="name the weight column with -w/--weight-column or weight_column in the config",
        value=ctx.column,
    )


def non_numeric(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The weight column is not integer, float or decimal, or holds text that is no number."""
    if not ctx.present:
        return None
    if not ctx.numeric:
        return Draft(
            message=f"weight column '{ctx.column}' has type {ctx.dtype}, "
            "expected integer, float or decimal",
            hint="cast the column to a numeric type when the table is made",
            value=ctx.dtype,
        )
    if ctx.invalid_count == 0:
        return None
    shown = ", ".join(f"{text!r} at row {row}" for row, text in ctx.invalid_values)
    more = ctx.invalid_count - len(ctx.invalid_values)
    suffix = f" and {more:,} more" if more > 0 else ""
    hint = "fix those cells, or add their text to csv.null_values if it means a missing value"
    if any(_DECIMAL_COMMA.match(text.strip()) for _, text in ctx.invalid_values):
        hint = (
            "the numbers look written with a decimal comma: pass --decimal-comma "
            "(and --thousands . if they also group thousands with dots)"
        )
    return Draft(
        message=f"{fmt(ctx.invalid_count)} weight(s) in '{ctx.column}' are not numbers: "
        f"{shown}{suffix}",
        hint=hint,
        value=ctx.invalid_count,
        rows=tuple(row for row, _ in ctx.invalid_values),
    )


def empty_table(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The table has no rows."""
    if ctx.stats is None or ctx.stats.rows > 0:
        return None
    return Draft(
        message="the table has no rows",
        hint="check the query or export that made the table",
        value=0,
    )


def null_weight(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Some weights are null; Kumo drops rows whose weight is null."""
    stats = ctx.stats
    if stats is None or stats.nulls == 0:
        return None
    where = ctx.rows_holding(ctx.null_rows, ctx.null_row_count, stats.nulls)
    if ctx.null_lists:
        where += f"; {fmt(ctx.null_lists)} of them are whole null lists"
    return Draft(
        message=f"{fmt(stats.nulls)} of {fmt(ctx.weight_count)} weights are null ({where}); "
        "Kumo drops rows whose weight is null",
        hint="fill the nulls, or set on_null to default or drop when applying rules",
        value=stats.nulls,
        rows=ctx.null_rows,
    )


def non_finite(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Some weights are NaN or infinite."""
    stats = ctx.stats
    if stats is None or stats.non_finite == 0:
        return None
    where = ctx.rows_holding(ctx.non_finite_rows, ctx.non_finite_row_count, stats.non_finite)
    infinite = stats.non_finite - stats.nan
    origin = ""
    if ctx.non_finite_rules:
        # The labels already quote rule names: "rule 'inverse'", "the default weight".
        names = ", ".join(ctx.non_finite_rules)
        origin = f"; produced by {names}"
    return Draft(
        message=f"{fmt(stats.non_finite)} of {fmt(ctx.weight_count)} weights are not finite "
        f"({fmt(stats.nan)} NaN, {fmt(infinite)} infinite; {where}){origin}",
        hint="guard divisions and logarithms in the rules, or fix the rows' inputs",
        value=stats.non_finite,
        rows=ctx.non_finite_rows,
    )
