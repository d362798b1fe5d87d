"""Per-class figures and the class-zero-weight and class-imbalance checks."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import weightcli
from weightcli.checks.registry import CHECKS_BY_ID
from weightcli.classes import cap_classes, class_figures
from weightcli.report.model import ClassFigures, FileReport

MULTICLASS = "multiclass_classification"


def check_one(frame: pl.DataFrame | pl.LazyFrame, **config: object) -> FileReport:
    return weightcli.check(frame, config).files[0]


def three_classes() -> pl.DataFrame:
    # a: 6 rows of weight 1; b: 2 rows of weight 3; c: 2 rows of weight 0.
    return pl.DataFrame(
        {
            "TARGET": ["a"] * 6 + ["b"] * 2 + ["c"] * 2,
            "weight": [1.0] * 6 + [3.0] * 2 + [0.0] * 2,
        }
    )


def test_registered_levels() -> None:
    assert CHECKS_BY_ID["class-zero-weight"].default_level == "error"
    assert CHECKS_BY_ID["class-imbalance"].default_level == "info"
    assert CHECKS_BY_ID["class-imbalance"].options == {"max": 0.1}


def test_class_figures_by_hand() -> None:
    report = check_one(three_classes(), task=MULTICLASS)
    assert report.classes == [
        ClassFigures(value="a", rows=6, row_share=0.6, weight_sum=6.0, weight_share=0.5),
        ClassFigures(value="b", rows=2, row_share=0.2, weight_sum=6.0, weight_share=0.5),
        ClassFigures(value="c", rows=2, row_share=0.2, weight_sum=0.0, weight_share=0.0),
    ]


def test_class_figures_null_and_non_finite() -> None:
    target = pl.Series("TARGET", [True, True, None, False])
    weights = pl.Series("weight", [2.0, float("nan"), 1.0, None])
    assert class_figures(target, weights) == [
        ClassFigures(value=True, rows=2, row_share=0.5, weight_sum=2.0, weight_share=2 / 3),
        ClassFigures(value=False, rows=1, row_share=0.25, weight_sum=0.0, weight_share=0.0),
        ClassFigures(value=None, rows=1, row_share=0.25, weight_sum=1.0, weight_share=1 / 3),
    ]


def test_class_zero_weight_fires() -> None:
    report = check_one(three_classes(), task=MULTICLASS)
    [finding] = [f for f in report.findings if f.check == "class-zero-weight"]
    assert finding.level == "error"
    assert finding.value == 1
    assert finding.message == (
        "1 of 3 classes of 'TARGET' have zero total weight: 'c' (2 rows); they vanish from training"
    )


def test_class_zero_weight_tiny_weight_is_silent() -> None:
    frame = three_classes().with_columns(
        pl.when(pl.col("TARGET") == "c").then(0.01).otherwise(pl.col("weight")).alias("weight")
    )
    report = check_one(frame, task=MULTICLASS)
    assert [f.check for f in report.findings] == ["class-imbalance"]


def test_class_zero_weight_all_zero_silent() -> None:
    frame = three_classes().with_columns(pl.lit(0.0).alias("weight"))
    checks = [f.check for f in check_one(frame, task=MULTICLASS).findings]
    assert "all-zero" in checks
    assert "class-zero-weight" not in checks


def imbalance_table() -> pl.DataFrame:
    # Row shares 0.5 / 0.5; weight shares 2.5/4 = 0.625 and 0.375: a shift of exactly 0.125.
    return pl.DataFrame({"TARGET": ["a", "a", "b", "b"], "weight": [1.25, 1.25, 0.75, 0.75]})


def test_class_imbalance_at_threshold_is_silent() -> None:
    report = check_one(
        imbalance_table(), task="binary_classification", checks={"class-imbalance": {"max": 0.125}}
    )
    assert report.findings == []


def test_class_imbalance_above_threshold() -> None:
    report = check_one(
        imbalance_table(), task="binary_classification", checks={"class-imbalance": {"max": 0.12}}
    )
    [finding] = report.findings
    assert finding.check == "class-imbalance"
    assert finding.level == "info"
    assert finding.value == 0.125
    assert finding.threshold == 0.12
    assert finding.message == (
        "weighting shifts the class shares of 'TARGET' by up to 0.125 (12.5 percentage points), "
        "above the maximum 0.12: 'a' 50% of rows, 62.5% of weight; 'b' 50% of rows, 37.5% of weight"
    )


def test_uniform_weights_no_class_findings() -> None:
    frame = three_classes().with_columns(pl.lit(1.0).alias("weight"))
    report = check_one(frame, task=MULTICLASS)
    assert report.findings == []
    assert [c.weight_share for c in report.classes] == [0.6, 0.2, 0.2]


def test_target_resolution() -> None:
    frame = three_classes()
    assert check_one(frame).classes == []
    assert check_one(frame, task="regression").classes == []
    assert check_one(frame, task="regression", target_column="TARGET").classes == []
    assert len(check_one(frame, target_column="TARGET").classes) == 3

    renamed = frame.rename({"TARGET": "label"})
    assert check_one(renamed, task=MULTICLASS).classes == []
    assert len(check_one(renamed, task=MULTICLASS, target_column="label").classes) == 3


def test_missing_target_column_noted() -> None:
    report = check_one(three_classes(), task=MULTICLASS, target_column="label")
    assert report.classes == []
    assert report.notes == [
        "target_column 'label' is not in the table, so the checks that need it were skipped"
    ]


def test_class_checks_off_skip_target_read() -> None:
    def fail(series: pl.Series) -> pl.Series:
        raise RuntimeError("TARGET was read")

    frame = (
        three_classes()
        .lazy()
        .with_columns(pl.col("TARGET").map_batches(fail, return_dtype=pl.String))
    )
    off = {"class-zero-weight": "off", "class-imbalance": "off"}
    report = check_one(frame, task=MULTICLASS, checks=off)
    assert report.classes == []
    with pytest.raises(RuntimeError, match="TARGET was read"):
        check_one(frame, task=MULTICLASS)


def test_classes_capped_at_twenty() -> None:
    # Class k (k = 0..24) has 25 - k rows of weight 1, so the order is k = 0, 1, ...
    values = [k for k in range(25) for _ in range(25 - k)]
    frame = pl.DataFrame({"TARGET": values, "weight": [1.0] * len(values)})
    report = check_one(frame, task=MULTICLASS)

    assert len(report.classes) == 21
    assert [c.value for c in report.classes[:20]] == list(range(20))
    other = report.classes[20]
    assert other.value == "(5 other classes)"
    assert other.rows == 5 + 4 + 3 + 2 + 1
    assert other.row_share == pytest.approx(15 / 325, rel=1e-12)
    assert other.weight_sum == 15.0
    assert report.notes == [
        "classes of 'TARGET': 25 classes; the 20 with the most rows are listed and the other "
        "5 are summed in the last row"
    ]


def test_cap_keeps_short_lists() -> None:
    figures = [ClassFigures(value=1, rows=1, row_share=1.0, weight_sum=1.0, weight_share=1.0)]
    assert cap_classes(figures, "TARGET") == (figures, None)


def test_apply_balance_class_figures() -> None:
    frame = three_classes().drop("weight")
    _, report = weightcli.apply(frame, {"task": MULTICLASS, "balance": {"column": "TARGET"}})
    [file_report] = report.files
    # Balance gives each class the same mass: n / k = 10 / 3.
    assert [(c.value, c.rows) for c in file_report.classes] == [("a", 6), ("b", 2), ("c", 2)]
    for figure in file_report.classes:
        assert figure.weight_sum == pytest.approx(10 / 3, rel=1e-12)
        assert figure.weight_share == pytest.approx(1 / 3, rel=1e-12)
    [finding] = file_report.findings
    assert finding.check == "class-imbalance"
    assert finding.value == pytest.approx(0.6 - 1 / 3, rel=1e-12)


def test_apply_dropped_rows_leave_class_figures() -> None:
    frame = pl.DataFrame({"TARGET": ["a", "a", "b"], "x": [1.0, None, 2.0]})
    config = {"task": MULTICLASS, "default": "x", "on_null": "drop"}
    _, report = weightcli.apply(frame, config)
    assert report.files[0].classes == [
        ClassFigures(value="a", rows=1, row_share=0.5, weight_sum=1.0, weight_share=1 / 3),
        ClassFigures(value="b", rows=1, row_share=0.5, weight_sum=2.0, weight_share=2 / 3),
    ]


def test_apply_cli_csv_classes(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "train.csv"
    table.write_text("ENTITY,TARGET\n1,0\n2,0\n3,0\n4,1\n")
    result = run_cli(
        "apply",
        table,
        "--no-config",
        "--task",
        "binary_classification",
        "--balance",
        "TARGET",
        "-o",
        "out.csv",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr.decode()
    [file_report] = json.loads(result.stdout)["files"]
    assert file_report["classes"] == [
        {"value": 0, "rows": 3, "row_share": 0.75, "weight_sum": 2.0, "weight_share": 0.5},
        {"value": 1, "rows": 1, "row_share": 0.25, "weight_sum": 2.0, "weight_share": 0.5},
    ]
    assert [f["check"] for f in file_report["findings"]] == ["class-imbalance"]
    assert (tmp_path / "out.csv").read_text() == (
        "ENTITY,TARGET,weight\n1,0,0.6666666666666666\n2,0,0.6666666666666666\n"
        "3,0,0.6666666666666666\n4,1,2.0\n"
    )


def test_class_table_spells_booleans_lowercase() -> None:
    from weightcli.checks.format import class_text

    assert [class_text(value) for value in (True, False, None, "a", 3)] == [
        "true",
        "false",
        "null",
        "a",
        "3",
    ]
