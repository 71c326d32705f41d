"""Discuz! X3 forums (the engine behind most Chinese forums): board index, thread lists
(``forumdisplay``), threads (``viewthread``) and ``showmessage`` notice pages.

Reads the stock X3.x templates, with plain or rewritten URLs (``thread-TID-1-1.html``).
"""

from __future__ import annotations

import re

import pluggy
from parsel import Selector

from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import (
    absolute,
    node_text,
    query_param,
    squash,
    title_or_text,
    to_int,
    without_fragment,
)

hookimpl = pluggy.HookimplMarker("opinion_spiders")

#: Discuz! names the first floors instead of numbering them.
FLOOR_NAMES = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}
#: Inside a post body: quoted replies, "本帖最后由 … 编辑", anti-copy noise, attachment boxes.
BODY_NOISE = (
    ".//div[contains(@class,'quote')] | .//i[contains(@class,'pstatus')]"
    " | .//font[contains(@class,'jammer')] | .//span[contains(@style,'display:none')]"
    " | .//ignore_js_op | .//div[contains(@class,'attach_nopermission')]"
)
_BOARD_HREF = re.compile(r"(?:mod=forumdisplay&(?:amp;)?fid=(\d+)$|forum-(\d+)-1\.html$)")
_THREAD_URL = re.compile(r"thread-(\d+)-(\d+)-\d+\.html")


class DiscuzAdapter(Adapter):
    """Discuz! X3 (X3.2–X3.5 share the markup read here)."""

    engine = "discuz"
    kind = "forum"
    version = "x3"

    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        notice = sel.css("#messagetext")
        if notice:
            text = node_text(notice[0], ".//p[contains(@class,'alert_btnleft')]")
            text = text or node_text(notice[0]) or squash(sel.css("title::text").get())
            return Parsed(page_type="notice", notice=text)
        if sel.css("#postlist, #thread_subject") or page.role == "thread":
            return self.parse_thread(page)
        if sel.css("#threadlisttableid, #threadlist") or page.role == "listing":
            return Parsed(links=self.listing_links(page))
        return Parsed(links=self.board_links(page))

    def board_links(self, page: Page) -> list[Link]:
        """Board index: one listing link per board (``forumdisplay`` or ``forum-N-1.html``)."""
        seen: dict[str, Link] = {}
        for a in page.selector.xpath("//a[@href]"):
            href = a.attrib["href"].strip()
            m = _BOARD_HREF.search(href)
            name = squash(a.xpath("string()").get())
            if not m:
                continue
            fid = m.group(1) or m.group(2)
            link = seen.get(fid)
            if link is None:
                url = absolute(page.url, href) or href
                seen[fid] = Link(url, "listing", meta={"board": name, "fid": fid})
            elif name and not link.meta["board"]:
                link.meta["board"] = name
        return list(seen.values())

    def listing_links(self, page: Page) -> list[Link]:
        """Thread list: a keyed link per thread (state = reply count) and the next page."""
        sel = page.selector
        rows = sel.xpath(
            "//tbody[starts-with(@id,'stickthread_') or starts-with(@id,'normalthread_')]"
        )
        if not rows and not sel.css("#threadlisttableid"):
            raise ParseError("no_threads", f"no Discuz! thread list on {page.url}")
        links = [link for row in rows if (link := self.thread_link(page, row))]
        nxt = absolute(page.url, sel.css("div.pg a.nxt::attr(href)").get())
        if nxt:
            links.append(Link(nxt, "listing"))
        return links

    def thread_link(self, page: Page, row: Selector) -> Link | None:
        tid = row.attrib["id"].rpartition("_")[2]
        title = row.css("a.xst")
        url = absolute(page.url, title.attrib.get("href")) if title else None
        if not url or not tid.isdigit():
            return None
        replies = to_int(row.css("td.num a.xi2::text").get()) or 0
        by = row.css("td.by")
        meta = {
            "tid": tid,
            "title": squash(title.xpath("string()").get()),
            "replies": replies,
            "views": to_int(row.css("td.num em::text").get()),
            "author": squash(by.css("cite a::text").get()) if by else "",
            "published_text": title_or_text(by[0].css("em")[0]) if by and by[0].css("em") else "",
            "sticky": row.attrib["id"].startswith("stick"),
        }
        return Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta)

    def parse_thread(self, page: Page) -> Parsed:
        """A thread page: one post per floor, and the next page of the thread."""
        sel = page.selector
        title = squash(sel.css("#thread_subject").xpath("string()").get())
        title = (
            title or squash(sel.css("h1.ts").xpath("string()").get()) or page.meta.get("title", "")
        )
        tid = self.thread_id(page)
        counts = [to_int(t) for t in sel.css("div.hm span.xi1::text").getall()]
        posts = []
        for node in sel.xpath("//div[starts-with(@id,'post_')]"):
            post = self.floor(page, node, title, tid)
            if post is not None:
                posts.append(post)
        if not posts:
            raise ParseError("no_posts", f"no Discuz! floors on {page.url}")
        if len(counts) >= 2 and posts[0].floor == 1:
            posts[0].views, posts[0].replies = counts[0], counts[1]
        links = []
        nxt = absolute(page.url, sel.css("div.pg a.nxt::attr(href)").get())
        if nxt:
            links.append(Link(nxt, "thread", meta=dict(page.meta)))
        return Parsed(posts=posts, links=links)

    def floor(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        """One ``div#post_PID``; None for wrappers that are not floors (or blocked floors)."""
        pid = node.attrib["id"].removeprefix("post_")
        body = node.css(f"#postmessage_{pid}") if pid.isdigit() else []
        if not body:
            return None
        author = node.css(".authi a.xw1, .authi a[href*='uid=']")
        href = author.attrib.get("href", "") if author else ""
        return Post(
            site=page.site.name,
            kind=self.kind,
            url=f"{without_fragment(page.url)}#pid{pid}",
            title=title,
            content=node_text(body[0], BODY_NOISE),
            author=squash(author[0].xpath("string()").get()) if author else "",
            author_id=query_param(href.replace("&amp;", "&"), "uid"),
            thread_id=tid,
            post_id=pid,
            floor=self.floor_number(node, pid),
            published_text=self.posted(node, pid),
            adapter=self.engine,
            adapter_version=self.version,
        )

    @staticmethod
    def floor_number(node: Selector, pid: str) -> int | None:
        label = node.css(f"#postnum{pid}")
        if not label:
            return None
        number = label.css("em::text").get()
        text = squash(label.xpath("string()").get())
        return to_int(number) if number else FLOOR_NAMES.get(text, to_int(text))

    @staticmethod
    def posted(node: Selector, pid: str) -> str:
        """The post time: the absolute ``title`` of a relative one, else the text after 发表于."""
        em = node.css(f"#authorposton{pid}")
        if not em:
            return ""
        return title_or_text(em[0]).removeprefix("发表于").strip()

    @staticmethod
    def thread_id(page: Page) -> str | None:
        tid = query_param(page.url, "tid") or query_param(page.url, "ptid")
        m = _THREAD_URL.search(page.url)
        if not tid and m:
            tid = m.group(1)
        if not tid:
            href = page.selector.css("a[id^=postnum]::attr(href)").get() or ""
            tid = query_param(absolute(page.url, href) or "", "ptid")
        return tid or page.meta.get("tid")


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [DiscuzAdapter]
