"""Every way a write can fail leaves no output, no temporary file and an unchanged input.

Runs of the installed command cover the failures a user can cause (a missing folder, a
full disk, an error finding, a bad rule). Failures inside the sink itself, including an
interrupt, are simulated in-process with click's CliRunner and a patched polars sink."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from conftest import RunCli

from weightcli.cli import main
from weightcli.io.write import TEMP_SUFFIX

GOOD = b"id,weight\n1,1.0\n2,0.5\n3,2.0\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder holding good.csv, with TMPDIR pointed inside it."""
    (tmp_path / "good.csv").write_bytes(GOOD)
    (tmp_path / "tmp").mkdir()
    return tmp_path


@pytest.fixture
def temp_env(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point TMPDIR (used for writes to devices and standard output) into ``folder``."""
    import tempfile

    monkeypatch.setenv("TMPDIR", str(folder / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", None)
    yield
    tempfile.tempdir = None


def leftovers(folder: Path) -> list[str]:
    """Return every file under ``folder`` except good.csv, as sorted relative paths."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and path.name != "good.csv"
    )


def assert_clean(folder: Path, *expected: str) -> None:
    """Assert the input is unchanged and only ``expected`` files exist beside it."""
    assert (folder / "good.csv").read_bytes() == GOOD
    found = leftovers(folder)
    assert not [name for name in found if name.endswith(TEMP_SUFFIX)]
    assert found == sorted(expected)


def run_in_process(folder: Path, *arguments: str) -> Any:
    """Run the CLI in this process, in ``folder``, and return click's result."""
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return runner.invoke(main, list(arguments), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def test_missing_output_folder(run_cli: RunCli, folder: Path) -> None:
    result = run_cli("apply", "good.csv", "--no-config", "-w", "w2", "-o", "nowhere/out.csv")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: output folder 'nowhere' does not exist; "
        b"create it first (mkdir -p nowhere)\n"
    )
    assert_clean(folder)


def test_output_is_folder(run_cli: RunCli, folder: Path) -> None:
    (folder / "out.csv").mkdir()

    result = run_cli("apply", "good.csv", "--no-config", "-w", "w2", "-o", "out.csv")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: output 'out.csv' is a folder; expected a file path\n"
    )
    assert_clean(folder)


def test_unwritable_folder_simulated(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root writes into any folder whatever its mode, so the access check is made to fail.
    (folder / "locked").mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: False if Path(p).name == "locked" else real_access(p, mode),
    )

    result = run_in_process(
        folder, "apply", "good.csv", "--no-config", "-w", "w2", "-o", "locked/o.csv"
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "weightcli: error: output folder 'locked' is not writable (permission denied)\n"
    )
    assert_clean(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into folders whatever their mode")
def test_unwritable_folder_real(run_cli: RunCli, folder: Path) -> None:
    (folder / "locked").mkdir()
    (folder / "locked").chmod(0o500)

    result = run_cli("apply", "good.csv", "--no-config", "-w", "w2", "-o", "locked/o.csv")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: output folder 'locked' is not writable (permission denied)\n"
    )
    assert_clean(folder)


def test_full_disk(run_cli: RunCli, folder: Path, temp_env: None) -> None:
    result = run_cli(
        "apply",
        "good.csv",
        "--no-config",
        "-w",
        "w2",
        "-o",
        "/dev/full",
        "--output-format",
        "csv",
    )

    assert result.returncode == 2
    assert result.stderr == b"weightcli: error: cannot write '/dev/full': No space left on device\n"
    assert_clean(folder)


def test_full_disk_on_stdout(run_cli: RunCli, folder: Path) -> None:
    import subprocess

    from conftest import weightcli_command

    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [*weightcli_command(), "apply", "good.csv", "--no-config", "-w", "w2", "-o", "-"],
            cwd=folder,
            stdout=full,
            stderr=subprocess.PIPE,
            env=dict(os.environ, TMPDIR=str(folder / "tmp")),
            timeout=120,
            check=False,
        )

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: cannot write the table to standard output: No space left on device\n"
    )
    assert_clean(folder)


def test_error_finding_without_force(run_cli: RunCli, folder: Path) -> None:
    result = run_cli(
        "apply", "good.csv", "--no-config", "-w", "w2", "--default", "0", "-o", "o.csv"
    )

    assert result.returncode == 1
    assert b"no table written because of error findings; fix them or pass --force" in (
        result.stdout
    )
    assert_clean(folder)


def test_error_finding_with_force(run_cli: RunCli, folder: Path) -> None:
    result = run_cli(
        "apply", "good.csv", "--no-config", "-w", "w2", "--default", "0", "--force", "-o", "o.csv"
    )

    assert result.returncode == 1
    assert_clean(folder, "o.csv")
    assert (folder / "o.csv").read_bytes() == (b"id,weight,w2\n1,1.0,0.0\n2,0.5,0.0\n3,2.0,0.0\n")


@pytest.mark.parametrize(
    "rule",
    ["weight > => 2", "nope > 1 => 2", "id > 'a' => 2", "weight > 1 => 'x'"],
)
def test_bad_rule_writes_nothing(run_cli: RunCli, folder: Path, rule: str) -> None:
    (folder / "o.csv").write_bytes(b"previous\n")

    result = run_cli("apply", "good.csv", "--no-config", "-w", "w2", "--rule", rule, "-o", "o.csv")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"weightcli: error: rule '--rule 1': ")
    assert result.stderr.count(b"\n") == 1
    assert_clean(folder, "o.csv")
    assert (folder / "o.csv").read_bytes() == b"previous\n"


def test_output_is_input_refused(run_cli: RunCli, folder: Path) -> None:
    result = run_cli("apply", "good.csv", "--no-config", "-w", "w2", "-o", "./good.csv")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: output './good.csv' is the input; pass --in-place to replace "
        b"the input atomically, or choose another output\n"
    )
    assert_clean(folder)


def test_in_place_replaces_input(run_cli: RunCli, folder: Path) -> None:
    inode = (folder / "good.csv").stat().st_ino

    result = run_cli(
        "apply",
        "good.csv",
        "--no-config",
        "-w",
        "w2",
        "--default",
        "2",
        "-o",
        "good.csv",
        "--in-place",
    )

    assert result.returncode == 0, result.stderr
    assert (folder / "good.csv").read_bytes() == (
        b"id,weight,w2\n1,1.0,2.0\n2,0.5,2.0\n3,2.0,2.0\n"
    )
    # A rename put a new file in place; the old one was never opened for writing.
    assert (folder / "good.csv").stat().st_ino != inode
    assert leftovers(folder) == []


def _partial_then(error: BaseException) -> Any:
    def sink(self: pl.LazyFrame, path: Any, *arguments: Any, **options: Any) -> None:
        Path(path).write_bytes(b"id,weight\n1,")
        raise error

    return sink


@pytest.mark.parametrize("method", ["sink_csv", "sink_parquet"])
def test_interrupted_sink(
    folder: Path,
    temp_env: None,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
) -> None:
    monkeypatch.setattr(pl.LazyFrame, method, _partial_then(KeyboardInterrupt()))
    output = "o.csv" if method == "sink_csv" else "o.parquet"

    result = run_in_process(folder, "apply", "good.csv", "--no-config", "-w", "w2", "-o", output)

    assert result.exit_code == 130
    assert result.stderr == "weightcli: interrupted; no output was written\n"
    assert_clean(folder)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(28, "No space left on device"), "No space left on device"),
        (pl.exceptions.ComputeError("sink failed midway"), "sink failed midway"),
    ],
)
def test_failed_sink(
    folder: Path,
    temp_env: None,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    message: str,
) -> None:
    monkeypatch.setattr(pl.LazyFrame, "sink_csv", _partial_then(error))

    result = run_in_process(folder, "apply", "good.csv", "--no-config", "-w", "w2", "-o", "o.csv")

    assert result.exit_code == 2
    assert result.stderr == f"weightcli: error: cannot write 'o.csv': {message}\n"
    assert_clean(folder)


def test_failed_sink_keeps_old_output(
    folder: Path, temp_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "o.csv").write_bytes(b"previous\n")
    monkeypatch.setattr(pl.LazyFrame, "sink_csv", _partial_then(OSError(5, "Input/output error")))

    result = run_in_process(folder, "apply", "good.csv", "--no-config", "-w", "w2", "-o", "o.csv")

    assert result.exit_code == 2
    assert (folder / "o.csv").read_bytes() == b"previous\n"
    assert_clean(folder, "o.csv")


def test_failed_sink_to_stdout(
    folder: Path, temp_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pl.LazyFrame, "sink_csv", _partial_then(OSError(28, "No space left on device"))
    )

    result = run_in_process(folder, "apply", "good.csv", "--no-config", "-w", "w2", "-o", "-")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "weightcli: error: cannot write 'standard output': No space left on device\n"
    )
    assert_clean(folder)


def test_failed_sink_to_device(
    folder: Path, temp_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pl.LazyFrame, "sink_csv", _partial_then(KeyboardInterrupt()))

    result = run_in_process(
        folder,
        "apply",
        "good.csv",
        "--no-config",
        "-w",
        "w2",
        "-o",
        "/dev/null",
        "--output-format",
        "csv",
    )

    assert result.exit_code == 130
    assert_clean(folder)


def test_create_temp_fails(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def refuse(*arguments: Any, **options: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)

    result = run_in_process(folder, "apply", "good.csv", "--no-config", "-w", "w2", "-o", "o.csv")

    assert result.exit_code == 2
    assert result.stderr == "weightcli: error: cannot create a file in '.': Permission denied\n"
    assert_clean(folder)
