"""The commands that describe weightcli itself: ``checks``, ``schema`` and ``init``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from weightcli.errors import ExitCode, InputError

CATALOG_SCHEMA_VERSION = 1


def check_catalog() -> dict[str, Any]:
    """Return every registered check with its levels per profile, description and options."""
    from weightcli.checks.registry import CHECKS, resolve_level
    from weightcli.config.model import PROFILES

    checks = []
    for spec in CHECKS:
        checks.append(
            {
                "id": spec.id,
                "default_level": spec.default_level,
                "levels": {
                    profile: resolve_level(spec, {}, profile, "allow") for profile in PROFILES
                },
                "description": spec.description.replace("``", "`"),
                "options": dict(spec.options),
            }
        )
    return {
        "schema_version": CATALOG_SCHEMA_VERSION,
        "profiles": list(PROFILES),
        "checks": checks,
    }


def _format_option(value: Any) -> str:
    # Plain YAML-ready numbers: 1000, not 1,000 or 1000.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:g}"


def _profile_levels(entry: dict[str, Any]) -> str:
    """Group the profiles whose level differs from the default, such as 'xgboost: error'."""
    by_level: dict[str, list[str]] = {}
    for profile, level in entry["levels"].items():
        if level != entry["default_level"]:
            by_level.setdefault(level, []).append(profile)
    return "; ".join(f"{', '.join(names)}: {level}" for level, names in by_level.items())


def render_catalog_text(catalog: dict[str, Any], stream: IO[str], color: str) -> None:
    """Print the checks as a table: id, default level, and what each catches, with its
    options and the profiles whose level differs from the default below the description."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from weightcli.report.text import flush_console, make_console

    console = make_console(stream, color)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("check", no_wrap=True, style="bold")
    table.add_column("default", no_wrap=True)
    table.add_column("catches", overflow="fold")
    for entry in catalog["checks"]:
        cell = Text(entry["description"])
        options = ", ".join(
            f"{name}={_format_option(value)}" for name, value in entry["options"].items()
        )
        if options:
            cell.append(f"\noptions: {options}", style="dim")
        profiles = _profile_levels(entry)
        if profiles:
            cell.append(f"\nprofiles: {profiles}", style="dim")
        table.add_row(entry["id"], entry["default_level"], cell)
    console.print(table)
    console.print()
    console.print(
        "Levels and options are set in the config's checks section. negative: forbid makes "
        "negative-weight an error. Profiles: " + ", ".join(catalog["profiles"]) + "."
    )
    flush_console(console, stream)


def run_checks_listing(list_format: str, color: str) -> int:
    """Run ``weightcli checks``: print every check as a text table or as JSON."""
    catalog = check_catalog()
    if list_format == "json":
        sys.stdout.write(json.dumps(catalog, indent=2) + "\n")
    else:
        render_catalog_text(catalog, sys.stdout, color)
    return int(ExitCode.OK)


def run_schema() -> int:
    """Run ``weightcli schema``: print the config's JSON Schema."""
    from weightcli.schema import config_json_schema

    sys.stdout.write(json.dumps(config_json_schema(), indent=2) + "\n")
    return int(ExitCode.OK)


def _init_command(path: str, from_table: str | None) -> str:
    words = ["weightcli", "init"]
    if path != "weightcli.yaml":
        words.append(path)
    if from_table is not None:
        words += ["--from", from_table]
    return " ".join(words)


def run_init(
    path: str, from_table: str | None, *, force: bool = False, input_format: str | None = None
) -> int:
    """Run ``weightcli init``: write a starter config to ``path`` ('-' for standard output)."""
    from weightcli.scaffold import guess_columns, starter_config

    target = Path(path)
    if path != "-":
        if target.is_dir():
            raise InputError(
                f"'{path}' is a folder; pass a file path such as {path}/weightcli.yaml"
            )
        if target.exists() and not force:
            raise InputError(
                f"'{path}' already exists; pass --force to overwrite it, or name another file"
            )
        if not target.parent.is_dir():
            raise InputError(f"folder '{target.parent}' does not exist; create it first")

    guess = None
    if from_table is not None:
        from weightcli.io.read import open_table

        guess = guess_columns(open_table(from_table, input_format))
    text = starter_config(guess, _init_command(path, from_table))

    if path == "-":
        sys.stdout.write(text)
        return int(ExitCode.OK)
    _write_atomically(target, text)
    sys.stdout.write(f"wrote {path}" + _guess_summary(guess) + "\n")
    return int(ExitCode.OK)


def _guess_summary(guess: Any) -> str:
    if guess is None:
        return ""
    found = [
        f"{name} {value}"
        for name, value in (
            ("task", guess.task),
            ("target", guess.target),
            ("entity", guess.entity),
            ("time", guess.time),
        )
        if value is not None
    ]
    return f" ({', '.join(found)})" if found else " (no target, entity or time column found)"


def _write_atomically(path: Path, text: str) -> None:
    from weightcli.io.write import write_text_atomically

    write_text_atomically(path, text)
