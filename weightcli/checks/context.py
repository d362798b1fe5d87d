"""What a check sees: the figures of a weight column and the facts around it."""

from __future__ import annotations

from dataclasses import dataclass, field

from weightcli.report.model import Stats

LINK_PREDICTION_TASKS = frozenset(
    {"static_link_prediction", "temporal_link_prediction", "link_prediction"}
)
UNWEIGHTED_TASKS = frozenset({"forecasting", "temporal_node_prediction"})


@dataclass(frozen=True)
class CheckContext:
    """Inputs of every check. Row numbers are 1-based data rows."""

    column: str
    present: bool
    dtype: str | None = None
    numeric: bool = True
    task: str | None = None
    negative_policy: str = "allow"
    stats: Stats | None = None
    invalid_values: tuple[tuple[int, str], ...] = ()
    """(row, text) of cells that do not parse as numbers, up to a cap."""
    invalid_count: int = 0
    null_rows: tuple[int, ...] = ()
    non_finite_rows: tuple[int, ...] = ()
    negative_rows: tuple[int, ...] = ()
    non_finite_rules: tuple[str, ...] = ()
    """Rules whose weight evaluated to NaN or infinity on some row (``apply`` only)."""
    available_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_link_prediction(self) -> bool:
        """Whether the task is a link prediction task."""
        return self.task in LINK_PREDICTION_TASKS


@dataclass(frozen=True)
class Draft:
    """A finding before the engine gives it a level."""

    message: str
    hint: str
    value: float | int | str | None = None
    threshold: float | int | None = None
    rows: tuple[int, ...] = ()
