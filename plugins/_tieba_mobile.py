"""Baidu Tieba's mobile bar list (``/mo/q/m?kw=`` and ``f?kw=…&mo_device=1``): server-rendered,
so it still reads without a browser when the PC list is a script shell.

Pinned threads sit in ``li.tl_top``, normal ones are ``a.ti_item[tid]`` in ``li.tl_shadow``, and
ads are list items without a ``tid`` (labelled 广告); they are dropped.
"""

from __future__ import annotations

import json
import re

from parsel import Selector

from opinion_spiders.adapters import Link, Page
from plugins._html import absolute, squash, to_int

MOBILE_MARKERS = "#frslistcontent, li.tl_shadow, a.ti_item[tid]"
_FORUM_NAME = re.compile(
    r"""PageData\.forum\s*=\s*\{[^}]*?['"]?name['"]?\s*:\s*(["'])(.*?)\1""", re.S
)
_SCALE = {"W": 10_000, "万": 10_000, "K": 1_000, "亿": 100_000_000}


def mobile_links(page: Page) -> list[Link]:
    """One keyed link per thread (state = reply count); pinned ones flagged ``sticky``."""
    sel = page.selector
    bar = bar_info(page.text, sel)["bar"]
    links = []
    for li in sel.css("#frslistcontent > li, ul.threads_list > li"):
        item = li.css("a.ti_item[tid]")
        if not item or li.css(".label_text_tag"):
            continue
        sticky = "tl_top" in li.attrib.get("class", "").split()
        link = _thread_link(page, li, item[0], sticky)
        if link:
            link.meta["bar"] = bar
            links.append(link)
    return links


def _thread_link(page: Page, li: Selector, item: Selector, sticky: bool) -> Link | None:
    tid = item.attrib.get("tid", "")
    url = absolute(page.url, item.attrib.get("href") or f"/p/{tid}")
    if not tid.isdigit() or not url:
        return None
    replies = to_int(li.css(".btn_reply .btn_icon::text").get()) or 0
    spans = item.css(".ti_title span:not(.ti_title_icon)")
    title = squash(spans[-1].xpath("string()").get()) if spans else ""
    meta = {
        "tid": tid,
        "title": title or squash(item.css(".ti_title").xpath("string()").get()),
        "replies": replies,
        "author": squash(li.css(".ti_author").xpath("string()").get()),
        "published_text": squash(li.css(".ti_time::text").get()),
        "sticky": sticky,
    }
    return Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta)


def bar_info(text: str, sel: Selector) -> dict[str, object]:
    """The bar's name, followers and post count as the page shows them (PC card or mobile)."""
    name = squash(sel.css(".card_title_fname::text").get())
    found = _FORUM_NAME.search(text)
    if not name and found:
        try:
            name = json.loads(f'"{found.group(2)}"') + "吧"
        except ValueError:
            name = found.group(2) + "吧"
    title = squash(sel.css("title::text").get())
    name = name or title.split("_百度贴吧")[0].split("-百度贴吧")[0]
    labels = [squash(t).rstrip("：:") for t in sel.css(".info_label::text").getall()]
    values = [squash(t) for t in sel.css(".info_value::text").getall()]
    shown = dict(zip(labels, values, strict=False))
    members = sel.css(".card_menNum::text").get() or shown.get("关注")
    posts = sel.css(".card_infoNum::text").get() or shown.get("贴子") or shown.get("帖子")
    return {"bar": name, "members": count(members), "posts": count(posts)}


def count(text: str | None) -> int | None:
    """ "117,453" -> 117453, "14.6W" -> 146000, "657.1万" -> 6571000."""
    text = squash(text).replace(",", "")
    m = re.match(r"(\d+(?:\.\d+)?)\s*([WwK万亿]?)", text)
    if not m:
        return None
    return round(float(m.group(1)) * _SCALE.get(m.group(2).upper(), 1))
