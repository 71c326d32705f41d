"""MyBB forums: threads (``showthread.php?tid=``) and thread lists (``forumdisplay.php``).

A floor is ``#post_PID`` with its body in ``div.post_body#pid_PID`` and its poster in
``.author_information``; quotes (``blockquote.mycode_quote``) and signatures are left out.
"""

from __future__ import annotations

import re

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import (
    absolute,
    node_text,
    powered_by,
    query_param,
    squash,
    title_or_text,
    to_int,
)
from plugins._notice import notices_first

BODY_NOISE = ".//blockquote | .//div[contains(@class,'signature')]"
_POWERED = re.compile(r"Powered By\s*(?:<[^>]+>\s*)*MyBB", re.I)
_BODY = re.compile(r"""class="post_body[^"]*"\s+id="pid_\d+""")


#: The thread's title: in the header row just above the posts, not in a mode switch floated
#: beside it; the first header of a page can be a sidebar's (a Login box).
THREAD_TITLE = (
    "//*[@id='posts']/preceding::td[contains(concat(' ', normalize-space(@class), ' '),"
    " ' thead ')][1]//strong[not(ancestor::*[contains(@class, 'float_right')])]"
)


class MybbAdapter(Adapter):
    """MyBB 1.8 default theme ("1.8"): ``div.post`` floors, ``inline_row`` thread rows."""

    engine = "mybb"
    kind = "forum"
    version = "1.8"
    versions = ("1.8",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        marked = "MyBB.whoPosted" in text or "my_post_key" in text[:30000]
        if marked or powered_by(_POWERED, text):
            return 0.9
        if _BODY.search(text):
            return 0.85
        if re.search(r"/(?:showthread|forumdisplay)\.php\?", url):
            return 0.3
        return 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        if sel.css("div.post_body[id^=pid_]"):
            return self.parse_thread(page)
        if sel.css("span[id^=tid_]"):
            return Parsed(links=self.thread_links(page))
        raise ParseError("no_posts", f"no MyBB thread or thread list on {page.url}")

    def parse_thread(self, page: Page) -> Parsed:
        sel = page.selector
        title = squash(sel.xpath(THREAD_TITLE).xpath("string()").get())
        title = title or squash(sel.css("title::text").get())
        tid = query_param(page.url, "tid") or query_param(
            (sel.css(".post_head a[href*='tid=']::attr(href)").get() or "").replace("&amp;", "&"),
            "tid",
        )
        posts = []
        for number, body in enumerate(sel.css("div.post_body[id^=pid_]"), start=1):
            pid = body.attrib["id"].removeprefix("pid_")
            node = sel.css(f"#post_{pid}")
            if pid.isdigit() and node:
                posts.append(self.floor(page, node[0], body, title, tid, pid, number))
        if not posts:
            raise ParseError("no_posts", f"no MyBB posts on {page.url}")
        nxt = absolute(page.url, sel.css(".pagination a.pagination_next::attr(href)").get())
        return Parsed(posts=posts, links=[Link(nxt, "thread", meta=dict(page.meta))] if nxt else [])

    def floor(
        self, page: Page, node: Selector, body: Selector, title: str, tid: str | None, pid: str,
        number: int,
    ) -> Post:  # fmt: skip
        # The poster's name, not the avatar's link before it (an image, no text).
        named = node.css(".author_information a[href*='uid='], .post_author a[href*='uid=']")
        author = [a for a in named if squash(a.xpath("string()").get())]
        href = (author[0].attrib.get("href") or "").replace("&amp;", "&") if author else ""
        date = node.css(".post_date")
        posted = ""
        if date:
            clock = squash("".join(date[0].xpath("text()").getall())).lstrip(", ")
            # ``<span title="2021-09-10">Yesterday</span>, 07:20 PM``: the date, then the clock
            shown = date[0].css("span[title]")
            posted = squash(f"{title_or_text(shown[0])} {clock}") if shown else clock
        label = node.css(".post_head .float_right a::text, .post_head a[href*='pid=']::text").get()
        own = absolute(page.url, f"showthread.php?tid={tid}&pid={pid}") if tid else None
        return Post(
            site=page.site.name, kind=self.kind, url=f"{own}#pid{pid}" if own else page.url,
            title=title, content=node_text(body, BODY_NOISE),
            author=squash(author[0].xpath("string()").get()) if author else "",
            author_id=query_param(href, "uid"), thread_id=tid, post_id=pid,
            floor=to_int(label) or number, published_text=posted,
            adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip

    def thread_links(self, page: Page) -> list[Link]:
        """A forum's thread list: keyed by thread id, state = reply count."""
        links = []
        for span in page.selector.css("span[id^=tid_]"):
            tid = span.attrib["id"].removeprefix("tid_")
            a = span.css("a")
            url = absolute(page.url, a.attrib.get("href")) if a else None
            if not url or not tid.isdigit():
                continue
            row = span.xpath("ancestor::tr[1]")
            replies = to_int(row.css("a[href*='whoPosted']::text").get()) or 0
            meta = {"tid": tid, "title": squash(a[0].xpath("string()").get()), "replies": replies}
            links.append(Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta))
        nxt = absolute(
            page.url, page.selector.css(".pagination a.pagination_next::attr(href)").get()
        )
        return links + ([Link(nxt, "listing")] if nxt else [])


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [MybbAdapter]
