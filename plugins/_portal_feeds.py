"""RSS 2.0 / RSS 1.0 / Atom feeds and XML sitemaps (news sitemaps too) -> article links.

Portals that publish a feed or a sitemap say more there than on their list pages: the exact
publication time (with its offset), the title and, in a sitemap, when an article last changed.
That time is the link's ``state``, so a re-crawl skips what has not changed.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from parsel import Selector

from opinion_spiders.adapters import Link
from plugins._html import absolute, squash

FEED_ROOTS = ("rss", "feed", "rdf")
SITEMAP_ROOTS = ("urlset", "sitemapindex")
_ROOT = re.compile(r"<(?![?!])([A-Za-z][\w.-]*:)?([A-Za-z][\w.-]*)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
#: Publication before modification: Atom's ``updated`` is only the fallback.
_TIME_FIELDS = ("pubDate", "published", "issued", "date", "updated", "modified")
_GENERIC_STEMS = {"index", "content", "detail", "article", "show", "view", "c", "a", "doc"}


def xml_root(text: str) -> str:
    """The lower-cased local name of the document's first element (``rss``, ``urlset`` …)."""
    head = _COMMENT.sub("", text[:4000].lstrip("\ufeff \t\r\n"))
    found = _ROOT.search(head)
    return found.group(2).lower() if found else ""


def article_key(url: str) -> str:
    """``article:<id>``: the last path stem when it is an id (``t20190918_693227``,
    ``doc-inausehc2630922``), else the host, path and query (新华网's ids end in ``/c.html``)."""
    parts = urlsplit(url)
    stem = PurePosixPath(parts.path).stem
    if len(stem) >= 4 and any(ch.isdigit() for ch in stem) and not parts.query:
        return f"article:{stem}"
    if stem.lower() in _GENERIC_STEMS or not stem or parts.query:
        path = parts.path.rsplit(".", 1)[0].strip("/")
        return f"article:{parts.netloc}/{path}" + (f"?{parts.query}" if parts.query else "")
    return f"article:{stem}"


def article_link(url: str, state: str | None, meta: dict[str, Any]) -> Link:
    return Link(url, "article", key=article_key(url), state=state or None, meta=meta)


def feed_links(text: str, base: str, tz: str) -> list[Link]:
    """RSS ``item`` or Atom ``entry`` -> article links carrying title, author and time."""
    sel = _xml(text)
    zone = ZoneInfo(tz)
    links = []
    for item in sel.xpath("//item | //entry"):
        href = (
            item.xpath("link/text()").get()
            or item.xpath("link[not(@rel) or @rel='alternate']/@href").get()
            or item.xpath("guid[not(@isPermaLink='false')]/text()").get()
            or item.xpath("@about").get()
        )
        url = absolute(base, squash(href))
        if not url:
            continue
        when = next((squash(t) for f in _TIME_FIELDS if (t := item.xpath(f"{f}/text()").get())), "")
        at = feed_time(when)
        day = at.astimezone(zone).date().isoformat() if at else _day(when) or when
        by = item.xpath("author/name/text() | author/text() | creator/text()").get()
        meta = {
            "title": squash(item.xpath("title/text()").get()),
            "published_text": when,
            "author": squash(by),
        }
        links.append(article_link(url, day, meta))
    return links


def sitemap_links(text: str, base: str) -> list[Link]:
    """``<urlset>`` entries -> articles (state: news publication date or lastmod);
    ``<sitemapindex>`` entries -> nested sitemaps (role ``feed``, state: their lastmod)."""
    sel = _xml(text)
    links = []
    for node in sel.xpath("/sitemapindex/sitemap"):
        url = absolute(base, squash(node.xpath("loc/text()").get()))
        if url:
            lastmod = squash(node.xpath("lastmod/text()").get())
            links.append(Link(url, "feed", key=f"sitemap:{url}", state=lastmod or None))
    for node in sel.xpath("/urlset/url"):
        url = absolute(base, squash(node.xpath("loc/text()").get()))
        if not url:
            continue
        published = squash(node.xpath("news/publication_date/text()").get())
        lastmod = squash(node.xpath("lastmod/text()").get())
        meta = {
            "title": squash(node.xpath("news/title/text()").get()),
            "published_text": published,
            "lastmod": lastmod,
            "source": squash(node.xpath("news/publication/name/text()").get()),
        }
        links.append(article_link(url, lastmod or published, meta))
    return links


def _xml(text: str) -> Selector:
    sel = Selector(text=text.lstrip("\ufeff"), type="xml")
    sel.remove_namespaces()
    return sel


def _day(text: str) -> str:
    m = _DATE.search(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


def feed_time(text: str) -> datetime | None:
    """An RFC 822 (RSS) or ISO 8601 (Atom, sitemaps) time that names its offset, else None."""
    if not text:
        return None
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return iso_time(text)
    return at if at.tzinfo else None


def iso_time(text: str) -> datetime | None:
    """An ISO time with an offset (unambiguous), else None."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None
