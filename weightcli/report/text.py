"""The ``text`` report format, drawn with rich: summary, stages, rules, classes, statistics,
histogram and findings."""

from __future__ import annotations

import os
from typing import IO, Any, Literal

from weightcli.checks.format import class_text, figure, fmt, pct
from weightcli.report.model import FileReport, Finding, Histogram, Report, Stats
from weightcli.report.render import use_color
from weightcli.report.summary import (
    bar,
    histogram_rows,
    provenance_summary,
    rows_summary,
    share,
    timings_summary,
)

LEVEL_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# Width of the report when the stream is not a terminal (files, pipes, CI logs).
PLAIN_WIDTH = 100
BAR_WIDTH = 30


def _num(value: float | int | None) -> str:
    return fmt(value)


def _share(value: float | None) -> str:
    return "n/a" if value is None else pct(value)


def make_console(stream: IO[str], color: str) -> Any:
    """Return a rich console that records what it prints for ``stream``.

    It writes escape codes only when colour is on, and it is as wide as the terminal, or
    ``PLAIN_WIDTH`` columns when ``stream`` is no terminal. Pass it to :func:`flush_console`
    to write the recorded lines."""
    import io

    from rich.console import Console

    colored = use_color(color, stream)
    isatty = getattr(stream, "isatty", None)
    width = None
    if not (isatty and isatty()):
        width = PLAIN_WIDTH
    system: Literal["auto", "standard"] | None = None
    if colored:
        # rich turns colour off on TERM=dumb even when forced; --color always means colour.
        system = "standard" if os.environ.get("TERM") == "dumb" else "auto"
    return Console(
        file=io.StringIO(),
        force_terminal=colored,
        no_color=not colored,
        color_system=system,
        highlight=False,
        soft_wrap=False,
        width=width or Console(file=stream).width,
    )


def flush_console(console: Any, stream: IO[str]) -> None:
    """Write what ``console`` recorded to ``stream``, without the trailing spaces rich pads
    table titles and cells with."""
    text = console.file.getvalue()
    stream.write("".join(line.rstrip(" ") + "\n" for line in text.splitlines()))


def render_text(
    report: Report, *, stream: IO[str], color: str = "auto", quiet: bool = False, **_: Any
) -> None:
    """Print the report to ``stream``; colour only on a terminal unless ``color`` says so."""
    console = make_console(stream, color)
    _print_report(console, report, quiet)
    flush_console(console, stream)


def _print_report(console: Any, report: Report, quiet: bool) -> None:
    for index, file_report in enumerate(report.files):
        if quiet:
            _print_findings(console, file_report, heading=False)
            continue
        if index:
            console.print()
        _print_file(console, file_report)
    if len(report.files) > 1 and not quiet:
        failing = sum(1 for f in report.files if f.exit_code != 0)
        console.print()
        console.print(
            f"{fmt(len(report.files))} files checked, {fmt(failing)} with findings at fail_on "
            "or errors"
        )


def _print_file(console: Any, report: FileReport) -> None:
    from rich.text import Text

    title = Text(f"weightcli {report.command} ", style="bold")
    title.append(report.source)
    if report.output:
        title.append(f" -> {report.output}")
    console.print(title, soft_wrap=True)

    if report.error is not None:
        console.print(Text(f"error: {report.error}", style=LEVEL_STYLES["error"]), soft_wrap=True)
        return

    facts = [
        f"config: {report.config_path or 'none'}",
        f"profile: {report.profile}",
        f"task: {report.task or 'not set'}",
        f"weight column: {report.weight_column}",
    ]
    console.print("  " + " | ".join(facts), soft_wrap=True)
    rows = rows_summary(report)
    if rows:
        console.print(f"  rows: {rows}")
    if report.provenance is not None:
        console.print(f"  provenance: {provenance_summary(report.provenance)}", soft_wrap=True)

    total = report.stats.sum if report.stats is not None else None
    rows_total = report.rows_out if report.rows_out is not None else report.rows_in
    for table in (
        _stages_table(report),
        _rules_table(report, rows_total, total),
        _classes_table(report),
        None if report.stats is None else _stats_table(report.stats),
        None if report.histogram is None else _histogram_table(report.histogram),
    ):
        if table is not None:
            console.print()
            console.print(table)
    if report.histogram is not None:
        console.print(
            f"  zero weights: {report.histogram.zeros:,} | "
            f"negative weights: {report.histogram.negatives:,}"
        )

    if report.notes or report.timings:
        console.print()
    for note in report.notes:
        console.print(f"  note: {note}", soft_wrap=True)
    if report.timings:
        console.print(f"  timings: {timings_summary(report.timings)}")
    console.print()
    _print_findings(console, report, heading=True)


def _table(title: str) -> Any:
    from rich import box
    from rich.table import Table

    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )


def _stages_table(report: FileReport) -> Any:
    if not report.stages:
        return None
    table = _table("Stages")
    for header in ("stage", "detail", "sum", "min", "max", "ESS"):
        table.add_column(header, justify="left" if header in ("stage", "detail") else "right")
    for stage in report.stages:
        table.add_row(
            stage.stage,
            stage.detail,
            _num(stage.sum),
            _num(stage.min),
            _num(stage.max),
            _num(stage.ess),
        )
    return table


def _rules_table(report: FileReport, rows_total: int | None, total: float | None) -> Any:
    if not report.rules:
        return None
    table = _table("Rules: rows matched and their final weight mass")
    table.add_column("rule", overflow="fold")
    table.add_column("when", overflow="fold", max_width=34)
    table.add_column("weight", overflow="fold", max_width=16)
    for header in ("rows", "% rows", "weight sum", "% weight"):
        table.add_column(header, justify="right", no_wrap=True)
    for rule in report.rules:
        table.add_row(
            rule.rule,
            rule.when or "(every row)",
            rule.weight,
            _num(rule.rows),
            share(rule.rows, rows_total),
            _num(rule.weight_sum),
            share(rule.weight_sum, total),
        )
    return table


def _classes_table(report: FileReport) -> Any:
    if not report.classes:
        return None
    table = _table("Classes: row share and weight share")
    table.add_column("class", overflow="fold", max_width=30)
    for header in ("rows", "% rows", "weight sum", "% weight", "% weight / % rows"):
        table.add_column(header, justify="right", no_wrap=True)
    for figures in report.classes:
        ratio = None
        if figures.weight_share is not None and figures.row_share:
            ratio = figures.weight_share / figures.row_share
        table.add_row(
            class_text(figures.value),
            _num(figures.rows),
            pct(figures.row_share),
            _num(figures.weight_sum),
            _share(figures.weight_share),
            "n/a" if ratio is None else f"{figure(ratio, 3)}x",
        )
    return table


def _stats_table(stats: Stats) -> Any:
    table = _table("Statistics")
    for _ in range(3):
        table.add_column(justify="left")
        table.add_column(justify="right")
    table.show_header = False

    cells = [
        ("rows", _num(stats.rows)),
        ("sum", _num(stats.sum)),
        ("min", _num(stats.min)),
        ("nulls", _num(stats.nulls)),
        ("mean", _num(stats.mean)),
        ("max", _num(stats.max)),
        ("non-finite", _num(stats.non_finite)),
        ("std", _num(stats.std)),
        ("max/min (pos.)", _num(stats.skew_ratio)),
        ("zeros", _num(stats.zeros)),
        ("CV", _num(stats.cv)),
        ("max/median", _num(stats.max_median_ratio)),
        ("negatives", _num(stats.negatives)),
        ("ESS", _num(stats.ess)),
        ("top 1% share", _share(stats.top1_share)),
        ("positives", _num(stats.positives)),
        ("ESS/rows", _share(stats.ess_ratio)),
        ("design effect", _num(stats.design_effect)),
    ]
    if stats.elements is not None:
        cells.append(("list elements", _num(stats.elements)))
    cells += [(name, _num(value)) for name, value in stats.quantiles.items()]
    while len(cells) % 3:
        cells.append(("", ""))
    for start in range(0, len(cells), 3):
        row: list[str] = []
        for name, value in cells[start : start + 3]:
            row.extend([name, value])
        table.add_row(*row)
    return table


def _histogram_table(histogram: Histogram) -> Any:
    if not histogram.counts:
        return None
    table = _table("Histogram of positive weights (log-spaced bins)")
    table.add_column("from", justify="right", no_wrap=True)
    table.add_column("to", justify="right", no_wrap=True)
    # The bar draws the row count of the next column, so it needs no header of its own.
    table.add_column("", justify="left", no_wrap=True)
    for header in ("rows", "% rows", "% weight"):
        table.add_column(header, justify="right", no_wrap=True)
    largest = max(histogram.counts)
    for row in histogram_rows(histogram):
        table.add_row(
            row.low,
            row.high,
            bar(row.rows, largest, BAR_WIDTH),
            _num(row.rows),
            row.row_share,
            row.weight_share,
        )
    return table


def _print_findings(console: Any, report: FileReport, heading: bool) -> None:
    from rich.text import Text

    if report.error is not None and not heading:
        console.print(
            Text(f"{report.source}: error: {report.error}", style="bold red"), soft_wrap=True
        )
        return
    if not report.findings:
        if heading:
            console.print(Text("No findings.", style="green"))
        return
    if heading:
        console.print(Text("Findings", style="bold"))
    for finding in report.findings:
        console.print(_finding_line(report, finding, with_source=not heading), soft_wrap=True)
        if heading:
            console.print(f"      hint: {finding.hint}", soft_wrap=True)


def _finding_line(report: FileReport, finding: Finding, with_source: bool) -> Any:
    from rich.text import Text

    line = Text()
    if with_source:
        line.append(f"{report.source}: ")
    line.append(f"{finding.level:<7}", style=LEVEL_STYLES[finding.level])
    line.append(f" {finding.check}", style="bold")
    line.append(f": {finding.message}")
    if finding.threshold is not None:
        line.append(
            f" [value {fmt(_as_number(finding.value))}, threshold {fmt(finding.threshold)}]"
        )
    return line


def _as_number(value: float | int | str | None) -> float | int | None:
    return value if isinstance(value, int | float) else None
