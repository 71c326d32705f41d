"""Site definitions: declared data (``settings/sites.toml``) validated before the first request."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opinion_spiders.errors import ConfigError
from opinion_spiders.items import KINDS

_KNOWN_KEYS = {
    "kind", "engine", "start_urls", "render_js", "timezone", "weight", "encoding",
    "max_listing_pages", "enabled", "description", "delay", "concurrency", "obey_robots",
    "search_urls", "search_terms", "revisit_hours",
}  # fmt: skip
#: What a search address has where the searched words go.
QUERY = "{query}"


#: The time zone of a site's page times when its table names none (and of posts whose site
#: is not declared).
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Site:
    """One monitored site: which spider kind and engine read it, and where to start."""

    name: str
    kind: str
    engine: str
    start_urls: tuple[str, ...]
    render_js: bool = False
    timezone: str = DEFAULT_TIMEZONE
    weight: float = 1.0
    encoding: str | None = None
    max_listing_pages: int = 20
    enabled: bool = True
    description: str = ""
    #: Politeness per site: seconds between requests, parallel requests, robots.txt
    #: (None: the global DOWNLOAD_DELAY / CONCURRENT_REQUESTS_PER_DOMAIN / ROBOTSTXT_OBEY).
    delay: float | None = None
    concurrency: int | None = None
    obey_robots: bool | None = None
    #: The site's own search, asked for each watched name (:mod:`opinion_spiders.crawling.search`):
    #: addresses with ``{query}`` where the words go, and the words when the site names its
    #: own (None: the watchlist's names and the terms of the plans not yet over).
    search_urls: tuple[str, ...] = ()
    search_terms: tuple[str, ...] | None = None
    #: Threads stored within this many hours are read again at the start of each crawl, to
    #: see whether they were taken down (``posts.removed``); 0: never.
    revisit_hours: float = 0
    source: str = ""


def _expect(cond: bool, source: str, where: str, problem: str) -> None:
    if not cond:
        raise ConfigError(source, where, problem)


def site_from_mapping(
    name: str, data: Mapping[str, Any], source: str, substitutions: Mapping[str, str] | None = None
) -> Site:
    """Validate one site table; every problem names the table and key and says what to fix."""
    where = f"[sites.{name}]"
    _expect(isinstance(data, Mapping), source, where, "must be a table of keys")
    unknown = sorted(set(data or {}) - _KNOWN_KEYS)
    _expect(not unknown, source, where, f"unknown key(s) {unknown}; known: {sorted(_KNOWN_KEYS)}")
    kind = data.get("kind")
    _expect(kind in KINDS, source, f"{where} kind", f"is {kind!r}; use one of {list(KINDS)}")
    engine = data.get("engine")
    _expect(
        isinstance(engine, str) and bool(engine),
        source, f"{where} engine", "is missing; name an engine (see `opinion plugins`)",
    )  # fmt: skip
    subs = substitutions or {}
    searches = _urls(data, "search_urls", source, where, subs, required=False)
    for url in searches:
        _expect(
            QUERY in url, source, f"{where} search_urls",
            f"{url!r} has no {QUERY}; put {QUERY} where the site's search takes its words",
        )  # fmt: skip
    resolved = _urls(data, "start_urls", source, where, subs, required=not searches)
    terms = data.get("search_terms")
    _expect(
        terms is None or (isinstance(terms, list) and all(isinstance(t, str) and t.strip()
                                                          for t in terms)),
        source, f"{where} search_terms", "must be a list of words to search for",
    )  # fmt: skip
    tz = data.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(source, f"{where} timezone", f"unknown time zone {tz!r}") from None
    weight = data.get("weight", 1.0)
    _expect(
        isinstance(weight, int | float) and not isinstance(weight, bool) and weight >= 0,
        source, f"{where} weight", "must be a number >= 0",
    )  # fmt: skip
    pages = data.get("max_listing_pages", 20)
    _expect(
        isinstance(pages, int) and pages >= 1,
        source, f"{where} max_listing_pages", "must be an integer >= 1",
    )  # fmt: skip
    revisit = data.get("revisit_hours", 0)
    _expect(
        isinstance(revisit, int | float) and not isinstance(revisit, bool) and revisit >= 0,
        source, f"{where} revisit_hours",
        "must be a number of hours >= 0 (0: do not revisit stored threads)",
    )  # fmt: skip
    _check_politeness(data, source, where)
    for flag in ("render_js", "enabled"):
        _expect(
            isinstance(data.get(flag, False), bool),
            source, f"{where} {flag}", "must be true or false",
        )  # fmt: skip
    return Site(
        name=name,
        kind=str(kind),
        engine=str(engine),
        start_urls=tuple(resolved),
        render_js=bool(data.get("render_js", False)),
        timezone=str(tz),
        weight=float(weight),
        encoding=data.get("encoding"),
        max_listing_pages=pages,
        enabled=bool(data.get("enabled", True)),
        description=str(data.get("description", "")),
        delay=float(data["delay"]) if "delay" in data else None,
        concurrency=int(data["concurrency"]) if "concurrency" in data else None,
        obey_robots=bool(data["obey_robots"]) if "obey_robots" in data else None,
        search_urls=tuple(searches),
        search_terms=tuple(t.strip() for t in terms) if terms is not None else None,
        revisit_hours=float(revisit),
        source=source,
    )


def _urls(
    data: Mapping[str, Any], key: str, source: str, where: str, subs: Mapping[str, str],
    *, required: bool,
) -> list[str]:  # fmt: skip
    """A list of http(s) addresses, ``{name}`` substitutions made (``{query}`` stays)."""
    urls = data.get(key, [] if not required else None)
    _expect(
        isinstance(urls, list) and (bool(urls) or not required)
        and all(isinstance(u, str) for u in urls),
        source, f"{where} {key}",
        "must be a non-empty list of URL strings" if required else "must be a list of URL strings",
    )  # fmt: skip
    resolved = []
    for url in urls or ():
        for name, value in subs.items():
            url = url.replace("{" + name + "}", value)
        _expect(
            url.startswith(("http://", "https://")),
            source, f"{where} {key}", f"{url!r} is not an http(s) URL",
        )  # fmt: skip
        resolved.append(url)
    return resolved


def _check_politeness(data: Mapping[str, Any], source: str, where: str) -> None:
    delay = data.get("delay", 0)
    _expect(
        isinstance(delay, int | float) and not isinstance(delay, bool) and delay >= 0,
        source, f"{where} delay", "must be seconds between requests, a number >= 0",
    )  # fmt: skip
    conc = data.get("concurrency", 1)
    _expect(
        isinstance(conc, int) and not isinstance(conc, bool) and conc >= 1,
        source, f"{where} concurrency", "must be an integer >= 1",
    )  # fmt: skip
    _expect(
        isinstance(data.get("obey_robots", True), bool),
        source, f"{where} obey_robots", "must be true or false",
    )  # fmt: skip


def load_sites_file(
    path: Path | Traversable, substitutions: Mapping[str, str] | None = None
) -> list[Site]:
    """Read a ``sites.toml`` file (a path, or a bundled resource): ``[sites.NAME]`` tables."""
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        raise ConfigError(source, "", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML ({exc})") from None
    tables = data.get("sites", {})
    _expect(isinstance(tables, dict), source, "[sites]", "must hold [sites.NAME] tables")
    unknown = sorted(set(data) - {"sites"})
    _expect(not unknown, source, "top level", f"unknown table(s) {unknown}; use [sites.NAME]")
    return [site_from_mapping(name, table, source, substitutions) for name, table in tables.items()]


def timezone_of(sites: Mapping[str, Site], name: str) -> str:
    """The time zone of the site ``name``'s page times."""
    site = sites.get(name)
    return site.timezone if site else DEFAULT_TIMEZONE


def check_unique(sites: Iterable[Site]) -> dict[str, Site]:
    """Index sites by name; a name declared twice is an error naming both sources."""
    out: dict[str, Site] = {}
    for site in sites:
        if site.name in out:
            first = out[site.name]
            raise ConfigError(
                site.source, f"[sites.{site.name}]",
                f"site name already declared in {first.source}; rename one of them",
            )  # fmt: skip
        out[site.name] = site
    return out
