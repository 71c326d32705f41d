"""Record every run in the ``runs`` collection: what was fetched, parsed, stored, and why not.
While the store is down the run document is spooled with the posts and replayed with them."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.alerting import AlertPolicy, raise_alert, spool_unwritten
from opinion_spiders.config import config_of
from opinion_spiders.core.health import evaluate, fetch_stats, finish_reason, health_alert
from opinion_spiders.runtime import Runtime
from opinion_spiders.stores import StoreUnavailable
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool

logger = logging.getLogger(__name__)


class RunStatsExtension:
    """Writes one ``runs`` document per spider run when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_id = ""
        self.started_at = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunStatsExtension:
        if not config_of(crawler.settings).runs_enabled:
            raise NotConfigured("OPINION_RUNS_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = datetime.now(UTC)
        site = getattr(spider, "site_name", spider.name)
        self.run_id = f"{site}:{self.started_at:%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:8]}"
        spider.opinion_run_id = self.run_id  # type: ignore[attr-defined]

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        all_stats = stats.get_stats()
        doc: dict[str, Any] = {
            "_id": self.run_id,
            "spider": spider.name,
            "site": getattr(spider, "site_name", None),
            "kind": getattr(spider, "kind", None),
            "started_at": self.started_at,
            "finished_at": datetime.now(UTC),
            "finish_reason": finish_reason(reason, all_stats),
            "stats": {
                **{_key(k): v for k, v in all_stats.items() if _keep(k, v)},
                **fetch_stats(all_stats),
            },
            "parse_failures": list(getattr(spider, "parse_failures", [])),
        }
        runtime = Runtime.for_crawler(self.crawler)
        recorded = False
        try:
            previous = self._previous_stats(runtime, doc["site"])
            doc["health"] = evaluate(
                doc["stats"], str(doc["kind"]), previous, reason=doc["finish_reason"]
            )
            runtime.store.record_run(doc)
            recorded = True
            for problem in doc["health"]:
                self._raise_health_alert(runtime, doc, problem)
        except StoreUnavailable as exc:
            if recorded:
                logger.error("run %s recorded, its health alerts not raised: %s", self.run_id, exc)
                return
            if "health" not in doc:  # the store failed before the previous run was read
                doc["health"] = evaluate(
                    doc["stats"], str(doc["kind"]), reason=doc["finish_reason"]
                )
            Spool(spool_dir(self.crawler.settings)).append([doc], "record_run")
            logger.error("store unavailable, run %s spooled to disk: %s", self.run_id, exc)

    @staticmethod
    def _previous_stats(runtime: Runtime, site: str | None) -> dict[str, Any] | None:
        for run in runtime.store.find_runs(limit=50):
            if run.get("site") == site:
                return dict(run.get("stats") or {})
        return None

    def _raise_health_alert(
        self, runtime: Runtime, run: dict[str, Any], problem: dict[str, Any]
    ) -> None:
        """Operators hear of a failing site once a day per check, through the alert channels
        (with the same ledger, retries and quiet hours as every alert)."""
        logger.error("site %s health: %s", run["site"], problem["message"])
        now = datetime.now(UTC)
        alert = health_alert(str(run["site"]), str(run["kind"]), problem, now)
        policy = AlertPolicy.from_settings(self.crawler.settings)
        outcome = raise_alert(runtime.store, runtime.channels, alert, policy, now)
        if outcome is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("opinion/alert/raised/health")
            if spool_unwritten(Spool(spool_dir(self.crawler.settings)), outcome):
                self.crawler.stats.inc_value("opinion/alert/ledger_spooled")


def _keep(key: str, value: Any) -> bool:
    return isinstance(value, int | float) and (
        key.startswith(("opinion/", "item_", "response_received", "downloader/response_status"))
    )


def _key(key: str) -> str:
    """MongoDB field names cannot contain dots; stats keys use slashes, keep them."""
    return key.replace(".", "_")
