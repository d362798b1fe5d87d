"""The library API: ``apply`` and ``check`` on polars or pandas tables, and the file-level
functions the command line uses."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import polars as pl

from weightcli.checks import CheckContext, run_checks
from weightcli.config.model import Config
from weightcli.errors import ConfigError
from weightcli.histogram import histogram_of_sorted
from weightcli.io.read import Table
from weightcli.report.model import FileReport, Report
from weightcli.roles import check_columns, class_facts, missing_role_notes, table_facts
from weightcli.stats import compute_stats_and_order, row_examples
from weightcli.weights.column import read_weight_column
from weightcli.weights.pipeline import WeightPlan, build_plan, weighted_frame


def new_file_report(
    source: str, command: str, config: Config, config_path: Path | None
) -> FileReport:
    """Start the report of one table with the settings the config resolved."""
    return FileReport(
        source=source,
        command=command,
        weight_column=config.weight_column,
        profile=config.profile,
        fail_on=config.fail_on,
        task=config.task,
        config_path=str(config_path) if config_path is not None else None,
    )


def _new_report(table: Table, config: Config, command: str, config_path: Path | None) -> FileReport:
    report = new_file_report(table.name, command, config, config_path)
    report.provenance = _provenance(table)
    return report


def _provenance(table: Table) -> dict[str, Any] | None:
    """Return the ``weightcli`` metadata that an earlier ``apply`` wrote into a Parquet file."""
    text = table.metadata.get("weightcli")
    if text is None:
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return {"unreadable": text[:200]}
    return document if isinstance(document, dict) else {"unreadable": text[:200]}


# The settings that ``check`` takes from the provenance of a table when nothing else sets them.
RECORDED_ROLES = ("weight_column", "task", "target_column", "entity_column", "time_column")


def _with_recorded_roles(
    config: Config, provenance: dict[str, Any] | None
) -> tuple[Config, list[str]]:
    """Return ``config`` with the weight column, task and column roles that ``apply``
    recorded in the table, for each one that ``config`` leaves at its default, and the keys
    it changed. A flag or a config file that sets a key wins over the record."""
    recorded = (provenance or {}).get("config")
    if not isinstance(recorded, dict):
        return config, []
    defaults = Config()
    recorded_roles = {
        key: recorded[key]
        for key in RECORDED_ROLES
        if key in recorded
        and getattr(config, key) == getattr(defaults, key)
        and recorded[key] != getattr(defaults, key)
    }
    if not recorded_roles:
        return config, []
    try:
        merged = {**config.model_dump(), **recorded_roles}
        return Config.model_validate(merged), list(recorded_roles)
    except ConfigError:
        # A record from another weightcli version may not validate; the flags then stand.
        return config, []


def check_table(table: Table, config: Config, config_path: Path | None = None) -> FileReport:
    """Check the weight column of an opened table and return its report.

    The weight column, task and column roles that ``apply`` recorded in the table's
    provenance apply where the config leaves them at their defaults."""
    config, recorded_keys = _with_recorded_roles(config, _provenance(table))
    report = _new_report(table, config, "check", config_path)
    if recorded_keys:
        *first, last = recorded_keys
        keys = f"{', '.join(first)} and {last}" if first else last
        report.notes.append(f"provenance: {keys} come from the table's weightcli metadata")
    column = config.weight_column
    if column not in table.schema:
        context = CheckContext(
            column=column,
            present=False,
            task=config.task,
            negative_policy=config.negative,
            available_columns=tuple(table.columns),
        )
        report.findings = run_checks(context, config.checks, config.profile)
        return report

    started = time.perf_counter()
    frame = _collect_columns(table, check_columns(config, table.schema))
    weight = read_weight_column(table, column, frame)
    report.rows_in = frame.height
    report.timings["read"] = time.perf_counter() - started
    started = time.perf_counter()
    context_arguments: dict[str, Any] = {}
    if weight.values is not None and weight.invalid_count == 0:
        table_rows = frame.height if weight.list_valued else None
        report.stats, ordered = compute_stats_and_order(
            weight.values, f"'{table.name}'", table_rows=table_rows
        )
        report.histogram = histogram_of_sorted(ordered)
        del ordered
        examples = row_examples(weight.values, weight.row_index)
        context_arguments = {
            "stats": report.stats,
            "null_rows": examples.nulls,
            "non_finite_rows": examples.non_finite,
            "negative_rows": examples.negatives,
            "list_valued": weight.list_valued,
            "null_lists": weight.null_lists,
            "null_row_count": examples.null_row_count,
            "non_finite_row_count": examples.non_finite_row_count,
            "negative_row_count": examples.negative_row_count,
        }
        facts = table_facts(config, table.columns, frame, weight)
        context_arguments.update(facts.context)
        report.classes = facts.classes
        report.notes.extend(facts.notes)
    context = CheckContext(
        column=column,
        present=True,
        dtype=weight.dtype,
        numeric=weight.numeric,
        task=config.task,
        negative_policy=config.negative,
        invalid_values=weight.invalid,
        invalid_count=weight.invalid_count,
        available_columns=tuple(table.columns),
        **context_arguments,
    )
    report.findings = run_checks(context, config.checks, config.profile)
    report.timings["check"] = time.perf_counter() - started
    return report


ALL_FIELDS = "__weightcli_all_fields"


def _collect_columns(table: Table, columns: list[str]) -> pl.DataFrame:
    from weightcli.weights.prepass import collect

    others = [name for name in table.columns if name not in columns]
    if not table.text or not others:
        return collect(table.frame.select(columns), table.name)
    # polars finds a CSV row with more fields than the header only when it parses every
    # column. One Boolean over the other columns makes it parse them without keeping them.
    every_field = pl.any_horizontal(pl.col(name).is_null() for name in others)
    frame = collect(table.frame.select(*columns, every_field.alias(ALL_FIELDS)), table.name)
    return frame.drop(ALL_FIELDS)


# Hints for an existing weight column, in the words of the command and of Python.
COMMAND_OVERWRITE_HINT = "pass --overwrite to replace it, or -w NAME to write another column"
PYTHON_OVERWRITE_HINT = (
    "pass overwrite=True to replace it, or set weight_column to write another column"
)


def plan_table(
    table: Table,
    config: Config,
    config_path: Path | None = None,
    overwrite: bool = False,
    *,
    keep_weights: bool = False,
    overwrite_hint: str = COMMAND_OVERWRITE_HINT,
) -> tuple[WeightPlan, FileReport]:
    """Fit the weights of an opened table and return the plan and its report.

    The plan drops its in-memory weights once the report has its figures, unless
    ``keep_weights`` is set because the write appends them as they are. ``overwrite_hint``
    ends the error about an existing weight column."""
    if config.weight_column in table.schema and not overwrite:
        raise ConfigError(
            f"column '{config.weight_column}' already exists in '{table.name}'; {overwrite_hint}"
        )

    started = time.perf_counter()
    plan = build_plan(table, config)
    report = _new_report(table, config, "apply", config_path)
    report.timings["plan"] = time.perf_counter() - started
    started = time.perf_counter()
    report.rows_in = plan.rows_in
    report.rows_out = plan.rows_out
    report.stats, ordered = compute_stats_and_order(plan.weights, f"'{table.name}'")
    report.histogram = histogram_of_sorted(ordered)
    del ordered
    report.stages = plan.stage_figures(report.stats)
    report.rules = plan.rules
    report.notes = plan.notes
    report.notes.extend(missing_role_notes(config, table.columns, ("target_column",)))
    class_arguments: dict[str, Any] = {}
    if plan.target is not None:
        facts = class_facts(plan.target.name, plan.target, plan.weights)
        class_arguments = facts.context
        report.classes = facts.classes
        report.notes.extend(facts.notes)

    examples = row_examples(plan.weights)
    context = CheckContext(
        column=config.weight_column,
        present=True,
        dtype="Float64",
        task=config.task,
        negative_policy=config.negative,
        stats=report.stats,
        null_rows=examples.nulls,
        non_finite_rows=examples.non_finite,
        negative_rows=examples.negatives,
        non_finite_rules=plan.non_finite_rules,
        available_columns=tuple(table.columns),
        **class_arguments,
    )
    report.findings = run_checks(context, config.checks, config.profile)
    report.timings["check"] = time.perf_counter() - started
    if not keep_weights:
        plan.release_figures()
    return plan, report


def _as_table(data: Any, name: str) -> Table:
    if isinstance(data, pl.LazyFrame):
        frame = data
    elif isinstance(data, pl.DataFrame):
        frame = data.lazy()
    elif type(data).__module__.startswith("pandas"):
        frame = pl.from_pandas(data).lazy()
    else:
        raise TypeError(
            f"expected a polars DataFrame or LazyFrame or a pandas DataFrame, "
            f"not {type(data).__name__}"
        )
    return Table(name=name, format="polars", frame=frame, schema=dict(frame.collect_schema()))


def _as_config(config: Config | dict[str, Any] | None) -> Config:
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    from weightcli.config.load import load_config

    return load_config(None, overrides=config, source_label="config")


def apply(
    data: Any,
    config: Config | dict[str, Any] | None = None,
    *,
    overwrite: bool = False,
    name: str = "<table>",
) -> tuple[pl.LazyFrame, Report]:
    """Add the weight column to ``data`` and return the weighted LazyFrame and the report.

    ``config`` is a :class:`Config` or a mapping with the keys of ``weightcli.yaml``. The
    pre-pass runs now; the returned LazyFrame computes the weights when collected or sunk."""
    table = _as_table(data, name)
    plan, report = plan_table(
        table, _as_config(config), overwrite=overwrite, overwrite_hint=PYTHON_OVERWRITE_HINT
    )
    return weighted_frame(table, plan), Report(files=[report])


def check(
    data: Any, config: Config | dict[str, Any] | None = None, *, name: str = "<table>"
) -> Report:
    """Check the weight column of ``data`` and return the report."""
    table = _as_table(data, name)
    return Report(files=[check_table(table, _as_config(config))])
