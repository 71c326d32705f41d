"""Discuz! 6/7 markup (``forumdisplay.php`` / ``viewthread.php``, usually GBK) and the parts of
a Discuz! page both generations share: version markers, page-type markers, board statistics.

Kept apart from the X3 adapter so each generation's selectors stay readable side by side.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from opinion_spiders.adapters import Link, Page
from opinion_spiders.reading.named import element_by_id, has_id
from plugins._html import STRING, absolute, query_param, squash, title_or_text, to_int

_GENERATOR = re.compile(
    r"""<meta[^>]+name=["']generator["'][^>]+content=["']Discuz!\s*([^"']+)""", re.I
)
_TIPS = re.compile(r"tipsinfo\s*=\s*'[^|']*\|(X[\d.]+)\|")
_OLD_TID = re.compile(r"(?:viewthread\.php\?tid=|thread-)(\d+)")
_COUNT = re.compile(r"(查看|阅读|回复|主题|今日|帖子)\s*[:：]?\s*(\d[\d,]*)")
_COUNT_AFTER = re.compile(r"(\d[\d,]*)\s*(主题|回复)")
_PAGES = re.compile(r"(?:共|/)\s*(\d+)\s*页")

#: What marks a thread page: one of these ids, or a post body's id (``postmessage_PID``).
THREAD_IDS = ("postlist", "thread_subject", "threadtitle")
_POST_BODY = etree.XPath("boolean(descendant-or-self::*[starts-with(@id, 'postmessage_')])")
#: What marks a thread list: one of these ids, or a row's (``normalthread_TID`` …).
LISTING_IDS = ("threadlisttableid", "threadlist")
_LIST_ROW = etree.XPath(
    "boolean(descendant-or-self::tbody"
    "[starts-with(@id, 'normalthread_') or starts-with(@id, 'stickthread_')])"
)


#: Markup only the 6/7 templates have: X3 names its post body ``t_f`` and its lists differently.
OLD_MARKERS = (
    "td.postauthor, div.mainbox, table.datatable, div.pages_btns, .t_msgfont, table.t_msg,"
    " [id^=postnum_]"
)
_OLD_URL = re.compile(r"/(?:viewthread|forumdisplay)\.php\?")


def declared_version(text: str) -> str | None:
    """ "x3" or "7" as the generator meta (or X3's ``tipsinfo``) says, else None."""
    found = _GENERATOR.search(text[:20000]) or _TIPS.search(text)
    if found:
        return "x3" if found.group(1).strip().upper().startswith("X") else "7"
    return None


def version_marks(text: str, url: str = "") -> str | None:
    """ "x3" or "7" where the page says which, else None: the declared version first, then
    markup only 6/7 has (``t_msgfont`` post bodies, ``postauthor`` cells …), then a 6/7 URL
    shape."""
    declared = declared_version(text)
    if declared:
        return declared
    sel = Selector(text=text or "<html/>", type="html")
    if sel.css(OLD_MARKERS):
        return "7"
    if _OLD_URL.search(url) and not sel.css(".t_f[id^=postmessage_], #threadlisttableid"):
        return "7"
    return None


def page_kind(sel: Selector, role: str) -> str:
    """ "thread", "listing" or "index" from the page's markers; the link's role breaks ties.
    The ids are looked up in the page's table of ids (most pages have one of them), the
    prefixes by a walk."""
    if has_id(sel, *THREAD_IDS) or _POST_BODY(sel.root):
        return "thread"
    if has_id(sel, *LISTING_IDS) or _LIST_ROW(sel.root):
        return "listing"
    return role if role in ("thread", "listing") else "index"


def listing_info(sel: Selector) -> dict[str, object]:
    """Board name, thread count, today's posts and page count shown above a thread list."""
    name = squash(sel.xpath("string(//h1[contains(@class,'xs2')]/a)").get())
    name = name or squash(sel.xpath("string(//div[@id='forumheader']//h1)").get())
    header = squash(
        sel.xpath("string(//h1[contains(@class,'xs2')]/span | //p[@class='forumstats'])").get()
    )
    counts = {label: to_int(n) for n, label in _COUNT_AFTER.findall(header)}
    counts.update((label, to_int(n)) for label, n in _COUNT.findall(header))
    pager = sel.xpath("(//div[@class='pg'] | //div[@class='pages'])[1]")
    pages = _PAGES.search(squash(pager.xpath("string()").get()))
    last = to_int(pager.css("a.last::text").get()) if pager else None
    return {
        "forum": name,
        "threads": counts.get("主题"),
        "today": counts.get("今日"),
        "pages": int(pages.group(1)) if pages else last,
    }


def thread_counts(sel: Selector) -> tuple[int | None, int | None]:
    """(views, replies) of a thread: X3's ``div.hm``, 6/7's ``threadstats`` line."""
    nums = [to_int(t) for t in sel.css("div.hm span.xi1::text").getall()]
    if len(nums) >= 2:
        return nums[0], nums[1]
    text = squash(sel.xpath("string(//*[contains(@class,'threadstats')])").get())
    counts = {label: to_int(n) for label, n in _COUNT.findall(text)}
    return counts.get("查看") or counts.get("阅读"), counts.get("回复")


#: The board links under the breadcrumb boxes (a node-set handed in as ``$boxes``).
_BOARD_CRUMBS = etree.XPath(
    "$boxes/descendant::a[contains(@href,'forumdisplay') or contains(@href,'forum-')]"
)


def board_name(sel: Selector) -> str:
    """The board a thread sits in: the last board link of the breadcrumb (X3's ``div#pt``,
    6/7's ``div#nav``). The boxes come from the page's table of ids, not a walk of the page
    (where a page repeats an id, the first element bearing it)."""
    found = (element_by_id(sel.root, name) for name in ("pt", "nav"))
    boxes = [box for box in found if box is not None and box.tag == "div"]
    crumbs = _BOARD_CRUMBS(sel.root, boxes=boxes) if boxes else []
    return squash(STRING(crumbs[-1])) if crumbs else ""


def old_thread_link(page: Page, row: Selector) -> Link | None:
    """One ``tbody`` row of a Discuz! 6/7 thread list."""
    tid = row.attrib["id"].rpartition("_")[2]
    title = row.xpath(
        ".//th//span[starts-with(@id,'thread_')]/a | .//th//a[contains(@href,'thread')]"
    )
    url = absolute(page.url, title[0].attrib.get("href")) if title else None
    if not url or not tid.isdigit():
        return None
    nums = row.css("td.nums")
    replies = to_int(nums.css("strong::text").get()) or 0
    author = row.css("td.author")
    href = author.css("cite a::attr(href)").get() or ""
    meta = {
        "tid": tid,
        "title": squash(title[0].xpath("string()").get()),
        "replies": replies,
        "views": to_int(nums.css("em::text").get()),
        "author": squash(author.css("cite a::text").get()) if author else "",
        "author_id": query_param(href.replace("&amp;", "&"), "uid"),
        "published_text": title_or_text(author[0].css("em")[0]) if author.css("em") else "",
        "sticky": row.attrib["id"].startswith("stick"),
    }
    return Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta)


def old_tid(url: str) -> str | None:
    m = _OLD_TID.search(url)
    return m.group(1) if m else None


_DISCUZ_UID = re.compile(r"discuz_uid\s*=\s*'(\d+)'")
_STATS = re.compile(r"(\d+)\s*篇主题.*?今日发帖量?为?\s*(\d+)", re.S)


def index_info(page: Page) -> dict[str, object]:
    """What a board index shows beside its boards: the logged-in member, the site's figures,
    the newest member and the threads it features (hot/digest boxes)."""
    sel = page.selector
    uid = _DISCUZ_UID.search(page.text)
    stats = _STATS.search(squash(" ".join(sel.xpath("//body//text()").getall())))
    threads: dict[str, dict[str, str]] = {}
    for a in sel.xpath("//a[@href]"):
        tid = old_tid(a.attrib["href"]) if "thread" in a.attrib["href"] else None
        title = squash(a.attrib.get("title") or a.xpath("string()").get())
        if tid and title and tid not in threads:
            url = absolute(page.url, a.attrib["href"]) or ""
            threads[tid] = {"tid": tid, "title": title, "url": url}
    return {
        "user": squash(sel.css("strong.vwmy a::text").get()),
        "uid": uid.group(1) if uid and uid.group(1) != "0" else None,
        "threads": int(stats.group(1)) if stats else None,
        "today": int(stats.group(2)) if stats else None,
        "newest_member": squash(
            sel.xpath(
                "string(//a[contains(@href,'username')][preceding::text()[contains(.,'最新注册')]][1])"
            ).get()
        ),
        "featured": list(threads.values()),
    }
