"""Checking the values of one ``[[rule]]`` table; each failure says where and what to write."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opinion_spiders.errors import ConfigError

FIELDS = ("title", "content", "author")
KINDS = ("forum", "portal", "postbar")
RULE_KEYS = (
    "id", "name", "severity", "weight", "fields", "any", "all", "none", "near", "within",
    "within_words", "sites", "kinds",
)  # fmt: skip
ID_PATTERN = re.compile(r"[a-z0-9_-]+")


@dataclass(frozen=True)
class Place:
    """Where a rule sits in its file, to build error messages."""

    source: str
    text: str
    header_line: int | None
    block_end: int | None
    rule: str

    def error(self, problem: str, key: str = "", near: str = "") -> ConfigError:
        """A ConfigError naming the line (of ``near``, else of the key, else of the table),
        the rule and the key."""
        line = self._key_line(key) if key else None
        line = (self._text_line(near, line) if near else None) or line or self.header_line
        parts = [f"line {line}"] if line else []
        parts.append(self.rule if self.rule.startswith("[") else f"rule {self.rule}")
        if key:
            parts.append(f"key '{key}'")
        return ConfigError(self.source, ", ".join(parts), problem)

    def _key_line(self, key: str) -> int | None:
        if self.header_line is None:
            return None
        lines = self.text.splitlines()[self.header_line : self.block_end]
        pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        for i, line in enumerate(lines, start=self.header_line + 1):
            if pattern.match(line):
                return i
        return None

    def _text_line(self, needle: str, after: int | None) -> int | None:
        """The first line of the block (from ``after``) that contains ``needle``."""
        first = after or self.header_line
        if first is None:
            return None
        for i, line in enumerate(self.text.splitlines()[first - 1 : self.block_end], first):
            if needle in line:
                return i
        return None


def type_name(value: Any) -> str:
    return {str: "a string", bool: "true/false", int: "an integer", float: "a number"}.get(
        type(value), f"a {type(value).__name__}"
    )


def check_keys(table: Mapping[str, Any], place: Place) -> None:
    """Reject keys the format does not know, so a typo is not silently ignored."""
    for key in table:
        if key not in RULE_KEYS:
            known = ", ".join(RULE_KEYS)
            raise place.error(f"unknown key '{key}'; known keys are: {known}", key)


def get_str(table: Mapping[str, Any], key: str, default: str, place: Place) -> str:
    """A string value, or ``default`` when the key is absent."""
    value = table.get(key, default)
    if not isinstance(value, str):
        raise place.error(f"must be a string, not {type_name(value)}", key)
    return value


def get_severity(table: Mapping[str, Any], place: Place) -> int:
    """An integer 1–5 (1 = note, 5 = act now)."""
    value = table.get("severity", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise place.error(f"must be an integer from 1 to 5, not {value!r}", "severity")
    return value


def get_weight(table: Mapping[str, Any], place: Place) -> float:
    """A positive number that scoring multiplies."""
    value = table.get("weight", 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise place.error(f"must be a number greater than 0, not {value!r}", "weight")
    return float(value)


def get_names(
    table: Mapping[str, Any],
    key: str,
    default: tuple[str, ...],
    allowed: tuple[str, ...] | None,
    place: Place,
) -> tuple[str, ...]:
    """A list of strings, each one of ``allowed`` when given."""
    value = table.get(key, list(default))
    if key in table and value == []:
        raise place.error("is an empty list; list names or remove the key", key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise place.error(f'must be a list of non-empty strings, like ["{default or "x"}"]', key)
    for name in value:
        if allowed is not None and name not in allowed:
            raise place.error(f"unknown name '{name}'; use one of: {', '.join(allowed)}", key)
    return tuple(dict.fromkeys(value))
