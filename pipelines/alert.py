"""Stage 6: a post over the lowest tier raises its story's alert (one per thread or
near-duplicate cluster), recorded in the ledger first so it is never sent twice, then
delivered to every channel off the reactor thread; a later post of the story updates that
alert, and it is sent again only when it escalates to a higher tier. Pending alerts and
quiet-hour digests are retried when the spider opens, every ``OPINION_ALERT_RETRY_BASE``
seconds while it runs, and when it closes.

An alert goes out only once the post that raised it is durable: the store stage writes it
first (or spools it while the store is down; the alert's ``durable`` says which). The post's
``alert`` is then set in the store with the store stage's next batch. While the store is down
the ledger cannot be read: the alert is still sent — once per story in the process, from an
:class:`~opinion_spiders.alerting.OfflineLedger` — and its ledger entry spooled behind
the posts. A story this process raised or grew in the stored ledger before the outage is
known to the offline ledger as it was last read (the last :data:`KNOWN_STORIES` of them), so
a post that joins it while the store is down grows it instead of sending it again as new.

A new story whose post is a copy of a story raised earlier — another crawl process met the
other copy first, and neither crawl's view of the cluster saw the other's — grows that story
instead of going out (see :func:`copy_stories` and ``raise_alert``'s ``copy_of``)."""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from scrapy.crawler import Crawler

from opinion_spiders.alerting import (
    AlertPolicy,
    OfflineLedger,
    Outcome,
    alert_for,
    period_tiers,
    raise_alert,
    retry_pending,
    spool_unwritten,
)
from opinion_spiders.clusters import CANDIDATE_LIMIT, Member, copies_by_cluster
from opinion_spiders.events.stories import cluster_story_key
from opinion_spiders.items import Post
from opinion_spiders.stores import Store, StoreUnavailable, store_uri
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from pipelines._base import Stage
from pipelines.store import STORED, StorePipeline

logger = logging.getLogger(__name__)

#: store URI -> the alerts raised in this process while that store was down
_OFFLINE: dict[str, OfflineLedger] = {}
#: an offline raise and the spooling of its writes, one at a time (a story's writes in order)
_OFFLINE_LOCK = threading.Lock()
#: store URI -> the stories this process last read from the stored ledger, newest last
_KNOWN: dict[str, OrderedDict[str, dict[str, Any]]] = {}
#: How many stories :data:`_KNOWN` keeps per store (the oldest go first).
KNOWN_STORIES = 2000


class AlertPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.policy = AlertPolicy.from_settings(crawler.settings)
        self._next_retry = 0.0
        self.spool = Spool(spool_dir(crawler.settings))
        self.offline = _OFFLINE.setdefault(store_uri(crawler.settings), OfflineLedger())
        self.known = _KNOWN.setdefault(store_uri(crawler.settings), OrderedDict())

    async def open_spider(self) -> None:
        await self._retry()

    async def close_spider(self) -> None:
        await self._retry()

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        doc = item.to_document()
        doc.setdefault("cluster_id", getattr(item, "cluster_id", None))
        now = datetime.now(UTC)
        tiers = period_tiers(dict(self.policy.tiers), item.periods)
        alert = alert_for(doc, tiers, now)
        if alert is not None:
            posts = StorePipeline.of(self.crawler)
            alert["durable"] = await self._durable(posts, item.id)
            await self._raise(item, alert, tiers, doc)
            if item.alert is not None and posts is not None:
                posts.note_alert(item.id, item.alert)
        if time.monotonic() >= self._next_retry:
            await self._retry()
        return item

    async def _durable(self, posts: StorePipeline | None, post_id: str) -> str:
        """Wait for the post to be stored or spooled; say which (``unwritten``: it failed)."""
        try:
            where = await posts.durable([post_id]) if posts else STORED
        except Exception as exc:  # noqa: BLE001 - the alert must go out all the same
            logger.error("post %s not written (%s); its alert goes out all the same", post_id, exc)
            where = "unwritten"
        if where != STORED:
            self.stats.inc_value(f"opinion/alert/post_{where}")
        return where

    async def _raise(
        self, item: Post, alert: dict[str, object], tiers: dict[str, float], doc: dict[str, Any]
    ) -> None:
        now = datetime.now(UTC)
        if self._offline_has(str(alert["_id"])):
            outcome = await self._raise_offline(alert, now, tiers)
        else:
            copy_of = partial(copy_stories, self.runtime.store, doc)
            try:
                outcome = await asyncio.to_thread(self._raise_stored, alert, now, tiers, copy_of)
            except StoreUnavailable as exc:
                logger.warning("alert ledger unavailable, alert for %s goes out without it, "
                               "its ledger writes spooled: %s", item.id, exc)  # fmt: skip
                outcome = await self._raise_offline(alert, now, tiers)
        if outcome is None:
            self.stats.inc_value("opinion/alert/already_raised")
            item.alert = await asyncio.to_thread(self._known_part, item.id, alert)
            return
        if outcome.folded:
            self.stats.inc_value("opinion/alert/folded_into_earlier")
        if outcome.escalated:
            self.stats.inc_value("opinion/alert/escalated")
        elif outcome.grew:
            self.stats.inc_value("opinion/alert/story_grew")
        else:
            self.stats.inc_value(f"opinion/alert/raised/{alert['tier']}")
        self._count(outcome)
        status = outcome.status or "grew"
        item.alert = {"id": alert["_id"], "tier": alert["tier"], "status": status}

    def _known_part(self, post_id: str, alert: dict[str, object]) -> dict[str, object] | None:
        """The post's part in a story the ledger already counts it in, for its ``alert``: a
        crawl killed after the ledger write and before the post's next batch leaves the post
        without it, and the next crawl (to which the story is "already raised") fills it."""
        try:
            known = self.runtime.store.get_alert(str(alert["_id"]))
        except StoreUnavailable:
            return None
        if known is None or post_id not in (known.get("post_ids") or [known.get("post_id")]):
            return None
        status = known.get("status") if known.get("post_id") == post_id else "grew"
        return {"id": known["_id"], "tier": alert["tier"], "status": status or "grew"}

    def _offline_has(self, alert_id: str) -> bool:
        """Whether the story is the offline ledger's: raised while the store was down, and
        the spool not replayed since (the stored ledger has the story then)."""
        if alert_id not in self.offline:
            return False
        if self.spool.pending():
            return True
        self.offline.alerts.pop(alert_id, None)
        return False

    def _raise_stored(
        self,
        alert: dict[str, object],
        now: datetime,
        tiers: dict[str, float],
        copy_of: Callable[[], list[str]],
    ) -> Outcome | None:
        """Raise ``alert`` in the stored ledger, and remember its story as it stands there."""
        runtime = self.runtime
        outcome = raise_alert(
            runtime.store, runtime.channels, alert, self.policy, now, tiers, copy_of
        )
        if outcome is not None and outcome.unwritten:
            self._spool_unwritten(outcome, alert)
            return outcome
        try:
            story = runtime.store.get_alert(str(alert["_id"]))
        except StoreUnavailable:
            return outcome
        if story is not None:
            with _OFFLINE_LOCK:
                self.known[str(alert["_id"])] = story
                self.known.move_to_end(str(alert["_id"]))
                while len(self.known) > KNOWN_STORIES:
                    self.known.popitem(last=False)
        return outcome

    def _spool_unwritten(self, outcome: Outcome, alert: dict[str, object]) -> None:
        """The ledger writes the store failed after the alert went out, spooled for it; and a
        new story as it went out kept as known, so that a post joining it while the store is
        down grows it instead of sending it again as new."""
        self.stats.inc_value("opinion/alert/ledger_spooled")
        with _OFFLINE_LOCK:
            spool_unwritten(self.spool, outcome)
            if not outcome.grew:
                self.known[str(alert["_id"])] = copy.deepcopy(dict(alert))
                self.known.move_to_end(str(alert["_id"]))

    async def _raise_offline(
        self, alert: dict[str, object], now: datetime, tiers: dict[str, float]
    ) -> Outcome | None:
        """Raise ``alert`` from the offline ledger and spool what it wrote."""
        self.stats.inc_value("opinion/alert/ledger_spooled")
        return await asyncio.to_thread(self._offline_now, alert, now, tiers)

    def _offline_now(
        self, alert: dict[str, object], now: datetime, tiers: dict[str, float]
    ) -> Outcome | None:
        with _OFFLINE_LOCK:
            alert_id = str(alert["_id"])
            if alert_id not in self.offline and alert_id in self.known:
                # raised before the outage: grow it (the stored one gets the update on replay)
                self.offline.alerts[alert_id] = copy.deepcopy(self.known[alert_id])
            outcome = raise_alert(
                self.offline, self.runtime.channels, alert, self.policy, now, tiers
            )
            for op, docs in self.offline.take_writes():
                self.spool.append(docs, op)
        return outcome

    async def _retry(self) -> None:
        """Pending alerts whose backoff is over, and digests once quiet hours have ended — not
        while ledger writes wait in the spool: an alert whose delivery is spooled is still
        pending in the stored ledger, and would go out again."""
        self._next_retry = time.monotonic() + self.policy.retry_base
        if self.spool.pending():
            return
        runtime = self.runtime
        try:
            outcome = await asyncio.to_thread(
                retry_pending, runtime.store, runtime.channels, datetime.now(UTC), self.policy
            )
        except StoreUnavailable as exc:
            logger.error("alert ledger unavailable, pending alerts not retried: %s", exc)
            return
        self._count(outcome)
        self.stats.inc_value("opinion/alert/digests", outcome.digests)

    def _count(self, outcome: Outcome) -> None:
        if outcome.status:
            self.stats.inc_value(f"opinion/alert/{outcome.status}")
        for name in outcome.sent:
            self.stats.inc_value(f"opinion/alert/sent/{name}")
        for name in outcome.failed:
            self.stats.inc_value(f"opinion/alert/failed/{name}")


def copy_stories(store: Store, post: Mapping[str, Any]) -> list[str]:
    """The stories of the stored copies of ``post`` (near-duplicates at the clusters'
    threshold, found by its bands as the crawl finds them), by their clusters: a cluster's
    story is its first post's (:func:`cluster_story_key`), a lone post's its thread's."""
    me, bands = Member.from_document(post), post.get("minhash_bands") or []
    if me is None or not bands:
        return []
    [listed] = store.band_listed([list(bands)], CANDIDATE_LIMIT)
    found = store.candidate_posts([i for i in listed if i != me.id])
    candidates = [m for d in found.values() if (m := Member.from_document(d)) is not None]
    return [cluster_story_key(cluster) for cluster in copies_by_cluster(me, candidates)]
