"""Baseline (a): hand-written polars doing what ``weightcli apply`` does.

One projected pre-pass collects the columns the weights need; the weights, their mean and
every report figure come from that; then a streaming ``sink_parquet`` writes the table with
the weight column. ``--figures PATH`` writes the figures as JSON for the correctness check.

Usage: python -m benchmarks.baselines.polars_full INPUT OUTPUT [--figures PATH]"""

from __future__ import annotations

import json
import sys

import polars as pl

from benchmarks.baselines.figures import stage_exprs, stats_dict, stats_exprs
from benchmarks.job import INPUT_COLUMNS, WEIGHT_COLUMN, raw_weight, vip_mask


def main(arguments: list[str]) -> None:
    """Weight INPUT into OUTPUT and compute the report figures."""
    source, destination = arguments[0], arguments[1]
    figures_path = arguments[3] if len(arguments) > 3 and arguments[2] == "--figures" else None
    table = pl.scan_parquet(source)

    data = table.select(INPUT_COLUMNS).collect(engine="streaming")
    data = data.select(raw_weight().alias("raw"), vip_mask().alias("vip"))
    raw = data.get_column("raw")
    finite = raw.filter(raw.is_finite())
    scale = len(finite) / finite.sum()
    data = data.with_columns((pl.col("raw") * scale).alias(WEIGHT_COLUMN))

    stats = stats_dict(data.select(stats_exprs(WEIGHT_COLUMN)).row(0, named=True))
    stages = [
        data.select(stage_exprs("raw")).row(0, named=True),
        data.select(stage_exprs(WEIGHT_COLUMN)).row(0, named=True),
    ]
    vip = pl.col("vip")
    weight = pl.col(WEIGHT_COLUMN)
    rules = data.select(
        vip.sum().alias("vip_rows"),
        weight.filter(vip).sum().alias("vip_sum"),
        (~vip).sum().alias("value_rows"),
        weight.filter(~vip).sum().alias("value_sum"),
    ).row(0, named=True)

    table.with_columns((raw_weight() * scale).alias(WEIGHT_COLUMN)).sink_parquet(
        destination, engine="streaming"
    )

    if figures_path is not None:
        document = {"stats": stats, "stages": stages, "rules": rules, "rows_out": len(raw)}
        with open(figures_path, "w", encoding="utf-8") as stream:
            json.dump(document, stream)


if __name__ == "__main__":
    main(sys.argv[1:])
