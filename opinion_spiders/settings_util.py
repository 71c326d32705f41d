"""Read settings that may come as Python values (settings module) or strings (``-s``, env)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def setting_list(settings: Mapping[str, Any], name: str) -> list[str]:
    """A list setting; a string (from ``-s NAME=a,b`` or scrapyd) is split on commas."""
    value = settings.get(name)
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value]


def setting_bool(settings: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = settings.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)
