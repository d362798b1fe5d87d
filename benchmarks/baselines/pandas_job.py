"""Baseline (c): the apply job in pandas and numpy, the way a notebook would write it.

Reads the whole table, computes the weights, the mean and the report figures, and writes
the table with the weight column.

Usage: python -m benchmarks.baselines.pandas_job INPUT OUTPUT"""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd

from benchmarks.job import VIP_MIN_VALUE, VIP_WEIGHT, WEIGHT_COLUMN

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def figures(weights: np.ndarray) -> dict[str, float]:
    """Return the main report figures of finite ``weights``."""
    ordered = np.sort(weights[np.isfinite(weights)])
    positive = ordered[ordered > 0]
    ess = positive.sum() ** 2 / np.square(positive).sum()
    top_count = math.ceil(len(positive) / 100)
    result = {
        "sum": float(ordered.sum()),
        "mean": float(ordered.mean()),
        "std": float(ordered.std()),
        "min": float(ordered[0]),
        "max": float(ordered[-1]),
        "ess": float(ess),
        "top1_share": float(positive[-top_count:].sum() / positive.sum()),
        "skew_ratio": float(positive[-1] / positive[0]),
        "max_median_ratio": float(positive[-1] / np.median(positive)),
    }
    for q, value in zip(QUANTILES, np.quantile(ordered, QUANTILES), strict=True):
        result[f"p{round(q * 100)}"] = float(value)
    return result


def main(arguments: list[str]) -> None:
    """Weight INPUT into OUTPUT and compute the report figures."""
    source, destination = arguments[0], arguments[1]
    table = pd.read_parquet(source)

    value = table["lifetime_value"].to_numpy(dtype=np.float64)
    vip = (table["tier"] == "gold").to_numpy() & (value > VIP_MIN_VALUE)
    raw = np.where(vip, VIP_WEIGHT, np.log1p(value))
    weights = raw * (len(raw) / raw.sum())
    figures(raw)
    figures(weights)
    table[WEIGHT_COLUMN] = weights

    table.to_parquet(destination, index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
