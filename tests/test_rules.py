"""Weights from rules, the default, clip, normalize and on_null, against hand-computed values."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import RunCli

import weightcli
from weightcli.errors import RuleError
from weightcli.report.model import FileReport


def weights_of(frame: pl.DataFrame, config: dict[str, object], **options: object) -> list[float]:
    """Apply ``config`` to ``frame`` and return the weight column as a list."""
    result, _ = weightcli.apply(frame, config, **options)  # type: ignore[arg-type]
    return result.collect().get_column("weight").to_list()


def report_of(frame: pl.DataFrame, config: dict[str, object], **options: object) -> FileReport:
    """Apply ``config`` to ``frame`` and return the report of the one table."""
    _, report = weightcli.apply(frame, config, **options)  # type: ignore[arg-type]
    return report.files[0]


@pytest.fixture
def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "x": [1, None, 3, 4, 5],
            "tier": ["gold", "silver", None, "gold", "bronze"],
        }
    )


RULES = [
    {"name": "big", "when": "x > 2", "weight": 3},
    {"name": "gold", "when": "tier = 'gold'", "weight": 2},
]


def test_mode_first_takes_first_match(frame: pl.DataFrame) -> None:
    # Row 1: only gold. Row 2: x NULL, silver. Row 3: big, tier NULL.
    # Row 4: big and gold, big comes first. Row 5: big.
    weights = weights_of(frame, {"rules": RULES, "default": 0.5})

    assert weights == [2.0, 0.5, 3.0, 3.0, 3.0]


def test_mode_multiply_multiplies_matches(frame: pl.DataFrame) -> None:
    weights = weights_of(frame, {"rules": RULES, "default": 0.5, "mode": "multiply"})

    assert weights == [1.0, 0.5, 1.5, 3.0, 1.5]


def test_rule_figures_count_decided_rows(frame: pl.DataFrame) -> None:
    report = report_of(frame, {"rules": RULES, "default": 0.5})

    assert [(r.rule, r.rows, r.weight_sum) for r in report.rules] == [
        ("big", 3, 9.0),
        ("gold", 1, 2.0),
    ]


def test_rule_figures_in_multiply_mode(frame: pl.DataFrame) -> None:
    report = report_of(frame, {"rules": RULES, "default": 0.5, "mode": "multiply"})

    assert [(r.rule, r.rows, r.weight_sum) for r in report.rules] == [
        ("big", 3, 6.0),
        ("gold", 2, 4.0),
    ]


def test_null_condition_does_not_match(frame: pl.DataFrame) -> None:
    # x is NULL on row 2: both `x > 2` and `NOT (x > 2)` are NULL there, so neither matches.
    rules = [{"when": "NOT (x > 2)", "weight": 7}]

    assert weights_of(frame, {"rules": rules}) == [7.0, 1.0, 1.0, 1.0, 1.0]


def test_null_condition_does_not_match_in_multiply(frame: pl.DataFrame) -> None:
    rules = [{"when": "tier <> 'gold'", "weight": 4}]

    weights = weights_of(frame, {"rules": rules, "mode": "multiply", "default": 2})

    assert weights == [2.0, 8.0, 2.0, 2.0, 8.0]


def test_or_with_null_is_true(frame: pl.DataFrame) -> None:
    # NULL OR TRUE is TRUE under three-valued logic, so row 3 matches through x.
    rules = [{"when": "tier = 'gold' OR x > 2", "weight": 5}]

    assert weights_of(frame, {"rules": rules}) == [5.0, 1.0, 5.0, 5.0, 5.0]


def test_rule_without_when_matches_every_row(frame: pl.DataFrame) -> None:
    rules = [{"weight": "x * 10"}]

    assert weights_of(frame, {"rules": rules, "on_null": "default", "default": 9}) == [
        10.0,
        9.0,
        30.0,
        40.0,
        50.0,
    ]


def test_rule_without_when_stops_mode_first(frame: pl.DataFrame) -> None:
    rules = [{"weight": 6}, {"when": "x > 2", "weight": 3}]

    assert weights_of(frame, {"rules": rules}) == [6.0] * 5


def test_default_number(frame: pl.DataFrame) -> None:
    assert weights_of(frame, {"default": 0.25}) == [0.25] * 5


def test_default_sql_expression(frame: pl.DataFrame) -> None:
    weights = weights_of(frame, {"default": "x / 2", "rules": [{"when": "x = 1", "weight": 100}]})

    assert weights == [100.0, None, 1.5, 2.0, 2.5]


def test_default_from_existing_weight_column() -> None:
    frame = pl.DataFrame({"id": [1, 2, 3], "weight": [1.0, 0.5, 2.0]})
    config = {"default": "weight", "rules": [{"when": "id = 2", "weight": "weight * 4"}]}

    assert weights_of(frame, config, overwrite=True) == [1.0, 2.0, 2.0]


def test_existing_column_needs_overwrite() -> None:
    frame = pl.DataFrame({"weight": [1.0]})

    with pytest.raises(weightcli.ConfigError) as raised:
        weightcli.apply(frame, {"default": "weight"})

    assert str(raised.value) == (
        "column 'weight' already exists in '<table>'; pass overwrite=True to replace it, "
        "or set weight_column to write another column"
    )


def test_other_weight_column_keeps_existing() -> None:
    frame = pl.DataFrame({"weight": [1.0, 3.0]})

    result, _ = weightcli.apply(frame, {"weight_column": "w2", "default": "weight * 2"})

    assert result.collect().to_dict(as_series=False) == {"weight": [1.0, 3.0], "w2": [2.0, 6.0]}


def test_uint16_weights_never_wrap() -> None:
    frame = pl.DataFrame({"weight": pl.Series([40000, 40000, 1], dtype=pl.UInt16)})
    config = {"default": "weight", "rules": [{"weight": "weight * 2"}]}

    result, report = weightcli.apply(frame, config, overwrite=True)
    collected = result.collect()

    assert collected.schema["weight"] == pl.Float64
    assert collected.get_column("weight").to_list() == [80000.0, 80000.0, 2.0]
    assert report.files[0].stats is not None
    assert report.files[0].stats.sum == 160002.0


def test_uint16_case_file_never_wraps(cases: Path) -> None:
    frame = pl.read_parquet(cases / "c06_uint16.parquet")
    config = {"default": "weight", "rules": [{"weight": "weight * 2"}]}

    result, _ = weightcli.apply(frame, config, overwrite=True)

    assert result.collect().get_column("weight").to_list() == [80000.0, 80000.0, 2.0]


def test_int32_sum_in_64_bits() -> None:
    frame = pl.DataFrame({"n": pl.Series([2_000_000_000, 2_000_000_000], dtype=pl.Int32)})

    assert weights_of(frame, {"default": "n + n"}) == [4_000_000_000.0, 4_000_000_000.0]


def test_clip_min_and_max() -> None:
    frame = pl.DataFrame({"w": [0.1, 1.0, 50.0, 200.0]})

    report = report_of(frame, {"default": "w", "clip": {"min": 0.5, "max": 100}})

    assert weights_of(frame, {"default": "w", "clip": {"min": 0.5, "max": 100}}) == [
        0.5,
        1.0,
        50.0,
        100.0,
    ]
    assert [stage.stage for stage in report.stages] == ["rules", "clip"]
    assert report.stages[1].detail == "min 0.5, max 100"
    assert report.stages[1].sum == 151.5


def test_clip_max_only() -> None:
    frame = pl.DataFrame({"w": [-3.0, 1.0, 5.0]})

    assert weights_of(frame, {"default": "w", "clip": {"max": 2}}) == [-3.0, 1.0, 2.0]


def test_normalize_mean() -> None:
    frame = pl.DataFrame({"w": [1.0, 0.5, 2.0]})

    weights = weights_of(frame, {"default": "w", "normalize": "mean"})

    # 3 / 3.5 = 6 / 7.
    assert weights == [6 / 7, 3 / 7, 12 / 7]
    assert weights == [0.8571428571428571, 0.42857142857142855, 1.7142857142857142]


def test_normalize_sum() -> None:
    frame = pl.DataFrame({"w": [1.0, 3.0, 4.0]})

    weights = weights_of(frame, {"default": "w", "normalize": "sum"})

    assert weights == [0.125, 0.375, 0.5]


def test_normalize_after_clip() -> None:
    frame = pl.DataFrame({"w": [1.0, 1.0, 10.0]})

    weights = weights_of(frame, {"default": "w", "clip": {"max": 2}, "normalize": "mean"})

    assert weights == [0.75, 0.75, 1.5]


def test_normalize_skipped_at_zero_sum() -> None:
    frame = pl.DataFrame({"w": [0.0, 0.0]})

    report = report_of(frame, {"default": "w", "normalize": "mean"})

    assert report.notes == ["normalize: skipped because the weights sum to 0"]
    assert [f.check for f in report.findings] == ["all-zero", "zero-share"]


@pytest.fixture
def nullable() -> pl.DataFrame:
    return pl.DataFrame({"id": [1, 2, 3, 4], "score": [2.0, None, 4.0, None]})


def test_on_null_error_gives_null_weight_finding(nullable: pl.DataFrame) -> None:
    result, report = weightcli.apply(nullable, {"rules": [{"weight": "score"}]})
    file_report = report.files[0]

    assert result.collect().get_column("weight").to_list() == [2.0, None, 4.0, None]
    assert [(f.check, f.level, f.rows) for f in file_report.findings] == [
        ("null-weight", "error", (2, 4))
    ]
    assert file_report.findings[0].message == (
        "2 of 4 weights are null (rows 2, 4); Kumo drops rows whose weight is null"
    )
    assert int(report.exit_code) == 1


def test_on_null_default_uses_default(nullable: pl.DataFrame) -> None:
    config = {"rules": [{"weight": "score"}], "on_null": "default", "default": 0.5}

    result, report = weightcli.apply(nullable, config)

    assert result.collect().get_column("weight").to_list() == [2.0, 0.5, 4.0, 0.5]
    assert report.files[0].findings == []


def test_on_null_default_with_sql_default(nullable: pl.DataFrame) -> None:
    config = {"rules": [{"weight": "score"}], "on_null": "default", "default": "id * 10"}

    assert weights_of(nullable, config) == [2.0, 20.0, 4.0, 40.0]


def test_on_null_drop_removes_rows(nullable: pl.DataFrame) -> None:
    config = {"rules": [{"weight": "score"}], "on_null": "drop"}

    result, report = weightcli.apply(nullable, config)
    file_report = report.files[0]

    assert result.collect().to_dict(as_series=False) == {
        "id": [1, 3],
        "score": [2.0, 4.0],
        "weight": [2.0, 4.0],
    }
    assert file_report.rows_in == 4
    assert file_report.rows_out == 2
    assert file_report.notes == ["on_null: dropped 2 rows whose weight is null"]
    assert file_report.findings == []


def test_on_null_drop_normalizes_kept_rows(nullable: pl.DataFrame) -> None:
    config = {"rules": [{"weight": "score"}], "on_null": "drop", "normalize": "mean"}

    assert weights_of(nullable, config) == [2 / 3, 4 / 3]


def test_stage_order_rules_clip_normalize() -> None:
    frame = pl.DataFrame({"x": [1, 2, 3, 4]})
    config = {
        "rules": [{"when": "x >= 3", "weight": "x * 10"}],
        "clip": {"max": 35},
        "normalize": "sum",
    }

    report = report_of(frame, config)

    assert [(s.stage, s.sum, s.min, s.max) for s in report.stages] == [
        ("rules", 72.0, 1.0, 40.0),
        ("clip", 67.0, 1.0, 35.0),
        ("normalize", pytest.approx(1.0, rel=1e-15), 1 / 67, 35 / 67),
    ]


def test_non_finite_rule_is_named() -> None:
    frame = pl.DataFrame({"x": [0.0, 1.0]})

    report = report_of(frame, {"rules": [{"name": "inverse", "weight": "1 / x"}]})

    assert [f.check for f in report.findings] == ["non-finite"]
    assert report.findings[0].message == (
        "1 of 2 weights are not finite (0 NaN, 1 infinite; row 1); produced by rule 'inverse'"
    )


def test_invalid_sql_names_rule() -> None:
    frame = pl.DataFrame({"x": [1]})

    with pytest.raises(RuleError) as raised:
        weightcli.apply(frame, {"rules": [{"name": "shift", "when": "x >> 1", "weight": 2}]})

    assert str(raised.value) == (
        "rule 'shift': condition \"x >> 1\" is not a valid SQL expression "
        "(operator PGBitwiseShiftRight is not currently supported); the table's columns are: x"
    )


def test_missing_column_names_rule() -> None:
    frame = pl.DataFrame({"x": [1], "y": [2]})

    with pytest.raises(RuleError) as raised:
        weightcli.apply(frame, {"rules": [{"weight": "z * 2"}]})

    assert str(raised.value) == (
        "rule 1: weight \"z * 2\" uses column 'z', which is not in the table; "
        "the table's columns are: x, y"
    )


def test_missing_column_suggests_closest() -> None:
    frame = pl.DataFrame({"distance": [1], "origin": ["EWR"]})

    with pytest.raises(RuleError) as raised:
        weightcli.apply(frame, {"rules": [{"when": "distanse > 1000", "weight": 2}]})

    assert str(raised.value) == (
        "rule 1: condition \"distanse > 1000\" uses column 'distanse', which is not in the "
        "table (did you mean 'distance'?); the table's columns are: distance, origin"
    )


def test_text_condition_type_error() -> None:
    frame = pl.DataFrame({"x": [1]})

    with pytest.raises(RuleError) as raised:
        weightcli.apply(frame, {"rules": [{"when": "x + 1", "weight": 2}]})

    assert str(raised.value) == (
        'rule 1: condition "x + 1" gives Int64, expected true or false; '
        'write a comparison such as "distance > 1000"'
    )


def test_decimal_literals_compute_in_float64() -> None:
    table = pl.DataFrame({"m": [1, 2, 4]})

    weights = weights_of(table, {"default": "1.0 / 3 + 0 * m"})

    assert weights == [1 / 3, 1 / 3, 1 / 3]


def test_decimal_division_by_zero_is_non_finite() -> None:
    table = pl.DataFrame({"m": [1, 2, 4]})

    report = report_of(table, {"rules": [{"name": "inverse", "weight": "1 / (m - 1.0)"}]})

    assert report.rules[0].rows == 3
    assert [f.check for f in report.findings if f.level == "error"] == ["non-finite"]
    assert report.findings[0].message == (
        "1 of 3 weights are not finite (0 NaN, 1 infinite; row 1); produced by rule 'inverse'"
    )


def test_constant_rule_counts_every_row() -> None:
    table = pl.DataFrame({"m": [1, 2, 4, 5]})

    report = report_of(table, {"rules": [{"name": "all", "weight": 2}]})

    assert report.rules[0].rows == 4
    assert report.rules[0].weight_sum == 8.0


def test_default_fill_stage_listed_once(nullable: pl.DataFrame) -> None:
    # Rules give 2, null, 4, null, and the default fills 0.5. The rules stage shows the rule
    # weights without the nulls, and the statistics show the filled weights.
    config = {"rules": [{"weight": "score"}], "on_null": "default", "default": 0.5}

    report = report_of(nullable, config)

    assert report.stats is not None
    assert [(s.stage, s.sum, s.min, s.max) for s in report.stages] == [("rules", 6.0, 2.0, 4.0)]
    assert report.stats.sum == 7.0
    assert report.stats.min == 0.5


def test_last_stage_is_final_stats() -> None:
    frame = pl.DataFrame({"x": [1.0, 2.0, 5.0, 8.0]})
    config = {"rules": [{"weight": "x"}], "clip": {"max": 6}, "normalize": "mean"}

    report = report_of(frame, config)

    assert report.stats is not None
    clip, normalize = report.stages[1], report.stages[2]
    # Clipped: 1, 2, 5, 6 (sum 14, ESS 14^2 / 66). Normalised by 4 / 14.
    assert (clip.sum, clip.min, clip.max) == (14.0, 1.0, 6.0)
    assert clip.ess == pytest.approx(14**2 / 66, rel=1e-15)
    assert normalize.stage == "normalize"
    assert (normalize.sum, normalize.min, normalize.max, normalize.ess) == (
        report.stats.sum,
        report.stats.min,
        report.stats.max,
        report.stats.ess,
    )
    assert normalize.max == pytest.approx(6 * 4 / 14, rel=1e-15)


def test_rule_figures_with_many_rules() -> None:
    # 300 rules need a 16-bit rule index: rule k decides the row x = k.
    frame = pl.DataFrame({"x": [*range(300), 0, 299]})
    rules = [{"name": f"r{k}", "when": f"x = {k}", "weight": k + 1} for k in range(300)]

    report = report_of(frame, {"rules": rules})

    figures = {r.rule: (r.rows, r.weight_sum) for r in report.rules}
    assert len(figures) == 300
    assert figures["r0"] == (2, 2.0)
    assert figures["r1"] == (1, 2.0)
    assert figures["r299"] == (2, 600.0)
    assert sum(rows for rows, _ in figures.values()) == 302


def test_rule_failing_on_values(run_cli: RunCli, tmp_path: Path) -> None:
    pq.write_table(pa.table({"code": ["7", "x9"]}), tmp_path / "codes.parquet")
    (tmp_path / "codes.csv").write_text("code\n7\nx9\n", encoding="utf-8")
    (tmp_path / "weightcli.yaml").write_text(
        "rules:\n  - name: code\n    weight: CAST(code AS DOUBLE)\n", encoding="utf-8"
    )

    for name in ("codes.parquet", "codes.csv"):
        result = run_cli("apply", name, "-o", "out.parquet")

        assert result.returncode == 2, name
        assert result.stdout == b""
        lines = result.stderr.decode().splitlines()
        assert len(lines) == 1, lines
        assert lines[0] == (
            "weightcli: error: rule 'code': weight \"CAST(code AS DOUBLE)\" failed on the "
            "table (conversion from `str` to `f64` failed in column 'code': [\"x9\"]); use "
            "TRY_CAST to read values that do not convert as NULL, or fix the values"
        ), lines
        assert not (tmp_path / "out.parquet").exists()


def test_try_cast_reads_bad_values_as_null() -> None:
    frame = pl.DataFrame({"code": ["7", "x9", None]})
    config = {"rules": [{"weight": "TRY_CAST(code AS DOUBLE)"}], "on_null": "default"}

    assert weights_of(frame, config) == [7.0, 1.0, 1.0]


def test_rule_on_empty_csv_column(run_cli: RunCli, tmp_path: Path) -> None:
    # Column a has no value at all: the rule reads it as NULL instead of as text.
    (tmp_path / "t.csv").write_text("a,b\n,1\nNA,2\n", encoding="utf-8")

    result = run_cli(
        "apply",
        "t.csv",
        "--no-config",
        "--rule",
        "a = 1 => 2",
        "--rule",
        "b > 1 => 3",
        "-o",
        "out.csv",
        "-q",
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "a,b,weight\n,1,1.0\nNA,2,3.0\n"


def test_rule_on_header_only_csv(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n", encoding="utf-8")

    result = run_cli("apply", "t.csv", "--no-config", "--rule", "a = 1 => 2", "-o", "out.csv")

    assert result.returncode == 1
    assert b"error   empty-table: the table has no rows" in result.stdout
    assert not (tmp_path / "out.csv").exists()
