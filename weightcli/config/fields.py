"""Kinds of config values, and the base class of the config sections.

A config section is a frozen dataclass whose fields each name a kind. A kind checks one
value, converts it where YAML and the command line spell it loosely (``'2.5'`` for a number,
``yes`` for true), and describes itself in JSON Schema, so the checks and ``weightcli schema``
come from the same declaration. Checking runs when a section is made, so a config built in
Python is checked as a config file is."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self, TypeVar

from weightcli.checks.format import class_text
from weightcli.errors import ConfigError

SectionT = TypeVar("SectionT", bound="Section")

TRUE_WORDS = frozenset({"true", "yes", "on", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "n", "f", "0"})


class ConfigValueError(ConfigError, ValueError):
    """An invalid config value. ``loc`` is the path of keys and list positions to it.

    Its text names the key, as in "key 'clip.max': 'lots' is invalid; expected a number"; the
    config loader adds the file and the line."""

    def __init__(self, message: str, loc: Iterable[str | int] = ()) -> None:
        self.message = message
        self.loc = tuple(loc)
        key = key_path(self.loc)
        super().__init__(f"key '{key}': {message}" if key else message)

    def within(self, *prefix: str | int) -> ConfigValueError:
        """Return the same error located below ``prefix``."""
        return ConfigValueError(self.message, (*prefix, *self.loc))


def key_path(loc: tuple[str | int, ...]) -> str:
    """Return the key path of a location, such as 'rules[1].weight'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def shown(value: Any) -> str:
    """Show a config value in a message: 'text', 3, [1, 2], nan, and true, false and null as
    YAML writes them."""
    if value is None or isinstance(value, bool):
        return class_text(value)
    return repr(value)


def invalid(value: Any, expected: str) -> ConfigValueError:
    """Return the error for ``value`` where ``expected`` was expected."""
    return ConfigValueError(f"{shown(value)} is invalid; expected {expected}")


def choices_text(values: Iterable[str]) -> str:
    """Return "'a', 'b' or 'c'"."""
    quoted = [f"'{value}'" for value in values]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


class Kind:
    """Base of the value kinds: the check of one config value and its JSON Schema."""

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to its type, or raise :class:`ConfigValueError`."""
        raise NotImplementedError

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        """Return the JSON Schema of the value; sections add themselves to ``defs``."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Text(Kind):
    """A string. ``blank`` allows one that is empty or only spaces."""

    blank: bool = True

    def check(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise invalid(value, "a string")
        if not self.blank and not value.strip():
            raise ConfigValueError("must not be empty")
        return value

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        if self.blank:
            return {"type": "string"}
        return {"type": "string", "pattern": r"\S"}


@dataclasses.dataclass(frozen=True)
class Number(Kind):
    """A finite number, stored as a float. A string that spells a number is read as one."""

    ge: float | None = None
    gt: float | None = None
    lt: float | None = None

    def check(self, value: Any) -> Any:
        number = to_float(value)
        if number is None:
            raise invalid(value, "a number")
        if not math.isfinite(number):
            raise invalid(value, "a finite number")
        if self.ge is not None and number < self.ge:
            raise invalid(value, f"a number of {self.ge:g} or more")
        low = self.gt is not None and number <= self.gt
        high = self.lt is not None and number >= self.lt
        if low or high:
            raise invalid(value, self._range_text())
        return number

    def _range_text(self) -> str:
        if self.gt is not None and self.lt is not None:
            return f"a number above {self.gt:g} and below {self.lt:g}"
        if self.gt is not None:
            return f"a number above {self.gt:g}"
        return f"a number below {self.lt:g}"

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "number"}
        if self.ge is not None:
            found["minimum"] = self.ge
        if self.gt is not None:
            found["exclusiveMinimum"] = self.gt
        if self.lt is not None:
            found["exclusiveMaximum"] = self.lt
        return found


def to_float(value: Any) -> float | None:
    """Return ``value`` as a float, or None when it is not a number.

    True and False are not numbers here, although Python treats them as 1 and 0."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


@dataclasses.dataclass(frozen=True)
class NumberOrSql(Kind):
    """A finite number, or a SQL expression as a non-empty string."""

    def check(self, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ConfigValueError("must not be empty")
            return value
        number = to_float(value)
        if number is None:
            raise invalid(value, "a number or a SQL expression")
        if not math.isfinite(number):
            raise invalid(value, "a finite number")
        return number

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"\S"}]}


@dataclasses.dataclass(frozen=True)
class Boolean(Kind):
    """true or false; yes/no, on/off and 1/0 are read as the same."""

    def check(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise invalid(value, "true or false")

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclasses.dataclass(frozen=True)
class Choice(Kind):
    """One of a fixed set of strings."""

    values: tuple[str, ...]

    def check(self, value: Any) -> Any:
        if not isinstance(value, str) or value not in self.values:
            raise invalid(value, choices_text(self.values))
        return value

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


@dataclasses.dataclass(frozen=True)
class OrNull(Kind):
    """The inner kind, or null."""

    inner: Kind

    def check(self, value: Any) -> Any:
        return None if value is None else self.inner.check(value)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        inner = self.inner.schema(defs)
        # One flat list of choices gives validators' messages about the closest choice.
        choices = inner["anyOf"] if list(inner) == ["anyOf"] else [inner]
        return {"anyOf": [*choices, {"type": "null"}]}


@dataclasses.dataclass(frozen=True)
class TextList(Kind):
    """A list of strings."""

    def check(self, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise invalid(value, "a list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise invalid(item, "a string").within(index)
        return list(value)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}}


@dataclasses.dataclass(frozen=True)
class Nested(Kind):
    """A section: a mapping of its keys, or an instance of it.

    ``shorthand`` turns a plain string into the mapping it is short for."""

    section: type[Section]
    shorthand: str | None = None

    def check(self, value: Any) -> Any:
        if isinstance(value, self.section):
            return value
        if self.shorthand is not None and isinstance(value, str):
            value = {self.shorthand: value}
        return self.section.model_validate(value)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        name = self.section.__name__
        if name not in defs:
            defs[name] = {}  # reserved first, so that a section may refer to itself
            defs[name] = self.section.section_schema(defs)
        reference = {"$ref": f"#/$defs/{name}"}
        if self.shorthand is None:
            return reference
        return {"anyOf": [reference, {"type": "string"}]}


@dataclasses.dataclass(frozen=True)
class SectionList(Kind):
    """A list of sections."""

    section: type[Section]

    def check(self, value: Any) -> Any:
        if value is None:
            # A key with nothing under it is more likely an unfinished list than a wish for none.
            raise ConfigValueError("is empty; add list items under it, or remove the key")
        if not isinstance(value, list | tuple):
            raise invalid(value, "a list")
        item = Nested(self.section)
        checked = []
        for index, entry in enumerate(value):
            try:
                checked.append(item.check(entry))
            except ConfigValueError as error:
                raise error.within(index) from None
        return checked

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "array", "items": Nested(self.section).schema(defs)}


@dataclasses.dataclass(frozen=True)
class Custom(Kind):
    """A value checked by ``function``, with a JSON Schema given as is.

    ``function`` raises ValueError for an invalid value; an error that carries a ``key``
    attribute is located at that key below the value."""

    function: Callable[[Any], Any]
    json_schema: tuple[tuple[str, Any], ...] = ()

    def check(self, value: Any) -> Any:
        try:
            return self.function(value)
        except ConfigValueError:
            raise
        except ValueError as error:
            key = getattr(error, "key", None)
            raise ConfigValueError(str(error), () if key is None else (key,)) from None

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return dict(self.json_schema)


def setting(
    kind: Kind,
    description: str = "",
    *,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """Declare a field of a section: its kind, what it means and its default, if any."""
    metadata = {"kind": kind, "description": description}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class Section:
    """Base of the config sections, which are frozen, keyword-only dataclasses."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            try:
                checked = field.metadata["kind"].check(value)
            except ConfigValueError as error:
                raise error.within(field.name) from None
            if checked is not value:
                object.__setattr__(self, field.name, checked)
        self.check_section()

    def check_section(self) -> None:
        """Check the fields together; raise :class:`ConfigValueError` located at ()."""

    @classmethod
    def field_names(cls) -> list[str]:
        """Return the keys of the section, in declaration order."""
        return [field.name for field in dataclasses.fields(cls)]  # type: ignore[arg-type]

    def __new__(cls, *args: Any, **values: Any) -> Self:
        # Keyword construction is checked as a config file is, so that a misspelt key gets
        # the closest name rather than a TypeError. Copying and unpickling pass no keys.
        if values:
            cls._check_keys(values)
        return super().__new__(cls)

    @classmethod
    def _check_keys(cls, data: Mapping[Any, Any]) -> None:
        """Raise for an unknown key, then for a missing one, because a misspelt key explains
        a missing one."""
        names = cls.field_names()
        for key in data:
            if key not in names:
                raise ConfigValueError(_unknown_key_message(str(key), names), (str(key),))
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            if _required(field) and field.name not in data:
                raise ConfigValueError("is required", (field.name,))

    @classmethod
    def model_validate(cls: type[SectionT], data: Any) -> SectionT:
        """Return the section made from a mapping of its keys, checked as a config file is."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise invalid(data, f"a mapping with the keys {', '.join(sorted(cls.field_names()))}")
        # Checked here too: an empty mapping passes no keys to __new__, and a key that is not
        # a string cannot reach it.
        cls._check_keys(data)
        return cls(**data)

    def model_dump(self, *, exclude_defaults: bool = False) -> dict[str, Any]:
        """Return the section as plain data (dicts, lists, strings, numbers, None).

        ``exclude_defaults`` leaves out every key whose value is its default."""
        dumped: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if exclude_defaults and value == _default_of(field):
                continue
            dumped[field.name] = _plain(value, exclude_defaults)
        return dumped

    @classmethod
    def section_schema(cls, defs: dict[str, Any]) -> dict[str, Any]:
        """Return the JSON Schema of the section, adding nested sections to ``defs``."""
        properties: dict[str, Any] = {}
        required = []
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            entry = field.metadata["kind"].schema(defs)
            if field.metadata["description"]:
                entry = {"description": field.metadata["description"], **entry}
            if _required(field):
                required.append(field.name)
            elif not isinstance(default := _default_of(field), Section):
                entry["default"] = default
            properties[field.name] = entry
        schema: dict[str, Any] = {"title": cls.__name__}
        if cls.__doc__:
            schema["description"] = " ".join(cls.__doc__.split())
        schema.update(type="object", additionalProperties=False, properties=properties)
        if required:
            schema["required"] = required
        return schema

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """Return the JSON Schema of the section with every nested section under ``$defs``."""
        defs: dict[str, Any] = {}
        schema = cls.section_schema(defs)
        if defs:
            schema["$defs"] = defs
        return schema


def _unknown_key_message(key: str, names: list[str]) -> str:
    from weightcli.checks.registry import closest

    allowed = sorted(names)
    return f"unknown key '{key}'{closest(key, allowed)}; allowed keys: {', '.join(allowed)}"


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _default_of(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def _plain(value: Any, exclude_defaults: bool) -> Any:
    if isinstance(value, Section):
        return value.model_dump(exclude_defaults=exclude_defaults)
    if isinstance(value, list | tuple):
        return [_plain(item, exclude_defaults) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, exclude_defaults) for key, item in value.items()}
    return value
