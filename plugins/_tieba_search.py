"""Tieba's search results (``/f/search/res?qw=…``): the posts a word was found in.

One ``div.s_post`` a hit: its thread's title linking to the post (``/p/<tid>?pid=<pid>…``,
which opens the thread at the page holding it), a snippet, the bar, the poster and the time
(``font.p_date``). A hit is a link to that page of the thread, keyed by the post found
(``found:<pid>``) with its time as state — a post found again is not walked again; the thread
itself is read as any thread is, its floors and the replies inside them. The pager's next
page (``a.next``) is the next page of results.
"""

from __future__ import annotations

import re

from opinion_spiders.adapters import Link, Page
from plugins._html import absolute, query_param, squash

_TID = re.compile(r"/p/(\d+)")

#: Markup only a results page has.
RESULTS = "div.s_post_list div.s_post, div.s_post_list"


def search_hits(page: Page) -> list[Link]:
    """The threads a results page links to, at the post found, and its next page."""
    links = []
    for hit in page.selector.css("div.s_post"):
        a = hit.css("span.p_title a, a.bluelink")
        href = a.attrib.get("href") if a else None
        url = absolute(page.url, href)
        found = _TID.search(url or "")
        if not url or not found:
            continue
        pid = query_param(url, "pid") or a.attrib.get("data-pid") or found.group(1)
        meta = {
            "tid": found.group(1),
            "title": squash(a.xpath("string()").get()),
            "bar": squash(hit.css("a.p_forum").xpath("string()").get()),
            "author": squash(hit.xpath(".//a[contains(@href,'un=')]").xpath("string()").get()),
            "search": page.meta.get("search", ""),
        }
        shown = squash(hit.css("font.p_date, .p_date").xpath("string()").get())
        links.append(Link(url, "thread", key=f"found:{pid}", state=shown or "found", meta=meta))
    nxt = absolute(page.url, page.selector.css("div.pager a.next::attr(href)").get())
    if nxt:
        links.append(Link(nxt, "listing", meta={"search": page.meta.get("search", "")}))
    return links
