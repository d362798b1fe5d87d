"""`weightcli apply` run as a subprocess of the installed command."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

import weightcli

RunCli = Callable[..., subprocess.CompletedProcess[bytes]]
SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"

GOOD_NORMALIZED = b"id,weight\n1,0.8571428571428571\n2,0.42857142857142855\n3,1.7142857142857142\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stderr_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return result.stderr.decode("utf-8").splitlines()


def flights_weights(frame: pl.DataFrame) -> np.ndarray:
    """Compute sample_data/weightcli.yaml's weights by hand: rules multiplied, mean 1."""
    distance = frame.get_column("distance").to_numpy()
    carrier = frame.get_column("carrier").to_numpy()
    month = frame.get_column("month").to_numpy()
    weights = np.ones(frame.height)
    weights *= np.where(distance >= 1500, 2.0, 1.0)
    weights *= np.where(np.isin(carrier, ["OO", "HA", "YV", "F9", "AS"]), 3.0, 1.0)
    weights *= np.where(month >= 10, 1.5, 1.0)
    return weights * (frame.height / weights.sum())


def test_stdin_to_stdout_exact_bytes(run_cli: RunCli, cases: Path) -> None:
    result = run_cli(
        "apply",
        "-",
        "--input-format",
        "csv",
        "--default",
        "weight",
        "--overwrite",
        "--normalize",
        "mean",
        "-o",
        "-",
        "--output-format",
        "csv",
        stdin=(cases / "good.csv").read_bytes(),
    )

    assert result.returncode == 0
    assert result.stdout == GOOD_NORMALIZED
    assert stderr_lines(result)[0] == "weightcli apply <stdin> -> standard output"
    assert "No findings." in stderr_lines(result)


def test_stdout_is_default_when_piped(run_cli: RunCli, cases: Path) -> None:
    result = run_cli(
        "apply",
        "-",
        "--default",
        "weight",
        "--overwrite",
        "--normalize",
        "mean",
        stdin=(cases / "good.csv").read_bytes(),
    )

    assert result.returncode == 0
    assert result.stdout == GOOD_NORMALIZED


def test_json_report_goes_to_stderr(run_cli: RunCli, cases: Path) -> None:
    result = run_cli(
        "apply",
        cases / "good.csv",
        "-w",
        "w2",
        "--rule",
        "id = 2 => 3",
        "-o",
        "-",
        "--format",
        "json",
    )

    assert result.returncode == 0
    assert result.stdout == b"id,weight,w2\n1,1.0,1.0\n2,0.5,3.0\n3,2.0,1.0\n"
    report = json.loads(result.stderr)
    assert report["schema_version"] == 1
    assert report["files"][0]["output"] == "standard output"
    assert report["files"][0]["rules"] == [
        {"rule": "--rule 1", "when": "id = 2", "weight": "3.0", "rows": 1, "weight_sum": 3.0}
    ]


def test_parquet_to_parquet_flights(run_cli: RunCli, tmp_path: Path) -> None:
    source = SAMPLE_DATA / "flights.parquet"
    before = sha256(source)
    output = tmp_path / "weighted.parquet"

    result = run_cli(
        "apply",
        source,
        "-c",
        SAMPLE_DATA / "weightcli.yaml",
        "-o",
        output,
        "--format",
        "json",
    )

    assert result.returncode == 0, result.stderr
    assert sha256(source) == before
    original = pl.read_parquet(source)
    weighted = pl.read_parquet(output)
    assert weighted.columns == [*original.columns, "weight"]
    assert weighted.height == original.height == 336_776
    assert weighted.drop("weight").equals(original)
    assert weighted.schema["weight"] == pl.Float64
    expected = flights_weights(original)
    np.testing.assert_allclose(weighted.get_column("weight").to_numpy(), expected, rtol=1e-15)

    report = json.loads(result.stdout)["files"][0]
    assert (report["rows_in"], report["rows_out"]) == (336_776, 336_776)
    assert report["findings"] == []
    assert [(r["rule"], r["rows"]) for r in report["rules"]] == [
        ("long_haul", 72_713),
        ("small_carrier", 2_374),
        ("recent_quarter", 84_292),
    ]
    assert report["stages"][0]["sum"] == 470_021.5
    assert report["stats"]["mean"] == pytest.approx(1.0, rel=1e-12)

    provenance = json.loads(pq.read_metadata(output).metadata[b"weightcli"])
    assert provenance["weightcli_version"] == weightcli.__version__
    assert provenance["rows_in"] == 336_776
    assert provenance["config"]["normalize"] == "mean"


def test_csv_to_csv_flights_sample(run_cli: RunCli, tmp_path: Path) -> None:
    source = SAMPLE_DATA / "flights_sample.csv"
    before = sha256(source)
    output = tmp_path / "weighted.csv"

    result = run_cli("apply", source, "-c", SAMPLE_DATA / "weightcli.yaml", "-o", output, "-q")

    assert result.returncode == 0, result.stderr
    assert sha256(source) == before
    input_lines = source.read_bytes().splitlines()
    output_lines = output.read_bytes().splitlines()
    assert len(output_lines) == len(input_lines) == 20_001
    assert output_lines[0] == input_lines[0] + b",weight"
    for original, written in zip(input_lines[1:], output_lines[1:], strict=True):
        kept, _, weight = written.rpartition(b",")
        assert kept == original
        assert float(weight) > 0

    expected = flights_weights(pl.read_csv(source))
    written_weights = pl.read_csv(output).get_column("weight").to_numpy()
    np.testing.assert_allclose(written_weights, expected, rtol=1e-15)


KEEP_CSV = (
    b"id,amount,day,note,text,empty\n"
    b'007,1.10,2013-01-01,NA,"a, b",\n'
    b'010,2.50,2013-01-02,x,"line1\nline2",z\n'
    b'011,0.0,2013-01-03,,"say ""hi""",\n'
)


def test_csv_fields_kept_byte_for_byte(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "keep.csv"
    source.write_bytes(KEEP_CSV)
    output = tmp_path / "out.csv"

    # The rules parse id, amount and day, which must still be written as their original text.
    result = run_cli(
        "apply",
        source,
        "--rule",
        "amount > 1 AND id > 8 => 2",
        "--rule",
        "day = DATE '2013-01-01' => 5",
        "-o",
        output,
    )

    assert result.returncode == 0, result.stderr
    assert source.read_bytes() == KEEP_CSV
    assert output.read_bytes() == (
        b"id,amount,day,note,text,empty,weight\n"
        b'007,1.10,2013-01-01,NA,"a, b",,5.0\n'
        b'010,2.50,2013-01-02,x,"line1\nline2",z,2.0\n'
        b'011,0.0,2013-01-03,,"say ""hi""",,1.0\n'
    )


def test_overwrite_keeps_other_fields(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "keep.csv"
    source.write_bytes(b"id,weight,code\n007,1,00A\n008,3,0.50\n")
    output = tmp_path / "out.csv"

    result = run_cli(
        "apply", source, "--default", "weight", "--overwrite", "--normalize", "sum", "-o", output
    )

    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == b"id,weight,code\n007,0.25,00A\n008,0.75,0.50\n"


def test_uint16_weights_never_wrap(run_cli: RunCli, cases: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.parquet"

    result = run_cli(
        "apply",
        cases / "c06_uint16.parquet",
        "--overwrite",
        "--default",
        "weight",
        "--rule",
        "weight * 2",
        "-o",
        output,
    )

    assert result.returncode == 0, result.stderr
    weights = pl.read_parquet(output).get_column("weight")
    assert weights.dtype == pl.Float64
    assert weights.to_list() == [80000.0, 80000.0, 2.0]


def test_error_finding_writes_nothing(run_cli: RunCli, copy_case: Callable[[str], Path]) -> None:
    source = copy_case("c04_nan_null.csv")
    output = source.parent / "out.csv"

    result = run_cli("apply", source, "--default", "weight", "--overwrite", "-o", output)

    assert result.returncode == 1
    assert not output.exists()
    assert sorted(p.name for p in source.parent.iterdir()) == ["c04_nan_null.csv"]
    assert (
        "  note: no table written because of error findings; fix them or pass --force"
        in result.stdout.decode()
    )


def test_force_writes_despite_errors(run_cli: RunCli, copy_case: Callable[[str], Path]) -> None:
    source = copy_case("c04_nan_null.csv")
    output = source.parent / "out.csv"

    result = run_cli("apply", source, "--default", "weight", "--overwrite", "-o", output, "--force")

    assert result.returncode == 1
    assert output.read_bytes() == b"id,weight\n1,1.0\n2,NaN\n3,\n4,2.0\n"


def test_on_null_error_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "scores.csv"
    source.write_bytes(b"id,score\n1,2\n2,\n3,4\n")
    output = tmp_path / "out.csv"

    result = run_cli("apply", source, "--rule", "score", "-o", output, "--format", "json")

    assert result.returncode == 1
    assert not output.exists()
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert [(f["check"], f["level"], f["rows"]) for f in findings] == [
        ("null-weight", "error", [2])
    ]


def test_on_null_default(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "scores.csv"
    source.write_bytes(b"id,score\n1,2\n2,\n3,4\n")
    output = tmp_path / "out.csv"

    result = run_cli(
        "apply", source, "--rule", "score", "--on-null", "default", "--default", "0.5", "-o", output
    )

    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == b"id,score,weight\n1,2,2.0\n2,,0.5\n3,4,4.0\n"


def test_on_null_drop(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "scores.csv"
    source.write_bytes(b"id,score\n1,2\n2,\n3,4\n4,\n")
    output = tmp_path / "out.csv"

    result = run_cli(
        "apply", source, "--rule", "score", "--on-null", "drop", "-o", output, "--format", "json"
    )

    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == b"id,score,weight\n1,2,2.0\n3,4,4.0\n"
    report = json.loads(result.stdout)["files"][0]
    assert (report["rows_in"], report["rows_out"]) == (4, 2)
    assert report["notes"] == ["on_null: dropped 2 rows whose weight is null"]


def test_bad_yaml_key_one_line(run_cli: RunCli, cases: Path, tmp_path: Path) -> None:
    config = tmp_path / "weightcli.yaml"
    config.write_text("normalise: mean\n", encoding="utf-8")
    output = tmp_path / "out.csv"

    result = run_cli("apply", cases / "good.csv", "-w", "w2", "-o", output)

    assert result.returncode == 2
    assert result.stdout == b""
    assert stderr_lines(result) == [
        f"weightcli: error: {config}: key 'normalise' (line 1): unknown key 'normalise' "
        "(did you mean 'normalize'?); allowed keys: balance, checks, clip, csv, decay, default, "
        "entity_column, lookup, mode, negative, normalize, on_null, profile, rules, "
        "target_column, task, time_column, weight_column"
    ]
    assert not output.exists()


def test_bad_sql_rule_one_line(run_cli: RunCli, cases: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.csv"

    result = run_cli(
        "apply", cases / "good.csv", "-w", "w2", "--rule", "id >> 1 => 2", "-o", output
    )

    assert result.returncode == 2
    assert result.stdout == b""
    assert stderr_lines(result) == [
        "weightcli: error: rule '--rule 1': condition \"id >> 1\" is not a valid SQL expression "
        "(operator PGBitwiseShiftRight is not currently supported); "
        "the table's columns are: id, weight"
    ]
    assert not output.exists()


def test_unknown_column_rule_one_line(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("apply", cases / "good.csv", "-w", "w2", "--rule", "size > 1 => 2", "-o", "-")

    assert result.returncode == 2
    assert result.stdout == b""
    assert stderr_lines(result) == [
        "weightcli: error: rule '--rule 1': condition \"size > 1\" uses column 'size', which is "
        "not in the table; the table's columns are: id, weight"
    ]


def test_existing_column_needs_overwrite(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("apply", cases / "good.csv", "-o", "-")

    assert result.returncode == 2
    assert result.stdout == b""
    assert stderr_lines(result) == [
        "weightcli: error: column 'weight' already exists in "
        f"'{cases / 'good.csv'}'; pass --overwrite to replace it, or -w NAME to write another "
        "column"
    ]


def test_missing_input_exit_2(run_cli: RunCli) -> None:
    result = run_cli("apply", "missing.csv", "-o", "-")

    assert result.returncode == 2
    assert stderr_lines(result) == [
        "weightcli: error: input file 'missing.csv' not found; check the path"
    ]


def test_unknown_flag_exit_2(run_cli: RunCli, cases: Path) -> None:
    result = run_cli("apply", cases / "good.csv", "--no-such-flag")

    assert result.returncode == 2
    assert result.stdout == b""


def test_output_is_input_rejected(run_cli: RunCli, copy_case: Callable[[str], Path]) -> None:
    source = copy_case("good.csv")
    before = source.read_bytes()

    result = run_cli("apply", source, "-w", "w2", "-o", source)

    assert result.returncode == 2
    assert source.read_bytes() == before


def test_dry_run_writes_nothing(run_cli: RunCli, cases: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.csv"

    result = run_cli("apply", cases / "good.csv", "-w", "w2", "-o", output, "--dry-run")

    assert result.returncode == 0
    assert not output.exists()
    assert f"  note: dry run: no table written to {output}" in result.stdout.decode()


def test_same_input_same_bytes(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "flights.csv"
    lines = (SAMPLE_DATA / "flights_sample.csv").read_bytes().splitlines(keepends=True)
    source.write_bytes(b"".join(lines[:1000]))
    config = SAMPLE_DATA / "weightcli.yaml"
    first = tmp_path / "first.parquet"
    second = tmp_path / "second.parquet"

    assert run_cli("apply", source, "-c", config, "-o", first, "-q").returncode == 0
    assert run_cli("apply", source, "-c", config, "-o", second, "-q").returncode == 0

    assert first.read_bytes() == second.read_bytes()


def test_version_through_python_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "weightcli", "--version"],
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 0
    assert result.stdout == f"weightcli, version {weightcli.__version__}\n".encode()
    assert result.stderr == b""


def test_installed_command_exists() -> None:
    assert (
        shutil.which("weightcli") is not None
        or Path(sys.executable).with_name("weightcli").is_file()
    )


def test_zoned_timestamps_to_csv_use_rfc3339_offsets(run_cli: RunCli, tmp_path: Path) -> None:
    instant = dt.datetime(2024, 1, 1, 5, 6, 7, 123456, tzinfo=dt.UTC)
    source = tmp_path / "times.parquet"
    pl.DataFrame({"at": [instant], "naive": [instant.replace(tzinfo=None)]}).with_columns(
        pl.col("at").dt.convert_time_zone("Europe/Paris").alias("paris"),
        pl.col("at").dt.cast_time_unit("ns").alias("nanos"),
    ).write_parquet(source)
    output = tmp_path / "times.csv"

    result = run_cli("apply", source, "--no-config", "-o", output, "-q")

    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == (
        "at,naive,paris,nanos,weight\n"
        "2024-01-01T05:06:07.123456+00:00,2024-01-01T05:06:07.123456,"
        "2024-01-01T06:06:07.123456+01:00,2024-01-01T05:06:07.123456000+00:00,1.0\n"
    )
    back = pl.read_csv(output, try_parse_dates=True)
    assert back.get_column("paris").dt.convert_time_zone("UTC").to_list() == [instant]
