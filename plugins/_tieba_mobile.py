"""Baidu Tieba's mobile site (the m-site): its bar list (``/mo/q/m?kw=`` and
``f?kw=…&mo_device=1``) and its thread pages (``p/TID?…&mo_device=1``, what a phone is served),
both server-rendered, so they still read without a browser when the PC list is a script shell.

In the list, pinned threads sit in ``li.tl_top``, normal ones are ``a.ti_item[tid]`` in
``li.tl_shadow``, and ads are list items without a ``tid`` (labelled 广告); they are dropped.

A thread page's floors are ``ul#pblist > li.post_list_item``: the floor's post id in its
``tid`` attribute and ``data-info`` JSON (``pid``, ``un`` the poster, ``floor_num``: the page
prints no floor number), the poster in ``.list_item_top_name .user_name``, the time in
``span.list_item_time`` (``03-02``, ``18:58``, ``2017-10-11``), the text in ``div.content``, the
opening floor headed by ``div.post_title_embed``. A floor's first replies (楼中楼) are
``li.list_item_floor`` items in its ``div.fr_list`` (``data-info`` ``pid`` and ``un``, the text
``span.floor_content``), and ``a.pb_floow_load`` counts the rest ("还有2条回复"), which the PC
site's fragment serves (see :mod:`plugins._tieba_replies`).
"""

from __future__ import annotations

import json
import re

from parsel import Selector

from opinion_spiders.adapters import Link, Page
from opinion_spiders.items import Post
from plugins._html import absolute, json_attr, node_text, squash, to_int, without_fragment
from plugins._tieba_replies import more_replies, reply_post

MOBILE_MARKERS = "#frslistcontent, li.tl_shadow, a.ti_item[tid]"
#: A floor of the m-site's thread page.
MOBILE_FLOOR = "ul#pblist > li.post_list_item"
_TID = re.compile(r"/p/(\d+)|[?&]tid=(\d+)|\btid:\s*(\d+)")
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


def mobile_floors(
    page: Page, kind: str, engine: str, version: str
) -> tuple[list[Post], list[Link]]:
    """An m-site thread page's floors, each followed by the replies it shows, and a link to
    the fragment with the replies it leaves out."""
    sel = page.selector
    title = squash(sel.css(".post_title_embed").xpath("string()").get())
    title = title or squash(sel.css("title::text").get()).split("_")[0]
    tid = thread_id(page)
    posts: list[Post] = []
    links: list[Link] = []
    for li in sel.css(MOBILE_FLOOR):
        data = json_attr(li.attrib.get("data-info"))
        pid = str(data.get("pid") or li.attrib.get("tid") or "")
        body = li.css("div.content")
        if not pid.isdigit() or not body:  # an ad or a promotion, no floor
            continue
        name = li.css(".list_item_top_name .user_name").xpath("string()").get()
        floor = Post(
            site=page.site.name,
            kind=kind,
            url=f"{without_fragment(page.url)}#{pid}",
            title=title,
            content=node_text(body[0]),
            author=squash(name or str(data.get("un") or "")),
            thread_id=tid,
            post_id=pid,
            floor=to_int(str(data.get("floor_num") or "")),
            published_text=squash(li.css("span.list_item_time").xpath("string()").get()),
            adapter=engine,
            adapter_version=version,
        )
        replies = _replies(page, li, floor)
        posts += [floor, *replies]
        hidden = to_int(li.css("a.pb_floow_load").xpath("string()").get()) or 0
        if more := more_replies(page, floor, len(replies) + hidden, len(replies)):
            links.append(more)
    return posts, links


def _replies(page: Page, li: Selector, floor: Post) -> list[Post]:
    """The replies (楼中楼) a floor shows, each a post in the floor."""
    posts = []
    for item in li.css(".fr_list li.list_item_floor"):
        data = json_attr(item.attrib.get("data-info"))
        spid = str(data.get("pid") or "")
        text = item.css(".floor_content")
        if not spid.isdigit() or not text:
            continue
        name = item.css(".user_name").xpath("string()").get()
        shown = item.css(".list_item_time").xpath("string()").get()
        engine = (floor.adapter or "", floor.adapter_version or "")
        posts.append(reply_post(page, floor, spid, text[0], name or str(data.get("un") or ""),
                                shown, engine))  # fmt: skip
    return posts


def thread_id(page: Page) -> str | None:
    """The thread's id: from the address (``/p/TID``), else a floor's report link
    (``…?tid=TID&pid=…``) or the page's script (``tid: TID``)."""
    for text in (page.url, page.selector.css("a.j_report_btn::attr(href)").get() or "", page.text):
        if m := _TID.search(text):
            return next(g for g in m.groups() if g)
    return None
