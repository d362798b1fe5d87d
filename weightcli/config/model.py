"""The config model. Every key of ``weightcli.yaml`` is a field here, and the JSON Schema
printed by ``weightcli schema`` is generated from these classes."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from weightcli.checks.registry import CHECKS, LEVELS, validate_check_settings
from weightcli.names import PROFILES, TASKS, Profile, Task

DEFAULT_NULL_VALUES = ("", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A")

FailOn = Literal["error", "warning", "info", "never"]

HALF_LIFE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
SECONDS_PER_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class _Strict(BaseModel):
    # NaN and infinity are rejected, so that `clip: {min: .nan}` or `default: .inf` fails here.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Rule(_Strict):
    """One weight rule: rows matching ``when`` get ``weight``."""

    name: str | None = Field(default=None, description="Name shown in the report.")
    when: str | None = Field(
        default=None,
        description="SQL condition; a row matches when it is true (NULL does not match). "
        "Without it the rule matches every row.",
    )
    weight: float | str = Field(description="A number or a SQL expression.")

    @field_validator("when", "weight")
    @classmethod
    def _not_blank(cls, value: float | str | None) -> float | str | None:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value


class Lookup(_Strict):
    """A table whose columns are left-joined to the training table for rules to use."""

    path: str = Field(description="Parquet or CSV file, relative to the config file.")
    on: str = Field(description="Key column present in both tables.")
    columns: list[str] | None = Field(
        default=None, description="Columns to join (default: every column but the key)."
    )


class Balance(_Strict):
    """Class-balance factor ``n / (k * count_c)`` raised to ``power``."""

    column: str = Field(description="Class column, usually the target.")
    power: float = Field(default=1.0, ge=0.0, description="0.5 is inverse-square-root smoothing.")
    null: Literal["ignore", "class", "error"] = Field(
        default="ignore",
        description="ignore: rows with a null class are left out of the class counts and keep "
        "their weight (factor 1); class: null is a class of its own; error: reject the table.",
    )


class Decay(_Strict):
    """Recency factor ``0.5 ** (age / half_life)``."""

    column: str = Field(description="Date or Datetime column.")
    half_life: str = Field(description="A positive number with a unit: s, m, h, d or w.")
    reference: str = Field(
        default="max", description="`max` (latest value of the column) or an ISO timestamp."
    )

    @field_validator("half_life", mode="before")
    @classmethod
    def _parse_half_life(cls, value: Any) -> str:
        text = str(value)
        match = HALF_LIFE_PATTERN.match(text)
        if match is None or float(match.group(1)) <= 0:
            raise ValueError(
                f"half-life {text!r} is invalid; expected a positive number with a unit "
                "s, m, h, d or w, such as 90d"
            )
        return text.strip()

    def half_life_seconds(self) -> float:
        """Return the half-life in seconds."""
        match = HALF_LIFE_PATTERN.match(self.half_life)
        assert match is not None  # validated above
        return float(match.group(1)) * SECONDS_PER_UNIT[match.group(2)]


class Clip(_Strict):
    """Bounds applied to the weights after rules, balance and decay."""

    min: float | None = Field(default=None, description="Lower bound.")
    max: float | None = Field(default=None, description="Upper bound.")
    max_quantile: float | None = Field(
        default=None, gt=0.0, lt=1.0, description="Upper bound at this quantile of the weights."
    )
    max_median_ratio: float | None = Field(
        default=None,
        gt=0.0,
        description="Upper bound at this multiple of the median positive weight.",
    )
    redistribute: bool = Field(
        default=False,
        description="Spread the trimmed mass over the untrimmed rows so the total is kept.",
    )

    @model_validator(mode="after")
    def _check_bounds(self) -> Clip:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"clip.min {self.min:g} is greater than clip.max {self.max:g}")
        return self


class CsvOptions(_Strict):
    """How CSV and TSV inputs are parsed."""

    separator: str | None = Field(
        default=None,
        description="Field separator, one character; `tab` or `\\t` for a tab "
        "(default: comma, tab for .tsv).",
    )
    encoding: str = Field(default="utf-8", description="Text encoding of the file.")
    null_values: list[str] = Field(
        default=list(DEFAULT_NULL_VALUES),
        description="Cell texts read as null (after trimming spaces). `NaN` is a number.",
    )
    decimal_comma: bool = Field(default=False, description="Numbers use a comma as decimal mark.")
    thousands: str | None = Field(
        default=None,
        description="Thousands separator, such as `.`; it may only stand between groups of "
        "three digits.",
    )

    @field_validator("separator", mode="before")
    @classmethod
    def _tab_names(cls, value: Any) -> Any:
        # A tab is hard to type in a shell, so its usual spellings are accepted.
        return "\t" if value in ("tab", "\\t") else value

    @field_validator("separator", "thousands")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError(f"{value!r} is invalid; expected exactly one character")
        return value

    @model_validator(mode="after")
    def _check_number_marks(self) -> CsvOptions:
        mark = "," if self.decimal_comma else "."
        if self.thousands is None:
            return self
        if self.thousands == mark:
            raise ValueError(
                f"thousands separator {self.thousands!r} is also the decimal mark; "
                "pass --decimal-comma with --thousands . for numbers such as 1.299,99"
            )
        if self.thousands.isdigit() or self.thousands in "+-eE":
            raise ValueError(
                f"thousands separator {self.thousands!r} is invalid; expected a mark such as "
                "'.', ',' or a space"
            )
        return self


class Config(_Strict):
    """A resolved weightcli config: file keys with flags applied on top."""

    weight_column: str = Field(default="weight", description="Column to write or to check.")
    task: Task | None = Field(default=None, description="Kumo task type; selects task checks.")
    target_column: str | None = Field(default=None, description="Target column, if any.")
    entity_column: str | None = Field(default=None, description="Entity column, if any.")
    time_column: str | None = Field(default=None, description="Time column, if any.")
    profile: Profile = Field(default="kumo", description="Trainer whose weight rules apply.")
    default: float | str = Field(
        default=1.0, description="Weight of rows no rule matches: a number or SQL expression."
    )
    mode: Literal["first", "multiply"] = Field(
        default="first",
        description="first: the first matching rule sets the weight; "
        "multiply: every matching rule multiplies it.",
    )
    rules: list[Rule] = Field(default_factory=list, description="Weight rules, in order.")
    lookup: Lookup | None = None
    balance: Balance | None = None
    decay: Decay | None = None
    clip: Clip | None = None
    normalize: Literal["none", "mean", "sum"] = Field(
        default="none", description="none, mean (mean weight 1) or sum (weights sum to 1)."
    )
    on_null: Literal["error", "default", "drop"] = Field(
        default="error", description="What to do with weights that evaluate to null."
    )
    negative: Literal["allow", "forbid"] = Field(
        default="allow", description="forbid turns every negative weight into an error."
    )
    csv: CsvOptions = Field(default_factory=CsvOptions)
    checks: dict[str, Any] = Field(
        default_factory=dict,
        description="`fail_on` and per-check settings: a level or {level, thresholds}.",
    )

    @field_validator("weight_column")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("balance", mode="before")
    @classmethod
    def _balance_shorthand(cls, value: Any) -> Any:
        # `balance: TARGET` is short for `balance: {column: TARGET}`.
        return {"column": value} if isinstance(value, str) else value

    @field_validator("checks", mode="before")
    @classmethod
    def _validate_checks(cls, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        return validate_check_settings(value)

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
    "CsvOptions",
    "Decay",
    "Lookup",
    "Rule",
]
