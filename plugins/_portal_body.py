"""The body of an article: trafilatura first, our own selectors when it finds nothing.

Measured by ``python -m bench.extract`` on the news pages of the fixtures that have a truth
text (difflib ratio): trafilatura then :func:`tidy` scores 0.978–1.000 (mean 0.991); the
selector path ties it where the first known container is the article and falls to 0.798
where it is a wrapper (Sina's ``.article-content`` holds the sidebar), mean 0.946. So
trafilatura is the default; the selector path is the fallback for pages it returns (almost)
nothing from, and says so in the post's ``adapter_version`` (``1+selector``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from lxml import etree
from parsel import Selector

from opinion_spiders.reading.main_text import extracted, words
from opinion_spiders.reading.published import headline_node
from opinion_spiders.reading.story import within_story
from plugins._blocks import DATE_LIKE
from plugins._html import STRING, clean_lines, node_text, squash
from plugins.generic_forum import top_blocks

#: Body containers of the CMSs met on Chinese portals (TRS, Hanweb, 人民网, 新华网, Sina, 163, qq).
BODY_SELECTORS = (
    "#zoom", ".TRS_Editor", "#UCAP-CONTENT", ".pages_content", ".article-content",
    "#detailContent", "#detail", ".rm_txt_con", "#artibody", ".article#article", ".post_body",
    "#Cnt-Main-Article-QQ", ".content-article", ".article-body", "article",
)  # fmt: skip
_DROP = (
    ".//*[contains(@class,'editor') or contains(@class,'share') or contains(@class,'bza')"
    " or contains(@class,'ad_') or self::form or self::button]"
)
_BOILERPLATE = re.compile(
    r"^(?:-\s*)?(?:分享.{0,12}|评论|关注|收藏.{0,4}|举报.{0,30}|特别声明[:：].*|打印.{0,6}|关闭.{0,6}|"
    r"返回.{0,8}首页.*|.*正文已结束.*|网友评论仅供.*|.*版权所有.*|新媒体实验室|"
    r"Notice: The content above.*|【?纠错】?|阅读下一篇.*)$"
)
#: An invitation to subscribe, sign up, follow or listen elsewhere: the site's promotion, not
#: the article — a line that asks (``_ASKS``) for a channel (``_CHANNELS``), or a Chinese one.
_ASKS = re.compile(
    r"\b(?:sign(?:ing)? up|subscrib\w*|join|get more|get the latest|delivered|listen to|download"
    r"|follow us)\b",
    re.IGNORECASE,
)
_CHANNELS = re.compile(r"\b(?:newsletters?|inbox|podcasts?|apps?|alerts|updates)\b", re.IGNORECASE)
_PROMO_ZH = re.compile(
    r"扫码关注|关注(?:我们|公众号|微信)|下载.{0,6}(?:客户端|APP|App)|点击.{0,6}订阅"
)
#: Characters up to which a line may be a promotion.
PROMO_LINE = 250
_TAIL = re.compile(r"\s*返回\S{0,8}首页\s*(?:>>|&gt;&gt;|»)?$")
MIN_BODY = 40
#: The labels of a government document's disclosure header (政府信息公开).
_DISCLOSURE = re.compile(
    r"索引号|主题分类|组配分类|体裁分类|信息分类|发文机关|发布机构|成文日期|生成日期|发文字号|文号"
    r"|发布日期|有效性|公开方式|公开范围|公开时限|主题词"
)
_SPACES = re.compile(r"[\s\u3000]+")
#: A header line: a short label, a colon, its value.
_LABELLED = re.compile(r"^[\u4e00-\u9fff]{2,6}[:：]")
_LABEL_LINE = 60
#: Lines at the end of a body among which a short dated one (a comment's shown time) makes
#: the reader look for comments the extractor ran on into.
_TAIL_LINES = 4
_TIME_LINE = 60
#: A file a document attaches (附件), by its link's address.
_ATTACHMENT = re.compile(
    r"\.(?:pdf|docx?|xlsx?|et|wps|pptx?|ofd|zip|rar|7z|txt|csv)(?:$|[?#])", re.IGNORECASE
)
#: The class of the text beside a picture (``img_descr``, ``pic_txt``, ``wp-caption-text``).
_CAPTION_CLASS = re.compile(r"caption|^(?:pic|img|image|photo)[_-]?(?:txt|text|descr?|note)$")
#: Elements whose own line holds an attachment's link (and no block inside them).
_LINE_TAGS = ("p", "div", "li", "td")
#: Characters up to which a caption or an attachment's line is put back, and from which a
#: page's text beside it marks where it stands in the body.
PUT_BACK_LINE = 200
_ANCHOR = 4
#: Words from which a caption is put back: a sentence, not a bare credit (``Image: NASA``).
CAPTION_WORDS = 5
#: The class of a standfirst, the summary a news page prints under its headline.
_STANDFIRST_CLASS = re.compile(r"(?:^|[-_])(?:standfirst|dek|summary|abstract|lede)(?:$|[-_])")
_DESCRIPTION = (
    "//meta[@name='description' or @property='og:description' or @name='og:description'"
    " or @name='twitter:description']/@content"
)
#: Elements after the headline, and characters of text, within which a standfirst is looked for.
STANDFIRST_AFTER = 40
STANDFIRST_CHARS = 20
TRAFILATURA = "trafilatura"
SELECTOR = "selector"

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def extract_body(
    html: str, sel: Selector, url: str, headings: Iterable[str], headline: str = ""
) -> tuple[str, str]:
    """``(text, path)``: the article text and which path read it (``trafilatura``/``selector``).

    The text is held to the ``<article>`` element around the ``headline`` where the page
    has one (see :mod:`opinion_spiders.reading.story`): a stream of other stories below it
    is not the article."""
    heads = {h for h in headings if h}
    text = tidy(within_story(trafilatura_text(html, url), sel, headline), heads)
    text = "\n".join(line for line in text.split("\n") if not promotion(line))
    text = without_comments(text, sel)
    if len(text) >= MIN_BODY:
        text = put_back_verse(put_back(text, sel), sel, headline)
        return with_standfirst(text, sel, headline), TRAFILATURA
    return tidy(selector_text(sel), heads), SELECTOR


def without_comments(text: str, sel: Selector) -> str:
    """The body without the readers' comments shown under the story that the extractor ran on
    into (a 网易 跟帖 list, a blog's comments under a class it does not know): the run of lines
    at its end that lie in the blocks the generic thread reader takes for posts — repeated,
    dated blocks apart from the story (none holds its first line, together they hold less
    text than it). Looked for only where a short dated line ends the body."""
    lines = text.split("\n")
    tail = lines[-_TAIL_LINES:]
    if not any(len(line) <= _TIME_LINE and DATE_LIKE.search(line) for line in tail):
        return text
    blocks, _ = top_blocks(sel)
    said = ["".join(STRING(block).split()) for block in blocks]
    first = "".join(lines[0].split())
    if not said or any(first in block for block in said) or sum(map(len, said)) >= len(text):
        return text
    end = len(lines)
    while end > 1 and any("".join(lines[end - 1].split()) in block for block in said):
        end -= 1
    return "\n".join(lines[:end])


def put_back(text: str, sel: Selector) -> str:
    """The body with the lines the extractor drops from inside it that are the article's: a
    picture's caption (a ``figcaption``, or beside an image an element whose class names a
    caption: Sina's ``img_descr``, ``pic_txt``; ``CAPTION_WORDS`` or more, not a bare credit)
    and a paragraph that links to a file the
    document attaches (``附件：1．《…》.docx``, what a government notice is issued with; the
    extractor takes a paragraph that is mostly a link for a menu). Each is put back only where
    it stands between two consecutive lines of the body — so never a download box, related
    links or a share row around it — and when the body does not hold it already."""
    lines = text.split("\n")
    flat = ["".join(line.split()) for line in lines]
    for node, kind in _dropped_parts(sel):
        line = squash(node.xpath("string()").get())
        if not kind or (kind == "caption" and words(line) < CAPTION_WORDS):
            continue
        own = "".join(line.split())
        if not own or len(line) > PUT_BACK_LINE or any(own in f for f in flat):
            continue
        before = _line_of(node.xpath(_NEAR.format(axis="preceding"))[::-1], flat)
        after = _line_of(node.xpath(_NEAR.format(axis="following")), flat)
        if before is not None and after == before + 1:
            lines.insert(after, line)
            flat.insert(after, own)
    return "\n".join(lines)


def put_back_verse(text: str, sel: Selector, headline: str) -> str:
    """The body with the verse the extractor drops: a block whose short lines are set apart by
    ``<br>`` alone (a poem on a 古诗文 page, ``div.contson``: ``空山新雨后，天气晚来秋。<br>…``),
    which it takes for a menu of short items — though no link, label or date is among them
    (see :func:`_verse_lines`). Put back, line by line, where it stands between two consecutive
    lines of the body, or after the headline and before the body's first line (the poem over
    its translation and notes; the short lines above the first the page's text is found in,
    ``译文``, are the body's first)."""
    head = headline_node(sel, headline)
    heads = {headline, squash(head.xpath("string()").get()) if head is not None else ""}
    lines = text.split("\n")
    flat = ["".join(line.split()) for line in lines]
    # the breaks from the headline on, in the headline or after it
    after_head = (
        set(head.root.xpath("descendant::br | following::br")) if head is not None else None
    )
    for el in sel.root.iter("br"):
        if (parent := el.getparent()) is None or el is not _first_br(parent):
            continue
        passed = after_head is None or el in after_head
        verse = _verse_lines(parent)
        own = ["".join(line.split()) for line in verse]
        if not verse or any(o in f for o in own for f in flat):
            continue
        node = Selector(root=parent)
        above = [
            t for t in node.xpath(_NEAR.format(axis="preceding")) if squash(t.get()) not in heads
        ]
        before = _line_of(above[::-1], flat)
        after = _line_of(node.xpath(_NEAR.format(axis="following")), flat)
        if before is None and passed and after is not None:
            at = 0 if all(len(line) < _ANCHOR for line in flat[:after]) else -1
        else:
            at = after if before is not None and after == before + 1 else -1
        if at < 0:
            continue
        lines[at:at] = verse
        flat[at:at] = own
    return "\n".join(lines)


def _first_br(parent: etree._Element) -> etree._Element | None:
    return next(parent.iterchildren("br"), None)


def _verse_lines(node: etree._Element) -> list[str]:
    """The lines of a block that is verse: ``VERSE_LINES`` or more lines set apart by ``<br>``,
    each of ``VERSE_LINE`` characters at most, in text and inline markup with no link or block
    inside, none a ``label：value`` or a date; [] for any other block."""
    if node.tag in ("br", "pre", "code", "td", "th") or node.xpath(_NOT_VERSE):
        return []
    parts: list[str] = [node.text or ""]
    for child in node:
        if child.tag == "br":
            parts.append("")
        elif isinstance(child.tag, str):
            parts[-1] += child.xpath("string()")
        parts[-1] += child.tail or ""
    verse = [squash(part) for part in parts if part.strip()]
    if len(verse) < VERSE_LINES or any(
        len(line) > VERSE_LINE or _LABELLED.match(line) or DATE_LIKE.search(line) for line in verse
    ):
        return []
    return verse


#: What a block of verse holds none of: a link, a block, a control.
_NOT_VERSE = (
    ".//a | .//p | .//div | .//li | .//table | .//h1 | .//h2 | .//h3 | .//h4 | .//input"
    " | .//button | .//img | .//script"
)
#: Lines from which, and characters up to which each, a ``<br>``-set block is verse.
VERSE_LINES = 2
VERSE_LINE = 40


_NEAR = (
    f"{{axis}}::text()[string-length(normalize-space()) >= {_ANCHOR}]"
    "[not(ancestor::script or ancestor::style)][position() <= 20]"
)


def _dropped_parts(sel: Selector) -> list[tuple[Selector, str]]:
    """The captions and attachments' lines of the page (see :func:`put_back`), in page order,
    each with its kind (``caption``, ``attachment``): one walk over the page, the cheap test
    first."""
    found: list[tuple[Selector, str]] = []
    for el in sel.root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "figcaption":
            found.append((Selector(root=el), "caption"))
        elif (cls := el.get("class")) and any(
            _CAPTION_CLASS.search(w) for w in cls.lower().split()
        ):
            parent = el.getparent()
            if parent is not None and next(parent.iter("img"), None) is not None:
                found.append((Selector(root=el), "caption"))
        elif el.tag == "a" and _ATTACHMENT.search(el.get("href") or ""):
            line = el.getparent()
            if (
                line is not None
                and line.tag in _LINE_TAGS
                and next(line.iterdescendants(*_LINE_TAGS), None) is None
                and not any(node is line for node, _ in found[-1:])
            ):
                found.append((Selector(root=line), "attachment"))
    return found


def _line_of(texts: list[Selector], flat: list[str]) -> int | None:
    """The body line the nearest of ``texts`` (page text beside an element) lies in."""
    for text in texts:
        own = "".join(text.get().split())
        at = next((i for i, line in enumerate(flat) if own in line), None)
        if at is not None:
            return at
    return None


def with_standfirst(text: str, sel: Selector, headline: str) -> str:
    """The body with the standfirst above it: the summary a news page prints between its
    headline and its body (the page's ``description``, or an element whose class names a
    standfirst, dek, summary, abstract or lede), which extractors leave out when it stands
    outside the body's container. Only prose (``STANDFIRST_CHARS``) that the body does not hold
    already, among the first elements after the headline, with the body's first line after
    it."""
    head = headline_node(sel, headline)
    lines = text.split("\n")
    if head is None or not lines:
        return text
    described = {"".join(d.split()) for d in sel.xpath(_DESCRIPTION).getall()}
    body, first = "".join(text.split()), "".join(lines[0].split())
    for node in head.xpath(f"following::*[position() <= {STANDFIRST_AFTER}]"):
        own = "".join(node.xpath("string()").get().split())
        classed = any(
            _STANDFIRST_CLASS.search(word) for word in (node.root.get("class") or "").split()
        )
        if len(own) < STANDFIRST_CHARS or not (own in described or classed) or own in body:
            continue
        if node.xpath(".//a") or first not in "".join(
            "".join(t.split()) for t in node.xpath("following::text()[position() <= 40]").getall()
        ):
            continue
        return squash(node.xpath("string()").get()) + "\n" + text
    return text


def without_disclosure_header(lines: list[str]) -> list[str]:
    """The lines without the header a government portal's information-disclosure page (政府信息
    公开) puts above a document — 索引号, 主题分类, 发文机关, 成文日期, 发文字号, 发布日期 … in a
    table or in label lines —: the leading run of table rows or short ``label：value`` lines
    (blank lines among them) naming two of those labels or more, before any line of the
    document. What the header says stays on the page; the document is the
    text under it."""
    end, labels = 0, set()
    for at, line in enumerate(lines):
        flat = _SPACES.sub("", line)
        if line.startswith("|") or (len(flat) <= _LABEL_LINE and _LABELLED.match(flat)):
            labels.update(_DISCLOSURE.findall(flat))
            end = at + 1
        elif flat:
            break
    return lines[end:] if len(labels) >= 2 else lines


def promotion(line: str) -> bool:
    """The site inviting its readers to a newsletter, an app, a podcast ("Sign up for free
    newsletters", "Listen to … on Spotify", "扫码关注我们")."""
    if len(line) > PROMO_LINE:
        return False
    return bool(_PROMO_ZH.search(line) or (_ASKS.search(line) and _CHANNELS.search(line)))


def trafilatura_text(html: str, url: str) -> str:
    """trafilatura's main text (tables kept, comments left out), '' when it finds none."""
    return clean_lines("\n".join(extracted(html, url, comments=False, precise=True)))


def selector_text(sel: Selector) -> str:
    """A known CMS body container, else the block whose paragraphs hold the most text."""
    for css in BODY_SELECTORS:
        for node in sel.css(css):
            text = node_text(node, _DROP)
            if len(text) >= MIN_BODY:
                return text
    best = densest_block(sel)
    return node_text(best, _DROP) if best is not None else ""


def densest_block(sel: Selector) -> Selector | None:
    """The element whose direct ``<p>``/``<div>`` children carry the most text."""
    scores: dict[object, tuple[int, Selector]] = {}
    for para in sel.xpath("//body//p[not(ancestor::a)]"):
        parents = para.xpath("..")
        if not parents:
            continue
        parent = parents[0]
        length = len(squash(para.xpath("string()").get()))
        total, _ = scores.get(parent.root, (0, parent))
        scores[parent.root] = (total + length, parent)
    if not scores:
        return None
    return max(scores.values(), key=lambda pair: pair[0])[1]


def tidy(text: str, headings: set[str]) -> str:
    """Drop the headline and over-title repeated at the top, a government document's
    disclosure header (see :func:`without_disclosure_header`) and share/print/copyright lines
    at the bottom; they belong to the page, not to the article."""
    lines = text.split("\n")
    for _ in range(2):  # the headline may stand above the header or below it
        while lines and (squash(lines[0]) in headings or _BOILERPLATE.match(lines[0])):
            lines.pop(0)
        lines = without_disclosure_header(lines)
    while lines and _BOILERPLATE.match(lines[-1]):
        lines.pop()
    return _TAIL.sub("", "\n".join(lines))
