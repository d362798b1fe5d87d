"""Write a table atomically: to a temporary file beside the target, then rename it.

A failed or interrupted write leaves neither a partial output nor a temporary file."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from weightcli import interrupts
from weightcli.errors import InputError, first_line
from weightcli.io.append import Footer, append_column
from weightcli.io.formats import split_compression
from weightcli.io.read import RAGGED_MESSAGE, ragged_row_error

TEMP_SUFFIX = ".weightcli-tmp"


def nested_columns(schema: dict[str, pl.DataType]) -> list[str]:
    """Return the columns of list, array or struct type, which CSV cannot hold."""
    return [name for name, dtype in schema.items() if dtype.is_nested()]


def check_output(destination: str, fmt: str, schema: dict[str, pl.DataType]) -> None:
    """Raise before any work when the output cannot be written."""
    if fmt in ("csv", "tsv", "ndjson"):
        nested = nested_columns(schema)
        if nested and fmt != "ndjson":
            names = ", ".join(f"'{name}'" for name in nested)
            raise InputError(
                f"cannot write {fmt.upper()}: columns {names} hold lists or structs; "
                "write Parquet or Arrow IPC instead"
            )
    if destination == "-":
        return

    path = Path(destination)
    if path.is_dir():
        raise InputError(f"output '{destination}' is a folder; expected a file path")
    if _is_special(path):
        return
    folder = path.parent
    if not folder.is_dir():
        raise InputError(
            f"output folder '{folder}' does not exist; create it first (mkdir -p {folder})"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"output folder '{folder}' is not writable (permission denied)")


def _is_special(path: Path) -> bool:
    """Whether the path is a device, pipe or socket, which cannot be renamed over."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


def write_table(
    frame: pl.LazyFrame,
    destination: str,
    fmt: str,
    *,
    separator: str = ",",
    include_bom: bool = False,
    metadata: dict[str, str] | None = None,
    stdout: IO[bytes] | None = None,
    every_column: bool = False,
) -> None:
    """Write ``frame`` to ``destination`` (a path or '-') in ``fmt`` atomically.

    ``every_column`` makes polars parse every column of the input, even one that the output
    replaces. polars finds a CSV row with more fields than the header only then."""

    def produce(temporary: Path, name: str) -> None:
        _sink(frame, temporary, fmt, name, separator, include_bom, metadata, every_column)

    deliver(produce, destination, stdout)


def append_weights(
    source: Path,
    footer: Footer,
    weights: pl.Series,
    destination: str,
    *,
    metadata: dict[str, str] | None = None,
    stdout: IO[bytes] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> None:
    """Write the Parquet file ``source`` with ``weights`` as a new last column to
    ``destination`` atomically, copying the other columns' bytes (see :mod:`append`).
    ``on_rows`` is called with the rows of each row group written."""

    def produce(temporary: Path, name: str) -> None:
        try:
            append_column(source, footer, weights, temporary, metadata, on_rows)
        except OSError as error:
            raise InputError(f"cannot write '{name}': {error.strerror or error}") from None

    deliver(produce, destination, stdout)


def deliver(
    produce: Callable[[Path, str], None], destination: str, stdout: IO[bytes] | None = None
) -> None:
    """Have ``produce(temporary, name)`` write a temporary file, then move it to
    ``destination`` (a path or '-').

    A regular file is replaced by a rename, so readers see the old or the new table. A pipe,
    device or standard output gets a copy of the finished file, so a failure midway sends it
    nothing."""
    if destination == "-":
        _copy_to_stream(produce, stdout or sys.stdout.buffer)
        return

    path = Path(destination)
    if _is_special(path):
        with _temporary_file(Path(tempfile.gettempdir()), path.name) as temporary:
            produce(temporary, destination)
            try:
                with (
                    interrupts.streaming(destination),
                    temporary.open("rb") as source,
                    path.open("wb") as target,
                ):
                    shutil.copyfileobj(source, target)
            except OSError as error:
                raise InputError(
                    f"cannot write '{destination}': {error.strerror or error}"
                ) from None
        return

    with _temporary_file(path.parent, path.name) as temporary:
        produce(temporary, destination)
        set_final_mode(temporary, path)
        with interrupts.committing(temporary, destination):
            os.replace(temporary, path)


def set_final_mode(temporary: Path, path: Path) -> None:
    """Give the temporary file the mode the output should have before it is renamed.

    mkstemp creates files readable by their owner only. A replaced file keeps its mode;
    a new file gets the default mode of the process (0666 less the umask), as open() gives."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)


def write_text_atomically(path: Path, text: str) -> None:
    """Write a small text file (a report or a config) atomically, with the usual mode."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"folder '{folder}' does not exist; create it first (mkdir -p {folder})")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        set_final_mode(Path(temporary), path)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _temporary_file(folder: Path, name: str) -> Iterator[Path]:
    try:
        handle, temporary_name = tempfile.mkstemp(
            prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=folder
        )
    except OSError as error:
        raise InputError(f"cannot create a file in '{folder}': {error.strerror}") from None
    os.close(handle)
    temporary = Path(temporary_name)
    interrupts.register_temporary(temporary)
    try:
        yield temporary
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        interrupts.unregister_temporary(temporary)


FRACTION_DIGITS = {"ms": 3, "us": 6, "ns": 9}


def _rfc3339_offsets(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Write the UTC offset of time-zone-aware timestamps as +01:00, not +0100.

    polars writes the offset without a colon. RFC 3339 requires the colon, and so does the
    extended ISO 8601 form that the rest of the timestamp is written in."""
    zoned = {
        name: dtype
        for name, dtype in frame.collect_schema().items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    }
    if not zoned:
        return frame
    return frame.with_columns(
        pl.col(name).dt.to_string(f"%Y-%m-%dT%H:%M:%S%.{FRACTION_DIGITS[dtype.time_unit]}f%:z")
        for name, dtype in zoned.items()
    )


def _sink(
    frame: pl.LazyFrame,
    temporary: Path,
    fmt: str,
    destination: str,
    separator: str,
    include_bom: bool,
    metadata: dict[str, str] | None,
    every_column: bool,
) -> None:
    _, compression = split_compression(destination)
    options: dict[str, Any] = {"engine": "streaming"}
    if every_column:
        options["optimizations"] = pl.QueryOptFlags(projection_pushdown=False)
    try:
        if fmt == "parquet":
            frame.sink_parquet(temporary, metadata=metadata, **options)
        elif fmt == "ipc":
            frame.sink_ipc(temporary, **options)
        elif fmt == "ndjson":
            frame.sink_ndjson(temporary, **options)
        else:
            if compression is not None:
                options["compression"] = compression
            frame = _rfc3339_offsets(frame)
            frame.sink_csv(temporary, separator=separator, include_bom=include_bom, **options)
    except OSError as error:
        raise InputError(f"cannot write '{destination}': {error.strerror or error}") from None
    except pl.exceptions.PolarsError as error:
        if RAGGED_MESSAGE in str(error):
            # The error is about the input, whose name the caller adds.
            raise ragged_row_error("the input") from None
        message = first_line(error, type(error).__name__)
        raise InputError(f"cannot write '{destination}': {message}") from None


def _copy_to_stream(produce: Callable[[Path, str], None], stream: IO[bytes]) -> None:
    # The table is written to a temporary file first, so that a failure midway sends
    # nothing to the stream.
    with _temporary_file(Path(tempfile.gettempdir()), "stdout") as temporary:
        produce(temporary, "standard output")
        try:
            with interrupts.streaming(), temporary.open("rb") as source:
                shutil.copyfileobj(source, stream)
                stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            _discard_pending(stream)
            raise InputError(
                f"cannot write the table to standard output: {error.strerror or error}"
            ) from None


def _discard_pending(stream: IO[bytes]) -> None:
    # The buffered bytes that failed to reach the stream would be flushed again, and fail
    # again, at interpreter exit. Pointing the descriptor at /dev/null drops them quietly.
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)
