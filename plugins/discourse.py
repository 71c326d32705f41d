"""Discourse forums: topic pages as the Ember app renders them (``article#post_N``), as the
server renders them for crawlers (``div.crawler-post``), and the public topic JSON
(``/t/slug/ID.json``, ``post_stream``) — the most stable of the three when a site allows it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import absolute, node_text, squash, without_fragment
from plugins._notice import read_unless_notice

BODY_NOISE = (
    ".//aside[contains(@class,'quote')] | .//div[contains(@class,'cooked-selection-barrier')]"
)
_TOPIC_URL = re.compile(r"/t/(?:[^/]+/)?(\d+)")
RENDERED, CRAWLER, JSON = "ember", "crawler", "json"
#: Posts asked for per follow-up request (Discourse pages its post stream by 20).
FOLLOW_UP_CHUNK = 20


class DiscourseAdapter(Adapter):
    """Discourse 2.x–3.x; versions "ember" (browser DOM), "crawler" (no-JS HTML), "json"."""

    engine = "discourse"
    kind = "forum"
    version = CRAWLER
    versions = (RENDERED, CRAWLER, JSON)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        head = text[:20000]
        if re.search(r"""name=["']generator["'][^>]*Discourse""", head) or "discourse-cdn" in head:
            return 0.95
        if head.lstrip().startswith("{") and '"post_stream"' in text:
            return 0.9
        return 0.3 if _TOPIC_URL.search(url) else 0.0

    def parse(self, page: Page) -> Parsed:
        if page.text.lstrip().startswith("{"):
            return self.parse_json(page)
        return read_unless_notice(page, self.parse_html)

    def parse_html(self, page: Page) -> Parsed:
        sel = page.selector
        if sel.css("article[id^=post_], div.crawler-post, div[itemprop=comment]"):
            return self.parse_topic(page)
        if page.role == "thread":
            raise ParseError("no_posts", f"no Discourse posts on {page.url}")
        return Parsed(links=self.topic_links(page))

    def parse_topic(self, page: Page) -> Parsed:
        sel = page.selector
        title = topic_title(sel)
        tid = sel.css("#topic::attr(data-topic-id)").get() or topic_id(page.url)
        posts = [
            p
            for node in sel.css("article[id^=post_]")
            if (p := self.article(page, node, title, tid))
        ]
        if posts:
            return Parsed(posts=posts)
        posts = [
            p
            for node in sel.css("div.crawler-post, div[itemprop=comment]")
            if (p := self.crawler_post(page, node, title, tid))
        ]
        if not posts:
            raise ParseError("no_posts", f"no Discourse posts on {page.url}")
        nxt = absolute(page.url, sel.css("a[rel=next]::attr(href)").get())
        return Parsed(posts=posts, links=[Link(nxt, "thread", meta=dict(page.meta))] if nxt else [])

    def article(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        """An Ember ``article#post_N``; small-action rows ("moved", "closed") have no body."""
        body = node.css("div.cooked")
        number = node.attrib["id"].removeprefix("post_")
        if not body or not number.isdigit():
            return None
        stamp = node.css(
            ".post-date [data-time]::attr(data-time), [data-time]::attr(data-time)"
        ).get()
        author = squash(node.css(".names .first a::text, .names a::text").get())
        return self.make(
            page,
            title,
            tid,
            number,
            author,
            node.attrib.get("data-post-id"),
            node.attrib.get("data-user-id"),
            node_text(body[0], BODY_NOISE),
            epoch_ms(stamp),
        )

    def crawler_post(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        body = node.css("div.post[itemprop=text], div.post")
        number = node.css("span[itemprop=position]::text").get() or node.attrib.get(
            "id", ""
        ).removeprefix("post_")
        if not body or not number.strip().isdigit():
            return None
        stamp = node.css("time::attr(datetime), meta[itemprop=datePublished]::attr(content)").get()
        author = squash(node.css("[itemprop=author] [itemprop=name]").xpath("string()").get())
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
        return self.make(
            page,
            title,
            tid,
            number.strip(),
            author,
            None,
            None,
            node_text(body[0], BODY_NOISE),
            when,
        )

    def make(
        self,
        page: Page,
        title: str,
        tid: str | None,
        number: str,
        author: str,
        pid: str | None,
        uid: str | None,
        content: str,
        when: datetime | None,
        base: str | None = None,
    ) -> Post:
        """A post; ``published_text`` is the ISO time, so it resolves the same everywhere."""
        return Post(
            site=page.site.name, kind=self.kind,
            url=f"{base or topic_base(page.url)}/{number}",
            title=title, content=content, author=author, author_id=uid, thread_id=tid,
            post_id=pid or (f"{tid}-{number}" if tid else number), floor=int(number),
            published_at=when, published_text=when.isoformat() if when else "",
            adapter=self.engine, adapter_version=self.page_version(page),
        )  # fmt: skip

    @staticmethod
    def page_version(page: Page) -> str:
        if page.text.lstrip().startswith("{"):
            return JSON
        return RENDERED if page.selector.css("article[id^=post_]") else CRAWLER

    def parse_json(self, page: Page) -> Parsed:
        """``/t/slug/ID.json``: posts from ``post_stream.posts``, views on the first post.

        Discourse sends the first 20 posts of a topic and the ids of all of them
        (``post_stream.stream``); the rest come from ``/t/ID/posts.json?post_ids[]=…``, asked
        for here in chunks of :data:`FOLLOW_UP_CHUNK`. Those answers hold posts only: the
        topic's title and address travel in the link's meta."""
        try:
            data: dict[str, Any] = json.loads(page.text)
        except ValueError as exc:
            raise ParseError("bad_json", str(exc)) from None
        stream = data.get("post_stream") or {}
        raw = stream.get("posts") or []
        if not raw:
            raise ParseError("no_posts", f"no post_stream on {page.url}")
        tid = str(data.get("id") or page.meta.get("tid") or topic_id(page.url) or "")
        title = str(data.get("title") or page.meta.get("title") or "")
        base = str(page.meta.get("topic_url") or topic_base(page.url))
        posts = [self.json_post(page, item, title, tid, base) for item in raw]
        if posts[0].floor == 1:
            posts[0].views, posts[0].replies = data.get("views"), data.get("reply_count")
        links = []
        if "title" in data:  # a topic, not an answer to a follow-up
            links = follow_ups(page.url, base, tid, title, stream.get("stream") or [], raw)
        return Parsed(posts=posts, links=links)

    def json_post(self, page: Page, item: dict[str, Any], title: str, tid: str, base: str) -> Post:
        when = (
            datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
            if item.get("created_at")
            else None
        )
        content = node_text(
            Selector(text=f"<div>{item.get('cooked') or ''}</div>").css("div")[0], BODY_NOISE
        )
        post = self.make(
            page,
            title,
            tid,
            str(item.get("post_number") or 0),
            str(item.get("username") or ""),
            str(item.get("id") or "") or None,
            str(item.get("user_id") or "") or None,
            content,
            when,
            base,
        )
        return post

    def topic_links(self, page: Page) -> list[Link]:
        """A category or latest list: one keyed link per topic (state = reply count)."""
        links: dict[str, Link] = {}
        for row in page.selector.css("tr.topic-list-item, tr[data-topic-id]"):
            a = row.css("a.title, a.raw-topic-link")
            url = absolute(page.url, a.attrib.get("href")) if a else None
            tid = row.attrib.get("data-topic-id") or topic_id(url or "")
            if not url or not tid or tid in links:
                continue
            replies = squash(row.css("td.replies, td.posts").xpath("string()").get())
            state = replies or None
            meta = {
                "tid": tid,
                "title": squash(a.xpath("string()").get()),
                "sticky": "pinned" in row.attrib.get("class", ""),
            }
            links[tid] = Link(url, "thread", key=f"thread:{tid}", state=state, meta=meta)
        nxt = absolute(page.url, page.selector.css("a[rel=next]::attr(href)").get())
        return [*links.values(), *([Link(nxt, "listing")] if nxt else [])]


def follow_ups(
    url: str, base: str, tid: str, title: str, stream: list[Any], loaded: list[dict[str, Any]]
) -> list[Link]:
    """Links to the posts of a long topic that its JSON did not include, in stream order."""
    have = {item.get("id") for item in loaded}
    missing = [str(i) for i in stream if i not in have and str(i).isdigit()]
    if not missing or not tid:
        return []
    origin = url.split("/t/", 1)[0]
    meta = {"tid": tid, "title": title, "topic_url": base}
    return [
        Link(
            f"{origin}/t/{tid}/posts.json?{'&'.join(f'post_ids[]={i}' for i in chunk)}",
            "thread",
            meta=dict(meta),
        )
        for chunk in (
            missing[k : k + FOLLOW_UP_CHUNK] for k in range(0, len(missing), FOLLOW_UP_CHUNK)
        )
    ]


def topic_title(sel: Selector) -> str:
    shown = squash(
        sel.css("#topic-title .fancy-title, h1 a.fancy-title, #topic-title h1 a")
        .xpath("string()")
        .get()
    )
    if shown:
        return shown
    og = sel.css("meta[property='og:title']::attr(content)").get() or sel.css("title::text").get()
    return squash(og).split(" - ")[0]


def topic_base(url: str) -> str:
    """``…/t/slug/ID`` of any topic URL (post number, ``.json`` and query dropped)."""
    url = without_fragment(url).split("?")[0].removesuffix(".json")
    m = _TOPIC_URL.search(url)
    return url[: m.end()] if m else url.rstrip("/")


def topic_id(url: str) -> str | None:
    m = _TOPIC_URL.search(url)
    return m.group(1) if m else None


def epoch_ms(stamp: str | None) -> datetime | None:
    """Discourse's ``data-time`` (epoch milliseconds) as a UTC datetime."""
    if not stamp or not stamp.strip().isdigit():
        return None
    return datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [DiscourseAdapter]
