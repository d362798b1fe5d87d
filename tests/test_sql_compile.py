"""The compiled SQL: parity with the polars engine on DuckDB, dialects, golden text, errors."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

import weightcli  # noqa: E402
from weightcli.config.load import load_config  # noqa: E402
from weightcli.config.model import Config  # noqa: E402
from weightcli.errors import ConfigError, InputError, RuleError  # noqa: E402
from weightcli.sql.compile import CompileOptions, compile_weights  # noqa: E402
from weightcli.sql.dialects import DIALECTS  # noqa: E402
from weightcli.sql.engine import engine_error  # noqa: E402

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden_sql"
SAMPLE = TESTS.parent / "sample_data"
UPDATE = os.environ.get("WEIGHTCLI_UPDATE_GOLDEN") == "1"


def sample_config() -> Config:
    return load_config(SAMPLE / "weightcli.yaml")


def polars_weights(frame: pl.DataFrame, config: Config) -> pl.DataFrame:
    weighted, _ = weightcli.apply(frame, config)
    return weighted.collect()


def duckdb_weights(frame: pl.DataFrame, config: Config, order: str) -> pl.DataFrame:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.register("training", frame.to_arrow())
    options = CompileOptions(table="training", columns=tuple(frame.columns))
    sql = compile_weights(config, options, "duckdb")
    try:
        result = connection.sql(sql).pl()
    except duckdb.Error as error:
        raise engine_error(error, "DuckDB") from None
    return result.sort(order)


def assert_same_weights(expected: pl.Series, actual: pl.Series) -> None:
    assert len(expected) == len(actual)
    assert expected.null_count() == actual.null_count()
    assert (expected.is_null() == actual.is_null()).all()
    left = expected.drop_nulls().to_numpy()
    right = actual.drop_nulls().to_numpy()
    np.testing.assert_allclose(right, left, rtol=1e-9, atol=0.0)


def random_table(seed: int, rows: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 1.0, rows)
    x_values: list[float | None] = [float(v) for v in x]
    for index in rng.choice(rows, size=rows // 20, replace=False):
        x_values[int(index)] = None
    classes: list[str | None] = [
        str(v) for v in rng.choice(["a", "b", "c"], rows, p=[0.6, 0.3, 0.1])
    ]
    for index in rng.choice(rows, size=rows // 15, replace=False):
        classes[int(index)] = None
    start = datetime(2024, 1, 1, tzinfo=UTC)
    seconds = rng.integers(0, 90 * 86_400, rows)
    times = [start + timedelta(seconds=int(s), microseconds=int(s) % 997) for s in seconds]
    return pl.DataFrame(
        {
            "id": np.arange(rows),
            "x": pl.Series(x_values, dtype=pl.Float64),
            "n": rng.integers(-5, 50, rows),
            "cls": pl.Series(classes, dtype=pl.String),
            "ts": pl.Series(times, dtype=pl.Datetime("us", "UTC")),
        }
    )


CONFIGS: dict[str, dict[str, Any]] = {
    "first_mean": {
        "mode": "first",
        "rules": [
            {"when": "x > 2", "weight": 4},
            {"when": "cls = 'a'", "weight": "x * 3"},
            {"when": "n < 0", "weight": "n / 3"},
        ],
        "normalize": "mean",
    },
    "multiply_balance_decay": {
        "mode": "multiply",
        "default": 2.0,
        "rules": [
            {"when": "n >= 10", "weight": 1.5},
            {"when": "cls IN ('b', 'c')", "weight": "LN(1 + n * n)"},
            {"weight": 0.5},
        ],
        "balance": {"column": "cls", "power": 0.5, "null": "class"},
        "decay": {"column": "ts", "half_life": "7d"},
        "normalize": "sum",
    },
    "balance_ignore_clip_quantile": {
        "default": "x",
        "balance": {"column": "cls"},
        "clip": {"min": 0.2, "max": 6.0, "max_quantile": 0.9},
        "on_null": "default",
        "normalize": "mean",
    },
    "median_ratio_drop": {
        "default": "x",
        "rules": [{"when": "cls = 'c'", "weight": "x * 10"}],
        "clip": {"max_median_ratio": 3.0},
        "on_null": "drop",
        "normalize": "mean",
    },
    "decay_reference_half_days": {
        "default": "CAST(n AS DOUBLE) / 7 + 10",
        "decay": {"column": "ts", "half_life": "1.5d", "reference": "2024-04-15T12:00:00Z"},
        "clip": {"min": 1.0},
    },
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_duckdb_matches_polars_on_random_tables(name: str, seed: int) -> None:
    frame = random_table(seed)
    config = load_config(None, overrides=CONFIGS[name])
    expected = polars_weights(frame, config).sort("id")
    actual = duckdb_weights(frame, config, "id")

    assert actual.columns == expected.columns
    assert actual.get_column("id").to_list() == expected.get_column("id").to_list()
    assert_same_weights(expected.get_column("weight"), actual.get_column("weight"))


def test_duckdb_matches_polars_on_flights() -> None:
    frame = pl.read_parquet(SAMPLE / "flights.parquet")
    config = sample_config()
    expected = polars_weights(frame, config)
    actual = duckdb_weights(frame, config, "ENTITY")
    expected = expected.sort("ENTITY")

    assert actual.columns == expected.columns
    assert_same_weights(expected.get_column("weight"), actual.get_column("weight"))
    # The sample's weights are 0.716512... times 1, 1.5, 2, 3, 4.5, 6 or 9.
    assert actual.get_column("weight").n_unique() == 7
    assert actual.get_column("weight").sum() == pytest.approx(336_776, rel=1e-12)


def test_balance_class_factor_pinned() -> None:
    # 3 rows of 'a', 1 of 'b', 2 null: with null as a class, n = 6, k = 3.
    frame = pl.DataFrame({"id": range(6), "cls": ["a", "a", "a", "b", None, None]})
    config = load_config(None, overrides={"balance": {"column": "cls", "null": "class"}})
    result = duckdb_weights(frame, config, "id").get_column("weight").to_list()
    assert result == pytest.approx([6 / 9, 6 / 9, 6 / 9, 2.0, 1.0, 1.0], rel=1e-15)


def test_balance_ignore_keeps_null_rows() -> None:
    # Null rows keep weight 1 and are not counted: n = 4, k = 2.
    frame = pl.DataFrame({"id": range(6), "cls": ["a", "a", "a", "b", None, None]})
    config = load_config(None, overrides={"balance": {"column": "cls"}})
    result = duckdb_weights(frame, config, "id").get_column("weight").to_list()
    assert result == pytest.approx([4 / 6, 4 / 6, 4 / 6, 2.0, 1.0, 1.0], rel=1e-15)


def test_decay_two_half_lives_exact() -> None:
    reference = datetime(2024, 3, 1, tzinfo=UTC)
    times = [reference, reference - timedelta(days=7), reference - timedelta(days=14)]
    frame = pl.DataFrame({"id": range(3), "ts": pl.Series(times, dtype=pl.Datetime("us", "UTC"))})
    config = load_config(None, overrides={"decay": {"column": "ts", "half_life": "7d"}})
    result = duckdb_weights(frame, config, "id").get_column("weight").to_list()
    assert result == [1.0, 0.5, 0.25]


def test_first_mode_null_condition_does_not_match() -> None:
    frame = pl.DataFrame({"id": [0, 1, 2], "x": [5.0, None, 0.0]})
    config = load_config(
        None,
        overrides={"rules": [{"when": "x > 1", "weight": 3}, {"when": "x IS NULL", "weight": 7}]},
    )
    result = duckdb_weights(frame, config, "id").get_column("weight").to_list()
    assert result == [3.0, 7.0, 1.0]


def test_on_null_drop_removes_rows() -> None:
    frame = pl.DataFrame({"id": [0, 1, 2, 3], "x": [1.0, None, 3.0, None]})
    config = load_config(None, overrides={"default": "x", "on_null": "drop"})
    result = duckdb_weights(frame, config, "id")
    assert result.get_column("id").to_list() == [0, 2]
    assert result.get_column("weight").to_list() == [1.0, 3.0]


def test_weight_column_replaced_in_place() -> None:
    frame = pl.DataFrame({"id": [0, 1], "weight": [9.0, 9.0], "z": ["p", "q"]})
    config = load_config(None, overrides={"default": "weight / 3"})
    result = duckdb_weights(frame, config, "id")
    assert result.columns == ["id", "weight", "z"]
    assert result.get_column("weight").to_list() == [3.0, 3.0]


def test_lookup_left_join(tmp_path: Path) -> None:
    lookup = tmp_path / "scores.csv"
    lookup.write_text("key,score\n1,2.5\n2,4.0\n")
    frame = pl.DataFrame({"id": [0, 1, 2], "key": [1, 2, 3]})
    overrides = {"lookup": {"path": str(lookup), "on": "key"}, "default": "COALESCE(score, 1)"}
    config = load_config(None, overrides=overrides)
    result = duckdb_weights(frame, config, "id")
    # As in the polars output, the lookup columns feed the rules but are not written.
    assert result.columns == ["id", "key", "weight"]
    assert result.get_column("weight").to_list() == [2.5, 4.0, 1.0]


def test_lookup_repeated_keys_fail(tmp_path: Path) -> None:
    lookup = tmp_path / "scores.csv"
    lookup.write_text("key,score\n1,2.5\n1,4.0\n2,1.0\n")
    frame = pl.DataFrame({"id": [0, 1], "key": [1, 2]})
    config = Config.model_validate(
        {"lookup": {"path": str(lookup), "on": "key", "columns": ["score"]}, "default": "score"}
    )
    with pytest.raises(InputError) as raised:
        duckdb_weights(frame, config, "id")
    assert "has repeated keys in 'key'" in str(raised.value)
    assert "Repeated keys: 1" in str(raised.value)


def test_balance_null_error_guard() -> None:
    frame = pl.DataFrame({"id": [0, 1, 2], "cls": ["a", None, "b"]})
    config = load_config(None, overrides={"balance": {"column": "cls", "null": "error"}})
    with pytest.raises(InputError) as raised:
        duckdb_weights(frame, config, "id")
    assert "balance.column 'cls' has null values" in str(raised.value)
    assert "Null rows: 1" in str(raised.value)


def test_redistribute_is_rejected() -> None:
    config = load_config(None, overrides={"clip": {"max": 3.0, "redistribute": True}})
    with pytest.raises(ConfigError) as raised:
        compile_weights(config, CompileOptions(table="t"), "duckdb")
    assert "clip.redistribute cannot be compiled" in str(raised.value)


def test_bigquery_quantile_clip_rejected() -> None:
    config = load_config(None, overrides={"clip": {"max_quantile": 0.99}})
    with pytest.raises(ConfigError) as raised:
        compile_weights(config, CompileOptions(table="t"), "bigquery")
    assert "bigquery has no exact quantile function" in str(raised.value)


def test_unparsable_rule_names_rule() -> None:
    config = load_config(None, overrides={"rules": [{"name": "bad", "when": "x >", "weight": 2}]})
    with pytest.raises(RuleError) as raised:
        compile_weights(config, CompileOptions(table="t"), "duckdb")
    assert str(raised.value).startswith("rule 'bad': condition \"x >\" cannot be compiled")


def test_lookup_needs_table_name_outside_duckdb(tmp_path: Path) -> None:
    config = Config.model_validate({"lookup": {"path": "x.csv", "on": "k", "columns": ["v"]}})
    with pytest.raises(ConfigError) as raised:
        compile_weights(config, CompileOptions(table="t"), "snowflake")
    assert "pass --lookup-table NAME" in str(raised.value)
    sql = compile_weights(config, CompileOptions(table="t", lookup_table="db.scores"), "snowflake")
    assert 'LEFT JOIN "db"."scores" AS "__wc_l"' in sql


FULL_CONFIG = {
    "mode": "first",
    "rules": [{"when": "x > 2", "weight": 4}, {"when": "cls = 'a'", "weight": "x * 3"}],
    "balance": {"column": "cls", "power": 0.5},
    "decay": {"column": "ts", "half_life": "30d"},
    "clip": {"min": 0.1, "max_quantile": 0.99},
    "on_null": "default",
    "normalize": "mean",
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_parses_back(dialect: str) -> None:
    configs = [sample_config(), load_config(None, overrides=FULL_CONFIG)]
    for config in configs:
        if dialect == "bigquery" and config.clip is not None:
            continue
        sql = compile_weights(config, CompileOptions(table="analytics.training"), dialect)
        parsed = sqlglot.parse(sql, read=dialect)
        assert len(parsed) == 1
        assert parsed[0] is not None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_sql_for_sample_config(dialect: str) -> None:
    sql = compile_weights(sample_config(), CompileOptions(table="flights"), dialect) + ";\n"
    path = GOLDEN / f"flights.{dialect}.sql"
    if UPDATE:
        path.write_text(sql)
    assert sql == path.read_text()


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "snowflake", "postgres"])
def test_golden_sql_for_full_config(dialect: str) -> None:
    config = load_config(None, overrides=FULL_CONFIG)
    sql = compile_weights(config, CompileOptions(table="training"), dialect) + ";\n"
    path = GOLDEN / f"full.{dialect}.sql"
    if UPDATE:
        path.write_text(sql)
    assert sql == path.read_text()
