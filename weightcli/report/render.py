"""Choose a report formatter by name or by a report file's extension, and decide on colour."""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Callable
from pathlib import PurePath
from typing import IO, Any

from weightcli.errors import ConfigError
from weightcli.report.model import Report

REPORT_FORMATS = ("text", "json", "markdown", "github")
# `github` has no extension: workflow commands act only when a step prints them to standard
# output, so a file of them does nothing. CI jobs print them with --format github and keep a
# Markdown file for the step summary.
_EXTENSIONS = {
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".log": "text",
}


def use_color(color: str, stream: IO[str]) -> bool:
    """Return whether to write colour and style escape codes to ``stream``.

    ``always`` and ``never`` win over everything. ``auto`` colours a terminal unless the
    ``NO_COLOR`` environment variable is set to a non-empty value or ``TERM`` is ``dumb``."""
    if color == "always":
        return True
    if color == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _render_text(report: Report, stream: IO[str], **options: Any) -> None:
    from weightcli.report.text import render_text

    render_text(report, stream=stream, **options)


def _render_json(report: Report, stream: IO[str], **options: Any) -> None:
    from weightcli.report.json_format import render_json

    stream.write(render_json(report))


def _render_markdown(report: Report, stream: IO[str], **options: Any) -> None:
    from weightcli.report.markdown import render_markdown

    stream.write(render_markdown(report, quiet=bool(options.get("quiet"))))


def _render_github(report: Report, stream: IO[str], **options: Any) -> None:
    from weightcli.report.github import render_github

    stream.write(render_github(report))


FORMATTERS: dict[str, Callable[..., None]] = {
    "text": _render_text,
    "json": _render_json,
    "markdown": _render_markdown,
    "github": _render_github,
}


def render(
    report: Report, fmt: str, stream: IO[str], *, verbose: bool = False, **options: Any
) -> None:
    """Write the report in ``fmt`` to ``stream``.

    Timings vary from run to run, so they appear only when ``verbose`` is set. Without it
    the same input and config give the same report bytes."""
    if not verbose:
        report = Report(files=[dataclasses.replace(f, timings={}) for f in report.files])
    FORMATTERS[fmt](report, stream=stream, **options)


def format_for_path(path: str) -> str:
    """Return the report format for a report file path, from its extension."""
    fmt = _EXTENSIONS.get(PurePath(path).suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_EXTENSIONS))
        raise ConfigError(
            f"cannot tell the report format of '{path}'; use one of the extensions {known} "
            "(GitHub annotations have no report file: print them with --format github)"
        )
    return fmt


def render_to_string(report: Report, fmt: str, **options: Any) -> str:
    """Render the report into a string (for report files); never coloured."""
    buffer = io.StringIO()
    render(report, fmt, buffer, color="never", **options)
    return buffer.getvalue()
