"""The download handler of ``http``/``https``: scrapy-playwright's, its Playwright driver
started by the first request that needs a browser rather than when the engine starts.

A site whose engine can render (``render_js`` on its adapter: the post bars) keeps
scrapy-playwright's handler, which passes every request without ``meta["playwright"]`` to
Scrapy's own HTTP handler. But it starts a Playwright driver (a Node.js process) for each
scheme as soon as the engine starts, whether or not a page of the crawl asks for a browser: a
post bar read from its server-rendered mobile list paid two drivers (~0.7 s of CPU beside
the crawl's own start-up) and kept them running for nothing. Here the driver starts with the
first request that needs one (a lock: once), and the browser with it as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from opinion_spiders.crawling.http_handler import keep_connections


class BrowserOnDemandHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's download handler with its start put off until a page needs it."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        keep_connections(self, crawler)  # for the requests it passes to Scrapy's handler
        self._started = False
        self._starting = asyncio.Lock()

    # The engine's start no longer starts Playwright (both of scrapy-playwright's hooks).
    async def _maybe_launch_in_thread(self) -> None:
        return None

    def _engine_started(self) -> Any:
        return None

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        if not self._started:
            async with self._starting:
                if not self._started:
                    await self._launch()
                    self._started = True
        response: Response = await super()._download_request(request, spider)
        return response
