"""Figures of a weight column, computed exactly from its values in memory.

Only the weight column (one Float64 value per row) is held, never the table. Quantiles use
linear interpolation between order statistics, as numpy's default ``linear`` method does."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from weightcli.errors import InputError
from weightcli.report.model import Stats

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
EXAMPLE_ROWS = 10


@dataclass(frozen=True)
class RowExamples:
    """1-based row numbers of the first few rows of each kind of invalid weight."""

    nulls: tuple[int, ...] = ()
    non_finite: tuple[int, ...] = ()
    negatives: tuple[int, ...] = ()


def quantile_name(q: float) -> str:
    """Return the report name of a quantile, such as 'p99'."""
    return f"p{round(q * 100)}"


def _sorted_quantile(ordered: np.ndarray, q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    low_value = float(ordered[low])
    if fraction == 0.0:
        return low_value
    return low_value + (float(ordered[high]) - low_value) * fraction


def _first_rows(mask: pl.Series) -> tuple[int, ...]:
    return tuple(int(i) + 1 for i in mask.arg_true().head(EXAMPLE_ROWS))


def row_examples(weights: pl.Series) -> RowExamples:
    """Return example rows of null, non-finite and negative weights."""
    values = weights.cast(pl.Float64)
    return RowExamples(
        nulls=_first_rows(values.is_null()),
        non_finite=_first_rows((~values.is_finite()).fill_null(False)),
        negatives=_first_rows((values < 0).fill_null(False)),
    )


def compute_stats(weights: pl.Series, name: str = "the table") -> Stats:
    """Compute every figure of the report for one weight column."""
    values = weights.cast(pl.Float64)
    rows = len(values)
    nulls = values.null_count()
    present = values.drop_nulls().to_numpy()
    finite_mask = np.isfinite(present)
    nan = int(np.isnan(present).sum())
    finite = present[finite_mask]

    ordered = pl.Series(finite).sort().to_numpy()
    positive = ordered[ordered > 0]
    negative = ordered[ordered < 0]

    total = _checked_sum(finite, name)
    count = len(finite)
    mean = total / count if count else None
    std = float(np.sqrt(np.mean((finite - mean) ** 2))) if mean is not None else None
    cv = std / mean if std is not None and mean else None

    positive_sum = _checked_sum(positive, name) if len(positive) else None
    ess = _kish_ess(positive) if len(positive) else None
    top_count = math.ceil(len(positive) / 100)
    top1 = None
    if positive_sum:
        top1 = float(positive[-top_count:].sum()) / positive_sum
    median_positive = float(np.median(positive)) if len(positive) else None

    return Stats(
        rows=rows,
        nulls=nulls,
        non_finite=int(len(present) - count),
        nan=nan,
        zeros=int(np.count_nonzero(ordered == 0)),
        negatives=len(negative),
        positives=len(positive),
        sum=total if count else None,
        mean=mean,
        std=std,
        min=float(ordered[0]) if count else None,
        max=float(ordered[-1]) if count else None,
        quantiles={
            quantile_name(q): (_sorted_quantile(ordered, q) if count else None) for q in QUANTILES
        },
        cv=cv,
        positive_sum=positive_sum,
        negative_sum=float(negative.sum()) if len(negative) else 0.0,
        ess=ess,
        ess_ratio=ess / rows if ess is not None and rows else None,
        skew_ratio=float(positive[-1] / positive[0]) if len(positive) else None,
        top1_share=top1,
        max_median_ratio=(float(positive[-1]) / median_positive if median_positive else None),
        design_effect=len(positive) / ess if ess else None,
    )


def _checked_sum(values: np.ndarray, name: str) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(values.sum())
    if not math.isfinite(total):
        raise InputError(
            f"the sum of the weights in {name} overflows float64 (largest weight "
            f"{float(np.abs(values).max()):.6g}); rescale the weights"
        )
    return total


def _kish_ess(positive: np.ndarray) -> float:
    # Scaling by the maximum keeps the squares from overflowing float64.
    scaled = positive / positive[-1]
    return float(scaled.sum() ** 2 / np.square(scaled).sum())


def weight_figures(weights: pl.Series) -> tuple[float | None, float | None, float | None, float]:
    """Return (min, max, ESS over positive weights, sum) of finite weights, for stage tables."""
    values = weights.cast(pl.Float64).drop_nulls()
    finite = values.filter(values.is_finite())
    if finite.is_empty():
        return None, None, None, 0.0
    array = finite.to_numpy()
    positive = np.sort(array[array > 0])
    ess = _kish_ess(positive) if len(positive) else None
    with np.errstate(over="ignore"):
        total = float(array.sum())
    return float(array.min()), float(array.max()), ess, total
