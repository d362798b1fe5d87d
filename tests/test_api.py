"""The library API: `weightcli.apply` and `weightcli.check` on polars and pandas tables."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pytest

import weightcli
from weightcli.config.model import Config, Rule
from weightcli.report.json_format import render_json


def test_apply_returns_lazy_frame_and_report() -> None:
    frame = pl.DataFrame({"x": [1, 2]})

    result, report = weightcli.apply(frame, {"rules": [{"when": "x > 1", "weight": 3}]})

    assert isinstance(result, pl.LazyFrame)
    assert isinstance(report, weightcli.Report)
    assert result.collect().to_dict(as_series=False) == {"x": [1, 2], "weight": [1.0, 3.0]}
    assert len(report.files) == 1
    assert report.files[0].command == "apply"
    assert report.files[0].source == "<table>"


def test_apply_accepts_lazy_frame() -> None:
    frame = pl.LazyFrame({"x": [1, 2, 3]})

    result, report = weightcli.apply(frame, {"default": "x", "normalize": "sum"}, name="lazy")

    assert result.collect().get_column("weight").to_list() == [1 / 6, 2 / 6, 3 / 6]
    assert report.files[0].source == "lazy"


def test_apply_accepts_pandas() -> None:
    frame = pd.DataFrame({"x": [1.0, 4.0]})

    result, _ = weightcli.apply(frame, {"default": "x * 2"})

    assert result.collect().get_column("weight").to_list() == [2.0, 8.0]


def test_apply_accepts_config_object() -> None:
    config = Config(rules=[Rule(when="x = 2", weight=5.0)], default=0.5, weight_column="w")

    result, _ = weightcli.apply(pl.DataFrame({"x": [1, 2]}), config)

    assert result.collect().get_column("w").to_list() == [0.5, 5.0]


def test_apply_without_config_gives_ones() -> None:
    result, report = weightcli.apply(pl.DataFrame({"x": [1, 2]}))

    assert result.collect().get_column("weight").to_list() == [1.0, 1.0]
    assert report.findings == []
    assert int(report.exit_code) == 0


def test_apply_overwrite() -> None:
    frame = pl.DataFrame({"weight": [2.0, 6.0]})

    result, _ = weightcli.apply(frame, {"default": "weight", "normalize": "mean"}, overwrite=True)

    assert result.collect().get_column("weight").to_list() == [0.5, 1.5]


def test_apply_keeps_column_order_and_types() -> None:
    frame = pl.DataFrame(
        {
            "id": pl.Series(["007", "008"]),
            "weight": pl.Series([1, 2], dtype=pl.Int16),
            "n": pl.Series([3, 4], dtype=pl.UInt8),
        }
    )

    result, _ = weightcli.apply(frame, {"default": "n * weight"}, overwrite=True)
    collected = result.collect()

    assert collected.columns == ["id", "weight", "n"]
    assert collected.schema == pl.Schema({"id": pl.String, "weight": pl.Float64, "n": pl.UInt8})
    assert collected.to_dict(as_series=False) == {
        "id": ["007", "008"],
        "weight": [3.0, 8.0],
        "n": [3, 4],
    }


def test_apply_rejects_other_types() -> None:
    with pytest.raises(TypeError) as raised:
        weightcli.apply([1, 2, 3])

    assert str(raised.value) == (
        "expected a polars DataFrame or LazyFrame or a pandas DataFrame, not list"
    )


def test_apply_config_error_is_config_error() -> None:
    with pytest.raises(weightcli.ConfigError) as raised:
        weightcli.apply(pl.DataFrame({"x": [1]}), {"normalise": "mean"})

    assert str(raised.value).startswith(
        "config: key 'normalise': unknown key 'normalise' (did you mean 'normalize'?)"
    )


def test_apply_rule_error_is_weightcli_error() -> None:
    with pytest.raises(weightcli.WeightcliError):
        weightcli.apply(pl.DataFrame({"x": [1]}), {"rules": [{"weight": "y"}]})


def test_check_returns_report() -> None:
    report = weightcli.check(pl.DataFrame({"weight": [1.0, 0.5, 2.0]}), name="good")

    file_report = report.files[0]
    assert file_report.command == "check"
    assert file_report.source == "good"
    assert file_report.rows_in == 3
    assert file_report.stats is not None
    assert file_report.stats.sum == 3.5
    assert report.findings == []
    assert int(report.exit_code) == 0


def test_check_pandas_with_nan() -> None:
    frame = pd.DataFrame({"weight": [1.0, float("nan"), 2.0]})

    report = weightcli.check(frame)

    # pandas has no null for floats; polars reads its NaN as null.
    assert [f.check for f in report.findings] == ["null-weight"]
    assert int(report.exit_code) == 1


def test_check_other_weight_column() -> None:
    report = weightcli.check(pl.DataFrame({"w": [0.0, 0.0]}), {"weight_column": "w"})

    assert report.files[0].weight_column == "w"
    assert [f.check for f in report.findings] == ["all-zero", "zero-share"]


def test_report_json_is_strict() -> None:
    report = weightcli.check(pl.DataFrame({"weight": [0.0, 0.0, 0.0]}))

    document = json.loads(
        render_json(report), parse_constant=lambda constant: pytest.fail(constant)
    )

    assert document["schema_version"] == 1
    assert document["weightcli_version"] == weightcli.__version__
    assert document["exit_code"] == 1
    assert document["files"][0]["stats"]["ess"] is None
    assert document["files"][0]["stats"]["ess_ratio"] is None


# max / min and the squared deviations of these weights exceed float64.
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_report_json_replaces_infinity() -> None:
    report = weightcli.check(pl.DataFrame({"weight": [1e-300, 1e300]}))

    document = json.loads(render_json(report))

    assert document["files"][0]["stats"]["skew_ratio"] is None


def test_lazy_attribute_error() -> None:
    with pytest.raises(AttributeError) as raised:
        _ = weightcli.no_such_name  # type: ignore[attr-defined]

    assert str(raised.value) == "module 'weightcli' has no attribute 'no_such_name'"
