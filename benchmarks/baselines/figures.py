"""The report figures of a weight column as one polars aggregation.

Definitions follow weightcli's report: counts over every row; sum, mean, population std,
min, max and linear-interpolation quantiles over finite weights; ESS, skew ratio, top-1%
share (the largest ceil(n / 100) weights), max/median and design effect over finite
positive weights."""

from __future__ import annotations

import polars as pl

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def stats_exprs(column: str) -> list[pl.Expr]:
    """Return the expressions of every figure of ``column``, each a one-row result."""
    weight = pl.col(column).cast(pl.Float64)
    finite = weight.filter(weight.is_finite())
    positive = finite.filter(finite > 0)
    top_count = (positive.len() + 99) // 100
    ess = positive.sum() ** 2 / (positive * positive).sum()
    return [
        weight.len().alias("rows"),
        weight.null_count().alias("nulls"),
        weight.is_nan().sum().alias("nan"),
        (weight.is_not_null().sum() - finite.len()).alias("non_finite"),
        (finite == 0).sum().alias("zeros"),
        (finite < 0).sum().alias("negatives"),
        positive.len().alias("positives"),
        finite.sum().alias("sum"),
        finite.mean().alias("mean"),
        finite.std(ddof=0).alias("std"),
        finite.min().alias("min"),
        finite.max().alias("max"),
        finite.quantile(list(QUANTILES), interpolation="linear").alias("quantiles"),
        positive.sum().alias("positive_sum"),
        finite.filter(finite < 0).sum().alias("negative_sum"),
        ess.alias("ess"),
        (ess / weight.len()).alias("ess_ratio"),
        (positive.max() / positive.min()).alias("skew_ratio"),
        (positive.top_k(top_count).sum() / positive.sum()).alias("top1_share"),
        (positive.max() / positive.median()).alias("max_median_ratio"),
        (positive.len() / ess).alias("design_effect"),
    ]


def stats_dict(row: dict[str, object]) -> dict[str, object]:
    """Turn one collected row of :func:`stats_exprs` into weightcli's ``stats`` mapping."""
    figures = dict(row)
    values = figures.pop("quantiles")
    assert isinstance(values, list)
    figures["quantiles"] = {f"p{round(q * 100)}": v for q, v in zip(QUANTILES, values, strict=True)}
    figures["cv"] = figures["std"] / figures["mean"]  # type: ignore[operator]
    return figures


def stage_exprs(column: str) -> list[pl.Expr]:
    """Return the sum, min, max and ESS of ``column``, as the report's stage table shows."""
    weight = pl.col(column)
    finite = weight.filter(weight.is_finite())
    positive = finite.filter(finite > 0)
    return [
        finite.sum().alias("sum"),
        finite.min().alias("min"),
        finite.max().alias("max"),
        (positive.sum() ** 2 / (positive * positive).sum()).alias("ess"),
    ]
