"""Trainer profiles: which findings each profile turns into errors, and what wins over them.

The expected levels follow the trainers. Kumo allows some negative weights outside link
prediction. XGBoost, CatBoost, LightGBM and torch-sampler reject negative weights, and
sklearn warns, because support depends on the estimator. LightGBM accepts all-zero weights,
so that is a warning. Every profile rejects NaN, infinite and null weights."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import RunCli

import weightcli
from weightcli.checks.registry import CHECKS_BY_ID, PROFILE_LEVELS
from weightcli.config.model import PROFILES
from weightcli.report.model import FileReport

CASES: dict[str, list[float | None]] = {
    "negative": [1.0, -0.5, 2.0, 1.0],
    "all-zero": [0.0, 0.0, 0.0],
    "nan": [1.0, math.nan, 2.0],
    "infinite": [1.0, math.inf, 2.0],
    "null": [1.0, None, 2.0],
}
# The check each case triggers.
CASE_CHECK = {
    "negative": "negative-weight",
    "all-zero": "all-zero",
    "nan": "non-finite",
    "infinite": "non-finite",
    "null": "null-weight",
}
EXPECTED: dict[str, dict[str, str]] = {
    "kumo": {"negative": "warning", "all-zero": "error"},
    "xgboost": {"negative": "error", "all-zero": "error"},
    "lightgbm": {"negative": "error", "all-zero": "warning"},
    "catboost": {"negative": "error", "all-zero": "error"},
    "sklearn": {"negative": "warning", "all-zero": "error"},
    "torch-sampler": {"negative": "error", "all-zero": "error"},
}


def checked(weights: list[float | None], config: dict[str, Any]) -> FileReport:
    """Check a one-column table of ``weights`` with ``config``."""
    frame = pl.DataFrame({"weight": pl.Series(weights, dtype=pl.Float64)})
    return weightcli.check(frame, config).files[0]


def levels(report: FileReport) -> dict[str, str]:
    """Map each finding's check id to its level."""
    return {finding.check: finding.level for finding in report.findings}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("case", list(CASES))
def test_profile_case_level(profile: str, case: str) -> None:
    report = checked(CASES[case], {"profile": profile})
    expected = EXPECTED[profile].get(case, "error")
    assert levels(report)[CASE_CHECK[case]] == expected
    assert report.profile == profile
    assert report.exit_code == (1 if expected == "error" else 0)


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_clean_weights_pass(profile: str) -> None:
    # Some zero weights are allowed per row by every profile.
    report = checked([0.0, 1.0, 2.0, 0.5], {"profile": profile})
    assert report.findings == []
    assert report.exit_code == 0


def test_profile_table_covers_every_profile() -> None:
    assert set(PROFILE_LEVELS) == set(PROFILES)
    for profile, table in PROFILE_LEVELS.items():
        assert set(table) <= set(CHECKS_BY_ID), profile
        assert table["non-finite"] == "error", profile


@pytest.mark.parametrize(
    ("profile", "setting", "case", "expected"),
    [
        ("xgboost", {"negative-weight": "warning"}, "negative", "warning"),
        ("catboost", {"negative-weight": {"level": "info"}}, "negative", "info"),
        ("lightgbm", {"all-zero": "error"}, "all-zero", "error"),
        ("kumo", {"negative-weight": "error"}, "negative", "error"),
        ("sklearn", {"non-finite": "warning"}, "nan", "warning"),
    ],
)
def test_explicit_setting_wins(
    profile: str, setting: dict[str, Any], case: str, expected: str
) -> None:
    report = checked(CASES[case], {"profile": profile, "checks": setting})
    assert levels(report)[CASE_CHECK[case]] == expected


def test_explicit_off_wins() -> None:
    report = checked(
        CASES["negative"], {"profile": "torch-sampler", "checks": {"negative-weight": "off"}}
    )
    assert "negative-weight" not in levels(report)
    assert report.exit_code == 0


@pytest.mark.parametrize("profile", ["kumo", "sklearn"])
def test_negative_forbid_beats_profile(profile: str) -> None:
    report = checked(CASES["negative"], {"profile": profile, "negative": "forbid"})
    assert levels(report)["negative-weight"] == "error"


@pytest.mark.parametrize("profile", PROFILES)
def test_link_prediction_negative_error(profile: str) -> None:
    report = checked(CASES["negative"], {"profile": profile, "task": "static_link_prediction"})
    assert levels(report)["negative-link-prediction"] == "error"
    assert "negative-weight" not in levels(report)


def test_apply_profile_blocks_output() -> None:
    frame = pl.DataFrame({"x": [1, 2, 3]})
    config = {"rules": [{"when": "x = 2", "weight": -1}], "profile": "torch-sampler"}
    _, report = weightcli.apply(frame, config)
    assert levels(report.files[0])["negative-weight"] == "error"
    _, report = weightcli.apply(frame, {**config, "profile": "sklearn"})
    assert levels(report.files[0])["negative-weight"] == "warning"


def write_weights(path: Path, weights: list[float]) -> Path:
    """Write a Parquet table with the weight column ``w``."""
    pl.DataFrame({"w": pl.Series(weights, dtype=pl.Float64)}).write_parquet(path)
    return path


@pytest.mark.parametrize(
    ("profile", "case", "code"),
    [
        ("xgboost", "negative", 1),
        ("sklearn", "negative", 0),
        ("lightgbm", "all-zero", 0),
        ("torch-sampler", "all-zero", 1),
    ],
)
def test_check_cli_profile(
    run_cli: RunCli, tmp_path: Path, profile: str, case: str, code: int
) -> None:
    weights = [value for value in CASES[case] if value is not None]
    table = write_weights(tmp_path / "train.parquet", weights)
    result = run_cli(
        "check", table, "--no-config", "-w", "w", "--profile", profile, "--format", "json"
    )
    assert result.returncode == code, result.stderr.decode()
    report = json.loads(result.stdout)["files"][0]
    assert report["profile"] == profile
    expected = EXPECTED[profile][case]
    assert {f["check"]: f["level"] for f in report["findings"]}[CASE_CHECK[case]] == expected


def test_check_cli_config_profile_and_override(run_cli: RunCli, tmp_path: Path) -> None:
    table = write_weights(tmp_path / "train.parquet", [1.0, -0.5, 2.0])
    (tmp_path / "weightcli.yaml").write_text(
        "weight_column: w\nprofile: xgboost\nchecks:\n  negative-weight: warning\n"
    )
    result = run_cli("check", table)
    assert result.returncode == 0, result.stderr.decode()
    header = result.stdout.decode().splitlines()[1]
    assert "profile: xgboost" in header

    (tmp_path / "weightcli.yaml").write_text("weight_column: w\nprofile: xgboost\n")
    assert run_cli("check", table).returncode == 1
    # The flag wins over the config file.
    result = run_cli("check", table, "--profile", "sklearn")
    assert result.returncode == 0
    assert "profile: sklearn" in result.stdout.decode().splitlines()[1]
