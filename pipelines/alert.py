"""Stage 6: a post over the threshold raises one alert, recorded in the ledger first so it is
never sent twice, then delivered to every channel off the reactor thread."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler

from opinion_spiders.alerting import alert_for
from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable
from pipelines._base import Stage

logger = logging.getLogger(__name__)


class AlertPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.threshold = crawler.settings.getfloat("OPINION_ALERT_THRESHOLD", 25.0)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        alert = alert_for(item.to_document(), self.threshold, datetime.now(UTC))
        if alert is None:
            return item
        try:
            is_new = self.runtime.store.insert_alert(alert)
        except StoreUnavailable as exc:
            logger.error("alert ledger unavailable, alert for %s not raised: %s", item.id, exc)
            return item
        if not is_new:
            self.stats.inc_value("opinion/alert/already_raised")
            return item
        self.stats.inc_value(f"opinion/alert/raised/{alert['tier']}")
        await self.deliver(alert)
        item.alert = {"id": alert["_id"], "tier": alert["tier"], "status": alert["status"]}
        return item

    async def deliver(self, alert: dict[str, Any]) -> None:
        deliveries: dict[str, str] = {}
        for channel in self.runtime.channels:
            try:
                await asyncio.to_thread(channel.send, alert)
                deliveries[channel.name] = "sent"
                self.stats.inc_value(f"opinion/alert/sent/{channel.name}")
            except Exception as exc:  # noqa: BLE001 - a failing channel must not stop the others
                deliveries[channel.name] = f"failed: {type(exc).__name__}: {exc}"
                self.stats.inc_value(f"opinion/alert/failed/{channel.name}")
                logger.error("alert %s not delivered to %s: %s", alert["_id"], channel.name, exc)
        ok = all(v == "sent" for v in deliveries.values())
        alert["status"] = "sent" if ok else "pending"
        alert["deliveries"] = deliveries
        alert["alerted_at"] = datetime.now(UTC)
        fields = {k: alert[k] for k in ("status", "deliveries", "alerted_at")}
        self.runtime.store.update_alert(alert["_id"], fields)
