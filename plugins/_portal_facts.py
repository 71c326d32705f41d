"""The facts of a news or government article: headline, shown time, 来源 and author.

Chinese CMSs expose them in three places, read in this order: their own ``<meta>`` fields
(TRS/Hanweb ``ArticleTitle``, ``PubDate``, ``ContentSource``; 人民网/新华网 ``publishdate``,
``source``; Open Graph), the visible line under the headline (``2024年05月10日06:58 |
来源：人民日报``) and page scripts (qq's ``ARTICLE_INFO``). The visible time wins over the
meta one: it is what readers saw, and metas are often the last edit (Sina shows 00:26, its
``og`` says 05:54). The times a page declares (metas, scripts, schema.org's data) are read
by :mod:`opinion_spiders.reading.published`; this module reads what the page shows.
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from opinion_spiders.reading.published import headline_node, shown_time
from plugins._html import class_words, squash

_SEP = re.compile(r"\s*(?:_|\||｜|--|-|–|—)\s*")
_LABEL = re.compile(r"(?:^|[\s|｜/,，])来源\s*[:：]")
_SOURCE = re.compile(r"来源\s*[:：]\s*([^\s|｜]+)")
_CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
_BYLINE = re.compile(
    r"(?:记者|作者|撰文)\s*[:：/]?\s*([^|｜\d]+?)\s*(?:[|｜]|\d|来源|分享|打印|字号|$)"
)
#: How far after the headline (elements) an account's name is looked for, and how long it is.
UNDER_HEADLINE = 40
_ACCOUNT_CHARS = 30
_ACCOUNT_WORDS = frozenset(["author", "nickname", "nick", "username", "uname", "writer",
                            "authorname"])  # fmt: skip
_NOT_ACCOUNT = frozenset(["avatar", "icon", "tag", "label", "time", "date", "source", "site",
                          "location", "origin", "place", "city", "title", "role", "bio",
                          "desc"])  # fmt: skip
#: An English byline's "By", and what labels a name rather than being one.
_BY = re.compile(r"^(?:written\s+)?by\s+|[\s,，;|]+$", re.I)
_NOT_A_NAME = re.compile(
    r"[:：]|^(?:written\s+)?by$|^(?:more\s+)?about\b|^(?:the\s+)?authors?$|^作者$", re.I
)
_USER_PAGE = re.compile(r"/(?:c/)?user/|/u/|/people/|/profile/|/author/|space", re.I)
_DIGITS = re.compile(r"\d{2}")
#: A disclosure header's issuing body: its label, and the value where it stands in the line.
_ISSUER = re.compile(r"(?:发\s*文\s*机\s*关|发\s*布\s*机\s*构|发\s*文\s*单\s*位)\s*[:：]\s*(\S*)")
_ISSUER_LABEL = (
    "//body//*[self::td or self::th or self::span or self::li or self::p or self::div or"
    " self::dt or self::strong or self::b][contains(., '发文机关') or contains(., '发布机构')"
    " or contains(., '发文单位')][not(*[contains(., '发文机关') or contains(., '发布机构')"
    " or contains(., '发文单位')])]"
)
_ISSUER_NAME = 40
_EDITOR = re.compile(r"(?:责任编辑|责编)\s*[:：]\s*([^\s【】\[\]（）()<>、]+(?:、[^\s【】）)]+)*)")
#: What a source element says around the source: ``本文来源于国家统计局 2024-05-11 09:36``.
_SOURCE_HEAD = re.compile(r"^(?:本文)?来源(?:于|自)?\s*[:：]?\s*")
_SOURCE_TAIL = re.compile(r"\s*(?:\d{4}\s*[-/.年].*|[|｜].*)$")
_INFO_CSS = (
    ".date, .post_info, .a_time, .pubtime, .pub_time, #pubtime, .publish-time, .info, "
    ".article-info, .pages-date, .header-time, .date-source, .time"
)


def site_names(meta: dict[str, str]) -> set[str]:
    return {meta[k] for k in ("sitename", "og:site_name", "application-name") if k in meta}


def strip_site_suffix(title: str, names: set[str]) -> str:
    """``标题 - 山西省人民政府门户网站`` -> ``标题``: short tails after a separator are dropped."""
    if title in names:
        return ""
    while True:
        cuts = list(_SEP.finditer(title))
        if not cuts:
            return title
        last = cuts[-1]
        head, tail = title[: last.start()], title[last.end() :]
        if len(tail) > 16 or len(head) < 4:
            return title
        title = head


def headline(sel: Selector, meta: dict[str, str]) -> str:
    """ArticleTitle, else the ``h1``/``h2`` the ``<title>`` starts with (a banner ``h1`` such
    as 山西省人民政府网站 never matches), else og:title, else the title minus the site."""
    names = site_names(meta)
    title = squash(sel.xpath("//title/text()").get())
    heads = [squash(t) for t in sel.xpath("//h1 | //h2").xpath("string()").getall()]
    matching = [h for h in heads if len(h) >= 4 and h not in names and title.startswith(h)]
    candidates = (
        meta.get("articletitle", ""),
        max(matching, key=len, default=""),
        strip_site_suffix(meta.get("og:title", ""), names),
        strip_site_suffix(title, names),
    )
    return next((c for c in candidates if c and c not in names), "")


def info_line(sel: Selector) -> str:
    """The visible line that carries the time and 来源 (the smallest block holding both)."""
    for node in sel.xpath(
        "//body//*[not(self::script or self::style)][text()[contains(., '来源')]]"
    ):
        own = squash(" ".join(node.xpath("text()").getall()))
        if not _LABEL.search(own):
            continue
        for block in (node, *node.xpath("ancestor::*[position() <= 3]")[::-1]):
            text = squash(block.xpath("string()").get())
            if len(text) > 300:
                break
            if shown_time(text):
                return text
    for node in sel.css(_INFO_CSS):
        text = squash(node.xpath("string()").get())
        if len(text) <= 300 and shown_time(text):
            return text
    return ""


def has_clock(text: str) -> bool:
    return bool(_CLOCK.search(text))


def source(sel: Selector, meta: dict[str, str], info: str) -> str:
    """来源: the CMS field (ContentSource, source) over the shown line, then a source element."""
    declared = meta.get("contentsource") or meta.get("source", "")
    declared = re.sub(r"^来源\s*[:：]\s*", "", declared)
    if declared:
        return declared
    found = _SOURCE.search(info)
    if found:
        return found.group(1)
    for node in sel.css(".a_source, a.source, span.source, .article-source, #source"):
        text = _SOURCE_TAIL.sub("", _SOURCE_HEAD.sub("", squash(node.xpath("string()").get())))
        if 0 < len(text) <= 30:
            return text
    return meta.get("mediaid", "")


def author(sel: Selector, meta: dict[str, str], info: str, title: str = "") -> str:
    """The byline (作者/记者), else the responsible editor (责任编辑), else the issuing body of
    a government document (:func:`issuer`), else a named meta author
    (``author``, ``article:author``; a WeChat article's account in ``og:article:author``) —
    not a profile's address —, else the account named under the headline (:func:`account`)."""
    for text in (info, *sel.css(".author, .byline, .article-author").xpath("string()").getall()):
        found = _BYLINE.search(squash(text))
        if found and found.group(1).strip():
            return found.group(1).strip()
    nodes = sel.xpath(
        "//body//text()[contains(., '责任编辑') or contains(., '责编')]"
        "[not(ancestor::script or ancestor::style)]"
    ).getall()
    for text in nodes:
        found = _EDITOR.search(squash(text))
        if found:
            return found.group(1)
    if found_issuer := issuer(sel):
        return found_issuer
    for name in ("author", "article:author", "og:article:author"):
        named = meta.get(name, "")
        if named and not named.isdigit() and "/" not in named and named not in site_names(meta):
            return named
    return account(sel, title)


def issuer(sel: Selector) -> str:
    """The body that issued a government document, as its disclosure header names it (发文机关
    or 发布机构 in a label cell, the value in the next; or ``发文机关：…`` in one line); ''
    where the page names none."""
    for node in sel.xpath(_ISSUER_LABEL):
        found = _ISSUER.search(squash(node.xpath("string()").get()))
        if not found:
            continue
        value = (
            found.group(1)
            or squash(node.root.tail)
            or squash(
                node.xpath("following-sibling::*[normalize-space()][1]").xpath("string()").get()
            )
        )
        if 1 < len(value) <= _ISSUER_NAME:
            return value
    return ""


def _named_text(node: Any) -> str:
    """An element's text without what its parts say besides a name (``solar-author-origin``:
    the place the author writes from)."""
    other = [
        squash(el.xpath("string()"))
        for el in node.iterdescendants()
        if isinstance(el.tag, str) and class_words(el.get("class")) & _NOT_ACCOUNT
    ]
    text = squash(node.xpath("string()"))
    for part in other:
        text = text.replace(part, " ") if part else text
    return squash(text)


def account(sel: Selector, title: str = "") -> str:
    """The name shown under the headline of a self-media article (CSDN, Toutiao, Baijiahao
    accounts): among the first elements after the ``<h1>`` (else the element that shows the
    headline ``title``, see :func:`~opinion_spiders.reading.published.headline_node`), one
    whose class names an author or nickname (``follow-nickName``, ``author-name``) or a link
    to a user's page, with a short text and no number in it."""
    head = sel.xpath("(//h1)[1]")
    start = head[0] if head else headline_node(sel, title)
    if start is None:
        return ""
    for el in start.xpath(f"following::*[position() <= {UNDER_HEADLINE}]"):
        node = el.root
        text = _BY.sub("", _named_text(node))
        if not 1 < len(text) <= _ACCOUNT_CHARS or _DIGITS.search(text) or _NOT_A_NAME.search(text):
            continue
        words = class_words(node.get("class"))
        if words & _NOT_ACCOUNT:
            continue
        user_page = node.tag == "a" and _USER_PAGE.search(node.get("href") or "")
        if words & _ACCOUNT_WORDS or user_page:
            return text
    return ""
