"""The generic crawl loop shared by the forum, portal and post-bar spiders.

listing -> threads/articles -> posts, with pagination and incremental re-crawl: a link whose
bookmark (key -> state, e.g. thread id -> reply count) is unchanged since the last run is not
walked again, and when every thread on a listing page is unchanged the listing stops there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.utils.reactor import is_asyncio_reactor_installed
from twisted.python.failure import Failure

from opinion_spiders.adapters import Adapter, Link, Parsed
from opinion_spiders.core.health import failure_reason
from opinion_spiders.crawling.page_workers import Fetched, Outcome, PageWorkers, read_fetched
from opinion_spiders.crawling.search import search_links, search_terms
from opinion_spiders.errors import ConfigError
from opinion_spiders.items import Post
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from opinion_spiders.stores import StoreUnavailable, store_uri
from opinion_spiders.stores.writer import writer_for

logger = logging.getLogger(__name__)

MAX_RECORDED_FAILURES = 50
#: HTTP answers that mean "slow down / go away" rather than "page missing".
BLOCK_STATUSES = (403, 429)
#: What a revisited thread answers when it was taken down (see ``Site.revisit_hours``).
GONE_STATUSES = (404, 410)
PAUSE_KEY = "__paused_until__"
T = TypeVar("T")


def _keep_stdio_blocking() -> None:
    """Chromium's driver (Node) makes the stdout and stderr it inherits non-blocking, and so
    for this process too, which shares them: a long log line written while the reader (a pipe,
    a terminal) lags would be cut short or lost. Set them back (a check costs a microsecond)."""
    for fd in (1, 2):
        try:
            if not os.get_blocking(fd):
                os.set_blocking(fd, True)
        except OSError:  # closed, or not a file
            pass


class OpinionSpider(scrapy.Spider):
    """Crawl one declared site (``-a site=NAME``) with the adapter of its engine."""

    kind: ClassVar[str] = ""
    start_role: ClassVar[str] = "index"

    site: Site
    adapter: Adapter
    runtime: Runtime
    full_recrawl: bool = False
    max_listing_pages: int = 50
    block_threshold: int = 3
    block_pause: float = 3600.0
    block_streak: int = 0
    warned_render: bool = False
    #: The page workers reading this crawl's pages; None: the spider reads them itself.
    workers: PageWorkers | None = None

    def __init__(self, site: str | None = None, *args: Any, **kwargs: Any) -> None:
        if not site:
            raise ConfigError(
                "spider arguments", "site", f"missing; run `scrapy crawl {self.name} -a site=NAME`"
            )
        super().__init__(*args, **kwargs)
        self.site_name = site
        self.bookmarks: dict[str, str] = {}
        self.completed: dict[str, str] = {}
        self.parse_failures: list[dict[str, str]] = []
        self.encoding_warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> OpinionSpider:
        spider: OpinionSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.runtime = Runtime.for_crawler(crawler)
        spider.site = spider.runtime.site(spider.site_name, cls.kind)
        spider.adapter = spider.runtime.adapter_for(spider.site)
        config = spider.runtime.config
        spider.full_recrawl = config.full_recrawl
        spider.max_listing_pages = min(spider.site.max_listing_pages, config.max_listing_pages)
        spider.block_threshold = config.block_threshold
        spider.block_pause = config.block_pause
        if not (spider.site.render_js or type(spider.adapter).render_js):
            # No page of this site needs a browser: Scrapy's own HTTP handler, and no
            # Chromium driver started for it (a setting given on the command line still wins).
            handler = "opinion_spiders.crawling.http_handler.KeepAliveHandler"
            crawler.settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler},
                                 priority="spider")  # fmt: skip
        return spider

    async def _release_workers(self) -> None:
        workers, self.workers = self.workers, None
        if workers is not None:
            await workers.release()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if is_asyncio_reactor_installed():
            self.workers = PageWorkers.acquire(self.settings.copy_to_dict())
            if self.workers is not None:
                self.workers.warm_up()
                self.crawler.signals.connect(self._release_workers, signal=signals.spider_closed)
        try:
            state = await self._on_store(self.runtime.store.load_state, self.site.name)
        except StoreUnavailable as exc:
            # Crawl without bookmarks rather than not at all: the posts spool to disk and
            # replay when the store is back (writes are idempotent, so re-walking is harmless).
            logger.error("site %s: bookmarks unavailable, crawling everything: %s",
                         self.site.name, exc)  # fmt: skip
            self._stats().set_value("opinion/store/bookmarks_unavailable", 1)
            state = {}
        if self._paused(state):
            return
        if not self.full_recrawl:
            self.bookmarks = state
        self._apply_politeness()
        for url in self.site.start_urls:
            link = Link(url=url, role=self.start_role, render_js=self.site.render_js)
            yield self.request_for(link, {"listing_page": 1})
        if self.site.search_urls:
            terms = search_terms(self.site, self.settings.copy_to_dict())
            self._stats().set_value("opinion/search/terms", len(terms))
            for link in search_links(self.site, terms):
                yield self.request_for(link, {"listing_page": 1})
        for link in await self._revisits():
            yield self.request_for(link, {})

    async def _on_store(self, method: Callable[..., T], *args: Any) -> T:
        """``method(*args)`` on the store's writer thread: a store that went away costs the
        reactor nothing (raises :class:`StoreUnavailable`)."""
        return await writer_for(store_uri(self.settings)).call(method, *args)

    async def _revisits(self) -> list[Link]:
        """The site's threads stored within its ``revisit_hours``, to be read again: a thread
        since taken down is marked (``posts.removed``), for analysts to see what was removed."""
        if not self.site.revisit_hours:
            return []
        since = datetime.now(UTC) - timedelta(hours=self.site.revisit_hours)
        try:
            threads = await self._on_store(self.runtime.store.recent_threads, self.site.name, since)
        except StoreUnavailable as exc:
            logger.error("site %s: stored threads unavailable, none revisited: %s",
                         self.site.name, exc)  # fmt: skip
            return []
        role = "article" if self.site.kind == "portal" else "thread"  # a portal's are articles
        links = [Link(str(t["url"]), role, meta={"revisit": t["_id"]})
                 for t in threads if t.get("url") and not t.get("removed")]  # fmt: skip
        self._stats().set_value("opinion/revisit/threads", len(links))
        return links

    async def _taken_down(self, post_id: str, url: str, notice: str) -> None:
        """A revisited thread is gone (a deleted notice, HTTP 404 or 410): its opening post is
        marked ``removed`` by ``_id``."""
        self._stats().inc_value("opinion/revisit/removed")
        logger.warning("site %s: %s was taken down (%s)", self.site.name, url, notice[:120])
        mark = {"at": datetime.now(UTC), "notice": notice[:300], "url": url}
        try:
            await self._on_store(self.runtime.store.mark_removed, {post_id: mark})
        except StoreUnavailable as exc:
            logger.error("site %s: could not mark %s removed: %s", self.site.name, url, exc)

    def _paused(self, state: dict[str, str]) -> bool:
        """A site paused after being blocked is not crawled until its pause ends."""
        until = state.get(PAUSE_KEY)
        if until and datetime.fromisoformat(until) > datetime.now(UTC):
            logger.warning("site %s is paused until %s (it was blocking us)", self.site.name, until)
            self._stats().set_value("opinion/site/paused", 1)
            return True
        return False

    def _apply_politeness(self) -> None:
        """The site's own rate budget and concurrency, on a download slot of its own."""
        engine = self.crawler.engine
        if engine is not None and (self.site.delay is not None or self.site.concurrency):
            slot: dict[str, Any] = {}
            if self.site.delay is not None:
                slot["delay"] = self.site.delay
            if self.site.concurrency:
                slot["concurrency"] = self.site.concurrency
            engine.downloader.per_slot_settings[self.slot_key] = slot
        if self.site.obey_robots is False:
            logger.warning(
                "robots.txt is NOT obeyed for site %s (its definition says so)", self.site.name
            )
            self._stats().set_value("opinion/robots/ignored", 1)

    @property
    def slot_key(self) -> str:
        return f"site:{self.site.name}"

    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def request_for(self, link: Link, meta: dict[str, Any]) -> scrapy.Request:
        meta = {
            **meta,
            "opinion_link": link,
            "download_slot": self.slot_key,
            "handle_httpstatus_list": list(BLOCK_STATUSES),
        }
        if self.site.delay is not None:
            meta["autothrottle_dont_adjust_delay"] = True
        if self.site.obey_robots is False:
            meta["dont_obey_robotstxt"] = True
        if link.meta.get("revisit"):  # a thread taken down may answer 404 or 410
            meta["handle_httpstatus_list"] = [*BLOCK_STATUSES, *GONE_STATUSES]
        if link.render_js and not (self.site.render_js or self.adapter.render_js):
            if not self.warned_render:
                logger.warning(
                    "site %s: engine %s asks for a browser on %s but does not say so "
                    "(render_js = True on the adapter class): the page is fetched unrendered",
                    self.site.name, self.site.engine, link.url,
                )  # fmt: skip
                self.warned_render = True
        elif link.render_js or (self.site.render_js and link.role in ("index", "listing")):
            meta["playwright"] = True
            meta["playwright_page_goto_kwargs"] = {"wait_until": "networkidle"}
        cookies: dict[str | bytes, str | bytes | bool | float | int] = {
            name: value for name, value in self.adapter.cookies.items()
        }
        return scrapy.Request(
            link.url, callback=self.parse_page, errback=self.fetch_failed, meta=meta,
            cookies=cookies or None, dont_filter=False,
        )  # fmt: skip

    def fetch_failed(self, failure: Failure) -> None:
        """A request that got no usable answer: counted by reason (``opinion/fetch/failed/
        timeout``, ``…/redirect_loop``, ``…/short_body`` …, or ``opinion/fetch/http/404``), so
        the run and its health checks say why, instead of a run "finished" with nothing."""
        found = failure_reason(failure.value) if failure.value is not None else None
        if found is None:
            return
        counter, reason = found
        stats = self._stats()
        stats.inc_value(f"opinion/fetch/{counter}")
        stats.inc_value(f"opinion/fetch/{counter}/{reason}")
        request = getattr(failure, "request", None)
        logger.warning("site %s: no usable answer from %s (%s): %s", self.site.name,
                       getattr(request, "url", "?"), reason, failure.getErrorMessage())  # fmt: skip

    async def parse_page(self, response: Response) -> AsyncIterator[Post | scrapy.Request]:
        _keep_stdio_blocking()
        link: Link = response.meta["opinion_link"]
        stats = self._stats()
        stats.inc_value("opinion/pages")
        stats.inc_value(f"opinion/pages/{link.role}")
        if response.status in BLOCK_STATUSES:
            self._blocked(response.url, f"HTTP {response.status}", f"http_{response.status}")
            return
        revisit = link.meta.get("revisit")
        if revisit and response.status in GONE_STATUSES:
            await self._taken_down(revisit, response.url, f"HTTP {response.status}")
            return
        fetched = Fetched(
            site=self.site.name, url=response.url, role=link.role, status=response.status,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1"),
            body=response.body, meta=dict(link.meta),
        )  # fmt: skip
        outcome = await self.workers.read(fetched) if self.workers is not None else None
        if outcome is None:
            outcome = read_fetched(fetched, self.site, self.adapter, self.runtime.adapters)
        else:
            stats.inc_value("opinion/page_workers/pages")
        found = outcome.parsed
        if revisit and found is not None and found.notice_kind == "deleted":
            await self._taken_down(revisit, response.url, found.notice)
        parsed = self._account(response.url, outcome)
        if parsed is None:
            return
        self.block_streak = 0
        stats.inc_value("opinion/yield/posts", len(parsed.posts))
        stats.inc_value("opinion/yield/links", len(parsed.links))
        if not parsed.posts and not parsed.links:
            stats.inc_value("opinion/yield/empty_pages")
        for post in parsed.posts:
            yield post
        for request in self._follow(response, link, parsed):
            yield request

    def _account(self, url: str, outcome: Outcome) -> Parsed | None:
        """Count and log what reading a page came to; its posts and links if it had any."""
        stats = self._stats()
        if outcome.codec:
            self._check_encoding(url, outcome)
        if outcome.crash:
            logger.error("adapter %s crashed on %s\n%s", self.adapter.engine, url, outcome.crash)
        if outcome.failure is not None or outcome.parsed is None:
            reason, detail = outcome.failure or ("unreadable", "")
            self._failed(url, reason, detail)
            return None
        parsed = outcome.parsed
        stats.inc_value(f"opinion/reader/{outcome.reader}")
        if outcome.reader != self.adapter.engine:
            # The site's engine failed (a layout change the operators must see, counted as a
            # parse failure), but the page is still read by the chain: nothing is lost.
            self._failed(url, f"read_by_{outcome.reader}", "; ".join(outcome.tried))
        if parsed.page_type == "notice":
            kind = parsed.notice_kind or "other"
            stats.inc_value(f"opinion/parse/notice/{kind}")
            self._failed(url, f"notice_{kind}", parsed.notice[:200])
            if kind == "captcha":
                self._blocked(url, "captcha/verification page", "captcha")
            return None
        return parsed

    def _check_encoding(self, url: str, decoded: Outcome) -> None:
        """Count pages whose declared charset was overruled or whose decoding stays unsure,
        and warn once per site and event: the operator may want to pin the site's encoding."""
        for event, happened, how in (
            ("corrected", decoded.corrected, "its declared charset is wrong"),
            ("unsure", not decoded.confident, "unsure: the text may be mojibake"),
        ):
            if not happened:
                continue
            self._stats().inc_value(f"opinion/encoding/{event}")
            if event not in self.encoding_warned:
                self.encoding_warned.add(event)
                logger.warning(
                    "site %s: %s declares %s, read as %s (%s); further pages are only counted",
                    self.site.name, url, decoded.declared or "no charset", decoded.codec, how,
                )  # fmt: skip

    def _blocked(self, url: str, why: str, reason: str) -> None:
        """Count a block signal (``opinion/site/block_signals/<reason>``: ``http_403``,
        ``http_429``, ``captcha``); after ``OPINION_BLOCK_THRESHOLD`` in a row, pause the site
        for ``OPINION_BLOCK_PAUSE`` seconds and stop, rather than hammer it."""
        self.block_streak += 1
        self._stats().inc_value("opinion/site/block_signals")
        self._stats().inc_value(f"opinion/site/block_signals/{reason}")
        logger.warning(
            "site %s blocks us at %s (%s), %d in a row", self.site.name, url, why, self.block_streak
        )
        if self.block_streak >= self.block_threshold:
            until = datetime.now(UTC) + timedelta(seconds=self.block_pause)
            self.completed[PAUSE_KEY] = until.isoformat()
            self._stats().set_value("opinion/site/blocked", 1)
            raise CloseSpider("blocked")

    def _failed(self, url: str, reason: str, detail: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("opinion/parse/failed")
        stats.inc_value(f"opinion/parse/failed/{reason}")
        logger.warning("cannot parse %s: %s %s", url, reason, detail)
        if len(self.parse_failures) < MAX_RECORDED_FAILURES:
            self.parse_failures.append({"url": url, "reason": reason, "detail": detail[:300]})

    def _follow(self, response: Response, link: Link, parsed: Parsed) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        assert stats is not None
        keyed = [lk for lk in parsed.links if lk.key]
        fresh = [lk for lk in keyed if self._changed(lk)]
        stats.inc_value("opinion/incremental/skipped", len(keyed) - len(fresh))
        listing_stop = bool(keyed) and not fresh
        page_no = int(response.meta.get("listing_page", 1))
        bookmark = response.meta.get("opinion_bookmark")
        has_next_thread_page = False
        for lk in parsed.links:
            if lk.key:
                if lk in fresh:
                    yield self.request_for(lk, {"opinion_bookmark": (lk.key, lk.state)})
            elif lk.role in ("index", "listing", "feed"):
                if listing_stop:
                    stats.inc_value("opinion/incremental/listing_stop")
                elif link.role == "index" or page_no < self.max_listing_pages:
                    next_no = 1 if link.role == "index" else page_no + 1
                    yield self.request_for(lk, {"listing_page": next_no})
            else:
                has_next_thread_page = has_next_thread_page or lk.role == link.role
                yield self.request_for(lk, {"opinion_bookmark": bookmark})
        if bookmark and not has_next_thread_page and bookmark[1] is not None:
            self.completed[bookmark[0]] = bookmark[1]

    def _changed(self, link: Link) -> bool:
        if self.full_recrawl or link.state is None or link.key is None:
            return True
        return self.bookmarks.get(link.key) != link.state
