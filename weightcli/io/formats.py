"""Table formats: recognised by file extension, or sniffed from the bytes of standard input."""

from __future__ import annotations

from pathlib import PurePath

from weightcli.errors import InputError

FORMATS = ("parquet", "csv", "tsv", "ndjson", "ipc")
TEXT_FORMATS = frozenset({"csv", "tsv"})

_EXTENSIONS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".feather": "ipc",
}
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}

_FORMAT_NAMES = {
    "parquet": "a Parquet",
    "csv": "a CSV",
    "tsv": "a TSV",
    "ndjson": "an NDJSON",
    "ipc": "an Arrow IPC",
}

PARQUET_MAGIC = b"PAR1"
IPC_FILE_MAGIC = b"ARROW1"
IPC_STREAM_CONTINUATION = b"\xff\xff\xff\xff"


def describe_format(fmt: str) -> str:
    """Return a format's name with its article, such as 'an Arrow IPC', for messages."""
    return _FORMAT_NAMES.get(fmt, f"a {fmt}")


def split_compression(path: str) -> tuple[str, str | None]:
    """Return the path without a compression suffix, and the compression (or None)."""
    suffix = PurePath(path).suffix.lower()
    if suffix in COMPRESSIONS:
        return path[: -len(suffix)], COMPRESSIONS[suffix]
    return path, None


def format_from_path(path: str) -> str | None:
    """Return the format of a path from its extension, or None when it has none we know."""
    base, _ = split_compression(path)
    return _EXTENSIONS.get(PurePath(base).suffix.lower())


def require_format(path: str, explicit: str | None, option: str) -> str:
    """Return the explicit format, else the one from the path's extension, or raise."""
    if explicit is not None:
        return explicit
    found = format_from_path(path)
    if found is None:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InputError(
            f"cannot tell the format of '{path}' from its extension; expected one of {known}, "
            f"or pass {option}"
        )
    return found


def sniff_format(head: bytes) -> str:
    """Guess the format of standard input from its first bytes."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(IPC_FILE_MAGIC) or head.startswith(IPC_STREAM_CONTINUATION):
        return "ipc"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "ndjson"
    first_line = stripped.split(b"\n", 1)[0]
    if b"\t" in first_line and b"," not in first_line:
        return "tsv"
    return "csv"
