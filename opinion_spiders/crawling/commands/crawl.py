"""``scrapy crawl``: Scrapy's command, with a configuration error as one line, not a traceback."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawl

from opinion_spiders.errors import ConfigError

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process
        self.refused = False
        started = self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs)
        self._watch(started)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or self.refused:
            self.exitcode = 1

    def _watch(self, started: Any) -> None:
        """Take the start's exception when it has one: a ConfigError is logged as its message.
        (The project runs the asyncio reactor, where a crawl starts as an asyncio task.)"""
        if isinstance(started, asyncio.Future):
            started.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # taken: asyncio no longer reports it as never retrieved
        if exc is not None:
            self._report(exc)

    def _report(self, exc: BaseException) -> None:
        self.refused = True
        if isinstance(exc, ConfigError):
            logger.error("%s", exc)
        else:
            logger.error("the crawl could not start", exc_info=exc)
