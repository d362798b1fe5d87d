"""Turn a statement written in DuckDB SQL into the SQL of another engine with sqlglot.

The compiler writes every statement in DuckDB's dialect, because DuckDB's expression semantics
are the closest to polars' SQL expressions: ``/`` is true division on integers, ``//`` is
integer division, and division by zero gives infinity. Four placeholder functions stand for
what no single spelling covers; :func:`to_dialect` swaps them for each engine's own form:

- ``WC_EPOCH_US(ts)``: microseconds since 1970-01-01 UTC of a date or timestamp.
- ``WC_FAIL(message)``: a Boolean that stops the query with ``message``.
- ``WC_QUANTILE(x, q)``: the exact quantile with linear interpolation between order statistics.
- ``WC_APPROX_QUANTILE(x, q)``: the same figure, approximate where no exact form exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError

from weightcli.errors import ConfigError

DIALECTS = ("duckdb", "spark", "databricks", "snowflake", "bigquery", "postgres")
SOURCE_DIALECT = "duckdb"
SOURCE_TABLE = "__wc_table"
LOOKUP_TABLE = "__wc_lookup_table"

# Templates in each engine's own SQL; __arg0__ and __arg1__ stand for the arguments.
EPOCH_US = {
    "duckdb": "EPOCH_US(__arg0__)",
    # Spark and BigQuery read a date or a timestamp without time zone in the session time
    # zone (BigQuery: UTC) when they cast it to TIMESTAMP.
    "spark": "UNIX_MICROS(CAST(__arg0__ AS TIMESTAMP))",
    "databricks": "UNIX_MICROS(CAST(__arg0__ AS TIMESTAMP))",
    "bigquery": "UNIX_MICROS(CAST(__arg0__ AS TIMESTAMP))",
    "snowflake": "DATE_PART(EPOCH_MICROSECOND, __arg0__)",
    "postgres": "CAST(EXTRACT(EPOCH FROM __arg0__) * 1000000 AS BIGINT)",
}
FAIL = {
    "duckdb": "ERROR(__arg0__)",
    "spark": "RAISE_ERROR(__arg0__)",
    "databricks": "RAISE_ERROR(__arg0__)",
    "bigquery": "ERROR(__arg0__)",
    # Neither engine has an error function in plain SQL. The failed cast shows the message,
    # and the message depends on the data, so the planner cannot fold the cast away.
    "snowflake": "CAST(__arg0__ AS INT) = 0",
    "postgres": "CAST(__arg0__ AS INT) = 0",
}
EXACT_QUANTILE = {
    "duckdb": "QUANTILE_CONT(__arg0__, __arg1__)",
    "spark": "PERCENTILE(__arg0__, __arg1__)",
    "databricks": "PERCENTILE(__arg0__, __arg1__)",
    "snowflake": "PERCENTILE_CONT(__arg1__) WITHIN GROUP (ORDER BY __arg0__)",
    "postgres": "PERCENTILE_CONT(__arg1__) WITHIN GROUP (ORDER BY __arg0__)",
}
# BigQuery has no exact quantile aggregate, only APPROX_QUANTILES and the analytic
# PERCENTILE_CONT, which needs a window over the whole table on one worker.
APPROX_QUANTILE = {"bigquery": "APPROX_QUANTILES(__arg0__, 100)[OFFSET(__arg1__)]"}


def has_exact_quantiles(dialect: str) -> bool:
    """Return whether the engine computes exact quantiles with linear interpolation."""
    return dialect in EXACT_QUANTILE


def quote(name: str) -> str:
    """Quote an identifier for the source dialect, so that its case and spaces are kept."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Return a string literal of the source dialect."""
    return "'" + value.replace("'", "''") + "'"


def number(value: float) -> str:
    """Return a numeric literal that parses back to exactly ``value``."""
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise ConfigError(f"the number {text} cannot be written as a SQL literal")
    return text


def parse_expression(text: str) -> exp.Expression:
    """Parse one SQL expression in the source dialect; raise ParseError when it is invalid."""
    tree = sqlglot.parse_one(text, read=SOURCE_DIALECT, error_level=ErrorLevel.RAISE)
    return cast(exp.Expression, tree)


def _template(template: str, dialect: str, arguments: list[exp.Expression]) -> exp.Expression:
    tree = sqlglot.parse_one(template, read=dialect)

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name.startswith("__arg"):
            index = int(node.name[len("__arg") : -2])
            return arguments[index].copy()
        return node

    result: exp.Expression = tree.transform(substitute)
    return result


def _quantile_offset(argument: exp.Expression) -> exp.Expression:
    # APPROX_QUANTILES(x, 100)[OFFSET(k)] is the k-th percentile, so q becomes round(q * 100).
    value = float(argument.name) if isinstance(argument, exp.Literal) else None
    if value is None:
        raise ConfigError("an approximate quantile needs a constant probability")
    return exp.Literal.number(round(value * 100))


def _rewrite(dialect: str) -> Callable[[exp.Expression], exp.Expression]:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Anonymous):
            return node
        name = node.name.upper()
        arguments = list(node.expressions)
        if name == "WC_EPOCH_US":
            return _template(EPOCH_US[dialect], dialect, arguments)
        if name == "WC_FAIL":
            return exp.paren(_template(FAIL[dialect], dialect, arguments), copy=False)
        if name == "WC_QUANTILE":
            if dialect not in EXACT_QUANTILE:
                raise ConfigError(
                    f"{dialect} has no exact quantile function, so a clip bound from a "
                    "quantile (clip.max_quantile, clip.max_median_ratio) cannot be compiled "
                    "exactly; compute the bound once and set clip.max, or use another dialect"
                )
            return _template(EXACT_QUANTILE[dialect], dialect, arguments)
        if name == "WC_APPROX_QUANTILE":
            if dialect in EXACT_QUANTILE:
                return _template(EXACT_QUANTILE[dialect], dialect, arguments)
            arguments = [arguments[0], _quantile_offset(arguments[1])]
            return _template(APPROX_QUANTILE[dialect], dialect, arguments)
        return node

    return rewrite


def to_dialect(
    text: str,
    dialect: str,
    tables: dict[str, str],
    *,
    pretty: bool = True,
) -> str:
    """Translate a statement written in the source dialect into ``dialect``.

    ``tables`` maps placeholder table names to the real names, which may be qualified
    (``catalog.schema.table``) in the target dialect's syntax."""
    if dialect not in DIALECTS:
        raise ConfigError(f"dialect '{dialect}' is not supported; use one of {', '.join(DIALECTS)}")
    tree = sqlglot.parse_one(text, read=SOURCE_DIALECT, error_level=ErrorLevel.RAISE)

    replacements = {}
    for placeholder, name in tables.items():
        try:
            replacements[placeholder] = exp.to_table(name, dialect=dialect)
        except (ParseError, ValueError):
            raise ConfigError(
                f"table name '{name}' is invalid in {dialect}; "
                "expected NAME or SCHEMA.NAME, such as analytics.training"
            ) from None

    def replace_table(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name in replacements and not node.args.get("db"):
            table = replacements[node.name].copy()
            if node.alias:
                table.set("alias", node.args["alias"].copy())
            return table
        return node

    tree = tree.transform(replace_table).transform(_rewrite(dialect))
    try:
        return tree.sql(
            dialect=dialect, identify=True, pretty=pretty, unsupported_level=ErrorLevel.RAISE
        )
    except SqlglotError as error:
        reason = str(error).strip().splitlines()[0]
        raise ConfigError(f"cannot write the statement in {dialect}: {reason}") from None


__all__ = [
    "DIALECTS",
    "LOOKUP_TABLE",
    "SOURCE_DIALECT",
    "SOURCE_TABLE",
    "has_exact_quantiles",
    "literal",
    "number",
    "parse_expression",
    "quote",
    "to_dialect",
]
