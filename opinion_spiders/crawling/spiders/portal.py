"""News and government portals: list pages and RSS/Atom feeds -> articles."""

from __future__ import annotations

from opinion_spiders.crawling.spiders._base import OpinionSpider


class PortalSpider(OpinionSpider):
    name = "portal"
    kind = "portal"
