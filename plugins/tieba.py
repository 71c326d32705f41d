"""Baidu Tieba post bars: bar thread lists and thread pages, PC and mobile.

Three page versions, each a page object picked by its markers (see
:class:`opinion_spiders.adapters.VersionedAdapter`): :class:`TiebaPcRawPage` ("pc-raw-2019",
server HTML; the bar list hides in commented-out BigPipe pagelets), :class:`TiebaPcRenderedPage`
("pc-rendered-2020", the DOM a browser built: the list is expanded; today's PC list is a script
shell, hence ``render_js``) and :class:`TiebaMobilePage` ("mobile", the m-site list,
server-rendered, and its thread pages, what a phone is served: see :mod:`plugins._tieba_mobile`).
PC thread pages (``p/TID``) carry ``data-field`` JSON on every floor, read alike by every
version, each floor followed by the replies inside it (楼中楼; see :mod:`plugins._tieba_replies`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, PageVersion, Parsed, VersionedAdapter
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import absolute, json_attr, node_text, squash, to_int, without_fragment
from plugins._notice import notices_first
from plugins._tieba_mobile import MOBILE_FLOOR, MOBILE_MARKERS, mobile_floors, mobile_links
from plugins._tieba_mobile import bar_info as bar_info  # a bar's figures, for tools
from plugins._tieba_replies import REPLY, fragment_floor, more_replies, next_fragment, reply_posts
from plugins._tieba_search import RESULTS, search_hits

_FLOOR = re.compile(r"^(\d+)楼$")
_TID = re.compile(r"/p/(\d+)")
_MARKERS = re.compile(r"tieba\.baidu\.com|百度贴吧|PageData\.forum|tb\d\.bdstatic\.com")
RAW, RENDERED, MOBILE = "pc-raw-2019", "pc-rendered-2020", "mobile"


class Marks(NamedTuple):
    """What tells Tieba's page versions apart."""

    thread: bool  # floors (``div.l_post``) or a thread title: a ``p/TID`` page
    doctype: bool  # server HTML starts with its doctype; a DOM saved from a browser does not
    mobile: bool  # the m-site bar list
    mobile_thread: bool  # the m-site's floors (``li.post_list_item``): a phone's thread page
    hidden_list: bool  # thread items only inside commented-out BigPipe pagelets


@lru_cache(maxsize=4)
def page_marks(text: str) -> Marks:
    """The markers of a page (parsed once however many versions ask)."""
    sel = Selector(text=text or "<html/>", type="html")
    items, holder = thread_items(sel)
    return Marks(
        thread=bool(sel.css("div.l_post") or sel.css("h3.core_title_txt")),
        doctype=text.lstrip()[:15].lower().startswith("<!doctype"),
        mobile=bool(sel.css(MOBILE_MARKERS)),
        mobile_thread=bool(sel.css(MOBILE_FLOOR)),
        hidden_list=bool(items) and holder is not sel,
    )


class TiebaPage(PageVersion):
    """What every version shares: notices, and thread pages (``p/TID``), whose floors carry
    their ``data-field`` JSON. A version adds how it is marked and where its bar list is."""

    @notices_first
    def parse(self, page: Page) -> Parsed:
        marks = page_marks(page.text)
        if marks.thread or marks.mobile_thread or page.role == "thread":
            return self.parse_thread(page)
        if page.selector.css(RESULTS):  # the bar's search: the threads a word was found in
            return Parsed(links=search_hits(page))
        return Parsed(links=self.listing_links(page))

    def listing_links(self, page: Page) -> list[Link]:  # pragma: no cover - abstract
        """The version's bar list: a keyed link per thread (state = reply count)."""
        raise NotImplementedError

    def parse_thread(self, page: Page) -> Parsed:
        """A thread page: one post per ``div.l_post`` floor (ads have no JSON and are skipped),
        each followed by the replies inside it (楼中楼) the page holds, with a link to the
        rest; or a page of one floor's replies (see :mod:`plugins._tieba_replies`)."""
        sel = page.selector
        if not sel.css("div.l_post") and sel.css(REPLY):
            return self.parse_replies(page)
        heading = sel.css("h3.core_title_txt, h1.core_title_txt")
        title = (
            squash(heading.attrib.get("title") or heading.xpath("string()").get())
            if heading
            else ""
        )
        title = title or page.meta.get("title", "")
        posts, links = [], []
        for node in sel.css("div.l_post"):
            data = json_attr(node.attrib.get("data-field"))
            post = self.floor(page, node, title, data)
            if post is None:
                continue
            replies = reply_posts(page, node, post, self.adapter.engine, self.name)
            posts += [post, *replies]
            count = to_int(str((data.get("content") or {}).get("comment_num") or "")) or 0
            if more := more_replies(page, post, count, len(replies)):
                links.append(more)
        if not posts:
            raise ParseError("no_posts", f"no Tieba floors on {page.url}")
        counts = [to_int(t) for t in sel.css("li.l_reply_num span.red::text").getall()]
        if posts[0].floor == 1:
            posts[0].replies = counts[0] if counts else None
        pages = counts[1] if len(counts) > 1 else None
        meta = {**page.meta, "pages": pages}
        pager = [Link(url, "thread", meta=meta) for url in next_page(page)]
        return Parsed(posts=posts, links=pager + links)

    def parse_replies(self, page: Page) -> Parsed:
        """A page of one floor's replies (``/p/comment``): its replies and its next page."""
        floor = fragment_floor(page, self.adapter.kind)
        posts = reply_posts(page, page.selector, floor, self.adapter.engine, self.name)
        if not posts:
            raise ParseError("no_posts", f"no Tieba replies on {page.url}")
        return Parsed(posts=posts, links=next_fragment(page, floor))

    def floor(self, page: Page, node: Selector, title: str, data: dict[str, Any]) -> Post | None:
        """One floor from its ``data-field`` (``data``) and its body."""
        author: dict[str, Any] = data.get("author") or {}
        content: dict[str, Any] = data.get("content") or {}
        pid = str(content.get("post_id") or "")
        if not pid:
            return None
        body = node.css(f"#post_content_{pid}") or node.css(".d_post_content")
        floor_no, shown = tail_info(node)
        tid = content.get("thread_id") or _first_tid(page.url)
        return Post(
            site=page.site.name,
            kind=self.adapter.kind,
            url=f"{without_fragment(page.url)}#{pid}",
            title=title,
            content=node_text(body[0]) if body else "",
            author=squash(author.get("user_name") or author.get("name") or ""),
            author_id=str(author["user_id"]) if author.get("user_id") else None,
            thread_id=str(tid) if tid else None,
            post_id=pid,
            floor=to_int(str(content.get("post_no") or "")) or floor_no,
            published_text=squash(content.get("date") or "") or shown,
            adapter=self.adapter.engine,
            adapter_version=self.name,
        )


class TiebaPcRenderedPage(TiebaPage):
    """The DOM a browser built (2020 on): the bar list expanded in ``li.j_thread_list`` items,
    a thread page without its doctype. Taken unless another version recognises the page."""

    name = RENDERED

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 0.5

    def listing_links(self, page: Page) -> list[Link]:
        """Bar list: a keyed link per thread (state = reply count) and the next page."""
        sel = page.selector
        if not sel.css("li.j_thread_list, #thread_list[data-rendered]"):
            raise ParseError(
                "not_rendered", f"no thread list on {page.url}; bar pages need render_js"
            )
        return pc_links(page, sel, bar_info(page.text, sel), self.name)


class TiebaPcRawPage(TiebaPage):
    """Server HTML (2019): a thread page as served (doctype first), or a bar page whose list
    hides in BigPipe pagelets (``<code class="pagelet_html"><!-- … --></code>``)."""

    name = RAW

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        marks = page_marks(text)
        return 1.0 if (marks.doctype if marks.thread else marks.hidden_list) else 0.0

    def listing_links(self, page: Page) -> list[Link]:
        """Bar list from the un-commented pagelets, the bar's figures from both."""
        _items, holder = thread_items(page.selector)
        info = bar_info(page.text, page.selector)
        info.update((k, v) for k, v in bar_info("", holder).items() if v)
        return pc_links(page, holder, info, self.name)


class TiebaMobilePage(TiebaPage):
    """The m-site, server-rendered: its bar list (``/mo/q/m?kw=``, ``f?kw=…&mo_device=1``) and
    its thread pages (``p/TID?…&mo_device=1``: ``ul#pblist`` floors, no ``data-field``)."""

    name = MOBILE

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        marks = page_marks(text)
        return 1.0 if marks.mobile_thread or (marks.mobile and not marks.thread) else 0.0

    def listing_links(self, page: Page) -> list[Link]:
        return mobile_links(page)

    def parse_thread(self, page: Page) -> Parsed:
        """A phone's thread page: its floors, each followed by the replies it shows, and a
        link to each floor's fragment with the rest (a fragment's page reads as on the PC)."""
        if not page_marks(page.text).mobile_thread:
            return super().parse_thread(page)
        posts, links = mobile_floors(page, self.adapter.kind, self.adapter.engine, self.name)
        if not posts:
            raise ParseError("no_posts", f"no Tieba floors on {page.url}")
        return Parsed(posts=posts, links=links)


class TiebaAdapter(VersionedAdapter):
    """Tieba post bars; the PC bar list needs a browser, thread pages do not."""

    engine = "tieba"
    kind = "postbar"
    version = RENDERED
    page_versions = (TiebaPcRawPage, TiebaPcRenderedPage, TiebaMobilePage)
    render_js = True

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        hits = len(set(_MARKERS.findall(text[:60000] + " " + url)))
        return min(0.95, 0.3 * hits)


def pc_links(page: Page, holder: Selector, info: dict[str, object], version: str) -> list[Link]:
    """A PC bar list's threads (keyed, state = reply count) and its next page."""
    links = [link for li in holder.css("li.j_thread_list") if (link := thread_link(page, li))]
    for link in links:
        link.meta.update(bar=info["bar"], version=version)
    nxt = absolute(page.url, holder.css("a.next::attr(href)").get())
    if nxt:
        links.append(Link(nxt, "listing", render_js=True, meta=info))
    return links


def thread_link(page: Page, li: Selector) -> Link | None:
    data = json_attr(li.attrib.get("data-field"))
    tid = str(data.get("id") or li.attrib.get("data-tid") or "")
    title = li.css("a.j_th_tit")
    url = absolute(page.url, title.attrib.get("href") if title else f"/p/{tid}")
    if not tid.isdigit() or not url:
        return None
    replies = to_int(str(data.get("reply_num", ""))) or 0
    author = data.get("author_name") or li.css(".threadlist_author .frs-author-name::text").get()
    meta = {
        "tid": tid,
        "title": squash(title.attrib.get("title") or title.xpath("string()").get())
        if title
        else "",
        "replies": replies,
        "author": squash(author),
        "sticky": bool(data.get("is_top")) or bool(li.css(".icon-top, .j_icon_top")),
        "good": bool(data.get("is_good")),
        "last_reply_text": squash(li.css(".threadlist_reply_date::text").get()),
    }
    return Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta)


def next_page(page: Page) -> list[str]:
    """The "下一页" link of a thread's pager (at most one)."""
    for a in page.selector.css("li.l_pager a"):
        if squash(a.xpath("string()").get()) == "下一页":
            url = absolute(page.url, a.attrib.get("href"))
            return [url] if url else []
    return []


def thread_items(sel: Selector) -> tuple[list[Selector], Selector]:
    """``li.j_thread_list`` items and the selector holding them: the page, or its
    commented-out BigPipe pagelets (raw server HTML of older bar pages)."""
    items = sel.css("li.j_thread_list")
    if items:
        return list(items), sel
    hidden = sel.xpath("//code[contains(@class,'pagelet_html')]/comment()").getall()
    chunks = [c.removeprefix("<!--").removesuffix("-->") for c in hidden]
    inner = Selector(text="\n".join(chunks) or "<html/>", type="html")
    return list(inner.css("li.j_thread_list")), inner


def tail_info(node: Selector) -> tuple[int | None, str]:
    """(floor number, time text) from ``span.tail-info``: "7楼", "2018-08-13 07:03", "来自…"."""
    floor_no, shown = None, ""
    for span in node.css("span.tail-info"):
        text = squash(span.xpath("string()").get())
        m = _FLOOR.match(text)
        if m:
            floor_no = int(m.group(1))
        elif text and not text.startswith("来自"):
            shown = text
    return floor_no, shown


def _first_tid(url: str) -> str | None:
    m = _TID.search(url)
    return m.group(1) if m else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [TiebaAdapter]
