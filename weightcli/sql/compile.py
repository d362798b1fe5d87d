"""Compile a weightcli config into one SQL statement that returns the table with weights.

The statement mirrors the polars pipeline stage by stage: rules -> balance -> decay ->
on_null -> clip -> normalize, in Float64 (DOUBLE) arithmetic. Every aggregate that a stage
needs (class counts, the latest timestamp, a quantile, the normalisation sum) is a one-row
common table expression, and the final SELECT cross-joins them.

The weight expression of each stage is written out in full where a later stage uses it, so
the statement has no helper columns that would have to be removed from ``SELECT *``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlglot.errors import SqlglotError

from weightcli.config.model import Config
from weightcli.errors import ConfigError, RuleError
from weightcli.sql.dialects import (
    LOOKUP_TABLE,
    SOURCE_TABLE,
    literal,
    number,
    parse_expression,
    quote,
    to_dialect,
)

SOURCE = quote("__wc_source")
FIT = quote("__wc_fit")
LOOKUP_CHECK = quote("__wc_lookup_check")
CLIP = quote("__wc_clip")
NORMALIZE = quote("__wc_normalize")
WEIGHTED = quote("__wc_weighted")
VALUE = quote("__wc_w")


@dataclass(frozen=True)
class CompileOptions:
    """Table names and known columns for one compiled statement."""

    table: str
    lookup_table: str | None = None
    columns: tuple[str, ...] | None = None
    """The table's columns, in order. When known, the output lists them explicitly and the
    weight column replaces a column of the same name in place."""


@dataclass
class _Parts:
    ctes: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    guards: list[str] = field(default_factory=list)
    rows: str = SOURCE
    """Source of the final SELECT: the table joined to the lookup, so that ``*`` and the
    column list cover the table's own columns only, as in the polars output."""

    def from_clause(self, rows: str = SOURCE) -> str:
        return " ".join([f"FROM {rows}", *(f"CROSS JOIN {name}" for name in self.joins)])


def _rule_sql(text: str, label: str, what: str) -> str:
    try:
        tree = parse_expression(text)
    except SqlglotError as error:
        reason = str(error).strip().splitlines()[0]
        raise RuleError(
            f'{label}: {what} "{text}" cannot be compiled to SQL ({reason}); '
            "write it with functions that both polars and the SQL engine know"
        ) from None
    return "(" + tree.sql(dialect="duckdb", identify=True) + ")"


def _weight_sql(value: float | str, label: str) -> str:
    if isinstance(value, str):
        return f"CAST({_rule_sql(value, label, 'weight')} AS DOUBLE)"
    return f"CAST({number(value)} AS DOUBLE)"


def rules_sql(config: Config) -> str:
    """Return the base weight of the rules as a DOUBLE expression."""
    default = _weight_sql(config.default, "default weight")
    pieces: list[tuple[str | None, str]] = []
    for index, rule in enumerate(config.rules):
        label = f"rule '{config.describe_rule(index)}'"
        condition = _rule_sql(rule.when, label, "condition") if rule.when is not None else None
        pieces.append((condition, _weight_sql(rule.weight, label)))

    if config.mode == "first":
        if not pieces:
            return default
        branches = " ".join(
            f"WHEN {condition or 'TRUE'} THEN {weight}" for condition, weight in pieces
        )
        return f"CASE {branches} ELSE {default} END"

    product = default
    for condition, weight in pieces:
        if condition is None:
            product = f"{product} * {weight}"
        else:
            product = f"{product} * CASE WHEN {condition} THEN {weight} ELSE 1.0 END"
    return f"({product})"


def _balance(config: Config, weight: str, parts: _Parts, fit: list[str]) -> str:
    balance = config.balance
    assert balance is not None
    column = quote(balance.column)
    name = balance.column
    if balance.null == "class":
        # NULL forms its own class. COUNT(DISTINCT) skips it, so it is added.
        fit.append('COUNT(*) AS "__wc_rows"')
        fit.append(
            f"COUNT(DISTINCT {column}) + MAX(CASE WHEN {column} IS NULL THEN 1 ELSE 0 END) "
            'AS "__wc_classes"'
        )
    else:
        # Rows with a null class are left out of the counts.
        fit.append(f'COUNT({column}) AS "__wc_rows"')
        fit.append(f'COUNT(DISTINCT {column}) AS "__wc_classes"')
        message = (
            f"weightcli: balance.column '{name}' has no class values to count (every value is "
            "null); choose another column or set balance.null: class. Rows: "
        )
        fit.append('COUNT(*) AS "__wc_balance_rows"')
        parts.guards.append(
            'CASE WHEN "__wc_rows" = 0 THEN '
            f'WC_FAIL({literal(message)} || CAST("__wc_balance_rows" AS VARCHAR)) ELSE TRUE END'
        )
    if balance.null == "error":
        fit.append(f'SUM(CASE WHEN {column} IS NULL THEN 1 ELSE 0 END) AS "__wc_null_classes"')
        message = (
            f"weightcli: balance.column '{name}' has null values; set balance.null to ignore "
            "(keep their weight) or class (balance them as a class of their own). Null rows: "
        )
        parts.guards.append(
            'CASE WHEN "__wc_null_classes" > 0 THEN '
            f'WC_FAIL({literal(message)} || CAST("__wc_null_classes" AS VARCHAR)) ELSE TRUE END'
        )

    factor = (
        'POWER(CAST("__wc_rows" AS DOUBLE) / '
        f'("__wc_classes" * COUNT(*) OVER (PARTITION BY {column})), '
        f"{number(balance.power)})"
    )
    if balance.null == "ignore":
        # Rows without a class keep their weight.
        factor = f"CASE WHEN {column} IS NULL THEN 1.0 ELSE {factor} END"
    return f"({weight} * {factor})"


def reference_microseconds(text: str) -> int:
    """Return microseconds since 1970-01-01 UTC of an ISO timestamp, read as UTC if naive."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"decay.reference '{text}' is invalid; expected max or an ISO timestamp such as "
            "2013-12-31T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _half_lives(age: str, half_life_seconds: float) -> str:
    # Mirrors the polars pipeline: with a whole number of microseconds per half-life, the
    # whole half-lives come from integer division, so that 2 half-lives are exactly 2.0.
    half_life = half_life_seconds * 1_000_000
    if half_life != round(half_life):
        return f"(CAST({age} AS DOUBLE) / {number(half_life)})"
    whole = round(half_life)
    return (
        f"(CAST({age} // {whole} AS DOUBLE) + CAST({age} % {whole} AS DOUBLE) / "
        f"{number(float(whole))})"
    )


def _decay(config: Config, weight: str, parts: _Parts, fit: list[str]) -> str:
    decay = config.decay
    assert decay is not None
    column = quote(decay.column)
    if decay.reference == "max":
        fit.append(f'MAX(WC_EPOCH_US({column})) AS "__wc_reference_us"')
        fit.append('COUNT(*) AS "__wc_decay_rows"')
        reference = '"__wc_reference_us"'
        message = (
            f"weightcli: decay.column '{decay.column}' has only null values, so it has no max "
            "to use as the reference; set decay.reference to an ISO timestamp. Rows: "
        )
        parts.guards.append(
            f'CASE WHEN "__wc_reference_us" IS NULL THEN WC_FAIL({literal(message)} || '
            'CAST("__wc_decay_rows" AS VARCHAR)) ELSE TRUE END'
        )
    else:
        reference = str(reference_microseconds(decay.reference))
    age = f"({reference} - WC_EPOCH_US({column}))"
    return f"({weight} * POWER(0.5, {_half_lives(age, decay.half_life_seconds())}))"


def _finite(value: str) -> str:
    # True exactly for finite numbers: NaN - NaN and inf - inf are NaN, and NaN = 0 is false
    # in every engine, including those where NaN = NaN is true.
    return f"{value} - {value} = 0"


def _least(values: list[str]) -> str:
    # LEAST ignores NULL in some engines and returns NULL in others, so it is spelled out.
    result = values[0]
    for value in values[1:]:
        result = (
            f"CASE WHEN {result} IS NULL THEN {value} WHEN {value} IS NULL THEN {result} "
            f"WHEN {value} < {result} THEN {value} ELSE {result} END"
        )
    return result


def _clip(config: Config, weight: str, parts: _Parts) -> str:
    clip = config.clip
    assert clip is not None
    if clip.redistribute:
        raise ConfigError(
            "clip.redistribute cannot be compiled to one SQL statement: it needs the sorted "
            "weights and an iterative search for the trim threshold; run apply with the "
            "polars engine, or turn redistribution off"
        )

    caps: list[str] = []
    if clip.max is not None:
        caps.append(f"CAST({number(clip.max)} AS DOUBLE)")
    if clip.max_quantile is not None or clip.max_median_ratio is not None:
        fitted: list[str] = []
        if clip.max_quantile is not None:
            fitted.append(f"WC_QUANTILE({VALUE}, {number(clip.max_quantile)})")
        if clip.max_median_ratio is not None:
            median = f"WC_QUANTILE(CASE WHEN {VALUE} > 0 THEN {VALUE} END, 0.5)"
            fitted.append(f"{number(clip.max_median_ratio)} * {median}")
        parts.ctes.append(
            f'{CLIP} AS (SELECT {_least(fitted)} AS "__wc_cap" FROM '
            f'(SELECT {weight} AS {VALUE} {parts.from_clause()}) AS "__wc_values" '
            f"WHERE {_finite(VALUE)})"
        )
        parts.joins.append(CLIP)
        caps.append('"__wc_cap"')

    cap = None
    if caps:
        cap = _least(caps) if len(caps) > 1 else caps[0]
    result = weight
    if clip.min is not None:
        low = f"CAST({number(clip.min)} AS DOUBLE)"
        result = f"CASE WHEN {result} < {low} THEN {low} ELSE {result} END"
        if '"__wc_cap"' in caps:
            message = (
                f"weightcli: clip.min {clip.min:g} is above the upper bound from the weights; "
                "lower clip.min or raise the upper bound. Upper bound: "
            )
            parts.guards.append(
                f"CASE WHEN {low} > {cap} THEN WC_FAIL({literal(message)} || "
                f"CAST({cap} AS VARCHAR)) ELSE TRUE END"
            )
    if cap is not None:
        result = f"CASE WHEN {result} > {cap} THEN {cap} ELSE {result} END"
    # NaN, infinite and null weights pass through, so that the checks still report them.
    return f"(CASE WHEN {_finite(weight)} THEN {result} ELSE {weight} END)"


def _normalize(config: Config, weight: str, parts: _Parts) -> str:
    total = '"__wc_total"'
    if config.normalize == "mean":
        scale = f'CAST("__wc_count" AS DOUBLE) / {total}'
    else:
        scale = f"1.0 / {total}"
    # A zero, missing or non-finite total skips the stage, as in the polars pipeline.
    parts.ctes.append(
        f"{NORMALIZE} AS (SELECT CASE WHEN {total} IS NULL OR {total} = 0 "
        f'OR NOT ({_finite(total)}) THEN 1.0 ELSE {scale} END AS "__wc_scale" FROM '
        f'(SELECT SUM({VALUE}) AS {total}, COUNT({VALUE}) AS "__wc_count" FROM '
        f'(SELECT {weight} AS {VALUE} {parts.from_clause()}) AS "__wc_values" '
        f'WHERE {_finite(VALUE)}) AS "__wc_sums")'
    )
    parts.joins.append(NORMALIZE)
    return f'({weight} * "__wc_scale")'


def _lookup_columns(config: Config) -> list[str]:
    assert config.lookup is not None
    if config.lookup.columns:
        return list(config.lookup.columns)
    path = Path(config.lookup.path)
    if not path.is_file():
        raise ConfigError(
            f"lookup table '{config.lookup.path}' not found, so its columns are unknown; "
            "list them in lookup.columns"
        )
    import polars as pl

    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        names = list(pl.read_parquet_schema(path))
    else:
        separator = "\t" if suffix == ".tsv" else ","
        names = pl.read_csv(path, separator=separator, n_rows=0).columns
    return [name for name in names if name != config.lookup.on]


def _lookup_source(config: Config, options: CompileOptions, dialect: str) -> str:
    assert config.lookup is not None
    if options.lookup_table is not None:
        return quote(LOOKUP_TABLE)
    if dialect == "duckdb":
        # DuckDB reads the file by its path, as a table.
        return quote(config.lookup.path)
    raise ConfigError(
        f"the config has a lookup table ('{config.lookup.path}'); pass --lookup-table NAME "
        f"with the name of that table in {dialect}"
    )


def _source(config: Config, options: CompileOptions, dialect: str, parts: _Parts) -> str:
    table = quote(SOURCE_TABLE)
    parts.rows = f'{table} AS "__wc_t"'
    if config.lookup is None:
        return f"{SOURCE} AS (SELECT * FROM {table})"

    key = quote(config.lookup.on)
    lookup = _lookup_source(config, options, dialect)
    columns = ", ".join(f'"__wc_l".{quote(name)}' for name in _lookup_columns(config))
    message = (
        f"weightcli: lookup table '{config.lookup.path}' has repeated keys in "
        f"'{config.lookup.on}'; a lookup needs one row per key. Repeated keys: "
    )
    parts.ctes.append(
        f'{LOOKUP_CHECK} AS (SELECT COUNT(*) AS "__wc_repeated_keys" FROM '
        f'(SELECT {key} FROM {lookup} GROUP BY {key} HAVING COUNT(*) > 1) AS "__wc_repeated")'
    )
    parts.joins.append(LOOKUP_CHECK)
    parts.guards.append(
        'CASE WHEN "__wc_repeated_keys" > 0 THEN '
        f'WC_FAIL({literal(message)} || CAST("__wc_repeated_keys" AS VARCHAR)) ELSE TRUE END'
    )
    parts.rows = (
        f'{table} AS "__wc_t" LEFT JOIN {lookup} AS "__wc_l" ON "__wc_t".{key} = "__wc_l".{key}'
    )
    return f'{SOURCE} AS (SELECT "__wc_t".*, {columns} FROM {parts.rows})'


def _output_columns(config: Config, weight: str, columns: tuple[str, ...] | None) -> str:
    target = quote(config.weight_column)
    if columns is None:
        return f'"__wc_t".*, {weight} AS {target}'
    listed = [
        f"{weight} AS {target}" if name == config.weight_column else f'"__wc_t".{quote(name)}'
        for name in columns
    ]
    if config.weight_column not in columns:
        listed.append(f"{weight} AS {target}")
    return ", ".join(listed)


def compile_source_sql(config: Config, options: CompileOptions, dialect: str) -> str:
    """Return the statement in the source dialect (DuckDB), with placeholder table names."""
    parts = _Parts()
    source = _source(config, options, dialect, parts)

    fit: list[str] = []
    weight = rules_sql(config)
    if config.balance is not None:
        weight = _balance(config, weight, parts, fit)
    if config.decay is not None:
        weight = _decay(config, weight, parts, fit)
    if fit:
        parts.ctes.insert(0, f"{FIT} AS (SELECT {', '.join(fit)} FROM {SOURCE})")
        parts.joins.insert(0, FIT)
    if config.on_null == "default":
        weight = f"COALESCE({weight}, {_weight_sql(config.default, 'default weight')})"
    if config.clip is not None:
        weight = _clip(config, weight, parts)
    if config.normalize != "none":
        weight = _normalize(config, weight, parts)

    where = f" WHERE {' AND '.join(parts.guards)}" if parts.guards else ""
    weighted = (
        f"{WEIGHTED} AS (SELECT {_output_columns(config, weight, options.columns)} "
        f"{parts.from_clause(parts.rows)}{where})"
    )
    ctes = ", ".join([source, *parts.ctes, weighted])
    final = f"SELECT * FROM {WEIGHTED}"
    if config.on_null == "drop":
        final += f" WHERE {quote(config.weight_column)} IS NOT NULL"
    return f"WITH {ctes} {final}"


def compile_weights(
    config: Config, options: CompileOptions, dialect: str, *, pretty: bool = True
) -> str:
    """Return one SQL statement in ``dialect`` that returns the table with the weight column."""
    text = compile_source_sql(config, options, dialect)
    tables = {SOURCE_TABLE: options.table}
    if options.lookup_table is not None:
        tables[LOOKUP_TABLE] = options.lookup_table
    return to_dialect(text, dialect, tables, pretty=pretty)


__all__ = ["CompileOptions", "compile_source_sql", "compile_weights", "rules_sql"]
