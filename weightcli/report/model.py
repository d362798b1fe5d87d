"""Report data: statistics, findings and stage figures as frozen values.

Nothing here imports polars, so checks and formatters stay cheap to import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weightcli.errors import ExitCode

LEVEL_RANK = {"off": 0, "info": 1, "warning": 2, "error": 3}
REPORT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Stats:
    """Figures of one weight column.

    Counts cover every row. ``sum``, ``mean``, ``std`` (population), ``cv`` and the quantiles
    cover the finite weights; ``ess``, ``skew_ratio``, ``top1_share``, ``max_median_ratio`` and
    ``design_effect`` cover the positive weights. A figure that has no value (a mean of no
    rows, an ESS without positive weights) is ``None``.
    """

    rows: int
    nulls: int
    non_finite: int
    nan: int
    zeros: int
    negatives: int
    positives: int
    sum: float | None
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    quantiles: dict[str, float | None]
    cv: float | None
    positive_sum: float | None
    negative_sum: float | None
    ess: float | None
    ess_ratio: float | None
    skew_ratio: float | None
    top1_share: float | None
    max_median_ratio: float | None
    design_effect: float | None
    elements: int | None = None
    """Number of list elements when the weight column is list-valued, else None."""

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as a JSON-ready mapping."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return data


@dataclass(frozen=True)
class Finding:
    """One result of a check, with the level the config gave it."""

    check: str
    level: str
    message: str
    hint: str
    value: float | int | str | None = None
    threshold: float | int | None = None
    rows: tuple[int, ...] = ()
    """Examples of 1-based data row numbers (the header not counted)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready mapping."""
        return {
            "check": self.check,
            "level": self.level,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "hint": self.hint,
            "rows": list(self.rows),
        }


@dataclass(frozen=True)
class StageFigures:
    """Weight figures after one stage of ``apply`` (rules, balance, decay, clip, normalize)."""

    stage: str
    detail: str
    sum: float | None
    min: float | None
    max: float | None
    ess: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as a JSON-ready mapping."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RuleFigures:
    """How many rows a rule matched, and the final weight mass of those rows."""

    rule: str
    when: str | None
    weight: str
    rows: int
    weight_sum: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as a JSON-ready mapping."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class ClassFigures:
    """Row share and weight share of one class of the target column."""

    value: str | int | float | bool | None
    rows: int
    row_share: float
    weight_sum: float
    weight_share: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as a JSON-ready mapping."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Histogram:
    """Counts of positive weights in log-spaced bins, with zero and negative counts beside."""

    edges: tuple[float, ...]
    """Bin edges, ``len(counts) + 1`` of them, increasing."""
    counts: tuple[int, ...]
    zeros: int
    negatives: int
    sums: tuple[float, ...] = ()
    """Weight mass of each bin, so the report shows where the mass sits, not only the rows."""

    def to_dict(self) -> dict[str, Any]:
        """Return the histogram as a JSON-ready mapping."""
        return {
            "edges": list(self.edges),
            "counts": list(self.counts),
            "sums": list(self.sums),
            "zeros": self.zeros,
            "negatives": self.negatives,
        }


@dataclass
class FileReport:
    """Everything weightcli found out about one table."""

    source: str
    command: str
    weight_column: str
    profile: str
    fail_on: str
    task: str | None = None
    config_path: str | None = None
    output: str | None = None
    rows_in: int | None = None
    rows_out: int | None = None
    stats: Stats | None = None
    findings: list[Finding] = field(default_factory=list)
    stages: list[StageFigures] = field(default_factory=list)
    rules: list[RuleFigures] = field(default_factory=list)
    classes: list[ClassFigures] = field(default_factory=list)
    histogram: Histogram | None = None
    provenance: dict[str, Any] | None = None
    """weightcli metadata found in a Parquet input (version, config, stage figures)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent per step, shown with -v."""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    """Set when the table could not be read; the report then has no figures."""

    @property
    def exit_code(self) -> ExitCode:
        """Exit code this file alone would give."""
        if self.error is not None:
            return ExitCode.USAGE
        if self.fail_on == "never":
            return ExitCode.OK
        threshold = LEVEL_RANK[self.fail_on]
        failing = any(LEVEL_RANK[f.level] >= threshold for f in self.findings)
        return ExitCode.FINDINGS if failing else ExitCode.OK

    @property
    def has_errors(self) -> bool:
        """Whether any finding is at error level."""
        return any(f.level == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """Return the report of this file as a JSON-ready mapping."""
        return {
            "source": self.source,
            "command": self.command,
            "output": self.output,
            "config": self.config_path,
            "profile": self.profile,
            "task": self.task,
            "weight_column": self.weight_column,
            "fail_on": self.fail_on,
            "exit_code": int(self.exit_code),
            "error": self.error,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "stats": None if self.stats is None else self.stats.to_dict(),
            "stages": [s.to_dict() for s in self.stages],
            "rules": [r.to_dict() for r in self.rules],
            "classes": [c.to_dict() for c in self.classes],
            "histogram": None if self.histogram is None else self.histogram.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "provenance": self.provenance,
            "timings": dict(self.timings),
            "notes": list(self.notes),
        }


@dataclass
class Report:
    """Reports of every file one command run looked at."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        """Highest exit code over the files."""
        return max((f.exit_code for f in self.files), default=ExitCode.OK)

    @property
    def findings(self) -> list[Finding]:
        """Findings of every file, in file order."""
        return [finding for report in self.files for finding in report.findings]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready mapping (the documented ``--format json``)."""
        from weightcli._version import __version__

        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "weightcli_version": __version__,
            "exit_code": int(self.exit_code),
            "files": [f.to_dict() for f in self.files],
        }
