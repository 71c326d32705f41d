"""Reading watch files: TOML in, typed values out, every mistake a ConfigError saying where.

Shared by the watchlist, calendar and plan loaders so their errors read the same way:
``FILE: line N [[entity]] id 'x' aliases: what to fix``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from importlib.resources.abc import Traversable
from typing import Any

from opinion_spiders.errors import ConfigError

_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


def read_toml(path: Traversable) -> tuple[dict[str, Any], str]:
    """The parsed file and its text (kept to name the line of a table in later errors)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found; check the setting that names it") from None
    except UnicodeDecodeError:
        raise ConfigError(source, "", "is not UTF-8; save it as UTF-8") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.search(str(exc))
        where = f"line {found[1]}" if found and found[1] else "end of file"
        problem = _TOML_POSITION.sub("", str(exc))
        raise ConfigError(source, where, f"invalid TOML: {problem}; fix the syntax") from None


def table_line(text: str, header: str, index: int) -> int:
    """The 1-based line of the ``index``-th ``[[header]]`` table (0 when not found)."""
    pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(header)}[ \t]*\]\]", re.M)
    for i, m in enumerate(pattern.finditer(text)):
        if i == index:
            return text.count("\n", 0, m.start()) + 1
    return 0


class Table:
    """One ``[[header]]`` table with typed getters that raise ConfigError naming the key."""

    def __init__(self, data: Mapping[str, Any], source: str, where: str) -> None:
        self.data = data
        self.source = source
        self.where = where

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, f"{self.where} {key}".strip(), problem)

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise self.fail(unknown[0], f"unknown key; known keys: {', '.join(sorted(allowed))}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "missing; add it as a non-empty string")
        if not isinstance(value, str) or (not value.strip() and default is None):
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, 'must be a list of non-empty strings, e.g. ["a", "b"]')
        return tuple(dict.fromkeys(v.strip() for v in value))

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number between {low} and {high}")
        if not low <= value <= high:
            raise self.fail(key, f"{value} is out of range; use a number between {low} and {high}")
        return float(value)

    def moment(self, key: str) -> date | datetime | None:
        """A TOML date (``2026-12-01``) or local date-time (``2026-12-01T09:00:00``), or None."""
        value = self.data.get(key)
        if value is None or isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, "must be a date like 2026-12-01 or a time like 2026-12-01T09:00:00")
