"""The ``markdown`` report format, for CI step summaries and pull request comments.

GitHub-flavoured Markdown: a heading per file, a findings table, then the key figures. The
output has no HTML except ``<br>`` in table cells and one ``<details>`` block for provenance,
both of which GitHub renders in step summaries and comments."""

from __future__ import annotations

import json
from typing import Any

from weightcli.checks.format import class_text, figure, fmt, pct
from weightcli.report.model import FileReport, Histogram, Report, Stats
from weightcli.report.summary import (
    bar,
    finding_counts,
    histogram_rows,
    provenance_summary,
    rows_summary,
    share,
    timings_summary,
)

BAR_WIDTH = 20


def cell(text: object) -> str:
    """Escape a value for a Markdown table cell: pipes, backslashes and line breaks."""
    value = str(text).replace("\\", "\\\\").replace("|", "\\|")
    return value.replace("\r\n", "\n").replace("\n", "<br>")


def code(text: object) -> str:
    """Return ``text`` as an inline code span that survives backticks inside it."""
    value = str(text)
    fence = "``" if "`" in value else "`"
    padding = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{padding}{value}{padding}{fence}"


def _table(headers: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Return the lines of a table; ``align`` has one letter per column, l or r."""
    separators = ["---:" if side == "r" else "---" for side in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(separators) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(report: Report, *, quiet: bool = False, **_: Any) -> str:
    """Render the report as Markdown; ``quiet`` keeps only the heading and findings per file."""
    blocks: list[list[str]] = []
    for file_report in report.files:
        blocks.append(_file_lines(file_report, quiet))
    if len(report.files) > 1:
        failing = sum(1 for f in report.files if f.exit_code != 0)
        blocks.append(
            [f"{len(report.files)} files checked, {failing} with findings at fail_on or errors."]
        )
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def _file_lines(report: FileReport, quiet: bool) -> list[str]:
    lines = [f"## weightcli {report.command}: {code(report.source)}", ""]
    if report.error is not None:
        lines.append(f"**error:** {cell(report.error)}")
        return lines

    result = finding_counts(report)
    lines.append(f"**Result:** {result}; exit code {int(report.exit_code)}")
    if not quiet:
        lines += ["", *_facts(report)]
    lines += ["", *_findings(report)]
    if quiet:
        return lines

    for section in (
        _stages(report),
        _rules(report),
        _classes(report),
        [] if report.stats is None else _statistics(report.stats),
        [] if report.histogram is None else _histogram(report.histogram),
        _provenance(report),
    ):
        if section:
            lines += ["", *section]
    if report.notes:
        lines += ["", *[f"- note: {cell(note)}" for note in report.notes]]
    if report.timings:
        lines += ["", f"Timings: {timings_summary(report.timings)}."]
    return lines


def _facts(report: FileReport) -> list[str]:
    rows = rows_summary(report)
    facts = [
        ("config", code(report.config_path) if report.config_path else "none"),
        ("profile", report.profile),
        ("task", report.task or "not set"),
        ("weight column", code(report.weight_column)),
        ("rows", rows or "n/a"),
    ]
    if report.output:
        facts.append(("output", code(report.output)))
    return _table(["", ""], [[name, value] for name, value in facts], "ll")


def _findings(report: FileReport) -> list[str]:
    if not report.findings:
        return ["No findings."]
    rows = [
        [
            finding.level,
            code(finding.check),
            cell(finding.message),
            cell(finding.hint),
        ]
        for finding in report.findings
    ]
    return ["### Findings", "", *_table(["level", "check", "message", "hint"], rows, "llll")]


def _stages(report: FileReport) -> list[str]:
    if not report.stages:
        return []
    rows = [
        [
            stage.stage,
            cell(stage.detail),
            fmt(stage.sum),
            fmt(stage.min),
            fmt(stage.max),
            fmt(stage.ess),
        ]
        for stage in report.stages
    ]
    headers = ["stage", "detail", "sum", "min", "max", "ESS"]
    return ["### Stages", "", *_table(headers, rows, "llrrrr")]


def _rules(report: FileReport) -> list[str]:
    if not report.rules:
        return []
    rows_total = report.rows_out if report.rows_out is not None else report.rows_in
    total = report.stats.sum if report.stats is not None else None
    rows = [
        [
            cell(rule.rule),
            code(rule.when) if rule.when else "(every row)",
            code(rule.weight),
            fmt(rule.rows),
            share(rule.rows, rows_total),
            fmt(rule.weight_sum),
            share(rule.weight_sum, total),
        ]
        for rule in report.rules
    ]
    headers = ["rule", "when", "weight", "rows", "% rows", "weight sum", "% weight"]
    return ["### Rules", "", *_table(headers, rows, "lllrrrr")]


def _classes(report: FileReport) -> list[str]:
    if not report.classes:
        return []
    rows = []
    for figures in report.classes:
        ratio = "n/a"
        if figures.weight_share is not None and figures.row_share:
            ratio = f"{figure(figures.weight_share / figures.row_share, 3)}x"
        rows.append(
            [
                "null" if figures.value is None else code(class_text(figures.value)),
                fmt(figures.rows),
                pct(figures.row_share),
                fmt(figures.weight_sum),
                "n/a" if figures.weight_share is None else pct(figures.weight_share),
                ratio,
            ]
        )
    headers = ["class", "rows", "% rows", "weight sum", "% weight", "% weight / % rows"]
    return ["### Classes", "", *_table(headers, rows, "lrrrrr")]


def _statistics(stats: Stats) -> list[str]:
    def percent(value: float | None) -> str:
        return "n/a" if value is None else pct(value)

    figures = [
        ("rows", fmt(stats.rows)),
        ("sum", fmt(stats.sum)),
        ("mean", fmt(stats.mean)),
        ("min", fmt(stats.min)),
        ("median", fmt(stats.quantiles.get("p50"))),
        ("max", fmt(stats.max)),
        ("nulls", fmt(stats.nulls)),
        ("non-finite", fmt(stats.non_finite)),
        ("zeros", fmt(stats.zeros)),
        ("negatives", fmt(stats.negatives)),
        ("CV", fmt(stats.cv)),
        ("ESS", fmt(stats.ess)),
        ("ESS/rows", percent(stats.ess_ratio)),
        ("max/min (positive)", fmt(stats.skew_ratio)),
        ("top 1% share", percent(stats.top1_share)),
    ]
    headers = [name for name, _ in figures]
    values = [value for _, value in figures]
    return ["### Statistics", "", *_table(headers, [values], "r" * len(figures))]


def _histogram(histogram: Histogram) -> list[str]:
    if not histogram.counts:
        return []
    largest = max(histogram.counts)
    rows = [
        [
            f"{row.low} to {row.high}",
            bar(row.rows, largest, BAR_WIDTH),
            fmt(row.rows),
            row.row_share,
            row.weight_share,
        ]
        for row in histogram_rows(histogram)
    ]
    headers = ["weight", "", "rows", "% rows", "% weight"]
    lines = ["### Histogram of positive weights", "", *_table(headers, rows, "llrrr")]
    lines += ["", f"Zero weights: {histogram.zeros:,}. Negative weights: {histogram.negatives:,}."]
    return lines


def _provenance(report: FileReport) -> list[str]:
    if report.provenance is None:
        return []
    document = json.dumps(report.provenance, indent=2, sort_keys=True)
    return [
        "### Provenance",
        "",
        cell(provenance_summary(report.provenance)),
        "",
        "<details><summary>weightcli metadata of the table</summary>",
        "",
        "```json",
        document,
        "```",
        "",
        "</details>",
    ]
