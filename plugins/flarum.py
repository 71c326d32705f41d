"""Flarum forums: discussion pages (``/d/ID-slug``) and discussion lists.

Flarum serves every page with its API document embedded (``<script id="flarum-json-payload">``
in 1.x, ``flarum.core.app.load({...})`` / ``app.load`` in the betas): the posts, their numbers,
times and authors as data, read first. A page saved from a browser has only the rendered post
stream (``.PostStream-item[data-id]``), read when no payload is there. A discussion list
comes the same two ways; its next page is ``?page=N+1`` where the document has more.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

#: Quoted replies (Flarum's mentions extension quotes as ``blockquote``) are not the post's text.
QUOTES = ".//blockquote | .//script"
_DISCUSSION_URL = re.compile(r"/d/(\d+)")
_BETA_LOAD = re.compile(r"(?:flarum\.core\.)?app\.load\(\s*\{")


class FlarumAdapter(Adapter):
    """Flarum 1.x and the betas ("1"): the embedded API document, else the rendered stream."""

    engine = "flarum"
    kind = "forum"
    version = "1"
    versions = ("1",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if 'id="flarum-json-payload"' in text or "flarum.core.app" in text:
            return 0.95
        if 'class="PostStream"' in text and "PostStream-item" in text:
            return 0.85
        if "DiscussionListItem" in text and 'id="app"' in text:
            return 0.8
        if re.search(r"Powered by\s*(?:<[^>]+>\s*)*Flarum", text[-20000:]):
            return 0.6
        if _DISCUSSION_URL.search(url):
            return 0.2
        return 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        document = api_document(page)
        if document is not None:
            data = document.get("data")
            if isinstance(data, dict) and data.get("type") == "discussions":
                return self.payload_thread(page, data, document.get("included") or [])
            if isinstance(data, list):
                links = self.payload_links(page, data)
                if not any(link.role == "listing" for link in links):
                    links += next_list_page(page, document)
                return Parsed(links=links)
        sel = page.selector
        if sel.css(".PostStream-item[data-id]"):
            return self.rendered_thread(page)
        if sel.css(".DiscussionListItem"):
            return Parsed(links=self.rendered_links(page))
        raise ParseError("no_posts", f"no Flarum discussion or list on {page.url}")

    def payload_thread(self, page: Page, data: dict[str, Any], included: list[Any]) -> Parsed:
        """Posts of the embedded document, in number order; event posts (renames …) left out."""
        attrs = data.get("attributes") or {}
        title = squash(str(attrs.get("title") or ""))
        tid = str(data.get("id") or "") or discussion_id(page)
        users = {
            str(res.get("id")): res.get("attributes") or {}
            for res in included
            if isinstance(res, dict) and res.get("type") == "users"
        }
        posts = []
        for res in included:
            if not isinstance(res, dict) or res.get("type") != "posts":
                continue
            post_attrs = res.get("attributes") or {}
            if post_attrs.get("contentType", "comment") != "comment":
                continue
            user = ((res.get("relationships") or {}).get("user") or {}).get("data") or {}
            uid = str(user.get("id")) if user.get("id") is not None else None
            who = users.get(uid or "", {})
            number = post_attrs.get("number")
            posts.append(
                self.post(
                    page, title, tid, str(res.get("id")),
                    content=html_text(str(post_attrs.get("contentHtml") or ""), QUOTES),
                    author=squash(str(who.get("displayName") or who.get("username") or "")),
                    author_id=uid,
                    floor=number if isinstance(number, int) else None,
                    stamp=str(post_attrs.get("createdAt") or ""),
                )
            )  # fmt: skip
        if not posts:
            raise ParseError("no_posts", f"no posts in the Flarum payload of {page.url}")
        posts.sort(key=lambda p: p.floor or 0)
        if posts[0].floor == 1:
            count = attrs.get("commentCount")
            posts[0].replies = count - 1 if isinstance(count, int) and count > 0 else None
            views = attrs.get("views") or attrs.get("viewCount")
            posts[0].views = views if isinstance(views, int) else None
        return Parsed(posts=posts, links=self.next_page(page))

    def rendered_thread(self, page: Page) -> Parsed:
        """The post stream as a browser shows it: one ``.PostStream-item`` per post."""
        sel = page.selector
        title = squash(sel.css(".DiscussionHero-title").xpath("string()").get())
        title = title or squash(sel.css("title::text").get()).rsplit(" - ", 1)[0]
        tid = discussion_id(page)
        posts = []
        for item in sel.css(".PostStream-item[data-id]"):
            body = item.css(".Post-body")
            if item.attrib.get("data-type", "comment") != "comment" or not body:
                continue
            posts.append(
                self.post(
                    page, title, tid, item.attrib["data-id"],
                    content=node_text(body[0], QUOTES),
                    author=squash(item.css(".PostUser-name .username").xpath("string()").get()),
                    author_id=None,
                    floor=to_int(item.attrib.get("data-number")),
                    stamp=item.css("time::attr(datetime)").get() or item.attrib.get("data-time", "")
                )
            )  # fmt: skip
        if not posts:
            raise ParseError("no_posts", f"no Flarum posts on {page.url}")
        return Parsed(posts=posts, links=self.next_page(page))

    def post(
        self, page: Page, title: str, tid: str | None, pid: str, *, content: str, author: str,
        author_id: str | None, floor: int | None, stamp: str,
    ) -> Post:  # fmt: skip
        own = absolute(page.url, f"/d/{tid}/{floor}") if tid and floor else None
        return Post(
            site=page.site.name, kind=self.kind, url=own or without_fragment(page.url),
            title=title, content=content, author=author, author_id=author_id,
            thread_id=tid, post_id=pid, floor=floor, published_at=when(stamp),
            published_text="" if when(stamp) else stamp,
            adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip

    def next_page(self, page: Page) -> list[Link]:
        nxt = absolute(page.url, page.selector.css("link[rel=next]::attr(href)").get())
        return [Link(nxt, "thread", meta=dict(page.meta))] if nxt else []

    def payload_links(self, page: Page, data: list[Any]) -> list[Link]:
        """A discussion list's document: keyed by discussion id, state = reply count."""
        links = []
        for res in data:
            if not isinstance(res, dict) or res.get("type") != "discussions":
                continue
            attrs = res.get("attributes") or {}
            did, slug = str(res.get("id")), str(attrs.get("slug") or "")
            count = attrs.get("commentCount")
            replies = count - 1 if isinstance(count, int) and count > 0 else 0
            url = absolute(page.url, f"/d/{discussion_slug(did, slug)}") or ""
            meta = {"tid": did, "title": squash(str(attrs.get("title") or "")), "replies": replies}
            links.append(Link(url, "thread", key=f"thread:{did}", state=str(replies), meta=meta))
        return links + self.next_listing(page)

    def rendered_links(self, page: Page) -> list[Link]:
        links = []
        for row in page.selector.css(".DiscussionListItem"):
            url = absolute(page.url, row.css("a.DiscussionListItem-main::attr(href)").get())
            m = _DISCUSSION_URL.search(url or "")
            if not url or not m:
                continue
            count = row.css(".DiscussionListItem-count span[aria-hidden]").xpath("string()")
            replies = to_int(count.get()) or 0
            title = squash(row.css(".DiscussionListItem-title").xpath("string()").get())
            meta = {"tid": m.group(1), "title": title, "replies": replies}
            links.append(
                Link(url, "thread", key=f"thread:{m.group(1)}", state=str(replies), meta=meta)
            )
        return links + self.next_listing(page)

    def next_listing(self, page: Page) -> list[Link]:
        nxt = absolute(page.url, page.selector.css("link[rel=next]::attr(href)").get())
        return [Link(nxt, "listing")] if nxt else []


def api_document(page: Page) -> dict[str, Any] | None:
    """The embedded JSON:API document: 1.x ``apiDocument``, the betas' ``document``."""
    payload = script_json(page.selector, "script#flarum-json-payload")
    if payload is None and _BETA_LOAD.search(page.text):
        match = _BETA_LOAD.search(page.text)
        payload = js_object(page.text[match.start() :], "(") if match else None
    if not isinstance(payload, dict):
        return None
    document = payload.get("apiDocument") or payload.get("document")
    return document if isinstance(document, dict) else None


def discussion_slug(did: str, slug: str) -> str:
    """The discussion's part of its URL: 1.x documents give it whole (``1187-title``, the
    slug driver's), the betas only the title's slug."""
    if not slug or slug == did or slug.startswith(f"{did}-"):
        return slug or did
    return f"{did}-{slug}"


def next_list_page(page: Page, document: dict[str, Any]) -> list[Link]:
    """The forum page after this one (``?page=N+1``) where the document says there are more
    discussions (``links.next``, an API URL a crawl does not read)."""
    more = document.get("links")
    if not isinstance(more, dict) or not more.get("next"):
        return []
    parts = urlsplit(page.url)
    query = dict(parse_qsl(parts.query))
    query["page"] = str((to_int(query.get("page")) or 1) + 1)
    return [Link(urlunsplit(parts._replace(query=urlencode(query), fragment="")), "listing")]


def discussion_id(page: Page) -> str | None:
    canonical = page.selector.css("link[rel=canonical]::attr(href)").get() or ""
    m = _DISCUSSION_URL.search(page.url) or _DISCUSSION_URL.search(canonical)
    return m.group(1) if m else None


def when(stamp: str) -> datetime | None:
    """An ISO time with its offset (``2024-06-03T01:12:40+00:00``), else None."""
    try:
        found = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None
    return found if found and found.utcoffset() is not None else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [FlarumAdapter]
