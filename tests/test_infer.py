"""Column types of CSV tables written to typed formats, decided from every value."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from conftest import RunCli

from weightcli.io.infer import GUESS_ROWS, infer_kinds
from weightcli.io.read import open_table

ROWS = GUESS_ROWS + 500


def write_csv(path: Path, columns: dict[str, list[str]]) -> Path:
    pl.DataFrame(columns).write_csv(path)
    return path


def test_kinds_of_every_column_type(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "t.csv",
        {
            "count": [str(i) for i in range(ROWS)],
            "share": [f"{i / 7:.3f}" for i in range(ROWS)],
            "flag": ["true", "false"] * (ROWS // 2),
            "day": ["2024-01-02", "2024-12-31"] * (ROWS // 2),
            "stamp": ["2024-01-02T03:04:05", "2024-01-02T03:04:05.250"] * (ROWS // 2),
            "zoned": ["2024-01-02T03:04:05+01:00", "2024-01-02T03:04:05Z"] * (ROWS // 2),
            "name": ["a", "b"] * (ROWS // 2),
        },
    )

    kinds = infer_kinds(open_table(str(source)))

    assert kinds == {
        "count": "int",
        "share": "float",
        "flag": "bool",
        "day": "date|%Y-%m-%d",
        "stamp": "datetime|%Y-%m-%dT%H:%M:%S%.f",
        "zoned": "datetime_tz|%Y-%m-%dT%H:%M:%S%.f%#z",
        "name": "text",
    }


def test_late_value_decides_the_kind(tmp_path: Path) -> None:
    # The last value of "mixed" has another format than the rows before it, and the last
    # value of "junk" is no date. "late" is empty until its last row.
    dates = ["2024-01-02"] * ROWS
    source = write_csv(
        tmp_path / "t.csv",
        {
            "mixed": [*dates[:-1], "2024-01-02 10:00"],
            "junk": [*dates[:-1], "2024-01-02x"],
            "late": [*([""] * (ROWS - 1)), "2024-05-06 07:08"],
        },
    )

    kinds = infer_kinds(open_table(str(source)))

    assert kinds == {"mixed": "text", "junk": "text", "late": "datetime|%Y-%m-%d %H:%M"}


def test_mixed_dates_keep_their_text_in_parquet(run_cli: RunCli, tmp_path: Path) -> None:
    dates = ["2024-01-02"] * ROWS
    source = write_csv(tmp_path / "t.csv", {"day": [*dates[:-1], "2024-01-02 10:00"]})
    target = tmp_path / "out.parquet"

    result = run_cli("apply", source, "--no-config", "-o", target, "-q")

    assert result.returncode == 0, result.stderr.decode()
    written = pl.read_parquet(target)
    assert written.schema["day"] == pl.String
    assert written.get_column("day").to_list()[-2:] == ["2024-01-02", "2024-01-02 10:00"]
