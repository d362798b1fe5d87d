"""Find, read and validate the config, and apply flag overrides on top of it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from weightcli.config.fields import ConfigValueError, key_path
from weightcli.config.model import Config
from weightcli.errors import ConfigError

CONFIG_NAMES = ("weightcli.yaml", ".weightcli.yaml")


class _SafeLoader(yaml.SafeLoader):
    """Safe YAML loader that reads only true/false as booleans (YAML 1.2), so that keys
    such as `on:` and levels such as `off` stay strings, and that rejects repeated keys."""


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        # Every config key is a name, so a number, list or mapping as a key is a mistake,
        # and a list key would otherwise fail as unhashable.
        if not isinstance(key, str):
            shown = repr(key) if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {shown} is not a name; config keys are text such as weight_column",
                key_node.start_mark,
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key '{key}' is repeated (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return dict(loader.construct_mapping(node))


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def discover_config(start: Path) -> Path | None:
    """Return the config that applies in ``start``: a weightcli.yaml or .weightcli.yaml in it
    or a parent, else the nearest pyproject.toml with a [tool.weightcli] table."""
    folders = [start.resolve(), *start.resolve().parents]
    for folder in folders:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    for folder in folders:
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "weightcli" in _read_pyproject(candidate):
            return candidate
    return None


def _read_pyproject(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def read_config_file(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    """Read a config file and return its mapping and, for YAML, its node tree for line numbers."""
    if path.name == "pyproject.toml":
        section = _read_pyproject(path).get("weightcli", {})
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.weightcli] must be a table")
        return section, None

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found; check the path given to -c") from None
    except IsADirectoryError:
        raise ConfigError(f"config path {path} is a folder; expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None

    try:
        node = yaml.compose(text, Loader=_SafeLoader)
        data = yaml.load(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        # An unclosed quote or bracket is found at the end of the file, so the place where it
        # opened is the useful one.
        start = error.context_mark
        if error.problem and error.context and start is not None and start is not mark:
            problem += f" ({error.context} at line {start.line + 1}, column {start.column + 1})"
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from None

    if data is None:
        return {}, node
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of config keys at the top level, "
            f"found {type(data).__name__}"
        )
    return data, node


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def load_config(
    path: Path | None,
    overrides: Mapping[str, Any] | None = None,
    extra_rules: list[dict[str, Any]] | None = None,
    source_label: str = "flags",
) -> Config:
    """Read ``path`` (or nothing), apply flag overrides and extra rules, and validate.

    ``source_label`` names the overrides in messages when no file is read."""
    data: dict[str, Any] = {}
    node: yaml.Node | None = None
    if path is not None:
        data, node = read_config_file(path)

    merged = _merge(data, overrides or {})
    if extra_rules:
        existing = merged.get("rules") or []
        if not isinstance(existing, list):
            existing = [existing]
        merged["rules"] = [*existing, *extra_rules]

    source = str(path) if path is not None else source_label
    try:
        config = Config.model_validate(merged)
    except ConfigValueError as error:
        raise ConfigError(_describe(error, source, node)) from None

    if config.lookup is not None and path is not None:
        lookup_path = Path(config.lookup.path)
        if not lookup_path.is_absolute() and "lookup" in data:
            resolved = str(path.parent / lookup_path)
            config = dataclasses.replace(
                config, lookup=dataclasses.replace(config.lookup, path=resolved)
            )
    return config


def resolve_config(
    config_path: Path | None,
    no_config: bool,
    overrides: Mapping[str, Any] | None = None,
    extra_rules: list[dict[str, Any]] | None = None,
    start: Path | None = None,
) -> tuple[Config, Path | None]:
    """Find the config (unless ``no_config``), load it and return it with its path."""
    if config_path is None and not no_config:
        config_path = discover_config(start or Path.cwd())
    return load_config(config_path, overrides, extra_rules), config_path


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    current = node
    line = None
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            found = None
            for key_node, value_node in current.value:
                if key_node.value == part:
                    found = value_node
                    line = key_node.start_mark.line + 1
                    break
            current = found
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(current.value):
                return line
            current = current.value[part]
            line = current.start_mark.line + 1
        else:
            return line
        if current is None:
            return line
    return line


def _describe(error: ConfigValueError, source: str, node: yaml.Node | None) -> str:
    key_text = key_path(error.loc)
    line = _line_of(node, error.loc)
    where = f" (line {line})" if line is not None else ""
    subject = f"key '{key_text}'{where}" if key_text else "config"
    return f"{source}: {subject}: {error.message}"
