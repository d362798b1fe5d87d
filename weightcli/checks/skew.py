"""Checks on how unevenly the weight mass is spread over the rows."""

from __future__ import annotations

from collections.abc import Mapping

from weightcli.checks.context import CheckContext, Draft
from weightcli.checks.format import fmt, pct


def skew_ratio(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """max / min of the positive weights exceeds ``max``."""
    stats = ctx.stats
    if stats is None or stats.skew_ratio is None:
        return None
    limit = options["max"]
    if stats.skew_ratio <= limit:
        return None
    return Draft(
        message=f"the largest positive weight is {fmt(stats.skew_ratio)} times the smallest, "
        f"above the maximum {fmt(limit)}",
        hint="clip the weights (clip.max, clip.max_quantile) or smooth them (balance.power: 0.5)",
        value=stats.skew_ratio,
        threshold=limit,
    )


def low_ess(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Kish effective sample size / rows is below ``min``."""
    stats = ctx.stats
    if stats is None or stats.ess_ratio is None or stats.ess is None:
        return None
    limit = options["min"]
    if stats.ess_ratio >= limit:
        return None
    return Draft(
        message=f"the effective sample size is {fmt(stats.ess)}, {pct(stats.ess_ratio)} of "
        f"{fmt(ctx.weight_count)} {ctx.weight_unit}, below the minimum {pct(limit)}",
        hint="a few rows dominate the loss; clip or smooth the largest weights",
        value=stats.ess_ratio,
        threshold=limit,
    )


def top_share(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The top 1% of rows by weight carry more than ``max`` of the positive weight mass.

    Needs at least ``min_rows`` positive weights: below 100 rows the top 1% is a single row,
    and its share says nothing about skew."""
    stats = ctx.stats
    if stats is None or stats.top1_share is None or stats.positives < options["min_rows"]:
        return None
    limit = options["max"]
    if stats.top1_share <= limit:
        return None
    return Draft(
        message=f"the top 1% of {ctx.weight_unit} carry {pct(stats.top1_share)} of the positive "
        f"weight mass, above the maximum {pct(limit)}",
        hint="clip the largest weights (clip.max_quantile: 0.99)",
        value=stats.top1_share,
        threshold=limit,
    )
