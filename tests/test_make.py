"""examples/Makefile: pattern rules that weight raw/ tables into build/, run by the real make."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from conftest import REPOSITORY, weightcli_command

EXAMPLES = REPOSITORY / "examples"
GOOD_TABLES = ("orders_2024_q1", "orders_2024_q2")
# Every positive-class row is refunded, so class 1 gets zero total weight: an error finding.
BAD_TABLE = b"ENTITY,TARGET,status,amount\nc1,1,refunded,10\nc2,0,paid,20\nc3,1,refunded,30\n"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project: Makefile, config and the raw tables."""
    shutil.copy(EXAMPLES / "Makefile", tmp_path / "Makefile")
    shutil.copy(EXAMPLES / "weightcli.yaml", tmp_path / "weightcli.yaml")
    shutil.copytree(EXAMPLES / "raw", tmp_path / "raw")
    return tmp_path


def make(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``make ARGS`` in ``project`` with the installed weightcli."""
    return subprocess.run(
        ["make", f"WEIGHTCLI={shlex.join(weightcli_command())}", *arguments],
        capture_output=True,
        text=True,
        cwd=project,
        env=dict(os.environ, NO_COLOR="1"),
        timeout=300,
        check=False,
    )


def modification_times(folder: Path) -> dict[str, int]:
    """Return the modification time in nanoseconds of every file in ``folder``."""
    return {path.name: path.stat().st_mtime_ns for path in sorted(folder.iterdir())}


def test_builds_weighted_tables(project: Path) -> None:
    result = make(project)

    assert result.returncode == 0, result.stderr
    built = sorted(path.name for path in (project / "build").iterdir())
    assert built == [
        "orders_2024_q1.parquet",
        "orders_2024_q1.report.json",
        "orders_2024_q2.parquet",
        "orders_2024_q2.report.json",
    ]
    first = pl.read_parquet(project / "build" / "orders_2024_q1.parquet")
    assert first["weight"].to_list() == [1.0, 1.0, 0.0, 2.5, 1.0, 1.0, 2.5, 0.0]
    assert first["ENTITY"].to_list()[:2] == ["c001", "c002"]


def test_csv_output(project: Path) -> None:
    result = make(project, "OUT=csv")

    assert result.returncode == 0, result.stderr
    assert (project / "build" / "orders_2024_q2.csv").read_bytes() == (
        b"ENTITY,TARGET,status,amount,weight\n"
        b"c001,0,paid,64.00,1.0\n"
        b"c002,1,paid,980.00,2.5\n"
        b"c004,1,paid,45.00,1.0\n"
        b"c009,0,paid,12.50,1.0\n"
        b"c010,0,refunded,300.00,0.0\n"
        b"c011,1,paid,75.00,1.0\n"
    )


def test_second_make_does_nothing(project: Path) -> None:
    assert make(project).returncode == 0
    before = modification_times(project / "build")

    again = make(project)
    question = make(project, "-q")

    assert again.returncode == 0
    assert "Nothing to be done for 'all'" in again.stdout
    assert "weightcli" not in again.stdout
    assert question.returncode == 0
    assert modification_times(project / "build") == before


def test_failing_table_stops_make(project: Path) -> None:
    (project / "raw" / "orders_bad.csv").write_bytes(BAD_TABLE)

    result = make(project)

    assert result.returncode == 2
    assert "build/orders_bad.parquet] Error 1" in result.stderr
    assert "raw/orders_bad.csv: error   class-zero-weight" in result.stdout
    assert not (project / "build" / "orders_bad.parquet").exists()
    assert [p.name for p in (project / "build").iterdir() if "tmp" in p.name] == []
    for name in GOOD_TABLES:
        assert (project / "build" / f"{name}.parquet").is_file()


def test_next_make_retries_failed_table(project: Path) -> None:
    (project / "raw" / "orders_bad.csv").write_bytes(BAD_TABLE)
    assert make(project).returncode == 2
    good_times = {
        name: (project / "build" / f"{name}.parquet").stat().st_mtime_ns for name in GOOD_TABLES
    }

    retry = make(project)

    assert retry.returncode == 2
    assert "apply raw/orders_bad.csv" in retry.stdout
    assert "apply raw/orders_2024" not in retry.stdout
    for name, mtime in good_times.items():
        assert (project / "build" / f"{name}.parquet").stat().st_mtime_ns == mtime

    shutil.copy(project / "raw" / "orders_2024_q2.csv", project / "raw" / "orders_bad.csv")
    fixed = make(project)

    assert fixed.returncode == 0, fixed.stderr
    assert "apply raw/orders_bad.csv" in fixed.stdout
    assert "apply raw/orders_2024" not in fixed.stdout
    assert (project / "build" / "orders_bad.parquet").is_file()


def test_keep_going_builds_good_tables(project: Path) -> None:
    (project / "raw" / "orders_bad.csv").write_bytes(BAD_TABLE)
    # Sorted first, so without -k make would stop before the good tables.
    (project / "raw" / "orders_bad.csv").rename(project / "raw" / "a_orders_bad.csv")

    stopped = make(project)
    stopped_built = sorted(p.name for p in (project / "build").glob("*.parquet"))
    kept_going = make(project, "-k", "-j2")

    assert stopped.returncode == 2
    assert stopped_built == []
    assert kept_going.returncode == 2
    for name in GOOD_TABLES:
        assert (project / "build" / f"{name}.parquet").is_file()
    assert not (project / "build" / "a_orders_bad.parquet").exists()


def test_config_change_rebuilds_all(project: Path) -> None:
    assert make(project).returncode == 0
    config = project / "weightcli.yaml"
    later = config.stat().st_mtime + 10
    os.utime(config, (later, later))

    result = make(project)

    assert result.returncode == 0
    for name in GOOD_TABLES:
        assert f"apply raw/{name}.csv" in result.stdout


def test_check_target(project: Path) -> None:
    passing = make(project, "check")
    strict = make(project, "check", "CHECK_FLAGS=--fail-on=info")

    assert passing.returncode == 0, passing.stderr
    assert "check build/orders_2024_q1.parquet build/orders_2024_q2.parquet" in passing.stdout
    assert strict.returncode == 2
    assert "build/orders_2024_q2.parquet: info    class-imbalance" in strict.stdout
