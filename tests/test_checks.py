"""Every registered check firing and not firing at its threshold; levels, fail_on, profiles."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import weightcli
from weightcli.api import check_table
from weightcli.checks.registry import CHECKS, CHECKS_BY_ID
from weightcli.config.model import Config
from weightcli.io.read import open_table
from weightcli.report.model import FileReport, Finding

NAN = math.nan
INF = math.inf


def checked(weights: list[Any] | pl.Series, config: dict[str, Any] | None = None) -> FileReport:
    """Run ``weightcli.check`` on a one-column table of ``weights``."""
    series = weights if isinstance(weights, pl.Series) else pl.Series(weights, dtype=pl.Float64)
    return weightcli.check(pl.DataFrame({"weight": series}), config).files[0]


def finding(report: FileReport, check_id: str) -> Finding | None:
    """Return the finding of ``check_id`` in ``report``, or None."""
    matches = [f for f in report.findings if f.check == check_id]
    assert len(matches) <= 1
    return matches[0] if matches else None


# Each case: check id, weights, config. FIRES lists cases just past the threshold (or that
# break the rule), and QUIET lists cases at the threshold itself (or that keep the rule).
FIRES: list[tuple[str, Any, dict[str, Any]]] = [
    ("non-numeric", pl.Series(["1.0", "2.0"]), {}),
    ("empty-table", [], {}),
    ("null-weight", [1.0, None], {}),
    ("non-finite", [1.0, NAN], {}),
    ("non-finite", [1.0, INF], {}),
    ("non-finite", [1.0, -INF], {}),
    ("all-zero", [0.0, 0.0], {}),
    ("no-positive", [-1.0, 0.0], {}),
    ("no-positive", [-1.0, -2.0], {}),
    ("negative-link-prediction", [-1.0, 20.0], {"task": "static_link_prediction"}),
    ("negative-link-prediction", [-1.0, 20.0], {"task": "temporal_link_prediction"}),
    ("negative-link-prediction", [-1.0, 20.0], {"task": "link_prediction"}),
    ("negative-weight", [-1.0, 20.0], {}),
    ("negative-mass", [-1.0, 9.99], {}),
    ("negative-mass", [-1.0, 4.0], {"checks": {"negative-mass": {"max": 0.2499}}}),
    ("zero-share", [0.0, 0.0, 1.0], {}),
    ("zero-share", [0.0, 1.0, 1.0, 1.0, 1.0], {"checks": {"zero-share": {"max": 0.19}}}),
    ("skew-ratio", [1.0, 1000.001], {}),
    ("skew-ratio", [1.0, 4.0], {"checks": {"skew-ratio": {"max": 3.99}}}),
    ("low-ess", [1.0] + [0.0] * 10, {}),
    ("low-ess", [1.0, 1.0, 0.0, 0.0], {"checks": {"low-ess": {"min": 0.5000001}}}),
    ("top-share", [1.0] * 99 + [100.0], {}),
    ("top-share", [1.0] * 99 + [3.0], {"checks": {"top-share": {"max": 0.02}}}),
    ("top-share", [1.0] * 49 + [100.0], {"checks": {"top-share": {"min_rows": 50}}}),
    ("unsupported-task", [1.0, 2.0], {"task": "forecasting"}),
    ("unsupported-task", [1.0, 2.0], {"task": "temporal_node_prediction"}),
]

QUIET: list[tuple[str, Any, dict[str, Any]]] = [
    ("non-numeric", pl.Series([1, 2], dtype=pl.Int8), {}),
    ("non-numeric", pl.Series([None, None], dtype=pl.Null), {}),
    ("empty-table", [1.0], {}),
    ("null-weight", [1.0, 2.0], {}),
    ("non-finite", [1.0, 1e150], {}),
    ("all-zero", [0.0, 1.0], {}),
    ("all-zero", [], {}),
    ("no-positive", [-1.0, 1.0], {}),
    ("no-positive", [0.0, 0.0], {}),
    ("negative-link-prediction", [0.0, 1.0], {"task": "static_link_prediction"}),
    ("negative-link-prediction", [-1.0, 20.0], {"task": "binary_classification"}),
    ("negative-weight", [0.0, 1.0], {}),
    ("negative-weight", [-1.0, 20.0], {"task": "static_link_prediction"}),
    # 1 / 10 is exactly the default maximum 0.1.
    ("negative-mass", [-1.0, 10.0], {}),
    ("negative-mass", [-1.0, 4.0], {"checks": {"negative-mass": {"max": 0.25}}}),
    ("zero-share", [0.0, 1.0], {}),
    ("zero-share", [0.0, 1.0, 1.0, 1.0, 1.0], {"checks": {"zero-share": {"max": 0.2}}}),
    ("skew-ratio", [1.0, 1000.0], {}),
    ("skew-ratio", [1.0, 4.0], {"checks": {"skew-ratio": {"max": 4}}}),
    # ESS 1 over 10 rows is exactly the default minimum 0.1.
    ("low-ess", [1.0] + [0.0] * 9, {}),
    ("low-ess", [1.0, 1.0, 0.0, 0.0], {"checks": {"low-ess": {"min": 0.5}}}),
    # 99 / 198 is exactly the default maximum 0.5.
    ("top-share", [1.0] * 99 + [99.0], {}),
    # 99 positive weights are below the default min_rows 100.
    ("top-share", [1.0] * 98 + [1000.0], {}),
    ("top-share", [1.0] * 99 + [3.0], {"checks": {"top-share": {"max": 3 / 102}}}),
    ("unsupported-task", [1.0, 2.0], {"task": "binary_classification"}),
    ("unsupported-task", [1.0, 2.0], {}),
]


def case_id(case: tuple[str, Any, dict[str, Any]]) -> str:
    return case[0]


@pytest.mark.parametrize("case", FIRES, ids=case_id)
def test_check_fires(case: tuple[str, Any, dict[str, Any]]) -> None:
    check_id, weights, config = case

    found = finding(checked(weights, config), check_id)

    assert found is not None
    assert found.level == CHECKS_BY_ID[check_id].default_level


@pytest.mark.parametrize("case", QUIET, ids=case_id)
def test_check_stays_quiet(case: tuple[str, Any, dict[str, Any]]) -> None:
    check_id, weights, config = case

    assert finding(checked(weights, config), check_id) is None


# Checks of the weight column itself. The link prediction and per-class checks need entity,
# target and class columns and have their own test files.
COLUMN_CHECKS = {
    "missing-column",
    "non-numeric",
    "empty-table",
    "null-weight",
    "non-finite",
    "all-zero",
    "no-positive",
    "negative-link-prediction",
    "negative-weight",
    "negative-mass",
    "zero-share",
    "skew-ratio",
    "low-ess",
    "top-share",
    "unsupported-task",
}


def test_every_column_check_has_cases() -> None:
    tested = COLUMN_CHECKS - {"missing-column"}

    assert {spec.id for spec in CHECKS} >= COLUMN_CHECKS
    assert tested - {case[0] for case in FIRES} == set()
    assert tested - {case[0] for case in QUIET} == set()


def test_missing_column_fires() -> None:
    report = weightcli.check(pl.DataFrame({"a": [1.0], "b": [2.0]})).files[0]

    assert [(f.check, f.level) for f in report.findings] == [("missing-column", "error")]
    assert report.findings[0].message == (
        "weight column 'weight' is not in the table; its columns are: a, b"
    )


def test_missing_column_quiet_with_other_name() -> None:
    report = weightcli.check(pl.DataFrame({"w": [1.0]}), {"weight_column": "w"}).files[0]

    assert report.findings == []


def test_non_numeric_lists_junk_cells(cases: Path) -> None:
    table = open_table(str(cases / "c07_strings_junk.csv"))

    report = check_table(table, Config())

    assert [(f.check, f.level, f.rows) for f in report.findings] == [("non-numeric", "error", (2,))]
    assert report.findings[0].message == "1 weight(s) in 'weight' are not numbers: 'abc' at row 2"


def test_non_numeric_blocks_later_checks() -> None:
    report = checked(pl.Series(["a", "b"]))

    assert [f.check for f in report.findings] == ["non-numeric"]
    assert report.findings[0].message == (
        "weight column 'weight' has type String, expected integer, float or decimal"
    )


def test_negative_weight_message() -> None:
    found = finding(checked([1.0, -0.5, 1.0, 1.0]), "negative-weight")

    assert found is not None
    assert found.message == (
        "1 of 4 weights are negative (row 2); min -0.5, 25% of rows, "
        "14.3% of the absolute weight mass"
    )
    assert found.rows == (2,)


def test_threshold_findings_carry_value_and_threshold() -> None:
    found = finding(checked([0.0, 0.0, 1.0]), "zero-share")

    assert found is not None
    assert found.value == 2 / 3
    assert found.threshold == 0.5
    assert found.message == "66.7% of rows have a zero weight (2 of 3), above the maximum 50%"


def test_null_and_non_finite_reported_separately() -> None:
    report = checked([1.0, NAN, None, 2.0])

    assert [(f.check, f.level, f.rows) for f in report.findings] == [
        ("null-weight", "error", (3,)),
        ("non-finite", "error", (2,)),
    ]


def test_findings_sorted_most_severe_first() -> None:
    report = checked([0.0, 0.0, 0.0, -1.0, None])

    assert [(f.check, f.level) for f in report.findings] == [
        ("null-weight", "error"),
        ("no-positive", "error"),
        ("negative-weight", "warning"),
        ("zero-share", "warning"),
    ]


def test_config_level_and_threshold() -> None:
    config = {"checks": {"zero-share": {"level": "error", "max": 0.2}}}

    at_limit = checked([0.0, 1.0, 1.0, 1.0, 1.0], config)
    above = checked([0.0, 0.0, 1.0, 1.0, 1.0], config)

    assert at_limit.findings == []
    assert int(at_limit.exit_code) == 0
    assert [(f.check, f.level) for f in above.findings] == [("zero-share", "error")]
    assert int(above.exit_code) == 1


def test_config_level_off() -> None:
    report = checked([0.0, 0.0, 0.0, 1.0], {"checks": {"zero-share": "off"}})

    assert report.findings == []


def test_config_level_off_from_yaml_false() -> None:
    # YAML 1.1 readers turn a bare `off` into False; it still means off.
    report = checked([0.0, 0.0, 0.0, 1.0], {"checks": {"zero-share": False}})

    assert report.findings == []


def test_config_level_info() -> None:
    report = checked([-1.0, 20.0], {"checks": {"negative-weight": "info"}})

    assert [(f.check, f.level) for f in report.findings] == [("negative-weight", "info")]


@pytest.mark.parametrize(
    ("fail_on", "level", "exit_code"),
    [
        ("error", "error", 1),
        ("error", "warning", 0),
        ("error", "info", 0),
        ("warning", "error", 1),
        ("warning", "warning", 1),
        ("warning", "info", 0),
        ("info", "error", 1),
        ("info", "warning", 1),
        ("info", "info", 1),
        ("never", "error", 0),
        ("never", "warning", 0),
        ("never", "info", 0),
    ],
)
def test_fail_on_sets_exit_code(fail_on: str, level: str, exit_code: int) -> None:
    config = {"checks": {"fail_on": fail_on, "negative-weight": level}}

    report = checked([-1.0, 20.0], config)

    assert [(f.check, f.level) for f in report.findings] == [("negative-weight", level)]
    assert int(report.exit_code) == exit_code


def test_fail_on_without_findings() -> None:
    assert int(checked([1.0, 2.0], {"checks": {"fail_on": "info"}}).exit_code) == 0


@pytest.mark.parametrize(
    ("profile", "negative_level", "all_zero_level"),
    [
        ("kumo", "warning", "error"),
        ("xgboost", "error", "error"),
        ("lightgbm", "error", "warning"),
        ("catboost", "error", "error"),
        ("sklearn", "warning", "error"),
        ("torch-sampler", "error", "error"),
    ],
)
def test_profile_levels(profile: str, negative_level: str, all_zero_level: str) -> None:
    negative = finding(checked([-1.0, 20.0], {"profile": profile}), "negative-weight")
    all_zero = finding(checked([0.0, 0.0], {"profile": profile}), "all-zero")

    assert negative is not None
    assert negative.level == negative_level
    assert all_zero is not None
    assert all_zero.level == all_zero_level


def test_xgboost_negative_weight_fails() -> None:
    report = checked([1.0, -0.5, 1.0, 1.0], {"profile": "xgboost"})

    assert int(report.exit_code) == 1
    assert int(checked([1.0, -0.5, 1.0, 1.0]).exit_code) == 0


def test_explicit_level_wins_over_profile() -> None:
    config = {"profile": "xgboost", "checks": {"negative-weight": "warning"}}

    found = finding(checked([-1.0, 20.0], config), "negative-weight")

    assert found is not None
    assert found.level == "warning"


def test_negative_forbid_makes_error() -> None:
    report = checked([-1.0, 20.0], {"negative": "forbid"})

    assert [(f.check, f.level) for f in report.findings] == [("negative-weight", "error")]
    assert int(report.exit_code) == 1


def test_negative_forbid_without_negatives() -> None:
    report = checked([0.0, 1.0], {"negative": "forbid"})

    assert report.findings == []
    assert int(report.exit_code) == 0


def test_negative_link_prediction_message() -> None:
    found = finding(
        checked([-1.0, 20.0], {"task": "static_link_prediction"}), "negative-link-prediction"
    )

    assert found is not None
    assert found.message == (
        "1 of 2 weights are negative in a static_link_prediction task (row 1); "
        "link prediction needs weights of zero or more"
    )
