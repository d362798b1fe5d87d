"""The weighting pipeline: a streaming pre-pass, the fitted stages, and the lazy plan to write.

Stage order: rules -> balance -> decay -> (on_null) -> clip -> normalize."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from weightcli.config.model import Config
from weightcli.errors import ConfigError, RuleError, first_line
from weightcli.io import text
from weightcli.io.read import Table
from weightcli.report.model import RuleFigures, StageFigures, Stats
from weightcli.roles import class_column
from weightcli.stats import weight_figures
from weightcli.weights.lookup import LookupTable, join_lookup, read_lookup
from weightcli.weights.prepass import (
    DEFAULT_WEIGHT,
    RULE_WEIGHT,
    UNMATCHED,
    collect,
    decision_masks,
    prepass_columns,
    run_prepass,
)
from weightcli.weights.rules import CompiledRules, compile_rules, validate_types
from weightcli.weights.stages import (
    Fitted,
    fit_balance,
    fit_clip,
    fit_decay,
    fit_normalize,
)

RAW_PREFIX = "__weightcli_raw_"
EVALUATED = "__weightcli_evaluated"
PREVIOUS = "__weightcli_previous"
NARROW_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32)

# Builds the parsed column from the name of the column that contains its raw values.
Parser = Callable[[str], pl.Expr]


@dataclass
class WeightPlan:
    """Everything the write pass needs, and the figures the report shows."""

    config: Config
    parsers: dict[str, Parser]
    lookup: LookupTable | None
    weight: pl.Expr
    weights: pl.Series
    """Final weights of the rows written, in row order."""
    rows_in: int
    stages: list[StageFigures] = field(default_factory=list)
    """Figures after each stage but the last, whose weights are the final ones."""
    last_stage: tuple[str, str] | None = None
    """Name and detail of the last stage when its weights are the final ones; its figures
    are then those of the final weights."""
    rules: list[RuleFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    non_finite_rules: tuple[str, ...] = ()
    key_dtype: pl.DataType | None = None
    target: pl.Series | None = None
    """Target values of the rows written, when the class checks need per-class figures."""
    released_rows: int | None = None

    @property
    def rows_out(self) -> int:
        """Rows the output has."""
        if self.released_rows is not None:
            return self.released_rows
        return len(self.weights)

    def stage_figures(self, final: Stats) -> list[StageFigures]:
        """Return the figures of every stage, the last one taken from the final statistics."""
        if self.last_stage is None:
            return list(self.stages)
        stage, detail = self.last_stage
        last = StageFigures(
            stage=stage,
            detail=detail,
            sum=final.sum if final.sum is not None else 0.0,
            min=final.min,
            max=final.max,
            ess=final.ess,
        )
        return [*self.stages, last]

    def release_figures(self) -> None:
        """Drop the in-memory weights and target once the report has its figures.

        The streaming write recomputes the weights, so holding them would only add their
        size to the write's peak memory. A second call changes nothing."""
        if self.released_rows is not None:
            return
        self.released_rows = len(self.weights)
        self.weights = self.weights.clear()
        self.target = None


def _parsers(table: Table, data: pl.DataFrame | None, columns: set[str]) -> dict[str, Parser]:
    """Return how the rules and stages read each of ``columns``: CSV text parsed by the kind of
    its values, narrow integers widened, and timestamps with a time zone as UTC wall time."""
    parsers: dict[str, Parser] = {}
    for column in sorted(columns):
        dtype = table.schema.get(column)
        if table.text and data is not None:
            kind = text.decide_kind(data.get_column(column), table.csv)
            parsers[column] = _text_parser(column, kind, table)
        elif dtype in NARROW_INTEGERS:
            parsers[column] = _widen_parser(column)
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            parsers[column] = _utc_parser(column)
    return parsers


def _parsed(frame: pl.LazyFrame, parsers: dict[str, Parser]) -> pl.LazyFrame:
    """Return ``frame`` with the columns that have a parser replaced by their parsed values."""
    if not parsers:
        return frame
    return frame.with_columns(parse(column) for column, parse in parsers.items())


def _text_parser(column: str, kind: text.TextKind, table: Table) -> Parser:
    def parse(source: str) -> pl.Expr:
        parsed = text.typed(source, kind, table.csv)
        if kind.startswith("datetime_tz|"):
            # Offsets are converted to UTC, and rules compare the UTC wall time.
            parsed = parsed.dt.replace_time_zone(None)
        return parsed.alias(column)

    return parse


def _utc_parser(column: str) -> Parser:
    """Read a timestamp with a time zone as its UTC wall time, so that rules compare it with
    TIMESTAMP literals, which polars gives no time zone."""

    def parse(source: str) -> pl.Expr:
        utc = pl.col(source).dt.convert_time_zone("UTC")
        return utc.dt.replace_time_zone(None).alias(column)

    return parse


def _widen_parser(column: str) -> Parser:
    def parse(source: str) -> pl.Expr:
        return pl.col(source).cast(pl.Int64).alias(column)

    return parse


def _needed_columns(
    config: Config, rules: CompiledRules, lookup: LookupTable | None, columns: list[str]
) -> set[str]:
    needed = set(rules.columns)
    target = class_column(config, columns)
    if target is not None:
        needed.add(target)
    if config.balance is not None:
        needed.add(config.balance.column)
    if config.decay is not None:
        needed.add(config.decay.column)
    if lookup is not None:
        needed -= set(lookup.columns)
        needed.add(lookup.key)
    return needed


def _require_columns(config: Config, available: list[str]) -> None:
    for key, column in (
        ("balance.column", config.balance.column if config.balance else None),
        ("decay.column", config.decay.column if config.decay else None),
    ):
        if column is not None and column not in available:
            from weightcli.checks.registry import closest

            raise ConfigError(
                f"{key} '{column}' is not in the table{closest(column, available)}; its "
                f"columns are: {', '.join(available)}; set {key} to one of them"
            )


def _kept_columns(config: Config, columns: list[str]) -> list[str]:
    """Return the columns that the stages after the rules and the class checks read."""
    names = [
        class_column(config, columns),
        config.balance.column if config.balance else None,
        config.decay.column if config.decay else None,
    ]
    return sorted({name for name in names if name is not None})


def _figures(stage: str, detail: str, weights: pl.Series) -> StageFigures:
    # Only the weights of a stage that a later step changes are summarised here.
    low, high, ess, total = weight_figures(weights)
    return StageFigures(stage=stage, detail=detail, sum=total, min=low, max=high, ess=ess)


def build_plan(table: Table, config: Config) -> WeightPlan:
    """Run the pre-pass and fit every stage."""
    lookup = read_lookup(config.lookup, table.columns) if config.lookup else None
    columns = [*table.columns, *(lookup.columns if lookup else ())]
    rules = compile_rules(config, columns)
    _require_columns(config, columns)
    needed = sorted(_needed_columns(config, rules, lookup, columns))

    raw = None
    if table.text and needed:
        # CSV columns are typed from the values of the whole column, so the columns the
        # weights read are collected as text first and parsed in memory.
        raw = collect(table.frame.select(needed), table.name)
    parsers = _parsers(table, raw, set(needed))
    scanned = _parsed(table.frame, parsers)
    key_dtype = scanned.collect_schema()[lookup.key] if lookup is not None else None

    def joined(frame: pl.LazyFrame) -> pl.LazyFrame:
        if lookup is None:
            return frame
        assert key_dtype is not None
        return join_lookup(frame, lookup, key_dtype)

    source = joined(_parsed(raw.lazy(), parsers) if raw is not None else scanned)
    validate_types(rules, source.select(sorted(rules.columns)).head(0).collect())
    prepass = prepass_columns(
        rules,
        _kept_columns(config, columns),
        default_weight=config.on_null == "default",
        lookup=lookup is not None,
    )
    data = run_prepass(source, prepass, needed, table.name, rules)
    # The collected CSV text is no longer needed: a later pass streams the table again.
    del raw, source
    rows_in = data.height

    notes: list[str] = []
    if lookup is not None:
        unmatched = int(data.get_column(UNMATCHED).sum())
        notes.append(
            f"lookup: {rows_in - unmatched:,} of {rows_in:,} rows matched a key in "
            f"'{config.lookup.path if config.lookup else ''}', {unmatched:,} did not"
        )
    return _fit_stages(config, rules, data, joined(scanned), parsers, lookup, key_dtype, notes)


def _evaluate(data: pl.DataFrame, expr: pl.Expr, label: str) -> pl.Series:
    # with_columns broadcasts a constant weight to every row, where select would return a
    # single row.
    try:
        return data.with_columns(expr.alias(EVALUATED)).get_column(EVALUATED).alias("weight")
    except pl.exceptions.PolarsError as error:
        raise RuleError(f"{label} failed on the table: {first_line(error, 'failed')}") from None


def _fit_stages(
    config: Config,
    rules: CompiledRules,
    data: pl.DataFrame,
    source: pl.LazyFrame,
    parsers: dict[str, Parser],
    lookup: LookupTable | None,
    key_dtype: pl.DataType | None,
    notes: list[str],
) -> WeightPlan:
    rows_in = data.height
    weight = rules.weight()
    current = data.get_column(RULE_WEIGHT).alias("weight")
    count = len(rules.rules)
    stages: list[StageFigures] = []
    # The figures of the last stage are those of the final weights, which the report's
    # statistics compute anyway, so a stage's figures are computed only once a later step
    # changes the weights.
    pending: tuple[str, str] | None = (
        "rules",
        f"{count} {'rule' if count == 1 else 'rules'}, mode {rules.mode}",
    )

    def settle() -> None:
        nonlocal pending
        if pending is not None:
            stages.append(_figures(*pending, current))
            pending = None

    def step(expr: pl.Expr, label: str) -> pl.Series:
        # A stage is applied to the weights evaluated so far, so the rules and the earlier
        # stages are not evaluated again. The values are the same as the full expression's.
        settle()
        return _evaluate(data.with_columns(current.alias(PREVIOUS)), expr, label)

    def advance(stage: str, fitted: Fitted) -> None:
        nonlocal weight, current, pending
        weight = fitted.transform(weight)
        current = step(fitted.transform(pl.col(PREVIOUS)), stage)
        pending = (stage, fitted.detail)
        notes.extend(fitted.notes)

    if config.balance is not None:
        advance("balance", fit_balance(config.balance, data))
    if config.decay is not None:
        advance("decay", fit_decay(config.decay, data))

    if config.on_null == "default":
        weight = pl.coalesce(weight, rules.default.cast(pl.Float64))
        current = step(pl.coalesce(pl.col(PREVIOUS), pl.col(DEFAULT_WEIGHT)), "the default weight")

    if config.clip is not None:
        fitted, _ = fit_clip(config.clip, current)
        advance("clip", fitted)

    kept = current.is_not_null() if config.on_null == "drop" else None
    if config.normalize != "none":
        scope = current.filter(kept) if kept is not None else current
        advance("normalize", fit_normalize(config.normalize, scope))

    final = current
    if kept is not None:
        dropped = len(final) - int(kept.sum())
        final = final.filter(kept)
        rows = "row" if dropped == 1 else "rows"
        notes.append(f"on_null: dropped {dropped:,} {rows} whose weight is null")

    return WeightPlan(
        config=config,
        parsers=parsers,
        lookup=lookup,
        weight=weight,
        weights=final,
        rows_in=rows_in,
        stages=stages,
        last_stage=pending,
        rules=_rule_figures(rules, data, current),
        notes=notes,
        # Only the non-finite check reads these names, and it fires only on non-finite weights.
        non_finite_rules=_non_finite_rules(rules, source) if not _all_finite(current) else (),
        key_dtype=key_dtype,
        target=_target_values(config, data, kept),
    )


def _target_values(config: Config, data: pl.DataFrame, kept: pl.Series | None) -> pl.Series | None:
    name = class_column(config, data.columns)
    if name is None:
        return None
    values = data.get_column(name)
    return values.filter(kept) if kept is not None else values


def _rule_figures(rules: CompiledRules, data: pl.DataFrame, final: pl.Series) -> list[RuleFigures]:
    if not rules.rules:
        return []
    weight = pl.col(EVALUATED)
    figures = []
    for mask in decision_masks(rules):
        figures.append(mask.sum())
        # when/then leaves the other rows null, which sum skips, without a filtered copy.
        # NOTE: polars sums chunk by chunk, so the last digit of a rule's sum may depend on
        # the chunks of the pre-pass. The weights and the statistics do not (weightcli.stats).
        figures.append(pl.when(mask & weight.is_finite()).then(weight).sum())
    values = (
        data.with_columns(final.alias(EVALUATED))
        .select(figure.alias(f"{EVALUATED}{index}") for index, figure in enumerate(figures))
        .row(0)
    )
    return [
        RuleFigures(
            rule=rule.label,
            when=rule.when_text,
            weight=rule.weight_text,
            rows=int(values[2 * index]),
            weight_sum=float(values[2 * index + 1]),
        )
        for index, rule in enumerate(rules.rules)
    ]


def _all_finite(weights: pl.Series) -> bool:
    return bool(weights.is_finite().all())


def _non_finite_rules(rules: CompiledRules, source: pl.LazyFrame) -> tuple[str, ...]:
    """Return the rules (and the default) that give a non-finite weight on some row."""
    pieces = [(r.display, r.condition, r.weight) for r in rules.rules]
    pieces.append(("the default weight", None, rules.default))
    checks = []
    for index, (_, condition, weight) in enumerate(pieces):
        values = weight.cast(pl.Float64)
        if condition is not None:
            values = pl.when(condition).then(values)
        checks.append((~values.is_finite()).fill_null(False).any().alias(f"{EVALUATED}{index}"))
    found = collect(source.select(checks), "the table").row(0)
    return tuple(label for (label, _, _), bad in zip(pieces, found, strict=True) if bad)


def weighted_frame(
    table: Table, plan: WeightPlan, typed_output: dict[str, pl.Expr] | None = None
) -> pl.LazyFrame:
    """Return the table with the weight column, as a lazy frame for the streaming write.

    Columns that the rules parse are evaluated as parsed copies and then restored, so the
    output keeps their original values and types. ``typed_output`` parses CSV text columns
    for outputs that hold types (Parquet, Arrow IPC, NDJSON)."""
    config = plan.config
    frame = table.frame
    raw_names = {column: f"{RAW_PREFIX}{column}" for column in plan.parsers}
    if raw_names:
        frame = frame.rename(raw_names)
        frame = frame.with_columns(
            parse(raw_names[column]) for column, parse in plan.parsers.items()
        )
    if plan.lookup is not None:
        assert plan.key_dtype is not None
        frame = join_lookup(frame, plan.lookup, plan.key_dtype)

    # Not under RAW_PREFIX: a parsed column named "weight" keeps its raw text there.
    temporary = "__weightcli_new_weight"
    frame = frame.with_columns(plan.weight.alias(temporary))
    if config.on_null == "drop":
        frame = frame.filter(pl.col(temporary).is_not_null())

    if raw_names:
        frame = frame.drop(list(plan.parsers)).rename({v: k for k, v in raw_names.items()})

    typed_output = typed_output or {}
    output_columns = [
        pl.col(temporary).alias(column)
        if column == config.weight_column
        else typed_output.get(column, pl.col(column))
        for column in table.columns
    ]
    if config.weight_column not in table.columns:
        output_columns.append(pl.col(temporary).alias(config.weight_column))
    return frame.select(output_columns)


__all__ = ["WeightPlan", "build_plan", "weighted_frame"]
