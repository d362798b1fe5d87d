"""The weighting job that every apply benchmark runs, written once as polars expressions.

It mirrors ``benchmarks/weightcli.yaml``: rule ``vip`` gives 5 to gold-tier rows with a
lifetime value above 1000, rule ``value`` gives ``LN(1 + lifetime_value)`` to every other row,
and the weights are normalised to mean 1."""

from __future__ import annotations

import polars as pl

CONFIG_NAME = "weightcli.yaml"
WEIGHT_COLUMN = "weight"
INPUT_COLUMNS = ("tier", "lifetime_value")
VIP_WEIGHT = 5.0
VIP_MIN_VALUE = 1000.0


def vip_mask() -> pl.Expr:
    """Return the condition of rule ``vip``."""
    return (pl.col("tier") == "gold") & (pl.col("lifetime_value") > VIP_MIN_VALUE)


def raw_weight() -> pl.Expr:
    """Return the weight before normalisation (the first matching rule wins)."""
    value = (1.0 + pl.col("lifetime_value").cast(pl.Float64)).log()
    return pl.when(vip_mask()).then(pl.lit(VIP_WEIGHT)).otherwise(value)
