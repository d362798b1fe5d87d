"""What a check sees: the figures of a weight column and the facts around it."""

from __future__ import annotations

from dataclasses import dataclass, field

from weightcli.checks.format import rows_text
from weightcli.report.model import ClassFigures, Stats

LINK_PREDICTION_TASKS = frozenset(
    {"static_link_prediction", "temporal_link_prediction", "link_prediction"}
)
UNWEIGHTED_TASKS = frozenset({"forecasting", "temporal_node_prediction"})
CLASSIFICATION_TASKS = frozenset(
    {
        "binary_classification",
        "multiclass_classification",
        "multilabel_classification",
        "multilabel_ranking",
    }
)


@dataclass(frozen=True)
class LengthMismatch:
    """Rows whose list-valued weight does not line up with the target of the same row."""

    target_column: str
    target_dtype: str
    target_is_list: bool
    rows: int
    """Rows with a mismatch: lengths differ, or the target is not a list at all."""
    examples: tuple[tuple[int, int, int | None], ...] = ()
    """(row, weight list length, target list length or None) of the first mismatched rows."""


@dataclass(frozen=True)
class DuplicatePairs:
    """Rows of a link prediction table that repeat an (entity, target[, time]) key."""

    key_columns: tuple[str, ...]
    pairs: int
    """Distinct keys that occur in more than one row."""
    rows: int
    """Rows that carry one of those keys."""
    examples: tuple[int, ...] = ()
    merged_mass: float | None = None
    """Finite weight mass that merging each key's rows into one row with the max weight drops."""
    total_mass: float | None = None


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
    list_valued: bool = False
    """Whether each weight cell is a list; counts in ``stats`` then cover the list elements."""
    null_lists: int = 0
    """Rows whose whole weight list is null; each counts as one null weight."""
    null_row_count: int | None = None
    """Rows holding a null weight, when list-valued (a row can hold several)."""
    non_finite_row_count: int | None = None
    negative_row_count: int | None = None
    length_mismatch: LengthMismatch | None = None
    duplicate_pairs: DuplicatePairs | None = None
    class_column: str | None = None
    classes: tuple[ClassFigures, ...] = ()
    """Figures of every class of ``class_column``, most rows first (not capped)."""

    @property
    def is_link_prediction(self) -> bool:
        """Whether the task is a link prediction task."""
        return self.task in LINK_PREDICTION_TASKS

    @property
    def weight_count(self) -> int:
        """Number of weights: list elements when list-valued, else rows."""
        if self.stats is None:
            return 0
        return self.stats.elements if self.stats.elements is not None else self.stats.rows

    def rows_holding(self, examples: tuple[int, ...], row_count: int | None, weights: int) -> str:
        """Describe the example rows of ``weights`` weights of one kind, such as 'rows 2, 5 and
        3 more'. ``row_count`` is how many rows hold them when list-valued, else None."""
        return rows_text(examples, weights if row_count is None else row_count)

    @property
    def weight_unit(self) -> str:
        """What one weight belongs to, for messages: 'rows' or 'list elements'."""
        return "list elements" if self.list_valued else "rows"


@dataclass(frozen=True)
class Draft:
    """A finding before the engine gives it a level."""

    message: str
    hint: str
    value: float | int | str | None = None
    threshold: float | int | None = None
    rows: tuple[int, ...] = ()
