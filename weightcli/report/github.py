"""The ``github`` report format: one GitHub Actions workflow command per finding.

A step that prints ``::error file=PATH,title=TITLE::MESSAGE`` gets an annotation on the
workflow run (and on the file in a pull request's diff, when PATH is in the repository)."""

from __future__ import annotations

from typing import Any

from weightcli.report.model import FileReport, Finding, Report

# Workflow command per finding level: GitHub Actions has error, warning and notice.
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
# Sources that name no file: an annotation with a file property for them would point nowhere.
NO_FILE_SOURCES = frozenset({"<stdin>", "<table>"})


def escape_data(text: str) -> str:
    """Escape a workflow command's message: ``%``, carriage return and line feed.

    These are the rules of the GitHub Actions toolkit (``escapeData`` in its command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: the data rules plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, properties: dict[str, str], message: str) -> str:
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{kind} {listed}::{escape_data(message)}"


def _properties(report: FileReport, title: str) -> dict[str, str]:
    properties: dict[str, str] = {}
    if report.source not in NO_FILE_SOURCES:
        properties["file"] = report.source
    properties["title"] = title
    return properties


def _finding_command(report: FileReport, finding: Finding) -> str:
    message = f"{finding.message}\nhint: {finding.hint}"
    properties = _properties(report, f"weightcli {finding.check}")
    return _command(COMMANDS[finding.level], properties, message)


def render_github(report: Report, **_: Any) -> str:
    """Render one workflow command per finding, and one ``::error`` per unreadable file.

    A file without findings prints nothing, so a clean run adds no annotation."""
    lines: list[str] = []
    for file_report in report.files:
        if file_report.error is not None:
            properties = _properties(file_report, "weightcli")
            lines.append(_command("error", properties, file_report.error))
            continue
        for finding in file_report.findings:
            lines.append(_finding_command(file_report, finding))
    return "".join(line + "\n" for line in lines)
