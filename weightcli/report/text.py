"""The ``text`` report format, drawn with rich: summary, stages, statistics and findings."""

from __future__ import annotations

from typing import IO, Any

from weightcli.checks.format import fmt, pct
from weightcli.report.model import FileReport, Finding, Report, Stats

LEVEL_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LEVEL_MARKS = {"error": "error", "warning": "warning", "info": "info"}


def _num(value: float | int | None) -> str:
    return fmt(value)


def _share(value: float | None) -> str:
    return "n/a" if value is None else pct(value)


def render_text(
    report: Report, *, stream: IO[str], color: str = "auto", quiet: bool = False, **_: Any
) -> None:
    """Print the report to ``stream``; colour only on a terminal unless ``color`` says so."""
    from rich.console import Console

    console = Console(
        file=stream,
        force_terminal=True if color == "always" else None,
        no_color=color == "never",
        color_system=None if color == "never" else "auto",
        highlight=False,
        soft_wrap=True,
        width=None if stream.isatty() else 100,
    )
    for index, file_report in enumerate(report.files):
        if index:
            console.print()
        if quiet:
            _print_findings(console, file_report, heading=False)
        else:
            _print_file(console, file_report)
    if len(report.files) > 1 and not quiet:
        failing = sum(1 for f in report.files if f.exit_code != 0)
        console.print()
        console.print(
            f"{len(report.files)} files checked, {failing} with findings at fail_on or errors"
        )


def _print_file(console: Any, report: FileReport) -> None:
    from rich.table import Table
    from rich.text import Text

    title = Text(f"weightcli {report.command} ", style="bold")
    title.append(report.source)
    if report.output:
        title.append(f" -> {report.output}")
    console.print(title)

    if report.error is not None:
        console.print(Text(f"error: {report.error}", style=LEVEL_STYLES["error"]))
        return

    facts = [
        f"config: {report.config_path or 'none'}",
        f"profile: {report.profile}",
        f"task: {report.task or 'not set'}",
        f"weight column: {report.weight_column}",
    ]
    console.print("  " + " | ".join(facts))
    if report.rows_in is not None:
        rows = f"  rows: {report.rows_in:,} in"
        if report.rows_out is not None:
            rows += f", {report.rows_out:,} out"
        console.print(rows)

    if report.stages:
        stages = Table(title="Stages", title_justify="left", show_edge=False, pad_edge=False)
        for header in ("stage", "detail", "sum", "min", "max", "ESS"):
            stages.add_column(header, justify="left" if header in ("stage", "detail") else "right")
        for stage in report.stages:
            stages.add_row(
                stage.stage,
                stage.detail,
                _num(stage.sum),
                _num(stage.min),
                _num(stage.max),
                _num(stage.ess),
            )
        console.print()
        console.print(stages)

    if report.stats is not None:
        console.print()
        console.print(_stats_table(report.stats))

    for note in report.notes:
        console.print(f"  note: {note}")
    console.print()
    _print_findings(console, report, heading=True)


def _stats_table(stats: Stats) -> Any:
    from rich.table import Table

    table = Table(title="Statistics", title_justify="left", show_edge=False, pad_edge=False)
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
    cells += [(name, _num(value)) for name, value in stats.quantiles.items()]
    while len(cells) % 3:
        cells.append(("", ""))
    for start in range(0, len(cells), 3):
        row: list[str] = []
        for name, value in cells[start : start + 3]:
            row.extend([name, value])
        table.add_row(*row)
    return table


def _print_findings(console: Any, report: FileReport, heading: bool) -> None:
    from rich.text import Text

    if report.error is not None and not heading:
        console.print(Text(f"{report.source}: error: {report.error}", style="bold red"))
        return
    if not report.findings:
        if heading:
            console.print(Text("No findings.", style="green"))
        return
    if heading:
        console.print(Text("Findings", style="bold"))
    for finding in report.findings:
        console.print(_finding_line(report, finding, with_source=not heading))
        if heading:
            console.print(f"      hint: {finding.hint}")


def _finding_line(report: FileReport, finding: Finding, with_source: bool) -> Any:
    from rich.text import Text

    line = Text()
    if with_source:
        line.append(f"{report.source}: ")
    line.append(f"{LEVEL_MARKS[finding.level]:<7}", style=LEVEL_STYLES[finding.level])
    line.append(f" {finding.check}", style="bold")
    line.append(f": {finding.message}")
    if finding.threshold is not None:
        line.append(
            f" [value {fmt(_as_number(finding.value))}, threshold {fmt(finding.threshold)}]"
        )
    return line


def _as_number(value: float | int | str | None) -> float | int | None:
    return value if isinstance(value, int | float) else None
