"""Progress display: shown on a terminal only, with rows done of the Parquet row count."""

from __future__ import annotations

import io
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from weightcli.progress import DELAY_VARIABLE, RowProgress, progress_delay, row_progress

ROWS = 20_000
CONFIG = """\
weight_column: weight
rules:
  - name: big
    when: "amount > 50"
    weight: 2
normalize: mean
"""


def _weightcli() -> list[str]:
    found = shutil.which("weightcli")
    return [found] if found else [sys.executable, "-m", "weightcli"]


@pytest.fixture
def job(tmp_path: Path) -> Path:
    """A folder with a small Parquet table, the same table as CSV, and a config."""
    frame = pl.DataFrame({"id": range(ROWS), "amount": [i % 100 for i in range(ROWS)]})
    frame.write_parquet(tmp_path / "table.parquet")
    frame.write_csv(tmp_path / "table.csv")
    (tmp_path / "weightcli.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def _environment(delay: str | None) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != DELAY_VARIABLE}
    if delay is not None:
        environment[DELAY_VARIABLE] = delay
    environment.pop("NO_COLOR", None)
    environment["COLUMNS"] = "120"
    return environment


def _run_on_terminal(arguments: list[str], cwd: Path, delay: str | None) -> tuple[int, bytes]:
    """Run weightcli with standard error on a pseudo-terminal; return the code and its bytes."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [*_weightcli(), *arguments],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env=_environment(delay),
    )
    os.close(terminal)
    received = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    return process.wait(timeout=60), received


def test_pipe_gets_no_progress_bytes(job: Path) -> None:
    completed = subprocess.run(
        [*_weightcli(), "apply", "table.parquet", "-o", "out.parquet", "-q"],
        cwd=job,
        capture_output=True,
        env=_environment("0"),
        timeout=120,
    )
    assert completed.returncode == 0
    assert completed.stderr == b""
    assert pl.read_parquet(job / "out.parquet").height == ROWS


def test_pipe_check_gets_no_progress_bytes(job: Path) -> None:
    subprocess.run(
        [*_weightcli(), "apply", "table.parquet", "-o", "out.parquet", "-q"],
        cwd=job,
        check=True,
        capture_output=True,
        timeout=120,
    )
    completed = subprocess.run(
        [*_weightcli(), "check", "out.parquet", "-q"],
        cwd=job,
        capture_output=True,
        env=_environment("0"),
        timeout=120,
    )
    assert completed.returncode == 0
    assert completed.stderr == b""


def test_terminal_shows_rows_of_total(job: Path) -> None:
    code, received = _run_on_terminal(
        ["apply", "table.parquet", "-o", "out.parquet"], job, delay="0"
    )
    text = received.decode("utf-8", "replace")
    assert code == 0
    assert "reading" in text
    assert "writing" in text
    assert f"{ROWS:,} of {ROWS:,} rows" in text
    assert pl.read_parquet(job / "out.parquet").height == ROWS


def test_terminal_csv_shows_rows_without_total(job: Path) -> None:
    code, received = _run_on_terminal(["apply", "table.csv", "-o", "out.csv"], job, delay="0")
    text = received.decode("utf-8", "replace")
    assert code == 0
    assert f"{ROWS:,} rows" in text
    assert " of " not in text


def test_terminal_check_shows_progress(job: Path) -> None:
    pl.read_parquet(job / "table.parquet").with_columns(weight=pl.lit(1.0)).write_parquet(
        job / "weighted.parquet"
    )
    code, received = _run_on_terminal(["check", "weighted.parquet"], job, delay="0")
    assert code == 0
    assert f"{ROWS:,} of {ROWS:,} rows" in received.decode("utf-8", "replace")


def test_terminal_quick_run_shows_nothing(job: Path) -> None:
    code, received = _run_on_terminal(
        ["apply", "table.parquet", "-o", "out.parquet"], job, delay=None
    )
    assert code == 0
    assert received == b""


def test_terminal_quiet_shows_nothing(job: Path) -> None:
    code, received = _run_on_terminal(
        ["apply", "table.parquet", "-o", "out.parquet", "-q"], job, delay="0"
    )
    assert code == 0
    assert received == b""


def test_row_progress_needs_terminal() -> None:
    assert row_progress(10, stream=io.StringIO()) is None


def test_row_progress_disabled() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert row_progress(10, enabled=False, stream=Terminal()) is None
    assert isinstance(row_progress(10, stream=Terminal()), RowProgress)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 1.0), ("0", 0.0), ("2.5", 2.5), ("-1", 0.0), ("soon", 1.0)]
)
def test_progress_delay_from_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: float
) -> None:
    if value is None:
        monkeypatch.delenv(DELAY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(DELAY_VARIABLE, value)
    assert progress_delay() == expected


def test_tracked_frame_counts_rows_and_keeps_values() -> None:
    frame = pl.DataFrame({"a": range(1000), "b": [str(i) for i in range(1000)]}).lazy()
    progress = RowProgress(1000, io.StringIO(), delay=60.0)
    tracked = progress.track(frame)

    result = tracked.select("a").collect(engine="streaming")

    assert result.equals(frame.select("a").collect())
    assert progress._done == 1000


def test_terminal_append_counts_written_rows(job: Path) -> None:
    # Parquet to Parquet appends the weights one row group at a time and counts each.
    pl.read_parquet(job / "table.parquet").write_parquet(
        job / "groups.parquet", row_group_size=5_000
    )

    code, received = _run_on_terminal(
        ["apply", "groups.parquet", "-o", "out.parquet"], job, delay="0"
    )

    text = received.decode("utf-8", "replace")
    assert code == 0
    writing = text[text.rindex("writing") :]
    assert f"{ROWS:,} of {ROWS:,} rows" in writing
    assert pl.read_parquet(job / "out.parquet").height == ROWS
