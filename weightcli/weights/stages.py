"""Weighting stages after the rules: balance, decay, clip and normalize.

Each stage is fitted once on the in-memory projection (the pre-pass) and then returns a
function from a weight expression to a new weight expression. The same function builds the
in-memory weights of the report and the streaming weights of the output, so both agree
bit for bit."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl

from weightcli.config.model import Balance, Clip, Decay
from weightcli.errors import ConfigError, InputError

Transform = Callable[[pl.Expr], pl.Expr]


@dataclass
class Fitted:
    """A fitted stage: its transform, a one-line description and notes for the report."""

    transform: Transform
    detail: str
    notes: list[str] = field(default_factory=list)


def fit_balance(balance: Balance, data: pl.DataFrame) -> Fitted:
    """Fit the class-balance factor ``(n / (k * count_c)) ** power`` on the class column."""
    column = data.get_column(balance.column)
    if column.dtype.is_nested():
        raise ConfigError(
            f"balance.column '{balance.column}' is list-valued ({column.dtype}); "
            "balance needs one class per row"
        )
    if balance.null == "error" and column.null_count() > 0:
        first = int(column.is_null().arg_true()[0]) + 1
        raise InputError(
            f"balance.column '{balance.column}' has {column.null_count():,} null values "
            f"(first at row {first}); set balance.null: class to treat them as a class"
        )

    counts = column.value_counts(sort=True, name="count")
    total = len(column)
    classes = len(counts)
    factors: dict[object, float] = {}
    null_factor: float | None = None
    for value, count in counts.iter_rows():
        factor = (total / (classes * count)) ** balance.power
        if value is None:
            null_factor = factor
        else:
            factors[value] = factor

    keys = pl.Series(list(factors), dtype=column.dtype)
    values = pl.Series(list(factors.values()), dtype=pl.Float64)

    def transform(weight: pl.Expr) -> pl.Expr:
        factor = pl.col(balance.column).replace_strict(keys, values, default=None)
        if null_factor is not None:
            factor = pl.when(pl.col(balance.column).is_null()).then(null_factor).otherwise(factor)
        return weight * factor

    shown = ", ".join(f"{value}: {factor:.4g}" for value, factor in list(factors.items())[:6])
    if null_factor is not None:
        shown += f", null: {null_factor:.4g}"
    detail = f"{balance.column}, {classes} classes, power {balance.power:g} ({shown})"
    return Fitted(transform, detail)


def _as_datetime(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(column).cast(pl.Datetime("us"))
    return pl.col(column).dt.cast_time_unit("us")


def fit_decay(decay: Decay, data: pl.DataFrame) -> Fitted:
    """Fit the recency factor ``0.5 ** (age / half_life)`` on a Date or Datetime column."""
    column = data.get_column(decay.column)
    dtype = column.dtype
    if dtype != pl.Date and not isinstance(dtype, pl.Datetime):
        raise ConfigError(
            f"decay.column '{decay.column}' has type {dtype}, expected a date or timestamp; "
            "use a Date or Datetime column, or ISO timestamps in CSV"
        )
    time_zone = dtype.time_zone if isinstance(dtype, pl.Datetime) else None
    timestamps = data.select(_as_datetime(decay.column, dtype)).to_series()

    if decay.reference == "max":
        reference = timestamps.max()
        if reference is None:
            raise InputError(f"decay.column '{decay.column}' has no values to take the max of")
    else:
        reference = _parse_reference(decay.reference, time_zone)
    assert isinstance(reference, datetime)

    half_life = decay.half_life_seconds()
    reference_literal = pl.lit(reference, dtype=pl.Datetime("us", time_zone))

    def age_seconds() -> pl.Expr:
        age = reference_literal - _as_datetime(decay.column, dtype)
        return age.dt.total_microseconds().cast(pl.Float64) / 1_000_000.0

    def transform(weight: pl.Expr) -> pl.Expr:
        return weight * pl.lit(0.5).pow(age_seconds() / half_life)

    after = int(data.select((age_seconds() < 0).sum()).item())
    notes = []
    if after:
        notes.append(
            f"decay: {after:,} rows are after the reference {reference.isoformat()}, "
            "so their factor is above 1"
        )
    detail = f"{decay.column}, half-life {decay.half_life}, reference {reference.isoformat()}"
    return Fitted(transform, detail, notes)


def _parse_reference(text: str, time_zone: str | None) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"decay.reference '{text}' is invalid; expected max or an ISO timestamp such as "
            "2013-12-31T00:00:00Z"
        ) from None
    if time_zone is None:
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class ClipPlan:
    """Resolved clip bounds and, with redistribution, the trim threshold and scale factor."""

    low: float | None
    cap: float | None
    threshold: float | None = None
    factor: float = 1.0
    trimmed_rows: int = 0
    moved_mass: float = 0.0


def fit_clip(clip: Clip, weights: pl.Series) -> tuple[Fitted, ClipPlan]:
    """Resolve the clip bounds from the pre-pass weights and fit the redistribution."""
    values = weights.drop_nulls()
    finite = values.filter(values.is_finite()).to_numpy()
    ordered = np.sort(finite)

    caps = [clip.max] if clip.max is not None else []
    sources = [f"max {clip.max:g}"] if clip.max is not None else []
    if clip.max_quantile is not None and len(ordered):
        from weightcli.stats import _sorted_quantile

        value = _sorted_quantile(ordered, clip.max_quantile)
        caps.append(value)
        sources.append(f"quantile {clip.max_quantile:g} = {value:.6g}")
    if clip.max_median_ratio is not None and len(ordered):
        positive = ordered[ordered > 0]
        if len(positive):
            value = clip.max_median_ratio * float(np.median(positive))
            caps.append(value)
            sources.append(f"{clip.max_median_ratio:g} x median = {value:.6g}")
    cap = min(caps) if caps else None
    low = clip.min

    lowered = np.maximum(ordered, low) if low is not None else ordered
    plan = ClipPlan(low=low, cap=cap)
    if clip.redistribute and cap is not None:
        plan = _fit_redistribution(np.sort(lowered), low, cap)

    def transform(weight: pl.Expr) -> pl.Expr:
        result = weight
        if plan.low is not None:
            result = pl.when(result < plan.low).then(plan.low).otherwise(result)
        if plan.threshold is not None:
            return (
                pl.when(result >= plan.threshold)
                .then(pl.lit(plan.cap))
                .otherwise(result * plan.factor)
            )
        if plan.cap is not None:
            result = pl.when(result > plan.cap).then(plan.cap).otherwise(result)
        return result

    parts = []
    if low is not None:
        parts.append(f"min {low:g}")
    if cap is not None:
        parts.append(f"max {cap:.6g}" + (f" ({'; '.join(sources)})" if len(sources) > 1 else ""))
    detail = ", ".join(parts) or "no bounds"
    notes = []
    if plan.threshold is not None:
        detail += f"; redistributed over untrimmed rows (factor {plan.factor:.6g})"
        notes.append(
            f"clip: trimmed {plan.trimmed_rows:,} rows to {cap:.6g} and moved "
            f"{plan.moved_mass:.6g} of weight mass to the other rows"
        )
    return Fitted(transform, detail, notes), plan


def _fit_redistribution(ordered: np.ndarray, low: float | None, cap: float) -> ClipPlan:
    """Trim weights above ``cap`` and scale the rest so that the total is kept, repeating
    until no row exceeds the cap (the closed form of the iterative survey procedure)."""
    if len(ordered) and ordered[0] < 0:
        raise ConfigError(
            "clip.redistribute needs weights of zero or more, but some are negative; "
            "set clip.min: 0 or turn redistribution off"
        )
    total = float(ordered.sum())
    count = len(ordered)
    if count * cap < total:
        raise ConfigError(
            f"clip max {cap:.6g} cannot hold the total weight {total:.6g} over {count:,} rows "
            f"(rows x cap = {count * cap:.6g}); raise the cap or turn redistribution off"
        )

    trimmed = int(np.count_nonzero(ordered > cap))
    if trimmed == 0:
        return ClipPlan(low=low, cap=cap)

    prefix = np.concatenate(([0.0], np.cumsum(ordered)))
    while True:
        kept = count - trimmed
        kept_sum = float(prefix[kept])
        factor = (total - trimmed * cap) / kept_sum if kept_sum > 0 else math.inf
        if kept == 0 or ordered[kept - 1] * factor <= cap:
            break
        # Rows whose scaled weight now exceeds the cap are trimmed too, ties included.
        trimmed = count - int(np.searchsorted(ordered, cap / factor, side="right"))

    moved = float(prefix[count] - prefix[count - trimmed]) - trimmed * cap
    return ClipPlan(
        low=low,
        cap=cap,
        threshold=float(ordered[count - trimmed]),
        factor=factor,
        trimmed_rows=trimmed,
        moved_mass=moved,
    )


def fit_normalize(mode: str, weights: pl.Series) -> Fitted:
    """Fit the scale that gives mean weight 1 (mean) or total weight 1 (sum)."""
    values = weights.drop_nulls()
    finite = values.filter(values.is_finite())
    total = float(finite.sum()) if len(finite) else 0.0
    if total == 0.0 or not math.isfinite(total):
        return Fitted(
            lambda weight: weight,
            "skipped",
            [f"normalize: skipped because the weights sum to {total:g}"],
        )
    scale = len(finite) / total if mode == "mean" else 1.0 / total
    return Fitted(lambda weight: weight * scale, f"{mode}, scale {scale:.6g}")
