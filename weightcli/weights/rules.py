"""Compile weight rules, written as SQL expressions, into polars expressions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from weightcli.checks.registry import closest
from weightcli.config.model import Config
from weightcli.errors import RuleError, first_line


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its condition and weight as polars expressions."""

    label: str
    """The rule's name, or 'rule N' for an unnamed rule."""
    named: bool
    when_text: str | None
    weight_text: str
    condition: pl.Expr | None
    weight: pl.Expr

    @property
    def display(self) -> str:
        """How messages name the rule: rule 'vip', or rule 2 when it has no name."""
        return quote_rule(self.label, self.named)


def quote_rule(label: str, named: bool) -> str:
    """Return rule 'name' for a named rule and the label as it is ('rule 2') otherwise."""
    return f"rule '{label}'" if named else label


@dataclass(frozen=True)
class CompiledRules:
    """All rules of a config, the default weight and the combination mode."""

    rules: tuple[CompiledRule, ...]
    default: pl.Expr
    default_text: str
    mode: str
    columns: frozenset[str]

    def weight(self) -> pl.Expr:
        """Return the base weight: rules combined by the mode, as Float64."""
        # Every piece is cast to Float64 first, so that integer columns never wrap around.
        default = self.default.cast(pl.Float64)
        if self.mode == "first":
            if not self.rules:
                return default
            chain: Any = None
            for rule in self.rules:
                condition = rule.condition if rule.condition is not None else pl.lit(True)
                weight = rule.weight.cast(pl.Float64)
                if chain is None:
                    chain = pl.when(condition).then(weight)
                else:
                    chain = chain.when(condition).then(weight)
            assert chain is not None
            result: pl.Expr = chain.otherwise(default)
            return result

        product = default
        for rule in self.rules:
            weight = rule.weight.cast(pl.Float64)
            if rule.condition is None:
                product = product * weight
            else:
                product = product * pl.when(rule.condition).then(weight).otherwise(pl.lit(1.0))
        return product

    def matches(self) -> list[pl.Expr]:
        """Return one Boolean per rule: the rows it decided (first) or multiplied (multiply)."""
        masks: list[pl.Expr] = []
        earlier: pl.Expr | None = None
        for rule in self.rules:
            matched = (
                rule.condition.fill_null(False) if rule.condition is not None else pl.lit(True)
            )
            if self.mode == "first":
                decided = matched if earlier is None else matched & ~earlier
                earlier = matched if earlier is None else earlier | matched
                masks.append(decided)
            else:
                masks.append(matched)
        return masks


def _columns_text(columns: Iterable[str]) -> str:
    return ", ".join(columns)


# A decimal literal such as 1.5 or .5, not part of a name or of a longer number.
_DECIMAL_LITERAL = re.compile(r"(?<![\w.])(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.])")


def as_double_literals(text: str) -> str:
    """Wrap the decimal literals of a SQL expression in CAST(... AS DOUBLE).

    polars' SQL reads 1.0 as a Decimal, so `1.0 / 3` would give 0.3333333 and `1 / (x - 1.0)`
    would fail on zero instead of giving infinity. Quoted text and quoted names are left
    as they are."""
    parts: list[str] = []
    position = 0
    while position < len(text):
        quote = text[position]
        if quote in "'\"":
            end = position + 1
            while end < len(text):
                if text[end] == quote:
                    if end + 1 < len(text) and text[end + 1] == quote:
                        end += 2
                        continue
                    break
                end += 1
            parts.append(text[position : end + 1])
            position = end + 1
            continue

        quotes = [found for found in (text.find("'", position), text.find('"', position))]
        stop = min((found for found in quotes if found != -1), default=len(text))
        parts.append(
            _DECIMAL_LITERAL.sub(lambda m: f"CAST({m.group(0)} AS DOUBLE)", text[position:stop])
        )
        position = stop
    return "".join(parts)


def _parse(text: str, what: str, label: str, columns: list[str]) -> pl.Expr:
    try:
        expr = pl.sql_expr(as_double_literals(text))
    except pl.exceptions.PolarsError as error:
        reason = first_line(error, "syntax error")
        raise RuleError(
            f'{label}: {what} "{text}" is not a valid SQL expression ({reason}); '
            f"the table's columns are: {_columns_text(columns)}"
        ) from None

    missing = [name for name in expr.meta.root_names() if name not in columns]
    if missing:
        raise RuleError(
            f"{label}: {what} \"{text}\" uses column '{missing[0]}', which is not in the "
            f"table{closest(missing[0], columns)}; the table's columns are: "
            f"{_columns_text(columns)}"
        )
    return expr


def _weight_expr(value: float | str, label: str, columns: list[str]) -> pl.Expr:
    if isinstance(value, str):
        return _parse(value, "weight", label, columns)
    return pl.lit(float(value), dtype=pl.Float64)


def compile_rules(config: Config, columns: list[str]) -> CompiledRules:
    """Parse every rule and the default against the table's columns."""
    compiled: list[CompiledRule] = []
    used: set[str] = set()
    for index, rule in enumerate(config.rules):
        label = quote_rule(config.describe_rule(index), rule.name is not None)
        condition = None
        if rule.when is not None:
            condition = _parse(rule.when, "condition", label, columns)
            used.update(condition.meta.root_names())
        weight = _weight_expr(rule.weight, label, columns)
        used.update(weight.meta.root_names())
        compiled.append(
            CompiledRule(
                label=config.describe_rule(index),
                named=rule.name is not None,
                when_text=rule.when,
                weight_text=str(rule.weight),
                condition=condition,
                weight=weight,
            )
        )

    default = _weight_expr(config.default, "default weight", columns)
    used.update(default.meta.root_names())
    return CompiledRules(
        rules=tuple(compiled),
        default=default,
        default_text=str(config.default),
        mode=config.mode,
        columns=frozenset(used),
    )


def rule_pieces(rules: CompiledRules) -> list[tuple[str, str, pl.Expr, str]]:
    """Return (label, 'condition' or 'weight', expression, text) of every piece of the rules."""
    pieces: list[tuple[str, str, pl.Expr, str]] = [
        ("default weight", "weight", rules.default, rules.default_text)
    ]
    for rule in rules.rules:
        if rule.condition is not None and rule.when_text is not None:
            pieces.append((rule.display, "condition", rule.condition, rule.when_text))
        pieces.append((rule.display, "weight", rule.weight, rule.weight_text))
    return pieces


def _kind_name(dtype: pl.DataType) -> str:
    """Return the everyday name of a column type in rules: text, number, date and so on."""
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return "text"
    if dtype.is_numeric():
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    return str(dtype)


def _column_kinds(expr: pl.Expr, schema: pl.Schema) -> str:
    names = [name for name in dict.fromkeys(expr.meta.root_names()) if name in schema]
    return ", ".join(f"'{name}' is {_kind_name(schema[name])}" for name in names)


def validate_types(rules: CompiledRules, empty: pl.DataFrame) -> None:
    """Evaluate every rule on a typed empty frame, so type errors name their rule."""
    for label, part, expr, text in rule_pieces(rules):
        try:
            dtype = empty.select(expr.alias("value")).schema["value"]
        except pl.exceptions.PolarsError as error:
            reason = first_line(error, "type error")
            kinds = _column_kinds(expr, empty.schema)
            raise RuleError(
                f'{label}: {part} "{text}" cannot be evaluated on this table ({reason}); '
                + (f"{kinds}; " if kinds else "")
                + "compare text with text ('HA'), numbers with numbers, dates with "
                "DATE '2013-01-01' and timestamps with TIMESTAMP '2013-01-01 10:00:00'"
            ) from None
        if part == "weight" and not (dtype.is_numeric() or dtype == pl.Null):
            raise RuleError(
                f'{label}: weight "{text}" gives {dtype}, expected a number; '
                "cast text columns with CAST(column AS DOUBLE)"
            )
        if part == "condition" and dtype not in (pl.Boolean, pl.Null):
            raise RuleError(
                f'{label}: condition "{text}" gives {dtype}, expected true or false; '
                'write a comparison such as "distance > 1000"'
            )
