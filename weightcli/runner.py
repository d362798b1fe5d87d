"""Command bodies: resolve the config, open tables, apply or check, write, report."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weightcli.config.load import resolve_config
from weightcli.config.model import Config
from weightcli.errors import ConfigError, ExitCode, InputError, WeightcliError
from weightcli.interrupts import silence_stream
from weightcli.progress import RowProgress, row_progress, showing
from weightcli.report.model import FileReport, Report

if TYPE_CHECKING:
    from weightcli.io.append import Footer
    from weightcli.io.read import Table
    from weightcli.weights.pipeline import WeightPlan


def _parse_rule(text: str, index: int) -> dict[str, Any]:
    if "=>" not in text:
        return {"weight": _number_or_text(text.strip()), "name": f"--rule {index}"}
    condition, weight = text.split("=>", 1)
    if not condition.strip() or not weight.strip():
        raise ConfigError(
            f'--rule "{text}" is invalid; expected "CONDITION => WEIGHT", '
            'such as "distance > 1000 => 2"'
        )
    return {
        "when": condition.strip(),
        "weight": _number_or_text(weight.strip()),
        "name": f"--rule {index}",
    }


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _parse_clip(text: str) -> dict[str, float]:
    if ":" not in text:
        raise ConfigError(f"--clip '{text}' is invalid; expected MIN:MAX such as 0.1:100 or :100")
    low, high = text.split(":", 1)
    bounds: dict[str, float] = {}
    for key, value in (("min", low), ("max", high)):
        if value.strip():
            try:
                bounds[key] = float(value)
            except ValueError:
                raise ConfigError(
                    f"--clip '{text}': {key} '{value}' is not a number; expected MIN:MAX"
                ) from None
    return bounds


def _parse_decay(text: str) -> dict[str, str]:
    column, separator, half_life = text.rpartition(":")
    if not separator or not column or not half_life:
        raise ConfigError(
            f"--decay '{text}' is invalid; expected COLUMN:HALF_LIFE such as ANCHOR_TIMESTAMP:90d"
        )
    return {"column": column, "half_life": half_life}


def _common_overrides(options: dict[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    simple = {
        "weight_column": "weight_column",
        "task": "task",
        "target_column": "target_column",
        "entity_column": "entity_column",
        "time_column": "time_column",
        "profile": "profile",
        "negative": "negative",
    }
    for option, key in simple.items():
        if options.get(option) is not None:
            overrides[key] = options[option]
    if options.get("fail_on") is not None:
        overrides["checks"] = {"fail_on": options["fail_on"]}

    csv: dict[str, Any] = {}
    for option in ("separator", "encoding", "thousands", "decimal_comma"):
        if options.get(option) is not None:
            csv[option] = options[option]
    if options.get("null_values"):
        csv["null_values"] = list(options["null_values"])
    if csv:
        overrides["csv"] = csv
    return overrides


def _apply_overrides(options: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    overrides = _common_overrides(options)
    if options.get("default_weight") is not None:
        overrides["default"] = _number_or_text(options["default_weight"])
    for option in ("mode", "normalize", "on_null"):
        if options.get(option) is not None:
            overrides[option] = options[option]
    clip: dict[str, Any] = _parse_clip(options["clip"]) if options.get("clip") is not None else {}
    balance: dict[str, Any] = {}
    decay: dict[str, Any] = (
        _parse_decay(options["decay"]) if options.get("decay") is not None else {}
    )
    for option, section, key in (
        ("clip_max_quantile", clip, "max_quantile"),
        ("clip_max_median_ratio", clip, "max_median_ratio"),
        ("clip_redistribute", clip, "redistribute"),
        ("balance_column", balance, "column"),
        ("balance_power", balance, "power"),
        ("balance_null", balance, "null"),
        ("decay_reference", decay, "reference"),
    ):
        if options.get(option) is not None:
            section[key] = options[option]
    for key, section in (("clip", clip), ("balance", balance), ("decay", decay)):
        if section:
            overrides[key] = section
    if options.get("lookup_path") is not None or options.get("lookup_key") is not None:
        if not options.get("lookup_path") or not options.get("lookup_key"):
            raise ConfigError("--lookup and --on go together; pass both PATH and KEY")
        overrides["lookup"] = {"path": options["lookup_path"], "on": options["lookup_key"]}
    rules = [_parse_rule(text, index) for index, text in enumerate(options["rules"], start=1)]
    return overrides, rules


def _check_report_path(report_path: str | None) -> None:
    """Reject a report file with an unknown extension or a missing folder before any work,
    so that a bad --report never follows a written table."""
    if not report_path:
        return
    from weightcli.report.render import format_for_path

    format_for_path(report_path)
    folder = Path(report_path).parent
    if not folder.is_dir():
        raise InputError(f"report folder '{folder}' does not exist; create it first")


def _load(options: dict[str, Any], overrides: dict[str, Any], rules: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    _check_report_path(options.get("report_path"))
    path = Path(options["config_path"]) if options.get("config_path") else None
    return resolve_config(path, bool(options.get("no_config")), overrides, rules)


def _emit(report: Report, options: dict[str, Any], to_stderr: bool) -> None:
    from weightcli.report.render import format_for_path, render, render_to_string

    stream = sys.stderr if to_stderr else sys.stdout
    try:
        render(
            report,
            options["report_format"],
            stream,
            color=options.get("color", "auto"),
            quiet=bool(options.get("quiet")),
            verbose=bool(options.get("verbose")),
        )
        stream.flush()
    except BrokenPipeError:
        # A reader such as `| head -1` stopped early. The exit code still reports the findings.
        silence_stream(stream)
    report_path = options.get("report_path")
    if report_path:
        text = render_to_string(
            report, format_for_path(report_path), verbose=bool(options.get("verbose"))
        )
        _write_text_atomically(Path(report_path), text)


def _write_text_atomically(path: Path, text: str) -> None:
    from weightcli.io.write import write_text_atomically

    if not path.parent.is_dir():
        raise InputError(f"report folder '{path.parent}' does not exist; create it first")
    write_text_atomically(path, text)


def _output_format(destination: str, options: dict[str, Any], input_format: str) -> str:
    from weightcli.io.formats import require_format

    if options.get("output_format"):
        return str(options["output_format"])
    if destination == "-":
        return input_format if input_format != "polars" else "parquet"
    return require_format(destination, None, "--output-format")


def _same_file(first: Path | None, second: str) -> bool:
    if first is None or second == "-":
        return False
    try:
        return first.resolve() == Path(second).resolve()
    except OSError:
        return False


def _provenance(config: Config, report: FileReport) -> dict[str, str]:
    from weightcli._version import __version__

    document = {
        "weightcli_version": __version__,
        "config": config.model_dump(exclude_defaults=True),
        "stages": [stage.to_dict() for stage in report.stages],
        "rows_in": report.rows_in,
        "rows_out": report.rows_out,
    }
    return {"weightcli": json.dumps(document, sort_keys=True)}


def _row_progress(table: Table, options: dict[str, Any]) -> RowProgress | None:
    """Return the progress display of ``table``'s passes, counting its rows, or None when
    standard error is not a terminal or the run is quiet."""
    progress = row_progress(table.row_count, enabled=not options.get("quiet"))
    if progress is not None:
        table.frame = progress.track(table.frame)
    return progress


@contextlib.contextmanager
def located_ragged_rows(table: Table) -> Iterator[None]:
    """Add the number of the first CSV row with more fields than the header to its error."""
    from weightcli.io.read import RaggedRowError, first_ragged_row, ragged_row_error

    try:
        yield
    except RaggedRowError:
        raise ragged_row_error(table.name, first_ragged_row(table)) from None


def run_apply(options: dict[str, Any]) -> int:
    """Run ``weightcli apply`` and return its exit code."""
    from weightcli.api import plan_table
    from weightcli.io.read import open_table
    from weightcli.io.write import check_output

    overrides, rules = _apply_overrides(options)
    config, config_path = _load(options, overrides, rules)
    started = time.perf_counter()
    table = open_table(options["input_path"], options.get("input_format"), config.csv)
    read_seconds = time.perf_counter() - started

    destination = options.get("output")
    # A dry run writes no table, so its report may use standard output even in a pipe.
    if destination is None and not sys.stdout.isatty() and not options.get("dry_run"):
        destination = "-"
    in_place = bool(options.get("in_place"))
    if destination is not None and _same_file(table.path, destination) and not in_place:
        raise InputError(
            f"output '{destination}' is the input; pass --in-place to replace the input "
            "atomically, or choose another output"
        )

    output_format = None
    if destination is not None and not options.get("dry_run"):
        output_format = _output_format(destination, options, table.format)
        output_schema = dict(table.schema)
        check_output(destination, output_format, output_schema)

    # On a terminal a long pre-pass or write shows its progress on standard error.
    progress = _row_progress(table, options)
    appending = _may_append(table, output_format)
    with showing(progress, "reading"):
        overwrite = bool(options.get("overwrite"))
        with located_ragged_rows(table):
            plan, report = plan_table(
                table, config, config_path, overwrite=overwrite, keep_weights=appending
            )
    report.timings["read"] = read_seconds
    typed_output = None
    if table.text and output_format not in (None, "csv", "tsv"):
        from weightcli.io.infer import infer_kinds, typed_columns

        started = time.perf_counter()
        typed_output = typed_columns(table, infer_kinds(table))
        report.timings["types"] = time.perf_counter() - started
    footer = None
    if appending:
        footer, reason = _footer_to_append(table, plan)
        if footer is None and not options.get("dry_run"):
            report.notes.append(f"write: every column is encoded again, because {reason}")
    if footer is None:
        plan.release_figures()

    written = False
    if options.get("dry_run"):
        skipped = "" if destination in (None, "-") else f" to {destination}"
        report.notes.append(f"dry run: no table written{skipped}")
    elif destination is None:
        report.notes.append("no table written: pass -o PATH (or -o - for standard output)")
    elif report.has_errors and not options.get("force"):
        report.notes.append("no table written because of error findings; fix them or pass --force")
    else:
        assert output_format is not None
        started = time.perf_counter()
        try:
            # A table sent to a terminal would mix with the display.
            shown = progress if destination != "-" or not sys.stdout.isatty() else None
            with showing(shown, "writing"), located_ragged_rows(table):
                _write_output(
                    table,
                    plan,
                    destination,
                    output_format,
                    report,
                    footer=footer,
                    typed_output=typed_output,
                    progress=shown,
                )
        except BrokenPipeError:
            # The reader of the table stopped early, as `| head -1` does: no error, and the
            # report still goes to standard error.
            silence_stream(sys.stdout)
            report.notes.append("the reader closed standard output before the end of the table")
        report.timings["write"] = time.perf_counter() - started
        written = True

    if written:
        report.output = "standard output" if destination == "-" else destination
    _emit(Report(files=[report]), options, to_stderr=destination == "-")
    return int(report.exit_code)


def _may_append(table: Table, output_format: str | None) -> bool:
    """Return whether the output may be the input Parquet file with the weight column
    appended."""
    return (
        output_format == "parquet"
        and table.format == "parquet"
        and table.data is None
        and table.path is not None
        and table.path.is_file()
    )


def _footer_to_append(table: Table, plan: WeightPlan) -> tuple[Footer | None, str]:
    """Return the input's footer when the weights can be appended to the input's bytes, or
    None and the reason why not.

    The written rows must be the input's rows in order, and every other column must be
    written as it is read: no dropped rows, no replaced column. A lookup join keeps the
    rows and their order, and columns that the rules read through a parser are written as
    they are read either way."""
    from weightcli.io.append import appendable

    config = plan.config
    assert table.path is not None
    if config.on_null == "drop":
        return None, "on_null: drop removes rows"
    if config.weight_column in table.schema:
        return None, f"the weights replace the column '{config.weight_column}'"
    footer, reason = appendable(table.path, plan.rows_out, config.weight_column)
    return footer, "" if footer is not None else f"'{table.name}' {reason}"


def _write_output(
    table: Table,
    plan: WeightPlan,
    destination: str,
    output_format: str,
    report: FileReport,
    *,
    footer: Footer | None,
    typed_output: dict[str, Any] | None,
    progress: RowProgress | None,
) -> None:
    """Write the weighted table: the input's bytes with the weights appended when ``footer``
    is given, else a streaming write that reads the table again. The append counts its rows
    on ``progress``; the streaming write counts them as the table streams through."""
    import polars as pl

    from weightcli.io.write import append_weights, write_table
    from weightcli.weights.pipeline import weighted_frame

    config = plan.config
    metadata = _provenance(config, report) if output_format == "parquet" else None
    if footer is not None:
        assert table.path is not None
        weights = plan.weights.cast(pl.Float64).alias(config.weight_column)
        on_rows = progress.advance if progress is not None else None
        append_weights(table.path, footer, weights, destination, metadata=metadata, on_rows=on_rows)
        return
    write_table(
        weighted_frame(table, plan, typed_output),
        destination,
        output_format,
        separator=_output_separator(config, output_format),
        include_bom=table.has_bom and output_format in ("csv", "tsv"),
        metadata=metadata,
        every_column=table.text,
    )


def _output_separator(config: Config, output_format: str) -> str:
    if output_format == "tsv":
        return "\t"
    return config.csv.separator or ","


def run_check(options: dict[str, Any]) -> int:
    """Run ``weightcli check`` on every input and return the highest exit code."""
    from weightcli.api import check_table, new_file_report
    from weightcli.io.read import open_table

    overrides = _common_overrides(options)
    config, config_path = _load(options, overrides, [])

    report = Report()
    for source in options["input_paths"]:
        try:
            started = time.perf_counter()
            table = open_table(source, options.get("input_format"), config.csv)
            open_seconds = time.perf_counter() - started
            with (
                showing(_row_progress(table, options), "reading"),
                located_ragged_rows(table),
            ):
                file_report = check_table(table, config, config_path)
            file_report.timings["read"] = file_report.timings.get("read", 0.0) + open_seconds
            report.files.append(file_report)
        except WeightcliError as error:
            failed = new_file_report(source, "check", config, config_path)
            failed.error = str(error)
            report.files.append(failed)
            if len(options["input_paths"]) == 1:
                raise
    _emit(report, options, to_stderr=False)
    return int(max(report.exit_code, ExitCode.OK))
