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

from weightcli.checks.format import figure, fmt
from weightcli.config.model import Balance, Clip, Decay
from weightcli.errors import ConfigError, InputError
from weightcli.stats import _sorted_quantile, arrays_of, sum_values

Transform = Callable[[pl.Expr], pl.Expr]

# Classes listed by value in the stage detail; the rest are counted.
SHOWN_CLASSES = 6


@dataclass
class Fitted:
    """A fitted stage: its transform, a one-line description and notes for the report."""

    transform: Transform
    detail: str
    notes: list[str] = field(default_factory=list)


def balance_factors(counts: dict[object, int], power: float) -> dict[object, float]:
    """Return the factor ``(n / (k * count_c)) ** power`` of every class.

    ``n`` is the number of counted rows and ``k`` the number of classes. At power 1 this is
    scikit-learn's ``compute_sample_weight("balanced", y)``."""
    total = sum(counts.values())
    classes = len(counts)
    return {value: (total / (classes * count)) ** power for value, count in counts.items()}


def fit_balance(balance: Balance, data: pl.DataFrame) -> Fitted:
    """Fit the class-balance factor ``(n / (k * count_c)) ** power`` on the class column."""
    column = data.get_column(balance.column)
    if column.dtype.is_nested():
        raise ConfigError(
            f"balance.column '{balance.column}' is a nested column ({column.dtype}), but "
            "balance needs one class value per row; choose a column with one value per row"
        )

    nulls = column.null_count()
    if nulls and balance.null == "error":
        first = int(column.is_null().arg_true()[0]) + 1
        raise InputError(
            f"balance.column '{balance.column}' has {nulls:,} null values (first at row "
            f"{first}); set balance.null to ignore (keep their weight) or class "
            "(balance them as a class of their own)"
        )

    counted = column if balance.null == "class" else column.drop_nulls()
    if counted.is_empty():
        raise InputError(
            f"balance.column '{balance.column}' has no class values to count (every value is "
            "null); choose another column or set balance.null: class"
        )
    counts = counted.value_counts(sort=True, name="count")
    factors = balance_factors(dict(counts.iter_rows()), balance.power)
    null_factor = factors.pop(None, None)
    if nulls and balance.null == "ignore":
        # Rows without a class are not part of the balance: their weight stays as it is.
        null_factor = 1.0

    keys = pl.Series(list(factors), dtype=column.dtype)
    values = pl.Series(list(factors.values()), dtype=pl.Float64)

    def transform(weight: pl.Expr) -> pl.Expr:
        factor = pl.col(balance.column).replace_strict(keys, values, default=None)
        if null_factor is not None:
            factor = pl.when(pl.col(balance.column).is_null()).then(null_factor).otherwise(factor)
        return weight * factor

    classes = len(counts)
    shown = [
        f"{value}: {figure(factor, 4)}" for value, factor in list(factors.items())[:SHOWN_CLASSES]
    ]
    if len(factors) > SHOWN_CLASSES:
        shown.append(f"{len(factors) - SHOWN_CLASSES} more")
    if null_factor is not None and balance.null == "class":
        shown.append(f"null: {figure(null_factor, 4)}")
    detail = f"{balance.column}, {classes} classes, power {balance.power:g} ({', '.join(shown)})"

    notes = []
    if nulls and balance.null == "ignore":
        notes.append(
            f"balance: {nulls:,} rows have a null '{balance.column}'; they are left out of "
            "the class counts and keep their weight (set balance.null: class or error to "
            "change this)"
        )
    return Fitted(transform, detail, notes)


def _as_datetime(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(column).cast(pl.Datetime("us"))
    return pl.col(column).dt.cast_time_unit("us")


def fit_decay(decay: Decay, data: pl.DataFrame) -> Fitted:
    """Fit the recency factor ``0.5 ** (age / half_life)`` on a Date or Datetime column.

    The age is the reference minus the row's timestamp: ``max`` (the column's latest value)
    or an ISO timestamp. A naive column and a naive reference are both read as UTC."""
    column = data.get_column(decay.column)
    dtype = column.dtype
    if dtype != pl.Date and not isinstance(dtype, pl.Datetime):
        raise ConfigError(
            f"decay.column '{decay.column}' has type {dtype}, expected a date or timestamp; "
            "use a Date or Datetime column, or ISO timestamps such as 2013-01-01T10:00:00Z in CSV"
        )
    time_zone = dtype.time_zone if isinstance(dtype, pl.Datetime) else None
    timestamps = data.select(_as_datetime(decay.column, dtype)).to_series()

    if decay.reference == "max":
        reference = timestamps.max()
        if reference is None:
            raise InputError(
                f"decay.column '{decay.column}' has only null values, so it has no max to "
                "use as the reference; set decay.reference to an ISO timestamp"
            )
    else:
        reference = _parse_reference(decay.reference, time_zone)
    assert isinstance(reference, datetime)

    if time_zone is None:
        reference_literal = pl.lit(reference, dtype=pl.Datetime("us"))
    else:
        # A literal must carry the column's own time zone, so it is built in UTC first.
        reference = reference.astimezone(UTC)
        utc = pl.lit(reference, dtype=pl.Datetime("us", "UTC"))
        reference_literal = utc.dt.convert_time_zone(time_zone)

    def age_microseconds() -> pl.Expr:
        age = reference_literal - _as_datetime(decay.column, dtype)
        return age.dt.total_microseconds()

    def transform(weight: pl.Expr) -> pl.Expr:
        return weight * pl.lit(0.5).pow(_half_lives(age_microseconds(), decay))

    notes = []
    after = int(data.select((age_microseconds() < 0).sum()).item())
    if after:
        notes.append(
            f"decay: {after:,} rows are after the reference {reference.isoformat()}, "
            "so their factor is above 1"
        )
    nulls = column.null_count()
    if nulls:
        notes.append(
            f"decay: {nulls:,} rows have a null '{decay.column}', so their weight is null "
            "and on_null decides what they get"
        )
    detail = f"{decay.column}, half-life {decay.half_life}, reference {reference.isoformat()}"
    return Fitted(transform, detail, notes)


def _half_lives(age: pl.Expr, decay: Decay) -> pl.Expr:
    """Return the age in half-lives, exact when the age is a whole number of half-lives.

    The whole half-lives come from integer division of the microseconds and only the
    remainder is divided, so an age of a whole number of half-lives gives an exact power of
    0.5 however the floating-point division of the full age would round."""
    half_life = decay.half_life_seconds() * 1_000_000
    if half_life != round(half_life):
        return age.cast(pl.Float64) / half_life
    whole = round(half_life)
    return (age // whole).cast(pl.Float64) + (age % whole).cast(pl.Float64) / whole


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
    """Smallest weight (after the lower bound) that is trimmed to ``cap``."""
    factor: float = 1.0
    """Scale of the untrimmed weights that keeps the total."""
    trimmed_rows: int = 0
    moved_mass: float = 0.0


def _resolve_cap(clip: Clip, ordered: np.ndarray) -> tuple[float | None, list[str]]:
    caps = [clip.max] if clip.max is not None else []
    sources = [f"max {fmt(clip.max)}"] if clip.max is not None else []
    if clip.max_quantile is not None and len(ordered):
        value = _sorted_quantile(ordered, clip.max_quantile)
        caps.append(value)
        sources.append(f"quantile {clip.max_quantile:g} = {fmt(value)}")
    if clip.max_median_ratio is not None:
        positive = ordered[ordered > 0]
        if len(positive):
            value = clip.max_median_ratio * float(np.median(positive))
            caps.append(value)
            sources.append(f"{fmt(clip.max_median_ratio)} x median = {fmt(value)}")
    return (min(caps) if caps else None), sources


def fit_clip(clip: Clip, weights: pl.Series) -> tuple[Fitted, ClipPlan]:
    """Resolve the clip bounds from the pre-pass weights and fit the redistribution.

    The upper bound is the smallest of ``max``, the ``max_quantile`` quantile of the finite
    weights and ``max_median_ratio`` times the median of the positive weights. Null, NaN
    and infinite weights pass through unchanged, so that the checks still report them."""
    values = weights.drop_nulls()
    ordered = np.sort(values.filter(values.is_finite()).to_numpy())
    cap, sources = _resolve_cap(clip, ordered)
    low = clip.min
    if low is not None and cap is not None and low > cap:
        raise ConfigError(
            f"clip.min {low:g} is above the upper bound {cap:.6g} ({'; '.join(sources)}); "
            "lower clip.min or raise the upper bound"
        )

    lowered = np.maximum(ordered, low) if low is not None else ordered
    plan = ClipPlan(low=low, cap=cap)
    if clip.redistribute and cap is not None:
        plan = _fit_redistribution(np.sort(lowered), low, cap)

    def transform(weight: pl.Expr) -> pl.Expr:
        result = weight
        if plan.low is not None:
            result = pl.when(result < plan.low).then(plan.low).otherwise(result)
        if plan.threshold is not None:
            result = (
                pl.when(result >= plan.threshold)
                .then(pl.lit(plan.cap))
                .otherwise(result * plan.factor)
            )
        elif plan.cap is not None:
            result = pl.when(result > plan.cap).then(plan.cap).otherwise(result)
        return pl.when(weight.is_finite()).then(result).otherwise(weight)

    parts = []
    if low is not None:
        parts.append(f"min {fmt(low)}")
    if cap is not None:
        parts.append(f"max {fmt(cap)}" + (f" ({'; '.join(sources)})" if len(sources) > 1 else ""))
    detail = ", ".join(parts) or "no bounds"

    raised = int(np.count_nonzero(ordered < low)) if low is not None else 0
    notes = []
    if plan.threshold is not None:
        assert cap is not None
        detail += f"; redistributed over untrimmed rows (factor {fmt(plan.factor)})"
        notes.append(
            f"clip: trimmed {plan.trimmed_rows:,} rows to {fmt(cap)} and moved "
            f"{fmt(plan.moved_mass)} of weight mass to the other rows"
        )
    elif cap is not None:
        lowered_rows = int(np.count_nonzero(lowered > cap))
        notes.append(_bound_note("lowered", lowered_rows, "above", cap))
    if low is not None:
        notes.append(_bound_note("raised", raised, "below", low))
    return Fitted(transform, detail, notes), plan


def _bound_note(verb: str, rows: int, side: str, bound: float) -> str:
    """Return the note on the rows a clip bound moved: 'clip: raised 3 rows to 0.5'."""
    if rows == 0:
        return f"clip: no weight was {side} {fmt(bound)}, so no row was {verb}"
    return f"clip: {verb} {rows:,} {'row' if rows == 1 else 'rows'} to {fmt(bound)}"


def _fit_redistribution(ordered: np.ndarray, low: float | None, cap: float) -> ClipPlan:
    """Trim weights above ``cap`` and scale the rest so that the total is kept, repeating
    until no row exceeds the cap.

    This is the fixed point of trimming and proportional redistribution repeated until no
    weight exceeds the cap (survey weight trimming), found on the sorted weights in a few
    steps: the untrimmed rows are always the smallest ones."""
    if len(ordered) and ordered[0] < 0:
        raise ConfigError(
            "clip.redistribute needs weights of zero or more, but some are negative; "
            "set clip.min: 0 or turn redistribution off"
        )
    total = float(ordered.sum())
    count = len(ordered)
    # Zero weights scale to zero, so only positive rows can take a share of the moved mass.
    positive = int(np.count_nonzero(ordered > 0))
    if positive * cap < total:
        raise ConfigError(
            f"clip max {cap:.6g} cannot hold the total weight {total:.6g} over {positive:,} "
            f"rows with a positive weight (rows x max = {positive * cap:.6g}); raise the max "
            "or turn redistribution off"
        )

    trimmed = int(np.count_nonzero(ordered > cap))
    if trimmed == 0:
        return ClipPlan(low=low, cap=cap)

    prefix = np.concatenate(([0.0], np.cumsum(ordered)))
    while True:
        kept = count - trimmed
        kept_sum = float(prefix[kept])
        if kept_sum <= 0.0:
            # Every positive row is trimmed: the capacity check above makes them hold the
            # total exactly at the cap.
            factor = 1.0
            break
        factor = (total - trimmed * cap) / kept_sum
        if ordered[kept - 1] * factor <= cap:
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
    finite = weights.drop_nulls() if weights.null_count() else weights
    if not finite.is_finite().all():
        finite = finite.filter(finite.is_finite())
    # Summed in fixed blocks, so the scale does not depend on how the weights are chunked.
    total = sum_values(arrays_of(finite.cast(pl.Float64)))
    if total == 0.0 or not math.isfinite(total):
        return Fitted(
            lambda weight: weight,
            "skipped",
            [f"normalize: skipped because the weights sum to {fmt(total)}"],
        )
    scale = len(finite) / total if mode == "mean" else 1.0 / total
    return Fitted(lambda weight: weight * scale, f"{mode}, scale {fmt(scale)}")
