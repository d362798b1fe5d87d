"""Lookup tables: a left join that never changes the rows or their order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import SAMPLE_DATA, RunCli

import weightcli
from weightcli.errors import ConfigError, InputError


def customer_files(tmp_path: Path) -> tuple[Path, Path]:
    """Copy the customers sample and its lookup table into ``tmp_path``."""
    customers = tmp_path / "customers.csv"
    lookup = tmp_path / "customer_value.csv"
    shutil.copyfile(SAMPLE_DATA / "customers.csv", customers)
    shutil.copyfile(SAMPLE_DATA / "customer_value.csv", lookup)
    return customers, lookup


def test_customers_lookup_cli(run_cli: RunCli, tmp_path: Path) -> None:
    customers, lookup = customer_files(tmp_path)
    result = run_cli(
        "apply", customers, "--no-config", "--lookup", lookup, "--on", "purchasing_power_class",
        "--rule", "value_score", "-o", "out.csv", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()

    original = customers.read_text().splitlines()
    written = (tmp_path / "out.csv").read_text().splitlines()
    assert len(written) == len(original) == 5823
    assert written[0] == original[0] + ",weight"
    # Every untouched field keeps its text, in the same row order.
    assert [line.rsplit(",", 1)[0] for line in written[1:]] == original[1:]

    out = pl.read_csv(tmp_path / "out.csv")
    expected = out.get_column("purchasing_power_class").cast(pl.Float64) / 4
    assert out.get_column("weight").to_list() == expected.to_list()

    report = json.loads(result.stdout)["files"][0]
    assert report["rows_in"] == report["rows_out"] == 5822
    assert f"lookup: 5,822 of 5,822 rows matched a key in '{lookup}', 0 did not" in report["notes"]


def test_customers_lookup_config_relative_path(run_cli: RunCli, tmp_path: Path) -> None:
    customers, _ = customer_files(tmp_path)
    folder = tmp_path / "conf"
    folder.mkdir()
    shutil.move(tmp_path / "customer_value.csv", folder / "customer_value.csv")
    (folder / "weightcli.yaml").write_text(
        "lookup:\n"
        "  path: customer_value.csv\n"
        "  on: purchasing_power_class\n"
        "rules:\n"
        "  - name: rich\n"
        "    when: value_score >= 1.5\n"
        "    weight: 3\n"
    )
    result = run_cli(
        "apply", customers, "-c", folder / "weightcli.yaml", "-o", "out.csv", "--format", "json"
    )
    assert result.returncode == 0, result.stderr.decode()
    out = pl.read_csv(tmp_path / "out.csv")
    rich = out.get_column("purchasing_power_class") >= 6
    assert (
        out.get_column("weight").to_list()
        == pl.select(pl.when(rich).then(3.0).otherwise(1.0)).to_series().to_list()
    )
    rules = json.loads(result.stdout)["files"][0]["rules"]
    assert rules[0]["rows"] == int(rich.sum())


def test_duplicate_keys_cli(run_cli: RunCli, tmp_path: Path) -> None:
    customers, lookup = customer_files(tmp_path)
    with lookup.open("a") as stream:
        stream.write("3,9.0\n3,8.0\n5,1.0\n")
    result = run_cli(
        "apply", customers, "--no-config", "--lookup", lookup, "--on", "purchasing_power_class",
        "--rule", "value_score", "-o", "out.csv",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"weightcli: error: lookup table '{lookup}' has key '3' in 3 rows of "
        "'purchasing_power_class' (and 1 more repeated keys); a lookup needs one row per key, "
        "because a repeated key would multiply training rows; remove the repeated rows\n"
    )
    assert not (tmp_path / "out.csv").exists()


def test_unmatched_rows_counted(run_cli: RunCli, tmp_path: Path) -> None:
    customers, lookup = customer_files(tmp_path)
    lines = lookup.read_text().splitlines()
    # Keep classes 1 to 5 only.
    lookup.write_text("\n".join(lines[:6]) + "\n")
    result = run_cli(
        "apply", customers, "--no-config", "--lookup", lookup, "--on", "purchasing_power_class",
        "--rule", "value_score", "--on-null", "default", "--default", "7", "-o", "out.csv",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()

    out = pl.read_csv(tmp_path / "out.csv")
    classes = out.get_column("purchasing_power_class")
    unmatched = int((classes > 5).sum())
    assert unmatched > 0
    expected = pl.select(pl.when(classes > 5).then(7.0).otherwise(classes / 4)).to_series()
    assert out.get_column("weight").to_list() == expected.to_list()

    notes = json.loads(result.stdout)["files"][0]["notes"]
    assert (
        f"lookup: {5822 - unmatched:,} of 5,822 rows matched a key in '{lookup}', "
        f"{unmatched:,} did not" in notes
    )


def test_order_kept_on_shuffled_parquet(run_cli: RunCli, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = 200_000
    keys = rng.integers(0, 5000, size=rows)
    pl.DataFrame({"row": np.arange(rows), "key": keys}).write_parquet(
        tmp_path / "train.parquet", row_group_size=10_000
    )
    lookup_keys = rng.permutation(5000)
    pl.DataFrame({"key": lookup_keys, "score": lookup_keys * 0.5}).write_parquet(
        tmp_path / "scores.parquet"
    )
    result = run_cli(
        "apply", "train.parquet", "--no-config", "--lookup", "scores.parquet", "--on", "key",
        "--rule", "1 + score", "-o", "out.parquet", "-q",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out.columns == ["row", "key", "weight"]
    assert out.get_column("row").to_list() == list(range(rows))
    np.testing.assert_array_equal(out.get_column("weight").to_numpy(), 1 + keys * 0.5)
    # The join keeps the rows in order, so the weights are appended to the input's bytes.
    data = (tmp_path / "train.parquet").read_bytes()
    start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    assert (tmp_path / "out.parquet").read_bytes()[:start] == data[:start]


def test_text_keys_keep_leading_zeros() -> None:
    frame = pl.DataFrame({"id": ["007", "7", "010"]})
    path = Path(__file__).parent / "data" / "lookup_leading_zeros.csv"
    lazy, report = weightcli.apply(
        frame,
        {
            "lookup": {"path": str(path), "on": "id"},
            "rules": [{"weight": "score"}],
            "on_null": "default",
            "default": 0,
        },
    )
    assert lazy.collect().get_column("weight").to_list() == [2.0, 3.0, 0.0]
    assert "lookup: 2 of 3 rows matched" in report.files[0].notes[0]


def test_keys_repeated_after_conversion(tmp_path: Path) -> None:
    lookup = tmp_path / "scores.csv"
    lookup.write_text("id,score\n1,2.0\n01,3.0\n")
    with pytest.raises(InputError) as caught:
        weightcli.apply(
            pl.DataFrame({"id": [1, 2]}),
            {"lookup": {"path": str(lookup), "on": "id"}, "rules": [{"weight": "score"}]},
        )
    assert str(caught.value).startswith(f"lookup table '{lookup}' has key 1 in 2 rows of 'id'")


def test_key_type_mismatch(tmp_path: Path) -> None:
    lookup = tmp_path / "scores.csv"
    lookup.write_text("id,score\nabc,2.0\n")
    with pytest.raises(InputError) as caught:
        weightcli.apply(
            pl.DataFrame({"id": [1, 2]}),
            {"lookup": {"path": str(lookup), "on": "id"}, "rules": [{"weight": "score"}]},
        )
    message = str(caught.value)
    assert message.startswith(
        f"lookup key 'id' is String in '{lookup}' and Int64 in the training table, and its "
        "values cannot be converted ("
    )
    assert message.endswith("); make both key columns the same type")


def test_null_keys_in_lookup_ignored(tmp_path: Path) -> None:
    lookup = tmp_path / "scores.csv"
    lookup.write_text("id,score\n,5.0\n,6.0\n1,2.0\n")
    lazy, report = weightcli.apply(
        pl.DataFrame({"id": [1, None, 2]}),
        {
            "lookup": {"path": str(lookup), "on": "id"},
            "rules": [{"weight": "score"}],
            "on_null": "default",
        },
    )
    assert lazy.collect().get_column("weight").to_list() == [2.0, 1.0, 1.0]
    assert f"lookup: 1 of 3 rows matched a key in '{lookup}', 2 did not" in report.files[0].notes


@pytest.mark.parametrize(
    ("lookup_text", "on", "message"),
    [
        (
            "key,score\n1,2\n",
            "id",
            "lookup key 'id' is not in '{path}'; its columns are: key, score",
        ),
        (
            "id,x\n1,2\n",
            "id",
            "lookup column 'x' is already in the training table; list the other columns in "
            "lookup.columns",
        ),
    ],
    ids=["missing-key", "clashing-column"],
)
def test_lookup_config_errors(tmp_path: Path, lookup_text: str, on: str, message: str) -> None:
    lookup = tmp_path / "scores.csv"
    lookup.write_text(lookup_text)
    with pytest.raises(ConfigError) as caught:
        weightcli.apply(
            pl.DataFrame({"id": [1], "x": [0]}), {"lookup": {"path": str(lookup), "on": on}}
        )
    assert str(caught.value) == message.format(path=lookup)


def test_lookup_missing_file(run_cli: RunCli, tmp_path: Path) -> None:
    customers, _ = customer_files(tmp_path)
    result = run_cli(
        "apply", customers, "--no-config", "--lookup", "nope.csv", "--on", "ENTITY",
        "-o", "out.csv",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "weightcli: error: lookup table 'nope.csv' not found; check lookup.path or --lookup\n"
    )
    assert not (tmp_path / "out.csv").exists()
