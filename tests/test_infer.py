"""Column types of CSV tables written to typed formats, decided from every value."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import RunCli

from weightcli.config.model import CsvOptions
from weightcli.io import text
from weightcli.io.infer import infer_kinds
from weightcli.io.read import open_table

ROWS = text.GUESS_ROWS + 500


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


KIND_CASES = {
    "single-digit month and day": (["2024-1-2", "2024-01-03"], "date|%Y-%m-%d"),
    "date and timestamp mixed": (["2024-01-02", "2024-01-02 10:00"], "text"),
    "no value": ([None, "NA", " "], "null"),
    "number and word": (["1", "x"], "text"),
    "spaces, nulls, leading zero": ([" 7 ", "NA", "08"], "int"),
    "exponent": (["1e3", "2"], "float"),
    "booleans in any case": (["TRUE", "false", "True"], "bool"),
    "offset and Z": (["2024-01-02T03:04:05Z", "2024-01-02T03:04:05+02:00"], "datetime_tz"),
    "dash-separated codes": (["12-34-56", "78-90-12"], "text"),
}


@pytest.mark.parametrize(("values", "kind"), KIND_CASES.values(), ids=list(KIND_CASES))
def test_decide_kind(values: list[str | None], kind: str) -> None:
    decided = text.decide_kind(pl.Series(values, dtype=pl.String), CsvOptions())

    assert decided.split("|")[0] == kind.split("|")[0]
    assert decided == kind or "|" not in kind


def test_dates_after_many_rows_in_another_format() -> None:
    # The first rows suggest the date format; a later timestamp makes the date format fail
    # on the whole column, and no other format reads both.
    values = ["2024-01-02"] * (text.GUESS_ROWS * 2) + ["2024-01-02T10:00"]

    assert text.decide_kind(pl.Series(values), CsvOptions()) == "text"


def test_timestamps_whose_first_rows_fit_an_earlier_format() -> None:
    # Every value has minutes only, so the first format that reads them all is the one
    # without seconds. The first rows alone would suggest the same format.
    values = ["2024-01-02 10:00"] * (text.GUESS_ROWS + 10)

    assert text.decide_kind(pl.Series(values), CsvOptions()) == "datetime|%Y-%m-%d %H:%M"


def test_leading_zero_codes_stay_text(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "t.csv",
        {
            "code": ["00998", "12345", "NA"],
            "signed": ["-01", "2", "3"],
            "count": ["0", "10", "-3"],
        },
    )

    kinds = infer_kinds(open_table(str(source)))

    assert kinds == {"code": "text", "signed": "text", "count": "int"}
