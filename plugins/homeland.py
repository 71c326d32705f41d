"""Homeland forums (Ruby China's engine): topic pages (``/topics/ID``) and topic lists.

A topic page is the opening post (``div.topic-detail``: title, node, author, time, body) over
``#replies``, one ``div.reply[data-id]`` per reply with its own author (``a.user-name``: the
display name in ``data-name``, the login as text and link), floor (``#N``, counted from the
first reply) and time (an ``abbr.timeago`` whose ``title`` is an ISO time). Replies that are
system events (``reply-system``: moved to a node …) or deleted are left out, and so is the
reply a reply answers (``reply-to-block``), which is not its text.
Floors count the opening post as 1, so reply ``#N`` is floor N+1, as on every other engine.
"""

from __future__ import annotations

import re
from datetime import datetime

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import absolute, node_text, powered_by, squash, to_int, without_fragment
from plugins._notice import notices_first

BODY_NOISE = ".//div[contains(@class,'reply-to-block')] | .//blockquote | .//script"
_TOPIC_URL = re.compile(r"/topics/(\d+)")
_POWERED = re.compile(r"Powered by\s*(?:<[^>]+>\s*)*Homeland", re.I)
_DETAIL = re.compile(r"""class="topic-detail\b""")
_REPLY = re.compile(r"""class="reply\b[^"]*"[^>]*\bdata-id="\d+""")
_LIST_ROW = re.compile(r"""class="topic media topic-\d+""")
_VIEWS = re.compile(r"(\d[\d,]*)\s*次阅读")


class HomelandAdapter(Adapter):
    """Homeland 3.x ("3"): ``topic-detail`` and ``#replies`` topics, ``div.topic`` rows."""

    engine = "homeland"
    kind = "forum"
    version = "3"
    versions = ("3",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if powered_by(_POWERED, text[-20000:]) and (_DETAIL.search(text) or _LIST_ROW.search(text)):
            return 0.95
        if _DETAIL.search(text) and 'id="replies"' in text:
            return 0.85
        if _DETAIL.search(text) and _REPLY.search(text):
            return 0.85
        if len(_LIST_ROW.findall(text)) >= 3 and "user-name" in text:
            return 0.8
        if _TOPIC_URL.search(url) and powered_by(_POWERED, text[-20000:]):
            return 0.6
        return 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        if sel.css("div.topic-detail"):
            return self.parse_topic(page)
        if sel.css("div.topic[class*='topic-']"):
            return Parsed(links=self.topic_links(page))
        raise ParseError("no_posts", f"no Homeland topic or topic list on {page.url}")

    def parse_topic(self, page: Page) -> Parsed:
        """The opening post, then one post per reply in floor order."""
        sel = page.selector
        detail = sel.css("div.topic-detail")[0]
        title = squash(detail.css("h1 .title, h1.media-heading").xpath("string()").get())
        title = title or squash(sel.css("title::text").get()).split(" · ")[0]
        tid = topic_id(page)
        body = detail.css(".card-body.markdown, .topic-body, .body.markdown")
        info = detail.css(".info")
        opener = self.post(
            page, title, tid, f"topic-{tid}" if tid else None, without_fragment(page.url),
            content=node_text(body[0], BODY_NOISE) if body else "", who=info, floor=1,
        )  # fmt: skip
        if opener.content:
            total = squash(sel.css("#replies .total").xpath("string()").get())
            opener.replies = to_int(total)
            views = _VIEWS.search(squash(info.xpath("string()").get()))
            opener.views = to_int(views.group(1)) if views else None
        posts = [opener] if opener.content else []
        for node in sel.css("#replies div.reply[data-id]"):
            post = self.reply(page, node, title, tid)
            if post is not None:
                posts.append(post)
        if not posts:
            raise ParseError("no_posts", f"no Homeland posts on {page.url}")
        nxt = absolute(page.url, sel.css("#replies .pagination a[rel=next]::attr(href)").get())
        return Parsed(posts=posts, links=[Link(nxt, "thread", meta=dict(page.meta))] if nxt else [])

    def reply(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        classes = node.attrib.get("class", "").split()
        body = node.css(".infos > .markdown") or node.css(".markdown")
        info = node.css(".infos > .info") or node.css(".info")
        if "reply-system" in classes or "reply-deleted" in classes or not body:
            return None
        shown = to_int(info.css(".floor").xpath("string()").get())
        anchor = node.attrib.get("id") or (f"reply{shown}" if shown else "")
        url = f"{without_fragment(page.url)}#{anchor}" if anchor else without_fragment(page.url)
        return self.post(
            page, title, tid, node.attrib["data-id"], url,
            content=node_text(body[0], BODY_NOISE), who=info,
            floor=shown + 1 if shown is not None else None,
        )  # fmt: skip

    def post(
        self, page: Page, title: str, tid: str | None, pid: str | None, url: str, *,
        content: str, who: Selector | list[Selector], floor: int | None,
    ) -> Post:  # fmt: skip
        """A post signed by the first ``a.user-name`` of its info line, dated by its first
        ``timeago`` (the opening post's line also names the last replier, after it)."""
        info = who[0] if who else None
        author = info.css("a.user-name") if info is not None else []
        stamp = info.css(".timeago") if info is not None else []
        shown = stamp[0].attrib.get("title", "") if stamp else ""
        at = when(shown)
        return Post(
            site=page.site.name, kind=self.kind, url=url, title=title, content=content,
            author=squash(author[0].attrib.get("data-name") or author[0].xpath("string()").get())
            if author else "",
            author_id=login(author[0].attrib.get("href")) if author else None,
            thread_id=tid, post_id=pid, floor=floor, published_at=at,
            published_text="" if at else shown or squash(stamp.xpath("string()").get()),
            adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip

    def topic_links(self, page: Page) -> list[Link]:
        """A topic list: keyed by topic id, state = reply count (the bubble on the right)."""
        links = []
        for row in page.selector.css("div.topic[class*='topic-']"):
            a = row.css(".title a[href*='/topics/'], .media-heading a[href*='/topics/']")
            url = absolute(page.url, a.attrib.get("href")) if a else None
            m = _TOPIC_URL.search(url or "")
            if not url or not m:
                continue
            replies = to_int(row.css(".count a").xpath("string()").get()) or 0
            meta = {
                "tid": m.group(1),
                "title": squash(a.attrib.get("title") or a[0].xpath("string()").get()),
                "replies": replies,
                "node": squash(row.css("a.node").xpath("string()").get()),
                "author": squash(row.css("a.user-name::attr(data-name)").get()),
            }
            links.append(
                Link(url, "thread", key=f"thread:{m.group(1)}", state=str(replies), meta=meta)
            )
        nxt = absolute(page.url, page.selector.css(".pagination a[rel=next]::attr(href)").get())
        return links + ([Link(nxt, "listing")] if nxt else [])


def login(href: str | None) -> str | None:
    """A member's login from the profile link (``/login``), which the name links to."""
    name = (href or "").strip("/").rpartition("/")[2]
    return name or None


def topic_id(page: Page) -> str | None:
    canonical = page.selector.css("link[rel=canonical]::attr(href)").get() or ""
    m = _TOPIC_URL.search(page.url) or _TOPIC_URL.search(canonical)
    return m.group(1) if m else None


def when(stamp: str) -> datetime | None:
    """An ISO time with its offset (``2024-05-30T09:15:00+08:00``), else None."""
    try:
        found = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None
    return found if found and found.utcoffset() is not None else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [HomelandAdapter]
