"""Pages that are not content: login notices, redirects, captcha walls, deleted threads, permission
notices. Sites serve them with HTTP 200, so an adapter that does not look first parses them into
empty posts (or none) and a layout alarm goes off for the wrong reason.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from lxml import etree
from parsel import Selector

from opinion_spiders.adapters import Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.reading.named import select
from plugins._html import node_text, squash

A = TypeVar("A")

#: Containers engines put a notice in (Discuz X ``#messagetext``, Discuz 6/7 ``div.message``,
#: phpBB ``#message``, Tieba's 404 box, generic error boxes).
_BOXES = (
    "#messagetext, div.box.message, div.alert_error, div.alert_info, div.alert_right, "
    "#message.panel, .page_404, .page404, #errorText, .error-page, .errorbox"
)
#: The names in :data:`_BOXES` but ``message`` (a part of many other names) and ``panel``
#: (which only counts with ``message``).
_BOX_NAMES = (
    "messagetext", "alert_error", "alert_info", "alert_right", "page_404", "page404",
    "errorText", "error-page", "errorbox",
)  # fmt: skip
_VISIBLE = "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
_BODY_STRING = etree.XPath("string(//body)")
_UNSEEN = etree.XPath(
    "//body//script//text() | //body//style//text() | //body//noscript//text()",
    smart_strings=False,
)
_JS_MESSAGE = re.compile(r"""innerHTML\s*=\s*['"]([^'"<>]{4,200})['"]""")
_JS_REDIRECT = re.compile(
    r"(?:window\.|document\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['\"]"
)
_CAPTCHA_MARKUP = re.compile(
    r"cf-challenge|challenge-platform|cf_chl_|geetest|nc_1_n1z|captcha|wappass\.baidu\.com", re.I
)
_META_REFRESH = re.compile(r"<meta[^>]+http-equiv\s*=\s*['\"]?refresh", re.I)
#: (kind, phrases) in the order they are tried: the first kind with a phrase in the message wins.
_KINDS = (
    (
        "captcha",
        (
            "百度安全验证", "安全验证", "请输入验证码", "输入验证码", "拖动滑块", "滑块验证",
            "向右滑动", "人机验证", "访问验证",
            "Just a moment", "Checking your browser", "cf-challenge", "challenge-platform",
            "Attention Required", "verify you are human",
            # a wall against the crawl's pace: the site blocks until it slows down
            "访问过于频繁", "访问太频繁", "请求过于频繁", "操作过于频繁", "访问频率过高",
            "访问频率过快", "too many requests", "rate limit exceeded", "you have been blocked",
        ),
    ),
    (
        "deleted",
        (
            "已被删除", "已删除", "主题不存在", "帖子不存在", "贴子不存在", "该帖不存在",
            "该贴不存在", "正在被审核", "页面不存在", "topic does not exist", "has been deleted",
            # removed by its poster or a moderator (此微博已被作者删除, 已被管理员删除)
            "被作者删除", "被管理员删除", "被版主删除", "被楼主删除",
            # taken down: 根据相关法律法规和政策，该内容未予显示 / 本吧暂不开放
            "根据相关法律法规", "未予显示", "不予显示", "暂不开放", "已被屏蔽", "内容已失效",
            "暂时无法查看", "has been removed", "no longer available",
        ),
    ),
    (
        "no_permission",
        (
            "没有权限", "无权", "权限不足", "需要登录", "尚未登录", "请先登录", "登录后才可以",
            "登录后查看", "登录后才能", "not authorised", "not authorized", "permission",
            # a wall that asks for a log-in before the page is shown (not a log-in's success)
            "must be logged in", "need to be logged in", "have to be logged in",
            "must log in", "need to log in", "log in to view", "login to view",
            "sign in to view", "sign in to continue", "login required", "please log in",
            "please login", "please sign in",
        ),
    ),
    ("login", ("欢迎您回来", "登录成功", "登陆成功", "现在将转入", "退出成功", "logged in")),
)  # fmt: skip
#: A page whose visible text is shorter than this (and whose markup is not large: raw Tieba
#: pages hide their content in comments) carries no posts worth reading.
SMALL_PAGE = 1500
SMALL_MARKUP = 150_000
#: Below this, a page is nothing but its message.
TINY_PAGE = 120
#: A page whose title reads like a notice is one only if its text is this short.
TITLE_ONLY_PAGE = 400


class Notice(NamedTuple):
    kind: str
    message: str
    #: Told by words alone — the title, a heading, the little text of a small page — which a
    #: thread or article can carry too (为什么我无权发帖, 验证码收不到): the page is a notice only
    #: if its engine reads no post off it. A notice box, a captcha script or a redirect is not.
    weak: bool = False


def detect_notice(text: str, url: str, sel: Selector | None = None) -> tuple[str, str] | None:
    """``(notice_kind, message)`` when the page looks like a notice rather than content, else
    None (see :func:`find_notice`; an adapter reads pages with :func:`notices_first`)."""
    found = find_notice(text, url, sel)
    return None if found is None else (found.kind, found.message)


def find_notice(text: str, url: str, sel: Selector | None = None) -> Notice | None:
    """The notice the page looks like, if any.

    Phrases are only trusted in a notice box, the title, or a page with little text, so a post
    that mentions "验证码" or "已被删除" stays content. ``sel`` is the page's own selector
    (``Page.selector``), so the adapter that reads the page next does not parse it again.
    """
    sel = sel if sel is not None else Selector(text=text or "<html/>", type="html")
    title = squash(sel.css("title::text").get())
    box = select(sel, _BOXES) if _may_hold_box(text) else None
    if box:
        message = box_message(box[0])
        return Notice(kind_of(message + " " + title) or "other", message or title)
    if shown_at_least(sel) >= SMALL_PAGE:  # neither a small page nor one saying its title only
        return None
    visible = visible_text(sel)
    small = len(visible) < SMALL_PAGE and len(text) < SMALL_MARKUP
    kind = "captcha" if "验证" in title else kind_of(title) if title else None
    # a notice page says little beyond its title (a verification wall may carry heavy
    # scripts, but never much text): an article titled 警惕“验证码”诈骗 is content
    if kind and len(visible) < TITLE_ONLY_PAGE:
        return Notice(kind, title, weak=True)
    if small:
        return small_page_notice(text, sel, visible)
    return None


def notices_first(parse: Callable[[A, Page], Parsed]) -> Callable[[A, Page], Parsed]:
    """An adapter's ``parse`` that answers a notice page with the notice. A notice told by
    words alone (:attr:`Notice.weak`) yields to the posts the engine reads off the page."""

    @functools.wraps(parse)
    def read(adapter: A, page: Page) -> Parsed:
        return read_unless_notice(page, lambda p: parse(adapter, p))

    return read


def read_unless_notice(page: Page, read: Callable[[Page], Parsed]) -> Parsed:
    """The page's notice, or what ``read`` reads off it (see :func:`notices_first`)."""
    found = find_notice(page.text, page.url, page.selector)
    if found is None:
        return read(page)
    if found.weak:
        try:
            parsed = read(page)
        except ParseError:
            parsed = None
        if parsed is not None and parsed.posts:
            return parsed
    return Parsed(page_type="notice", notice_kind=found.kind, notice=found.message)


def _may_hold_box(text: str) -> bool:
    """Whether the markup names a notice box at all: the box query walks the whole tree once
    for each of its eleven selectors (~1 ms a page, on every page of every engine), a look
    for their names in the text ~30 µs. Class and id matching is case-sensitive, as the
    query's is; ``message`` counts only as a whole name (not ``postmessage_1``)."""
    if any(name in text for name in _BOX_NAMES):
        return True
    at = text.find("message")
    while at >= 0:
        before, after = text[at - 1 : at], text[at + 7 : at + 8]
        if not _name_char(before) and not _name_char(after):
            return True
        at = text.find("message", at + 7)
    return False


def _name_char(c: str) -> bool:
    return bool(c) and (c.isalnum() or c in "_-")


def small_page_notice(text: str, sel: Selector, visible: str) -> Notice | None:
    """A page with little text: its headings say what it is; a near-empty page is judged on
    all its text, captcha scripts and redirects (a short post stays content)."""
    for heading in sel.css("h1, h2, h3, h4"):
        message = squash(heading.xpath("string()").get())
        kind = kind_of(message)
        if kind:
            return Notice(kind, message, weak=True)
    if len(visible) >= TINY_PAGE:
        return None
    kind = kind_of(visible)
    if kind:
        return Notice(kind, visible[:300], weak=True)
    if _CAPTCHA_MARKUP.search(text):
        return Notice("captcha", visible[:300])
    if _redirects(text):
        return Notice("redirect", visible[:300] or "redirect")
    return None


def kind_of(message: str) -> str | None:
    """The notice kind whose phrases the message contains."""
    lowered = message.lower()
    for kind, phrases in _KINDS:
        if any(p.lower() in lowered for p in phrases):
            return kind
    return None


def box_message(box: Selector) -> str:
    """The message of a notice box; Discuz sets some only from JS (``innerHTML = '…'``)."""
    main = [
        node_text(p)
        for p in box.xpath(".//p[not(contains(@class,'alert_btnleft'))] | .//h2 | .//h3")
    ]
    text = " ".join(t for t in main if t)
    if text:
        return text
    scripted = _JS_MESSAGE.findall(" ".join(box.css("script::text").getall()))
    extra = squash(box.css(".alert_btnleft").xpath("string()").get())
    return " ".join([*scripted, extra]).strip() or node_text(box)


def visible_text(sel: Selector) -> str:
    """The body text a reader sees (no scripts, styles or comments). Read off the lxml tree:
    a parsel selector per text node costs more than the query (and every page asks)."""
    parts = sel.root.xpath(_VISIBLE, smart_strings=False)
    return squash(" ".join(parts))


def shown_at_least(sel: Selector) -> int:
    """A floor under the length of :func:`visible_text`, asked in compiled code: the body's
    characters but its whitespace, less those of its scripts, styles and ``noscript`` blocks.
    :func:`visible_text` keeps every other character of the text it keeps, so it is at least
    this long. Most pages are long enough to be told by this alone: the visible text's own
    query, which asks every text node for its ancestors, costs about as much as parsing the
    page."""
    shown = len("".join(str(_BODY_STRING(sel.root)).split()))
    return shown - sum(len("".join(part.split())) for part in _UNSEEN(sel.root))


def _redirects(text: str) -> bool:
    return bool(_META_REFRESH.search(text) or _JS_REDIRECT.search(text))
