"""Appending the weight column to a Parquet file's bytes: the footer codec, the file it
writes, and the command's choice between appending and the streaming write."""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import SAMPLE_DATA, RunCli

import weightcli
from weightcli.io import thrift
from weightcli.io.append import append_column, appendable, read_footer
from weightcli.io.thrift import Items, Pairs, Struct


def footer_bytes(data: bytes) -> bytes:
    length = int.from_bytes(data[-8:-4], "little")
    return data[-8 - length : -8]


def footer_start(path: Path) -> int:
    data = path.read_bytes()
    return len(data) - 8 - int.from_bytes(data[-8:-4], "little")


def arrow_table(rows: int = 2_000) -> pa.Table:
    """A table with the column kinds a training table has, nested ones included."""
    generator = np.random.default_rng(7)
    values = generator.lognormal(0, 1, rows)
    zone = dt.timezone(dt.timedelta(hours=1))
    return pa.table(
        {
            "ENTITY": pa.array(np.arange(rows), pa.int64()),
            "when": pa.array(
                [dt.datetime(2024, 1, 1, tzinfo=zone) + dt.timedelta(hours=i) for i in range(rows)],
                pa.timestamp("us", tz="+01:00"),
            ),
            "tier": pa.array(["gold", "silver", None, "bronze"] * (rows // 4)).dictionary_encode(),
            "value": pa.array(np.where(np.arange(rows) % 9 == 0, np.nan, values)),
            "price": pa.array([Decimal("1.25")] * rows, pa.decimal128(9, 2)),
            "tags": pa.array([[1, 2], None, [], [3]] * (rows // 4), pa.list_(pa.int32())),
            "point": pa.array([{"x": 1.0, "y": None}] * rows),
            "note": pa.array(["é", "x" * 40, None, ""] * (rows // 4), pa.large_string()),
            "TARGET": pa.array((np.arange(rows) % 3 == 0).tolist()),
        }
    )


PYARROW_OPTIONS = {
    "plain": {},
    "page index": {"write_page_index": True},
    "bloom filters": {"bloom_filter_options": {"ENTITY": {}, "note": {}}},
    "no statistics": {"write_statistics": False},
    "no arrow schema": {"store_schema": False},
    "snappy, version 1.0": {"compression": "snappy", "version": "1.0"},
}


def same_values(left: pa.Table, right: pa.Table) -> bool:
    """Whether two tables have the same schema and values, NaN equal to NaN."""

    def values(table: pa.Table) -> list[list[object]]:
        return [
            ["NaN" if isinstance(v, float) and math.isnan(v) else v for v in column.to_pylist()]
            for column in table.columns
        ]

    return left.schema == right.schema and values(left) == values(right)


def write_pyarrow(path: Path, table: pa.Table, **options: object) -> Path:
    pq.write_table(table, path, row_group_size=700, **options)  # type: ignore[arg-type]
    return path


# The footer codec.


@pytest.mark.parametrize("options", PYARROW_OPTIONS.values(), ids=list(PYARROW_OPTIONS))
def test_pyarrow_footers_round_trip(options: dict[str, object]) -> None:
    buffer = io.BytesIO()
    pq.write_table(arrow_table(), buffer, row_group_size=700, **options)  # type: ignore[arg-type]
    data = footer_bytes(buffer.getvalue())

    decoded, end = thrift.read_struct(data)

    assert end == len(data)
    assert thrift.write_struct(decoded) == data


def test_polars_footers_round_trip() -> None:
    buffer = io.BytesIO()
    pl.from_arrow(arrow_table()).write_parquet(buffer, row_group_size=500)  # type: ignore[union-attr]
    for data in (buffer.getvalue(), (SAMPLE_DATA / "flights.parquet").read_bytes()):
        footer = footer_bytes(data)
        assert thrift.write_struct(thrift.read_struct(footer)[0]) == footer


def test_every_wire_type_round_trips() -> None:
    inner = Struct([(1, thrift.I32, -3), (40, thrift.BINARY, b"far id")])
    value = Struct(
        [
            (1, thrift.TRUE, True),
            (2, thrift.FALSE, False),
            (3, thrift.BYTE, -7),
            (4, thrift.I16, -300),
            (5, thrift.I32, 2**31 - 1),
            (6, thrift.I64, -(2**63)),
            (7, thrift.DOUBLE, -1.5e300),
            (8, thrift.BINARY, b"\x00\xff" * 100),
            (9, thrift.LIST, Items(thrift.I64, list(range(-10, 10)))),
            (10, thrift.SET, Items(thrift.BINARY, [b"a", b"b"], thrift.SET)),
            (11, thrift.MAP, Pairs(thrift.BINARY, thrift.I32, [(b"k", 1), (b"l", -1)])),
            (12, thrift.MAP, Pairs(0, 0, [])),
            (13, thrift.LIST, Items(thrift.TRUE, [1, 2, 1])),
            (300, thrift.STRUCT, inner),
            (301, thrift.LIST, Items(thrift.STRUCT, [inner, Struct()])),
        ]
    )

    data = thrift.write_struct(value)
    decoded, end = thrift.read_struct(data)

    assert end == len(data)
    assert decoded == value
    # The first field uses the short header: delta 1, type TRUE.
    assert data[0] == 0x11
    # A jump of more than 15 ids spells the id out: type byte, then zigzag varint 600.
    assert bytes([thrift.STRUCT, 0xD8, 0x04]) in data
    # A double is eight little-endian bytes.
    assert struct.pack("<d", -1.5e300) in data


def test_truncated_struct_is_an_error() -> None:
    data = thrift.write_struct(Struct([(1, thrift.BINARY, b"abcdef")]))

    with pytest.raises(thrift.ThriftError):
        thrift.read_struct(data[:-3])


def test_struct_set_keeps_id_order() -> None:
    value = Struct([(1, thrift.I32, 1), (5, thrift.I32, 5)])

    value.set(3, thrift.I32, 3)
    value.set(9, thrift.I32, 9)
    value.set(5, thrift.I32, 50)
    value.remove(1)

    assert value.fields == [(3, thrift.I32, 3), (5, thrift.I32, 50), (9, thrift.I32, 9)]


# The appended file.


def appended(source: Path, tmp_path: Path, weights: pl.Series) -> Path:
    footer, reason = appendable(source, len(weights), weights.name)
    assert footer is not None, reason
    target = tmp_path / "out.parquet"
    append_column(source, footer, weights, target, {"weightcli": '{"k": 1}'})
    return target


def weights_for(rows: int) -> pl.Series:
    values = np.random.default_rng(3).random(rows) * 10
    series = pl.Series("weight", values)
    # Nulls in the weight column are written as nulls.
    return series.scatter([1, rows - 1], None)


@pytest.mark.parametrize("options", PYARROW_OPTIONS.values(), ids=list(PYARROW_OPTIONS))
def test_appended_file_reads_as_input_plus_weights(
    tmp_path: Path, options: dict[str, object]
) -> None:
    table = arrow_table()
    source = write_pyarrow(tmp_path / "in.parquet", table, **options)
    weights = weights_for(table.num_rows)

    target = appended(source, tmp_path, weights)

    # Every byte before the input's footer is copied as it was.
    start = footer_start(source)
    assert target.read_bytes()[:start] == source.read_bytes()[:start]
    # pyarrow reads the input's columns with their Arrow types and the weights as float64.
    read = pq.read_table(target)
    expected_input = pq.read_table(source)
    assert read.schema.names == [*table.schema.names, "weight"]
    assert read.schema.field("weight").type == pa.float64()
    assert same_values(read.select(table.schema.names), expected_input)
    assert read.column("weight").to_pylist() == weights.to_list()
    # polars reads the same rows.
    frame = pl.read_parquet(target)
    assert frame.drop("weight").equals(pl.read_parquet(source))
    assert frame.get_column("weight").equals(weights)
    # The row groups are the input's, each with one more column.
    metadata = pq.read_metadata(target)
    source_metadata = pq.read_metadata(source)
    assert metadata.num_row_groups == source_metadata.num_row_groups == 3
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        assert group.num_rows == source_metadata.row_group(index).num_rows
        assert group.num_columns == source_metadata.row_group(index).num_columns + 1
        column = group.column(group.num_columns - 1)
        assert column.path_in_schema == "weight"
        assert column.compression == "ZSTD"
        assert column.statistics.null_count == (1 if index in (0, 2) else 0)
    # The key-value metadata contains the Arrow schema (when the input had one) and ours.
    keys = set(metadata.metadata)
    has_schema = options.get("store_schema", True)
    assert keys == ({b"ARROW:schema"} if has_schema else set()) | {b"weightcli"}
    assert metadata.metadata[b"weightcli"] == b'{"k": 1}'
    assert metadata.created_by == source_metadata.created_by


def test_weight_page_index_is_valid(tmp_path: Path) -> None:
    source = write_pyarrow(tmp_path / "in.parquet", arrow_table(), write_page_index=True)
    weights = pl.Series("weight", np.arange(2_000, dtype=np.float64))

    target = appended(source, tmp_path, weights)

    reader = pq.ParquetFile(target)
    for index in range(reader.metadata.num_row_groups):
        column = reader.metadata.row_group(index).column(reader.metadata.num_columns - 1)
        assert column.has_offset_index and column.has_column_index
    # Filters that use the statistics and page index select the right rows.
    selected = pq.read_table(target, filters=[("weight", ">=", 1_999.0)])
    assert selected.column("ENTITY").to_pylist() == [1_999]
    scanned = pl.scan_parquet(target).filter(pl.col("weight").is_between(700, 701)).collect()
    assert scanned.get_column("ENTITY").to_list() == [700, 701]


def test_polars_written_input_with_categories(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "tier": pl.Series(["a", "b", None] * 400, dtype=pl.Categorical),
            "level": pl.Series(["lo", "hi", "lo"] * 400, dtype=pl.Enum(["lo", "hi"])),
            "value": np.linspace(0, 1, 1_200),
        }
    )
    source = tmp_path / "in.parquet"
    frame.write_parquet(source, row_group_size=500)
    weights = weights_for(1_200)

    target = appended(source, tmp_path, weights)

    read = pl.read_parquet(target)
    assert read.schema == {**frame.schema, "weight": pl.Float64}
    assert read.drop("weight").equals(frame)
    assert read.get_column("weight").equals(weights)


def test_footer_given_to_append_is_not_changed(tmp_path: Path) -> None:
    source = write_pyarrow(tmp_path / "in.parquet", arrow_table())
    weights = weights_for(2_000)
    footer, reason = appendable(source, 2_000, "weight")
    assert footer is not None, reason
    before = thrift.write_struct(footer.metadata)

    append_column(source, footer, weights, tmp_path / "one.parquet")
    append_column(source, footer, weights, tmp_path / "two.parquet")

    assert thrift.write_struct(footer.metadata) == before
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()


def test_what_cannot_be_appended_to(tmp_path: Path) -> None:
    source = write_pyarrow(tmp_path / "in.parquet", arrow_table())
    empty = write_pyarrow(tmp_path / "empty.parquet", arrow_table().slice(0, 0))
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(source.read_bytes()[:-20])
    text = tmp_path / "table.csv"
    text.write_text("a,b\n1,2\n")

    footer, reason = appendable(source, 2_000, "weight")
    assert footer is not None
    assert footer.arrow_schema is not None
    assert reason == ""
    # Another row count than the file's.
    assert appendable(source, 1_999, "weight") == (
        None,
        "counts 2,000 rows in its footer, not 1,999",
    )
    # An empty table is written by the streaming write.
    assert appendable(empty, 0, "weight") == (None, "has no rows")
    # So is a table with an empty row group between others.
    gap = tmp_path / "gap.parquet"
    with pq.ParquetWriter(gap, arrow_table().schema) as writer:
        for rows in (slice(0, 5), slice(5, 5), slice(5, 9)):
            writer.write_table(arrow_table()[rows])
    assert pq.read_metadata(gap).row_group(1).num_rows == 0
    assert appendable(gap, 9, "weight") == (None, "has an empty row group")
    # No footer.
    assert read_footer(truncated) is None
    assert read_footer(text) is None
    assert read_footer(tmp_path) is None


# The command.


CONFIG = """\
weight_column: w
rules:
  - name: gold
    when: "tier = 'gold'"
    weight: 3
  - name: value
    weight: "LN(2 + value)"
normalize: mean
"""


def expected_output(source: Path) -> pl.DataFrame:
    """The table that the library's streaming plan computes for CONFIG."""
    frame, _ = weightcli.apply(pl.scan_parquet(source), yaml.safe_load(CONFIG))
    return frame.collect()


@pytest.fixture
def job(tmp_path: Path) -> tuple[Path, Path]:
    frame = pl.DataFrame(
        {
            "tier": ["gold", "silver", "bronze", None] * 750,
            "value": np.random.default_rng(5).lognormal(0, 1, 3_000),
            "TARGET": [True, False, False] * 1_000,
        }
    )
    source = tmp_path / "in.parquet"
    frame.write_parquet(source, row_group_size=1_000)
    config = tmp_path / "weightcli.yaml"
    config.write_text(CONFIG)
    return source, config


def test_apply_appends_to_a_parquet_input(run_cli: RunCli, job: tuple[Path, Path]) -> None:
    source, config = job
    target = source.with_name("out.parquet")

    result = run_cli("apply", source, "-c", config, "-o", target, "-q")

    assert result.returncode == 0, result.stderr.decode()
    start = footer_start(source)
    assert target.read_bytes()[:start] == source.read_bytes()[:start]
    written = pl.read_parquet(target)
    assert written.equals(expected_output(source))
    assert math.isclose(written.get_column("w").mean(), 1.0, rel_tol=1e-12)  # type: ignore[arg-type]
    assert b"weightcli" in pq.read_metadata(target).metadata


def test_apply_in_place_appends(run_cli: RunCli, job: tuple[Path, Path]) -> None:
    source, config = job
    original = source.read_bytes()
    expected = expected_output(source)

    result = run_cli("apply", source, "-c", config, "-o", source, "--in-place", "-q")

    assert result.returncode == 0, result.stderr.decode()
    start = len(original) - 8 - int.from_bytes(original[-8:-4], "little")
    assert source.read_bytes()[:start] == original[:start]
    assert pl.read_parquet(source).equals(expected)


@pytest.mark.parametrize(
    "extra",
    [
        ["--overwrite", "-w", "value"],
        ["--on-null", "drop"],
    ],
    ids=["replaced column", "dropped rows"],
)
def test_apply_streams_when_rows_or_columns_change(
    run_cli: RunCli, job: tuple[Path, Path], extra: list[str]
) -> None:
    source, config = job
    target = source.with_name("out.parquet")

    result = run_cli("apply", source, "-c", config, "-o", target, "-q", *extra)

    assert result.returncode == 0, result.stderr.decode()
    # The streaming write encodes every column again, in polars' own row groups.
    assert target.read_bytes()[4:200] != source.read_bytes()[4:200]
    written = pl.read_parquet(target)
    assert written.height == 3_000
    assert written.columns == ["tier", "value", "TARGET", *([] if "-w" in extra else ["w"])]


STAGE_CONFIGS = {
    "sample config": (SAMPLE_DATA / "weightcli.yaml").read_text(),
    "every stage": """\
weight_column: w
mode: multiply
default: 1.0
on_null: default
rules:
  - {name: long, when: "distance >= 1500", weight: 2.0}
  - {name: late, when: "dep_delay > 30", weight: "1 + dep_delay / 60"}
balance: {column: TARGET, power: 0.5}
decay: {column: ANCHOR_TIMESTAMP, half_life: 30d}
clip: {max_quantile: 0.99}
normalize: sum
""",
    "first match, no normalisation": """\
weight_column: w
mode: first
on_null: default
default: 0.5
rules:
  - {name: late, when: "dep_delay > 0", weight: "LN(1 + dep_delay)"}
  - {name: evening, when: "hour >= 18", weight: 3}
normalize: none
""",
}


@pytest.mark.parametrize("text", STAGE_CONFIGS.values(), ids=list(STAGE_CONFIGS))
def test_appended_weights_equal_the_streaming_plan(
    run_cli: RunCli, tmp_path: Path, text: str
) -> None:
    source = SAMPLE_DATA / "flights.parquet"
    config = tmp_path / "weightcli.yaml"
    config.write_text(text)
    target = tmp_path / "out.parquet"

    result = run_cli("apply", source, "-c", config, "-o", target, "-q", "--force")

    assert result.returncode in (0, 1), result.stderr.decode()
    start = footer_start(source)
    assert target.read_bytes()[:start] == source.read_bytes()[:start]
    frame, _ = weightcli.apply(pl.scan_parquet(source), yaml.safe_load(text))
    expected = frame.collect()
    written = pl.read_parquet(target)
    assert written.columns == expected.columns
    # The weights the pre-pass computed are the ones the streaming plan computes, bit for bit.
    assert written.equals(expected)


def test_copy_without_kernel_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_pyarrow(tmp_path / "in.parquet", arrow_table())
    weights = weights_for(2_000)
    footer, reason = appendable(source, 2_000, "weight")
    assert footer is not None, reason
    append_column(source, footer, weights, tmp_path / "kernel.parquet")

    # Systems without copy_file_range copy through Python and write the same bytes.
    monkeypatch.delattr("os.copy_file_range", raising=False)
    append_column(source, footer, weights, tmp_path / "python.parquet")

    assert (tmp_path / "python.parquet").read_bytes() == (tmp_path / "kernel.parquet").read_bytes()


def test_uneven_row_groups_get_their_own_chunks(tmp_path: Path) -> None:
    table = arrow_table()
    source = tmp_path / "uneven.parquet"
    with pq.ParquetWriter(source, table.schema) as writer:
        for rows in (slice(0, 300), slice(300, 1_200), slice(1_200, 2_000)):
            writer.write_table(table[rows])
    weights = weights_for(2_000)

    target = appended(source, tmp_path, weights)

    metadata = pq.read_metadata(target)
    sizes = [metadata.row_group(index).num_rows for index in range(metadata.num_row_groups)]
    assert sizes == [300, 900, 800]
    assert pl.read_parquet(target).get_column("weight").equals(weights)


def test_thousands_of_small_row_groups_are_streamed(tmp_path: Path) -> None:
    source = tmp_path / "small.parquet"
    pl.DataFrame({"x": range(10_010)}).write_parquet(source, row_group_size=10)
    assert pq.read_metadata(source).num_row_groups == 1_001

    assert appendable(source, 10_010, "weight") == (
        None,
        "has 1,001 row groups of 10 rows on average",
    )


def test_report_says_why_every_column_is_encoded(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "gap.parquet"
    with pq.ParquetWriter(source, pa.schema([("g", pa.int64())])) as writer:
        for values in ([1, 2], [], [3]):
            writer.write_table(pa.table({"g": pa.array(values, pa.int64())}))

    result = run_cli(
        "apply", "gap.parquet", "--no-config", "--rule", "g > 1 => 2", "-o", "out.parquet"
    )

    assert result.returncode == 0, result.stderr.decode()
    assert (
        b"note: write: every column is encoded again, because 'gap.parquet' has an empty row "
        b"group" in result.stdout
    )
    assert pl.read_parquet(tmp_path / "out.parquet").get_column("weight").to_list() == [
        1.0,
        2.0,
        2.0,
    ]
