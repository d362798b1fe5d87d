"""The config sections check their values when made: from a mapping, as keywords, or by
replacing a field, and ``weightcli schema`` describes the same kinds."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from weightcli.config.fields import ConfigValueError
from weightcli.config.model import Balance, Clip, Config, CsvOptions, Decay, Lookup, Rule
from weightcli.errors import ConfigError


def error_of(section: Any, data: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ConfigValueError) as raised:
        section.model_validate(data)
    return raised.value.loc, raised.value.message


@pytest.mark.parametrize(
    ("given", "expected"),
    [(1, 1.0), (2.5, 2.5), ("2.5", 2.5), (" 3 ", 3.0), (-4, -4.0), (0, 0.0)],
)
def test_number_accepts_numeric_strings(given: Any, expected: float) -> None:
    clip = Clip.model_validate({"min": given})

    assert clip.min == expected
    assert type(clip.min) is float


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (True, "true is invalid; expected a number"),
        ("abc", "'abc' is invalid; expected a number"),
        ([1], "[1] is invalid; expected a number"),
        (float("nan"), "nan is invalid; expected a finite number"),
        ("-inf", "'-inf' is invalid; expected a finite number"),
        (10**400, f"{10**400!r} is invalid; expected a number"),
    ],
)
def test_number_rejects(given: Any, message: str) -> None:
    assert error_of(Clip, {"max": given}) == (("max",), message)


def test_number_bounds() -> None:
    assert error_of(Clip, {"max_quantile": 1}) == (
        ("max_quantile",),
        "1 is invalid; expected a number above 0 and below 1",
    )
    assert error_of(Clip, {"max_median_ratio": 0}) == (
        ("max_median_ratio",),
        "0 is invalid; expected a number above 0",
    )
    assert error_of(Balance, {"column": "y", "power": -0.5}) == (
        ("power",),
        "-0.5 is invalid; expected a number of 0 or more",
    )
    assert Balance.model_validate({"column": "y", "power": 0}).power == 0.0


@pytest.mark.parametrize(
    ("given", "expected"),
    [(True, True), (False, False), ("yes", True), ("Off", False), ("true", True), (1, True)],
)
def test_boolean_words(given: Any, expected: bool) -> None:
    assert Clip.model_validate({"redistribute": given}).redistribute is expected


@pytest.mark.parametrize(
    ("given", "shown"), [("maybe", "'maybe'"), (2, "2"), (0.5, "0.5"), (None, "null")]
)
def test_boolean_rejects(given: Any, shown: str) -> None:
    assert error_of(Clip, {"redistribute": given}) == (
        ("redistribute",),
        f"{shown} is invalid; expected true or false",
    )


def test_weight_is_number_or_sql() -> None:
    assert Rule.model_validate({"weight": 2}).weight == 2.0
    assert Rule.model_validate({"weight": "2"}).weight == "2"
    assert Rule.model_validate({"weight": "LN(1 + x)"}).weight == "LN(1 + x)"
    assert error_of(Rule, {"weight": True}) == (
        ("weight",),
        "true is invalid; expected a number or a SQL expression",
    )
    assert error_of(Rule, {"weight": "  "}) == (("weight",), "must not be empty")
    assert error_of(Rule, {"weight": None}) == (
        ("weight",),
        "null is invalid; expected a number or a SQL expression",
    )


def test_blank_names_are_rejected() -> None:
    assert error_of(Lookup, {"path": " ", "on": "k"}) == (("path",), "must not be empty")
    assert error_of(Config, {"target_column": ""}) == (("target_column",), "must not be empty")
    assert error_of(Config, {"weight_column": "  "}) == (("weight_column",), "must not be empty")


def test_text_list() -> None:
    assert Lookup.model_validate({"path": "x", "on": "k", "columns": ["a", "b"]}).columns == [
        "a",
        "b",
    ]
    assert error_of(Lookup, {"path": "x", "on": "k", "columns": "a"}) == (
        ("columns",),
        "'a' is invalid; expected a list of strings",
    )
    assert error_of(Lookup, {"path": "x", "on": "k", "columns": ["a", 1]}) == (
        ("columns", 1),
        "1 is invalid; expected a string",
    )


def test_nested_errors_are_located() -> None:
    data = {"rules": [{"weight": 1}, {"when": "x > 1", "weight": "  "}]}
    assert error_of(Config, data) == (("rules", 1, "weight"), "must not be empty")
    assert error_of(Config, {"csv": {"thousands": "."}}) == (
        ("csv",),
        "thousands separator '.' is also the decimal mark; pass --decimal-comma with "
        "--thousands . for numbers such as 1.299,99",
    )
    assert error_of(Config, {"checks": {"zero-shar": "off"}}) == (
        ("checks", "zero-shar"),
        "unknown check 'zero-shar' (did you mean 'zero-share'?)",
    )


def test_unknown_key_is_reported_before_missing_one() -> None:
    assert error_of(Config, {"rules": [{"when": "x", "wieght": 2}]}) == (
        ("rules", 0, "wieght"),
        "unknown key 'wieght' (did you mean 'weight'?); allowed keys: name, weight, when",
    )


def test_empty_checks_and_sections_mean_defaults() -> None:
    config = Config.model_validate({"checks": None, "lookup": None})

    assert config.checks == {}
    assert config.lookup is None


def test_empty_rules_key_is_rejected() -> None:
    assert error_of(Config, {"rules": None}) == (
        ("rules",),
        "is empty; add list items under it, or remove the key",
    )
    assert Config.model_validate({"rules": []}).rules == []


def test_error_text_names_the_key() -> None:
    with pytest.raises(ConfigError) as raised:
        Config(normalize="avg")  # type: ignore[arg-type]

    assert (
        str(raised.value) == "key 'normalize': 'avg' is invalid; expected 'none', 'mean' or 'sum'"
    )
    assert isinstance(raised.value, ValueError)


def test_balance_shorthand_and_tab_separator() -> None:
    config = Config.model_validate({"balance": "TARGET", "csv": {"separator": "tab"}})

    assert config.balance == Balance(column="TARGET", power=1.0, null="ignore")
    assert config.csv.separator == "\t"


def test_keyword_construction_checks_too() -> None:
    with pytest.raises(ConfigValueError, match=r"^clip.min 5 is greater than clip.max 1$"):
        Clip(min=5, max=1)
    with pytest.raises(ConfigValueError) as raised:
        Config(rules=[{"when": "x"}])  # type: ignore[list-item]
    assert raised.value.loc == ("rules", 0, "weight")
    assert Config(rules=[{"weight": 3}]).rules == [Rule(weight=3.0)]  # type: ignore[list-item]


def test_replace_checks_the_new_value() -> None:
    decay = Decay(column="ts", half_life="90d")

    assert dataclasses.replace(decay, half_life=" 2w ").half_life_seconds() == 2 * 604800
    with pytest.raises(ConfigValueError, match="half-life '2 weeks' is invalid"):
        dataclasses.replace(decay, half_life="2 weeks")


def test_sections_are_frozen() -> None:
    clip = Clip(max=3)

    with pytest.raises(dataclasses.FrozenInstanceError):
        clip.max = 4  # type: ignore[misc]


def test_dump_leaves_out_defaults() -> None:
    config = Config.model_validate(
        {
            "rules": [{"when": "a > 1", "weight": 5}],
            "csv": {"separator": ";"},
            "clip": {"max": 10},
            "normalize": "mean",
        }
    )

    assert config.model_dump(exclude_defaults=True) == {
        "rules": [{"when": "a > 1", "weight": 5.0}],
        "clip": {"max": 10.0},
        "normalize": "mean",
        "csv": {"separator": ";"},
    }
    assert Config.model_validate(config.model_dump()) == config


def test_schema_matches_the_kinds() -> None:
    schema = Config.model_json_schema()

    clip = schema["$defs"]["Clip"]
    assert clip["additionalProperties"] is False
    assert clip["properties"]["max_quantile"]["anyOf"][0] == {
        "type": "number",
        "exclusiveMinimum": 0.0,
        "exclusiveMaximum": 1.0,
    }
    assert schema["$defs"]["Rule"]["required"] == ["weight"]
    assert schema["properties"]["balance"]["anyOf"] == [
        {"$ref": "#/$defs/Balance"},
        {"type": "string"},
        {"type": "null"},
    ]
    assert schema["properties"]["normalize"] == {
        "description": "none, mean (mean weight 1) or sum (weights sum to 1).",
        "type": "string",
        "enum": ["none", "mean", "sum"],
        "default": "none",
    }
    assert CsvOptions.model_json_schema()["properties"]["null_values"]["default"][:2] == ["", "NA"]


def test_misspelt_keyword_suggests_key() -> None:
    with pytest.raises(ConfigError) as raised:
        Config(wieght_column="w")  # type: ignore[call-arg]

    assert str(raised.value).startswith(
        "key 'wieght_column': unknown key 'wieght_column' (did you mean 'weight_column'?); "
        "allowed keys: balance, checks,"
    )


def test_missing_keyword_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        Rule(when="x > 1")  # type: ignore[call-arg]

    assert str(raised.value) == "key 'weight': is required"


def test_copies_and_pickles_keep_sections() -> None:
    import copy
    import pickle

    config = Config.model_validate({"rules": [{"weight": 2}], "clip": {"max": 3}})

    assert copy.copy(config) == config
    assert copy.deepcopy(config) == config
    assert pickle.loads(pickle.dumps(config)) == config
