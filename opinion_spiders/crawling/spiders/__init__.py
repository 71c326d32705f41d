"""One generic spider per target kind, driven by site adapters."""

from __future__ import annotations

from opinion_spiders.crawling.spiders._base import PAUSE_KEY
from opinion_spiders.crawling.spiders.forum import ForumSpider
from opinion_spiders.crawling.spiders.portal import PortalSpider
from opinion_spiders.crawling.spiders.postbar import PostbarSpider

SPIDERS = {"forum": ForumSpider, "portal": PortalSpider, "postbar": PostbarSpider}

__all__ = ["PAUSE_KEY", "SPIDERS", "ForumSpider", "PortalSpider", "PostbarSpider"]
