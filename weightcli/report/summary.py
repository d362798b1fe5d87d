"""Plain-text pieces that several report formats share: counts, bars, provenance, timings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from weightcli.checks.format import figure, fmt, pct
from weightcli.report.model import FileReport, Histogram

TIMING_ORDER = ("read", "plan", "check", "types", "write")
_EIGHTHS = " ▏▎▍▌▋▊▉"


def edge(value: float) -> str:
    """Format a histogram bin edge with 4 significant digits, such as ``'1.342'`` or
    ``'12,346'``."""
    return figure(value, 4)


def rows_summary(report: FileReport) -> str:
    """Describe the rows read and written, such as ``'24 in, 24 out'``, or ``''`` when the
    report has no row count.

    For an ``apply`` that wrote no table (a dry run, no output given, or error findings), the
    second count is followed by ``would be written`` in place of ``out``."""
    if report.rows_in is None:
        return ""
    text = f"{fmt(report.rows_in)} in"
    if report.rows_out is not None:
        written = report.output is not None or report.command != "apply"
        text += f", {fmt(report.rows_out)} {'out' if written else 'would be written'}"
    return text


def share(part: float | int | None, whole: float | int | None) -> str:
    """Format ``part / whole`` as a percentage, or an empty string when it has no value."""
    if part is None or not whole:
        return ""
    return pct(part / whole)


def bar(count: int, largest: int, width: int) -> str:
    """Draw ``count`` as a bar of block characters, ``width`` long for ``largest``.

    Eighth blocks give the bar its fine length, and a non-zero count always shows at least
    an eighth so that a bin with few rows stays visible next to a full one."""
    if count <= 0 or largest <= 0:
        return ""
    eighths = max(1, round(count / largest * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


@dataclass(frozen=True)
class HistogramRow:
    """One histogram bin as the formatters print it."""

    low: str
    high: str
    rows: int
    row_share: str
    weight_share: str


def histogram_rows(histogram: Histogram) -> list[HistogramRow]:
    """Return the bins of a histogram with their row share and weight-mass share."""
    rows_total = sum(histogram.counts)
    mass_total = sum(histogram.sums)
    result = []
    for index, count in enumerate(histogram.counts):
        mass = histogram.sums[index] if index < len(histogram.sums) else None
        result.append(
            HistogramRow(
                low=edge(histogram.edges[index]),
                high=edge(histogram.edges[index + 1]),
                rows=count,
                row_share=share(count, rows_total),
                weight_share=share(mass, mass_total),
            )
        )
    return result


def finding_counts(report: FileReport) -> str:
    """Describe the findings of a file, such as '1 error, 2 warnings' or 'no findings'."""
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.level] = counts.get(finding.level, 0) + 1
    parts = []
    for level in ("error", "warning", "info"):
        number = counts.get(level, 0)
        if number:
            parts.append(f"{number} {level}{'' if number == 1 else 's'}")
    return ", ".join(parts) if parts else "no findings"


def provenance_summary(provenance: Mapping[str, Any]) -> str:
    """Describe the weightcli metadata of a table in one line."""
    if "unreadable" in provenance:
        return "weightcli metadata is present but is not valid JSON"
    version = provenance.get("weightcli_version", "an unknown version")
    parts = [f"weights written by weightcli {version}"]

    stages = provenance.get("stages")
    if isinstance(stages, list) and stages:
        described = []
        for stage in stages:
            if isinstance(stage, Mapping):
                detail = stage.get("detail")
                name = str(stage.get("stage", "?"))
                described.append(f"{name} ({detail})" if detail else name)
        parts.append("stages: " + ", ".join(described))

    config = provenance.get("config")
    rules = config.get("rules") if isinstance(config, Mapping) else None
    if isinstance(rules, list) and rules:
        names = [
            str(rule.get("name") or f"rule {index}")
            for index, rule in enumerate(rules, start=1)
            if isinstance(rule, Mapping)
        ]
        parts.append("rules: " + ", ".join(names))

    rows_out = provenance.get("rows_out")
    if isinstance(rows_out, int):
        parts.append(f"{fmt(rows_out)} rows written")
    return "; ".join(parts)


def timings_summary(timings: Mapping[str, float]) -> str:
    """Describe step timings in a fixed order, such as 'read 0.012 s, check 0.3 s'."""
    names: Sequence[str] = [
        *[name for name in TIMING_ORDER if name in timings],
        *sorted(name for name in timings if name not in TIMING_ORDER),
    ]
    return ", ".join(f"{name} {figure(timings[name], 3)} s" for name in names)
