"""Link prediction checks: list-length-mismatch and duplicate-pairs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

import weightcli
from weightcli.checks.registry import CHECKS_BY_ID
from weightcli.report.model import Finding

LINK = "temporal_link_prediction"
T1 = datetime(2013, 1, 1)
T2 = datetime(2013, 2, 1)


def findings(frame: pl.DataFrame, **config: object) -> list[Finding]:
    return weightcli.check(frame, config).findings


def only(found: list[Finding], check: str) -> list[Finding]:
    return [finding for finding in found if finding.check == check]


def test_registered_levels() -> None:
    assert CHECKS_BY_ID["list-length-mismatch"].default_level == "error"
    assert CHECKS_BY_ID["duplicate-pairs"].default_level == "info"
    assert CHECKS_BY_ID["list-length-mismatch"].description == (
        "A list-valued weight's length differs from its row's list-valued target."
    )


def short_list_table() -> pl.DataFrame:
    # Row 2's weight list has one element fewer than its TARGET list.
    return pl.DataFrame(
        {
            "ENTITY": ["p1", "p2", "p3"],
            "ANCHOR_TIMESTAMP": [T1, T1, T1],
            "TARGET": [["ATL", "BOS"], ["DEN", "LAX", "ORD"], ["SFO"]],
            "weight": [[1.0, 2.0], [1.0, 1.0], [4.0]],
        }
    )


def test_length_mismatch_fires() -> None:
    [finding] = only(findings(short_list_table(), task=LINK), "list-length-mismatch")
    assert finding.level == "error"
    assert finding.rows == (2,)
    assert finding.value == 1
    assert finding.message == (
        "1 row has a weight list whose length differs from the 'TARGET' list: "
        "row 2 (2 weights, 3 targets); Kumo needs one weight per target element, "
        "in the same order"
    )


def test_length_mismatch_aligned_is_silent() -> None:
    frame = short_list_table().with_columns(
        pl.Series("weight", [[1.0, 2.0], [1.0, 1.0, 3.0], [4.0]])
    )
    assert findings(frame, task=LINK) == []


def test_length_mismatch_null_lists_not_compared() -> None:
    frame = short_list_table().with_columns(
        pl.Series("weight", [[1.0, 2.0], None, [4.0]]),
    )
    found = findings(frame, task=LINK)
    assert only(found, "list-length-mismatch") == []
    assert [f.check for f in found] == ["null-weight"]


def test_length_mismatch_scalar_target() -> None:
    frame = pl.DataFrame({"TARGET": [1, 2], "weight": [[1.0], [2.0, 3.0]]})
    [finding] = only(findings(frame), "list-length-mismatch")
    assert finding.rows == (1, 2)
    assert finding.message.startswith(
        "weight column 'weight' contains lists, but target column 'TARGET' has type Int64; "
        "2 rows have a weight list and no target list to align it with (rows 1, 2)"
    )


def test_length_mismatch_configured_target() -> None:
    frame = short_list_table().rename({"TARGET": "dests"})
    assert only(findings(frame, task=LINK), "list-length-mismatch") == []
    [finding] = only(findings(frame, task=LINK, target_column="dests"), "list-length-mismatch")
    assert "from the 'dests' list" in finding.message


def test_length_mismatch_off_skips_target_read() -> None:
    # TARGET fails when evaluated, so the check passes only if it never reads it.
    def fail(series: pl.Series) -> pl.Series:
        raise RuntimeError("TARGET was read")

    frame = (
        short_list_table()
        .lazy()
        .with_columns(pl.col("TARGET").map_batches(fail, return_dtype=pl.List(pl.String)))
    )
    report = weightcli.check(frame, {"task": LINK, "checks": {"list-length-mismatch": "off"}})
    assert report.findings == []
    with pytest.raises(RuntimeError, match="TARGET was read"):
        weightcli.check(frame, {"task": LINK})


def test_length_mismatch_cli(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "links.parquet"
    short_list_table().write_parquet(path)
    result = run_cli("check", path, "--no-config", "--task", LINK, "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    [finding] = document["files"][0]["findings"]
    assert finding["check"] == "list-length-mismatch"
    assert finding["rows"] == [2]
    assert document["files"][0]["stats"]["elements"] == 5
    assert document["files"][0]["stats"]["rows"] == 3


def pair_table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ENTITY": [1, 1, 1, 2, 2, 2, 3],
            "TARGET": ["x", "x", "x", "y", "y", "y", "x"],
            "ANCHOR_TIMESTAMP": [T1, T1, T2, T1, T1, T1, T1],
            "weight": [1.0, 3.0, 2.0, 1.0, 1.0, 5.0, 4.0],
        }
    )


def test_duplicate_pairs_fires() -> None:
    [finding] = only(findings(pair_table(), task=LINK), "duplicate-pairs")
    assert finding.level == "info"
    assert finding.value == 2
    assert finding.rows == (1, 2, 4, 5, 6)
    # Merged by max: (1, x, T1) keeps 3 of 4 and (2, y, T1) keeps 5 of 7, so 3 of 17 drops.
    assert finding.message == (
        "2 (ENTITY, TARGET, ANCHOR_TIMESTAMP) pairs repeat, over 5 rows (rows 1, 2, 4, 5, 6); "
        "Kumo merges the rows of each pair into one row with the max weight, "
        "which drops 3 of the weight mass (17.6% of 17)"
    )


def test_duplicate_pairs_one_repeat_fires() -> None:
    frame = pair_table().slice(0, 3)
    [finding] = only(findings(frame, task=LINK), "duplicate-pairs")
    assert finding.value == 1
    assert finding.rows == (1, 2)


def test_duplicate_pairs_distinct_is_silent() -> None:
    frame = pair_table().with_columns(pl.Series("TARGET", ["a", "b", "c", "d", "e", "f", "g"]))
    assert findings(frame, task=LINK) == []


def test_duplicate_pairs_without_time() -> None:
    # Without a time column rows 1 to 3 repeat (1, x) too.
    frame = pair_table().drop("ANCHOR_TIMESTAMP")
    [finding] = only(findings(frame, task=LINK), "duplicate-pairs")
    assert finding.rows == (1, 2, 3, 4, 5, 6)
    assert finding.message.startswith("2 (ENTITY, TARGET) pairs repeat, over 6 rows")


def test_duplicate_pairs_configured_columns() -> None:
    frame = pair_table().rename({"ENTITY": "plane", "TARGET": "dest", "ANCHOR_TIMESTAMP": "t"})
    config = {"task": LINK, "entity_column": "plane", "target_column": "dest"}
    [finding] = only(findings(frame, **config), "duplicate-pairs")
    assert finding.message.startswith("2 (plane, dest) pairs repeat, over 6 rows")

    timed = only(findings(frame, **config, time_column="t"), "duplicate-pairs")
    assert timed[0].message.startswith("2 (plane, dest, t) pairs repeat, over 5 rows")


def test_duplicate_pairs_only_link_prediction() -> None:
    assert only(findings(pair_table(), task="regression"), "duplicate-pairs") == []
    assert only(findings(pair_table()), "duplicate-pairs") == []


def test_duplicate_pairs_list_target_skipped() -> None:
    assert only(findings(short_list_table(), task=LINK), "duplicate-pairs") == []


def test_duplicate_pairs_columns_from_flags(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "pairs.parquet"
    pl.DataFrame(
        {"plane": ["a", "a", "b"], "dest": ["x", "x", "y"], "w": [1.0, 2.0, 1.0]}
    ).write_parquet(path)

    result = run_cli(
        "check",
        path,
        "--no-config",
        "-w",
        "w",
        "--task",
        "static_link_prediction",
        "--entity",
        "plane",
        "--target",
        "dest",
        "--format",
        "json",
    )

    assert result.returncode == 0
    [finding] = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["check"] == "duplicate-pairs"
    assert finding["rows"] == [1, 2]
