"""Discuz! forums (the engine behind most Chinese forums): board index, thread lists
(``forumdisplay``), threads (``viewthread``) and ``showmessage`` notice pages.

Two page versions, each a page object picked by its markers (see
:class:`opinion_spiders.adapters.VersionedAdapter`): :class:`DiscuzX3Page` (X3.x templates,
``forum.php?mod=…`` or rewritten ``thread-TID-1-1.html``) and :class:`Discuz7Page` (Discuz! 6/7,
``viewthread.php``, mostly GBK). Both generations share their floors' ids and the board index;
they differ in their thread-list rows and in the markup that tells them apart.
"""

from __future__ import annotations

import copy
import functools
import re

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import css2xpath

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, PageVersion, Parsed, VersionedAdapter
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.reading.named import element_by_id, first_by_id, has_id
from plugins._board_list import board_links as generic_board_links
from plugins._discuz_old import (
    LISTING_IDS,
    board_name,
    declared_version,
    listing_info,
    old_thread_link,
    old_tid,
    page_kind,
    thread_counts,
    version_marks,
)
from plugins._discuz_old import index_info as index_info  # a board index's figures, for tools
from plugins._html import (
    STRING,
    absolute,
    node_text,
    query_param,
    squash,
    title_or_text,
    to_int,
    without_fragment,
)
from plugins._notice import detect_notice as detect_notice  # shared by every engine
from plugins._notice import notices_first

#: Discuz! names the first floors instead of numbering them.
FLOOR_NAMES = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}
_TOUCH_FLOORS = "//div[contains(concat(' ', @class, ' '), ' plc ')][starts-with(@id, 'pid')]"
#: Inside a post body: quoted replies, "本帖最后由 … 编辑", anti-copy noise, attachment boxes.
BODY_NOISE = (
    ".//div[contains(@class,'quote')] | .//i[contains(@class,'pstatus')]"
    " | .//font[contains(@class,'jammer')] | .//span[contains(@style,'display:none')]"
    " | .//ignore_js_op | .//div[contains(@class,'attach_nopermission')]"
    " | .//div[contains(@class,'signatures')] | .//div[@class='sign']"
)
AUTHOR = (
    ".authi a.xw1, .authi a[href*='uid='], td.postauthor .postinfo a[href*='uid='],"
    " td.postauthor cite a[href*='uid=']"
)
NEXT_PAGE = "div.pg a.nxt::attr(href), div.pages a.next::attr(href)"
_BOARD_HREF = re.compile(
    r"(?:mod=forumdisplay&(?:amp;)?fid=(\d+)$|forum-(\d+)-1\.html$|forumdisplay\.php\?fid=(\d+)$)"
)
_THREAD_URL = re.compile(r"thread-(\d+)-(\d+)-\d+\.html")
_SEARCH_TID = re.compile(r"(?:[?&]tid=|thread-)(\d+)")
_GENERATOR = re.compile(r"Discuz!\s*(X?\d)", re.I)
_ARCHIVER_URL = re.compile(r"/archiver/(?:\?|index\.php\?)?(?:tid|fid)-\d+\.html")
_ARCHIVER_TID = re.compile(r"/archiver/(?:\?|index\.php\?)?tid-(\d+)\.html")
_ARCHIVER_FID = re.compile(r"/archiver/(?:\?|index\.php\?)?fid-(\d+)\.html")
#: A 6/7 post body: ``<td class="t_msgfont" id="postmessage_PID">`` (6: a ``div``).
_OLD_BODY = re.compile(
    r"""<(?:td|div)\b[^>]*(?:class="t_msgfont"[^>]*id="postmessage_\d+|id="postmessage_\d+"[^>]*class="t_msgfont)"""
)
#: Elements of either id, bound as XPath variables: a CSS selector spelled with each post's id
#: (``#postnum_PID``) would be translated to XPath anew for every post. (One id:
#: :func:`~opinion_spiders.reading.named.element_by_id`, from the page's table of ids.)
_BY_IDS = "descendant-or-self::*[@id = $id or @id = $other]"
_POSTED = re.compile(r"发表于\s*(\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)")


def _has_class(name: str) -> str:
    """An XPath test for a class, as parsel translates ``.name``."""
    return (f"@class and contains(@class, '{name}')"
            f" and contains(concat(' ', normalize-space(@class), ' '), ' {name} ')")  # fmt: skip


#: The floor queries, compiled once (the CSS ones translated as parsel translates them).
_X_BY_IDS = etree.XPath(_BY_IDS)
_X_AUTHOR = etree.XPath(
    # AUTHOR's four parts in two walks of the floor (the same elements, in page order): each
    # part of a CSS group is a walk of its own, and the floor holds the post's whole text
    f"descendant-or-self::*[{_has_class('authi')}]/descendant::a[{_has_class('xw1')}"
    " or @href and contains(@href, 'uid=')]"
    f" | descendant-or-self::td[{_has_class('postauthor')}]/descendant::*[{_has_class('postinfo')}"
    " or self::cite]/descendant::a[@href and contains(@href, 'uid=')]"
)
_X_POSTINFO = etree.XPath(css2xpath(".postinfo"))
_X_EM_TEXT = etree.XPath(css2xpath("em::text"), smart_strings=False)
#: An X3 thread-list row's queries (a board's page has ~50 rows), compiled once. The poster's
#: (``td.by cite a``) are asked of the row: their first answer is the first ``td.by``'s.
_X_ROW_TITLE = etree.XPath(css2xpath("a.xst"))
_X_ROW_REPLIES = etree.XPath(css2xpath("td.num a.xi2::text"), smart_strings=False)
_X_ROW_VIEWS = etree.XPath(css2xpath("td.num em::text"), smart_strings=False)
_X_ROW_BY = etree.XPath(css2xpath("td.by"))
_X_ROW_AUTHOR = etree.XPath(css2xpath("td.by cite a::text"), smart_strings=False)
_X_ROW_AUTHOR_HREF = etree.XPath(css2xpath("td.by cite a::attr(href)"), smart_strings=False)
_X_EM = etree.XPath(css2xpath("em"))


def _first(found: list[str]) -> str | None:
    return found[0] if found else None


class DiscuzPage(PageVersion):
    """What both generations share: notices, the page kind, the board index and the floors of
    a thread. A version adds how it recognises itself and how it reads a thread-list row."""

    @notices_first
    def parse(self, page: Page) -> Parsed:
        kind = page_kind(page.selector, page.role)
        if kind == "thread":
            return self.parse_thread(page)
        if kind == "listing":
            return Parsed(links=self.listing_links(page))
        return Parsed(links=self.board_links(page))

    def thread_link(self, page: Page, row: Selector) -> Link | None:  # pragma: no cover
        """One ``tbody`` row of the version's thread list."""
        raise NotImplementedError

    def board_links(self, page: Page) -> list[Link]:
        """Board index: one listing link per board (``forumdisplay`` or ``forum-N-1.html``)."""
        seen: dict[str, Link] = {}
        for a in page.selector.xpath("//a[@href]"):
            href = a.attrib["href"].strip()
            m = _BOARD_HREF.search(href)
            name = squash(a.xpath("string()").get())
            if not m:
                continue
            fid = m.group(1) or m.group(2) or m.group(3)
            link = seen.get(fid)
            if link is None:
                url = absolute(page.url, href) or href
                seen[fid] = Link(url, "listing", meta={"board": name, "fid": fid})
            elif name and not link.meta["board"]:
                link.meta["board"] = name
        return list(seen.values())

    def listing_links(self, page: Page) -> list[Link]:
        """Thread list: a keyed link per thread (state = reply count) and the next page, whose
        meta carries the board's figures (name, threads, today, pages)."""
        sel = page.selector
        rows = sel.xpath(
            "//tbody[starts-with(@id,'stickthread_') or starts-with(@id,'normalthread_')]"
        )
        if not rows and (hits := sel.css("li.pbw")):  # search.php's results
            return search_links(page, hits)
        if not rows and not has_id(sel, *LISTING_IDS):
            # a template of the site's own or the touch one (``mobile=2``): its rows as any
            # board's rows are read
            if links := touch_links(page):
                return links
            raise ParseError("no_threads", f"no Discuz! thread list on {page.url}")
        info = listing_info(sel)
        links = [link for row in rows if (link := self.thread_link(page, row))]
        for link in links:
            link.meta.update(forum=info["forum"], version=self.name)
        nxt = absolute(page.url, sel.css(NEXT_PAGE).get())
        if nxt:
            links.append(Link(nxt, "listing", meta=info))
        return links

    def parse_thread(self, page: Page) -> Parsed:
        """A thread page: one post per floor, and the next page of the thread."""
        sel = page.selector
        subject = first_by_id(sel, "thread_subject")
        title = squash(subject.xpath("string()").get()) if subject is not None else ""
        title = title or squash(
            sel.css("h1.ts, #threadtitle h1, div.viewthread > h1").xpath("string()").get()
        )
        title = title or page.meta.get("title", "")
        tid = self.thread_id(page)
        board = board_name(sel)
        posts = []
        for node in floor_blocks(sel):
            post = self.floor(page, node, title, tid)
            if post is not None:
                post.source = board
                posts.append(post)
        if not posts:
            raise ParseError("no_posts", f"no Discuz! floors on {page.url}")
        views, replies = thread_counts(sel)
        if posts[0].floor == 1:
            posts[0].views, posts[0].replies = views, replies
        links = []
        nxt = absolute(page.url, sel.css(NEXT_PAGE).get())
        if nxt:
            links.append(Link(nxt, "thread", meta=dict(page.meta)))
        return Parsed(posts=posts, links=links)

    def floor(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        """One ``div#post_PID`` (6/7: ``table#pidPID``); None for wrappers that are not floors
        (or blocked floors). Read on the lxml element with compiled queries: a parsel query
        costs more than its evaluation on a floor, and a page has up to ~20 floors of ~10."""
        el = node.root
        pid = el.get("id", "").removeprefix("post_").removeprefix("pid")
        body = element_by_id(el, f"postmessage_{pid}") if pid.isdigit() else None
        if body is None:
            return None
        author = _X_AUTHOR(el)
        href = author[0].get("href", "") if author else ""
        return Post(
            site=page.site.name,
            kind=self.adapter.kind,
            url=f"{_page_url(page.url)}#pid{pid}",
            title=title,
            content=node_text(body, BODY_NOISE),
            author=squash(STRING(author[0])) if author else "",
            author_id=_user_id(page.url, href),
            thread_id=tid,
            post_id=pid,
            floor=self.floor_number(node, pid),
            published_text=self.posted(node, pid),
            adapter=self.adapter.engine,
            adapter_version=self.name,
        )

    @staticmethod
    def floor_number(node: Selector, pid: str) -> int | None:
        label = _X_BY_IDS(node.root, id=f"postnum{pid}", other=f"postnum_{pid}")
        if not label:
            return None
        number = next((t for el in label for t in _X_EM_TEXT(el)), None)
        text = squash(STRING(label[0]))
        return to_int(number) if number else FLOOR_NAMES.get(text, to_int(text))

    @staticmethod
    def posted(node: Selector, pid: str) -> str:
        """The post time: the absolute ``title`` of a relative one, else the text after 发表于."""
        em = element_by_id(node.root, f"authorposton{pid}")
        if em is None:
            info = _X_POSTINFO(node.root)
            shown = _POSTED.search(squash(STRING(info[0]) if info else ""))
            return shown.group(1) if shown else ""
        return title_or_text(em).removeprefix("发表于").strip()

    @staticmethod
    def thread_id(page: Page) -> str | None:
        tid = query_param(page.url, "tid") or query_param(page.url, "ptid")
        m = _THREAD_URL.search(page.url)
        if not tid and m:
            tid = m.group(1)
        if not tid:
            href = page.selector.css("a[id^=postnum]::attr(href)").get() or ""
            tid = query_param(absolute(page.url, href) or "", "ptid") or old_tid(href)
        return tid or page.meta.get("tid")


@functools.lru_cache(maxsize=64)
def _page_url(url: str) -> str:
    """The page's URL without its fragment, once for its floors."""
    return without_fragment(url)


@functools.lru_cache(maxsize=1024)
def _user_id(page_url: str, href: str) -> str | None:
    """The ``uid`` of a poster's link on a page: a thread's posters recur floor after floor."""
    return query_param(absolute(page_url, href.replace("&amp;", "&")) or "", "uid")


class DiscuzX3Page(DiscuzPage):
    """Discuz! X3.x: ``div#post_PID`` floors with ``t_f`` bodies, ``a.xst`` thread rows. The
    version a page is taken for unless something says otherwise."""

    name = "x3"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 1.0 if declared_version(text) == "x3" else 0.5

    def thread_link(self, page: Page, row: Selector) -> Link | None:
        """One ``tbody`` row of an X3 thread list; a relative time gives way to its ``title``."""
        el = row.root
        tid = el.get("id", "").rpartition("_")[2]
        title = _X_ROW_TITLE(el)
        url = absolute(page.url, title[0].get("href")) if title else None
        if not url or not tid.isdigit():
            return None
        replies = to_int(_first(_X_ROW_REPLIES(el))) or 0
        by = _X_ROW_BY(el)
        em = _X_EM(by[0]) if by else []
        href = _first(_X_ROW_AUTHOR_HREF(el)) or ""
        meta = {
            "tid": tid,
            "title": squash(STRING(title[0])),
            "replies": replies,
            "views": to_int(_first(_X_ROW_VIEWS(el))),
            "author": squash(_first(_X_ROW_AUTHOR(el))) if by else "",
            "author_id": query_param(href.replace("&amp;", "&"), "uid"),
            "published_text": title_or_text(em[0]) if em else "",
            "shown_text": squash(STRING(em[0])) if em else "",
            "sticky": el.get("id", "").startswith("stick"),
        }
        return Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta)


class Discuz7Page(DiscuzPage):
    """Discuz! 6/7 (``viewthread.php``, mostly GBK): ``t_msgfont`` bodies, ``td.postauthor``
    cells, ``table#pidPID`` floors (6 has no ``div#post_PID`` around them), ``td.nums`` rows."""

    name = "7"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 1.0 if version_marks(text, url) == "7" else 0.0

    def thread_link(self, page: Page, row: Selector) -> Link | None:
        return old_thread_link(page, row)


class DiscuzTouchPage(PageVersion):
    """Discuz! X3's touch template (``mobile=2``, what a phone is served, lighter and less
    guarded than the desktop pages): ``div.plc#pidPID`` floors, each with its poster and
    floor in ``ul.authi`` (``楼主``, ``沙发``, ``3#``), its time in ``li.rela`` (a relative one
    in a ``title``) and its text in ``div.message``; a board's threads in plain lists, read
    as any board's rows are (:mod:`plugins._board_list`)."""

    name = "x3-touch"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if 'class="plc' in text and 'class="authi"' in text:
            return 1.0
        return 0.8 if re.search(r"[?&]mobile=2\b", url) else 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        floors = page.selector.xpath(_TOUCH_FLOORS)
        if not floors:
            links = touch_links(page)
            if not links:
                raise ParseError("no_threads", f"no Discuz! touch thread list on {page.url}")
            return Parsed(links=links)
        sel = page.selector
        title = squash(sel.css("div.view_tit, h2.tit").xpath("string()").get())
        title = title or squash(sel.css("title::text").get()).split(" - ")[0]
        tid = DiscuzPage.thread_id(page)
        posts = [post for node in floors if (post := self.floor(page, node, title, tid))]
        if not posts:
            raise ParseError("no_posts", f"no Discuz! floors on {page.url}")
        nxt = absolute(page.url, sel.css("div.pg a.nxt::attr(href), a.nxt::attr(href)").get())
        links = [Link(nxt, "thread", meta=dict(page.meta))] if nxt else []
        return Parsed(posts=posts, links=links)

    def floor(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        pid = node.attrib.get("id", "").removeprefix("pid")
        body = node.css("div.message")
        if not pid.isdigit() or not body:
            return None
        author = node.css("ul.authi b a, ul.authi a[href*='uid=']")
        href = author.attrib.get("href", "") if author else ""
        label = squash(node.css("ul.authi em").xpath("string()").get())
        shown = node.css("ul.authi li.rela")
        return Post(
            site=page.site.name, kind=self.adapter.kind,
            url=f"{without_fragment(page.url)}#pid{pid}", title=title,
            content=node_text(body[0], BODY_NOISE),
            author=squash(author[0].xpath("string()").get()) if author else "",
            author_id=query_param(absolute(page.url, href) or "", "uid"),
            thread_id=tid, post_id=pid,
            floor=FLOOR_NAMES.get(label, to_int(label)) if label else None,
            published_text=title_or_text(shown[0]) if shown else "",
            adapter=self.adapter.engine, adapter_version=self.name,
        )  # fmt: skip


class DiscuzArchiverPage(PageVersion):
    """Discuz!'s Archiver (``archiver/?tid-TID.html``, ``archiver/tid-TID.html``: the plain
    pages it serves search engines, X3 and 6/7 alike): the thread's ``h1``, then each post as a
    ``p.author`` line (``<strong>poster</strong> 发表于 2024-5-12 10:14``) followed by the
    post's text, loose in ``div#content`` up to the next such line; a board's page lists its
    threads as ``?tid-TID.html`` links."""

    name = "archiver"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if _ARCHIVER_URL.search(url) or "Discuz! Archiver" in text[:3000]:
            return 1.0
        return 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        content = page.selector.css("#content")
        heads = content.css("p.author") if content else []
        if not heads:
            links = archiver_links(page)
            if not links:
                raise ParseError("no_posts", f"no Discuz! Archiver posts or threads on {page.url}")
            return Parsed(links=links)
        title = squash(content.css("h1").xpath("string()").get())
        tid = _ARCHIVER_TID.search(page.url)
        posts = []
        for floor, head in enumerate(heads, 1):
            shown = squash(STRING(head.root))
            author = squash(head.css("strong").xpath("string()").get())
            post = Post(
                site=page.site.name, kind=self.adapter.kind,
                url=f"{without_fragment(page.url)}#floor-{floor}", title=title,
                content=node_text(_said_after(head.root)), author=author,
                thread_id=tid.group(1) if tid else None, post_id=f"floor-{floor}",
                floor=floor, published_text=shown.partition("发表于")[2].strip(),
                adapter=self.adapter.engine, adapter_version=self.name,
            )  # fmt: skip
            posts.append(post)
        return Parsed(posts=posts)


def _said_after(head: etree._Element) -> etree._Element:
    """What follows a post's ``p.author`` line up to the next one, in a box of its own: the
    line's tail, then copies of the siblings after it (each with its tail)."""
    box = etree.Element("div")
    box.text = head.tail
    for el in head.itersiblings():
        if el.tag == "p" and "author" in (el.get("class") or "").split():
            break
        box.append(copy.deepcopy(el))
    return box


def archiver_links(page: Page) -> list[Link]:
    """An Archiver board's threads (``?tid-TID.html``), keyed as the board's own list keys
    them, and its boards and pages (``?fid-FID.html``, ``?fid-FID.html&page=2``)."""
    links: dict[str, Link] = {}
    for a in page.selector.css("#content a[href], div.page a[href]"):
        url = absolute(page.url, a.attrib["href"])
        if not url or url in links:
            continue
        if m := _ARCHIVER_TID.search(url):
            title = squash(a.xpath("string()").get())
            links[url] = Link(url, "thread", key=f"thread:{m.group(1)}", meta={"title": title})
        elif _ARCHIVER_FID.search(url):
            links[url] = Link(url, "listing")
    return list(links.values())


class DiscuzAdapter(VersionedAdapter):
    """Discuz! forums: the engine answers "is this page Discuz!?", its versions the rest."""

    engine = "discuz"
    kind = "forum"
    version = "x3"
    page_versions = (DiscuzArchiverPage, DiscuzX3Page, Discuz7Page, DiscuzTouchPage)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        head = text[:30000]
        if "generator" in head and _GENERATOR.search(head):
            return 0.95
        if "Powered by Discuz!" in text or "discuz_uid" in head or "tipsinfo" in text[-4000:]:
            return 0.9
        if _OLD_BODY.search(text):
            return 0.8
        if re.search(r"(forum\.php\?mod=|viewthread\.php\?tid=|thread-\d+-\d+-\d+\.html)", url):
            return 0.5
        return 0.0


def touch_links(page: Page) -> list[Link]:
    """A board's threads read as any board's rows are (:mod:`plugins._board_list`), each
    keyed by its thread id as the board's own list keys it."""
    links = generic_board_links(page)
    for link in links:
        tid = query_param(link.url, "tid") or old_tid(link.url)
        if link.role == "thread" and tid:
            link.key = f"thread:{tid}"
    return links


def search_links(page: Page, hits: SelectorList[Selector]) -> list[Link]:
    """``search.php``'s results (``li.pbw``): each thread found, keyed by thread with its reply
    count (``3 个回复``) as state — as the board's list keys it —, and the next page."""
    links = []
    for hit in hits:
        url = absolute(page.url, hit.css("h3 a::attr(href)").get())
        tid = _SEARCH_TID.search(url or "")
        if not url or not tid:
            continue
        counts = squash(hit.css("p.xg1").xpath("string()").get())
        replies = to_int(counts.split("回复")[0]) if "回复" in counts else None
        meta = {
            "tid": tid.group(1),
            "title": squash(hit.css("h3 a").xpath("string()").get()),
            "author": squash(hit.css("a[href*='uid=']").xpath("string()").get()),
            "search": page.meta.get("search", ""),
        }
        links.append(Link(url, "thread", key=f"thread:{tid.group(1)}", state=str(replies or 0),
                          meta=meta))  # fmt: skip
    nxt = absolute(page.url, page.selector.css(NEXT_PAGE).get())
    if nxt:
        links.append(Link(nxt, "listing", meta={"search": page.meta.get("search", "")}))
    return links


def floor_blocks(sel: Selector) -> list[Selector]:
    """The block of each floor, in page order: X3 and 7 wrap a floor in ``div#post_PID``,
    6 (and 7 styles without the wrapper) has only ``table#pidPID`` around it."""
    blocks = sel.xpath("//div[starts-with(@id,'post_')]")
    if any(element_by_id(b.root, f"postmessage_{b.attrib['id'][5:]}") is not None for b in blocks):
        return list(blocks)
    return list(sel.xpath("//table[starts-with(@id,'pid')]"))


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [DiscuzAdapter]
