"""News and government portals: list pages, RSS/Atom feeds, sitemaps and article pages.

The body comes from trafilatura (a maintained extractor, measured in ``bench/extract.py``);
the facts it does not know how Chinese portals print — the headline when ``<h1>`` is the site
banner, the shown time, 来源, 责任编辑 — come from :mod:`plugins._portal_facts`. Which page
a page is comes from its markers (XML root, article metas, the time/来源 line), so one site
entry can start from a feed, a sitemap, a column page or an article.
"""

from __future__ import annotations

import re
from datetime import datetime

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.reading.chain import READ_MORE
from opinion_spiders.reading.published import (
    TITLED,
    dateline,
    dating_time,
    meta_time,
    metas,
    shown_time,
)
from opinion_spiders.reading.story import link_list
from opinion_spiders.text.dates import either_way_round, parse_datetime
from plugins import _portal_facts as facts
from plugins._html import absolute, squash
from plugins._letters import read_letter
from plugins._news_comments import comment_links, is_comments_api, read_comments
from plugins._notice import read_unless_notice
from plugins._portal_body import MIN_BODY, extract_body
from plugins._portal_body import selector_text as selector_text  # the body paths, for bench
from plugins._portal_body import tidy as tidy
from plugins._portal_body import trafilatura_text as trafilatura_text
from plugins._portal_feeds import (
    FEED_ROOTS,
    SITEMAP_ROOTS,
    article_key,
    article_link,
    feed_links,
    feed_time,
    iso_time,
    sitemap_links,
    xml_root,
)
from plugins._portal_json import json_links
from plugins._portal_lists import data_island, island_answer, script_next_page
from plugins._portal_state import state_body

_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_URL_DATE = re.compile(r"(20\d{2})[-/_]?(\d{2})[-/_]?(\d{2})(?!\d)")
_LIST_HREF = re.compile(r"(?:^|/)(?:list|index)_\d+\.s?html?$")
_ARTICLE_HREF = re.compile(
    r"/20\d{2}[-/]?\d{2}[-/]?\d{2}/|/t20\d{6}_\d+|/doc-i\w+|/a/20\d{6}/|/article/\w*\d{4,}"
    r"|/\d{5,}\.s?html?$|/c_\d+\.htm|/(?:info|detail|details|content|show)[/_-]\d{5,}"
)
#: Characters of a teaser kept as its link's title.
TEASER_TITLE = 80
#: A link that says "the whole article" under a teaser.
_DETAILS = re.compile(
    rf"[\[【(（]?\s*(?:{'|'.join(READ_MORE)})\s*[\]】)）]?\s*[>»›]*$", re.IGNORECASE
)
_ARTICLE_MARKERS = re.compile(
    r"""<meta[^>]+(?:name|property)\s*=\s*["'](?:ArticleTitle|PubDate|publishdate|"""
    r"""article:published_time)["']|og:type["'][^>]*content\s*=\s*["'](?:article|news)"""
    r"""|ARTICLE_INFO\s*=""",
    re.I,
)
#: Characters from which a title-classed element that opens the ``<title>`` is a headline
#: (a column's name, ``新闻中心``, is shorter).
TITLED_CHARS = 8
#: A guessed article (no article metas, no shown time) is worth less than a declared one.
GUESSED = 0.7


class PortalAdapter(Adapter):
    """Portal pages, by ``page.role``; markers win (a feed is read as a feed whatever its
    role) and ``role="auto"`` tells an article from a list page."""

    engine = "portal"
    kind = "portal"
    version = "1"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        """Feeds and sitemaps are ours (0.9); an article page probably is (0.4): forums
        and post bars carry stronger markers of their own."""
        if xml_root(text) in FEED_ROOTS + SITEMAP_ROOTS:
            return 0.9
        head = text[:60000]
        if _ARTICLE_MARKERS.search(head):
            return 0.4
        if re.search(r"来源\s*[:：]", head) and "<h1" in head:
            return 0.3
        return 0.05

    def parse(self, page: Page) -> Parsed:
        if is_comments_api(page.url):  # a page of an article's comments, as JSON
            return read_comments(page)
        if page.role != "article" and (listed := json_links(page.text, page.url,
                                                            page.site.timezone)):  # fmt: skip
            return Parsed(links=listed)  # a news list served as data
        root = xml_root(page.text)
        if root in SITEMAP_ROOTS:
            return Parsed(links=sitemap_links(page.text, page.url))
        if root in FEED_ROOTS:
            return Parsed(links=feed_links(page.text, page.url, page.site.timezone))
        return read_unless_notice(page, self.parse_html)

    def parse_html(self, page: Page) -> Parsed:
        """An article or a list page, as the link's role says or the page looks — a page
        reached as an article whose body is a list of links (titles with their dates) is a
        list page; a letter to officials with its answer (a government message board's) is
        the letter, the reply and the rating (:mod:`plugins._letters`)."""
        role = page.role
        if role in ("article", "auto", "thread") and (letter := read_letter(page)):
            return Parsed(posts=letter)
        if role == "auto":
            role = "article" if self.looks_like_article(page) else "listing"
        if role == "article":
            post = self.article(page)
            if link_list(post.content, page.selector):  # a column page reached as an article
                return Parsed(links=self.list_links(page))
            return Parsed(posts=[post], links=comment_links(page, post.post_id or "", post.title))
        return Parsed(links=self.list_links(page))

    @staticmethod
    def looks_like_article(page: Page) -> bool:
        """Article metas, or a headline the ``<title>`` starts with over a time/来源 line."""
        if _ARTICLE_MARKERS.search(page.text[:60000]):
            return True
        return _titled(page.selector) and bool(facts.info_line(page.selector))

    def list_links(self, page: Page) -> list[Link]:
        """Dated list items, article-shaped links and teasers' "[详细]" links, column pages
        (更多) and the next page — in the page's markup, in the data island a script draws
        the list from, and the next page a script's pager names."""
        links: dict[str, Link] = {}
        island = data_island(page.selector) or island_answer(page.text)
        for sel in (page.selector, island) if island is not None else (page.selector,):
            links.update((url, link) for url, link in _dated_rows(sel, page.url).items()
                         if url not in links)  # fmt: skip
            self.anchor_links(page, sel, links)
        nxt = script_next_page(page.text, page.url)
        if nxt and nxt not in links:
            links[nxt] = Link(nxt, "listing")
        if not links:
            raise ParseError("no_links", f"no article or list links on {page.url}")
        return list(links.values())

    @staticmethod
    def anchor_links(page: Page, sel: Selector, links: dict[str, Link]) -> None:
        """Article-shaped links, teasers' "[详细]" and column and next pages, into ``links``."""
        for a in sel.xpath("//a[@href]"):
            href = a.attrib["href"]
            url = absolute(page.url, href)
            if not url or url in links or url == page.url:
                continue
            text = squash(a.xpath("string()").get())
            if _ARTICLE_HREF.search(url) and len(text) >= 6:
                links[url] = article_link(url, _url_day(url) or "listed", {"title": text})
            elif _DETAILS.match(text):  # a teaser's "[详细]": the teaser's article
                block = a.xpath("string(ancestor::*[self::li or self::p or self::dd or self::td"
                                " or self::div][1])").get()  # fmt: skip
                teaser = _DETAILS.sub("", squash(block)).strip()[:TEASER_TITLE]
                links[url] = article_link(url, _url_day(url) or "listed", {"title": teaser})
            elif "下一页" in text or (page.role in ("index", "auto") and _is_more(text, href)):
                links[url] = Link(url, "listing")

    def article(self, page: Page) -> Post:
        """One article page -> one post (headline, body, shown time, 来源, author)."""
        sel = page.selector
        meta = metas(sel)
        title = facts.headline(sel, meta)
        info = facts.info_line(sel)
        heads = {
            title,
            *(squash(h) for h in sel.xpath("//h1|//h2|//h3").xpath("string()").getall()),
        }
        content, path = extract_body(page.text, sel, page.url, heads, title)
        if len(content) < MIN_BODY and len(drawn := state_body(sel)) > len(content):
            content, path = drawn, "state"  # a page its scripts draw: the body in their data
        if not title or len(content) < MIN_BODY:
            raise ParseError("no_article", f"no headline or body on {page.url}")
        shown, declared = shown_time(info), meta_time(sel, meta)
        listed = str(page.meta.get("published_text") or "")
        if not (shown or declared or _ARTICLE_MARKERS.search(page.text[:60000]) or _titled(sel)):
            raise ParseError("no_article", f"no time, article metas or headline on {page.url}")
        # Sure of the page as a CMS's article by its info line, metas or list; the time the
        # structured data or the line under the headline gives dates it all the same. The line
        # under the headline comes last: it names no zone, and is often the last update.
        sure = bool(shown or declared or listed)
        declared = declared or dating_time(sel, meta)
        shown = shown or ("" if declared or listed else dateline(sel, title))
        post_id = article_key(page.url).removeprefix("article:")
        return Post(
            site=page.site.name, kind=self.kind, url=page.url, title=title, content=content,
            author=facts.author(sel, meta, info, title, content),
            thread_id=post_id, post_id=post_id,
            published_text=shown or declared or listed,
            published_at=self.published_at(shown, declared, page),
            source=facts.source(sel, meta, info), adapter=self.engine,
            adapter_version=f"{self.version}+{path}",
            confidence=1.0 if sure else GUESSED,
        )  # fmt: skip

    @staticmethod
    def published_at(shown: str, declared: str, page: Page) -> datetime | None:
        """The shown time when it names the hour (what readers saw), else a meta time with
        an offset, else the feed's time, else whatever date the page gives."""
        now, tz = page.crawled_at, page.site.timezone
        if shown and facts.has_clock(shown):
            return _as_url_says(parse_datetime(shown, now, tz), shown, page.url)
        exact = iso_time(declared) or feed_time(str(page.meta.get("published_text", "")))
        if exact:
            return exact
        text = shown or declared
        return _as_url_says(parse_datetime(text, now, tz), text, page.url) if text else None


def _as_url_says(at: datetime | None, text: str, url: str) -> datetime | None:
    """A date whose day and month could be either way round (``05/09/2024``) is read as the
    article's URL dates it (``/20240509/``) when only the other reading agrees with it."""
    day = _url_day(url)
    if at is None or not day or not either_way_round(text) or at.date().isoformat() == day:
        return at
    try:
        swapped = at.replace(month=at.day, day=at.month)
    except ValueError:
        return at
    return swapped if swapped.date().isoformat() == day else at


def _titled(sel: Selector) -> bool:
    """Does an ``h1``/``h2`` open the ``<title>``, or an element whose class names a title
    (a script-rendered article's ``div.articleTitle``, at least ``TITLED_CHARS`` long)?
    Articles repeat their headline there."""
    title = squash(sel.xpath("//title/text()").get())
    heads = (squash(h) for h in sel.xpath("//h1 | //h2").xpath("string()").getall())
    if any(len(h) >= 4 and title.startswith(h) for h in heads):
        return True
    titled = (squash(h) for h in sel.xpath(TITLED).xpath("string()").getall())
    return any(len(h) >= TITLED_CHARS and title.startswith(h) for h in titled)


def _dated_rows(sel: Selector, base: str) -> dict[str, Link]:
    """List items and table rows that show a date: the article they link to, keyed by URL."""
    links: dict[str, Link] = {}
    rows = sel.xpath("//li[.//a[@href]][not(.//li)] | //tr[.//a[@href]][not(.//tr)]")
    for row in rows:
        day = _day(squash(row.xpath("string()").get()))
        a = row.xpath(".//a[@href]")[0]
        url = absolute(base, a.attrib["href"])
        if day and url and url not in links:
            title = squash(a.attrib.get("title") or a.xpath("string()").get())
            links[url] = article_link(url, day, {"title": title, "published_text": day})
    return links


def _day(text: str) -> str:
    m = _DATE.search(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


def _url_day(url: str) -> str:
    for m in _URL_DATE.finditer(url):
        if 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return ""


def _is_more(text: str, href: str) -> bool:
    return "更多" in text or bool(_LIST_HREF.search(href))


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [PortalAdapter]
