"""Histogram of positive weights in log-spaced bins, with the zero and negative counts beside.

Weights often span orders of magnitude (a balance factor of 50 next to a base weight of 1), so
equal-width bins would put nearly every row in the first bin. Log-spaced bins show each order
of magnitude with the same resolution."""

from __future__ import annotations

import numpy as np
import polars as pl

from weightcli.report.model import Histogram

MAX_BINS = 12


def compute_histogram(weights: pl.Series, max_bins: int = MAX_BINS) -> Histogram:
    """Count the finite positive weights and their sum in ``max_bins`` log-spaced bins.

    The bins run from the smallest to the largest positive weight. Each bin contains the
    values ``edges[i] <= w < edges[i + 1]``, and the last bin also contains its upper edge.
    With fewer than ``max_bins`` distinct values there are only as many bins as distinct
    values, and a single distinct value gives one bin whose two edges are equal. Null, NaN
    and infinite weights are in no count. A list-valued weight column counts each element."""
    if isinstance(weights.dtype, pl.List | pl.Array):
        weights = weights.explode()

    values = weights.cast(pl.Float64).drop_nulls().to_numpy()
    finite = values[np.isfinite(values)]
    return histogram_of_sorted(np.sort(finite), max_bins)


def histogram_of_sorted(ordered: np.ndarray, max_bins: int = MAX_BINS) -> Histogram:
    """Build the histogram from the finite weights sorted ascending.

    Bin counts and sums come from binary searches over the sorted values, so no bin index is
    computed per weight."""
    if max_bins < 1:
        raise ValueError(f"max_bins must be 1 or more, not {max_bins}")
    zero_start = int(np.searchsorted(ordered, 0.0, side="left"))
    zero_end = int(np.searchsorted(ordered, 0.0, side="right"))
    zeros = zero_end - zero_start
    negatives = zero_start
    positive = ordered[zero_end:]
    if len(positive) == 0:
        return Histogram(edges=(), counts=(), zeros=zeros, negatives=negatives)

    low = float(positive.min())
    high = float(positive.max())
    if low == high:
        return Histogram(
            edges=(low, high),
            counts=(len(positive),),
            zeros=zeros,
            negatives=negatives,
            sums=(float(positive.sum()),),
        )

    edges, counts, sums = _log_bins(positive, low, high, max_bins)
    # A column of a few distinct weights (a balance factor per class, rule constants) would
    # leave most of the bins empty, so it gets as many bins as distinct values. The distinct count
    # hashes every value, so it is computed only when some bin is empty.
    if np.count_nonzero(counts) < max_bins:
        distinct = pl.Series(positive).n_unique()
        if distinct < max_bins:
            edges, counts, sums = _log_bins(positive, low, high, distinct)
    return Histogram(
        edges=tuple(float(edge) for edge in edges),
        counts=tuple(int(count) for count in counts),
        zeros=zeros,
        negatives=negatives,
        sums=tuple(float(total) for total in sums),
    )


def _log_bins(
    positive: np.ndarray, low: float, high: float, bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return edges, counts and weight sums of ``bins`` log-spaced bins from low to high."""
    edges = np.geomspace(low, high, bins + 1)
    # geomspace can miss the end points by one ulp; pin them so that min and max are counted.
    edges[0] = low
    edges[-1] = high
    # ``positive`` is sorted, so each bin is one slice: [edges[i], edges[i + 1]), the last one
    # closed at ``high``.
    bounds = np.searchsorted(positive, edges[1:-1], side="left")
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(positive)]))
    counts = ends - starts
    sums = np.zeros(bins)
    filled = counts > 0
    if filled.any():
        sums[filled] = np.add.reduceat(positive, starts[filled])
    return edges, counts, sums
