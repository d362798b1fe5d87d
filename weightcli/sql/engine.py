"""``weightcli apply --engine duckdb|spark``: run the compiled SQL instead of the polars plan.

The engine reads the Parquet input, runs the statement of :mod:`weightcli.sql.compile` into a
temporary result table, computes the report's figures with the statistics query of
:mod:`weightcli.sql.statistics` on that table, and writes the rows in input order through
the same atomic writer as the polars engine."""

from __future__ import annotations

import glob
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from weightcli.config.model import Config
from weightcli.errors import ConfigError, InputError, RuleError
from weightcli.report.model import FileReport, Report

FILE_COLUMN = "__wc_file"
ROW_COLUMN = "__wc_row"
INPUT_VIEW = "__wc_input"
RESULT_TABLE = "__wc_result"
EXAMPLE_ROWS = 10


def engine_error(error: Exception, engine: str) -> Exception:
    """Turn an engine error into the weightcli error it stands for.

    A failed guard of the compiled SQL carries a message that starts with 'weightcli: '."""
    text = str(error)
    marker = text.find("weightcli: ")
    if marker >= 0:
        message = text[marker + len("weightcli: ") :].splitlines()[0]
        return InputError(message.rstrip("'\")"))
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return RuleError(f"the compiled SQL failed on {engine}: {first}")


class Backend(Protocol):
    """Operations the engine runs on DuckDB or Spark."""

    dialect: str

    def register_input(self, files: list[str]) -> list[str]:
        """Expose the files as INPUT_VIEW with FILE_COLUMN and ROW_COLUMN; return the columns."""
        ...

    def register_lookup(self, path: str) -> str:
        """Expose the lookup file as a view and return its name."""
        ...

    def create_result(self, sql: str) -> None:
        """Run ``sql`` and keep its rows as RESULT_TABLE."""
        ...

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """Run a query and return its rows as mappings."""
        ...

    def result_arrow(self, columns: list[str]) -> Any:
        """Return RESULT_TABLE's ``columns`` in input order as a pyarrow Table."""
        ...

    def close(self) -> None:
        """Release the engine's resources."""
        ...


@dataclass(frozen=True)
class Input:
    """The Parquet files of the input, in the order the polars engine reads them."""

    name: str
    files: list[str]
    path: Path | None


def resolve_input(source: str, engine: str) -> Input:
    """Return the Parquet files that ``source`` names, or raise when the engine cannot read it."""
    hint = f"--engine {engine} reads Parquet files; use --engine polars for other inputs"
    if source == "-":
        raise InputError(f"--engine {engine} cannot read standard input; {hint}")
    path = Path(source)
    if any(char in source for char in "*?[") and not path.exists():
        files = sorted(glob.glob(source, recursive=True))
        if not files:
            raise InputError(f"no file matches '{source}'; check the pattern")
        resolved = None
    elif path.is_dir():
        raise InputError(
            f"input '{source}' is a folder; --engine {engine} reads Parquet files or a glob "
            f"such as '{source}/*.parquet' (hive partition columns are not read)"
        )
    elif not path.is_file():
        raise InputError(f"input file '{source}' not found; check the path")
    else:
        files = [source]
        resolved = path
    wrong = [name for name in files if not name.lower().endswith((".parquet", ".pq"))]
    if wrong:
        raise InputError(f"input '{wrong[0]}' is not a Parquet file; {hint}")
    return Input(name=source, files=files, path=resolved)


def _stats_row(backend: Backend, config: Config) -> tuple[Any, list[str]]:
    from weightcli.sql.statistics import compile_statistics, statistics_from_row

    sql = compile_statistics(RESULT_TABLE, config.weight_column, backend.dialect, pretty=False)
    rows = backend.rows(sql)
    return statistics_from_row(rows[0], f"the {backend.dialect} statistics query")


def _example_rows(backend: Backend, config: Config, condition: str) -> tuple[int, ...]:
    from weightcli.sql.dialects import quote, to_dialect

    ordered = f"ROW_NUMBER() OVER (ORDER BY {quote(FILE_COLUMN)}, {quote(ROW_COLUMN)})"
    text = (
        f'SELECT "__wc_n" FROM (SELECT {ordered} AS "__wc_n", '
        f'{quote(config.weight_column)} AS "w" FROM {quote(RESULT_TABLE)}) AS "__wc_numbered" '
        f'WHERE {condition} ORDER BY "__wc_n" LIMIT {EXAMPLE_ROWS}'
    )
    sql = to_dialect(text, backend.dialect, {}, pretty=False)
    return tuple(int(row["__wc_n"]) for row in backend.rows(sql))


def _report(backend: Backend, config: Config, config_path: Path | None, name: str) -> FileReport:
    from weightcli.api import new_file_report
    from weightcli.checks import CheckContext, run_checks

    stats, notes = _stats_row(backend, config)
    report = new_file_report(name, "apply", config, config_path)
    report.rows_out = stats.rows
    report.stats = stats
    report.notes = [f"engine: {backend.dialect} ran the compiled SQL", *notes]
    context = CheckContext(
        column=config.weight_column,
        present=True,
        dtype="Float64",
        task=config.task,
        negative_policy=config.negative,
        stats=stats,
        null_rows=_example_rows(backend, config, '"w" IS NULL') if stats.nulls else (),
        non_finite_rows=(
            _example_rows(backend, config, '"w" IS NOT NULL AND NOT ("w" - "w" = 0)')
            if stats.non_finite
            else ()
        ),
        negative_rows=_example_rows(backend, config, '"w" < 0') if stats.negatives else (),
    )
    report.findings = run_checks(context, config.checks, config.profile)
    return report


def _backend(engine: str) -> Backend:
    from weightcli.sql.command import require_sql_support

    require_sql_support("sqlglot")
    if engine == "duckdb":
        require_sql_support("duckdb")
        from weightcli.sql.duckdb_backend import DuckDBBackend

        return DuckDBBackend()
    from weightcli.sql.spark_backend import SparkBackend

    return SparkBackend()


def _check_columns(config: Config, columns: list[str], overwrite: bool, name: str) -> None:
    clashing = [column for column in (FILE_COLUMN, ROW_COLUMN) if column in columns]
    if clashing:
        raise InputError(f"input '{name}' has a column '{clashing[0]}', which the engine uses")
    if config.weight_column in columns and not overwrite:
        raise ConfigError(
            f"column '{config.weight_column}' already exists in '{name}'; pass "
            "--overwrite to replace it, or -w NAME to write another column"
        )


def run_apply_engine(options: dict[str, Any]) -> int:
    """Run ``weightcli apply`` on DuckDB or Spark and return its exit code."""
    import polars as pl

    from weightcli.io.write import check_output, write_table
    from weightcli.runner import (
        _apply_overrides,
        _emit,
        _load,
        _output_format,
        _output_separator,
        _provenance,
        _same_file,
    )
    from weightcli.sql.compile import CompileOptions, compile_weights

    engine = options["engine"]
    overrides, rules = _apply_overrides(options)
    config, config_path = _load(options, overrides, rules)
    source = resolve_input(options["input_path"], engine)

    destination = options.get("output")
    if destination is None and not sys.stdout.isatty():
        destination = "-"
    if destination is not None and _same_file(source.path, destination):
        raise InputError(
            f"output '{destination}' is the input; --engine {engine} cannot replace its input, "
            "choose another output"
        )
    output_format = None
    if destination is not None and not options.get("dry_run"):
        output_format = _output_format(destination, options, "parquet")
        check_output(destination, output_format, {})

    backend = _backend(engine)
    try:
        columns = backend.register_input(source.files)
        table_columns = [c for c in columns if c not in (FILE_COLUMN, ROW_COLUMN)]
        _check_columns(config, table_columns, bool(options.get("overwrite")), source.name)
        lookup_view = backend.register_lookup(config.lookup.path) if config.lookup else None
        compile_options = CompileOptions(
            table=INPUT_VIEW,
            lookup_table=lookup_view,
            columns=(*table_columns, FILE_COLUMN, ROW_COLUMN),
        )
        backend.create_result(compile_weights(config, compile_options, engine, pretty=False))

        report = _report(backend, config, config_path, source.name)
        rows_in = backend.rows(f"SELECT COUNT(*) AS n FROM {INPUT_VIEW}")[0]
        report.rows_in = int(next(iter(rows_in.values())))
        if report.rows_in != report.rows_out:
            dropped = report.rows_in - (report.rows_out or 0)
            report.notes.append(f"on_null: dropped {dropped:,} rows whose weight is null")

        output_columns = list(table_columns)
        if config.weight_column not in output_columns:
            output_columns.append(config.weight_column)

        written = False
        if options.get("dry_run"):
            report.notes.append("dry run: no table written")
        elif destination is None:
            report.notes.append("no table written: pass -o PATH (or -o - for standard output)")
        elif report.has_errors and not options.get("force"):
            report.notes.append(
                "no table written because of error findings; fix them or pass --force"
            )
        else:
            assert output_format is not None
            # NOTE: the result passes through memory as one Arrow table before the write.
            frame = pl.from_arrow(backend.result_arrow(output_columns))
            assert isinstance(frame, pl.DataFrame)
            write_table(
                frame.lazy(),
                destination,
                output_format,
                separator=_output_separator(config, output_format),
                metadata=_provenance(config, report) if output_format == "parquet" else None,
            )
            written = True
    finally:
        backend.close()

    report.output = None
    if written:
        report.output = "standard output" if destination == "-" else destination
    _emit(Report(files=[report]), options, to_stderr=destination == "-")
    return int(report.exit_code)


__all__ = ["Input", "engine_error", "resolve_input", "run_apply_engine"]
