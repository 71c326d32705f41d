"""Run crawls of declared sites in this process (the CLI's ``crawl`` and ``demo``)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from opinion_spiders.config import Config, load_config
from opinion_spiders.core.health import finish_reason
from opinion_spiders.crawling.addons import check_settings
from opinion_spiders.crawling.page_workers import start_workers_early, stop_early_workers
from opinion_spiders.crawling.progress import Progress, counts
from opinion_spiders.crawling.spiders import SPIDERS
from opinion_spiders.runtime import Runtime
from opinion_spiders.stores.base import StoreUnavailable


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings (``settings`` package) with command-line overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    settings = get_project_settings()
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class SiteResult:
    site: str
    kind: str
    items: int = 0
    new: int = 0
    pages: int = 0
    parse_failures: int = 0
    #: the site's own alerts: its posts' and its health alerts
    alerts: int = 0
    #: event alerts (bursts across the sites) raised by looks this crawler's posts set off
    events: int = 0
    spooled: int = 0
    finish_reason: str = ""
    stats: dict[str, Any] = field(default_factory=dict)


#: Set by ``opinion crawl``'s SIGINT/SIGTERM handler until Scrapy installs its own.
STOP_REQUESTED = threading.Event()


def run_crawls(
    sites: Sequence[str], settings: Settings, *, progress: bool = True
) -> list[SiteResult]:
    """Crawl the named sites concurrently in one Scrapy process; returns a result per site.

    The runtime is built first so a bad site definition or rule file is rejected before the
    first request; so is an unreachable ``OPINION_REDIS_URL``. A bad ``OPINION_*`` setting is
    rejected first of all.
    """
    config = load_config(settings)
    if "asyncio" in str(settings.get("TWISTED_REACTOR") or ""):  # what page workers need
        start_workers_early(settings.copy_to_dict())
    try:
        return _run_crawls(sites, settings, config, progress)
    finally:
        stop_early_workers()


def _run_crawls(
    sites: Sequence[str], settings: Settings, config: Config, progress: bool
) -> list[SiteResult]:
    runtime = Runtime(settings)
    _ = runtime.rule_sets
    check_settings(settings)
    # A refused login is one line here, not a traceback in every crawler later; a store
    # that is down is the spool's business.
    with contextlib.suppress(StoreUnavailable):
        runtime.store.ensure_schema()
    chosen = [runtime.site(name) for name in sites]
    process = CrawlerProcess(settings)
    shown = _progress(config) if progress else None
    results: list[SiteResult] = []
    for site in chosen:
        crawler = process.create_crawler(SPIDERS[site.kind])
        result = SiteResult(site.name, site.kind)
        results.append(result)
        _watch(crawler, result, shown)
        process.crawl(crawler, site=site.name)
    if shown is not None and shown.enabled:
        from twisted.internet import task

        ticks = task.LoopingCall(shown.tick)
        ticks.start(shown.interval, now=False)
        shown.on_all_done = lambda: ticks.stop() if ticks.running else None
    if STOP_REQUESTED.is_set():
        raise KeyboardInterrupt  # asked to stop before anything started
    process.start()
    events = sum(r.events for r in results)
    if shown is not None and events:
        shown.say(f"  events: {events} event alerts (bursts across the sites; not in the "
                  "sites' own counts)")  # fmt: skip
    for result in results:
        if not result.finish_reason:
            # Stopped (SIGINT/SIGTERM) while the engine was still starting (Chromium's driver
            # launching): the spider never ran, so no close signal said so.
            result.finish_reason = "shutdown"
            if shown is not None:
                shown.say(f"  stopped {result.site} before it started crawling — shutdown")
    return results


def _progress(config: Config) -> Progress:
    interval = config.progress_interval
    return Progress(sys.stderr, interactive=sys.stderr.isatty(), interval=interval)


def _watch(crawler: Crawler, result: SiteResult, progress: Progress | None) -> None:
    if progress is not None:
        progress.watch(result.site, lambda: crawler.stats.get_stats() if crawler.stats else {})

    def opened(spider: Spider) -> None:
        if progress is not None:
            progress.say(f"  crawling {result.site} ({result.kind}) …")

    def closed(spider: Spider, reason: str) -> None:
        assert crawler.stats is not None
        result.finish_reason = finish_reason(reason, crawler.stats.get_stats())

    def stopped() -> None:
        # After every spider_closed handler: the run record and its health alerts are done.
        assert crawler.stats is not None
        stats = crawler.stats.get_stats()
        result.stats = dict(stats)
        result.spooled = int(stats.get("opinion/store/spooled", 0))
        result.items = int(stats.get("opinion/store/written", 0)) + result.spooled
        result.new = int(stats.get("opinion/store/new", 0))
        so_far = counts(stats)
        result.pages, result.alerts, result.events = so_far.pages, so_far.alerts, so_far.events
        result.parse_failures = int(stats.get("opinion/parse/failed", 0))
        if progress is not None:
            spooled = f", {result.spooled} of them spooled to disk" if result.spooled else ""
            progress.say(
                f"  done {result.site}: {result.pages} pages, {result.items} posts "
                f"({result.new} new{spooled}), {result.alerts} alerts, "
                f"{result.parse_failures} unreadable pages"
                + ("" if result.finish_reason == "finished" else f" — {result.finish_reason}")
            )
            progress.finished(result.site)

    crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
    crawler.signals.connect(stopped, signal=signals.engine_stopped, weak=False)
