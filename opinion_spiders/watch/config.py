"""Which watch files a run reads: the ``OPINION_WATCH_*`` settings, else the defaults.

The defaults depend on whose sites are crawled. On the bundled demo sites (no
``OPINION_SITES_FILES``) the demo city's watchlist, periods and plans apply, with the national
periods. A deployment that declares its own sites scores with what it names: without watch
files it has no watchlist and no plans, and only the national periods
(``settings/watch/periods.toml``) — never the demo city's officials and announcements.

One place for the setting names and defaults, so the pipelines, the CLI and tests load the
same watchlist, calendar and plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from opinion_spiders.config import config_of
from opinion_spiders.watch.entities import Watchlist, load_watchlists
from opinion_spiders.watch.periods import Calendar, load_calendars
from opinion_spiders.watch.plans import Plan, load_plans

ENTITIES = "OPINION_WATCH_ENTITIES"
PERIODS = "OPINION_WATCH_PERIODS"
PLANS = "OPINION_WATCH_PLANS"
_DEMO = {ENTITIES: "entities.toml", PERIODS: "periods.toml", PLANS: "plans.toml"}


def watch_files(settings: Mapping[str, Any], name: str) -> list[Traversable]:
    """The files a setting names; when it names none, the defaults (module docstring)."""
    from opinion_spiders.demo import watch_file
    from opinion_spiders.settings_util import bundled_path

    config = config_of(settings)
    named = {
        ENTITIES: config.watch_entities,
        PERIODS: config.watch_periods,
        PLANS: config.watch_plans,
    }
    if files := named[name]:
        return [Path(f) for f in files]
    national: list[Traversable] = [bundled_path("watch", "periods.toml")] if name == PERIODS else []
    if config.sites_files:
        return national
    return [*national, watch_file(_DEMO[name])]


def watchlist_from_settings(settings: Mapping[str, Any]) -> Watchlist:
    return load_watchlists(watch_files(settings, ENTITIES))


def calendar_from_settings(settings: Mapping[str, Any]) -> Calendar:
    return load_calendars(watch_files(settings, PERIODS))


def plans_from_settings(settings: Mapping[str, Any]) -> dict[str, Plan]:
    """Plans, with their entity ids checked against the watchlist and dates read in the
    calendar's time zone."""
    ids = {e.id for e in watchlist_from_settings(settings).entities}
    tz = calendar_from_settings(settings).tz.key
    return load_plans(watch_files(settings, PLANS), ids, tz)
