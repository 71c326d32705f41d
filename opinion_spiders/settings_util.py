"""Read settings that may come as Python values (settings module) or strings (``-s``, env)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def analyst_zone(settings: Mapping[str, Any]) -> tzinfo:
    """``OPINION_TIMEZONE``: the zone analysts read times in (reports, search, export)."""
    from opinion_spiders.errors import ConfigError

    name = str(settings.get("OPINION_TIMEZONE") or "Asia/Shanghai")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problem = "not a time zone (e.g. Asia/Shanghai)"
        raise ConfigError("OPINION_TIMEZONE", name, problem) from None


def in_zone(value: Any, tz: tzinfo) -> Any:
    """``value`` with every datetime in it (in dicts, lists, tuples) shown in ``tz``."""
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo else value
    if isinstance(value, Mapping):
        return {k: in_zone(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [in_zone(v, tz) for v in value]
    return value


def project_values(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The project's settings module (``SCRAPY_SETTINGS_MODULE``, default ``settings``) as a
    plain mapping, with command-line overrides: what commands that crawl nothing (report,
    search, web, match, parse …) read, without importing Scrapy (a third of their start-up)."""
    import importlib
    import os

    module = importlib.import_module(os.environ.get("SCRAPY_SETTINGS_MODULE", "settings"))
    values = {name: getattr(module, name) for name in dir(module) if name.isupper()}
    values.update(overrides or {})
    return values


def bundled_path(*parts: str) -> Traversable:
    """A data file shipped in the ``settings`` package. Read it with ``.read_text()``: from the
    scrapyd egg (a zip) it is not a file on disk."""
    return resources.files("settings").joinpath(*parts)
