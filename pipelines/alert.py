"""Stage 6: a post over the lowest tier raises its story's alert (one per thread or
near-duplicate cluster), recorded in the ledger first so it is never sent twice, then
delivered to every channel off the reactor thread; a later post of the story updates that
alert, and it is sent again only when it escalates to a higher tier. Pending alerts and
quiet-hour digests are retried when the spider opens, every ``OPINION_ALERT_RETRY_BASE``
seconds while it runs, and when it closes."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from scrapy.crawler import Crawler

from opinion_spiders.alert_dispatch import Outcome, raise_alert, retry_pending
from opinion_spiders.alerting import AlertPolicy, alert_for, period_tiers
from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable
from pipelines._base import Stage

logger = logging.getLogger(__name__)


class AlertPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.policy = AlertPolicy.from_settings(crawler.settings)
        self._next_retry = 0.0

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
            await self._raise(item, alert, tiers)
        if time.monotonic() >= self._next_retry:
            await self._retry()
        return item

    async def _raise(self, item: Post, alert: dict[str, object], tiers: dict[str, float]) -> None:
        runtime, now = self.runtime, datetime.now(UTC)
        try:
            outcome = await asyncio.to_thread(
                raise_alert, runtime.store, runtime.channels, alert, self.policy, now, tiers
            )
        except StoreUnavailable as exc:
            logger.error("alert ledger unavailable, alert for %s not raised: %s", item.id, exc)
            return
        if outcome is None:
            self.stats.inc_value("opinion/alert/already_raised")
            return
        if outcome.escalated:
            self.stats.inc_value("opinion/alert/escalated")
        elif outcome.grew:
            self.stats.inc_value("opinion/alert/story_grew")
        else:
            self.stats.inc_value(f"opinion/alert/raised/{alert['tier']}")
        self._count(outcome)
        status = outcome.status or "grew"
        item.alert = {"id": alert["_id"], "tier": alert["tier"], "status": status}

    async def _retry(self) -> None:
        """Pending alerts whose backoff is over, and digests once quiet hours have ended."""
        self._next_retry = time.monotonic() + self.policy.retry_base
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
