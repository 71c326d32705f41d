"""Stage 3½ (after keyword rules, before score): put each post in its near-duplicate cluster,
so the score can count how far a text has spread and who published it first.

Crawlers in one process (``opinion crawl A B``) share one in-run index per store, so a copy
on site B finds its original on site A even before A's batch reached the store. The store
calls (and the index they update) run on the store's writer thread, off the reactor; the
posts that reach the stage together (a page's, and those that came while the writer was busy)
go in one call, which reads the candidates of them all in one lookup. While
the store is down, the calls it missed wait in memory, at most ``OPINION_CLUSTER_PENDING_LIMIT``
of them; past that, and when a crawler closes with the store still down, they go to the spool
behind the posts.
"""

from __future__ import annotations

import asyncio
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

#: Posts assigned in one writer call at most: their candidates are one lookup of up to 32
#: band keys a post (a lookup of thousands of keys is slower than several smaller ones).
BATCH = 8
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
        #: posts waiting for their assignment, and the task that sends them to the writer
        self.waiting: list[tuple[Member, Signature, asyncio.Future[Assignment]]] = []
        self.sender: asyncio.Task[None] | None = None

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        sig = _ahead_signature(item) if "signature" in item.ahead else signature(item.content)
        if sig is None:
            self.stats.inc_value("opinion/cluster/short")
            return item
        member = Member(item.id, item.site, sig.minhash, item.author, item.published_at,
                        item.crawled_at)  # fmt: skip
        result = await self._assign(member, sig)
        _apply(item, sig, result)
        self.stats.inc_value(f"opinion/cluster/{result.outcome}")
        if result.merged:
            self.stats.inc_value("opinion/cluster/merged", len(result.merged))
        if result.degraded:
            self.stats.inc_value("opinion/cluster/store_unavailable")
        return item

    def _assign(self, member: Member, sig: Signature) -> asyncio.Future[Assignment]:
        """The post's assignment, made on the writer thread together with those of the posts
        that reached this stage meanwhile (the posts of a page come at once, and more wait
        while the writer is busy): one candidate lookup for them all."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Assignment] = loop.create_future()
        self.waiting.append((member, sig, future))
        if self.sender is None:
            self.sender = loop.create_task(self._send())
        return future

    async def _send(self) -> None:
        batch: list[tuple[Member, Signature, asyncio.Future[Assignment]]] = []
        try:
            await asyncio.sleep(0)  # the other posts of the page reach the stage first
            while self.waiting:
                batch, self.waiting = self.waiting[:BATCH], self.waiting[BATCH:]
                posts = [(member, sig) for member, sig, _ in batch]
                try:
                    results = await self.in_writer(
                        self.clusterer.assign_many, posts, self.runtime.store
                    )
                except Exception as exc:  # noqa: BLE001 - each post's own await raises it
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (*_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:  # cancelled (the loop is closing): no post waits for ever
            for *_, future in (*batch, *self.waiting):
                future.cancel()
            self.sender = None

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
