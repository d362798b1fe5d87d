"""Each bad-input case file, checked or applied through the installed command, against its
right answer: exit code, finding ids, row numbers and exact figures."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import RunCli, weightcli_command
from polars.testing import assert_frame_equal

CopyCase = Callable[[str], Path]


def report_of(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    """Return the JSON report of a finished run (one file checked)."""
    document = json.loads(result.stdout)
    assert len(document["files"]) == 1
    file_report: dict[str, Any] = document["files"][0]
    return file_report


def findings_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the findings of a file report by check id."""
    return {finding["check"]: finding for finding in report["findings"]}


def check_json(run_cli: RunCli, path: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    """Run ``weightcli check PATH --format json`` and return the exit code and file report."""
    result = run_cli("check", path, "--no-config", "--format", "json", *flags)
    assert result.stderr == b""
    return result.returncode, report_of(result)


def test_c01_negative_warns(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c01_negative.csv"))

    assert code == 0
    negative = findings_of(report)["negative-weight"]
    assert negative["level"] == "warning"
    assert negative["rows"] == [2]
    assert "1 of 4 weights are negative (row 2); min -0.5" in negative["message"]
    assert report["stats"]["negatives"] == 1
    assert report["stats"]["min"] == -0.5
    assert report["stats"]["sum"] == 2.5


@pytest.mark.parametrize(
    ("flags", "failing_check"),
    [
        (("--fail-on", "warning"), "negative-weight"),
        (("--profile", "xgboost"), "negative-weight"),
        (("--task", "static_link_prediction"), "negative-link-prediction"),
    ],
)
def test_c01_negative_fails_when_stricter(
    run_cli: RunCli, copy_case: CopyCase, flags: tuple[str, ...], failing_check: str
) -> None:
    code, report = check_json(run_cli, copy_case("c01_negative.csv"), *flags)

    assert code == 1
    finding = findings_of(report)[failing_check]
    assert finding["rows"] == [2]
    if flags[0] != "--fail-on":
        assert finding["level"] == "error"


def test_c02_all_zero_has_null_ess(run_cli: RunCli, copy_case: CopyCase) -> None:
    result = run_cli("check", copy_case("c02_all_zero.csv"), "--no-config", "--format", "json")

    assert result.returncode == 1
    assert b"NaN" not in result.stdout
    assert b"Traceback" not in result.stderr
    report = report_of(result)
    assert "all-zero" in findings_of(report)
    assert report["stats"]["sum"] == 0.0
    assert report["stats"]["ess"] is None
    assert report["stats"]["ess_ratio"] is None


def test_c02_all_zero_text_report(run_cli: RunCli, copy_case: CopyCase) -> None:
    result = run_cli("check", copy_case("c02_all_zero.csv"), "--no-config")

    assert result.returncode == 1
    assert result.stderr == b""
    assert b"all-zero: all 3 weights are zero" in result.stdout
    assert b"nan" not in result.stdout.lower()


def test_c04_nan_and_null_apart(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c04_nan_null.csv"))

    assert code == 1
    findings = findings_of(report)
    assert findings["non-finite"]["rows"] == [2]
    assert findings["null-weight"]["rows"] == [3]
    stats = report["stats"]
    assert stats["nulls"] == 1
    assert stats["nan"] == 1
    assert stats["sum"] == 3.0
    assert stats["mean"] == 1.5
    assert stats["min"] == 1.0
    assert stats["max"] == 2.0


def test_c06_int32_sum_in_64_bits(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c06_int32.parquet"))

    assert code == 0
    stats = report["stats"]
    assert stats["sum"] == 4000000001
    assert stats["max"] == 2000000000
    assert f"{stats['ess']:.10g}" == "2.000000001"
    assert set(findings_of(report)) == {"skew-ratio"}


def test_c06_uint16_doubled_without_wrap(
    run_cli: RunCli, copy_case: CopyCase, tmp_path: Path
) -> None:
    source = copy_case("c06_uint16.parquet")
    result = run_cli(
        "apply",
        source,
        "--no-config",
        "--default",
        "weight * 2",
        "--overwrite",
        "-o",
        "out.parquet",
    )

    assert result.returncode == 0, result.stderr
    written = pl.read_parquet(tmp_path / "out.parquet")
    assert written.schema["weight"] == pl.Float64
    assert written.get_column("weight").to_list() == [80000.0, 80000.0, 2.0]
    assert written.get_column("id").to_list() == [1, 2, 3]


def test_c07_spaces_stripped(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c07_strings.csv"))

    assert code == 1
    assert findings_of(report)["null-weight"]["rows"] == [3]
    assert "non-numeric" not in findings_of(report)
    stats = report["stats"]
    assert stats["sum"] == 4.0
    assert stats["min"] == 0.5
    assert stats["max"] == 2.0
    assert stats["nulls"] == 1


def test_c07_junk_named_with_row(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c07_strings_junk.csv"))

    assert code == 1
    finding = findings_of(report)["non-numeric"]
    assert finding["rows"] == [2]
    assert "'abc' at row 2" in finding["message"]


def test_c10_late_float_not_guessed(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c10_late_float.csv"))

    assert code == 0
    assert report["findings"] == []
    assert report["rows_in"] == 151
    assert report["stats"]["sum"] == 152.5
    assert report["stats"]["max"] == 2.5


def test_c10_late_token_is_null(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c10_late_token.csv"))

    assert code == 1
    assert set(findings_of(report)) == {"null-weight"}
    assert findings_of(report)["null-weight"]["rows"] == [151]


def test_c11_tokens_null_and_nan(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c11_na_tokens.csv"))

    assert code == 1
    findings = findings_of(report)
    assert findings["null-weight"]["rows"] == [2, 4]
    assert findings["non-finite"]["rows"] == [5]
    assert report["stats"]["sum"] == 3.0


def test_c11_null_tokens_configurable(run_cli: RunCli, copy_case: CopyCase) -> None:
    # With only "null" as a null token, "NA" is junk.
    code, report = check_json(
        run_cli, copy_case("c11_na_tokens.csv"), "--null-value", "null", "--null-value", ""
    )

    assert code == 1
    assert findings_of(report)["non-numeric"]["rows"] == [2]
    assert "'NA' at row 2" in findings_of(report)["non-numeric"]["message"]


def test_c15_empty_file(run_cli: RunCli, copy_case: CopyCase) -> None:
    copy_case("c15_empty.csv")
    result = run_cli("check", "c15_empty.csv", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: input file 'c15_empty.csv' is empty (0 bytes); expected a CSV table\n"
    )


def test_c15_header_only_empty_table(run_cli: RunCli, copy_case: CopyCase) -> None:
    code, report = check_json(run_cli, copy_case("c15_header_only.csv"))

    assert code == 1
    assert set(findings_of(report)) == {"empty-table"}


def test_c15_header_only_apply_writes_nothing(
    run_cli: RunCli, copy_case: CopyCase, tmp_path: Path
) -> None:
    copy_case("c15_header_only.csv")
    result = run_cli(
        "apply", "c15_header_only.csv", "--no-config", "--overwrite", "-o", "out.parquet", "-q"
    )

    assert result.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c15_header_only.csv"]


def test_c15_header_only_apply_forced(run_cli: RunCli, copy_case: CopyCase, tmp_path: Path) -> None:
    copy_case("c15_header_only.csv")
    result = run_cli(
        "apply",
        "c15_header_only.csv",
        "--no-config",
        "--overwrite",
        "--force",
        "-o",
        "out.parquet",
        "-q",
    )

    assert result.returncode == 1
    written = pl.read_parquet(tmp_path / "out.parquet")
    assert written.height == 0
    assert written.schema["weight"] == pl.Float64
    assert written.columns == ["id", "weight"]


@pytest.mark.parametrize(
    ("name", "positions"),
    [("c16_dup.csv", "positions 2 and 3"), ("c16_dup_collision.csv", "positions 1 and 3")],
)
def test_c16_duplicate_names(
    run_cli: RunCli, copy_case: CopyCase, name: str, positions: str
) -> None:
    copy_case(name)
    result = run_cli("check", name, "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert (
        result.stderr
        == (
            f"weightcli: error: '{name}' has the column name 'weight' more than once "
            f"({positions}); rename the columns so each name is unique\n"
        ).encode()
    )


def test_c16_duplicate_names_apply(run_cli: RunCli, copy_case: CopyCase, tmp_path: Path) -> None:
    copy_case("c16_dup.csv")
    result = run_cli("apply", "c16_dup.csv", "--no-config", "-w", "w2", "-o", "out.csv")

    assert result.returncode == 2
    assert b"'weight' more than once (positions 2 and 3)" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c16_dup.csv"]


def test_c22_nested_kept_in_parquet(run_cli: RunCli, copy_case: CopyCase, tmp_path: Path) -> None:
    source = copy_case("c22_nested.parquet")
    result = run_cli(
        "apply", source, "--no-config", "--overwrite", "--default", "weight", "-o", "out.parquet"
    )

    assert result.returncode == 0, result.stderr
    original = pl.read_parquet(source)
    written = pl.read_parquet(tmp_path / "out.parquet")
    assert_frame_equal(written, original)
    assert written.schema["tokens"] == pl.List(pl.String)
    assert isinstance(written.schema["meta"], pl.Struct)


def test_c22_nested_csv_refused(run_cli: RunCli, copy_case: CopyCase, tmp_path: Path) -> None:
    copy_case("c22_nested.parquet")
    result = run_cli("apply", "c22_nested.parquet", "--no-config", "--overwrite", "-o", "out.csv")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: cannot write CSV: columns 'tokens', 'meta' hold lists or structs; "
        b"write Parquet or Arrow IPC instead\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c22_nested.parquet"]


MANY = ["good.csv", "c01_negative.csv", "c04_nan_null.csv", "with space.csv"]


def _per_file(result: subprocess.CompletedProcess[bytes]) -> dict[str, tuple[int, list[str]]]:
    document = json.loads(result.stdout)
    return {
        f["source"]: (f["exit_code"], sorted(x["check"] for x in f["findings"]))
        for f in document["files"]
    }


def test_check_many_files(run_cli: RunCli, copy_case: CopyCase) -> None:
    for name in MANY:
        copy_case(name)
    result = run_cli("check", *MANY, "--no-config", "--format", "json")

    assert result.returncode == 1
    assert _per_file(result) == {
        "good.csv": (0, []),
        "c01_negative.csv": (0, ["negative-mass", "negative-weight"]),
        "c04_nan_null.csv": (1, ["non-finite", "null-weight"]),
        "with space.csv": (0, []),
    }


def test_check_many_order_free(run_cli: RunCli, copy_case: CopyCase) -> None:
    for name in MANY:
        copy_case(name)
    first = run_cli("check", *MANY, "--no-config", "--format", "json")

    for order in itertools.islice(itertools.permutations(MANY), 1, 4):
        again = run_cli("check", *order, "--no-config", "--format", "json")
        assert again.returncode == first.returncode
        assert _per_file(again) == _per_file(first)
        assert [f["source"] for f in json.loads(again.stdout)["files"]] == list(order)


def test_check_many_with_missing(run_cli: RunCli, copy_case: CopyCase) -> None:
    for name in MANY:
        copy_case(name)
    result = run_cli("check", "good.csv", "missing.csv", "c04_nan_null.csv", "--no-config", "-q")

    assert result.returncode == 2
    text = result.stdout.decode()
    assert "missing.csv: error: input file 'missing.csv' not found; check the path" in text
    assert "c04_nan_null.csv: error   null-weight" in text


def test_stdin_check_sum(run_cli: RunCli) -> None:
    good = (Path(__file__).parent / "data" / "cases" / "good.csv").read_bytes()
    result = run_cli(
        "check", "-", "--input-format", "csv", "--no-config", "--format", "json", stdin=good
    )

    assert result.returncode == 0
    assert report_of(result)["stats"]["sum"] == 3.5


def test_stdin_normalise_to_stdout(run_cli: RunCli) -> None:
    good = (Path(__file__).parent / "data" / "cases" / "good.csv").read_bytes()
    result = run_cli(
        "apply",
        "-",
        "--input-format",
        "csv",
        "--no-config",
        "--default",
        "weight",
        "--overwrite",
        "--normalize",
        "mean",
        "-o",
        "-",
        stdin=good,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "id,weight"
    weights = [float(line.split(",")[1]) for line in lines[1:]]
    assert weights == pytest.approx([6 / 7, 3 / 7, 12 / 7], rel=1e-15)
    assert [line.split(",")[1][:12] for line in lines[1:]] == [
        "0.8571428571",
        "0.4285714285",
        "1.7142857142",
    ]
    assert b"id,weight" not in result.stderr


def test_stdin_empty_is_error(run_cli: RunCli) -> None:
    result = run_cli("check", "-", "--no-config", stdin=b"")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: no input on standard input; pipe a table into weightcli "
        b"or pass a file path\n"
    )


def test_unknown_flag_exits_2(run_cli: RunCli) -> None:
    result = run_cli("check", "good.csv", "--no-such-flag")

    assert result.returncode == 2
    assert b"No such option '--no-such-flag'" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_makefile_stops_on_failure(copy_case: CopyCase, tmp_path: Path) -> None:
    copy_case("c04_nan_null.csv")
    command = " ".join(f"'{part}'" for part in weightcli_command())
    (tmp_path / "Makefile").write_text(
        f"all:\n\t{command} check --no-config -q c04_nan_null.csv\n\ttouch reached\n"
    )
    result = subprocess.run(["make"], cwd=tmp_path, capture_output=True, check=False, timeout=120)

    assert result.returncode != 0
    assert not (tmp_path / "reached").exists()
