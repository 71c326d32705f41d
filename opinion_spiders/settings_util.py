"""The project's settings module as plain values, the analysts' zone, bundled data files.

The ``OPINION_*`` settings themselves are read, checked and typed by ``opinion_spiders.config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo


def analyst_zone(settings: Mapping[str, Any]) -> tzinfo:
    """``OPINION_TIMEZONE``: the zone analysts read times in (reports, search, export)."""
    from opinion_spiders.config import config_of

    return ZoneInfo(config_of(settings).timezone)  # checked: a known zone


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
