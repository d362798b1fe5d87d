"""Every input, output and config error message, word for word, as the user reads it.

Each case writes its files into an empty folder, runs the command line in-process (click's
CliRunner) and compares standard error exactly: one line, exit code 2, nothing on standard
output. A few cases also run the installed command to show the same line."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import RunCli

from weightcli.cli import main

GOOD = b"id,weight\n1,1.0\n2,0.5\n3,2.0\n"
EXTENSIONS = ".arrow, .csv, .feather, .ipc, .jsonl, .ndjson, .parquet, .pq, .tab, .tsv"
COLUMNS = "the table's columns are: id, name, x, weight"
RULES_TABLE = b"id,name,x,weight\n1,a,0,1\n2,b,2,2\n"

# Each case: id, files to create, arguments, the exact message after "weightcli: error: ".
CASES: list[tuple[str, dict[str, bytes], list[str], str]] = [
    (
        "no-extension",
        {"table.data": GOOD},
        ["check", "table.data"],
        "cannot tell the format of 'table.data' from its extension; expected one of "
        f"{EXTENSIONS}, or pass --input-format",
    ),
    (
        "no-glob-match",
        {},
        ["check", "parts/*.parquet"],
        "no file matches 'parts/*.parquet'; check the pattern",
    ),
    (
        "empty-csv",
        {"e.csv": b""},
        ["check", "e.csv"],
        "input file 'e.csv' is empty (0 bytes); expected a CSV table",
    ),
    (
        "empty-tsv",
        {"e.tsv": b""},
        ["check", "e.tsv"],
        "input file 'e.tsv' is empty (0 bytes); expected a TSV table",
    ),
    (
        "empty-ipc",
        {"e.arrow": b""},
        ["check", "e.arrow"],
        "input file 'e.arrow' is empty (0 bytes); expected an Arrow IPC table",
    ),
    (
        "blank-lines",
        {"b.csv": b"\n\n"},
        ["check", "b.csv"],
        "input file 'b.csv' holds only blank lines; expected a CSV table with a header row",
    ),
    (
        "empty-gzip",
        {"e.csv.gz": gzip.compress(b"")},
        ["check", "e.csv.gz"],
        "input 'e.csv.gz' is empty; expected a CSV table with a header row",
    ),
    (
        "bad-ipc",
        {"bad.arrow": b"ARROW1 but not really"},
        ["check", "bad.arrow"],
        "'bad.arrow' is not a valid Arrow IPC file (Expected to read 1330795073 metadata bytes, "
        "but only read 17); "
        "check that it was written completely",
    ),
    (
        "not-utf8",
        {"l.csv": b"id,weight\n1,\xe9\n"},
        ["check", "l.csv"],
        "'l.csv' is not valid UTF-8 at byte offset 12; pass --encoding with the file's "
        "encoding, such as --encoding latin-1",
    ),
    (
        "not-ascii",
        {"l.csv": b"id,weight\n1,\xe9\n"},
        ["check", "l.csv", "--encoding", "ascii"],
        "'l.csv' is not valid ascii at byte offset 12; pass the file's encoding with "
        "--encoding, such as --encoding cp1252",
    ),
    (
        "unknown-encoding",
        {"l.csv": GOOD},
        ["check", "l.csv", "--encoding", "klingon"],
        "unknown encoding 'klingon'; pass a Python codec name such as latin-1 or cp1252",
    ),
    (
        "semicolon-header",
        {"s.csv": b"id;weight\n1;2\n"},
        ["check", "s.csv"],
        "'s.csv' reads as one column 'id;weight': the header looks separated by ';'; "
        "pass --separator ';'",
    ),
    (
        "duplicate-three",
        {"d.csv": b"weight,a,weight,weight\n1,2,3,4\n"},
        ["check", "d.csv"],
        "'d.csv' has the column name 'weight' more than once (positions 1, 3 and 4); "
        "rename the columns so each name is unique",
    ),
    (
        "output-format",
        {"good.csv": GOOD},
        ["apply", "good.csv", "-w", "w2", "-o", "out.data"],
        "cannot tell the format of 'out.data' from its extension; expected one of "
        f"{EXTENSIONS}, or pass --output-format",
    ),
    (
        "thousands-is-decimal-mark",
        {"good.csv": GOOD},
        ["check", "good.csv", "--thousands", "."],
        "flags: key 'csv': thousands separator '.' is also the decimal mark; pass "
        "--decimal-comma with --thousands . for numbers such as 1.299,99",
    ),
    (
        "thousands-is-comma-with-decimal-comma",
        {"good.csv": GOOD},
        ["check", "good.csv", "--thousands", ",", "--decimal-comma"],
        "flags: key 'csv': thousands separator ',' is also the decimal mark; pass "
        "--decimal-comma with --thousands . for numbers such as 1.299,99",
    ),
    (
        "separator-two-characters",
        {"good.csv": GOOD},
        ["check", "good.csv", "--separator", ";;"],
        "flags: key 'csv.separator': ';;' is invalid; expected exactly one character",
    ),
    # Config files.
    (
        "yaml-syntax",
        {"good.csv": GOOD, "c.yaml": b"rules:\n  - when: [x\n    weight: 2\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: invalid YAML at line 3, column 11: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 2, column 11)",
    ),
    (
        "balance-column-missing",
        {"good.csv": GOOD},
        ["apply", "good.csv", "--balance", "Id", "-w", "w2", "--dry-run"],
        "balance.column 'Id' is not in the table (did you mean 'id'?); its columns are: id, "
        "weight; set balance.column to one of them",
    ),
    (
        "yaml-python-tag",
        {"good.csv": GOOD, "c.yaml": b'default: !!python/object/apply:os.system ["true"]\n'},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: invalid YAML at line 1, column 10: could not determine a constructor for the "
        "tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    (
        "yaml-two-documents",
        {"good.csv": GOOD, "c.yaml": b"profile: kumo\n---\nprofile: xgboost\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: invalid YAML at line 2, column 1: but found another document "
        "(expected a single document in the stream at line 1, column 1)",
    ),
    (
        "key-not-text",
        {"good.csv": GOOD, "c.yaml": b"weight_column: w\n1: 2\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: invalid YAML at line 2, column 1: key 1 is not a name; config keys are text "
        "such as weight_column",
    ),
    (
        "key-is-list",
        {"good.csv": GOOD, "c.yaml": b"? [a, b]\n: 1\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: invalid YAML at line 1, column 3: key a list or mapping is not a name; "
        "config keys are text such as weight_column",
    ),
    (
        "unknown-key",
        {"good.csv": GOOD, "c.yaml": b"normalise: mean\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'normalise' (line 1): unknown key 'normalise' (did you mean 'normalize'?); "
        "allowed keys: balance, checks, clip, csv, decay, default, entity_column, lookup, mode, "
        "negative, normalize, on_null, profile, rules, target_column, task, time_column, "
        "weight_column",
    ),
    (
        "negative-half-life",
        {"good.csv": GOOD, "c.yaml": b"decay:\n  column: ts\n  half_life: -5d\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'decay.half_life' (line 3): half-life '-5d' is invalid; expected a "
        "positive number with a unit s, m, h, d or w, such as 90d",
    ),
    (
        "clip-min-above-max",
        {"good.csv": GOOD, "c.yaml": b"clip: {min: 5, max: 1}\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'clip' (line 1): clip.min 5 is greater than clip.max 1",
    ),
    (
        "clip-nan",
        {"good.csv": GOOD, "c.yaml": b"clip: {min: .nan}\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'clip.min' (line 1): nan is invalid; expected a finite number",
    ),
    (
        "default-infinite",
        {"good.csv": GOOD, "c.yaml": b"default: .inf\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'default' (line 1): inf is invalid; expected a finite number",
    ),
    (
        "check-threshold-nan",
        {"good.csv": GOOD, "c.yaml": b"checks:\n  skew-ratio: {max: .nan}\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'checks.skew-ratio' (line 2): option 'max' of check 'skew-ratio' must be "
        "a finite number, not nan",
    ),
    (
        "unknown-task",
        {"good.csv": GOOD, "c.yaml": b"task: link_predict\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'task' (line 1): 'link_predict' is invalid; expected "
        "'binary_classification', 'multiclass_classification', 'multilabel_classification', "
        "'multilabel_ranking', 'regression', 'forecasting', 'static_link_prediction', "
        "'temporal_link_prediction', 'link_prediction' or 'temporal_node_prediction'",
    ),
    (
        "unknown-profile",
        {"good.csv": GOOD, "c.yaml": b"profile: xgb\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "c.yaml: key 'profile' (line 1): 'xgb' is invalid; expected 'kumo', 'xgboost', "
        "'lightgbm', 'catboost', 'sklearn' or 'torch-sampler'",
    ),
    (
        "config-not-utf8",
        {"good.csv": GOOD, "c.yaml": b"profile: \xff\n"},
        ["check", "good.csv", "-c", "c.yaml"],
        "cannot read config file c.yaml: 'utf-8' codec can't decode byte 0xff in position 9: "
        "invalid start byte",
    ),
    (
        "pyproject-not-table",
        {"good.csv": GOOD, "pyproject.toml": b'[tool]\nweightcli = "x"\n'},
        ["check", "good.csv"],
        "{cwd}/pyproject.toml: [tool.weightcli] must be a table",
    ),
    # Rules.
    (
        "rule-syntax",
        {"r.csv": RULES_TABLE},
        ["apply", "r.csv", "-w", "w", "--rule", "x > => 2", "-o", "o.csv"],
        "rule '--rule 1': condition \"x >\" is not a valid SQL expression (unable to parse "
        f"'x >' as Expr); {COLUMNS}",
    ),
    (
        "rule-missing-column",
        {"r.csv": RULES_TABLE},
        ["apply", "r.csv", "-w", "w", "--rule", "distance > 1 => 2", "-o", "o.csv"],
        "rule '--rule 1': condition \"distance > 1\" uses column 'distance', which is not in "
        f"the table; {COLUMNS}",
    ),
    (
        "rule-missing-column-in-config",
        {
            "r.csv": RULES_TABLE,
            "c.yaml": b"rules:\n  - name: far\n    when: x > 1\n    weight: LN(distance)\n",
        },
        ["apply", "r.csv", "-c", "c.yaml", "-w", "w", "-o", "o.csv"],
        "rule 'far': weight \"LN(distance)\" uses column 'distance', which is not in the "
        f"table; {COLUMNS}",
    ),
    (
        "rule-text-compared-with-number",
        {"r.csv": RULES_TABLE},
        ["apply", "r.csv", "-w", "w", "--rule", "name > 5 => 2", "-o", "o.csv"],
        "rule '--rule 1': condition \"name > 5\" cannot be evaluated on this table (cannot "
        "compare string with numeric type (i32)); 'name' is text; compare text with text "
        "('HA'), numbers with numbers, dates with DATE '2013-01-01' and timestamps with "
        "TIMESTAMP '2013-01-01 10:00:00'",
    ),
    (
        "rule-weight-is-text",
        {"r.csv": RULES_TABLE},
        ["apply", "r.csv", "-w", "w", "--rule", "x > 1 => name", "-o", "o.csv"],
        "rule '--rule 1': weight \"name\" gives String, expected a number; cast text columns "
        "with CAST(column AS DOUBLE)",
    ),
    (
        "rule-without-arrow-parts",
        {"r.csv": RULES_TABLE},
        ["apply", "r.csv", "-w", "w", "--rule", "=> 2", "-o", "o.csv"],
        '--rule "=> 2" is invalid; expected "CONDITION => WEIGHT", such as "distance > 1000 => 2"',
    ),
]


@pytest.mark.parametrize(
    ("files", "arguments", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_error_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, bytes],
    arguments: list[str],
    message: str,
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    if "-c" not in arguments and "pyproject.toml" not in files:
        arguments = [*arguments, "--no-config"]

    result = CliRunner().invoke(main, arguments)

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    expected = message.replace("{cwd}", str(tmp_path.resolve()))
    assert result.stderr == f"weightcli: error: {expected}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


def test_zstd_without_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.csv.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    monkeypatch.chdir(tmp_path)
    # None in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "zstandard", None)

    result = CliRunner().invoke(main, ["check", "t.csv.zst", "--no-config"])

    assert result.exit_code == 2
    assert result.stderr == (
        "weightcli: error: 't.csv.zst' is zstd-compressed; install the zstandard package to "
        "read it, or decompress it first\n"
    )


def test_read_error_wrapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.csv").write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)

    def failing_open(self: Path, *arguments: object, **options: object) -> object:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Path, "open", failing_open)

    result = CliRunner().invoke(main, ["check", "t.csv", "--no-config"])

    assert result.exit_code == 2
    assert result.stderr == "weightcli: error: cannot read 't.csv': Input/output error\n"


def test_parquet_footer_message(run_cli: RunCli, tmp_path: Path) -> None:
    pq.write_table(pa.table({"weight": [1.0]}), tmp_path / "w.parquet")
    data = (tmp_path / "w.parquet").read_bytes()
    (tmp_path / "w.parquet").write_bytes(data[:-12])

    result = run_cli("check", "w.parquet", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: 'w.parquet' is not a valid Parquet file (Parquet magic bytes not "
        b"found in footer. Either the file is corrupted or this is not a parquet file.); "
        b"check that it was written completely, or pass --input-format if it is in another "
        b"format\n"
    )


def test_division_by_zero_names_rule(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(RULES_TABLE)
    (tmp_path / "c.yaml").write_bytes(
        b"weight_column: w\nrules:\n  - name: ratio\n    weight: id / x\n"
    )

    result = run_cli("apply", "r.csv", "-c", "c.yaml", "-o", "o.csv", "-q")

    assert result.returncode == 1
    assert result.stdout == (
        b"r.csv: error   non-finite: 1 of 2 weights are not finite (0 NaN, 1 infinite; row 1); "
        b"produced by rule 'ratio'\n"
    )
    assert not (tmp_path / "o.csv").exists()


def test_cli_line_matches_library(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_bytes(b"id;weight\n1;2\n")

    result = run_cli("check", "s.csv", "--no-config")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"weightcli: error: 's.csv' reads as one column 'id;weight': the header looks "
        b"separated by ';'; pass --separator ';'\n"
    )
