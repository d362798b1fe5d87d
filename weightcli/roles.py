"""Columns that play the target, entity and time roles, which of them the enabled checks
read, and the facts the class and link checks derive from them.

Defaults follow Kumo's training tables: the target is ``TARGET``, the entity ``ENTITY`` and
the time ``ANCHOR_TIMESTAMP``, each used only when the config names no other column and the
table has it. A column is read only when a check that needs it is enabled."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from weightcli.checks.context import CLASSIFICATION_TASKS, LINK_PREDICTION_TASKS
from weightcli.checks.registry import CHECKS_BY_ID, resolve_level
from weightcli.config.model import Config
from weightcli.report.model import ClassFigures

if TYPE_CHECKING:
    from weightcli.weights.column import WeightColumn

DEFAULT_TARGET = "TARGET"
DEFAULT_ENTITY = "ENTITY"
DEFAULT_TIME = "ANCHOR_TIMESTAMP"
CLASS_CHECKS = ("class-zero-weight", "class-imbalance")


def enabled(check_id: str, config: Config) -> bool:
    """Whether the config leaves the check at a level other than ``off``."""
    spec = CHECKS_BY_ID[check_id]
    return resolve_level(spec, config.checks, config.profile, config.negative) != "off"


def _is_list(dtype: Any) -> bool:
    return isinstance(dtype, pl.List | pl.Array)


def class_column(config: Config, columns: Collection[str]) -> str | None:
    """Return the target column that the per-class figures use, or None.

    The configured ``target_column`` counts for any task except regression, forecasting and
    link prediction, whose targets are no classes. ``TARGET`` counts only for classification
    tasks, because a task-less table's ``TARGET`` may be a regression target."""
    if not any(enabled(check_id, config) for check_id in CLASS_CHECKS):
        return None
    if config.task is not None and config.task not in CLASSIFICATION_TASKS:
        return None
    if config.target_column is not None:
        return config.target_column if config.target_column in columns else None
    if config.task in CLASSIFICATION_TASKS and DEFAULT_TARGET in columns:
        return DEFAULT_TARGET
    return None


def list_target_column(config: Config, schema: Mapping[str, Any]) -> str | None:
    """Return the target column to line up with a list-valued weight, or None."""
    if not enabled("list-length-mismatch", config):
        return None
    weight_dtype = schema.get(config.weight_column)
    if weight_dtype is None or not _is_list(weight_dtype):
        return None
    target = config.target_column or DEFAULT_TARGET
    return target if target in schema else None


def pair_columns(config: Config, schema: Mapping[str, Any]) -> list[str] | None:
    """Return the (entity, target[, time]) key columns of ``duplicate-pairs``, or None.

    The check applies to link prediction tables with one target per row, so a list-valued
    target (one row per entity and time) has no pairs to repeat."""
    if config.task not in LINK_PREDICTION_TASKS or not enabled("duplicate-pairs", config):
        return None
    entity = config.entity_column or DEFAULT_ENTITY
    target = config.target_column or DEFAULT_TARGET
    if entity not in schema or target not in schema or _is_list(schema[target]):
        return None
    keys = [entity, target]
    if config.time_column is not None:
        if config.time_column not in schema:
            return None
        keys.append(config.time_column)
    elif DEFAULT_TIME in schema:
        keys.append(DEFAULT_TIME)
    return keys


def check_columns(config: Config, schema: Mapping[str, Any]) -> list[str]:
    """Return the columns ``check`` reads: the weight, then the role columns it needs."""
    candidates = [config.weight_column]
    candidates.append(class_column(config, schema) or "")
    candidates.append(list_target_column(config, schema) or "")
    candidates.extend(pair_columns(config, schema) or [])
    columns: list[str] = []
    for name in candidates:
        if name and name not in columns:
            columns.append(name)
    return columns


def missing_role_notes(
    config: Config,
    columns: Collection[str],
    keys: tuple[str, ...] = ("target_column", "entity_column", "time_column"),
) -> list[str]:
    """Return notes for the configured role columns among ``keys`` that the table lacks."""
    notes = []
    for key in keys:
        name = getattr(config, key)
        if name is not None and name not in columns:
            notes.append(
                f"{key} '{name}' is not in the table, so the checks that need it were skipped"
            )
    return notes


@dataclass
class TableFacts:
    """Facts for the class and link checks, and the class figures and notes of the report."""

    context: dict[str, Any] = field(default_factory=dict)
    classes: list[ClassFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def class_facts(column: str, target: pl.Series, weights: pl.Series) -> TableFacts:
    """Compute the per-class figures of one weight per row and the report's capped list."""
    from weightcli.classes import cap_classes, class_figures

    if _is_list(target.dtype):
        # NOTE: list-valued targets (multilabel) get no per-class figures yet.
        return TableFacts(notes=[f"per-class figures skipped: target '{column}' is list-valued"])

    figures = class_figures(target, weights)
    shown, note = cap_classes(figures, column)
    return TableFacts(
        context={"class_column": column, "classes": tuple(figures)},
        classes=shown,
        notes=[note] if note else [],
    )


def table_facts(
    config: Config, table_columns: Collection[str], frame: pl.DataFrame, weight: WeightColumn
) -> TableFacts:
    """Derive the class and link facts of ``check`` from ``frame``, the collected projection
    of the columns that :func:`check_columns` chose from ``table_columns``."""
    from weightcli import link

    facts = TableFacts(notes=missing_role_notes(config, table_columns))
    if weight.values is None:
        return facts

    schema = dict(frame.schema)
    target = class_column(config, schema)
    if target is not None and weight.list_valued:
        facts.notes.append("per-class figures skipped: the weight column is list-valued")
    elif target is not None:
        found = class_facts(target, frame.get_column(target), weight.values)
        facts.context.update(found.context)
        facts.classes = found.classes
        facts.notes.extend(found.notes)

    list_target = list_target_column(config, schema)
    if list_target is not None and weight.lists is not None:
        mismatch = link.length_mismatch(weight.lists, frame.get_column(list_target))
        facts.context["length_mismatch"] = mismatch

    keys = pair_columns(config, schema)
    if keys is not None:
        scalar_weights = None if weight.list_valued else weight.values
        facts.context["duplicate_pairs"] = link.duplicate_pairs(frame.select(keys), scalar_weights)
    return facts
