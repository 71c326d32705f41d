"""News and government portals: home/column pages, RSS/Atom feeds and article pages.

Government CMSs (TRS, Hanweb …) put the facts in ``<meta>`` (``ArticleTitle``, ``PubDate``,
``ContentSource``) and the body in ``div#zoom``; news sites use ``<h1>`` and
``article:published_time``. Both are read, the meta first.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pluggy
from parsel import Selector

from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import absolute, node_text, squash

hookimpl = pluggy.HookimplMarker("opinion_spiders")

BODY_SELECTORS = (
    "#zoom", ".article-content", ".TRS_Editor", "#UCAP-CONTENT", ".pages_content",
    "#detail", ".post_body", ".rm_txt_con", "#artibody", "article",
)  # fmt: skip
_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_DATETIME = re.compile(
    r"\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
_SOURCE = re.compile(r"来源[:：]\s*([^\s　|]+)")
_LIST_HREF = re.compile(r"(?:^|/)(?:list|index)_\d+\.s?html?$")


class PortalAdapter(Adapter):
    """Portal pages, chosen by ``page.role`` and by sniffing feeds (``<rss`` / ``<feed``)."""

    engine = "portal"
    kind = "portal"
    version = "1"

    def parse(self, page: Page) -> Parsed:
        head = page.text[:2000].lstrip()
        if page.role == "feed" or "<rss" in head or "<feed" in head:
            return Parsed(links=self.feed_links(page))
        if page.role == "article":
            return Parsed(posts=[self.article(page)])
        return Parsed(links=self.list_links(page))

    def list_links(self, page: Page) -> list[Link]:
        """Article links (dated list items), column list pages (更多) and the next page."""
        links: dict[str, Link] = {}
        for li in page.selector.xpath("//li[a[@href]]"):
            text = squash(li.xpath("string()").get())
            day = _day(text)
            a = li.xpath("a[@href]")[0]
            url = absolute(page.url, a.attrib["href"])
            if day and url and url not in links:
                title = squash(a.attrib.get("title") or a.xpath("string()").get())
                links[url] = self.article_link(url, day, {"title": title, "published_text": day})
        for a in page.selector.xpath("//a[@href]"):
            url = absolute(page.url, a.attrib["href"])
            text = squash(a.xpath("string()").get())
            more = "更多" in text or _LIST_HREF.search(a.attrib["href"])
            follow = "下一页" in text or (page.role == "index" and more)
            if url and follow and url not in links and url != page.url:
                links[url] = Link(url, "listing")
        return list(links.values())

    @staticmethod
    def article_link(url: str, state: str, meta: dict[str, str]) -> Link:
        """An article is keyed by its URL's last path stem (state = its publication day)."""
        stem = PurePosixPath(urlsplit(url).path).stem or url
        return Link(url, "article", key=f"article:{stem}", state=state, meta=meta)

    def feed_links(self, page: Page) -> list[Link]:
        """RSS 2.0 ``item`` or Atom ``entry`` -> article links carrying title and time."""
        sel = Selector(text=page.text, type="xml")
        sel.remove_namespaces()
        zone = ZoneInfo(page.site.timezone)
        links = []
        for item in sel.xpath("//item | //entry"):
            href = (
                item.xpath("link/text()").get()
                or item.xpath("link[not(@rel) or @rel='alternate']/@href").get()
            )
            url = absolute(page.url, squash(href))
            if not url:
                continue
            when = squash(item.xpath("pubDate/text() | published/text() | updated/text()").get())
            at = _feed_time(when)
            day = at.astimezone(zone).date().isoformat() if at else _day(when) or when
            meta = {"title": squash(item.xpath("title/text()").get()), "published_text": when}
            links.append(self.article_link(url, day, meta))
        return links

    def article(self, page: Page) -> Post:
        """One article page -> one post (headline, body, 发布时间, 来源)."""
        sel = page.selector
        title = _meta(sel, "ArticleTitle") or _headline(sel) or _meta(sel, "og:title")
        body = next((sel.css(css)[0] for css in BODY_SELECTORS if sel.css(css)), None)
        content = node_text(body, ".//div[contains(@class,'editor')]") if body else ""
        if not title or not content:
            raise ParseError("no_article", f"no headline or body on {page.url}")
        info = squash(
            " ".join(
                sel.css(".info, .article-info, .pages-date, .post_info").xpath("string()").getall()
            )
        )
        shown = _meta(sel, "PubDate") or _meta(sel, "publishdate") or _first(_DATETIME, info)
        source = _meta(sel, "ContentSource") or _first(_SOURCE, info, group=1)
        stem = PurePosixPath(urlsplit(page.url).path).stem
        return Post(
            site=page.site.name, kind=self.kind, url=page.url, title=title, content=content,
            author=_meta(sel, "Author"), thread_id=stem, post_id=stem, published_text=shown,
            published_at=_iso_time(_meta(sel, "article:published_time"))
            or _feed_time(page.meta.get("published_text", "")),
            source=source,
            adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip


def _meta(sel: Selector, name: str) -> str:
    value = sel.xpath(f"//meta[@name='{name}' or @property='{name}']/@content").get()
    return squash(value)


def _headline(sel: Selector) -> str:
    for xpath in ("//div[contains(@class,'article')]//h1", "//h1"):
        text = squash(sel.xpath(xpath).xpath("string()").get())
        if text:
            return text
    return ""


def _first(pattern: re.Pattern[str], text: str, group: int = 0) -> str:
    m = pattern.search(text)
    return squash(m.group(group)) if m else ""


def _day(text: str) -> str:
    m = _DATE.search(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


def _feed_time(text: str) -> datetime | None:
    """An RFC 822 (RSS) or ISO 8601 (Atom) time that names its offset, else None."""
    if not text:
        return None
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return _iso_time(text)
    return at if at.tzinfo else None


def _iso_time(text: str) -> datetime | None:
    """An ISO time with an offset (unambiguous), else None."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [PortalAdapter]
