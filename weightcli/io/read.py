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
from weightcli.io.formats import TEXT_FORMATS, require_format, sniff_format, split_compression

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

    @property
    def text(self) -> bool:
        """Whether every column is raw CSV text."""
        return self.format in TEXT_FORMATS

    @property
    def columns(self) -> list[str]:
        """Column names in table order."""
        return list(self.schema)


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

    if any(char in source for char in "*?["):
        return _open_glob(source, input_format, csv)

    path = Path(source)
    _require_readable(path)
    if path.is_dir():
        return _open_folder(path)

    fmt = require_format(source, input_format, "--input-format")
    if path.stat().st_size == 0:
        raise InputError(f"input file '{source}' is empty (0 bytes); expected a {fmt} table")
    return _open_file(path, source, fmt, csv)


def _require_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"input file '{path}' not found; check the path")
    if not os.access(path, os.R_OK):
        raise InputError(f"input file '{path}' is not readable (permission denied)")


def _open_file(path: Path, name: str, fmt: str, csv: CsvOptions) -> Table:
    if fmt == "parquet":
        return _open_parquet(path, name)
    if fmt == "ipc":
        return _open_ipc(pl.scan_ipc(path), name, path)
    if fmt == "ndjson":
        return _finish(name, fmt, pl.scan_ndjson(path, infer_schema_length=None), path)
    _base, compression = split_compression(str(path))
    if compression is not None or csv.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return _open_text_bytes(_decompress(path, compression), name, fmt, csv, path)
    return _open_text(path, name, fmt, csv)


def _open_parquet(path: Path, name: str) -> Table:
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
    except (OSError, ValueError) as error:
        raise InputError(
            f"'{name}' is not a valid Parquet file ({error}); check that it was written completely"
        ) from None
    key_values = {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace")
        for key, value in (metadata.metadata or {}).items()
        if key != b"ARROW:schema"
    }
    table = _finish(name, "parquet", pl.scan_parquet(path), path)
    table.row_count = metadata.num_rows
    table.metadata = key_values
    return table


def _open_ipc(frame: pl.LazyFrame, name: str, path: Path | None) -> Table:
    return _finish(name, "ipc", frame, path)


def _open_folder(path: Path) -> Table:
    parquet_files = sorted(path.rglob("*.parquet"))
    if not parquet_files:
        raise InputError(
            f"input '{path}' is a folder without Parquet files; "
            "pass a file, a glob, or a hive-partitioned Parquet folder"
        )
    frame = pl.scan_parquet(path, hive_partitioning=True)
    return _finish(str(path), "parquet", frame, path)


def _open_glob(pattern: str, input_format: str | None, csv: CsvOptions) -> Table:
    matches = sorted(glob.glob(pattern, recursive=True))
    if not matches:
        raise InputError(f"no file matches '{pattern}'; check the pattern")
    fmt = require_format(matches[0], input_format, "--input-format")
    if fmt == "parquet":
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
    if fmt == "parquet":
        frame = pl.read_parquet(io.BytesIO(data)).lazy()
        return _finish(STDIN_NAME, fmt, frame, None)
    if fmt == "ipc":
        return _open_ipc(_read_ipc_bytes(data), STDIN_NAME, None)
    if fmt == "ndjson":
        frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None).lazy()
        return _finish(STDIN_NAME, fmt, frame, None)
    return _open_text_bytes(data, STDIN_NAME, fmt, csv, None)


def _read_ipc_bytes(data: bytes) -> pl.LazyFrame:
    if data.startswith(b"ARROW1"):
        return pl.read_ipc(io.BytesIO(data)).lazy()
    return pl.read_ipc_stream(io.BytesIO(data)).lazy()


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
    _check_utf8(path, name)
    _check_header(head, name, fmt, csv)
    frame = pl.scan_csv(path, **_csv_arguments(fmt, csv))
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
                f"'{name}' is not valid {csv.encoding} at byte offset {error.start}"
            ) from None
    else:
        _check_utf8_bytes(data, name)

    if not data.strip(_UTF8_BOM + b" \t\r\n"):
        raise InputError(f"input '{name}' is empty; expected a {fmt} table with a header row")
    has_bom = data.startswith(_UTF8_BOM)
    _check_header(data[:_CHUNK], name, fmt, csv)
    frame = pl.scan_csv(data, **_csv_arguments(fmt, csv))
    table = _finish(name, fmt, frame, path)
    table.has_bom = has_bom
    table.csv = csv
    return table


def _check_utf8(path: Path, name: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                _raise_not_utf8(name, offset + error.start)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            _raise_not_utf8(name, offset + error.start - error.end + error.start)


def _check_utf8_bytes(data: bytes, name: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        _raise_not_utf8(name, error.start)


def _raise_not_utf8(name: str, offset: int) -> None:
    raise InputError(
        f"'{name}' is not valid UTF-8 at byte offset {offset}; "
        "pass --encoding with the file's encoding, such as --encoding latin-1"
    )


def _check_header(head: bytes, name: str, fmt: str, csv: CsvOptions) -> None:
    text = head.decode("utf-8", "replace").removeprefix("\ufeff")
    separator = csv.separator or ("\t" if fmt == "tsv" else ",")
    reader = csv_module.reader(io.StringIO(text), delimiter=separator)
    header = next(reader, [])

    positions: dict[str, list[int]] = {}
    for index, column in enumerate(header, start=1):
        positions.setdefault(column, []).append(index)
    repeated = {column: where for column, where in positions.items() if len(where) > 1}
    if repeated:
        column, where = next(iter(repeated.items()))
        listed = " and ".join(str(p) for p in where)
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
