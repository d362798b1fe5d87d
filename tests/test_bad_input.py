"""Bad input of every kind: CSV dialects, number formats, weight types and table structure.

Each test builds its input in ``tmp_path``. Library calls cover the parsing rules; runs of
the installed command cover what a user reads: one line on standard error and exit code 2."""

from __future__ import annotations

import decimal
import json
import os
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE_DATA, RunCli

from weightcli.api import check_table
from weightcli.config.model import DEFAULT_NULL_VALUES, Config, CsvOptions
from weightcli.errors import ConfigError, InputError
from weightcli.io import text
from weightcli.io.read import open_table
from weightcli.report.model import FileReport


def checked(path: Path, **csv: Any) -> FileReport:
    """Open ``path`` and check its ``weight`` column with the given CSV options."""
    config = Config(csv=CsvOptions(**csv))
    return check_table(open_table(str(path), None, config.csv), config)


def finding_ids(report: FileReport) -> list[str]:
    """Return the check ids of a report's findings, sorted."""
    return sorted(finding.check for finding in report.findings)


def write(path: Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` and return the path."""
    path.write_bytes(content)
    return path


def parsed(values: list[str], **csv: Any) -> list[float | None]:
    """Parse text cells as weights under the given CSV options."""
    options = CsvOptions(**csv)
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    result: list[float | None] = frame.select(text.number("v", options)).to_series().to_list()
    return result


# CSV dialects


def test_separator_flag(tmp_path: Path) -> None:
    path = write(tmp_path / "semi.csv", b"id;weight\n1;1.5\n2;2.0\n")

    report = checked(path, separator=";")

    assert report.stats is not None
    assert report.stats.sum == 3.5
    assert report.findings == []


def test_tab_separator_spellings(tmp_path: Path) -> None:
    path = write(tmp_path / "tabs.csv", b"id\tweight\n1\t1.5\n2\t2.0\n")

    for spelling in ("tab", "\\t", "\t"):
        report = checked(path, separator=spelling)
        assert report.stats is not None
        assert report.stats.sum == 3.5


def test_tsv_extension_uses_tab(tmp_path: Path) -> None:
    path = write(tmp_path / "table.tsv", b"id\tweight\n1\t1.5\n2\t2.0\n")

    report = checked(path)

    assert report.stats is not None
    assert report.stats.sum == 3.5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"id;weight\n1;1,5\n",
            "'t.csv' reads as one column 'id;weight': the header looks separated by ';'; "
            "pass --separator ';'",
        ),
        (
            b"id\tweight\n1\t1.5\n",
            "'t.csv' reads as one column 'id\tweight': the header looks separated by tabs; "
            "pass --separator tab",
        ),
        (
            b"id|weight\n1|1.5\n",
            "'t.csv' reads as one column 'id|weight': the header looks separated by '|'; "
            "pass --separator '|'",
        ),
    ],
)
def test_other_separator_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    write(tmp_path / "t.csv", content)
    monkeypatch.chdir(tmp_path)

    with pytest.raises(InputError) as raised:
        open_table("t.csv")

    assert str(raised.value) == message


def test_separator_hint_on_cli(run_cli: RunCli, tmp_path: Path) -> None:
    write(tmp_path / "semi.csv", b"id;weight\n1;1,5\n2;2,0\n")

    result = run_cli("check", "semi.csv", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: 'semi.csv' reads as one column 'id;weight': the header looks "
        b"separated by ';'; pass --separator ';'\n"
    )


def test_separator_hint_in_tsv(tmp_path: Path) -> None:
    path = write(tmp_path / "t.tsv", b"id,weight\n1,1.5\n")

    with pytest.raises(InputError, match="the header looks separated by ','; pass --separator ','"):
        open_table(str(path))


def test_explicit_separator_skips_hint(tmp_path: Path) -> None:
    # A real one-column table whose column name contains ';'.
    path = write(tmp_path / "one.csv", b"a;b\n1\n2\n")

    report = checked(path, separator=",")

    assert finding_ids(report) == ["missing-column"]


def test_quoted_line_breaks(tmp_path: Path) -> None:
    path = write(
        tmp_path / "quoted.csv",
        b'id,note,weight\n1,"first line\nsecond line",1.5\n2,"a, ""quoted"" b",2.0\n3,x,0.5\n',
    )

    report = checked(path)

    assert report.rows_in == 3
    assert report.stats is not None
    assert report.stats.sum == 4.0
    assert report.findings == []


def test_quoted_line_break_in_weight_row(tmp_path: Path) -> None:
    # The junk cell is the third record, although it starts on the fourth line.
    path = write(tmp_path / "q.csv", b'id,note,weight\n1,"a\nb",1\n2,c,2\n3,d,x\n')

    report = checked(path)

    [finding] = report.findings
    assert finding.check == "non-numeric"
    assert finding.rows == (3,)


def test_utf8_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbfid,weight\n1,1.5\n2,2.0\n")

    report = checked(path)

    assert report.findings == []
    assert report.stats is not None
    assert report.stats.sum == 3.5


def test_latin1_needs_flag(run_cli: RunCli, tmp_path: Path) -> None:
    write(tmp_path / "latin.csv", b"id,name,weight\n1,caf\xe9,1.5\n2,b,2.0\n")

    result = run_cli("check", "latin.csv", "--no-config")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: 'latin.csv' is not valid UTF-8 at byte offset 20; "
        b"pass --encoding with the file's encoding, such as --encoding latin-1\n"
    )


def test_parquet_named_csv_names_its_format(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copyfile(SAMPLE_DATA / "flights.parquet", tmp_path / "flights.csv")

    result = run_cli("apply", "flights.csv", "--no-config", "-o", "out.csv")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: 'flights.csv' is a Parquet file, not text: it starts with the "
        b"magic number of one; pass --input-format parquet to read it\n"
    )
    assert not (tmp_path / "out.csv").exists()


def test_latin1_offset_past_first_chunk(tmp_path: Path) -> None:
    # The invalid byte sits after the first megabyte, which is read in a separate chunk.
    body = b"id,weight\n" + b"1,1.0\n" * 200_000 + b"2,\xff\n"
    path = write(tmp_path / "late.csv", body)

    with pytest.raises(InputError, match=rf"at byte offset {len(body) - 2};"):
        open_table(str(path))


def test_latin1_with_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.csv", b"id,name,weight\n1,caf\xe9,1.5\n2,b,2.0\n")

    report = checked(path, encoding="latin-1")

    assert report.findings == []
    assert report.stats is not None
    assert report.stats.sum == 3.5


def test_unknown_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", b"id,weight\n1,1\n")

    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        open_table(str(path), None, CsvOptions(encoding="klingon"))


# Number formats


def test_decimal_comma_with_thousands(tmp_path: Path) -> None:
    path = write(tmp_path / "de.csv", b'id;weight\n1;"1.299,99"\n2;2,5\n')

    report = checked(path, separator=";", decimal_comma=True, thousands=".")

    assert report.findings == []
    assert report.stats is not None
    assert report.stats.max == 1299.99
    assert report.stats.sum == 1302.49


def test_decimal_comma_junk_without_flags(tmp_path: Path) -> None:
    path = write(tmp_path / "de.csv", b'id,weight\n1,"1.299,99"\n2,2.5\n')

    report = checked(path)

    [finding] = report.findings
    assert finding.check == "non-numeric"
    assert finding.rows == (1,)
    assert "'1.299,99' at row 1" in finding.message


@pytest.mark.parametrize(
    ("options", "values", "expected"),
    [
        (
            {},
            ["1.299,99", "1,5", "1.5", " 2 ", "1e3", "NaN", "inf"],
            [None, None, 1.5, 2.0, 1000.0],
        ),
        (
            {"decimal_comma": True},
            ["1.299,99", "1.299", "1,5", ",5", "5,", "1e3", "1234,5"],
            [None, None, 1.5, 0.5, 5.0, 1000.0, 1234.5],
        ),
        (
            {"decimal_comma": True, "thousands": "."},
            ["1.299,99", "1.299", "12.345.678", "1.29,9", ".5", "1,299.99", "1.2.3", "1234,5"],
            [1299.99, 1299.0, 12345678.0, None, None, None, None, 1234.5],
        ),
        (
            {"thousands": ","},
            ["1,299.99", "1,5", "1.299,99", "1,234,567", "1234.5"],
            [1299.99, None, None, 1234567.0, 1234.5],
        ),
        (
            {"decimal_comma": True, "thousands": " "},
            ["1 299,99", "1 29,9"],
            [1299.99, None],
        ),
    ],
)
def test_number_formats(
    options: dict[str, Any], values: list[str], expected: list[float | None]
) -> None:
    result = parsed(values, **options)

    # NaN and inf are numbers, so they are compared apart from the rest.
    assert result[: len(expected)] == expected
    for value, got in zip(values[len(expected) :], result[len(expected) :], strict=True):
        assert got is not None and str(got).lower() in (value.lower(), "nan")


def test_thousands_equal_decimal_mark() -> None:
    with pytest.raises(ValueError, match=r"thousands separator '\.' is also the decimal mark"):
        CsvOptions(thousands=".")


def test_thousands_cannot_be_digit() -> None:
    with pytest.raises(ValueError, match="thousands separator '1' is invalid"):
        CsvOptions(thousands="1")


def test_decimal_comma_cli(run_cli: RunCli, tmp_path: Path) -> None:
    write(tmp_path / "de.csv", b'id;weight\n1;"1.299,99"\n2;2,5\n')

    result = run_cli(
        "check",
        "de.csv",
        "--no-config",
        "--separator",
        ";",
        "--decimal-comma",
        "--thousands",
        ".",
        "--format",
        "json",
    )

    assert result.returncode == 0, result.stderr
    assert b'"sum": 1302.49' in result.stdout
    assert b'"max": 1299.99' in result.stdout


def test_default_null_tokens() -> None:
    assert DEFAULT_NULL_VALUES == ("", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A")
    assert "NaN" not in DEFAULT_NULL_VALUES


def test_null_tokens_replaced(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", b"id,weight\n1,1.0\n2,missing\n3,NA\n")

    report = checked(path, null_values=["missing"])

    [finding] = report.findings
    assert finding.check == "non-numeric"
    assert finding.rows == (3,)


def test_null_tokens_from_config(run_cli: RunCli, tmp_path: Path) -> None:
    write(tmp_path / "t.csv", b"id,weight\n1,1.0\n2,-\n3,2.0\n")
    write(tmp_path / "weightcli.yaml", b"csv:\n  null_values: ['-']\n")

    result = run_cli("check", "t.csv", "--format", "json")

    assert result.returncode == 1
    assert b'"check": "null-weight"' in result.stdout
    assert b'"rows": [\n            2\n          ]' in result.stdout


# Weight types


def test_junk_listed_up_to_cap(tmp_path: Path) -> None:
    rows = b"".join(f"{i},bad{i}\n".encode() for i in range(1, 16))
    path = write(tmp_path / "junk.csv", b"id,weight\n1,1.0\n" + rows)

    report = checked(path)

    [finding] = report.findings
    assert finding.check == "non-numeric"
    assert finding.rows == tuple(range(2, 12))
    assert finding.message.startswith("15 weight(s) in 'weight' are not numbers: 'bad1' at row 2")
    assert finding.message.endswith("'bad10' at row 11 and 5 more")


def test_late_junk_not_sampled(tmp_path: Path) -> None:
    body = b"".join(b"1\n" for _ in range(5000))
    path = write(tmp_path / "late.csv", b"weight\n" + body + b"x\n")

    report = checked(path)

    [finding] = report.findings
    assert finding.rows == (5001,)


def test_decimal_weights(tmp_path: Path) -> None:
    weights = pa.array(
        [decimal.Decimal("1.50"), decimal.Decimal("2.25"), None], pa.decimal128(10, 2)
    )
    pq.write_table(pa.table({"id": [1, 2, 3], "weight": weights}), tmp_path / "dec.parquet")

    report = checked(tmp_path / "dec.parquet")

    assert finding_ids(report) == ["null-weight"]
    assert report.stats is not None
    assert report.stats.sum == 3.75
    assert report.stats.nan == 0


def test_decimal_weights_apply(run_cli: RunCli, tmp_path: Path) -> None:
    weights = pa.array([decimal.Decimal("1.50"), decimal.Decimal("2.25")], pa.decimal128(10, 2))
    pq.write_table(pa.table({"id": [1, 2], "weight": weights}), tmp_path / "dec.parquet")

    result = run_cli(
        "apply", "dec.parquet", "--no-config", "--default", "weight * 2", "-w", "w2", "-o", "o.pq"
    )

    assert result.returncode == 0, result.stderr
    written = pl.read_parquet(tmp_path / "o.pq")
    assert written.get_column("w2").to_list() == [3.0, 4.5]
    assert written.schema["weight"] == pl.Decimal(10, 2)


def test_sum_overflow_is_error(run_cli: RunCli, tmp_path: Path) -> None:
    pq.write_table(pa.table({"weight": [1e308, 1e308]}), tmp_path / "big.parquet")

    result = run_cli("check", "big.parquet", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: the sum of the weights in 'big.parquet' overflows float64 "
        b"(largest weight 1e+308); rescale the weights\n"
    )


def test_int64_weights_exact(tmp_path: Path) -> None:
    pq.write_table(
        pa.table({"weight": pa.array([2**40, 2**40, 1], pa.int64())}), tmp_path / "i.parquet"
    )

    report = checked(tmp_path / "i.parquet")

    assert report.stats is not None
    assert report.stats.sum == 2**41 + 1


def test_check_reads_only_weight(tmp_path: Path) -> None:
    # Every other column is junk for any parser; check never parses it.
    path = write(tmp_path / "t.csv", b"a,weight,b\nx,1.0,\xff\xfe\n2020-13-45,2.0,1.2.3\n")

    report = checked(path, encoding="latin-1")

    assert report.findings == []
    assert report.stats is not None
    assert report.stats.sum == 3.0


def test_apply_keeps_unused_text(run_cli: RunCli, tmp_path: Path) -> None:
    content = b'id,code,price,when,weight\n007,00123,"1,5",2020-01-01,1\n008,x,2.50,soon,2\n'
    write(tmp_path / "t.csv", content)

    result = run_cli(
        "apply", "t.csv", "--no-config", "--rule", "weight > 1 => 3", "-w", "w2", "-o", "o.csv"
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o.csv").read_bytes() == (
        b'id,code,price,when,weight,w2\n007,00123,"1,5",2020-01-01,1,1.0\n008,x,2.50,soon,2,3.0\n'
    )


# Structure


def test_blank_lines_only(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.csv", b"\n \n\r\n")

    with pytest.raises(InputError) as raised:
        open_table(str(path))

    assert str(raised.value) == (
        f"input file '{path}' holds only blank lines; expected a CSV table with a header row"
    )


def test_header_only_compressed(tmp_path: Path) -> None:
    import gzip

    path = write(tmp_path / "h.csv.gz", gzip.compress(b"id,weight\n"))

    assert finding_ids(checked(path)) == ["empty-table"]


def test_empty_compressed(tmp_path: Path) -> None:
    import gzip

    path = write(tmp_path / "e.csv.gz", gzip.compress(b""))

    with pytest.raises(InputError, match="is empty; expected a CSV table with a header row"):
        open_table(str(path))


def test_duplicate_parquet_names(run_cli: RunCli, tmp_path: Path) -> None:
    table = pa.table(
        [pa.array([1, 2]), pa.array([1.0, 2.0]), pa.array([3.0, 4.0])],
        names=["id", "weight", "weight"],
    )
    pq.write_table(table, tmp_path / "dup.parquet")
    feather.write_feather(table, tmp_path / "dup.arrow")

    for name in ("dup.parquet", "dup.arrow"):
        result = run_cli("check", name, "--no-config")
        assert result.returncode == 2
        assert (
            result.stderr
            == (
                f"weightcli: error: '{name}' has the column name 'weight' more than once "
                "(positions 2 and 3); rename the columns so each name is unique\n"
            ).encode()
        )


def test_duplicate_names_three_times(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", b"w,weight,weight,weight\n1,1,2,3\n")

    with pytest.raises(InputError, match=r"'weight' more than once \(positions 2, 3 and 4\)"):
        open_table(str(path))


def test_wide_file_reads_needed(tmp_path: Path) -> None:
    columns = [f"c{i}" for i in range(2000)]
    header = ",".join([*columns, "weight"])
    row = ",".join(["x"] * 2000 + ["1.5"])
    path = write(tmp_path / "wide.csv", f"{header}\n{row}\n{row}\n".encode())

    report = checked(path)

    assert report.findings == []
    assert report.stats is not None
    assert report.stats.sum == 3.0


def test_wide_parquet_projection(tmp_path: Path) -> None:
    columns = {f"c{i}": [i, i] for i in range(500)}
    pq.write_table(pa.table({**columns, "weight": [1.0, 2.0]}), tmp_path / "wide.parquet")

    table = open_table(str(tmp_path / "wide.parquet"))
    plan = table.frame.select("weight").explain()

    assert "1/501" in plan or "PROJECT 1/501" in plan
    assert checked(tmp_path / "wide.parquet").findings == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "Parquet file size is 0 bytes"),
        (b"hello", "Parquet file size is 5 bytes"),
        (b"PAR1garbagegarbagePAR1", "smaller than the size reported by footer"),
    ],
)
def test_corrupt_parquet(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = write(tmp_path / "bad.parquet", content)

    with pytest.raises(InputError) as raised:
        open_table(str(path))

    if content:
        assert str(raised.value).startswith(f"'{path}' is not a valid Parquet file (")
        assert fragment in str(raised.value)
        assert str(raised.value).endswith(
            "); check that it was written completely, or pass --input-format if it is in another "
            "format"
        )
    else:
        assert (
            str(raised.value) == f"input file '{path}' is empty (0 bytes); expected a Parquet table"
        )


def test_truncated_parquet(run_cli: RunCli, tmp_path: Path) -> None:
    pq.write_table(pa.table({"weight": [1.0, 2.0, 3.0]}), tmp_path / "full.parquet")
    data = (tmp_path / "full.parquet").read_bytes()
    write(tmp_path / "cut.parquet", data[: len(data) // 2])

    result = run_cli("check", "cut.parquet", "--no-config")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: 'cut.parquet' is not a valid Parquet file (Parquet magic bytes not "
        b"found in footer. Either the file is corrupted or this is not a parquet file.); "
        b"check that it was written completely, or pass --input-format if it is in another "
        b"format\n"
    )


def test_truncated_parquet_on_stdin(run_cli: RunCli, tmp_path: Path) -> None:
    pq.write_table(pa.table({"weight": [1.0, 2.0, 3.0]}), tmp_path / "full.parquet")
    data = (tmp_path / "full.parquet").read_bytes()

    result = run_cli("check", "-", "--no-config", stdin=data[: len(data) - 10])

    assert result.returncode == 2
    assert result.stderr.startswith(b"weightcli: error: cannot read '<stdin>' as parquet: ")
    assert result.stderr.endswith(b"; check that the data is complete, or pass --input-format\n")
    assert result.stderr.count(b"\n") == 1


def test_folder_without_tables(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()

    result = run_cli("check", "folder", "--no-config")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: input 'folder' is a folder without Parquet files; "
        b"pass a file, a glob, or a hive-partitioned Parquet folder\n"
    )


def test_missing_file(run_cli: RunCli) -> None:
    result = run_cli("check", "nowhere.csv", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: input file 'nowhere.csv' not found; check the path\n"
    )


@pytest.mark.parametrize("name", ["scores[1].csv", "scores[1].ndjson", "scores[1].parquet"])
def test_glob_characters_in_name(tmp_path: Path, name: str) -> None:
    # A file whose name would match other files as a glob ("scores1.*") is opened as named.
    pl.DataFrame({"weight": [1.5]}).write_csv(tmp_path / "scores1.csv")
    path = tmp_path / name
    frame = pl.DataFrame({"weight": [2.5]})
    if name.endswith(".csv"):
        frame.write_csv(path)
    elif name.endswith(".ndjson"):
        frame.write_ndjson(path)
    else:
        frame.write_parquet(path)

    report = checked(path)

    assert report.stats is not None
    assert report.stats.sum == 2.5


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads any file whatever its mode, so the permission test below skips under root;
    # this one makes the access check fail instead.
    path = write(tmp_path / "t.csv", b"weight\n1\n")
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode)
    )

    with pytest.raises(InputError) as raised:
        open_table(str(path))

    assert str(raised.value) == (
        f"input file '{path}' is not readable (permission denied); check its permissions with ls -l"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_real(run_cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", b"weight\n1\n")
    path.chmod(0)

    result = run_cli("check", "t.csv", "--no-config")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: input file 't.csv' is not readable (permission denied); "
        b"check its permissions with ls -l\n"
    )


def test_named_pipe_input(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as handle:
            handle.write(b"id,weight\n1,1.0\n2,0.5\n3,2.0\n")

    writer = threading.Thread(target=feed)
    writer.start()
    report = checked(fifo)
    writer.join(timeout=10)

    assert report.stats is not None
    assert report.stats.sum == 3.5


def test_process_substitution_sniffed(run_cli: RunCli, tmp_path: Path) -> None:
    import shlex
    import subprocess

    from conftest import weightcli_command

    write(tmp_path / "good.csv", b"id,weight\n1,1.0\n2,0.5\n3,2.0\n")
    command = " ".join(shlex.quote(part) for part in weightcli_command())
    result = subprocess.run(
        ["bash", "-c", f"{command} check <(cat good.csv) --no-config --format json"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert b'"sum": 3.5' in result.stdout


def test_dev_null_input(run_cli: RunCli) -> None:
    result = run_cli("check", "/dev/null", "--no-config")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: input '/dev/null' is empty (no bytes were read); expected a table\n"
    )


def test_ndjson_text_weights(tmp_path: Path) -> None:
    path = write(tmp_path / "t.ndjson", b'{"id":1,"weight":1}\n{"id":2,"weight":"x"}\n')

    report = checked(path)

    assert finding_ids(report) == ["non-numeric"]


def test_config_error_is_config_error() -> None:
    with pytest.raises(ConfigError):
        from weightcli.config.load import load_config

        load_config(None, overrides={"csv": {"thousands": "."}})


def test_apply_rejects_row_with_extra_field(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "ragged.csv").write_bytes(b"id,weight\n1,1.299,99\n2,3\n")

    result = run_cli("apply", "ragged.csv", "--no-config", "-w", "w2", "-o", "out.csv", "-q")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: 'ragged.csv' has row 1 with more fields than its header; quote "
        b"fields that contain the separator, or pass --separator if the file uses another one\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ragged.csv"]


def test_decimal_comma_weights_get_flag_hint(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "comma.csv").write_bytes(b"id;weight\n1;1,5\n2;2\n")

    result = run_cli("check", "comma.csv", "--separator", ";", "--no-config", "--format", "json")

    finding = json.loads(result.stdout)["files"][0]["findings"][0]
    assert result.returncode == 1
    assert finding["check"] == "non-numeric"
    assert finding["hint"] == (
        "the numbers look written with a decimal comma: pass --decimal-comma "
        "(and --thousands . if they also group thousands with dots)"
    )


def test_check_rejects_row_with_extra_field(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "ragged.csv").write_bytes(b"id,weight,label\n1,1.5,a\n2,3,b,extra\n")

    result = run_cli("check", "ragged.csv", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: 'ragged.csv' has row 2 with more fields than its header; quote "
        b"fields that contain the separator, or pass --separator if the file uses another one\n"
    )


def test_overwrite_rejects_row_with_extra_field(run_cli: RunCli, tmp_path: Path) -> None:
    # The replaced weight column is the last one, so the write would not otherwise parse it.
    (tmp_path / "ragged.csv").write_bytes(b"a,b,weight\n1,2,3.0\n3,4,5.0,6\n")

    for output in ("out.csv", "-"):
        result = run_cli("apply", "ragged.csv", "--no-config", "--overwrite", "-o", output)

        assert result.returncode == 2, output
        assert result.stdout == b""
        assert result.stderr.startswith(b"weightcli: error: 'ragged.csv' has row 2 with more")
        assert sorted(path.name for path in tmp_path.iterdir()) == ["ragged.csv"]


def test_extra_field_row_from_stdin_has_no_number(run_cli: RunCli) -> None:
    result = run_cli(
        "apply",
        "-",
        "--input-format",
        "csv",
        "--no-config",
        "-o",
        "-",
        stdin=b"a,b\n1,2\n3,4,5\n",
    )

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"weightcli: error: '<stdin>' has a row with more fields")


def test_first_ragged_row_reads_quotes(tmp_path: Path) -> None:
    from weightcli.io.read import first_ragged_row

    # Row 1 quotes a comma and a line break, so only row 3 has a field too many.
    path = write(tmp_path / "t.csv", b'a,b\n"x,\ny",1\n2,3\n4,5,6\n')
    table = open_table(str(path), None, CsvOptions())

    assert first_ragged_row(table) == 3
    assert first_ragged_row(table, limit=2) is None


def test_folder_parts_with_other_columns(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    pl.DataFrame({"a": [1, 2], "amount": [1.0, 2.0]}).write_parquet(folder / "p1.parquet")
    pl.DataFrame({"a": [3]}).write_parquet(folder / "p2.parquet")

    result = run_cli("apply", "parts", "--no-config", "--rule", "a > 1 => 2", "-o", "out.parquet")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: the Parquet files of 'parts' differ: 'parts/p1.parquet' has a "
        b"column 'amount' that 'parts/p2.parquet' lacks; give every file the same columns and "
        b"types, or weight the files one at a time\n"
    )
    assert not (tmp_path / "out.parquet").exists()


def test_glob_parts_with_other_types(run_cli: RunCli, tmp_path: Path) -> None:
    pl.DataFrame({"a": [1, 2]}).write_parquet(tmp_path / "p1.parquet")
    pl.DataFrame({"a": [3.5]}).write_parquet(tmp_path / "p2.parquet")

    result = run_cli("check", "p*.parquet", "--no-config", "-w", "a")

    assert result.returncode == 2
    assert result.stderr == (
        b"weightcli: error: the Parquet files of 'p*.parquet' differ: column 'a' is Int64 in "
        b"'p1.parquet' and Float64 in 'p2.parquet'; give every file the same columns and "
        b"types, or weight the files one at a time\n"
    )
