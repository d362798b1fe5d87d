"""Config files: discovery, flag overrides, and the exact text of every kind of config error."""

from __future__ import annotations

from pathlib import Path

import pytest

from weightcli.config.load import discover_config, load_config, resolve_config
from weightcli.errors import ConfigError

ALL_KEYS = (
    "balance, checks, clip, csv, decay, default, entity_column, lookup, mode, negative, "
    "normalize, on_null, profile, rules, target_column, task, time_column, weight_column"
)


def config_error(tmp_path: Path, text: str) -> str:
    """Write ``text`` to weightcli.yaml in ``tmp_path``, load it, and return the error message."""
    path = tmp_path / "weightcli.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    prefix = f"{path}: "
    assert message.startswith(prefix)
    return message.removeprefix(prefix)


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    message = config_error(tmp_path, "weight_column: w\nnormalise: mean\n")

    assert message == (
        "key 'normalise' (line 2): unknown key 'normalise' (did you mean 'normalize'?); "
        f"allowed keys: {ALL_KEYS}"
    )


def test_unknown_key_without_close_match(tmp_path: Path) -> None:
    message = config_error(tmp_path, "zzzzzz: 1\n")

    assert message == f"key 'zzzzzz' (line 1): unknown key 'zzzzzz'; allowed keys: {ALL_KEYS}"


def test_unknown_nested_key(tmp_path: Path) -> None:
    message = config_error(tmp_path, "clip:\n  min: 0\n  maxx: 3\n")

    assert message == (
        "key 'clip.maxx' (line 3): unknown key 'maxx' (did you mean 'max'?); "
        "allowed keys: max, max_median_ratio, max_quantile, min, redistribute"
    )


def test_unknown_key_in_rule(tmp_path: Path) -> None:
    message = config_error(
        tmp_path, "rules:\n  - when: 'x > 1'\n    weight: 2\n  - whn: 'x > 2'\n    weight: 3\n"
    )

    assert message == (
        "key 'rules[1].whn' (line 4): unknown key 'whn' (did you mean 'when'?); "
        "allowed keys: name, weight, when"
    )


def test_invalid_choice(tmp_path: Path) -> None:
    message = config_error(tmp_path, "default: 1\nmode: sum\n")

    assert message == "key 'mode' (line 2): 'sum' is invalid; expected 'first' or 'multiply'"


def test_number_for_choice(tmp_path: Path) -> None:
    message = config_error(tmp_path, "normalize: 3\n")

    assert message == "key 'normalize' (line 1): 3 is invalid; expected 'none', 'mean' or 'sum'"


def test_wrong_type_list_for_text(tmp_path: Path) -> None:
    message = config_error(tmp_path, "weight_column: [1]\n")

    assert message == "key 'weight_column' (line 1): [1] is invalid; expected a string"


def test_wrong_type_text_for_number(tmp_path: Path) -> None:
    message = config_error(tmp_path, "clip:\n  min: abc\n")

    assert message == ("key 'clip.min' (line 2): 'abc' is invalid; expected a number")


def test_wrong_type_number_for_section(tmp_path: Path) -> None:
    message = config_error(tmp_path, "clip: 3\n")

    assert message == (
        "key 'clip' (line 1): 3 is invalid; expected a mapping with the keys max, "
        "max_median_ratio, max_quantile, min, redistribute"
    )


def test_wrong_type_mapping_for_rules(tmp_path: Path) -> None:
    message = config_error(tmp_path, "rules:\n  when: x\n")

    assert message == "key 'rules' (line 1): {'when': 'x'} is invalid; expected a list"


def test_wrong_type_list_for_rule_weight(tmp_path: Path) -> None:
    message = config_error(tmp_path, "rules:\n  - when: 'x > 1'\n    weight: [1, 2]\n")

    assert message == (
        "key 'rules[0].weight' (line 3): [1, 2] is invalid; expected a number or a SQL expression"
    )


def test_missing_rule_weight(tmp_path: Path) -> None:
    message = config_error(tmp_path, "rules:\n  - when: 'x > 1'\n")

    assert message == "key 'rules[0].weight' (line 2): is required"


def test_blank_rule_condition(tmp_path: Path) -> None:
    message = config_error(tmp_path, "rules:\n  - when: ' '\n    weight: 2\n")

    assert message == "key 'rules[0].when' (line 2): must not be empty"


def test_negative_power(tmp_path: Path) -> None:
    message = config_error(tmp_path, "balance:\n  column: t\n  power: -1\n")

    assert message == (
        "key 'balance.power' (line 3): -1 is invalid; expected a number of 0 or more"
    )


def test_clip_bounds_reversed(tmp_path: Path) -> None:
    message = config_error(tmp_path, "clip:\n  min: 5\n  max: 1\n")

    assert message == "key 'clip' (line 1): clip.min 5 is greater than clip.max 1"


def test_half_life_without_unit(tmp_path: Path) -> None:
    message = config_error(tmp_path, "decay:\n  column: ts\n  half_life: 90 days\n")

    assert message == (
        "key 'decay.half_life' (line 3): half-life '90 days' is invalid; expected a positive "
        "number with a unit s, m, h, d or w, such as 90d"
    )


def test_separator_of_two_characters(tmp_path: Path) -> None:
    message = config_error(tmp_path, "csv:\n  separator: ';;'\n")

    assert (
        message == "key 'csv.separator' (line 2): ';;' is invalid; expected exactly one character"
    )


def test_unknown_check_suggests_closest(tmp_path: Path) -> None:
    message = config_error(tmp_path, "checks:\n  fail_on: error\n  zero-shar: warning\n")

    assert message == (
        "key 'checks.zero-shar' (line 3): unknown check 'zero-shar' (did you mean 'zero-share'?)"
    )


def test_invalid_check_level(tmp_path: Path) -> None:
    message = config_error(tmp_path, "checks:\n  zero-share: {level: loud}\n")

    assert message == (
        "key 'checks.zero-share' (line 2): level 'loud' of check 'zero-share' is invalid; "
        "expected one of error, warning, info, off"
    )


def test_unknown_check_option(tmp_path: Path) -> None:
    message = config_error(tmp_path, "checks:\n  zero-share:\n    level: error\n    maxx: 2\n")

    assert message == (
        "key 'checks.zero-share' (line 2): unknown option 'maxx' of check 'zero-share' "
        "(did you mean 'max'?); allowed: level, max"
    )


def test_check_option_not_a_number(tmp_path: Path) -> None:
    message = config_error(tmp_path, "checks:\n  skew-ratio:\n    max: lots\n")

    assert message == (
        "key 'checks.skew-ratio' (line 2): option 'max' of check 'skew-ratio' must be a number, "
        "not 'lots'"
    )


def test_check_option_negative(tmp_path: Path) -> None:
    message = config_error(tmp_path, "checks:\n  low-ess:\n    min: -1\n")

    assert message == (
        "key 'checks.low-ess' (line 2): option 'min' of check 'low-ess' must be 0 or more, not -1"
    )


def test_invalid_fail_on(tmp_path: Path) -> None:
    message = config_error(tmp_path, "checks:\n  fail_on: sometimes\n")

    assert message == (
        "key 'checks.fail_on' (line 2): fail_on 'sometimes' is invalid; "
        "expected one of error, warning, info, never"
    )


def test_invalid_yaml_syntax(tmp_path: Path) -> None:
    message = config_error(tmp_path, "rules: [\n")

    assert message == (
        "invalid YAML at line 2, column 1: expected the node content, but found '<stream end>'"
    )


def test_repeated_key(tmp_path: Path) -> None:
    message = config_error(tmp_path, "mode: first\nmode: multiply\n")

    assert message == "invalid YAML at line 2, column 1: key 'mode' is repeated (first at line 1)"


def test_top_level_list(tmp_path: Path) -> None:
    message = config_error(tmp_path, "- a\n- b\n")

    assert message == "expected a mapping of config keys at the top level, found list"


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    assert str(raised.value) == f"config file {path} not found; check the path given to -c"


def test_config_path_is_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)

    assert str(raised.value) == f"config path {tmp_path} is a folder; expected a YAML file"


def test_override_error_names_flags() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(None, overrides={"mode": "all"})

    assert (
        str(raised.value) == "flags: key 'mode': 'all' is invalid; expected 'first' or 'multiply'"
    )


def test_empty_file_is_defaults(tmp_path: Path) -> None:
    path = tmp_path / "weightcli.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")

    config = load_config(path)

    assert config.weight_column == "weight"
    assert config.default == 1.0
    assert config.mode == "first"
    assert config.normalize == "none"
    assert config.on_null == "error"
    assert config.fail_on == "error"


def test_yaml_off_and_on_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "weightcli.yaml"
    path.write_text(
        "lookup:\n  path: values.csv\n  on: id\nchecks:\n  zero-share: off\n", encoding="utf-8"
    )

    config = load_config(path)

    assert config.lookup is not None
    assert config.lookup.on == "id"
    assert config.lookup.path == str(tmp_path / "values.csv")
    assert config.checks == {"zero-share": {"level": "off"}}


def test_flags_win_over_file(tmp_path: Path) -> None:
    path = tmp_path / "weightcli.yaml"
    path.write_text(
        "normalize: mean\nchecks:\n  fail_on: warning\n  zero-share: {max: 0.2}\n",
        encoding="utf-8",
    )

    config = load_config(
        path,
        overrides={"normalize": "sum", "checks": {"fail_on": "never"}},
        extra_rules=[{"when": "x > 1", "weight": 2.0, "name": "--rule 1"}],
    )

    assert config.normalize == "sum"
    assert config.fail_on == "never"
    assert config.checks["zero-share"] == {"max": 0.2}
    assert [(r.name, r.when, r.weight) for r in config.rules] == [("--rule 1", "x > 1", 2.0)]


def test_flag_rules_follow_file_rules(tmp_path: Path) -> None:
    path = tmp_path / "weightcli.yaml"
    path.write_text("rules:\n  - name: a\n    weight: 3\n", encoding="utf-8")

    config = load_config(path, extra_rules=[{"name": "b", "weight": 4.0}])

    assert [r.name for r in config.rules] == ["a", "b"]


def test_discovery_finds_parent_config(tmp_path: Path) -> None:
    (tmp_path / "weightcli.yaml").write_text("normalize: mean\n", encoding="utf-8")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)

    config, path = resolve_config(None, False, start=nested)

    assert path == tmp_path / "weightcli.yaml"
    assert config.normalize == "mean"


def test_discovery_prefers_yaml_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.weightcli]\nnormalize = 'sum'\n", encoding="utf-8"
    )
    (tmp_path / ".weightcli.yaml").write_text("normalize: mean\n", encoding="utf-8")

    assert discover_config(tmp_path) == tmp_path / ".weightcli.yaml"


def test_discovery_reads_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.weightcli]\nnormalize = 'sum'\n[tool.weightcli.checks]\nfail_on = 'warning'\n",
        encoding="utf-8",
    )

    config, path = resolve_config(None, False, start=tmp_path)

    assert path == tmp_path / "pyproject.toml"
    assert config.normalize == "sum"
    assert config.fail_on == "warning"


def test_no_config_skips_discovery(tmp_path: Path) -> None:
    (tmp_path / "weightcli.yaml").write_text("normalize: mean\n", encoding="utf-8")

    config, path = resolve_config(None, True, start=tmp_path)

    assert path is None
    assert config.normalize == "none"
