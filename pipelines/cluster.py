"""Stage 3½ (after keyword rules, before score): put each post in its near-duplicate cluster
as the crawl sees it, so the score can count how far a text has spread and who published it
first; and when the spider closes, run the cluster step that writes the clusters.

Crawlers in one process (``opinion crawl A B``) share one in-run index per store, so a copy
on site B finds its original on site A even before A's batch reached the store. The store
reads (candidates, their clusters) run off the reactor: on a thread of their own where the
store reads beside its writes (the embedded store), else on the store's writer thread; the
posts that reach the stage together (a page's, and those that came while the thread was busy)
go in one call. The crawl writes nothing to the clusters: the store queues each stored post,
and the cluster step (:mod:`opinion_spiders.clusters.step`, the single writer) clusters them.
It runs here twice: when the spider opens, once the store stage has replayed the spool (so the
crawl's view starts from the clusters of every post stored before; skipped when another
process runs it), and once this crawler's posts are written, waiting up to
``OPINION_CLUSTER_STEP_WAIT`` seconds for another process's step; posts left queued go to the
next step.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import cached_property
from weakref import WeakValueDictionary

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.clusters import (
    Assignment,
    Clusterer,
    ClusterStep,
    Member,
    Signature,
    signature,
)
from opinion_spiders.config import config_of
from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable, store_uri
from opinion_spiders.stores.writer import StoreWriter, reader_for, stepper_for
from pipelines._base import Stage
from pipelines.store import StorePipeline

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
        self.clusterer = _SHARED.get(key) or Clusterer()
        _SHARED[key] = self.clusterer
        #: posts waiting for their assignment, and the task that sends them to the writer
        self.waiting: list[tuple[Member, Signature, asyncio.Future[Assignment]]] = []
        self.sender: asyncio.Task[None] | None = None

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        ahead = "signature" in item.ahead
        sig = _ahead_signature(item) if ahead else signature(item.content)
        if sig is None:
            self.stats.inc_value("opinion/cluster/short")
            return item
        member = Member(item.id, item.site, sig.minhash, item.author, item.published_at,
                        item.crawled_at)  # fmt: skip
        result = await self._assign(member, sig)
        _apply(item, None if ahead else sig, result)
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
                    results = await self.lookups.call(
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

    @cached_property
    def lookups(self) -> StoreWriter:
        """Where the posts' clusters are looked up: beside the store's writes — in a crawl's
        last seconds the writer thread is still writing the posts of the sites running, and
        the posts waiting for their cluster waited behind that (the page worker idle, a core
        free)."""
        return reader_for(store_uri(self.crawler.settings))

    @cached_property
    def steps(self) -> StoreWriter:
        """Where the cluster steps run: beside the store's writes — a crawler's step when it
        closes held up the posts of those still running, and the crawl's last seconds are the
        writer's."""
        return stepper_for(store_uri(self.crawler.settings))

    async def open_spider(self) -> None:
        """Once the spool is replayed, the step for the posts stored before this crawl."""
        posts = StorePipeline.of(self.crawler)
        if posts is not None:
            await posts.replayed.wait()
        await self._step(0.0, "start")

    async def close_spider(self) -> None:
        """Once this crawler's posts are written, the step for them."""
        posts = StorePipeline.of(self.crawler)
        if posts is not None:
            await posts.durable()
        await self._step(self.runtime.config.cluster_step_wait, "step")

    async def _step(self, wait: float, stat: str) -> None:
        """Run the cluster step off the reactor (:attr:`steps`), asking for the lease again
        every half second while another process holds it, up to ``wait`` seconds; ``stat``:
        the stats' prefix under ``opinion/cluster/``."""
        step = ClusterStep(self.runtime.store)
        deadline = time.monotonic() + wait
        try:
            while (result := await self.steps.call(step.run, 0.0)).busy:
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        except StoreUnavailable as exc:
            logger.warning("cluster step not run, the store is unavailable (the posts stay "
                           "queued for the next step): %s", exc)  # fmt: skip
            self.stats.set_value(f"opinion/cluster/{stat}/store_unavailable", 1)
            return
        if result.busy:
            if wait:
                logger.info("cluster step: another process holds it after %.0fs; this "
                            "crawl's posts stay queued for its next step", wait)  # fmt: skip
            self.stats.set_value(f"opinion/cluster/{stat}/busy", 1)
            return
        for name in ("posts", "new", "joined", "merged", "known"):
            if getattr(result, name):
                self.stats.set_value(f"opinion/cluster/{stat}/{name}", getattr(result, name))


def _ahead_signature(post: Post) -> Signature | None:
    """The signature a page worker took, from the fields it wrote (None for a short text)."""
    member = Member.from_document({"_id": post.id, "minhash": post.minhash})
    return None if member is None else Signature(member.minhash, tuple(post.minhash_bands))


def _apply(post: Post, sig: Signature | None, result: Assignment) -> None:
    """The cluster fields of ``result`` on the post, and the signature's fields unless the
    page worker wrote them (``sig`` None)."""
    if sig is not None:
        post.minhash = sig.encoded
        post.minhash_bands = list(sig.bands)
    fields = result.post_fields()
    post.cluster_id = fields["cluster_id"]
    post.cluster_size = fields["cluster_size"]
    post.cluster_sites = fields["cluster_sites"]
    post.cluster_first_id = fields["cluster_first_id"]
