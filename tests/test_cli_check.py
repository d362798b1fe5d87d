"""`weightcli check` run as a subprocess of the installed command."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from weightcli.cli import main

RunCli = Callable[..., subprocess.CompletedProcess[bytes]]
FOUR_FILES = ["good.csv", "c01_negative.csv", "c04_nan_null.csv", "with space.csv"]


def strict_json(data: bytes) -> Any:
    """Parse JSON and reject NaN and infinities, which strict JSON does not have."""

    def reject(constant: str) -> None:
        raise AssertionError(f"the JSON report contains {constant}")

    return json.loads(data, parse_constant=reject)


@pytest.fixture
def workdir(tmp_path: Path, cases: Path) -> Path:
    """A folder with the four case files of a multi-file check."""
    for name in FOUR_FILES:
        shutil.copyfile(cases / name, tmp_path / name)
    return tmp_path


def per_file(report: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        entry["source"]: (
            entry["exit_code"],
            entry["error"],
            [(f["check"], f["level"], f["rows"]) for f in entry["findings"]],
            None if entry["stats"] is None else entry["stats"]["sum"],
        )
        for entry in report["files"]
    }


EXPECTED_FOUR = {
    "good.csv": (0, None, [], 3.5),
    "c01_negative.csv": (
        0,
        None,
        [("negative-weight", "warning", [2]), ("negative-mass", "warning", [])],
        2.5,
    ),
    "c04_nan_null.csv": (
        1,
        None,
        [("null-weight", "error", [3]), ("non-finite", "error", [2])],
        3.0,
    ),
    "with space.csv": (0, None, [], 3.5),
}


def test_check_many_files(run_cli: RunCli, workdir: Path) -> None:
    result = run_cli("check", *FOUR_FILES, "--format", "json")

    assert result.returncode == 1
    report = strict_json(result.stdout)
    assert [entry["source"] for entry in report["files"]] == FOUR_FILES
    assert per_file(report) == EXPECTED_FOUR
    assert report["exit_code"] == 1


@pytest.mark.parametrize(
    "order",
    [
        ["with space.csv", "c04_nan_null.csv", "c01_negative.csv", "good.csv"],
        ["c04_nan_null.csv", "good.csv", "with space.csv", "c01_negative.csv"],
    ],
)
def test_argument_order_does_not_matter(run_cli: RunCli, workdir: Path, order: list[str]) -> None:
    result = run_cli("check", *order, "--format", "json")

    assert result.returncode == 1
    report = strict_json(result.stdout)
    assert [entry["source"] for entry in report["files"]] == order
    assert per_file(report) == EXPECTED_FOUR


def test_text_report_names_each_path(run_cli: RunCli, workdir: Path) -> None:
    result = run_cli("check", *FOUR_FILES)

    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1
    assert [line for line in lines if line.startswith("weightcli check ")] == [
        f"weightcli check {name}" for name in FOUR_FILES
    ]
    assert lines[-1] == "4 files checked, 1 with findings at fail_on or errors"
    assert result.stderr == b""


def test_quiet_report_prefixes_paths(run_cli: RunCli, workdir: Path) -> None:
    result = run_cli("check", *FOUR_FILES, "-q")

    assert result.returncode == 1
    lines = [line for line in result.stdout.decode().splitlines() if line]
    assert lines == [
        "c01_negative.csv: warning negative-weight: 1 of 4 weights are negative (row 2); "
        "min -0.5, 25% of rows, 14.3% of the absolute weight mass",
        "c01_negative.csv: warning negative-mass: the negative weight mass is 0.166667 of the "
        "positive mass, above the maximum 0.1 [value 0.166667, threshold 0.1]",
        "c04_nan_null.csv: error   null-weight: 1 of 4 weights are null (row 3); Kumo drops "
        "rows whose weight is null",
        "c04_nan_null.csv: error   non-finite: 1 of 4 weights are not finite "
        "(1 NaN, 0 infinite; row 2)",
    ]


def test_missing_path_among_many(run_cli: RunCli, workdir: Path) -> None:
    result = run_cli("check", "good.csv", "missing.csv", "c01_negative.csv", "--format", "json")

    assert result.returncode == 2
    files = per_file(strict_json(result.stdout))
    assert files == {
        "good.csv": EXPECTED_FOUR["good.csv"],
        "missing.csv": (2, "input file 'missing.csv' not found; check the path", [], None),
        "c01_negative.csv": EXPECTED_FOUR["c01_negative.csv"],
    }


def test_missing_path_in_text_report(run_cli: RunCli, workdir: Path) -> None:
    result = run_cli("check", "missing.csv", "good.csv")

    lines = result.stdout.decode().splitlines()
    assert result.returncode == 2
    assert lines[:2] == [
        "weightcli check missing.csv",
        "error: input file 'missing.csv' not found; check the path",
    ]
    assert "weightcli check good.csv" in lines


def test_single_missing_path_one_line(run_cli: RunCli) -> None:
    result = run_cli("check", "missing.csv")

    assert result.returncode == 2
    assert result.stdout == b""
    assert (
        result.stderr == b"weightcli: error: input file 'missing.csv' not found; check the path\n"
    )


@pytest.mark.parametrize(
    ("flags", "exit_code"),
    [
        ([], 0),
        (["--fail-on", "warning"], 1),
        (["--fail-on", "info"], 1),
        (["--profile", "xgboost"], 1),
        (["--profile", "sklearn"], 0),
        (["--task", "static_link_prediction"], 1),
        (["--negative", "forbid"], 1),
        (["--profile", "xgboost", "--fail-on", "never"], 0),
    ],
)
def test_negative_case_exit_codes(cases: Path, flags: list[str], exit_code: int) -> None:
    # In-process through click: the flag matrix would cost a second per interpreter start.
    result = CliRunner().invoke(main, ["check", str(cases / "c01_negative.csv"), *flags])

    assert result.exit_code == exit_code


def test_all_zero_json_has_null_ess(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("check", cases / "c02_all_zero.csv", "--format", "json")

    assert result.returncode == 1
    report = strict_json(result.stdout)
    assert report["schema_version"] == 1
    assert report["exit_code"] == 1
    stats = report["files"][0]["stats"]
    assert stats["sum"] == 0.0
    assert stats["ess"] is None
    assert stats["ess_ratio"] is None
    assert stats["cv"] is None
    assert [f["check"] for f in report["files"][0]["findings"]] == ["all-zero", "zero-share"]


def test_json_figures_of_good_file(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("check", cases / "good.csv", "--format", "json")

    report = strict_json(result.stdout)
    entry = report["files"][0]
    assert result.returncode == 0
    assert entry["source"] == str(cases / "good.csv")
    assert entry["command"] == "check"
    assert entry["rows_in"] == 3
    assert entry["stats"]["sum"] == 3.5
    assert entry["stats"]["ess"] == pytest.approx(3.5**2 / 5.25, rel=1e-15)
    assert entry["stats"]["quantiles"]["p50"] == 1.0
    assert entry["findings"] == []


def test_check_stdin(run_cli: RunCli, cases: Path) -> None:
    result = run_cli(
        "check",
        "-",
        "--input-format",
        "csv",
        "--format",
        "json",
        stdin=(cases / "good.csv").read_bytes(),
    )

    assert result.returncode == 0
    entry = strict_json(result.stdout)["files"][0]
    assert entry["source"] == "<stdin>"
    assert entry["stats"]["sum"] == 3.5


def test_check_empty_stdin(run_cli: RunCli) -> None:
    result = run_cli("check", "-", stdin=b"")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: no input on standard input; pipe a table into weightcli "
        b"or pass a file path\n"
    )


def test_check_zero_byte_file(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("check", cases / "c15_empty.csv")

    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"weightcli: error: input file '{cases / 'c15_empty.csv'}' is empty (0 bytes); "
        "expected a CSV table"
    ]


def test_int32_parquet(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("check", cases / "c06_int32.parquet", "--format", "json")

    entry = strict_json(result.stdout)["files"][0]
    assert result.returncode == 0
    assert entry["stats"]["sum"] == 4_000_000_001.0
    assert entry["stats"]["max"] == 2_000_000_000.0
    assert entry["stats"]["ess"] == pytest.approx(2.000000001, rel=1e-12)
    assert [f["check"] for f in entry["findings"]] == ["skew-ratio"]


def test_config_level_from_file(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "weights.csv").write_bytes(b"weight\n0\n0\n1\n1\n1\n")
    (tmp_path / "weightcli.yaml").write_text(
        "checks:\n  zero-share: {level: error, max: 0.2}\n", encoding="utf-8"
    )

    result = run_cli("check", "weights.csv", "--format", "json")

    entry = strict_json(result.stdout)["files"][0]
    assert result.returncode == 1
    assert entry["config"] == "weightcli.yaml" or entry["config"].endswith("weightcli.yaml")
    assert [(f["check"], f["level"], f["threshold"]) for f in entry["findings"]] == [
        ("zero-share", "error", 0.2)
    ]


def test_config_level_off_from_file(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "weights.csv").write_bytes(b"weight\n0\n0\n1\n")
    (tmp_path / "weightcli.yaml").write_text("checks:\n  zero-share: off\n", encoding="utf-8")

    result = run_cli("check", "weights.csv", "--format", "json", "--fail-on", "info")

    assert result.returncode == 0
    assert strict_json(result.stdout)["files"][0]["findings"] == []


def test_bad_yaml_key_one_line(run_cli: RunCli, cases: Path, tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("checks:\n  zero-shar: warning\n", encoding="utf-8")

    result = run_cli("check", cases / "good.csv", "-c", config)

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        f"weightcli: error: {config}: key 'checks.zero-shar' (line 2): unknown check "
        "'zero-shar' (did you mean 'zero-share'?)"
    ]


def test_report_file_is_json(run_cli: RunCli, cases: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"

    result = run_cli("check", cases / "c01_negative.csv", "--report", report_path)

    assert result.returncode == 0
    report = strict_json(report_path.read_bytes())
    assert [f["check"] for f in report["files"][0]["findings"]] == [
        "negative-weight",
        "negative-mass",
    ]


def test_unknown_flag_exit_2(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("check", cases / "good.csv", "--no-such-flag")

    assert result.returncode == 2
    assert result.stdout == b""


def test_unknown_flag_is_one_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--no-such-flag", "good.csv")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: No such option '--no-such-flag'. Did you mean '--no-config'? "
        b"See 'weightcli check --help'.\n"
    )


def test_missing_option_value_names_the_command(run_cli: RunCli) -> None:
    # click raises this error before the command has a context of its own.
    result = run_cli("apply", "good.csv", "--rule")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: Option '--rule' requires an argument. See 'weightcli apply --help'.\n"
    )


RECORDING_CONFIG = """\
weight_column: w
task: binary_classification
target_column: label
rules:
  - {name: positives, when: "label", weight: 3}
"""


def recorded_table(tmp_path: Path, run_cli: RunCli) -> Path:
    """Weight a small table with a config that names its task and roles, and return it."""
    pl.DataFrame({"label": [True, False, False, False], "x": [1, 2, 3, 4]}).write_parquet(
        tmp_path / "in.parquet"
    )
    (tmp_path / "apply.yaml").write_text(RECORDING_CONFIG)
    result = run_cli("apply", "in.parquet", "-c", "apply.yaml", "-o", "out.parquet", "-q")
    assert result.returncode == 0, result.stderr.decode()
    return tmp_path / "out.parquet"


def test_check_takes_roles_from_provenance(run_cli: RunCli, tmp_path: Path) -> None:
    recorded_table(tmp_path, run_cli)

    result = run_cli("check", "out.parquet", "--no-config", "--format", "json")

    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)["files"][0]
    assert report["task"] == "binary_classification"
    assert report["weight_column"] == "w"
    assert [row["value"] for row in report["classes"]] == [False, True]
    assert (
        "provenance: weight_column, task and target_column come from the table's weightcli metadata"
    ) in report["notes"]


def test_flags_win_over_provenance(run_cli: RunCli, tmp_path: Path) -> None:
    recorded_table(tmp_path, run_cli)

    result = run_cli(
        "check", "out.parquet", "--no-config", "--task", "regression", "--format", "json"
    )

    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)["files"][0]
    assert report["task"] == "regression"
    assert report["weight_column"] == "w"
    assert (
        "provenance: weight_column and target_column come from the table's weightcli metadata"
    ) in report["notes"]
