"""The JSON Schema of the config file, generated from the config model and the check registry."""

from __future__ import annotations

from typing import Any

from weightcli.checks.registry import CHECKS, FAIL_ON_VALUES, LEVELS, PROFILE_LEVELS, CheckSpec
from weightcli.config.model import Config

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _option_schema(name: str, default: Any) -> dict[str, Any]:
    if isinstance(default, bool):
        return {"type": "boolean", "default": default}
    if isinstance(default, int | float):
        # The registry rejects negative option values (see validate_check_settings).
        return {"type": "number", "minimum": 0, "default": default}
    return {"type": "string", "default": str(default)}


def _profile_note(spec: CheckSpec) -> str:
    differing = {
        profile: levels[spec.id] for profile, levels in PROFILE_LEVELS.items() if spec.id in levels
    }
    if not differing:
        return ""
    listed = ", ".join(f"{level} under {profile}" for profile, level in differing.items())
    return f" ({listed})"


def _check_schema(spec: CheckSpec) -> dict[str, Any]:
    summary = spec.description.replace("``", "`")
    description = f"{summary} Default level: {spec.default_level}{_profile_note(spec)}."
    settings: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "level": {"$ref": "#/$defs/CheckLevel"},
            **{name: _option_schema(name, value) for name, value in spec.options.items()},
        },
    }
    return {
        "description": description,
        "anyOf": [{"$ref": "#/$defs/CheckLevel"}, settings],
    }


def checks_section_schema() -> dict[str, Any]:
    """Return the schema of the ``checks`` section: ``fail_on`` and one entry per check."""
    properties: dict[str, Any] = {
        "fail_on": {
            "description": "Lowest finding level that gives exit code 1; never: always exit 0.",
            "enum": list(FAIL_ON_VALUES),
            "default": "error",
        }
    }
    for spec in CHECKS:
        properties[spec.id] = _check_schema(spec)
    return {
        "title": "Checks",
        "description": "fail_on, and per check a level or a mapping of level and options.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


def config_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``weightcli.yaml`` and ``[tool.weightcli]``."""
    generated = Config.model_json_schema()
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        **generated,
        "title": "weightcli config",
        "description": "Config of weightcli: weight rules, stages and checks. Put it in "
        "weightcli.yaml, .weightcli.yaml or the [tool.weightcli] table of pyproject.toml.",
    }
    schema["properties"]["checks"] = checks_section_schema()
    schema.setdefault("$defs", {})["CheckLevel"] = {
        "description": "Level of a check's findings; off disables the check.",
        "enum": list(LEVELS),
    }
    return schema
