"""The Thrift compact protocol, which Parquet footers are written in, read and written
generically.

A struct is read as its fields in the order of the bytes, each with its id, its wire type and
its value, so writing it back gives the same bytes, unknown fields included. Only the fields a
caller changes are interpreted."""

from __future__ import annotations

import struct as packing
from dataclasses import dataclass, field
from typing import Any

STOP = 0
TRUE = 1
FALSE = 2
BYTE = 3
I16 = 4
I32 = 5
I64 = 6
DOUBLE = 7
BINARY = 8
LIST = 9
SET = 10
MAP = 11
STRUCT = 12
INTEGERS = (I16, I32, I64)


class ThriftError(ValueError):
    """The bytes are not a struct in the Thrift compact protocol."""


@dataclass
class Struct:
    """A struct: (id, wire type, value) for each field, in the order they were read."""

    fields: list[tuple[int, int, Any]] = field(default_factory=list)

    def get(self, field_id: int, default: Any = None) -> Any:
        """Return the value of field ``field_id``, or ``default`` when it is absent."""
        for number, _, value in self.fields:
            if number == field_id:
                return value
        return default

    def has(self, field_id: int) -> bool:
        """Return whether field ``field_id`` is present."""
        return any(number == field_id for number, _, _ in self.fields)

    def set(self, field_id: int, kind: int, value: Any) -> None:
        """Set field ``field_id``; a new field goes before the first field with a larger id."""
        for index, (number, _, _) in enumerate(self.fields):
            if number == field_id:
                self.fields[index] = (field_id, kind, value)
                return
            if number > field_id:
                self.fields.insert(index, (field_id, kind, value))
                return
        self.fields.append((field_id, kind, value))

    def remove(self, *field_ids: int) -> None:
        """Drop the fields whose ids are given."""
        self.fields = [item for item in self.fields if item[0] not in field_ids]


@dataclass
class Items:
    """A list or a set: the wire type of its elements and the elements.

    Booleans in a list keep the byte they were written as."""

    element: int
    values: list[Any]
    kind: int = LIST


@dataclass
class Pairs:
    """A map: the wire types of its keys and values, and its pairs in order."""

    key: int
    value: int
    pairs: list[tuple[Any, Any]]


class _Reader:
    def __init__(self, data: bytes, position: int) -> None:
        self.data = data
        self.position = position

    def byte(self) -> int:
        if self.position >= len(self.data):
            raise ThriftError("the struct ends before its last field")
        value = self.data[self.position]
        self.position += 1
        return value

    def varint(self) -> int:
        result = 0
        shift = 0
        while True:
            current = self.byte()
            result |= (current & 0x7F) << shift
            if not current & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ThriftError("a variable-length integer is longer than 10 bytes")

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def take(self, count: int) -> bytes:
        end = self.position + count
        if count < 0 or end > len(self.data):
            raise ThriftError("a binary value runs past the end of the struct")
        value = self.data[self.position : end]
        self.position = end
        return value

    def value(self, kind: int) -> Any:
        if kind in (TRUE, FALSE):
            return kind == TRUE
        if kind == BYTE:
            return packing.unpack("b", self.take(1))[0]
        if kind in INTEGERS:
            return self.zigzag()
        if kind == DOUBLE:
            return packing.unpack("<d", self.take(8))[0]
        if kind == BINARY:
            return self.take(self.varint())
        if kind in (LIST, SET):
            header = self.byte()
            size = header >> 4
            if size == 15:
                size = self.varint()
            element = header & 0x0F
            return Items(element, [self.element(element) for _ in range(size)], kind)
        if kind == MAP:
            size = self.varint()
            if size == 0:
                return Pairs(0, 0, [])
            types = self.byte()
            key, value = types >> 4, types & 0x0F
            pairs = [(self.element(key), self.element(value)) for _ in range(size)]
            return Pairs(key, value, pairs)
        if kind == STRUCT:
            return self.struct()
        raise ThriftError(f"unknown wire type {kind}")

    def element(self, kind: int) -> Any:
        # A boolean inside a list, set or map is one byte of its own.
        return self.byte() if kind in (TRUE, FALSE) else self.value(kind)

    def struct(self) -> Struct:
        result = Struct()
        last = 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == STOP:
                return result
            delta = header >> 4
            field_id = last + delta if delta else self.zigzag()
            result.fields.append((field_id, kind, self.value(kind)))
            last = field_id


def read_struct(data: bytes, position: int = 0) -> tuple[Struct, int]:
    """Read the struct that starts at ``position``; return it and the position after it."""
    reader = _Reader(data, position)
    result = reader.struct()
    return result, reader.position


def _varint(value: int, out: bytearray) -> None:
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _zigzag(value: int, out: bytearray) -> None:
    _varint((value << 1) ^ (value >> 63), out)


def _write_value(kind: int, value: Any, out: bytearray) -> None:
    if kind == BYTE:
        out += packing.pack("b", value)
    elif kind in INTEGERS:
        _zigzag(value, out)
    elif kind == DOUBLE:
        out += packing.pack("<d", value)
    elif kind == BINARY:
        _varint(len(value), out)
        out += value
    elif kind in (LIST, SET):
        size = len(value.values)
        if size < 15:
            out.append(size << 4 | value.element)
        else:
            out.append(0xF0 | value.element)
            _varint(size, out)
        for item in value.values:
            _write_element(value.element, item, out)
    elif kind == MAP:
        _varint(len(value.pairs), out)
        if value.pairs:
            out.append(value.key << 4 | value.value)
            for key, item in value.pairs:
                _write_element(value.key, key, out)
                _write_element(value.value, item, out)
    elif kind == STRUCT:
        _write_struct(value, out)
    else:
        raise ThriftError(f"unknown wire type {kind}")


def _write_element(kind: int, value: Any, out: bytearray) -> None:
    if kind in (TRUE, FALSE):
        out.append(value)
    else:
        _write_value(kind, value, out)


def _write_struct(value: Struct, out: bytearray) -> None:
    last = 0
    for field_id, kind, item in value.fields:
        if kind in (TRUE, FALSE):
            kind = TRUE if item else FALSE
        delta = field_id - last
        if 0 < delta <= 15:
            out.append(delta << 4 | kind)
        else:
            out.append(kind)
            _zigzag(field_id, out)
        if kind not in (TRUE, FALSE):
            _write_value(kind, item, out)
        last = field_id
    out.append(STOP)


def write_struct(value: Struct) -> bytes:
    """Return the bytes of ``value`` in the compact protocol."""
    out = bytearray()
    _write_struct(value, out)
    return bytes(out)
