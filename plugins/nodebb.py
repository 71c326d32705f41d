"""NodeBB forums: topic pages (``/topic/TID/slug``) and category topic lists.

NodeBB ships the page's data with it (``ajaxify.data``: the topic's posts with their ``pid``,
``index``, ``timestamp`` and user), read first; otherwise the ``[component="post"]`` markup,
whose ``data-pid``/``data-index``/``data-uid``/``data-timestamp`` attributes carry the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import (
    absolute,
    html_text,
    js_object,
    node_text,
    script_json,
    squash,
    to_int,
    without_fragment,
)
from plugins._notice import notices_first

QUOTES = ".//blockquote"
_POST_MARKUP = re.compile(r"""component="post"[^>]*\sdata-pid="\d+""")
_TOPIC_URL = re.compile(r"/topic/(\d+)")


class NodebbAdapter(Adapter):
    """NodeBB 1.x–3.x ("1"): ``ajaxify.data`` where the page has it, else the post markup."""

    engine = "nodebb"
    kind = "forum"
    version = "1"
    versions = ("1",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if "ajaxify.data" in text or 'id="ajaxify-data"' in text:
            return 0.95
        if _POST_MARKUP.search(text) or 'component="category/topic"' in text:
            return 0.9
        if _TOPIC_URL.search(url) and "Powered by NodeBB" in text[-20000:]:
            return 0.6
        return 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        data = ajaxify_data(page)
        if isinstance(data.get("posts"), list) and data.get("tid") is not None:
            return self.data_topic(page, data)
        sel = page.selector
        if sel.css('[component="post"][data-pid]'):
            return self.markup_topic(page)
        if isinstance(data.get("topics"), list):
            return Parsed(links=self.data_links(page, data["topics"]))
        if sel.css('[component="category/topic"][data-tid]'):
            return Parsed(links=self.markup_links(page))
        raise ParseError("no_posts", f"no NodeBB topic or topic list on {page.url}")

    def data_topic(self, page: Page, data: dict[str, Any]) -> Parsed:
        title, tid = squash(str(data.get("title") or "")), str(data["tid"])
        posts = []
        for item in data["posts"]:
            if not isinstance(item, dict) or item.get("deleted") or item.get("pid") is None:
                continue
            found = item.get("user")
            user: dict[str, Any] = found if isinstance(found, dict) else {}
            index = item.get("index")
            posts.append(
                self.post(
                    page, title, tid, str(item["pid"]),
                    content=html_text(str(item.get("content") or ""), QUOTES),
                    author=squash(str(user.get("displayname") or user.get("username") or "")),
                    author_id=str(item["uid"]) if item.get("uid") is not None else None,
                    floor=index + 1 if isinstance(index, int) else None,
                    millis=item.get("timestamp"),
                )
            )  # fmt: skip
        if not posts:
            raise ParseError("no_posts", f"no posts in the NodeBB data of {page.url}")
        if posts[0].floor == 1:
            count, views = data.get("postcount"), data.get("viewcount")
            posts[0].replies = count - 1 if isinstance(count, int) and count > 0 else None
            posts[0].views = views if isinstance(views, int) else None
        return Parsed(posts=posts, links=self.next_page(page, "thread"))

    def markup_topic(self, page: Page) -> Parsed:
        sel = page.selector
        title = squash(sel.css('[component="topic/title"]').xpath("string()").get())
        title = title or squash(sel.css("meta[property='og:title']::attr(content)").get())
        tid = sel.css('[component="topic"]::attr(data-tid)').get() or topic_id(page.url)
        posts = [self.markup_post(page, node, title, tid) for node in
                 sel.css('[component="post"][data-pid]')]  # fmt: skip
        kept = [post for post in posts if post is not None]
        if not kept:
            raise ParseError("no_posts", f"no NodeBB posts on {page.url}")
        return Parsed(posts=kept, links=self.next_page(page, "thread"))

    def markup_post(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        body = node.css('[component="post/content"]')
        if not body or "deleted" in node.attrib.get("class", "").split():
            return None
        who = node.css("[data-username]")
        index = to_int(node.attrib.get("data-index"))
        stamp = to_int(node.attrib.get("data-timestamp"))
        return self.post(
            page, title, tid, node.attrib["data-pid"], content=node_text(body[0], QUOTES),
            author=squash(who.attrib.get("data-username")) if who else
            squash(node.css("meta[itemprop=name]::attr(content)").get()),
            author_id=node.attrib.get("data-uid"),
            floor=index + 1 if index is not None else None,
            millis=stamp, shown=node.css("a.timeago::attr(title), span.timeago::attr(title)").get(),
        )  # fmt: skip

    def post(
        self, page: Page, title: str, tid: str | None, pid: str, *, content: str, author: str,
        author_id: str | None, floor: int | None, millis: object, shown: str | None = None,
    ) -> Post:  # fmt: skip
        at = (
            datetime.fromtimestamp(millis / 1000, UTC)
            if isinstance(millis, int) and millis > 0
            else None
        )
        return Post(
            site=page.site.name, kind=self.kind,
            url=absolute(page.url, f"/post/{pid}") or without_fragment(page.url),
            title=title, content=content, author=author, author_id=author_id, thread_id=tid,
            post_id=pid, floor=floor, published_at=at, published_text="" if at else shown or "",
            adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip

    def next_page(self, page: Page, role: str) -> list[Link]:
        nxt = page.selector.css(
            'link[rel=next]::attr(href), [component="pagination/next"] a::attr(href)'
        ).get()
        url = absolute(page.url, nxt)
        return [Link(url, role, meta=dict(page.meta) if role == "thread" else {})] if url else []

    def data_links(self, page: Page, topics: list[Any]) -> list[Link]:
        """A category's topics: keyed by topic id, state = reply count."""
        links = []
        for topic in topics:
            if not isinstance(topic, dict) or topic.get("tid") is None:
                continue
            tid, slug = str(topic["tid"]), str(topic.get("slug") or topic["tid"])
            count = topic.get("postcount")
            replies = count - 1 if isinstance(count, int) and count > 0 else 0
            url = absolute(page.url, f"/topic/{slug}") or ""
            meta = {"tid": tid, "title": squash(str(topic.get("title") or "")), "replies": replies}
            links.append(Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta))
        return links + self.next_page(page, "listing")

    def markup_links(self, page: Page) -> list[Link]:
        links = []
        for row in page.selector.css('[component="category/topic"][data-tid]'):
            tid = row.attrib["data-tid"]
            a = row.css('[component="topic/header"] a, a[href*="/topic/"]')
            url = absolute(page.url, a.attrib.get("href")) if a else None
            if not url:
                continue
            posts = row.css('[component="topic/post-count"]::attr(title)').get()
            posts = posts or row.css(".stats-postcount .human-readable-number::attr(title)").get()
            replies = max((to_int(posts) or 1) - 1, 0)
            meta = {"tid": tid, "title": squash(a[0].xpath("string()").get()), "replies": replies}
            links.append(Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta))
        return links + self.next_page(page, "listing")


def ajaxify_data(page: Page) -> dict[str, Any]:
    """The page's ``ajaxify.data`` (a JSON script in 1.x, an assignment in older themes)."""
    data = script_json(page.selector, "script#ajaxify-data")
    if data is None and "ajaxify.data" in page.text:
        data = js_object(page.text, "ajaxify.data =")
    return data if isinstance(data, dict) else {}


def topic_id(url: str) -> str | None:
    m = _TOPIC_URL.search(url)
    return m.group(1) if m else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [NodebbAdapter]
