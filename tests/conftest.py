"""Shared fixtures: paths of the test data and a runner for the installed command."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPOSITORY = TESTS.parent
CASES = TESTS / "data" / "cases"
SAMPLE_DATA = REPOSITORY / "sample_data"

RunCli = Callable[..., subprocess.CompletedProcess[bytes]]


def weightcli_command() -> list[str]:
    """Return the command that starts the installed ``weightcli``."""
    installed = shutil.which("weightcli")
    if installed is None:
        # The console script sits beside the interpreter in a virtualenv that is not activated.
        beside = Path(sys.executable).with_name("weightcli")
        if beside.is_file():
            installed = str(beside)
    return [installed] if installed else [sys.executable, "-m", "weightcli"]


def spark_unavailable() -> str | None:
    """Return why Spark cannot run here, or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'weightcli[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH; Spark needs Java 17"
    return None


@pytest.fixture
def cases() -> Path:
    """Folder of the small bad-input tables."""
    return CASES


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run ``weightcli ARGS...`` in ``tmp_path`` and return the finished process (bytes)."""

    def run(
        *arguments: str | os.PathLike[str],
        stdin: bytes | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        environment = dict(os.environ, NO_COLOR="1", COLUMNS="100")
        command: Sequence[str] = [*weightcli_command(), *(str(a) for a in arguments)]
        return subprocess.run(
            command,
            input=stdin if stdin is not None else b"",
            capture_output=True,
            cwd=cwd or tmp_path,
            env=environment,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def copy_case(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a case file into ``tmp_path`` and return the copy's path."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(CASES / name, target)
        return target

    return copy
