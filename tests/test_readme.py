"""The README documents every check id, report format and config key.

A new check, format or key fails this test until the README lists it in backticks: check ids
and formats as `id`, top-level keys as `key`, nested keys as `section.key` (rules as
`rules[].key`, the check settings as `checks.fail_on`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from weightcli.checks.registry import CHECKS
from weightcli.config.fields import Section
from weightcli.config.model import Balance, Clip, Config, CsvOptions, Decay, Lookup, Rule
from weightcli.report.render import REPORT_FORMATS

README = Path(__file__).resolve().parent.parent / "README.md"
NESTED: dict[str, type[Section]] = {
    "lookup": Lookup,
    "balance": Balance,
    "decay": Decay,
    "clip": Clip,
    "csv": CsvOptions,
    "rules[]": Rule,
}


@pytest.fixture(scope="module")
def readme() -> str:
    assert README.is_file(), "README.md is missing"
    return README.read_text(encoding="utf-8")


def _missing(readme: str, names: list[str]) -> list[str]:
    return [name for name in names if f"`{name}`" not in readme]


def test_readme_lists_check_ids(readme: str) -> None:
    assert _missing(readme, [spec.id for spec in CHECKS]) == []


def test_readme_lists_report_formats(readme: str) -> None:
    assert _missing(readme, list(REPORT_FORMATS)) == []


def test_readme_lists_top_level_keys(readme: str) -> None:
    assert _missing(readme, Config.field_names()) == []


def test_readme_lists_nested_keys(readme: str) -> None:
    names = [f"{section}.{key}" for section, model in NESTED.items() for key in model.field_names()]
    assert _missing(readme, [*names, "checks.fail_on"]) == []
