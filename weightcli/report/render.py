"""Choose a report formatter by name or by a report file's extension."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import PurePath
from typing import IO, Any

from weightcli.errors import ConfigError
from weightcli.report.model import Report

REPORT_FORMATS = ("text", "json")
_EXTENSIONS = {".json": "json", ".txt": "text", ".log": "text"}


def _render_text(report: Report, stream: IO[str], **options: Any) -> None:
    from weightcli.report.text import render_text

    render_text(report, stream=stream, **options)


def _render_json(report: Report, stream: IO[str], **options: Any) -> None:
    from weightcli.report.json_format import render_json

    stream.write(render_json(report))


FORMATTERS: dict[str, Callable[..., None]] = {"text": _render_text, "json": _render_json}


def render(report: Report, fmt: str, stream: IO[str], **options: Any) -> None:
    """Write the report in ``fmt`` to ``stream``."""
    FORMATTERS[fmt](report, stream=stream, **options)


def format_for_path(path: str) -> str:
    """Return the report format for a report file path, from its extension."""
    fmt = _EXTENSIONS.get(PurePath(path).suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_EXTENSIONS))
        raise ConfigError(f"cannot tell the report format of '{path}'; use an extension: {known}")
    return fmt


def render_to_string(report: Report, fmt: str, **options: Any) -> str:
    """Render the report into a string (for report files); never coloured."""
    buffer = io.StringIO()
    render(report, fmt, buffer, color="never", **options)
    return buffer.getvalue()
