"""How the command ends: at once, or through the interpreter's shutdown under a tracer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = """
import atexit, sys
atexit.register(lambda: print("shutdown ran", file=sys.stderr))
{trace}
sys.argv = ["weightcli", "check", "{path}", "--no-config", "--fail-on", "warning"]
sys.argv += ["--format", "json"]
from weightcli.cli import main
main()
"""


def run_program(path: Path, trace: str) -> subprocess.CompletedProcess[str]:
    """Run the command line in a child interpreter, with ``trace`` run first."""
    code = PROGRAM.format(trace=trace, path=path)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def weights_file(tmp_path: Path, values: str) -> Path:
    """Write a CSV with a weight column and return its path."""
    path = tmp_path / "w.csv"
    path.write_text("weight\n" + values, encoding="utf-8")
    return path


def test_exit_skips_shutdown(tmp_path: Path) -> None:
    result = run_program(weights_file(tmp_path, "1\n2\n"), "")

    assert result.returncode == 0
    assert '"rows": 2' in result.stdout
    assert "shutdown ran" not in result.stderr


def test_exit_keeps_findings_code(tmp_path: Path) -> None:
    result = run_program(weights_file(tmp_path, "1\n-2\n"), "")

    assert result.returncode == 1
    assert '"check": "negative-weight"' in result.stdout


def test_tracer_gets_shutdown(tmp_path: Path) -> None:
    result = run_program(weights_file(tmp_path, "1\n2\n"), "sys.settrace(lambda *a: None)")

    assert result.returncode == 0
    assert '"rows": 2' in result.stdout
    assert result.stderr == "shutdown ran\n"
