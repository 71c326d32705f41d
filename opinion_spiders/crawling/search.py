"""Searching a site for the watched names: the site's own search asked for each word.

A site that declares ``search_urls`` (addresses with ``{query}`` where the words go) is asked,
at the start of each crawl, for every word it searches — its own ``search_terms``, else the
watchlist's names (organisations, places, officials) and the terms of the watch plans not
yet over (a new policy's words before and while it is announced). Each results page is a
listing its engine reads like any other (the threads or articles it links to, its next page,
walked within ``max_listing_pages``), so what a site says about a watched name is found
without walking the whole site.

The words go into the address encoded as the site's pages are (its ``encoding``; UTF-8 when
it names none): a GBK forum's search takes GBK bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from opinion_spiders.adapters import Link
from opinion_spiders.reading.encoding import normalise_charset
from opinion_spiders.sites import QUERY, Site


def search_terms(site: Site, settings: Mapping[str, Any], now: datetime | None = None) -> list[str]:
    """The words a site's search is asked for, in order, each once."""
    if site.search_terms is not None:
        return list(dict.fromkeys(site.search_terms))
    from opinion_spiders.watch.config import plans_from_settings, watchlist_from_settings

    now = now or datetime.now(UTC)
    names = [entity.name for entity in watchlist_from_settings(settings).entities]
    plans = [t for plan in plans_from_settings(settings).values() if now < plan.end
             for t in plan.terms]  # fmt: skip
    return list(dict.fromkeys(word.strip() for word in [*names, *plans] if word.strip()))


def search_links(site: Site, terms: list[str]) -> list[Link]:
    """One results page per search address and word: a listing, its word in ``meta``."""
    codec = normalise_charset(site.encoding) or "utf-8"
    return [
        Link(template.replace(QUERY, quote(term.encode(codec, errors="replace"), safe="")),
             "listing", meta={"search": term})
        for template in site.search_urls
        for term in terms
    ]  # fmt: skip
