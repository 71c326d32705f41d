"""The crawl's add-ons (Scrapy ``ADDONS``): settings decided once ``-s`` and scrapyd
``setting=`` overrides are known.

Every crawl process loads them before it fetches anything, so this module imports nothing
heavy: what an add-on switches on is named by its path and imported only when it is on — the
Redis scheduler (:mod:`opinion_spiders.crawling.distributed`, with redis-py) only when
``OPINION_REDIS_URL`` is set, Scrapy's remote control (with aiohttp) only when
``REMOTE_CONTROL_ENABLED`` is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.settings import BaseSettings

#: The shared-queue scheduler the distributed add-on swaps in.
SCHEDULER = "opinion_spiders.crawling.distributed.RedisScheduler"
#: Scrapy 2.19's remote control (``EXTENSIONS_BASE``).
REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


class DistributedAddon:
    """Swaps in the Redis scheduler when ``OPINION_REDIS_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("OPINION_REDIS_URL"):
            settings.set("SCHEDULER", SCHEDULER, priority="addon")


class RemoteControlAddon:
    """Leaves Scrapy's remote control out of the extensions unless ``REMOTE_CONTROL_ENABLED``:
    listed, Scrapy imports its module — and aiohttp's web server with it, ~0.1–0.2 s of every
    crawl process's start — only to find it switched off. It is taken out of
    ``EXTENSIONS_BASE``, which Scrapy's docs leave alone: Scrapy 2.19 imports every key of
    ``EXTENSIONS`` to compare it with the base's, one set to ``None`` too."""

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.getbool("REMOTE_CONTROL_ENABLED"):
            return
        base = settings.getdict("EXTENSIONS_BASE")
        if base.pop(REMOTE_CONTROL, None) is not None:
            priority = settings.getpriority("EXTENSIONS_BASE") or 0
            settings.set("EXTENSIONS_BASE", base, priority=priority)


def check_settings(settings: Mapping[str, Any]) -> None:
    """Before a crawl starts: an unreachable ``OPINION_REDIS_URL`` is a clear error."""
    url = str(settings.get("OPINION_REDIS_URL") or "")
    if url:
        from opinion_spiders.crawling.redis_run import check_url

        check_url(url)
