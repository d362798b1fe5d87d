"""Add a weight column to a Parquet file without rewriting its other columns.

A Parquet file is a sequence of column chunks followed by a footer that gives the offset of
each chunk. The output here starts with a byte-for-byte copy of the input up to its footer:
every column chunk, page index and bloom filter stays where it was, so every offset in the
input's footer stays true. polars encodes the weight column in the input's row groups, its
chunks and page indexes are added after the copy, and a new footer names them too. Only the
weight column is encoded and compressed, so the write of a 10-million-row table costs about
a file copy instead of decoding and encoding every column.

:func:`appendable` returns whether a file can be extended this way. The command uses the
streaming write otherwise: for encrypted footers, column chunks kept in other files, empty
row groups, thousands of small row groups, or an Arrow schema that cannot be extended."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from weightcli.io import thrift
from weightcli.io.thrift import BINARY, I32, I64, Items, Struct

MAGIC = b"PAR1"
# More row groups than this, of fewer rows than SMALL_GROUP_ROWS on average, are streamed,
# because the append's Python work per row group then costs more than the streaming write.
# NOTE: both limits are estimates from timing one file of 10,000 groups of 100 rows.
MANY_GROUPS = 1000
SMALL_GROUP_ROWS = 50_000
# Rows that one polars write encodes at most, for several row groups of the same size.
BATCH_ROWS = 1 << 20
ARROW_SCHEMA = b"ARROW:schema"

# Field ids of the Parquet footer structs (parquet.thrift).
FILE_SCHEMA, FILE_ROWS, FILE_ROW_GROUPS, FILE_METADATA, FILE_COLUMN_ORDERS = 2, 3, 4, 5, 7
FILE_ENCRYPTION = 8
SCHEMA_CHILDREN = 5
GROUP_COLUMNS, GROUP_BYTES, GROUP_ROWS, GROUP_COMPRESSED = 1, 2, 3, 6
CHUNK_PATH, CHUNK_OFFSET, CHUNK_META = 1, 2, 3
OFFSET_INDEX, OFFSET_INDEX_LENGTH, COLUMN_INDEX, COLUMN_INDEX_LENGTH = 4, 5, 6, 7
CHUNK_CRYPTO, CHUNK_ENCRYPTED_META = 8, 9
META_UNCOMPRESSED, META_COMPRESSED = 6, 7
META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE = 9, 10, 11
META_BLOOM_OFFSET, META_BLOOM_LENGTH = 14, 15
PAGE_LOCATIONS, LOCATION_OFFSET = 1, 1
KEY, VALUE = 1, 2


@dataclass
class Footer:
    """The footer of a Parquet file and where it starts."""

    metadata: Struct
    start: int
    data: bytes = b""
    """The footer's bytes, from which each write reads a copy of ``metadata`` to change."""
    arrow_schema: bytes | None = None
    """The ``ARROW:schema`` value for the file with the new column, when the file has one."""

    @property
    def row_counts(self) -> list[int]:
        """Rows of each row group, in file order."""
        return [group.get(GROUP_ROWS) for group in self.metadata.get(FILE_ROW_GROUPS).values]


def read_footer(path: Path) -> Footer | None:
    """Return the footer of the Parquet file at ``path``, or None when it has no plain one."""
    try:
        with path.open("rb") as source:
            size = source.seek(0, os.SEEK_END)
            if size < 12:
                return None
            source.seek(size - 8)
            tail = source.read(8)
            length = int.from_bytes(tail[:4], "little")
            start = size - 8 - length
            if tail[4:] != MAGIC or start < 4:
                return None
            source.seek(start)
            data = source.read(length)
        metadata, end = thrift.read_struct(data)
    except (OSError, thrift.ThriftError):
        return None
    return Footer(metadata, start, data) if end == len(data) else None


def appendable(path: Path, rows: int, column: str) -> tuple[Footer | None, str]:
    """Return the footer of ``path`` when a Float64 ``column`` of ``rows`` values can be
    appended to it, else None and the reason, as words that follow the file's name."""
    footer = read_footer(path)
    reason = blocking_reason(footer, rows)
    if footer is None or reason is not None:
        return None, reason or ""
    stored = _value_of(footer.metadata, ARROW_SCHEMA)
    if stored is not None:
        try:
            footer.arrow_schema = extended_arrow_schema(stored, column)
        except (ValueError, TypeError, NotImplementedError, OSError):
            # pyarrow's errors derive from these classes.
            return None, "has an Arrow schema that cannot take the new column"
    return footer, ""


def blocking_reason(footer: Footer | None, rows: int) -> str | None:
    """Return why a column of ``rows`` values cannot be appended to a file with ``footer``,
    or None when the footer allows it.

    The footer must be unencrypted, keep every column chunk in this file, and count
    ``rows`` rows, at least one in each row group."""
    if footer is None:
        return "has no footer that can be read"
    if footer.metadata.has(FILE_ENCRYPTION):
        return "has an encrypted footer"
    groups = footer.metadata.get(FILE_ROW_GROUPS)
    if not isinstance(groups, Items) or not groups.values or rows == 0:
        return "has no rows"
    for group in groups.values:
        for chunk in group.get(GROUP_COLUMNS).values:
            if chunk.has(CHUNK_CRYPTO) or chunk.has(CHUNK_ENCRYPTED_META):
                return "has encrypted columns"
            if chunk.has(CHUNK_PATH):
                return "keeps its column chunks in other files"
    counts = footer.row_counts
    if sum(counts) != rows or footer.metadata.get(FILE_ROWS) != rows:
        return f"counts {sum(counts):,} rows in its footer, not {rows:,}"
    if min(counts) == 0:
        # polars writes no row group for no rows, so an empty one gets no weight chunk.
        return "has an empty row group"
    if len(counts) > MANY_GROUPS and rows < SMALL_GROUP_ROWS * len(counts):
        return f"has {len(counts):,} row groups of {rows // len(counts):,} rows on average"
    return None


@dataclass
class _Encoded:
    """The weight column of one row group, encoded as polars writes it."""

    chunk: bytes | memoryview
    column: Struct
    """The ColumnChunk struct, its offsets relative to ``chunk``."""
    column_index: bytes | None
    offset_index: Struct | None
    """The OffsetIndex struct, its page offsets relative to ``chunk``."""
    schema: Struct
    column_order: Struct | None


def batches(counts: list[int]) -> list[list[int]]:
    """Split row groups of ``counts`` rows into runs of equal size and at most
    ``BATCH_ROWS`` rows (or one row group), which one polars write each can encode."""
    runs: list[list[int]] = []
    for count in counts:
        last = runs[-1] if runs else None
        if last is not None and count == last[0] and sum(last) + count <= BATCH_ROWS:
            last.append(count)
        else:
            runs.append([count])
    return runs


def _encode(values: pl.Series, counts: list[int]) -> list[_Encoded]:
    """Encode ``values`` with polars in row groups of ``counts`` rows, all of one size, and
    return the weight column of each row group."""
    buffer = io.BytesIO()
    pl.DataFrame([values]).write_parquet(buffer, row_group_size=max(counts[0], 1))
    data = buffer.getbuffer()
    length = int.from_bytes(data[-8:-4], "little")
    metadata, _ = thrift.read_struct(bytes(data[-8 - length : -8]))
    groups = metadata.get(FILE_ROW_GROUPS).values
    written = [group.get(GROUP_ROWS) for group in groups]
    if written != counts:
        # Each chunk must hold exactly the rows of the input's row group.
        raise RuntimeError(f"polars wrote row groups of {written} rows, not {counts}")
    schema = metadata.get(FILE_SCHEMA).values[1]
    orders = metadata.get(FILE_COLUMN_ORDERS)
    order = orders.values[0] if isinstance(orders, Items) else None
    return [_part(data, group.get(GROUP_COLUMNS).values[0], schema, order) for group in groups]


def _part(data: memoryview, column: Struct, schema: Struct, order: Struct | None) -> _Encoded:
    """Return the weight chunk that ``column`` describes in ``data``, with its page index."""
    meta = column.get(CHUNK_META)
    start = meta.get(META_DICTIONARY_PAGE) or meta.get(META_DATA_PAGE)
    chunk = data[start : start + meta.get(META_COMPRESSED)]

    column_index = None
    if column.has(COLUMN_INDEX):
        offset = column.get(COLUMN_INDEX)
        column_index = bytes(data[offset : offset + column.get(COLUMN_INDEX_LENGTH)])
    offset_index = None
    if column.has(OFFSET_INDEX):
        offset = column.get(OFFSET_INDEX)
        region = bytes(data[offset : offset + column.get(OFFSET_INDEX_LENGTH)])
        offset_index, _ = thrift.read_struct(region)
        _shift_pages(offset_index, -start)
    column.remove(OFFSET_INDEX, OFFSET_INDEX_LENGTH, COLUMN_INDEX, COLUMN_INDEX_LENGTH)
    meta.remove(META_BLOOM_OFFSET, META_BLOOM_LENGTH)
    _shift_chunk(column, -start)
    return _Encoded(chunk, column, column_index, offset_index, schema, order)


def _shift_chunk(column: Struct, delta: int) -> None:
    meta = column.get(CHUNK_META)
    for field_id in (META_DATA_PAGE, META_INDEX_PAGE, META_DICTIONARY_PAGE):
        if meta.has(field_id):
            meta.set(field_id, I64, meta.get(field_id) + delta)
    if column.get(CHUNK_OFFSET):
        column.set(CHUNK_OFFSET, I64, column.get(CHUNK_OFFSET) + delta)


def _shift_pages(offset_index: Struct, delta: int) -> None:
    for location in offset_index.get(PAGE_LOCATIONS).values:
        location.set(LOCATION_OFFSET, I64, location.get(LOCATION_OFFSET) + delta)


def _value_of(metadata: Struct, key: bytes) -> bytes | None:
    pairs = metadata.get(FILE_METADATA)
    if not isinstance(pairs, Items):
        return None
    for pair in pairs.values:
        if pair.get(KEY) == key:
            value: bytes | None = pair.get(VALUE)
            return value
    return None


def extended_arrow_schema(stored: bytes, column: str) -> bytes:
    """Return the ``ARROW:schema`` value of a file with a Float64 ``column`` added.

    The value is the base64 of an Arrow IPC schema message. The new field is appended to the
    stored schema, so the other columns keep the Arrow types the input declared."""
    import pyarrow as pa

    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored)))
    extended = schema.append(pa.field(column, pa.float64()))
    return base64.b64encode(extended.serialize().to_pybytes())


def _copy_prefix(source: Path, target: io.BufferedWriter, length: int) -> None:
    """Copy the first ``length`` bytes of ``source`` to ``target``, in the kernel if it can."""
    target.flush()
    in_kernel = getattr(os, "copy_file_range", None)
    with source.open("rb") as reader:
        copied = 0
        try:
            while in_kernel is not None and copied < length:
                sent = in_kernel(reader.fileno(), target.fileno(), length - copied)
                if sent == 0:
                    break
                copied += sent
        except OSError:
            # Other file systems, or a kernel without the call: copy through Python.
            pass
        if copied < length:
            reader.seek(copied)
            target.seek(copied)
            remaining = length - copied
            while remaining:
                block = reader.read(min(remaining, 1 << 20))
                if not block:
                    raise OSError(f"'{source}' ended before its footer")
                target.write(block)
                remaining -= len(block)
    target.seek(length)


def append_column(
    source: Path,
    footer: Footer,
    weights: pl.Series,
    target: Path,
    metadata: dict[str, str] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> None:
    """Write ``source`` with ``weights`` added as its last column to ``target``.

    ``footer`` is what :func:`appendable` returned for ``source``, ``len(weights)`` and the
    name of ``weights``; it is not changed. The key-value metadata of ``target`` contains the
    Arrow schema and ``metadata``, as the streaming write's does. ``on_rows`` is called with
    the rows of each row group once its weights are written."""
    # Reading the bytes again is quicker than a deep copy of the parsed structs.
    file_metadata, _ = thrift.read_struct(footer.data)
    _set_metadata(file_metadata, footer.arrow_schema, metadata or {})
    runs = batches(footer.row_counts)
    starts = [sum(sum(run) for run in runs[:index]) for index in range(len(runs))]
    slices = [weights.slice(start, sum(run)) for start, run in zip(starts, runs, strict=True)]
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(runs), os.cpu_count() or 1)))
    # The batches are encoded while the input's bytes are copied, and each is written in
    # order as soon as it is ready and the ones before it are written.
    encoded_runs = pool.map(_encode, slices, runs)
    parts = (part for run in encoded_runs for part in run)
    try:
        with target.open("wb") as out:
            _copy_prefix(source, out, footer.start)
            encoded = _add_chunks(out, file_metadata, parts, footer.start, on_rows)
            _add_page_indexes(out, encoded)
            _add_schema(file_metadata, encoded[0])
            data = thrift.write_struct(file_metadata)
            out.write(data)
            out.write(len(data).to_bytes(4, "little"))
            out.write(MAGIC)
    finally:
        # An interrupt or a failed write leaves no encoding running behind it.
        pool.shutdown(wait=False, cancel_futures=True)


def _add_chunks(
    out: io.BufferedWriter,
    file_metadata: Struct,
    parts: Iterator[_Encoded],
    position: int,
    on_rows: Callable[[int], None] | None,
) -> list[_Encoded]:
    """Write each row group's weight chunk at ``position`` and on, and add it to the row
    group in ``file_metadata``. Return the parts, their chunk bytes dropped."""
    encoded: list[_Encoded] = []
    for group, part in zip(file_metadata.get(FILE_ROW_GROUPS).values, parts, strict=True):
        if encoded and part.schema != encoded[0].schema:
            # One schema element describes the column in every row group.
            raise RuntimeError("polars wrote the weights of two row groups with other types")
        out.write(part.chunk)
        _shift_chunk(part.column, position)
        if part.offset_index is not None:
            _shift_pages(part.offset_index, position)
        position += len(part.chunk)
        part.chunk = b""
        encoded.append(part)
        meta = part.column.get(CHUNK_META)
        group.get(GROUP_COLUMNS).values.append(part.column)
        group.set(GROUP_BYTES, I64, group.get(GROUP_BYTES) + meta.get(META_UNCOMPRESSED))
        if group.has(GROUP_COMPRESSED):
            compressed = group.get(GROUP_COMPRESSED) + meta.get(META_COMPRESSED)
            group.set(GROUP_COMPRESSED, I64, compressed)
        if on_rows is not None:
            on_rows(group.get(GROUP_ROWS))
    return encoded


def _add_page_indexes(out: io.BufferedWriter, encoded: list[_Encoded]) -> None:
    """Write the column indexes, then the offset indexes, of the weight chunks, as Parquet
    writers lay them out, and point each chunk at its own."""
    position = out.tell()
    for part in encoded:
        if part.column_index is not None:
            part.column.set(COLUMN_INDEX, I64, position)
            part.column.set(COLUMN_INDEX_LENGTH, I32, len(part.column_index))
            out.write(part.column_index)
            position += len(part.column_index)
    for part in encoded:
        if part.offset_index is not None:
            index = thrift.write_struct(part.offset_index)
            part.column.set(OFFSET_INDEX, I64, position)
            part.column.set(OFFSET_INDEX_LENGTH, I32, len(index))
            out.write(index)
            position += len(index)


def _add_schema(file_metadata: Struct, part: _Encoded) -> None:
    """Add the weight column as the last child of the schema's root."""
    schema = file_metadata.get(FILE_SCHEMA).values
    schema[0].set(SCHEMA_CHILDREN, I32, schema[0].get(SCHEMA_CHILDREN) + 1)
    schema.append(part.schema)
    orders = file_metadata.get(FILE_COLUMN_ORDERS)
    if isinstance(orders, Items) and part.column_order is not None:
        orders.values.append(part.column_order)


def _set_metadata(
    file_metadata: Struct, arrow_schema: bytes | None, metadata: dict[str, str]
) -> None:
    """Keep only the Arrow schema and ``metadata`` in the footer's key-value metadata, as the
    streaming write does. Keys of other writers may describe a schema without the new
    column."""
    pairs = {key.encode(): value.encode() for key, value in metadata.items()}
    if arrow_schema is not None:
        pairs = {ARROW_SCHEMA: arrow_schema, **pairs}
    if not pairs:
        file_metadata.remove(FILE_METADATA)
        return
    items = [Struct([(KEY, BINARY, key), (VALUE, BINARY, value)]) for key, value in pairs.items()]
    file_metadata.set(FILE_METADATA, thrift.LIST, Items(thrift.STRUCT, items))
