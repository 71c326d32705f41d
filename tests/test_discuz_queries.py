"""The Discuz! reader's whole-floor and whole-page queries written for speed must find what the
plain queries they stand for find: the poster's link (``AUTHOR``, a CSS group of four, read in
two walks of the floor) and the board of a thread (the breadcrumb's boxes taken from the
page's table of ids, not a walk of the page) — on the real pages the tests keep, and where
the shapes part: nested boxes, a link matched twice, ids on other elements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from opinion_spiders.adapters import Link, Page
from opinion_spiders.sites import Site
from plugins import discuz
from tests._proc import ROOT

# the reader's helpers, as the Discuz! module holds them (its private modules are its own)
board_name, absolute, query_param = discuz.board_name, discuz.absolute, discuz.query_param
squash, title_or_text, to_int = discuz.squash, discuz.title_or_text, discuz.to_int

PAGES = sorted(
    path
    for folder in ("pages", "reading_pages")
    for path in (ROOT / "tests" / folder).rglob("*.html")
)
#: What the reader's queries stand for, as written before they were made fast.
_AUTHOR_GROUP = etree.XPath(css2xpath(discuz.AUTHOR))
_BOARD_WALK = (
    "//div[@id='pt' or @id='nav']//a[contains(@href,'forumdisplay') or contains(@href,'forum-')]"
)


def _walked_board(sel: Selector) -> str:
    crumbs = sel.xpath(_BOARD_WALK)
    return squash(crumbs[-1].xpath("string()").get()) if crumbs else ""


def _page(path) -> Selector:
    return Selector(text=path.read_bytes().decode("utf-8", "replace"))


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.parent.name + "/" + path.name)
def test_the_author_query_finds_the_css_groups_links_on_the_real_pages(path) -> None:
    sel = _page(path)
    blocks = [sel.root, *(b.root for b in discuz.floor_blocks(sel))]
    blocks += sel.root.xpath("//td | //div[starts-with(@id, 'post')]")[:200]
    for block in blocks:
        assert discuz._X_AUTHOR(block) == _AUTHOR_GROUP(block)


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.parent.name + "/" + path.name)
def test_the_board_is_the_walks_board_on_the_real_pages(path) -> None:
    sel = _page(path)
    assert board_name(sel) == _walked_board(sel)


def test_the_real_threads_have_their_boards_and_posters() -> None:
    """The pages above are not all without a breadcrumb or a poster: the checks compare
    something."""
    boards = {p.name: board_name(_page(p / "page.html")) for p in _discuz_pages()}
    assert boards["x33_viewthread_csolbbs_tid38672"]
    assert boards["d7_viewthread_gbk"]
    floors = [
        discuz._X_AUTHOR(b.root)
        for p in _discuz_pages()
        for b in discuz.floor_blocks(_page(p / "page.html"))
    ]
    assert sum(1 for found in floors if found) >= 10


def _discuz_pages() -> list:
    return sorted(p for p in (ROOT / "tests" / "pages" / "discuz").iterdir() if p.is_dir())


AUTHOR_SHAPES = [
    # X3: the name link, and a link with uid in the time line
    '<div id="post_1"><div class="pi"><div class="authi"><a class="xw1" href="space-uid-1.html">'
    'A</a></div></div><div class="authi"><a href="home.php?uid=2">B</a></div></div>',
    # an .authi inside an .authi: each link once, in page order
    '<div><div class="authi x"><div class="authi"><a class="xw1">A</a></div>'
    '<a href="?uid=3">C</a></div></div>',
    # 6/7: a link both in .postinfo and in cite, once; a uid link outside both, not at all
    '<table><tr><td class="postauthor"><a href="?uid=9">no</a><div class="postinfo"><cite>'
    '<a href="space.php?uid=4">D</a></cite></div><cite><a href="?uid=5">E</a></cite>'
    '<cite><a href="?nouid">no</a></cite></td></tr></table>',
    # a td.postauthor inside an .authi, and links of neither kind
    '<div class="authi"><table><tr><td class="postauthor"><cite><a href="?uid=6">F</a></cite>'
    '<a class="xw2">no</a></td></tr></table></div>',
    # classes as tokens: "authinfo" and "xw10" are other classes
    '<div class="authinfo"><a class="xw1" href="?uid=7">no</a></div>'
    '<div class="authi"><a class="xw10">no</a><span class="postinfo"><a href="?uid=8">G</a>'
    "</span></div>",
]


@pytest.mark.parametrize("html", AUTHOR_SHAPES)
def test_the_author_query_finds_the_css_groups_links_in_every_shape(html) -> None:
    root = Selector(text=html).root
    for el in root.iter(etree.Element):
        assert discuz._X_AUTHOR(el) == _AUTHOR_GROUP(el)
    found = [a.text for a in discuz._X_AUTHOR(root)]
    assert found and "no" not in found


BOARD_SHAPES = {
    "x3": (
        '<div id="pt"><a href="forum.php">首页</a><a href="forum.php?mod=forumdisplay&fid=2">'
        "版块</a><a href='thread-1-1-1.html'>帖子</a></div>",
        "版块",
    ),
    "7": (
        '<div id="nav"><a href="index.php">论坛</a> » <a href="forumdisplay.php?fid=3">'
        "灌水</a> » 帖子</div>",
        "灌水",
    ),
    "nav after pt, the last link of both": (
        '<div id="pt"><a href="forum-1-1.html">一</a></div><div id="nav">'
        '<a href="forum-2-1.html">二</a></div>',
        "二",
    ),
    "nav before pt": (
        '<div id="nav"><a href="forum-2-1.html">二</a></div><div id="pt">'
        '<a href="forum-1-1.html">一</a></div>',
        "一",
    ),
    "nav inside pt, a link of pt after it": (
        '<div id="pt"><div id="nav"><a href="forum-2-1.html">二</a></div>'
        '<a href="forum-1-1.html">一</a></div>',
        "一",
    ),
    "the id on a span": ('<span id="pt"><a href="forum-1-1.html">一</a></span>', ""),
    "no breadcrumb": ('<div><a href="forum-1-1.html">一</a></div>', ""),
}


@pytest.mark.parametrize("shape", BOARD_SHAPES)
def test_the_board_is_the_walks_board_in_every_shape(shape) -> None:
    html, board = BOARD_SHAPES[shape]
    sel = Selector(text=f"<html><body>{html}</body></html>")
    assert board_name(sel) == _walked_board(sel) == board


def _row_as_parsel_reads_it(page: Page, row: Selector) -> Link | None:
    """An X3 thread-list row read with parsel's queries, as the reader read it before its
    queries were compiled."""
    tid = row.attrib["id"].rpartition("_")[2]
    title = row.css("a.xst")
    url = absolute(page.url, title.attrib.get("href")) if title else None
    if not url or not tid.isdigit():
        return None
    replies = to_int(row.css("td.num a.xi2::text").get()) or 0
    by = row.css("td.by")
    em = by[0].css("em") if by else []
    href = by.css("cite a::attr(href)").get() or "" if by else ""
    meta = {
        "tid": tid,
        "title": squash(title.xpath("string()").get()),
        "replies": replies,
        "views": to_int(row.css("td.num em::text").get()),
        "author": squash(by.css("cite a::text").get()) if by else "",
        "author_id": query_param(href.replace("&amp;", "&"), "uid"),
        "published_text": title_or_text(em[0]) if em else "",
        "shown_text": squash(em[0].xpath("string()").get()) if em else "",
        "sticky": row.attrib["id"].startswith("stick"),
    }
    return Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta)


SITE = Site(name="t", kind="forum", engine="discuz", start_urls=("https://bbs.example.cn/",))
_ROWS = "//tbody[starts-with(@id,'stickthread_') or starts-with(@id,'normalthread_')]"
ROW_SHAPES = [
    # a sticky row with a relative time in a title, counts and a poster
    '<tbody id="stickthread_7"><tr><th><a class="s xst" href="thread-7-1-1.html">置顶 <b>帖</b>'
    '</a></th><td class="by"><cite><a href="space.php?uid=3&amp;x=1">甲</a></cite><em><span '
    'title="2024-5-1">3 天前</span></em></td><td class="num"><a class="xi2">1,204</a>'
    "<em>9</em></td></tr></tbody>",
    # two td.by, the poster only in the second; the first one's em is the time
    '<tbody id="normalthread_8"><tr><th><a class="xst" href="t8.html">乙</a></th>'
    '<td class="by"><em>2024-5-2</em></td><td class="by"><cite><a href="?uid=4">丙</a>'
    '</cite><em>2024-5-3</em></td><td class="num"><em>12</em></td></tr></tbody>',
    # a td.by inside a td.by; text in pieces; no counts
    '<tbody id="normalthread_9"><tr><td class="by"><cite><b>外</b><a href="?uid=5">丁</a>'
    '</cite><table><tr><td class="by"><cite><a href="?uid=6">戊</a></cite></td></tr></table>'
    '</td><th><a class="xst" href="t9.html">标题</a></th></tr></tbody>',
    # no title link, and a row whose id is not a number: no link
    '<tbody id="normalthread_10"><tr><th><a href="t10.html">无 xst</a></th></tr></tbody>'
    '<tbody id="normalthread_x"><tr><th><a class="xst" href="tx.html">x</a></th></tr></tbody>'
    '<tbody id="normalthread_11"><tr><th><a class="xst" href="t11.html">有</a></th></tr></tbody>',
]


@pytest.mark.parametrize(
    "html",
    [*(p / "page.html" for p in _discuz_pages()), *ROW_SHAPES],
    ids=lambda v: v.parent.name if hasattr(v, "parent") else v[:40],
)
def test_the_thread_list_rows_read_as_parsel_read_them(html) -> None:
    real = hasattr(html, "read_bytes")
    text = html.read_bytes().decode("utf-8", "replace") if real else f"<table>{html}</table>"
    page = Page(url="https://bbs.example.cn/forum-2-1.html", text=text,
                role="listing", site=SITE, crawled_at=datetime.now(UTC))  # fmt: skip
    rows = page.selector.xpath(_ROWS)
    read = discuz.DiscuzX3Page(discuz.DiscuzAdapter())
    assert [read.thread_link(page, row) for row in rows] == [
        _row_as_parsel_reads_it(page, row) for row in rows
    ]
    if not real or html.parent.name == "x32_forumdisplay_nsh163_fid9":
        assert rows and any(read.thread_link(page, row) for row in rows)
