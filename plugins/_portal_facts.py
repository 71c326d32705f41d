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

from opinion_spiders.reading.named import select
from opinion_spiders.reading.published import TITLED, dateline, headline_node, shown_time
from plugins._html import class_words, squash

_SEP = re.compile(r"\s*(?:_|\||｜|--|-|–|—)\s*")
_LABEL = re.compile(r"(?:^|[\s|｜/,，])来源\s*[:：]")
_SOURCE = re.compile(r"来源\s*[:：]\s*([^\s|｜]+)")
_CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
#: What a line under the headline carries after the byline: the next field, or a control.
_CONTROLS = "来源|(?:责任)?编辑|责编|评论|浏览|阅读|点击|字号|打印|关闭|分享|收藏"
#: A byline's label and value; the value ends where the line goes on to another field (a
#: short label and its colon after a space: ``审核：``, ``浏览次数：``), at a bracket, a
#: digit, a separator, or a control (评论, 字号, 打印 …).
_BYLINE = re.compile(
    r"(?:记者|作者|撰文)\s*[:：/]?\s*([^|｜\d【\[]+?)\s*"
    rf"(?=[|｜\d【\[]|\s(?:(?!{_CONTROLS})[\u4e00-\u9fff]){{1,6}}\s*[:：]|{_CONTROLS}|$)"
)
#: A line under the headline that is a byline whole (``澎湃新闻记者 陈思齐``, ``作者：王敏``):
#: an outlet's name at most before the label, and names only after it.
_BYLINE_LINE = re.compile(
    r"^[^\s，。：:、]{0,10}?(?:记者|作者|撰文)(?:\s*[:：]\s*|\s+)"
    r"([\u4e00-\u9fff·]{2,6}(?:[\s、，,]+[\u4e00-\u9fff·]{2,6}){0,3})$"
)
#: A poem's attribution under its title on a 古诗文 page: the poet beside the dynasty in
#: brackets (``王维 〔唐代〕``, ``[唐] 李白``) or the labelled pair (``朝代：唐代　作者：王之涣``).
_DYNASTY = (
    r"(?:先秦|秦|两汉|汉|三国|魏晋|晋|南北朝|隋|唐|五代|宋|辽|金|元|明|清|近现代|现代|当代)[代朝]?"
)
_POET = r"([\u4e00-\u9fff·]{2,6})"
_POET_LINE = re.compile(
    rf"^(?:{_POET}\s*[〔\[【(（]{_DYNASTY}[〕\]】)）]|[〔\[【(（]{_DYNASTY}[〕\]】)）]\s*{_POET}"
    rf"|朝代\s*[:：]\s*{_DYNASTY}\s+作者\s*[:：]\s*{_POET})$"
)
#: A news lead's reporters, where the body begins (``新华社郑州5月12日电（记者赵丰年、孙雨晴）``,
#: ``新京报讯（记者 韩东升）``): a dateline at most before the bracket.
_LEAD = re.compile(
    r"^[^。！？\n（(]{0,30}[（(]\s*[^\s（）()。，]{0,8}记者\s*[:：]?\s*([^（）()。\n]{2,30}?)\s*[）)]",
    re.M,
)
_LEAD_LINES = 3
#: The class or id of a comment list or reply box (``comment-list``, ``hotComments``,
#: ``tie-area``: 网易's 跟帖, ``cmt-box``): no name inside one signs the article.
_COMMENTS = re.compile(r"^(?:comments?|cmts?|repl(?:y|ies)|tie|pinglun)(?:list|box|area|item|s)?$")
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
_ARTICLE_AUTHOR = ("article:author", "og:article:author")
_NAME_WORDS = frozenset(["name", "nickname", "nick", "uname", "username", "authorname"])
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
#: The organisation a page's copyright line names (``版权所有：青禾市科学技术局``).
_COPYRIGHT = re.compile(r"版权所有\s*[:：]?\s*(?:©\s*)?([^\s:：|｜,，。©]{2,30})")
_TITLED_MIN = 4
_EDITOR = re.compile(r"(?:责任编辑|责编)\s*[:：]\s*([^\s【】\[\]（）()<>、]+(?:、[^\s【】）)]+)*)")
#: What a source element says around the source: ``本文来源于国家统计局 2024-05-11 09:36``.
_SOURCE_HEAD = re.compile(r"^(?:本文)?来源(?:于|自)?\s*[:：]?\s*")
_SOURCE_TAIL = re.compile(r"\s*(?:\d{4}\s*[-/.年].*|[|｜].*)$")
#: A dated element in a link or in a list's row beside a link of a title's length (3 rows or
#: more): a teaser's date in a list of other pages, not the article's.
_TEASER_ROW = (
    "ancestor::a | ancestor::li[1][count(../li) >= 3][.//a[string-length(normalize-space(.)) >= 8]]"
)
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
    as 山西省人民政府网站 never matches), else og:title, else the title minus the site — but
    where that title is only the organisation's name (see :func:`organisations`), the element
    whose class names a title over the article's dateline (:func:`titled_over_date`)."""
    names = site_names(meta)
    title = squash(sel.xpath("//title/text()").get())
    if title in names | organisations(sel):
        names = names | {title}
        over_date = titled_over_date(sel, names)
    else:
        over_date = ""
    heads = [squash(t) for t in sel.xpath("//h1 | //h2").xpath("string()").getall()]
    matching = [h for h in heads if len(h) >= 4 and h not in names and title.startswith(h)]
    candidates = (
        meta.get("articletitle", ""),
        max(matching, key=len, default=""),
        strip_site_suffix(meta.get("og:title", ""), names),
        strip_site_suffix(title, names),
        over_date,
    )
    return next((c for c in candidates if c and c not in names), "")


def organisations(sel: Selector) -> set[str]:
    """The names the page gives its organisation: the holder of its copyright (``版权所有：
    青禾市科学技术局``) and its logo's or banner's ``alt``."""
    names = {
        found.group(1)
        for text in sel.xpath("//body//text()[contains(., '版权所有')]").getall()
        if (found := _COPYRIGHT.search(squash(text)))
    }
    logos = sel.xpath(
        "//body//img[@alt][contains(@src, 'logo') or contains(@src, 'banner')"
        " or ancestor-or-self::*[contains(@class, 'logo') or contains(@id, 'logo')"
        " or contains(@class, 'banner') or contains(@class, 'top') or self::header]]/@alt"
    ).getall()
    return names | {squash(alt) for alt in logos if squash(alt)}


def titled_over_date(sel: Selector, names: set[str]) -> str:
    """The text of the element whose class names a title (not a link's, see
    :data:`~opinion_spiders.reading.published.TITLED`) right above the page's first dateline
    (a date in the short lines under it, see
    :func:`~opinion_spiders.reading.published.dateline`): a government page's
    ``div.con_title`` over its ``发布时间``, where the ``<title>`` is only the site's name — the
    last such element over that date, not a column's title in the sidebar above it."""
    found, first = "", ""
    for node in sel.xpath(TITLED):
        text = squash(node.xpath("string()").get())
        if len(text) < _TITLED_MIN or text in names or not (date := dateline(sel, text)):
            continue
        if first and date != first:
            break
        found, first = text, date
    return found


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
    for node in select(sel, _INFO_CSS):
        if node.xpath(_TEASER_ROW):
            continue  # a teaser's date in a list of links (a sidebar's 热门新闻)
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
    for node in select(sel, ".a_source, a.source, span.source, .article-source, #source"):
        text = _SOURCE_TAIL.sub("", _SOURCE_HEAD.sub("", squash(node.xpath("string()").get())))
        if 0 < len(text) <= 30:
            return text
    return meta.get("mediaid", "")


def author(sel: Selector, meta: dict[str, str], info: str, title: str = "", body: str = "") -> str:
    """Who wrote the article: the first the page names of the byline (作者/记者) in an author
    element or the info line; a line under the headline that is a byline whole (``澎湃新闻记者
    陈思齐``); the reporters a news lead names where the ``body`` begins (``新华社郑州5月12日电
    （记者赵丰年）``); a byline beside the responsible editor (``[作者: 刘满仓 责任编辑: 杨丹宇]``);
    the body that issued a government document (:func:`issuer`); the ``article:author`` meta (a
    WeChat article's account in ``og:article:author``) — not an address or the site's name,
    as its metas or the ``<title>``'s last part give it —; the responsible editor (责任编辑),
    who put the article up and signs it only when no one else is named; another author meta
    (a plain ``author``, where CMSs put a user's id or the editor); the account named under
    the headline (:func:`account`)."""
    for text in (
        *select(sel, ".author, .byline, .article-author").xpath("string()").getall(),
        info,
    ):
        found = _BYLINE.search(squash(text))
        if found and found.group(1).strip():
            return found.group(1).strip()
    beside, editor = _editor_line(sel)
    return (
        _byline_line(sel, title)
        or _lead(body)
        or beside
        or issuer(sel)
        or _meta_author(meta, _ARTICLE_AUTHOR, site_names(meta) | {_title_site(sel)} - {""})
        or editor
        or _meta_author(meta, ("author", *_ARTICLE_AUTHOR), site_names(meta))
        or account(sel, title)
    )


def _byline_line(sel: Selector, title: str) -> str:
    """The names in a short line under the headline that is a byline whole, or a poem's
    attribution (:data:`_POET_LINE`), outside comments."""
    start = _headline(sel, title)
    if start is None:
        return ""
    above = set(start.root.iterancestors())
    for el in start.xpath(f"following::*[position() <= {UNDER_HEADLINE}]"):
        text = squash(el.xpath("string()").get())
        found = (
            (_BYLINE_LINE.match(text) or _POET_LINE.match(text))
            if len(text) <= _ACCOUNT_CHARS
            else None
        )
        if found and not _in_comments(el.root, above):
            return next(name for name in found.groups() if name)
    return ""


def _lead(body: str) -> str:
    """The reporters named in brackets where a news story's body begins."""
    found = _LEAD.search("\n".join(body.strip().splitlines()[:_LEAD_LINES]))
    return found.group(1).strip() if found else ""


def _editor_line(sel: Selector) -> tuple[str, str]:
    """The first line naming a responsible editor: a byline in it, and the editor."""
    nodes = sel.xpath(
        "//body//text()[contains(., '责任编辑') or contains(., '责编')]"
        "[not(ancestor::script or ancestor::style)]"
    ).getall()
    for text in nodes:
        found = _EDITOR.search(line := squash(text))
        if found:
            beside = _BYLINE.search(line[: found.start()])
            return (beside.group(1).strip() if beside else ""), found.group(1)
    return "", ""


def _meta_author(meta: dict[str, str], names: tuple[str, ...], sites: set[str]) -> str:
    """The first author meta of ``names`` that names someone: not a number, an address or
    one of the ``sites``."""
    for name in names:
        named = meta.get(name, "")
        if (
            named
            and not named.isdigit()
            and "/" not in named
            and all(named not in site for site in sites)
        ):
            return named
    return ""


def _title_site(sel: Selector) -> str:
    """The ``<title>``'s last part when short: the site's name (``…_网易订阅``)."""
    cuts = list(_SEP.finditer(squash(sel.xpath("//title/text()").get())))
    tail = cuts[-1].string[cuts[-1].end() :] if cuts else ""
    return tail if len(tail) <= 16 else ""


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
    to a user's page, with a short text and no number in it — its named part where it has one
    (:func:`_named_part`: not the badge and buttons of an author box) — and never one in a
    comment list, whose names are the commenters'."""
    start = _headline(sel, title)
    if start is None:
        return ""
    above = set(start.root.iterancestors())
    for el in start.xpath(f"following::*[position() <= {UNDER_HEADLINE}]"):
        node = el.root
        words, text = class_words(node.get("class")), _name(node)
        if not text or words & _NOT_ACCOUNT:
            continue
        user_page = node.tag == "a" and _USER_PAGE.search(node.get("href") or "")
        if (words & _ACCOUNT_WORDS or user_page) and not _in_comments(node, above):
            return _named_part(node) or text
    return ""


def _headline(sel: Selector, title: str) -> Any:
    """The ``<h1>``, else the element that shows the headline ``title``; None without one."""
    head = sel.xpath("(//h1)[1]")
    return head[0] if head else headline_node(sel, title)


def _name(node: Any) -> str:
    """An element's text as a name (a "By" dropped); '' where it cannot be one: too short or
    long, with a number, or a label."""
    text = _BY.sub("", _named_text(node))
    if not 1 < len(text) <= _ACCOUNT_CHARS or _DIGITS.search(text) or _NOT_A_NAME.search(text):
        return ""
    return text


def _named_part(node: Any) -> str:
    """The part of an author box that is the name: an ``itemprop=name`` (a ``<meta>``'s
    content), a link to the user's page, or an element whose class names a name."""
    for part in node.iterdescendants():
        if not isinstance(part.tag, str) or class_words(part.get("class")) & _NOT_ACCOUNT:
            continue
        if part.get("itemprop") == "name":
            text = _name_of(part.get("content")) if part.tag == "meta" else _name(part)
        elif (part.tag == "a" and _USER_PAGE.search(part.get("href") or "")) or (
            class_words(part.get("class")) & _NAME_WORDS
        ):
            text = _name(part)
        else:
            continue
        if text:
            return text
    return ""


def _name_of(value: str | None) -> str:
    text = squash(value)
    return text if 1 < len(text) <= _ACCOUNT_CHARS and not _DIGITS.search(text) else ""


def _in_comments(node: Any, above: set[Any]) -> bool:
    """Whether ``node`` is in a comment list or reply box: it or an element around it — below
    those ``above`` the headline, which hold the article — has a class or id naming one."""
    for el in (node, *node.iterancestors()):
        if el in above:
            return False
        words = class_words(el.get("class")) | class_words(el.get("id"))
        if any(_COMMENTS.match(word) for word in words):
            return True
    return False
