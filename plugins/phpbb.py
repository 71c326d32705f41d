"""phpBB 3 boards (prosilver and its derivatives): topic pages (``viewtopic.php``) and forum
topic lists (``viewforum.php``).

Times come from ``<time datetime>`` (UTC with offset) where the style has it, since the shown
text is in the reader's board time zone, which the crawler does not know.
"""

from __future__ import annotations

import re

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import absolute, node_text, query_param, squash, to_int, without_fragment
from plugins._notice import notices_first

BODY_NOISE = (
    ".//blockquote | .//div[contains(@class,'codebox')]/p"
    " | .//div[contains(@class,'signature')] | .//div[@class='notice']"
)
POSTER = ".topic-poster a.username, .topic-poster a.username-coloured, a.username"
_SHOWN_TIME = re.compile(r"»\s*(.+)$")
_POWERED = re.compile(r"Powered by\s*(?:<[^>]+>)*\s*phpBB", re.I)


class PhpbbAdapter(Adapter):
    """phpBB 3.x prosilver markup ("3"): ``div.post#pNNN`` floors and ``li.row`` topic rows."""

    engine = "phpbb"
    kind = "forum"
    version = "3"
    versions = ("3",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if _POWERED.search(text) or "phpBB style name" in text[:20000]:
            return 0.95
        if "viewtopic.php" in url or "viewforum.php" in url:
            return 0.4
        return 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        if sel.css("div.post[id^=p] div.postbody") or page.role == "thread":
            return self.parse_topic(page)
        if sel.css("ul.topiclist li.row") or page.role == "listing":
            return Parsed(links=self.topic_links(page))
        return Parsed(links=self.forum_links(page))

    def parse_topic(self, page: Page) -> Parsed:
        """One post per ``div.post#pNNN``; the next page from the pagination block."""
        sel = page.selector
        title = squash(sel.css("h2.topic-title").xpath("string()").get())
        title = title or squash(sel.css("title::text").get()).split(" - ")[0]
        canonical = sel.css("link[rel=canonical]::attr(href)").get() or ""
        tid = query_param(canonical, "t") or query_param(page.url, "t")
        tid = tid or query_param(sel.css("h2.topic-title a::attr(href)").get() or "", "t")
        posts = [
            post
            for node in sel.xpath("//div[contains(@class,'post') and starts-with(@id,'p')]")
            if (post := self.post(page, node, title, tid)) is not None
        ]
        if not posts:
            raise ParseError("no_posts", f"no phpBB posts on {page.url}")
        nxt = absolute(
            page.url,
            sel.css(".pagination li.next a::attr(href), .pagination a[rel=next]::attr(href)").get(),
        )
        links = [Link(nxt, "thread", meta=dict(page.meta))] if nxt else []
        return Parsed(posts=posts, links=links)

    def post(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        pid = node.attrib["id"][1:]
        body = node.css("div.content")
        if not pid.isdigit() or not body:
            return None
        author = node.css(
            "p.author a.username, p.author a.username-coloured, dl.postprofile a.username"
        )
        author = author or node.css("p.author strong, dl.postprofile dt a")
        href = (author.attrib.get("href") or "") if author else ""
        stamp = node.css("p.author time::attr(datetime)").get()
        shown = _SHOWN_TIME.search(squash(node.css("p.author").xpath("string()").get()))
        number = to_int(node.css("p.author span.posti a::text, p.author .post-number::text").get())
        return Post(
            site=page.site.name,
            kind=self.kind,
            url=f"{without_fragment(page.url)}#p{pid}",
            title=squash(node.css("h3 a::text").get()) or title,
            content=node_text(body[0], BODY_NOISE),
            author=squash(author[0].xpath("string()").get()) if author else "",
            author_id=query_param(href.replace("&amp;", "&"), "u"),
            thread_id=tid,
            post_id=pid,
            floor=number,
            published_text=stamp or (shown.group(1) if shown else ""),
            adapter=self.engine,
            adapter_version=self.version,
        )

    def topic_links(self, page: Page) -> list[Link]:
        """A forum's topic list: keyed by topic id, state = reply count; stickies flagged."""
        links = []
        for row in page.selector.css("ul.topiclist.topics li.row"):
            a = row.css("a.topictitle")
            url = absolute(page.url, a.attrib.get("href")) if a else None
            tid = query_param(url or "", "t")
            if not url or not tid:
                continue
            replies = to_int(squash(row.css("dd.posts").xpath("string()").get())) or 0
            meta = {
                "tid": tid,
                "title": squash(a.xpath("string()").get()),
                "replies": replies,
                "views": to_int(squash(row.css("dd.views").xpath("string()").get())),
                "author": squash(row.css(POSTER).xpath("string()").get()),
                "sticky": bool(
                    row.css("dl.sticky, dl.announce, dl.global-announce")
                    or "sticky" in row.attrib.get("class", "")
                ),
            }
            links.append(Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta))
        nxt = absolute(page.url, page.selector.css(".pagination li.next a::attr(href)").get())
        if nxt:
            links.append(Link(nxt, "listing"))
        return links

    def forum_links(self, page: Page) -> list[Link]:
        """The board index: one listing link per forum."""
        seen: dict[str, Link] = {}
        for a in page.selector.css("a.forumtitle"):
            url = absolute(page.url, a.attrib.get("href"))
            fid = query_param(url or "", "f")
            if url and fid and fid not in seen:
                seen[fid] = Link(
                    url, "listing", meta={"board": squash(a.xpath("string()").get()), "fid": fid}
                )
        return list(seen.values())


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [PhpbbAdapter]
