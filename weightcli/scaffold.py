"""The starter config that ``weightcli init`` writes, with guesses from a table's columns."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field

import polars as pl

from weightcli.config.model import PROFILES, TASKS
from weightcli.io import text
from weightcli.io.read import Table

TARGET_NAMES = ("TARGET", "target", "label", "y")
ENTITY_NAMES = ("ENTITY", "id")
WEIGHT_NAMES = ("weight", "WEIGHT")
# A target with at most this many distinct values is a class label; more make an integer
# target a regression target.
MAX_CLASSES = 20
# Rows of a CSV table whose text decides each column's kind. The guesses only fill in a
# starter config, so a sample is enough here (the weighting itself parses every value).
SAMPLE_ROWS = 1000
LISTED_COLUMNS = 20

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Plain YAML scalars that a YAML 1.1 or 1.2 reader would not read as text.
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
_SQL_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# SQL keywords that a bare column name in a rule condition would be read as.
_SQL_KEYWORDS = frozenset(
    {
        "all", "and", "any", "as", "asc", "between", "by", "case", "cast", "desc", "distinct",
        "else", "end", "exists", "false", "from", "group", "having", "in", "is", "like", "limit",
        "not", "null", "on", "or", "order", "select", "then", "true", "when", "where",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Guess:
    """Guesses of ``init --from`` about a table, with the reason for the task guess."""

    source: str
    columns: tuple[str, ...]
    kinds: dict[str, str] = field(default_factory=dict)
    """Column kind: bool, int, float, text, date, datetime, list or other."""
    weight_column: str = "weight"
    target: str | None = None
    task: str | None = None
    task_reason: str = ""
    entity: str | None = None
    time: str | None = None
    numeric_example: str | None = None


def _find_name(columns: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in columns:
            return name
    lowered = {column.lower(): column for column in reversed(columns)}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _dtype_kind(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_float() or dtype.is_decimal():
        return "float"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Datetime:
        return "datetime"
    if isinstance(dtype, pl.List | pl.Array):
        return "list"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "text"
    return "other"


def _text_kind(values: pl.Series, table: Table) -> str:
    kind = text.decide_kind(values, table.csv)
    return kind.split("|", 1)[0].removesuffix("_tz")


def column_kinds(table: Table) -> dict[str, str]:
    """Return the kind of every column: from the schema, or from sample rows of CSV text."""
    if not table.text:
        return {column: _dtype_kind(dtype) for column, dtype in table.schema.items()}
    sample = table.frame.head(SAMPLE_ROWS).collect()
    return {column: _text_kind(sample.get_column(column), table) for column in table.columns}


def _target_values(table: Table, target: str, kind: str) -> pl.Series:
    column = pl.col(target)
    if table.text:
        column = text.typed(target, {"date": "text", "datetime": "text"}.get(kind, kind), table.csv)
    frame = table.frame.select(column.alias("value")).drop_nulls().unique().head(MAX_CLASSES + 1)
    values: pl.Series = frame.collect().get_column("value")
    return values


def guess_task(table: Table, target: str, kind: str, has_time: bool) -> tuple[str | None, str]:
    """Guess the Kumo task type from the target column; return it and the reason."""
    if kind == "list":
        task = "temporal_link_prediction" if has_time else "static_link_prediction"
        return task, "list values"
    if kind == "bool":
        return "binary_classification", "boolean values"
    if kind not in ("int", "float", "text"):
        return None, f"{kind} values"

    values = _target_values(table, target, kind)
    distinct = len(values)
    if distinct == 0:
        return None, "only null values"
    many = distinct > MAX_CLASSES
    count = f"more than {MAX_CLASSES}" if many else str(distinct)
    noun = {"int": "integer", "float": "float", "text": "text"}[kind]
    if kind != "text" and distinct and set(values.cast(pl.Float64).to_list()) <= {0.0, 1.0}:
        return "binary_classification", "values 0 and 1"
    if kind == "float":
        return "regression", "float values"
    if distinct == 2:
        return "binary_classification", f"2 distinct {noun} values"
    if not many:
        return "multiclass_classification", f"{count} distinct {noun} values"
    if kind == "int":
        return "regression", f"{count} distinct integer values"
    return None, f"{count} distinct text values"


def guess_columns(table: Table) -> Guess:
    """Guess the weight, target, entity and time columns and the task of ``table``."""
    columns = tuple(table.columns)
    kinds = column_kinds(table)
    target = _find_name(columns, TARGET_NAMES)
    entity = _find_name(columns, ENTITY_NAMES)
    time = next(
        (c for c in columns if kinds[c] in ("date", "datetime") and c != target),
        None,
    )
    task, reason = (None, "")
    if target is not None:
        task, reason = guess_task(table, target, kinds[target], time is not None)

    weight = next((name for name in WEIGHT_NAMES if name in columns), "weight")
    reserved = {target, entity, weight}
    numeric = next(
        (c for c in columns if kinds[c] in ("int", "float") and c not in reserved),
        None,
    )
    return Guess(
        source=table.name,
        columns=columns,
        kinds=kinds,
        weight_column=weight,
        target=target,
        task=task,
        task_reason=reason,
        entity=entity,
        time=time,
        numeric_example=numeric,
    )


def yaml_scalar(value: str) -> str:
    """Return ``value`` as a YAML scalar: plain when that reads back as the same text,
    else double-quoted (JSON string syntax, which YAML double-quoted scalars accept)."""
    if _PLAIN_KEY.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def sql_identifier(column: str) -> str:
    """Return ``column`` as a SQL identifier, double-quoted unless it is a plain name that is
    no SQL keyword."""
    if _SQL_IDENTIFIER.match(column) and column.lower() not in _SQL_KEYWORDS:
        return column
    return '"' + column.replace('"', '""') + '"'


def _comment_text(value: str) -> str:
    # A line break in a column name would end the comment and start YAML.
    return " ".join(value.splitlines())


def _column_list(columns: tuple[str, ...]) -> str:
    listed = ", ".join(_comment_text(c) for c in columns[:LISTED_COLUMNS])
    more = len(columns) - LISTED_COLUMNS
    return listed + (f" and {more} more" if more > 0 else "")


def _wrapped_comment(text: str, width: int = 88) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, width - 2, break_on_hyphens=False)]


def _key(key: str, value: str | None, placeholder: str) -> str:
    """Return ``key: value``, or the key commented out with a placeholder when unknown."""
    if value is None:
        return f"# {key}: {placeholder}"
    return f"{key}: {yaml_scalar(value)}"


def starter_config(guess: Guess | None, command: str) -> str:
    """Return the text of a commented starter config.

    With a guess, the keys name the table's real columns; without one, the column keys are
    commented out with Kumo's usual column names as placeholders."""
    lines = [
        "# weightcli config: how `weightcli apply` computes the sample-weight column, and how",
        "# `weightcli apply` and `weightcli check` check it. Every key is optional.",
        f"# Written by `{_comment_text(command)}`.",
        "# `weightcli schema` prints the JSON Schema of this file; `weightcli checks` lists the",
        "# checks and their options.",
        "",
    ]
    lines += _column_section(guess)
    lines += _rules_section(guess)
    lines += _stage_section(guess)
    lines += _checks_section()
    return "\n".join(lines) + "\n"


def _column_section(guess: Guess | None) -> list[str]:
    weight = guess.weight_column if guess else "weight"
    lines = ["# Column that `weightcli apply` writes and `weightcli check` reads."]
    if guess is not None and weight in guess.columns:
        lines.append(
            "# The table already has it: `weightcli apply` replaces it only with --overwrite."
        )
    lines += [f"weight_column: {yaml_scalar(weight)}", ""]

    if guess is not None and guess.task is not None:
        assert guess.target is not None
        target = _comment_text(guess.target)
        lines.append(f"# Kumo task type, guessed from {target} ({guess.task_reason}).")
    elif guess is not None and guess.target is not None:
        target = _comment_text(guess.target)
        lines.append(f"# Kumo task type: not guessed, because {target} has {guess.task_reason}.")
    else:
        lines.append("# Kumo task type; it selects the task checks.")
    lines += _wrapped_comment("One of: " + ", ".join(TASKS) + ".")
    lines += [
        _key("task", guess.task if guess else None, "binary_classification"),
        "",
        "# Target column, for balance and the per-class figures of the report.",
        _key("target_column", guess.target if guess else None, "TARGET"),
        "",
        "# Entity column: the key of the row's entity.",
        _key("entity_column", guess.entity if guess else None, "ENTITY"),
        "",
    ]
    if guess is not None and guess.time is not None:
        lines.append("# Time column: the first date or datetime column of the table.")
    else:
        lines.append("# Time column: the date or datetime of the row, for temporal tasks.")
    lines += [
        _key("time_column", guess.time if guess else None, "ANCHOR_TIMESTAMP"),
        "",
        "# Trainer whose weight rules apply: " + ", ".join(PROFILES) + ".",
        "profile: kumo",
        "",
    ]
    return lines


def _rules_section(guess: Guess | None) -> list[str]:
    lines = [
        "# Weight of the rows that no rule matches: a number or a SQL expression.",
        "default: 1.0",
        "",
        "# first: the first matching rule sets the weight (like CASE WHEN).",
        "# multiply: every matching rule multiplies the weight.",
        "mode: first",
        "",
        "# Weight rules, in order. `when` is a SQL condition over the table's columns (a row",
        "# whose condition is NULL does not match; without `when` a rule matches every row).",
        "# `weight` is a number or a SQL expression.",
    ]
    if guess is not None:
        lines += _wrapped_comment(f"Columns: {_column_list(guess.columns)}.")
    example = guess.numeric_example if guess and guess.numeric_example else "amount"
    condition = json.dumps(f"{sql_identifier(example)} > 0", ensure_ascii=False)
    lines += [
        "rules: []",
        "# rules:",
        "#   - name: example",
        f"#     when: {_comment_text(condition)}",
        "#     weight: 2.0",
        "",
    ]
    return lines


def _stage_section(guess: Guess | None) -> list[str]:
    target = guess.target if guess and guess.target else "TARGET"
    time = guess.time if guess and guess.time else "ANCHOR_TIMESTAMP"
    return [
        "# Class-balance factor n / (k * count_c) of a class column, raised to `power`",
        "# (0.5 is inverse-square-root smoothing).",
        "# balance:",
        f"#   column: {_comment_text(yaml_scalar(target))}",
        "#   power: 1.0",
        "",
        "# Recency factor 0.5 ** (age / half_life). half_life has a unit: s, m, h, d or w.",
        "# reference is max (the latest time in the column) or an ISO timestamp.",
        "# decay:",
        f"#   column: {_comment_text(yaml_scalar(time))}",
        "#   half_life: 90d",
        "#   reference: max",
        "",
        "# Bounds applied after rules, balance and decay; also max_quantile, max_median_ratio",
        "# and redistribute (spread the trimmed mass over the untrimmed rows).",
        "# clip:",
        "#   min: 0.01",
        "#   max: 100",
        "",
        "# none, mean (mean weight 1) or sum (weights sum to 1).",
        "normalize: none",
        "",
        "# Weights that evaluate to null: error, default (use `default`) or drop (drop the row).",
        "on_null: error",
        "",
        "# allow: some rows may have negative weights; forbid: every negative weight is an error.",
        "negative: allow",
        "",
    ]


def _checks_section() -> list[str]:
    return [
        "checks:",
        "  # Lowest finding level that gives exit code 1: error, warning, info or never.",
        "  fail_on: error",
        "  # A check's level (error, warning, info or off) and its options, for example:",
        "  # zero-share: {max: 0.5}",
        "  # skew-ratio: {level: error, max: 1000}",
    ]
