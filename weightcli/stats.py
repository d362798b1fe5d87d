"""Figures of a weight column, computed exactly from its values in memory.

Only the weight column (one Float64 value per row) is held, never the table. Quantiles use
linear interpolation between order statistics, as numpy's default ``linear`` method does."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from weightcli.errors import InputError
from weightcli.report.model import Stats

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
EXAMPLE_ROWS = 10
BLOCK = 1 << 14


@dataclass(frozen=True)
class RowExamples:
    """1-based row numbers of the first few rows of each kind of invalid weight.

    For list-valued weights the ``*_row_count`` fields give how many table rows contain such
    a weight, because one row can contain several. They are None for one weight per row."""

    nulls: tuple[int, ...] = ()
    non_finite: tuple[int, ...] = ()
    negatives: tuple[int, ...] = ()
    null_row_count: int | None = None
    non_finite_row_count: int | None = None
    negative_row_count: int | None = None


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


def row_examples(weights: pl.Series, row_index: pl.Series | None = None) -> RowExamples:
    """Return example rows of null, non-finite and negative weights.

    ``row_index`` maps each weight to its 0-based table row when the weights are the
    flattened elements of a list-valued column. The examples are then distinct table rows."""
    values = weights.cast(pl.Float64)
    if _all_valid(values):
        return RowExamples(
            null_row_count=None if row_index is None else 0,
            non_finite_row_count=None if row_index is None else 0,
            negative_row_count=None if row_index is None else 0,
        )
    masks = (
        values.is_null(),
        (~values.is_finite()).fill_null(False),
        (values < 0).fill_null(False),
    )
    if row_index is None:
        nulls, non_finite, negatives = (_first_rows(mask) for mask in masks)
        return RowExamples(nulls=nulls, non_finite=non_finite, negatives=negatives)

    null_rows, non_finite_rows, negative_rows = (
        row_index.filter(mask).unique(maintain_order=True) for mask in masks
    )
    return RowExamples(
        nulls=_table_rows(null_rows),
        non_finite=_table_rows(non_finite_rows),
        negatives=_table_rows(negative_rows),
        null_row_count=len(null_rows),
        non_finite_row_count=len(non_finite_rows),
        negative_row_count=len(negative_rows),
    )


def _all_valid(values: pl.Series) -> bool:
    """Return whether every weight is present, finite and non-negative: no row to show."""
    if values.null_count() or not values.is_finite().all():
        return False
    low = values.min()
    return low is None or float(low) >= 0  # type: ignore[arg-type]


def _table_rows(rows: pl.Series) -> tuple[int, ...]:
    return tuple(int(row) + 1 for row in rows.head(EXAMPLE_ROWS))


def compute_stats(
    weights: pl.Series, name: str = "the table", *, table_rows: int | None = None
) -> Stats:
    """Compute every figure of the report for one weight column.

    ``table_rows`` marks ``weights`` as the flattened elements of a list-valued column: every
    count and figure then covers the elements, ``elements`` is their number and ``rows`` is
    ``table_rows``."""
    stats, _ = compute_stats_and_order(weights, name, table_rows=table_rows)
    return stats


def compute_stats_and_order(
    weights: pl.Series, name: str = "the table", *, table_rows: int | None = None
) -> tuple[Stats, np.ndarray]:
    """Compute the figures as :func:`compute_stats` does, and return the finite weights sorted
    ascending too, so the histogram can count them without another pass."""
    values = weights.cast(pl.Float64)
    weight_count = len(values)
    rows = weight_count if table_rows is None else table_rows
    nulls = values.null_count()
    present = values.drop_nulls() if nulls else values
    nan = int(present.is_nan().sum())

    # One parallel sort gives every order statistic. Polars sorts -inf first and +inf, then
    # NaN, last, so the finite weights are one contiguous slice of the sorted copy.
    everything = present.sort().to_numpy()
    first = int(np.searchsorted(everything, -np.inf, side="right"))
    end = int(np.searchsorted(everything, np.inf, side="left"))
    ordered = everything[first:end]
    count = len(ordered)
    zero_start = int(np.searchsorted(ordered, 0.0, side="left"))
    zero_end = int(np.searchsorted(ordered, 0.0, side="right"))
    negative = ordered[:zero_start]
    positive = ordered[zero_end:]

    # Sums run over the weights in row order, so that they do not depend on the sort.
    finite = arrays_of(present) if count == len(present) else [_finite_values(present)]
    total = _checked_sum(finite, name)
    mean = total / count if count else None
    std = None
    if mean is not None:
        # Deviations are scaled by the largest one before squaring only when squares could
        # overflow float64.
        largest = max(abs(float(ordered[0]) - mean), abs(float(ordered[-1]) - mean))
        if not math.isfinite(largest):
            std = math.inf
        else:
            scale = largest if largest > 1e150 else 1.0
            std = scale * math.sqrt(_sum_of_squares(finite, mean, scale) / count)
    cv = std / mean if std is not None and mean else None

    positive_sum = _checked_sum([positive], name) if len(positive) else None
    ess = _kish_ess([positive], float(positive[-1])) if len(positive) else None
    top_count = math.ceil(len(positive) / 100)
    top1 = None
    if positive_sum:
        top1 = float(positive[-top_count:].sum()) / positive_sum
    median_positive = _sorted_median(positive) if len(positive) else None

    stats = Stats(
        rows=rows,
        nulls=nulls,
        non_finite=int(len(present) - count),
        nan=nan,
        zeros=zero_end - zero_start,
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
        ess_ratio=ess / weight_count if ess is not None and weight_count else None,
        skew_ratio=_ratio(float(positive[-1]), float(positive[0])) if len(positive) else None,
        top1_share=top1,
        max_median_ratio=(float(positive[-1]) / median_positive if median_positive else None),
        design_effect=len(positive) / ess if ess else None,
        elements=None if table_rows is None else weight_count,
    )
    return stats, ordered


def arrays_of(values: pl.Series) -> list[np.ndarray]:
    """Return the chunks of a Float64 series without nulls as numpy arrays, without a copy.

    The weights collected by a streaming pass come in many chunks, and joining them into one
    array would copy every weight once more."""
    return [chunk.to_numpy() for chunk in values.get_chunks()]


def sum_values(arrays: list[np.ndarray]) -> float:
    """Return the sum of the values of ``arrays``, taken as one sequence.

    Each block of ``BLOCK`` values is summed pairwise by numpy and the block sums are added
    exactly, so the result does not depend on how the values are split into arrays. A sum
    beyond float64 is infinite, as numpy's own sum would be."""
    with np.errstate(over="ignore", invalid="ignore"):
        partial = [float(block.sum()) for block, _ in _blocks(arrays)]
    try:
        return math.fsum(partial)
    except OverflowError:
        # fsum raises where finite block sums overflow together, and sum gives the infinity.
        return sum(partial)


def _checked_sum(arrays: list[np.ndarray], name: str) -> float:
    total = sum_values(arrays)
    if not math.isfinite(total):
        largest = max(float(np.abs(array).max()) for array in arrays if len(array))
        raise InputError(
            f"the sum of the weights in {name} overflows float64 (largest weight "
            f"{largest:.6g}); rescale the weights"
        )
    return total


def _finite_values(values: pl.Series) -> np.ndarray:
    return values.filter(values.is_finite()).to_numpy()


def _sorted_median(ordered: np.ndarray) -> float:
    # The same value as np.median, without the partition copy that np.median makes.
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)


def _blocks(arrays: list[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the values of ``arrays``, taken as one sequence, in blocks of ``BLOCK`` values
    (the last may be shorter), each with a scratch buffer of its length.

    The blocks start at the same positions however the values are split into arrays, so the
    sums built from them do not depend on the split. A block that spans arrays is copied into
    one reused buffer, and one scratch buffer serves every block, so the figures that need a
    transformed copy of the weights never allocate one of full size. A yielded block is valid
    until the next one is requested."""
    longest = min(sum(len(array) for array in arrays), BLOCK)
    scratch = np.empty(longest)
    joined = np.empty(longest)
    filled = 0
    for array in arrays:
        start = 0
        while start < len(array):
            if filled == 0 and len(array) - start >= BLOCK:
                yield array[start : start + BLOCK], scratch
                start += BLOCK
                continue
            copied = min(BLOCK - filled, len(array) - start)
            joined[filled : filled + copied] = array[start : start + copied]
            filled += copied
            start += copied
            if filled == BLOCK:
                yield joined, scratch
                filled = 0
    if filled:
        yield joined[:filled], scratch[:filled]


def _sum_of_squares(arrays: list[np.ndarray], center: float, scale: float) -> float:
    """Return the sum of ``((value - center) / scale) ** 2``, summed pairwise in blocks."""
    total = 0.0
    for block, scratch in _blocks(arrays):
        np.subtract(block, center, out=scratch)
        if scale != 1.0:
            scratch /= scale
        np.square(scratch, out=scratch)
        total += float(scratch.sum())
    return total


def _kish_ess(positive: list[np.ndarray], peak: float) -> float:
    """Return the Kish ESS of positive weights whose largest value is ``peak``.

    Scaling by the largest weight keeps the squares from overflowing float64."""
    total = 0.0
    squares = 0.0
    for block, scratch in _blocks(positive):
        np.divide(block, peak, out=scratch)
        total += float(scratch.sum())
        np.square(scratch, out=scratch)
        squares += float(scratch.sum())
    return total**2 / squares


def weight_figures(weights: pl.Series) -> tuple[float | None, float | None, float | None, float]:
    """Return (min, max, ESS over positive weights, sum) of finite weights, for stage tables."""
    values = weights.cast(pl.Float64)
    if values.null_count():
        values = values.drop_nulls()
    arrays = arrays_of(values)
    if not all(np.isfinite(array).all() for array in arrays):
        arrays = [array[np.isfinite(array)] for array in arrays]
    arrays = [array for array in arrays if len(array)]
    if not arrays:
        return None, None, None, 0.0
    low = min(float(array.min()) for array in arrays)
    high = max(float(array.max()) for array in arrays)
    positive = arrays if low > 0 else [array[array > 0] for array in arrays]
    positive = [array for array in positive if len(array)]
    ess = _kish_ess(positive, high) if positive else None
    return low, high, ess, sum_values(arrays)


def _ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, or infinity when the quotient overflows float64.

    Python raises OverflowError where numpy would warn on standard error."""
    try:
        return numerator / denominator
    except OverflowError:
        return math.inf
