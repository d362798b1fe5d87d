"""The commands ``weightcli sql`` and ``weightcli check --stats``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from weightcli.errors import ExitCode, InputError
from weightcli.report.model import FileReport, Report


def require_sql_support(package: str = "sqlglot") -> None:
    """Raise a clear error when an optional package of the SQL support is not installed."""
    import importlib.util

    if importlib.util.find_spec(package) is None:
        raise InputError(
            f"the SQL support needs the {package} package; install it with "
            "pip install 'weightcli[sql]'"
        )


def run_sql(options: dict[str, Any]) -> int:
    """Print the weighting statement, or with ``checks`` the statistics query."""
    require_sql_support()
    from weightcli.runner import _common_overrides, _load
    from weightcli.sql.compile import CompileOptions, compile_weights
    from weightcli.sql.statistics import compile_statistics

    config, _ = _load(options, _common_overrides(options), [])
    dialect = options["dialect"]
    if options.get("checks"):
        sql = compile_statistics(options["table"], config.weight_column, dialect)
    else:
        compile_options = CompileOptions(
            table=options["table"], lookup_table=options.get("lookup_table")
        )
        sql = compile_weights(config, compile_options, dialect)
    sys.stdout.write(sql.rstrip() + ";\n")
    return int(ExitCode.OK)


def stats_report(path: Path, options: dict[str, Any]) -> FileReport:
    """Build the report of a statistics row: the same checks and findings as a local check."""
    from weightcli.api import new_file_report
    from weightcli.checks import CheckContext, run_checks
    from weightcli.runner import _common_overrides, _load
    from weightcli.sql.statistics import read_statistics

    config, config_path = _load(options, _common_overrides(options), [])
    stats, notes = read_statistics(path)
    report = new_file_report(str(path), "check", config, config_path)
    report.rows_in = stats.rows
    report.stats = stats
    report.notes = notes
    context = CheckContext(
        column=config.weight_column,
        present=True,
        dtype="Float64",
        task=config.task,
        negative_policy=config.negative,
        stats=stats,
    )
    report.findings = run_checks(context, config.checks, config.profile)
    return report


def run_check_stats(options: dict[str, Any]) -> int:
    """Run ``weightcli check --stats FILE`` and return its exit code."""
    from weightcli.runner import _emit

    require_sql_support()
    if options.get("input_paths"):
        raise InputError(
            "check takes either INPUT tables or --stats FILE, not both; "
            "run one check per kind of input"
        )
    report = Report(files=[stats_report(Path(options["stats"]), options)])
    _emit(report, options, to_stderr=False)
    return int(report.exit_code)


__all__ = ["require_sql_support", "run_check_stats", "run_sql", "stats_report"]
