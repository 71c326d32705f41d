"""The last reader of the chain: the page's main text, whatever the page is.

trafilatura (a maintained main-content extractor) finds the main region, read twice and
merged (see :func:`main_text`); comments and reply lists are kept, because on a discussion
page no reader recognised they are the discussion. The text is one post of low confidence,
so analysts and health checks can tell it from an engine's reading.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from lxml import etree
from parsel import Selector

from opinion_spiders.reading.shown import DIALOG_MARK, DIALOGS

#: Characters, spaces ignored, below which a main text is not worth a post.
MIN_TEXT = 20
#: Characters from which a line of main text is prose rather than a label or a name.
PROSE_LINE = 40
#: ``label: value`` pairs from which a text without a sentence is a card of facts.
CARD_LABELS = 2
_LABEL_VALUE = re.compile(r"(?<![\d:：])[:：]\s*[^\s:：]")
#: Share of a line's word pairs the precise reading must hold to vouch for the line; below
#: ``PART_LINE`` the line is none of its business.
SURE_LINE = 0.8
PART_LINE = 0.2
#: Words left of a run-on line besides its sure lines and link texts from which the line is
#: kept whole: prose the precise reading missed, not a template's labels.
RUN_ON_REST = 60
#: Words from which a line the precise reading left out is prose worth keeping.
PROSE_WORDS = 5
#: Share of a line left once its leading link texts are taken off, below which it is links.
LINKED_REST = 0.4
#: Characters up to which a line may be a post's header (its time, its author, "asked … by").
HEADER_LINE = 100
#: Words a header line may hold besides its time.
HEADER_WORDS = 5
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATED = re.compile(
    r"\d{2,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,4}\s*日?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?"
    r"|\d+\s*(?:秒|分钟|小时|天|周|个?月|年)前|刚刚|昨天|前天|今天"
    r"|\b(?:\d+|an?)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b|\byesterday\b",
    re.IGNORECASE,
)
#: A count the board shows of a thread or a member ("3 replies", "浏览 (640)", "of 4 total",
#: "共 3 页").
_COUNTER = re.compile(
    r"\d[\d,.]*\s*(?:repl(?:y|ies)|posts?|views?|voices?|comments?|answers?|votes?|members?"
    r"|likes?|total|[个条]?回复|条?评论|次?浏览|次?查看|次?阅读|个?回答|人?点赞|人?收藏"
    r"|[个位]?参与(?:人|者))\b"
    r"|共\s*\d+\s*(?:页|条|篇|楼|个)"
    r"|(?:repl(?:y|ies)|posts?|views?|comments?|answers?|回复|评论|浏览|查看|阅读|回答|点赞|收藏)"
    r"\s*[:：(（]?\s*\d",
    re.IGNORECASE,
)
#: A board's invitation to log in before taking part.
_LOGIN = re.compile(
    r"\b(?:must|need to|have to|please)\s+(?:be\s+)?(?:log(?:ged)?\s*in|sign(?:ed)?\s*in|register)"
    r"|\blog\s*in\s+(?:to|or\s+register\s+to)\s+(?:reply|post|comment)"
    r"|(?:请先?|需要|您需要)登录|登录后(?:才[能可]以?)?(?:回复|回帖|发表|评论|查看)",
    re.IGNORECASE,
)
#: The board software's note of how long it took to make the page (Kunena, Discuz!, phpBB).
_GENERATED = re.compile(
    r"time to create page|page (?:generated|created) in|processed in \d[\d.]* ?s"
    r"|页面(?:执行|生成)时间|本页(?:面)?(?:执行|生成)",
    re.IGNORECASE,
)
#: Counts a line must show to be the board's statistics rather than a sentence about them.
STAT_COUNTS = 2
_SENTENCE_END = re.compile(r"[.!?。！？…]$")
#: A form's fields a reader fills in: what makes a form one rather than a wrapper.
_FORM_FIELDS = ".//input[not(@type='hidden')] | .//textarea | .//select | .//button"
_SPACE = re.compile(r"[ \t\u3000\xa0]+")
_CJK_CHARS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK_CHARS}]|\w+|[^\w\s]")
_CJK = re.compile(rf"[{_CJK_CHARS}]")
_WORD = re.compile(rf"[^\W\d_{_CJK_CHARS}]+")
_JOINERS = " |·»>›/,，-–—:："


def main_text(html: str, url: str, *, comments: bool = True, sel: Selector | None = None) -> str:
    """The page's main text, one paragraph a line; '' when there is none.

    trafilatura reads the page twice: as it reads by default, which keeps every reply but
    falls back on discussion pages to the whole page (breadcrumbs, vote counts, member cards
    run into one line with the posts), and favouring precision, which keeps only the surest
    region and may drop the replies. The text is the precise reading's lines where they stand
    in the full one, and the full reading's other lines where they are prose (see
    :func:`merged`). ``sel`` (the page already parsed) spares a parse for the link texts.
    """
    full = extracted(html, url, comments=comments, precise=False)
    if not full:
        return ""
    sure = extracted(html, url, comments=comments, precise=True)
    lines = merged(full, sure, link_texts(sel or Selector(text=html, type="html")))
    text = "\n".join(line for line in lines if not (header_line(line) or board_line(line)))
    return text if len("".join(text.split())) >= MIN_TEXT else ""


@functools.lru_cache(maxsize=8)
def extracted(html: str, url: str, *, comments: bool, precise: bool) -> tuple[str, ...]:
    """trafilatura's lines of a page (tables kept, images not), read by default or favouring
    precision, with or without comments. Cached for the last few pages: the chain's main text
    and the article reader read the same page the same way."""
    import trafilatura  # ~0.1 s to import: only where a page needs it, not at every start

    out = trafilatura.extract(
        _as_shown(html), url=url or None, include_comments=comments, include_tables=True,
        include_images=False, deduplicate=False, favor_precision=precise,
    )  # fmt: skip
    if not isinstance(out, str):
        return ()
    lines = (_SPACE.sub(" ", line).strip() for line in out.split("\n"))
    return tuple(line for line in lines if line)


#: Elements a browser lays out as blocks: the text between two of them inside a box is a
#: paragraph of its own, as the browser shows it, whatever element holds it.
BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div",
     "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
     "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
     "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)  # fmt: skip
#: Characters of a loose run, spaces ignored, from which it is a paragraph to hand over.
LOOSE_RUN = 20
#: Boxes with text of their own beside their children, or after one: where loose runs are.
_LOOSE = etree.XPath(
    "//*[self::div or self::td or self::section or self::article or self::main"
    " or self::center][normalize-space(text()) or *[normalize-space(following-sibling::text())]]"
)


def _loose_runs_as_paragraphs(tree: Any) -> None:
    """Wrap each run of text and inline elements that stands between block elements inside a
    box (``<div><div class="ad"></div>text <a>link</a> text<p></p>text…</div>``: a story written
    as loose text between empty paragraphs) in a ``<p>`` — the browser shows it as a
    paragraph of its own, and trafilatura drops such a run after a block it removes (an ad's
    banner), the story's first paragraphs with it. Only in boxes that hold blocks too, where
    a run holds ``LOOSE_RUN`` characters or more."""
    for box in _LOOSE(tree):
        children = list(box)
        if not any(_is_block(c) for c in children):
            continue
        runs: list[tuple[str, list[Any]]] = []
        text: str = box.text or ""
        inline: list[Any] = []
        for child in children:
            if _is_block(child):
                runs.append((text, inline))
                text, inline = child.tail or "", []
            else:
                inline.append(child)  # its tail goes with it
        runs.append((text, inline))
        if max(_run_size(*run) for run in runs) < LOOSE_RUN:
            continue
        box.text = None
        for child in children:
            box.remove(child)
        blocks = iter(c for c in children if _is_block(c))
        for n, (text, inline) in enumerate(runs):
            if n:
                block = next(blocks)
                block.tail = None
                box.append(block)
            if _run_size(text, inline):
                para = etree.SubElement(box, "p")
                para.text = text
                para.extend(inline)
            else:  # white space and empty elements (an image, a script) stay as they were
                box.extend(inline)


def _is_block(el: Any) -> bool:
    return isinstance(el.tag, str) and el.tag in BLOCK_TAGS


def _run_size(text: str, inline: Sequence[Any]) -> int:
    """Characters of a run, spaces ignored: its leading text, and its elements' with tails."""
    size = len("".join(text.split()))
    for el in inline:
        if isinstance(el.tag, str) and el.tag not in ("script", "style"):
            size += len("".join("".join(el.itertext()).split()))
        size += len("".join((el.tail or "").split()))
    return size


@functools.lru_cache(maxsize=2)
def _as_shown(html: str) -> Any:
    """The page for trafilatura as a reader sees it: its forms that ask for nothing as
    blocks, its dialogs gone. Cached for the page's two readings: trafilatura reads a copy
    of a tree it is handed, never the tree.

    trafilatura drops every ``<form>``, and a form with no field to fill (hidden inputs at
    most) only wraps what it shows (old Reddit's ``form.usertext`` around each post, a
    board's post list in its moderation form); a form with a field (search, log-in, reply,
    report) stays one. A dialog (``role="dialog"``, a ``modal`` box: a board's Markdown help,
    its log-in or report box) shows only when a button opens it, and trafilatura would take
    its help text for the page's where a thread's one post is short. And a run of loose
    text between blocks is a paragraph of its own (:func:`_loose_runs_as_paragraphs`)."""
    forms = "<form" in html or "<FORM" in html
    dialogs = DIALOG_MARK.search(html) is not None
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return html
    for form in tree.iter("form") if forms else ():
        if not form.xpath(_FORM_FIELDS):
            form.tag = "div"
    for box in tree.xpath(DIALOGS) if dialogs else ():
        if box.getparent() is not None:
            box.getparent().remove(box)
    _loose_runs_as_paragraphs(tree)
    return tree


def merged(full: Sequence[str], sure: Sequence[str], links: Sequence[str]) -> list[str]:
    """The lines of ``full`` that ``sure`` vouches for, and its prose that ``sure`` left out.

    A line of the full reading that the sure one holds (``SURE_LINE`` of its word pairs) is
    kept; one it holds in part (a page's text run into one line) gives way to the sure lines
    inside it (see :func:`_inside`); one it does not hold is kept when it is prose —
    ``PROSE_WORDS`` words or more, not a run of the page's link texts (breadcrumbs, menus,
    titles of other threads)."""
    held = shingles("\n".join(sure))
    out: list[str] = []
    taken: set[str] = set()  # sure lines already put in place of a run-on line
    for line in full:
        own = shingles(line)
        share = len(own & held) / len(own) if own else 0.0
        if share >= SURE_LINE:
            out.append(line)
        elif share >= PART_LINE and (inside := _inside(line, own, sure, links)) is not None:
            out += [s for s in inside if s not in taken]
            taken.update(inside)
        elif words(line) >= PROSE_WORDS and not _linked(line, links):
            out.append(line)
    return out


def _inside(
    line: str, own: set[tuple[str, ...]], sure: Sequence[str], links: Sequence[str]
) -> list[str] | None:
    """The sure lines a run-on line of the full reading holds, to stand in its place; None
    when it holds none, or when what is left of it besides them and the page's link texts is
    a run of prose (``RUN_ON_REST`` words) that the precise reading missed."""
    inside = [s for s in sure if len(shingles(s) & own) >= SURE_LINE * len(shingles(s))]
    if not inside:
        return None
    rest = line
    for part in (*inside, *(t for t in links if len(t) >= 4)):
        rest = rest.replace(part, " ")
    return None if words(rest) >= RUN_ON_REST else inside


@functools.lru_cache(maxsize=4)
def link_texts(sel: Selector) -> tuple[str, ...]:
    """The texts of the page's links, longest first. Cached for the last few pages (by the
    page's selector): the main text and the article's story both read them."""
    texts = {" ".join(t.split()) for t in sel.xpath("//body//a").xpath("string()").getall()}
    return tuple(sorted((t for t in texts if len(t) >= 2), key=len, reverse=True))


def _linked(line: str, links: Sequence[str]) -> bool:
    """Whether a line is mostly link texts one after the other (a breadcrumb, a menu)."""
    rest = line
    while rest:
        link = next((t for t in links if rest.startswith(t)), None)
        if link is None:
            break
        rest = rest[len(link) :].lstrip(_JOINERS)
    return len("".join(rest.split())) < LINKED_REST * len("".join(line.split()))


def header_line(line: str) -> bool:
    """A post's header rather than what was said: a short line whose time is its point —
    "Sep 18, 2017", "asked 2 years ago by alice", "24-5-13 17:07 来自 微博" — with at most
    ``HEADER_WORDS`` words besides and no sentence end."""
    if len(line) > HEADER_LINE or not _DATED.search(line):
        return False
    rest = _DATED.sub(" ", line).strip()
    return words(rest) <= HEADER_WORDS and not _SENTENCE_END.search(rest)


def board_line(line: str) -> bool:
    """The board's own line rather than a post's: a short line of its counts ("This topic
    has 3 replies, 2 voices", "浏览 (640) 点赞 (5)"), an invitation to log in or the time it
    took to make the page ("Time to create page: 0.214 seconds", "Processed in 0.03 s")."""
    if len(line) > HEADER_LINE:
        return False
    counts = len(_COUNTER.findall(line)) >= STAT_COUNTS
    return counts or bool(_LOGIN.search(line) or _GENERATED.search(line))


def shingles(text: str) -> set[tuple[str, ...]]:
    """Pairs of adjacent tokens (a CJK character or a word): what two texts share when one
    holds the other, in any script — character pairs of Latin text are shared by any two."""
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < 2:
        return {tuple(tokens)} if tokens else set()
    return set(zip(tokens, tokens[1:], strict=False))


def words(text: str) -> float:
    """Words of a line, two CJK characters counting as one."""
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) / 2


def bigrams(text: str) -> set[tuple[str, str]]:
    """Character pairs of a text without white space: an order-free, language-free sketch."""
    flat = "".join(text.split())
    return set(zip(flat, flat[1:], strict=False))


_CELL = re.compile(r"(?:^|\s)\|(?:\s|$)")


def cells(line: str) -> list[str]:
    """A main text's line as its table cells (trafilatura writes a table row as one line,
    ``| cell | cell |``: on a board laid out in tables, the poster's card beside the post);
    a line that is no row is its one cell."""
    parts = [part.strip() for part in _CELL.split(line)]
    return [part for part in parts if part] if len(parts) > 1 else [line]


def said_line(text: str) -> bool:
    """Whether a line says something: ``PROSE_WORDS`` words or more, or a sentence's end
    (``急！``) — not a poster's name, title or count (``老陈``, ``版主``, ``帖子数: 13``)."""
    return words(text) >= PROSE_WORDS or bool(_SENTENCE_END.search(text))


def card(text: str) -> bool:
    """Whether a text is labelled facts, not prose: two or more ``label: value`` pairs and no
    sentence's end (:data:`_SENTENCE_END`; a poster's card, ``Full Member Join Date: Jun 2008
    Location: Leeds Posts: 1,234``, ``等级：二级 文章：312 积分：1045``; an article's info line)."""
    return len(_LABEL_VALUE.findall(text)) >= CARD_LABELS and not _SENTENCE_END.search(text)


def coverage(part: str, whole: str) -> float:
    """The share of ``whole``'s character pairs that ``part`` also has (1.0 when ``whole`` is
    empty): how much of the main text a reader's posts account for. Only the lines of prose
    count where there are any — short lines (names, times, buttons) are what a reader that
    cleans its posts leaves out on purpose —, and of a table row its cells of prose."""
    prose = [
        cell for line in whole.split("\n") for cell in cells(line)
        if len(cell) >= PROSE_LINE and not card(cell)
    ]  # fmt: skip
    want = bigrams("\n".join(prose) if prose else whole)
    if not want:
        return 1.0
    return len(bigrams(part) & want) / len(want)


#: Markup a CMS wrote into a ``<title>`` as text (``… $5 <br/>BILLION …``).
_MARKUP = re.compile(r"<[A-Za-z/][^<>]{0,40}>")
_SITE_SUFFIX = re.compile(r"\s+[-|_–—•·»]\s+")
#: The separators of a ``<title>`` written without spaces or with doubled dashes.
_TITLE_PART = re.compile(r"\s*(?:-{2,}|[-|_–—•·»])\s*")


def page_title(sel: Selector) -> str:
    """The page's own title: the longest heading the ``<title>`` starts with or that is most of
    it (``BBL news - <headline> | ESPNcricinfo``; site banners and section names are headings
    too), else the ``<title>`` up to a site suffix (" - Site", " | Board", " • Forum")."""
    title = " ".join(_MARKUP.sub(" ", sel.xpath("string(//title)").get() or "").split())
    headings = [
        " ".join((h or "").split()) for h in sel.css("h1, h2, h3").xpath("string()").getall()
    ]
    starting = [text for text in headings if len(text) > 3 and title.startswith(text)]
    # "Section - Headline | Site": a heading that is most of the title, after its section
    inside = [text for text in headings if 2 * len(text) >= len(title) > 0 and text in title]
    if starting or inside:
        return max(starting + inside, key=len)
    # "标题-版块-站名", "站名 -- 版块 -- 标题": the title's longest part, when the page shows it
    parts = [part for part in _TITLE_PART.split(title) if part]
    longest = max(parts, key=len, default="")
    if len(parts) > 1 and _shown(sel, longest, headings):
        return longest
    return _SITE_SUFFIX.split(title)[0]


def _shown(sel: Selector, text: str, headings: list[str]) -> bool:
    """Whether the page shows ``text`` as a heading (after a tag such as ``[求助]``) or as a
    whole text node of its body."""
    if any(heading.endswith(text) for heading in headings):
        return True
    nodes = sel.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()
    return any(" ".join(node.split()) == text for node in nodes)
