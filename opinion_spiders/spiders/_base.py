"""The generic crawl loop shared by the forum, portal and post-bar spiders.

listing -> threads/articles -> posts, with pagination and incremental re-crawl: a link whose
bookmark (key -> state, e.g. thread id -> reply count) is unchanged since the last run is not
walked again, and when every thread on a listing page is unchanged the listing stops there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.encoding import decode_html
from opinion_spiders.errors import ConfigError, ParseError
from opinion_spiders.items import Post
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site

logger = logging.getLogger(__name__)

MAX_RECORDED_FAILURES = 50


class OpinionSpider(scrapy.Spider):
    """Crawl one declared site (``-a site=NAME``) with the adapter of its engine."""

    kind: ClassVar[str] = ""
    start_role: ClassVar[str] = "index"

    site: Site
    adapter: Adapter
    runtime: Runtime
    full_recrawl: bool = False
    max_listing_pages: int = 50

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

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> OpinionSpider:
        spider: OpinionSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.runtime = Runtime.for_crawler(crawler)
        spider.site = spider.runtime.site(spider.site_name, cls.kind)
        spider.adapter = spider.runtime.adapter_for(spider.site)
        spider.full_recrawl = crawler.settings.getbool("OPINION_FULL_RECRAWL")
        spider.max_listing_pages = min(
            spider.site.max_listing_pages, crawler.settings.getint("OPINION_MAX_LISTING_PAGES", 50)
        )
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.full_recrawl:
            self.bookmarks = self.runtime.store.load_state(self.site.name)
        for url in self.site.start_urls:
            link = Link(url=url, role=self.start_role, render_js=self.site.render_js)
            yield self.request_for(link, {"listing_page": 1})

    def request_for(self, link: Link, meta: dict[str, Any]) -> scrapy.Request:
        meta = {**meta, "opinion_link": link}
        if link.render_js or (self.site.render_js and link.role in ("index", "listing")):
            meta["playwright"] = True
            meta["playwright_page_goto_kwargs"] = {"wait_until": "networkidle"}
        return scrapy.Request(link.url, callback=self.parse_page, meta=meta, dont_filter=False)

    def parse_page(self, response: Response) -> Iterator[Post | scrapy.Request]:
        link: Link = response.meta["opinion_link"]
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"opinion/pages/{link.role}")
        parsed = self._read_page(response, link)
        if parsed is None:
            return
        crawled_at = datetime.now(UTC)
        for post in parsed.posts:
            post.crawled_at = post.crawled_at or crawled_at
            post.adapter = post.adapter or self.adapter.engine
            post.adapter_version = post.adapter_version or self.adapter.version
            yield post
        yield from self._follow(response, link, parsed)

    def _read_page(self, response: Response, link: Link) -> Parsed | None:
        stats = self.crawler.stats
        assert stats is not None
        header = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        charset = header.partition("charset=")[2].split(";")[0] or None
        text, _codec = decode_html(response.body, charset, self.site.encoding)
        page = Page(
            url=response.url, text=text, role=link.role, site=self.site,
            crawled_at=datetime.now(UTC), status=response.status, meta=dict(link.meta),
        )  # fmt: skip
        try:
            parsed = self.adapter.parse(page)
        except ParseError as exc:
            self._failed(response.url, exc.reason, exc.detail)
            return None
        except Exception as exc:  # noqa: BLE001 - one bad page must not end the crawl
            logger.exception("adapter %s crashed on %s", self.adapter.engine, response.url)
            self._failed(response.url, "adapter_error", f"{type(exc).__name__}: {exc}")
            return None
        if parsed.page_type == "notice":
            stats.inc_value("opinion/parse/notice")
            self._failed(response.url, "notice_page", parsed.notice[:200])
            return None
        return parsed

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
