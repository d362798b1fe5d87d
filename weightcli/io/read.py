"""Open a table as a polars LazyFrame without reading more than its schema."""

from __future__ import annotations

import codecs
import csv as csv_module
import glob
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from weightcli.config.model import CsvOptions
from weightcli.errors import InputError
from weightcli.io.formats import (
    TEXT_FORMATS,
    describe_format,
    format_from_path,
    require_format,
    sniff_format,
    split_compression,
)

STDIN_NAME = "<stdin>"
_UTF8_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20


@dataclass
class Table:
    """An opened table: its lazy frame and what is known about it before any full read."""

    name: str
    format: str
    frame: pl.LazyFrame
    schema: dict[str, pl.DataType]
    path: Path | None = None
    row_count: int | None = None
    has_bom: bool = False
    csv: CsvOptions = field(default_factory=CsvOptions)
    metadata: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None
    """The UTF-8 text that ``frame`` scans, for a text table read into memory (standard
    input, a pipe, a compressed file or a file in another encoding). None when ``frame``
    scans ``path``."""

    @property
    def text(self) -> bool:
        """Whether every column is raw CSV text."""
        return self.format in TEXT_FORMATS

    @property
    def columns(self) -> list[str]:
        """Column names in table order."""
        return list(self.schema)


RAGGED_MESSAGE = "found more fields than defined"


RAGGED_SEARCH_ROWS = 5_000_000
"""Rows searched for the number of a row with more fields than the header."""


class RaggedRowError(InputError):
    """A CSV row with more fields than the header."""


def ragged_row_error(name: str, row: int | None = None) -> RaggedRowError:
    """Return the error for a CSV row with more fields than the header.

    ``row`` is the 1-based number of the first such data row, when it is known."""
    subject = "a row" if row is None else f"row {row:,}"
    return RaggedRowError(
        f"'{name}' has {subject} with more fields than its header; quote fields that contain "
        "the separator, or pass --separator if the file uses another one"
    )


def first_ragged_row(table: Table, limit: int = RAGGED_SEARCH_ROWS) -> int | None:
    """Return the 1-based number of the first data row with more fields than the header.

    It reads the file again with Python's csv module, so it runs only after polars has
    reported such a row, and it gives up after ``limit`` rows. Inputs without a file path
    (standard input) and compressed or non-UTF-8 files are not searched."""
    if table.path is None or not table.text or not table.path.is_file():
        return None
    if split_compression(str(table.path))[1] is not None:
        return None
    separator = table.csv.separator or ("\t" if table.format == "tsv" else ",")
    try:
        with table.path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv_module.reader(stream, delimiter=separator)
            header = next(reader, [])
            for number, row in enumerate(reader, start=1):
                if len(row) > len(header):
                    return number
                if number >= limit:
                    return None
    except (OSError, UnicodeDecodeError, csv_module.Error):
        return None
    return None


def open_table(
    source: str,
    input_format: str | None = None,
    csv: CsvOptions | None = None,
    stdin: Any = None,
) -> Table:
    """Open ``source`` (a path, a glob, a Parquet folder, or '-' for standard input)."""
    csv = csv or CsvOptions()
    if source == "-":
        return _open_stdin(input_format, csv, stdin)

    path = Path(source)
    # A file whose name contains glob characters, such as 'scores[1].csv', is opened as named.
    if any(char in source for char in "*?[") and not path.exists():
        return _open_glob(source, input_format, csv)

    _require_readable(path)
    try:
        if path.is_dir():
            return _open_folder(path)
        if not path.is_file():
            # A named pipe or device, such as the /dev/fd/63 of `<(zcat table.csv.gz)`:
            # read it once, like standard input.
            return _open_stream(path, source, input_format, csv)

        fmt = require_format(source, input_format, "--input-format")
        if path.stat().st_size == 0:
            raise InputError(
                f"input file '{source}' is empty (0 bytes); expected {describe_format(fmt)} table"
            )
        return _open_file(path, source, fmt, csv)
    except OSError as error:
        raise InputError(f"cannot read '{source}': {error.strerror or error}") from None


def _require_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"input file '{path}' not found; check the path")
    if not os.access(path, os.R_OK):
        raise InputError(
            f"input file '{path}' is not readable (permission denied); "
            "check its permissions with ls -l"
        )


def _open_stream(path: Path, name: str, input_format: str | None, csv: CsvOptions) -> Table:
    with path.open("rb") as handle:
        data = handle.read()
    if not data:
        raise InputError(f"input '{name}' is empty (no bytes were read); expected a table")
    fmt = input_format or format_from_path(name) or sniff_format(data[:4096])
    return _open_bytes(data, name, fmt, csv)


def _open_file(path: Path, name: str, fmt: str, csv: CsvOptions) -> Table:
    if fmt == "parquet":
        return _open_parquet(path, name)
    if fmt == "ipc":
        import pyarrow as pa

        try:
            with pa.memory_map(str(path)) as source:
                names = _ipc_schema(source).names
        except pa.ArrowException as error:
            raise InputError(
                f"'{name}' is not a valid Arrow IPC file ({_first_line(error)}); "
                "check that it was written completely"
            ) from None
        _check_unique(names, name)
        return _open_ipc(pl.scan_ipc(path, glob=False), name, path)
    if fmt == "ndjson":
        if any(char in name for char in "*?["):
            # NOTE: scan_ndjson has no glob switch in polars 1.x, so such a name is read whole.
            return _open_bytes(path.read_bytes(), name, fmt, CsvOptions())
        return _finish(name, fmt, pl.scan_ndjson(path, infer_schema_length=None), path)
    _base, compression = split_compression(str(path))
    if compression is not None or csv.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return _open_text_bytes(_decompress(path, compression), name, fmt, csv, path)
    return _open_text(path, name, fmt, csv)


def _open_parquet(path: Path, name: str) -> Table:
    # polars reads the footer without importing pyarrow, which saves start-up time. A file
    # that polars cannot open is opened again with pyarrow, whose messages name the problem.
    try:
        frame = pl.scan_parquet(path, glob=False)
        schema = dict(frame.collect_schema())
        key_values = pl.read_parquet_metadata(path)
        row_count = frame.select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError):
        return _open_parquet_checked(path, name)
    key_values.pop("ARROW:schema", None)
    table = Table(name=name, format="parquet", frame=frame, schema=schema, path=path)
    table.row_count = int(row_count)
    table.metadata = key_values
    return table


def _open_parquet_checked(path: Path, name: str) -> Table:
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
    except (OSError, ValueError) as error:
        raise InputError(
            f"'{name}' is not a valid Parquet file ({error}); check that it was written "
            "completely, or pass --input-format if it is in another format"
        ) from None
    _check_unique(metadata.schema.to_arrow_schema().names, name)
    key_values = _key_values(metadata.metadata)
    table = _finish(name, "parquet", pl.scan_parquet(path, glob=False), path)
    table.row_count = metadata.num_rows
    table.metadata = key_values
    return table


def _key_values(raw: dict[bytes, bytes] | None) -> dict[str, str]:
    """Return a Parquet footer's key-value metadata as text, without the Arrow schema."""
    return {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace")
        for key, value in (raw or {}).items()
        if key != b"ARROW:schema"
    }


def _open_ipc(frame: pl.LazyFrame, name: str, path: Path | None) -> Table:
    return _finish(name, "ipc", frame, path)


def _open_folder(path: Path) -> Table:
    parquet_files = sorted(path.rglob("*.parquet"))
    if not parquet_files:
        raise InputError(
            f"input '{path}' is a folder without Parquet files; "
            "pass a file, a glob, or a hive-partitioned Parquet folder"
        )
    _check_same_columns(parquet_files, str(path))
    frame = pl.scan_parquet(path, hive_partitioning=True)
    return _finish(str(path), "parquet", frame, path)


def _check_same_columns(files: list[Path], name: str) -> None:
    """Raise when the Parquet ``files`` of one table do not all have the first one's columns.

    polars would stop in the middle of the write instead, with a message about its own
    arguments."""
    first = files[0]
    expected = _parquet_schema(first)
    for other in files[1:]:
        schema = _parquet_schema(other)
        if schema == expected:
            continue
        missing = [column for column in expected if column not in schema]
        extra = [column for column in schema if column not in expected]
        if missing or extra:
            column, owner, lacking = (
                (missing[0], first, other) if missing else (extra[0], other, first)
            )
            difference = f"'{owner}' has a column '{column}' that '{lacking}' lacks"
        else:
            column = next(c for c in expected if expected[c] != schema[c])
            difference = (
                f"column '{column}' is {expected[column]} in '{first}' and {schema[column]} "
                f"in '{other}'"
            )
        raise InputError(
            f"the Parquet files of '{name}' differ: {difference}; give every file the same "
            "columns and types, or weight the files one at a time"
        )


def _parquet_schema(path: Path) -> dict[str, pl.DataType]:
    try:
        return dict(pl.read_parquet_schema(path))
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(
            f"'{path}' is not a valid Parquet file ({_first_line(error)}); check that it was "
            "written completely"
        ) from None


def _open_glob(pattern: str, input_format: str | None, csv: CsvOptions) -> Table:
    matches = sorted(glob.glob(pattern, recursive=True))
    if not matches:
        raise InputError(f"no file matches '{pattern}'; check the pattern")
    fmt = require_format(matches[0], input_format, "--input-format")
    if fmt == "parquet":
        _check_same_columns([Path(match) for match in matches], pattern)
        frame = pl.scan_parquet(matches)
    elif fmt == "ipc":
        frame = pl.scan_ipc(matches)
    elif fmt == "ndjson":
        frame = pl.scan_ndjson(matches, infer_schema_length=None)
    else:
        frame = pl.scan_csv(matches, **_csv_arguments(fmt, csv))
    return _finish(pattern, fmt, frame, None)


def _open_stdin(input_format: str | None, csv: CsvOptions, stdin: Any) -> Table:
    stream = stdin if stdin is not None else sys.stdin.buffer
    data = stream.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data:
        raise InputError(
            "no input on standard input; pipe a table into weightcli or pass a file path"
        )

    fmt = input_format or sniff_format(data[:4096])
    return _open_bytes(data, STDIN_NAME, fmt, csv)


def _open_bytes(data: bytes, name: str, fmt: str, csv: CsvOptions) -> Table:
    """Open a table held in memory: standard input, a named pipe or a device."""
    if fmt in TEXT_FORMATS:
        return _open_text_bytes(data, name, fmt, csv, None)

    import pyarrow as pa

    metadata: dict[str, str] = {}
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            footer = pq.read_metadata(pa.BufferReader(data))
            _check_unique(footer.schema.to_arrow_schema().names, name)
            metadata = _key_values(footer.metadata)
            frame = pl.read_parquet(io.BytesIO(data)).lazy()
        elif fmt == "ipc":
            _check_unique(_ipc_schema(pa.BufferReader(data)).names, name)
            frame = _read_ipc_bytes(data)
        else:
            frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None).lazy()
    except (pl.exceptions.PolarsError, pa.ArrowException, OSError, ValueError) as error:
        raise InputError(
            f"cannot read '{name}' as {fmt}: {_first_line(error)}; "
            "check that the data is complete, or pass --input-format"
        ) from None
    table = _finish(name, fmt, frame, None)
    table.metadata = metadata
    return table


def _read_ipc_bytes(data: bytes) -> pl.LazyFrame:
    if data.startswith(b"ARROW1"):
        return pl.read_ipc(io.BytesIO(data)).lazy()
    return pl.read_ipc_stream(io.BytesIO(data)).lazy()


def _ipc_schema(source: Any) -> Any:
    """Return the Arrow schema of an IPC file or stream without reading its record batches."""
    import pyarrow as pa

    try:
        return pa.ipc.open_file(source).schema
    except pa.ArrowInvalid:
        source.seek(0)
        return pa.ipc.open_stream(source).schema


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".") if text else type(error).__name__


def _decompress(path: Path, compression: str | None) -> bytes:
    raw = path.read_bytes()
    if compression == "gzip":
        import gzip

        return gzip.decompress(raw)
    if compression == "zstd":
        try:
            import zstandard
        except ImportError:
            raise InputError(
                f"'{path}' is zstd-compressed; install the zstandard package to read it, "
                "or decompress it first"
            ) from None
        return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(raw))
    return raw


def _csv_arguments(fmt: str, csv: CsvOptions) -> dict[str, Any]:
    return {
        "separator": csv.separator or ("\t" if fmt == "tsv" else ","),
        "infer_schema": False,
        "null_values": None,
        "raise_if_empty": False,
    }


def _open_text(path: Path, name: str, fmt: str, csv: CsvOptions) -> Table:
    with path.open("rb") as handle:
        head = handle.read(_CHUNK)
    has_bom = head.startswith(_UTF8_BOM)
    if len(head) < _CHUNK and not head.strip(_UTF8_BOM + b" \t\r\n"):
        raise InputError(
            f"input file '{name}' holds only blank lines; "
            f"expected {describe_format(fmt)} table with a header row"
        )
    _check_utf8(path, name)
    _check_header(head, name, fmt, csv)
    frame = pl.scan_csv(path, glob=False, **_csv_arguments(fmt, csv))
    table = _finish(name, fmt, frame, path)
    table.has_bom = has_bom
    table.csv = csv
    return table


def _open_text_bytes(data: bytes, name: str, fmt: str, csv: CsvOptions, path: Path | None) -> Table:
    encoding = csv.encoding.lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8"):
        try:
            data = data.decode(csv.encoding).encode("utf-8")
        except LookupError:
            raise InputError(
                f"unknown encoding '{csv.encoding}'; pass a Python codec name such as "
                "latin-1 or cp1252"
            ) from None
        except UnicodeDecodeError as error:
            raise InputError(
                f"'{name}' is not valid {csv.encoding} at byte offset {error.start}; "
                "pass the file's encoding with --encoding, such as --encoding cp1252"
            ) from None
    else:
        _check_utf8_bytes(data, name)

    if not data.strip(_UTF8_BOM + b" \t\r\n"):
        raise InputError(
            f"input '{name}' is empty; expected {describe_format(fmt)} table with a header row"
        )
    has_bom = data.startswith(_UTF8_BOM)
    _check_header(data[:_CHUNK], name, fmt, csv)
    frame = pl.scan_csv(data, **_csv_arguments(fmt, csv))
    table = _finish(name, fmt, frame, path)
    table.has_bom = has_bom
    table.csv = csv
    table.data = data
    return table


def _check_utf8(path: Path, name: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    head = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            head = head or chunk[:16]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                _raise_not_utf8(name, offset + error.start, head)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            _raise_not_utf8(name, offset + error.start - error.end + error.start, head)


def _check_utf8_bytes(data: bytes, name: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        _raise_not_utf8(name, error.start, data[:16])


def _raise_not_utf8(name: str, offset: int, head: bytes) -> None:
    # A Parquet or Arrow file read as text fails here, and its magic number names its format.
    binary = sniff_format(head)
    if binary in ("parquet", "ipc"):
        raise InputError(
            f"'{name}' is {describe_format(binary)} file, not text: it starts with the magic "
            f"number of one; pass --input-format {binary} to read it"
        )
    raise InputError(
        f"'{name}' is not valid UTF-8 at byte offset {offset}; "
        "pass --encoding with the file's encoding, such as --encoding latin-1"
    )


def _check_header(head: bytes, name: str, fmt: str, csv: CsvOptions) -> None:
    text = head.decode("utf-8", "replace").removeprefix("\ufeff")
    separator = csv.separator or ("\t" if fmt == "tsv" else ",")
    reader = csv_module.reader(io.StringIO(text), delimiter=separator)
    header = next(reader, [])
    if csv.separator is None and len(header) == 1:
        _check_separator(header[0], name, separator)
    _check_unique(header, name)


# Separators that a one-column header may reveal, with how to pass each one.
_OTHER_SEPARATORS = ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','"))


def _check_separator(column: str, name: str, separator: str) -> None:
    # A header read as one column that contains another usual separator means the file
    # uses that separator. An explicit --separator skips this, for a column named 'a;b'.
    for candidate, flag in _OTHER_SEPARATORS:
        if candidate != separator and candidate in column:
            shown = "tabs" if candidate == "\t" else flag
            raise InputError(
                f"'{name}' reads as one column '{column}': the header looks separated by "
                f"{shown}; pass --separator {flag}"
            )


def _check_unique(columns: list[str], name: str) -> None:
    """Raise when a column name repeats, naming it and its 1-based positions."""
    positions: dict[str, list[int]] = {}
    for index, column in enumerate(columns, start=1):
        positions.setdefault(column, []).append(index)
    repeated = {column: where for column, where in positions.items() if len(where) > 1}
    if repeated:
        column, where = next(iter(repeated.items()))
        listed = ", ".join(str(p) for p in where[:-1]) + f" and {where[-1]}"
        raise InputError(
            f"'{name}' has the column name '{column}' more than once (positions {listed}); "
            "rename the columns so each name is unique"
        )


def _finish(name: str, fmt: str, frame: pl.LazyFrame, path: Path | None) -> Table:
    try:
        schema = dict(frame.collect_schema())
    except pl.exceptions.PolarsError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InputError(f"cannot read '{name}' as {fmt}: {first_line}") from None
    except OSError as error:
        raise InputError(f"cannot read '{name}': {error.strerror or error}") from None
    return Table(name=name, format=fmt, frame=frame, schema=schema, path=path)
