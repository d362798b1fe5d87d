"""The command line: flag parsing only. The work is done in :mod:`weightcli.runner`.

Heavy libraries (polars, pyarrow, rich) are imported inside the commands, so ``--help``
and ``--version`` start fast."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from weightcli._version import __version__
from weightcli.errors import ExitCode

TASK_CHOICES = (
    "binary_classification",
    "multiclass_classification",
    "multilabel_classification",
    "multilabel_ranking",
    "regression",
    "forecasting",
    "static_link_prediction",
    "temporal_link_prediction",
    "link_prediction",
    "temporal_node_prediction",
)
PROFILE_CHOICES = ("kumo", "xgboost", "lightgbm", "catboost", "sklearn", "torch-sampler")
TABLE_FORMATS = ("parquet", "csv", "tsv", "ndjson", "ipc")
REPORT_FORMATS = ("text", "json")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


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
    click.option("--task", type=click.Choice(TASK_CHOICES), help="Kumo task type."),
    click.option("--target", "target_column", help="Target column."),
    click.option(
        "--profile", type=click.Choice(PROFILE_CHOICES), help="Trainer whose weight rules apply."
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
        help="Report format.",
    ),
    click.option("--report", "report_path", help="Also write the report to this file."),
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
)


class WeightcliGroup(click.Group):
    """Click group that turns weightcli errors into one line on standard error."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except click.exceptions.Abort:
            raise
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(ExitCode.OK)
        except KeyboardInterrupt:
            click.echo("weightcli: interrupted; no output was written", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
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


def _silence_stdout() -> None:
    # After a broken pipe, point standard output at /dev/null so that the interpreter's
    # final flush does not print a second error.
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=WeightcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="weightcli")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """Add a sample-weight column to training tables and check the weights."""


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", help="Output path, or - for standard output.")
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
@click.option("--decay", metavar="COLUMN:HALF_LIFE", help="Recency decay, such as ts:90d.")
@click.option("--lookup", "lookup_path", help="Table whose columns rules may use.")
@click.option("--on", "lookup_key", help="Key column of --lookup.")
@click.option("--clip", metavar="MIN:MAX", help="Clip weights; either side may be empty.")
@click.option("--normalize", type=click.Choice(("none", "mean", "sum")), help="Normalisation.")
@click.option("--on-null", type=click.Choice(("error", "default", "drop")), help="Null weights.")
@click.option("--overwrite", is_flag=True, help="Replace an existing weight column.")
@click.option("--dry-run", is_flag=True, help="Compute the report but write no table.")
@click.option("--force", is_flag=True, help="Write the table even with error findings.")
@click.option("--in-place", is_flag=True, help="Allow -o to name the input (replaced atomically).")
@click.option(
    "--output-format", type=click.Choice(TABLE_FORMATS), help="Format of the output table."
)
@input_options
@report_options
def apply(**options: Any) -> None:
    """Add a weight column to INPUT and write the weighted table."""
    from weightcli.runner import run_apply

    sys.exit(run_apply(options))


@main.command()
@click.argument("input_paths", metavar="INPUT...", nargs=-1, required=True)
@config_options
@input_options
@report_options
def check(**options: Any) -> None:
    """Check the weight column of one or more tables."""
    from weightcli.runner import run_check

    sys.exit(run_check(options))


if __name__ == "__main__":
    main()
