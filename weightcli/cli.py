"""The command line: flag parsing only. The work is done in :mod:`weightcli.runner`.

Heavy libraries (polars, pyarrow, rich) are imported inside the commands, so ``--help``
and ``--version`` start fast."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from weightcli._version import __version__
from weightcli.errors import ExitCode
from weightcli.names import PROFILES, TASKS

TABLE_FORMATS = ("parquet", "csv", "tsv", "ndjson", "ipc")
REPORT_FORMATS = ("text", "json", "markdown", "github")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def complete_path(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Let the shell complete file names for a path parameter.

    Path parameters keep click's plain string type, so that weightcli's own messages report
    missing or unreadable files. A ``file`` completion item makes bash, zsh and fish fall back
    to their own file name completion."""
    return [click.shell_completion.CompletionItem(incomplete, type="file")]


def _stack(*decorators: Decorator) -> Decorator:
    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


config_options = _stack(
    click.option(
        "-c",
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help="Config file (default: weightcli.yaml or .weightcli.yaml here or in a parent, "
        "else [tool.weightcli] in pyproject.toml).",
    ),
    click.option("--no-config", is_flag=True, help="Ignore config files found by discovery."),
    click.option("-w", "--weight-column", help="Weight column to write or check."),
    click.option("--task", type=click.Choice(TASKS), help="Kumo task type."),
    click.option("--target", "target_column", help="Target column."),
    click.option(
        "--entity", "entity_column", help="Entity column (link prediction pairs; default ENTITY)."
    ),
    click.option(
        "--time-column",
        "time_column",
        help="Time column (link prediction pairs within a time bucket).",
    ),
    click.option(
        "--profile", type=click.Choice(PROFILES), help="Trainer whose weight rules apply."
    ),
    click.option(
        "--negative",
        type=click.Choice(("allow", "forbid")),
        help="forbid makes every negative weight an error.",
    ),
)

input_options = _stack(
    click.option(
        "--input-format",
        type=click.Choice(TABLE_FORMATS),
        help="Format of the input (default: from the extension; sniffed on standard input).",
    ),
    click.option("--separator", help="CSV field separator (default: comma; tab for .tsv)."),
    click.option("--encoding", help="Text encoding of CSV input (default: utf-8)."),
    click.option(
        "--null-value",
        "null_values",
        multiple=True,
        help="CSV text read as null; repeat for several. Replaces the default list.",
    ),
    click.option("--decimal-comma", is_flag=True, default=None, help="CSV numbers use a comma."),
    click.option("--thousands", help="Thousands separator to strip from CSV numbers."),
)

report_options = _stack(
    click.option(
        "--format",
        "report_format",
        type=click.Choice(REPORT_FORMATS),
        default="text",
        show_default=True,
        help="Report format: text (for people), json (versioned schema), markdown "
        "(CI step summaries), github (workflow annotations).",
    ),
    click.option(
        "--report",
        "report_path",
        shell_complete=complete_path,
        help="Also write the report to this file; its format comes from the extension: "
        ".json, .md or .txt.",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(("error", "warning", "info", "never")),
        help="Lowest finding level that gives exit code 1 (default: error).",
    ),
    click.option(
        "--color",
        type=click.Choice(("auto", "always", "never")),
        default="auto",
        show_default=True,
        help="Colour in the text report; auto honours NO_COLOR and uses colour on terminals.",
    ),
    click.option("-q", "--quiet", is_flag=True, help="Print only the findings."),
    click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help="Add the seconds spent reading, planning, checking, typing CSV columns and writing.",
    ),
)


def _exit_now(code: object) -> None:
    """Flush the standard streams and end the process with ``code``, as sys.exit would.

    The interpreter's own shutdown frees every object and joins polars' threads, which adds
    to the run time after a large table. The commands close their files and remove their
    temporary files before they return, in ``with`` blocks, so skipping it loses nothing."""
    status: int
    if code is None:
        status = ExitCode.OK
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader closed the pipe, as `| head` does, so the rest has no reader.
        pass
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        print(f"weightcli: error: cannot write to standard output: {reason}", file=sys.stderr)
        status = max(status, ExitCode.USAGE)
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        # A profiler or coverage tool writes its results at shutdown.
        sys.exit(status)
    os._exit(status)


class WeightcliGroup(click.Group):
    """Click group that turns weightcli errors into one line on standard error."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        """Run the command line; when weightcli is the program, install the signal handlers
        and the engine settings.

        ``args`` is None only when the arguments come from ``sys.argv``, that is from the
        ``weightcli`` command or ``python -m weightcli``. Callers that pass arguments (click's
        test runner, notebooks) keep their own signal handling and polars settings."""
        if args is not None or rest or "standalone_mode" in extra:
            return super().main(args, *rest, **extra)

        from weightcli import engine, interrupts

        engine.configure_engine()
        interrupts.install()
        try:
            self._run_program(args, **extra)
        except SystemExit as finished:
            _exit_now(finished.code)

    def _run_program(self, args: Sequence[str] | None, **extra: Any) -> None:
        try:
            result = super().main(args, standalone_mode=False, **extra)
        except click.UsageError as error:
            if isinstance(error, getattr(click.exceptions, "NoArgsIsHelpError", ())):
                # `weightcli` alone prints the help, as click does.
                click.echo(error.format_message(), err=True)
                sys.exit(error.exit_code)
            # One line, like every other error: the usage text is one --help away.
            where = error.ctx.command_path if error.ctx is not None else self._path_of(args)
            message = error.format_message().strip()
            if not message.endswith((".", "?", "!")):
                message += "."
            click.echo(f"weightcli: error: {message} See '{where} --help'.", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.exceptions.Abort:
            click.echo("weightcli: aborted", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        sys.exit(result if isinstance(result, int) else ExitCode.OK)

    def _path_of(self, args: Sequence[str] | None) -> str:
        """Return the command path that ``args`` name, such as 'weightcli apply'.

        click raises some errors of a command's options, such as a missing value, before the
        command has a context, so the error carries no command path."""
        for argument in sys.argv[1:] if args is None else args:
            if argument in self.commands:
                return f"weightcli {argument}"
        return "weightcli"

    def invoke(self, ctx: click.Context) -> Any:
        from weightcli import interrupts

        debug = bool(ctx.params.get("debug"))
        interrupts.reset()
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except click.exceptions.Abort:
            raise
        except BrokenPipeError:
            # The reader of standard output has gone, as with `| head`: end quietly.
            interrupts.silence_stream(sys.stdout)
            ctx.exit(ExitCode.OK)
        except KeyboardInterrupt as interrupt:
            interrupts.report_interrupt(interrupt)
            ctx.exit(interrupts.exit_code(interrupt))
        except Exception as error:
            from weightcli.errors import WeightcliError

            if debug:
                raise
            if isinstance(error, WeightcliError):
                click.echo(f"weightcli: error: {error}", err=True)
                ctx.exit(error.exit_code)
            click.echo(
                f"weightcli: internal error: {type(error).__name__}: {error}; "
                "rerun with --debug for the traceback",
                err=True,
            )
            ctx.exit(ExitCode.USAGE)


@click.group(cls=WeightcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="weightcli")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """Add a sample-weight column to training tables and check the weights."""


@main.command()
@click.argument("input_path", metavar="INPUT", shell_complete=complete_path)
@click.option(
    "-o", "--output", shell_complete=complete_path, help="Output path, or - for standard output."
)
@config_options
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar='"COND => WEIGHT"',
    help="Weight rule, appended after the config's rules; repeatable.",
)
@click.option("--default", "default_weight", help="Weight of rows no rule matches.")
@click.option("--mode", type=click.Choice(("first", "multiply")), help="How rules combine.")
@click.option("--balance", "balance_column", help="Class-balance on this column.")
@click.option(
    "--balance-power",
    type=float,
    help="Exponent of the class-balance factor (default 1; 0.5 smooths it to a square root).",
)
@click.option(
    "--balance-null",
    type=click.Choice(("ignore", "class", "error")),
    help="Rows with a null class: ignore (keep their weight; default), class or error.",
)
@click.option("--decay", metavar="COLUMN:HALF_LIFE", help="Recency decay, such as ts:90d.")
@click.option(
    "--decay-reference",
    metavar="max|TIMESTAMP",
    help="Time the age is measured from: max of the column (default) or an ISO timestamp.",
)
@click.option(
    "--lookup",
    "lookup_path",
    shell_complete=complete_path,
    help="Table whose columns rules may use.",
)
@click.option("--on", "lookup_key", help="Key column of --lookup.")
@click.option("--clip", metavar="MIN:MAX", help="Clip weights; either side may be empty.")
@click.option(
    "--clip-max-quantile", type=float, help="Upper clip bound at this quantile, such as 0.99."
)
@click.option(
    "--clip-max-median-ratio",
    type=float,
    help="Upper clip bound at this multiple of the median positive weight.",
)
@click.option(
    "--clip-redistribute",
    is_flag=True,
    default=None,
    help="Spread the trimmed weight over the other rows so the total stays the same.",
)
@click.option("--normalize", type=click.Choice(("none", "mean", "sum")), help="Normalisation.")
@click.option("--on-null", type=click.Choice(("error", "default", "drop")), help="Null weights.")
@click.option("--overwrite", is_flag=True, help="Replace an existing weight column.")
@click.option("--dry-run", is_flag=True, help="Compute the report but write no table.")
@click.option("--force", is_flag=True, help="Write the table even with error findings.")
@click.option("--in-place", is_flag=True, help="Allow -o to name the input (replaced atomically).")
@click.option(
    "--output-format", type=click.Choice(TABLE_FORMATS), help="Format of the output table."
)
@click.option(
    "--engine",
    type=click.Choice(("polars", "duckdb", "spark")),
    default="polars",
    show_default=True,
    help="Engine that computes the weights: polars, or the compiled SQL on DuckDB or Spark.",
)
@input_options
@report_options
def apply(**options: Any) -> None:
    """Add a weight column to INPUT and write the weighted table."""
    if options["engine"] != "polars":
        from weightcli.sql.engine import run_apply_engine

        sys.exit(run_apply_engine(options))
    from weightcli.runner import run_apply

    sys.exit(run_apply(options))


@main.command()
@click.argument("input_paths", metavar="INPUT...", nargs=-1, shell_complete=complete_path)
@click.option(
    "--stats",
    metavar="FILE",
    help="Check the statistics row of `weightcli sql --checks` (CSV or JSON) instead of tables.",
)
@config_options
@input_options
@report_options
def check(**options: Any) -> None:
    """Check the weight column of one or more tables."""
    if options.get("stats"):
        from weightcli.sql.command import run_check_stats

        sys.exit(run_check_stats(options))
    if not options["input_paths"]:
        raise click.UsageError("Missing argument 'INPUT...'.")
    from weightcli.runner import run_check

    sys.exit(run_check(options))


@main.command("sql")
@config_options
@click.option("--table", required=True, help="Table to read, such as analytics.training.")
@click.option(
    "--dialect",
    type=click.Choice(("duckdb", "spark", "databricks", "snowflake", "bigquery", "postgres")),
    default="duckdb",
    show_default=True,
    help="SQL dialect of the statement.",
)
@click.option(
    "--checks",
    is_flag=True,
    help="Print the statistics query of the weight column of --table, for check --stats.",
)
@click.option("--lookup-table", help="Name of the lookup table in the engine (config lookup).")
def sql(**options: Any) -> None:
    """Print one SQL statement that returns --table with the weight column."""
    from weightcli.sql.command import run_sql

    sys.exit(run_sql(options))


@main.command("checks")
@click.option(
    "--format",
    "list_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Colour in the text table; auto honours NO_COLOR and uses colour on terminals.",
)
def checks_command(list_format: str, color: str) -> None:
    """List the checks, their levels and options.

    Prints every check's id, default level, level under each trainer profile, what it
    catches and its options with their defaults."""
    from weightcli.commands import run_checks_listing

    sys.exit(run_checks_listing(list_format, color))


@main.command()
@click.argument("path", default="weightcli.yaml", required=False, shell_complete=complete_path)
@click.option(
    "--from",
    "from_table",
    metavar="TABLE",
    shell_complete=complete_path,
    help="Fill in the columns of this table.",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.option(
    "--input-format",
    type=click.Choice(TABLE_FORMATS),
    help="Format of TABLE (default: from the extension).",
)
def init(path: str, from_table: str | None, force: bool, input_format: str | None) -> None:
    """Write a commented starter config.

    PATH defaults to weightcli.yaml; - prints the config instead. With --from TABLE the
    config names the table's columns and guesses the task from its target column."""
    from weightcli.commands import run_init

    sys.exit(run_init(path, from_table, force=force, input_format=input_format))


@main.command()
def schema() -> None:
    """Print the config file's JSON Schema.

    Editors and validators use it to complete and check weightcli.yaml."""
    from weightcli.commands import run_schema

    sys.exit(run_schema())


if __name__ == "__main__":
    main()
