"""Stage 3½ (after keyword rules, before score): put each post in its near-duplicate cluster,
so the score can count how far a text has spread and who published it first.

Crawlers in one process (``opinion crawl A B``) share one in-run index per store, so a copy
on site B finds its original on site A even before A's batch reached the store. The store
calls (and the index they update) run on the store's writer thread, off the reactor. While
the store is down, the calls it missed wait in memory, at most ``OPINION_CLUSTER_PENDING_LIMIT``
of them; past that, and when a crawler closes with the store still down, they go to the spool
behind the posts.
"""

from __future__ import annotations

import logging
from weakref import WeakValueDictionary

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.clusters import (
    Assignment,
    Clusterer,
    Member,
    Signature,
    signature,
)
from opinion_spiders.config import config_of
from opinion_spiders.items import Post
from opinion_spiders.stores import store_uri
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from pipelines._base import Stage

logger = logging.getLogger(__name__)

#: store URI -> the clusterer its crawlers share; gone when the last of them is.
_SHARED: WeakValueDictionary[str, Clusterer] = WeakValueDictionary()


class ClusterPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        if not config_of(crawler.settings).cluster_enabled:
            raise NotConfigured("OPINION_CLUSTER_ENABLED is off")
        super().__init__(crawler)
        key = store_uri(crawler.settings)
        self.clusterer = _SHARED.get(key) or Clusterer(
            spool=Spool(spool_dir(crawler.settings)),
            pending_limit=self.runtime.config.cluster_pending_limit,
        )
        _SHARED[key] = self.clusterer

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        sig = _ahead_signature(item) if "signature" in item.ahead else signature(item.content)
        if sig is None:
            self.stats.inc_value("opinion/cluster/short")
            return item
        member = Member(item.id, item.site, sig.minhash, item.author, item.published_at,
                        item.crawled_at)  # fmt: skip
        result = await self.in_writer(self.clusterer.assign, member, sig, self.runtime.store)
        _apply(item, sig, result)
        self.stats.inc_value(f"opinion/cluster/{result.outcome}")
        if result.merged:
            self.stats.inc_value("opinion/cluster/merged", len(result.merged))
        if result.degraded:
            self.stats.inc_value("opinion/cluster/store_unavailable")
        return item

    async def close_spider(self) -> None:
        if await self.in_writer(self.clusterer.flush, self.runtime.store):
            return
        await self.in_writer(self.clusterer.spool_pending)
        spooled, unwritten = self.clusterer.spooled, self.clusterer.pending
        if spooled:
            logger.warning("store unavailable: %d cluster updates spooled, replayed with the "
                           "posts when the next run starts", spooled)  # fmt: skip
            self.stats.set_value("opinion/cluster/spooled", spooled)
        if unwritten:
            logger.error("store unavailable: %d cluster updates not written", unwritten)
            self.stats.set_value("opinion/cluster/unwritten", unwritten)


def _ahead_signature(post: Post) -> Signature | None:
    """The signature a page worker took, from the fields it wrote (None for a short text)."""
    member = Member.from_document({"_id": post.id, "minhash": post.minhash})
    return None if member is None else Signature(member.minhash, tuple(post.minhash_bands))


def _apply(post: Post, sig: Signature, result: Assignment) -> None:
    cluster = result.cluster
    post.minhash = sig.encoded
    post.minhash_bands = list(sig.bands)
    post.cluster_id = cluster.id
    post.cluster_size = cluster.size
    post.cluster_sites = sorted(cluster.sites)
    post.cluster_first_id = cluster.first.id
