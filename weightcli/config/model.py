"""The config model. Every key of ``weightcli.yaml`` is a field here, and the JSON Schema
printed by ``weightcli schema`` is generated from these classes."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

from weightcli.checks.registry import CHECKS, LEVELS, validate_check_settings
from weightcli.config.fields import (
    Boolean,
    Choice,
    ConfigValueError,
    Custom,
    Nested,
    Number,
    NumberOrSql,
    OrNull,
    Section,
    SectionList,
    Text,
    TextList,
    invalid,
    setting,
)
from weightcli.names import PROFILES, TASKS, Profile, Task

DEFAULT_NULL_VALUES = ("", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A")

FailOn = Literal["error", "warning", "info", "never"]

HALF_LIFE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
SECONDS_PER_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Rule(Section):
    """One weight rule: rows matching ``when`` get ``weight``."""

    name: str | None = setting(OrNull(Text()), "Name shown in the report.", default=None)
    when: str | None = setting(
        OrNull(Text(blank=False)),
        "SQL condition; a row matches when it is true (NULL does not match). "
        "Without it the rule matches every row.",
        default=None,
    )
    weight: float | str = setting(NumberOrSql(), "A number or a SQL expression.")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Lookup(Section):
    """A table whose columns are left-joined to the training table for rules to use."""

    path: str = setting(Text(blank=False), "Parquet or CSV file, relative to the config file.")
    on: str = setting(Text(blank=False), "Key column present in both tables.")
    columns: list[str] | None = setting(
        OrNull(TextList()),
        "Columns to join (default: every column but the key).",
        default=None,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Balance(Section):
    """Class-balance factor ``n / (k * count_c)`` raised to ``power``."""

    column: str = setting(Text(blank=False), "Class column, usually the target.")
    power: float = setting(Number(ge=0.0), "0.5 is inverse-square-root smoothing.", default=1.0)
    null: Literal["ignore", "class", "error"] = setting(
        Choice(("ignore", "class", "error")),
        "ignore: rows with a null class are left out of the class counts and keep "
        "their weight (factor 1); class: null is a class of its own; error: reject the table.",
        default="ignore",
    )


def _half_life(value: Any) -> str:
    text = str(value)
    match = HALF_LIFE_PATTERN.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ConfigValueError(
            f"half-life {text!r} is invalid; expected a positive number with a unit "
            "s, m, h, d or w, such as 90d"
        )
    return text.strip()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Decay(Section):
    """Recency factor ``0.5 ** (age / half_life)``."""

    column: str = setting(Text(blank=False), "Date or Datetime column.")
    half_life: str = setting(
        Custom(_half_life, (("type", "string"), ("pattern", HALF_LIFE_PATTERN.pattern))),
        "A positive number with a unit: s, m, h, d or w.",
    )
    reference: str = setting(
        Text(blank=False),
        "`max` (latest value of the column) or an ISO timestamp.",
        default="max",
    )

    def half_life_seconds(self) -> float:
        """Return the half-life in seconds."""
        match = HALF_LIFE_PATTERN.match(self.half_life)
        assert match is not None  # checked when the section was made
        return float(match.group(1)) * SECONDS_PER_UNIT[match.group(2)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Clip(Section):
    """Bounds applied to the weights after rules, balance and decay."""

    min: float | None = setting(OrNull(Number()), "Lower bound.", default=None)
    max: float | None = setting(OrNull(Number()), "Upper bound.", default=None)
    max_quantile: float | None = setting(
        OrNull(Number(gt=0.0, lt=1.0)),
        "Upper bound at this quantile of the weights.",
        default=None,
    )
    max_median_ratio: float | None = setting(
        OrNull(Number(gt=0.0)),
        "Upper bound at this multiple of the median positive weight.",
        default=None,
    )
    redistribute: bool = setting(
        Boolean(),
        "Spread the trimmed mass over the untrimmed rows so the total is kept.",
        default=False,
    )

    def check_section(self) -> None:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ConfigValueError(f"clip.min {self.min:g} is greater than clip.max {self.max:g}")


def _one_character(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(value, "a string of one character")
    if len(value) != 1:
        raise invalid(value, "exactly one character")
    return value


def _separator(value: Any) -> str:
    # A tab is hard to type in a shell, so its usual spellings are accepted.
    return _one_character("\t" if value in ("tab", "\\t") else value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CsvOptions(Section):
    """How CSV and TSV inputs are parsed."""

    separator: str | None = setting(
        OrNull(
            Custom(
                _separator,
                (
                    (
                        "anyOf",
                        [
                            {"enum": ["tab", "\\t"]},
                            {"type": "string", "minLength": 1, "maxLength": 1},
                        ],
                    ),
                ),
            )
        ),
        "Field separator, one character; `tab` or `\\t` for a tab (default: comma, tab for .tsv).",
        default=None,
    )
    encoding: str = setting(Text(blank=False), "Text encoding of the file.", default="utf-8")
    null_values: list[str] = setting(
        TextList(),
        "Cell texts read as null (after trimming spaces). `NaN` is a number.",
        default_factory=lambda: list(DEFAULT_NULL_VALUES),
    )
    decimal_comma: bool = setting(Boolean(), "Numbers use a comma as decimal mark.", default=False)
    thousands: str | None = setting(
        OrNull(Custom(_one_character, (("type", "string"), ("minLength", 1), ("maxLength", 1)))),
        "Thousands separator, such as `.`; it may only stand between groups of three digits.",
        default=None,
    )

    def check_section(self) -> None:
        mark = "," if self.decimal_comma else "."
        if self.thousands is None:
            return
        if self.thousands == mark:
            raise ConfigValueError(
                f"thousands separator {self.thousands!r} is also the decimal mark; "
                "pass --decimal-comma with --thousands . for numbers such as 1.299,99"
            )
        if self.thousands.isdigit() or self.thousands in "+-eE":
            raise ConfigValueError(
                f"thousands separator {self.thousands!r} is invalid; expected a mark such as "
                "'.', ',' or a space"
            )


def _checks(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return validate_check_settings(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config(Section):
    """A resolved weightcli config: file keys with flags applied on top."""

    weight_column: str = setting(
        Text(blank=False), "Column to write or to check.", default="weight"
    )
    task: Task | None = setting(
        OrNull(Choice(TASKS)), "Kumo task type; selects task checks.", default=None
    )
    target_column: str | None = setting(
        OrNull(Text(blank=False)), "Target column, if any.", default=None
    )
    entity_column: str | None = setting(
        OrNull(Text(blank=False)), "Entity column, if any.", default=None
    )
    time_column: str | None = setting(
        OrNull(Text(blank=False)), "Time column, if any.", default=None
    )
    profile: Profile = setting(
        Choice(PROFILES), "Trainer whose weight rules apply.", default="kumo"
    )
    default: float | str = setting(
        NumberOrSql(),
        "Weight of rows no rule matches: a number or SQL expression.",
        default=1.0,
    )
    mode: Literal["first", "multiply"] = setting(
        Choice(("first", "multiply")),
        "first: the first matching rule sets the weight; "
        "multiply: every matching rule multiplies it.",
        default="first",
    )
    rules: list[Rule] = setting(SectionList(Rule), "Weight rules, in order.", default_factory=list)
    lookup: Lookup | None = setting(
        OrNull(Nested(Lookup)), "A table joined to the training table.", default=None
    )
    balance: Balance | None = setting(
        # `balance: TARGET` is short for `balance: {column: TARGET}`.
        OrNull(Nested(Balance, shorthand="column")),
        "Class balancing; a column name is short for {column: NAME}.",
        default=None,
    )
    decay: Decay | None = setting(OrNull(Nested(Decay)), "Recency decay.", default=None)
    clip: Clip | None = setting(OrNull(Nested(Clip)), "Bounds of the weights.", default=None)
    normalize: Literal["none", "mean", "sum"] = setting(
        Choice(("none", "mean", "sum")),
        "none, mean (mean weight 1) or sum (weights sum to 1).",
        default="none",
    )
    on_null: Literal["error", "default", "drop"] = setting(
        Choice(("error", "default", "drop")),
        "What to do with weights that evaluate to null.",
        default="error",
    )
    negative: Literal["allow", "forbid"] = setting(
        Choice(("allow", "forbid")),
        "forbid turns every negative weight into an error.",
        default="allow",
    )
    csv: CsvOptions = setting(
        Nested(CsvOptions), "How CSV and TSV inputs are parsed.", default_factory=CsvOptions
    )
    checks: dict[str, Any] = setting(
        Custom(_checks, (("type", "object"),)),
        "`fail_on` and per-check settings: a level or {level, thresholds}.",
        default_factory=dict,
    )

    @property
    def fail_on(self) -> FailOn:
        """Lowest finding level that makes the exit code 1."""
        value: FailOn = self.checks.get("fail_on", "error")
        return value

    def describe_rule(self, index: int) -> str:
        """Return how the report names the rule at ``index``: its name or its position."""
        rule = self.rules[index]
        return rule.name if rule.name else f"rule {index + 1}"


__all__ = [
    "CHECKS",
    "LEVELS",
    "PROFILES",
    "TASKS",
    "Balance",
    "Clip",
    "Config",
    "ConfigValueError",
    "CsvOptions",
    "Decay",
    "Lookup",
    "Rule",
]
