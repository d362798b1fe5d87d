"""The pre-pass: one streaming read that evaluates the rules and keeps only what the stages need.

The rules are evaluated while the table streams through, so the pre-pass keeps the rule
weights (8 bytes a row), which rule decided each row, and the columns that later stages and
the class checks read. The columns that only the rules read are never held in memory."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from weightcli.errors import InputError, RuleError, first_line
from weightcli.io.read import RAGGED_MESSAGE, ragged_row_error
from weightcli.weights.lookup import MATCH_FLAG
from weightcli.weights.rules import CompiledRules, rule_pieces

RULE_WEIGHT = "__weightcli_rule_weight"
RULE_INDEX = "__weightcli_rule_index"
RULE_MASK = "__weightcli_rule_mask_"
DEFAULT_WEIGHT = "__weightcli_default_weight"
UNMATCHED = "__weightcli_lookup_unmatched"


def collect(frame: pl.LazyFrame, name: str) -> pl.DataFrame:
    """Collect ``frame`` with the streaming engine; a read failure is an InputError."""
    try:
        return frame.collect(engine="streaming")
    except pl.exceptions.PolarsError as error:
        if RAGGED_MESSAGE in str(error):
            raise ragged_row_error(name) from None
        raise InputError(f"cannot read '{name}': {first_line(error, 'read failed')}") from None


def _index_dtype(count: int) -> pl.DataType:
    if count < 1 << 8:
        return pl.UInt8()
    if count < 1 << 16:
        return pl.UInt16()
    return pl.UInt32()


def decision_columns(rules: CompiledRules) -> list[pl.Expr]:
    """Return the columns that record which rules decided each row.

    In mode ``first`` one small integer column contains the index of the deciding rule (null
    where the default decided). In mode ``multiply`` every rule has a Boolean column, which
    polars stores at one bit a row."""
    if not rules.rules:
        return []
    if rules.mode == "first":
        chain: Any = pl
        dtype = _index_dtype(len(rules.rules))
        for index, rule in enumerate(rules.rules):
            condition = rule.condition if rule.condition is not None else pl.lit(True)
            chain = chain.when(condition).then(pl.lit(index, dtype=dtype))
        return [chain.otherwise(pl.lit(None, dtype=dtype)).alias(RULE_INDEX)]
    return [mask.alias(f"{RULE_MASK}{index}") for index, mask in enumerate(rules.matches())]


def decision_masks(rules: CompiledRules) -> list[pl.Expr]:
    """Return, per rule, a Boolean over the pre-pass columns: the rows the rule decided."""
    if rules.mode == "first":
        return [(pl.col(RULE_INDEX) == index).fill_null(False) for index in range(len(rules.rules))]
    return [pl.col(f"{RULE_MASK}{index}") for index in range(len(rules.rules))]


def prepass_columns(
    rules: CompiledRules, kept: list[str], *, default_weight: bool, lookup: bool
) -> list[pl.Expr]:
    """Return every column the pre-pass collects."""
    columns = [rules.weight().alias(RULE_WEIGHT), *decision_columns(rules)]
    if default_weight:
        columns.append(rules.default.cast(pl.Float64).alias(DEFAULT_WEIGHT))
    if lookup:
        columns.append(pl.col(MATCH_FLAG).is_null().alias(UNMATCHED))
    columns.extend(pl.col(name) for name in kept)
    return columns


def run_prepass(
    source: pl.LazyFrame,
    columns: list[pl.Expr],
    needed: list[str],
    name: str,
    rules: CompiledRules,
) -> pl.DataFrame:
    """Stream ``source`` once and collect ``columns``.

    The columns keep the chunks of the streaming pass: the statistics read them chunk by chunk,
    so joining them would only copy every value once more.

    Literal columns (a rule without a condition, a numeric weight) are broadcast to every
    row: they are added with ``with_columns`` and then selected."""
    names = [column.meta.output_name() for column in columns]
    try:
        data = source.with_columns(columns).select(names).collect(engine="streaming")
    except pl.exceptions.PolarsError as error:
        if RAGGED_MESSAGE in str(error):
            raise ragged_row_error(name) from None
        # The same error may come from reading the table or from evaluating a rule. Reading
        # the columns alone shows which, and evaluating each piece alone shows which rule.
        collect(source.select(needed), name)
        raise _failed_piece(source, rules, error) from None
    return data


BATCH_COUNT = re.compile(r" for \d+ out of \d+ values")


def _failed_piece(source: pl.LazyFrame, rules: CompiledRules, error: Exception) -> RuleError:
    """Return the error that names the first rule piece that fails on ``source``."""
    for label, part, expr, text in rule_pieces(rules):
        try:
            source.select(expr.is_null().sum()).collect(engine="streaming")
        except pl.exceptions.PolarsError as piece_error:
            # polars counts the failed values of one batch, not of the table.
            reason = BATCH_COUNT.sub("", first_line(piece_error, "failed"))
            hint = "fix the rule or the values it reads"
            if "conversion from" in reason:
                hint = "use TRY_CAST to read values that do not convert as NULL, or fix the values"
            return RuleError(f'{label}: {part} "{text}" failed on the table ({reason}); {hint}')
    return RuleError(f"the rules failed on the table: {first_line(error, 'failed')}")


__all__ = [
    "DEFAULT_WEIGHT",
    "RULE_WEIGHT",
    "UNMATCHED",
    "collect",
    "decision_masks",
    "prepass_columns",
    "run_prepass",
]
