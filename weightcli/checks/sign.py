"""Checks on zero and negative weights."""

from __future__ import annotations

from collections.abc import Mapping

from weightcli.checks.context import CheckContext, Draft
from weightcli.checks.format import fmt, pct


def _finite_count(ctx: CheckContext) -> int:
    stats = ctx.stats
    if stats is None:
        return 0
    return ctx.weight_count - stats.nulls - stats.non_finite


def all_zero(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Every weight is zero, so no row contributes to training."""
    stats = ctx.stats
    finite = _finite_count(ctx)
    if stats is None or finite == 0 or stats.zeros != finite:
        return None
    return Draft(
        message=f"all {fmt(finite)} weights are zero; no row would contribute to the loss",
        hint="check the rules' conditions and the default weight",
        value=0.0,
    )


def no_positive(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """No weight is positive (all negative, or negative and zero)."""
    stats = ctx.stats
    finite = _finite_count(ctx)
    if stats is None or finite == 0 or stats.positives > 0 or stats.zeros == finite:
        return None
    return Draft(
        message=f"no weight is positive: {fmt(stats.negatives)} negative, {fmt(stats.zeros)} zero",
        hint="weights must be positive for most rows; check the signs in the rules",
        value=stats.positives,
    )


def negative_link_prediction(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Some weights are negative in a link prediction task, which Kumo does not allow."""
    stats = ctx.stats
    if stats is None or not ctx.is_link_prediction or stats.negatives == 0:
        return None
    where = ctx.rows_holding(ctx.negative_rows, ctx.negative_row_count, stats.negatives)
    return Draft(
        message=f"{fmt(stats.negatives)} of {fmt(ctx.weight_count)} weights are negative in a "
        f"{ctx.task} task ({where}); "
        "link prediction needs weights of zero or more",
        hint="clip the weights with clip.min: 0 or fix the rules",
        value=stats.negatives,
        rows=ctx.negative_rows,
    )


def negative_weight(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """Some weights are negative: count, share of rows and share of the weight mass."""
    stats = ctx.stats
    if stats is None or stats.negatives == 0 or ctx.is_link_prediction:
        return None
    where = ctx.rows_holding(ctx.negative_rows, ctx.negative_row_count, stats.negatives)
    row_share = stats.negatives / ctx.weight_count
    negative_mass = abs(stats.negative_sum or 0.0)
    absolute_mass = negative_mass + (stats.positive_sum or 0.0)
    mass_share = negative_mass / absolute_mass if absolute_mass > 0 else 0.0
    return Draft(
        message=f"{fmt(stats.negatives)} of {fmt(ctx.weight_count)} weights are negative "
        f"({where}); min {fmt(stats.min)}, {pct(row_share)} of {ctx.weight_unit}, "
        f"{pct(mass_share)} of the absolute weight mass",
        hint="negative weights make the loss unbounded below; "
        "set negative: forbid to make them errors",
        value=stats.negatives,
        rows=ctx.negative_rows,
    )


def negative_mass(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The negative weight mass exceeds ``max`` of the positive weight mass."""
    stats = ctx.stats
    if stats is None or stats.negatives == 0 or not stats.positive_sum:
        return None
    ratio = abs(stats.negative_sum or 0.0) / stats.positive_sum
    limit = options["max"]
    if ratio <= limit:
        return None
    return Draft(
        message=f"the negative weight mass is {fmt(ratio)} of the positive mass, "
        f"above the maximum {fmt(limit)}",
        hint="large negative mass destabilises training; reduce or clip the negative weights",
        value=ratio,
        threshold=limit,
    )


def zero_share(ctx: CheckContext, options: Mapping[str, float]) -> Draft | None:
    """The share of zero weights exceeds ``max``."""
    stats = ctx.stats
    if stats is None or ctx.weight_count == 0 or stats.zeros == 0:
        return None
    share = stats.zeros / ctx.weight_count
    limit = options["max"]
    if share <= limit:
        return None
    return Draft(
        message=f"{pct(share)} of {ctx.weight_unit} have a zero weight ({fmt(stats.zeros)} of "
        f"{fmt(ctx.weight_count)}), above the maximum {pct(limit)}",
        hint="rows with zero weight do not train; filter them out or lower their number",
        value=share,
        threshold=limit,
    )
