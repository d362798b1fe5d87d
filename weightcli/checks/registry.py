"""The explicit registry of checks, their default levels and options, and trainer profiles."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weightcli.checks import classes, link, sign, skew, task, validity
from weightcli.checks.context import CheckContext, Draft

LEVELS = ("error", "warning", "info", "off")
FAIL_ON_VALUES = ("error", "warning", "info", "never")

CheckFunction = Callable[[CheckContext, Mapping[str, float]], Draft | None]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: id, default level, options with defaults, and the function."""

    id: str
    default_level: str
    function: CheckFunction
    options: Mapping[str, float] = field(default_factory=dict)

    @property
    def description(self) -> str:
        """First line of the check function's docstring."""
        doc = self.function.__doc__ or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("missing-column", "error", validity.missing_column),
    CheckSpec("non-numeric", "error", validity.non_numeric),
    CheckSpec("empty-table", "error", validity.empty_table),
    CheckSpec("null-weight", "error", validity.null_weight),
    CheckSpec("non-finite", "error", validity.non_finite),
    CheckSpec("all-zero", "error", sign.all_zero),
    CheckSpec("no-positive", "error", sign.no_positive),
    CheckSpec("negative-link-prediction", "error", sign.negative_link_prediction),
    CheckSpec("negative-weight", "warning", sign.negative_weight),
    CheckSpec("negative-mass", "warning", sign.negative_mass, {"max": 0.1}),
    CheckSpec("zero-share", "warning", sign.zero_share, {"max": 0.5}),
    CheckSpec("skew-ratio", "warning", skew.skew_ratio, {"max": 1000.0}),
    CheckSpec("low-ess", "warning", skew.low_ess, {"min": 0.1}),
    CheckSpec("top-share", "warning", skew.top_share, {"max": 0.5, "min_rows": 100.0}),
    CheckSpec("unsupported-task", "warning", task.unsupported_task),
    CheckSpec("list-length-mismatch", "error", link.list_length_mismatch),
    CheckSpec("duplicate-pairs", "info", link.duplicate_pairs),
    CheckSpec("class-zero-weight", "error", classes.class_zero_weight),
    CheckSpec("class-imbalance", "info", classes.class_imbalance, {"max": 0.1}),
)
CHECKS_BY_ID = {spec.id: spec for spec in CHECKS}

# Levels per trainer profile of the checks that trainers disagree on: negative weights, all
# zero weights and NaN or infinite weights. Checks not listed keep their default level.
# - kumo: some negative weights are allowed outside link prediction (where
#   negative-link-prediction is an error); Kumo drops rows with a null weight.
# - xgboost, catboost: a negative weight is an error; a zero weight is allowed per row.
# - lightgbm: a negative weight is an error. All-zero weights only warn, because LightGBM
#   accepts them. NaN weights are an error, because LightGBM is reported to replace them
#   with 0 and to clamp infinities without a message.
# - sklearn: whether a negative weight works depends on the estimator, so it warns.
#   All-zero weights are an error: LogisticRegression in scikit-learn 1.9.1 raises
#   "Sample weights must contain at least one non-zero number".
# - torch-sampler: torch.utils.data.WeightedRandomSampler fails only when it is iterated, on
#   a negative weight or a zero sum.
PROFILE_LEVELS: Mapping[str, Mapping[str, str]] = {
    "kumo": {"negative-weight": "warning", "all-zero": "error", "non-finite": "error"},
    "xgboost": {"negative-weight": "error", "all-zero": "error", "non-finite": "error"},
    "lightgbm": {"negative-weight": "error", "all-zero": "warning", "non-finite": "error"},
    "catboost": {"negative-weight": "error", "all-zero": "error", "non-finite": "error"},
    "sklearn": {"negative-weight": "warning", "all-zero": "error", "non-finite": "error"},
    "torch-sampler": {"negative-weight": "error", "all-zero": "error", "non-finite": "error"},
}


class CheckSettingError(ValueError):
    """An invalid entry of the ``checks:`` section, with its key below ``checks``."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def closest(name: str, choices: list[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or an empty string."""
    match = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _parse_level(check_id: str, value: Any) -> str:
    # YAML 1.1 reads a bare `off` as False.
    if value is False:
        return "off"
    if not isinstance(value, str) or value not in LEVELS:
        raise ValueError(
            f"level {value!r} of check '{check_id}' is invalid; expected one of {', '.join(LEVELS)}"
        )
    return value


def validate_check_settings(value: Any) -> dict[str, Any]:
    """Validate the ``checks:`` section and return it with every entry as a mapping."""
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping of check ids to levels or settings")

    result: dict[str, Any] = {}
    known = ["fail_on", *CHECKS_BY_ID]
    for key, setting in value.items():
        if key == "fail_on":
            if setting not in FAIL_ON_VALUES:
                raise CheckSettingError(
                    f"fail_on {setting!r} is invalid; expected one of {', '.join(FAIL_ON_VALUES)}",
                    "fail_on",
                )
            result["fail_on"] = setting
            continue

        spec = CHECKS_BY_ID.get(str(key))
        if spec is None:
            raise CheckSettingError(f"unknown check '{key}'{closest(str(key), known)}", str(key))
        try:
            result[spec.id] = _parse_entry(spec, setting)
        except ValueError as error:
            # Carries the check's key so that config errors can name its line.
            raise CheckSettingError(str(error), str(key)) from None
    return result


def _parse_entry(spec: CheckSpec, setting: Any) -> dict[str, Any]:
    if not isinstance(setting, Mapping):
        return {"level": _parse_level(spec.id, setting)}

    entry: dict[str, Any] = {}
    for option, option_value in setting.items():
        if option == "level":
            entry["level"] = _parse_level(spec.id, option_value)
            continue
        if option not in spec.options:
            allowed = ["level", *spec.options]
            raise ValueError(
                f"unknown option '{option}' of check '{spec.id}'{closest(str(option), allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )
        if isinstance(option_value, bool) or not isinstance(option_value, int | float):
            raise ValueError(
                f"option '{option}' of check '{spec.id}' must be a number, not {option_value!r}"
            )
        # NaN would make every comparison with the threshold false, so the check never fires.
        if not math.isfinite(option_value):
            raise ValueError(
                f"option '{option}' of check '{spec.id}' must be a finite number, "
                f"not {option_value}"
            )
        if option_value < 0:
            raise ValueError(
                f"option '{option}' of check '{spec.id}' must be 0 or more, not {option_value}"
            )
        entry[option] = float(option_value)
    return entry


def resolve_level(
    spec: CheckSpec, settings: Mapping[str, Any], profile: str, negative_policy: str
) -> str:
    """Return the level of a check: explicit setting, else profile and policy, else default."""
    explicit = settings.get(spec.id, {}).get("level")
    if explicit is not None:
        return str(explicit)
    if spec.id == "negative-weight" and negative_policy == "forbid":
        return "error"
    return PROFILE_LEVELS.get(profile, {}).get(spec.id, spec.default_level)


def resolve_options(spec: CheckSpec, settings: Mapping[str, Any]) -> dict[str, float]:
    """Return the check's options: its defaults with the configured values on top."""
    options = dict(spec.options)
    for key, value in settings.get(spec.id, {}).items():
        if key != "level":
            options[key] = value
    return options
