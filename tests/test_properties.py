"""Property-based tests: random tables keep their rows and untouched columns, statistics
match a numpy reference, number formats parse back to their value, and random YAML
documents fail only with ConfigError."""

from __future__ import annotations

import decimal
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

import weightcli
from weightcli.api import plan_table
from weightcli.checks.registry import CHECKS
from weightcli.config.load import load_config
from weightcli.config.model import Config, CsvOptions
from weightcli.errors import ConfigError
from weightcli.io import text
from weightcli.io.read import open_table
from weightcli.io.write import write_table
from weightcli.stats import QUANTILES, quantile_name
from weightcli.weights.pipeline import weighted_frame

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INTEGER_TYPES = [pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64]
FLOAT_TYPES = [pl.Float32, pl.Float64]


def _bounds(dtype: Any) -> tuple[int, int]:
    info = np.iinfo(str(dtype).lower())
    return int(info.min), int(info.max)


@st.composite
def weight_columns(draw: st.DrawFn, size: int) -> pl.Series:
    """A weight column of a random numeric dtype, with nulls, and NaN and infinity in floats."""
    dtype = draw(st.sampled_from([*INTEGER_TYPES, *FLOAT_TYPES, pl.Decimal(12, 3)]))
    if dtype in INTEGER_TYPES:
        low, high = _bounds(dtype)
        # Values up to 2**52 in size keep float64 sums of a few rows exact in the reference.
        values: st.SearchStrategy[Any] = st.integers(max(low, -(2**52)), min(high, 2**52))
    elif dtype in FLOAT_TYPES:
        # NOTE: magnitudes stay below 2**100 because the standard deviation of weights near
        # float64's limit overflows in its squares (a RuntimeWarning and a null std).
        width = 32 if dtype == pl.Float32 else 64
        values = st.one_of(
            st.floats(-(2.0**100), 2.0**100, width=width),
            st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf]),
        )
    else:
        values = st.decimals(-(10**8), 10**8, places=3, allow_nan=False, allow_infinity=False)
    cells = draw(st.lists(st.one_of(st.none(), values), min_size=size, max_size=size))
    return pl.Series("weight", cells, dtype=dtype)


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    """A table of 0 to 40 rows: a weight column and two untouched columns."""
    size = draw(st.integers(0, 40))
    weight = draw(weight_columns(size))
    labels = draw(st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=size, max_size=size))
    dates = draw(st.lists(st.one_of(st.none(), st.dates()), min_size=size, max_size=size))
    return pl.DataFrame(
        [
            pl.Series("label", labels, dtype=pl.String),
            weight,
            pl.Series("day", dates, dtype=pl.Date),
        ]
    )


def reference(weights: pl.Series) -> dict[str, Any]:
    """Compute the report's figures with numpy from their definitions."""
    values = [float(v) if isinstance(v, decimal.Decimal) else v for v in weights.to_list()]
    present = np.array([v for v in values if v is not None], dtype=np.float64)
    finite = present[np.isfinite(present)]
    positive = finite[finite > 0]
    figures: dict[str, Any] = {
        "rows": len(values),
        "nulls": sum(v is None for v in values),
        "nan": int(np.isnan(present).sum()),
        "non_finite": int((~np.isfinite(present)).sum()),
        "zeros": int((finite == 0).sum()),
        "negatives": int((finite < 0).sum()),
        "positives": len(positive),
        "sum": float(finite.sum()) if len(finite) else None,
        "mean": float(finite.mean()) if len(finite) else None,
        "std": float(finite.std()) if len(finite) else None,
        "min": float(finite.min()) if len(finite) else None,
        "max": float(finite.max()) if len(finite) else None,
        "ess": None,
    }
    if len(positive):
        scaled = positive / positive.max()
        figures["ess"] = float(scaled.sum() ** 2 / np.square(scaled).sum())
    for q in QUANTILES:
        figures[quantile_name(q)] = float(np.quantile(finite, q)) if len(finite) else None
    return figures


def assert_close(name: str, got: Any, expected: Any) -> None:
    """Assert one figure equals its reference, to a relative 1e-9 for floats."""
    if expected is None:
        assert got is None, name
    elif isinstance(expected, int):
        assert got == expected, name
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), name


@SETTINGS
@given(tables())
def test_check_matches_numpy(table: pl.DataFrame) -> None:
    report = weightcli.check(table).files[0]
    weights = table.get_column("weight")
    expected = reference(weights)

    assert report.rows_in == table.height
    stats = report.stats
    assert stats is not None
    for name in ("rows", "nulls", "nan", "non_finite", "zeros", "negatives", "positives"):
        assert_close(name, getattr(stats, name), expected[name])
    for name in ("sum", "mean", "std", "min", "max", "ess"):
        assert_close(name, getattr(stats, name), expected[name])
    for q in QUANTILES:
        assert_close(
            quantile_name(q), stats.quantiles[quantile_name(q)], expected[quantile_name(q)]
        )
    if table.height == 0:
        assert [f.check for f in report.findings] == ["empty-table"]


@SETTINGS
@given(tables())
def test_apply_keeps_rows_and_columns(table: pl.DataFrame) -> None:
    frame, result = weightcli.apply(table, {"default": "weight * 2", "weight_column": "w2"})
    written = frame.collect()

    report = result.files[0]
    assert written.height == table.height
    assert report.rows_in == table.height
    assert report.rows_out == table.height
    assert written.columns == ["label", "weight", "day", "w2"]
    assert_frame_equal(written.select(table.columns), table)
    assert written.schema["w2"] == pl.Float64
    doubled = table.get_column("weight").cast(pl.Float64) * 2
    assert_series_equal(written.get_column("w2"), doubled.alias("w2"), check_exact=True)


@st.composite
def text_tables(draw: st.DrawFn) -> list[list[str]]:
    """Rows of CSV text cells: leading zeros, number formats, quotes, separators, line breaks."""
    cell = st.one_of(
        st.sampled_from(["007", "1,5", "1.299,99", " 2 ", "NA", "", "NaN", '"q"', "a\nb", "-0"]),
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"),
            max_size=6,
        ),
    )
    size = draw(st.integers(0, 15))
    return draw(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=size, max_size=size))


@SETTINGS
@given(text_tables())
def test_csv_round_trip_keeps_text(rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "note", "price"])
    writer.writerows(rows)

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.csv"
        source.write_text(buffer.getvalue(), encoding="utf-8")
        config = Config(default=1.5)
        table = open_table(str(source), None, config.csv)
        plan, report = plan_table(table, config)
        target = Path(folder) / "out.csv"
        write_table(weighted_frame(table, plan), str(target), "csv")

        with target.open(newline="", encoding="utf-8") as handle:
            written = list(csv.reader(handle))

    assert report.rows_in == len(rows)
    assert written[0] == ["id", "note", "price", "weight"]
    assert [row[:3] for row in written[1:]] == rows
    assert [row[3] for row in written[1:]] == ["1.5"] * len(rows)


@SETTINGS
@given(st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False), st.booleans())
def test_grouped_numbers_parse_back(value: decimal.Decimal, negative: bool) -> None:
    plain = f"{value:,.2f}"
    german = plain.replace(",", "_").replace(".", ",").replace("_", ".")
    sign = "-" if negative else ""
    expected = float(f"{sign}{value:.2f}")

    frame = pl.DataFrame({"v": [sign + plain, sign + german]})
    english = frame.select(text.number("v", CsvOptions(thousands=","))).to_series()[0]
    continental = frame.select(
        text.number("v", CsvOptions(decimal_comma=True, thousands="."))
    ).to_series()[1]
    assert english == expected
    assert continental == expected

    # Without the flags a grouped number or a decimal comma is junk, never a smaller number.
    default = frame.select(text.invalid_number("v", CsvOptions())).to_series().to_list()
    assert default == [value >= 1000, True]


CONFIG_KEYS = [
    *Config.field_names(),
    *("when", "weight", "name", "path", "on", "columns", "column", "power", "null"),
    *("half_life", "reference", "min", "max", "max_quantile", "max_median_ratio"),
    *("redistribute", "separator", "encoding", "null_values", "decimal_comma", "thousands"),
    *("fail_on", "level", "unknown_key"),
    *(spec.id for spec in CHECKS),
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(
        ["mean", "first", "error", "off", "never", "90d", "-5d", "kumo", "x > 1", "1/0", "drop"]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(CONFIG_KEYS), inner, max_size=5),
    ),
    max_leaves=20,
)
CONFIG_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@CONFIG_SETTINGS
@given(st.dictionaries(st.sampled_from(CONFIG_KEYS), VALUES, max_size=6))
def test_random_config_only_config_error(tmp_path: Path, document: dict[str, Any]) -> None:
    path = tmp_path / "weightcli.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    try:
        config = load_config(path)
    except ConfigError as error:
        assert str(error).startswith(f"{path}: ")
        assert "\n" not in str(error)
    else:
        assert isinstance(config, Config)


@CONFIG_SETTINGS
@given(st.text(max_size=80))
def test_random_yaml_text_only_config_error(tmp_path: Path, document: str) -> None:
    path = tmp_path / "weightcli.yaml"
    path.write_bytes(document.encode("utf-8", "surrogatepass"))

    try:
        load_config(path)
    except ConfigError as error:
        assert str(error)
