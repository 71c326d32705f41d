"""Where on the page the story under a headline is, so an extractor's text can be held to it.

A main-content extractor scores blocks by their text. On a page that streams other stories
under the article (portals that load the next stories as you scroll) the densest block is the
stream, not the article. The page's own markup often says where the article is: the
``<article>`` element (HTML's "self-contained composition") that holds the page's headline is
the story, and text outside it is not. Lines of an article reading that lie outside that
element are dropped; a page whose headline stands in no ``<article>`` keeps its reading.

Around the story a page builds its apparatus, which extractors read as part of it: runs of
related links, media players, references, readers' comments, announcements, and the page's
footer. Those lines are left out too (:func:`within_story`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from lxml import etree
from parsel import Selector

from opinion_spiders.reading.main_text import link_texts, shingles, words
from opinion_spiders.reading.shown import bare

#: Share of a line's word pairs the story element must hold for the line to be the story's.
INSIDE = 0.5
#: Characters of text besides the headline below which an ``<article>`` is a teaser card,
#: not the story.
MIN_STORY = 40
#: Lines of links in a row from which they are a list of other pages (related stories, next
#: videos), not the story's.
LINK_RUN = 3
#: Characters up to which a link's text is a card's (title, section, duration), not a page
#: wrapped in one link.
LINK_CARD = 400
#: Words up to which a line between links is a card's label ("5 minutes", "Biology").
LABEL_WORDS = 3
#: Lines of link texts, and the share of a text's characters they hold, from which the text
#: is a list of links (:func:`link_list`).
LIST_LINES = 5
LIST_SHARE = 0.7
#: Characters up to which a line may be a listed link's (a title with its date and counts).
LIST_LINE = 200
#: What stands beside a listed link: dates and times, counts, bullets and cell borders.
_LIST_NOISE = re.compile(
    r"\d{2,4}\s*[-/.年月]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?)?|\d+|[-|:·•()\[\]【】（）]"
)
#: Characters up to which a line may be a player's control or label.
CONTROL_LINE = 100
#: A class or id token naming a side column — a sidebar or a widget area (``widget-area
#: sidebar``, ``is-left-sidebar``, WordPress's ``widget-area`` that older themes print as a
#: ``<div>``) —, not a layout with one (``no-sidebar``, ``has-sidebar``) nor the wrapper of
#: the content and its sidebar (``content-sidebar-wrap``).
_SIDEBAR_TOKEN = (
    r"(?!(?:no|has|with|without|both|content|main)[-_])(?:[a-z]+[-_])*(?:sidebar|widget[-_]area)"
    r"(?:[-_](?:left|right|primary|secondary|area|widgets?|inner|\d+))*"
)
SIDEBAR = re.compile(rf"{_SIDEBAR_TOKEN}$", re.IGNORECASE)
#: The page's apparatus around a story, by the word its class or id names it with.
APPARATUS = {
    "player": re.compile(r"player", re.IGNORECASE),
    "reference": re.compile(r"reference|reflist", re.IGNORECASE),
    "comment": re.compile(r"comment(?!ary)|disqus", re.IGNORECASE),
    "announcement": re.compile(r"announce", re.IGNORECASE),
    "spoiler": re.compile(r"spoiler", re.IGNORECASE),
    # a side column: a class or id token of :data:`SIDEBAR`'s
    "sidebar": re.compile(rf"(?:^|\s){_SIDEBAR_TOKEN}(?=\s|$)", re.IGNORECASE),
    # a poster's signature under each post (phpBB, vBulletin, XenForo ``signature``, Kunena
    # ``ksignature``, Discuz! ``sign``, SMF ``sig``), which a board's reader leaves out
    "signature": re.compile(r"signature|(?:^|\s)sign?(?:\s|$)", re.IGNORECASE),
    # a class, id or role that starts with it (``cookieConsentBar``, ``cc-cookie-notice``,
    # ``gdpr-banner``), not a feature flag that has it inside (``filterNonGdprEmbeds``)
    "consent": re.compile(
        r"(?:^|\s)(?:[a-z]{1,3}[-_])?(?:consent|gdpr"
        r"|cookies?[-_]?(?:consent|notice|banner|bar|law|message|popup|warning|policy|settings))",
        re.IGNORECASE,
    ),
}
#: The apparatus of a discussion page: what is never one of its posts (its comments are).
BOARD_APPARATUS = ("player", "announcement", "spoiler", "consent", "signature", "sidebar")
#: The apparatus around an article: a story's sign-off is its own.
STORY_APPARATUS = tuple(kind for kind in APPARATUS if kind != "signature")
#: Characters up to which a line may be the page's footer or one of its buttons.
FURNITURE_LINE = 120
#: The page's footer (copyright, ICP licence, browser advice) and its "more" buttons.
_FURNITURE = re.compile(
    r"Copyright|©|All Rights Reserved|ICP备|ICP证|公网安备|版权所有|建议.{0,20}浏览器"
    r"|^(?:查看更多|加载更多|展开全文|点击加载更多|load more|show more)$",
    re.IGNORECASE,
)
#: A heading of other stories than the page's: related, recommended, more to read.
_RELATED = re.compile(
    r"(?:你可能(?:还|還)(?:想|会|會)(?:看|喜欢|喜歡)|猜你喜(?:欢|歡)|相(?:关|關)(?:阅读|閱讀|新闻|新聞"
    r"|文章|推荐|推薦|报道|報導|链接|鏈接)|推(?:荐|薦)(?:阅读|閱讀)|延伸(?:阅读|閱讀)|热门推荐|更多(?:新闻|新聞"
    r"|阅读|閱讀|精彩)|related(?: (?:articles?|stories|news|posts|coverage|reading))?"
    r"|you (?:may|might) (?:also )?like|more (?:from|stories|to read|on)\b.{0,40}"
    r"|read (?:more|next)|recommended(?: for you| stories)?|most (?:read|popular))\s*[:：]?",
    re.IGNORECASE,
)
#: Share of the page's text a section of other stories holds less of: a stream of them may
#: outweigh the story, not hold the whole page.
SECTION_SHARE = 0.8
_HEADINGS = etree.XPath("//body//*[self::h2 or self::h3 or self::h4]")
#: Share of the page's text from which an element named as apparatus is a wrapper named
#: after what it wraps (``div.has-comments`` around the article), not the apparatus.
WRAPPER_SHARE = 0.5
#: Elements named as apparatus are blocks: a ``<span class="hljs-comment">`` in a code listing
#: is a comment of the code, not the readers'.
_NAMED = etree.XPath("//body//*[@class or @id]")
_NOT_BLOCKS = frozenset(
    ["script", "style", "link", "span", "a", "code", "i", "em", "b", "strong", "font"]
)
_IN_CODE = frozenset(["pre", "code"])
#: A word each kind of :data:`APPARATUS` needs in a name (case-folded, and a dotless ``ı`` an
#: ``i``, as the patterns match it): most named elements have none of them, and a look for
#: words is cheaper than the patterns' search.
_APPARATUS_WORDS = (
    "player", "ref", "comment", "disqus", "announce", "spoiler", "sig", "consent", "gdpr", "cookie",
    "sidebar", "widget",
)  # fmt: skip
#: Keeps texts apart when they are searched as one string: no line holds it.
_SEP = "\x00"
_VISIBLE = ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
#: What holds no visible text, and the queries that spare asking every text node for them.
_HIDING = frozenset(["script", "style", "noscript"])
_HIDES = etree.XPath(
    "boolean(descendant-or-self::*[self::script or self::style or self::noscript])"
)
_TEXTS = etree.XPath(".//text()", smart_strings=False)
_BODY_TEXTS = etree.XPath("//body//text()", smart_strings=False)
_BODY_HIDERS = etree.XPath(
    "//body//*[self::script or self::style or self::noscript]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript)]"
)


def squash(text: str | None) -> str:
    """One line: every run of whitespace (no-break and ideographic spaces too) one space."""
    return " ".join((text or "").split())


def element_text(el: etree._Element) -> str:
    """An element's visible text (scripts and styles left out), one line. Most elements
    hold none of them and stand in none: their text is all their text nodes."""
    if _HIDES(el) or any(a.tag in _HIDING for a in el.iterancestors()):
        return squash(" ".join(el.xpath(_VISIBLE)))
    return squash(" ".join(_TEXTS(el)))


def headline_element(sel: Selector, headline: str) -> etree._Element | None:
    """The ``<h1>``–``<h3>`` in the body whose text is the headline (or the start of it)."""
    want = squash(headline).lower()
    if len(want) < 4:
        return None
    for tag in ("h1", "h2", "h3"):
        for node in sel.xpath(f"//body//{tag}"):
            got = squash(node.xpath("string()").get()).lower()
            if len(got) >= 4 and (got == want or want.startswith(got) or got.startswith(want)):
                return node.root
    return None


def story_element(sel: Selector, headline: str) -> etree._Element | None:
    """The outermost ``<article>`` around the headline, when it holds a body besides it."""
    head = headline_element(sel, headline)
    if head is None:
        return None
    around = [el for el in head.iterancestors() if el.tag == "article"]
    if not around:
        return None
    story = around[-1]
    rest = len(element_text(story)) - len(element_text(head))
    return story if rest >= MIN_STORY else None


def within_story(text: str, sel: Selector, headline: str) -> str:
    """The lines of an article reading that belong to the story: not in a run of links to
    other pages (see :func:`without_link_runs`), not the apparatus around the story (a
    player's controls, references, comments: see :func:`without_apparatus`), not the page's
    footer or buttons (see :func:`furniture`), and inside the story element where the page
    marks one."""
    text = without_apparatus(without_link_runs(text, sel), sel)
    text = "\n".join(line for line in text.split("\n") if not furniture(line))
    text = without_player_runs(text)
    if related := _related_texts(sel, headline):
        text = "\n".join(line for line in text.split("\n") if bare(line) not in related)
    story = story_element(sel, headline)
    if story is None:
        return text
    held = shingles(element_text(story))
    lines = text.split("\n")
    kept = [
        line for line in lines if (own := shingles(line)) and len(own & held) >= INSIDE * len(own)
    ]
    return "\n".join(kept)


def _related_texts(sel: Selector, headline: str) -> str:
    """The text of each section of other stories the page heads as such (``你可能還想看``,
    ``相关阅读``, ``Related Stories``, ``More from …``: :data:`_RELATED`), one after the other
    (apart) — the section being the lowest box around the heading that holds more than it,
    opens with it, and holds neither the story's headline nor ``SECTION_SHARE`` of the page
    (a heading inside the story, after its paragraphs, heads no section of its own)."""
    heads = [h for h in _HEADINGS(sel.root) if _RELATED.fullmatch(squash(element_text(h)))]
    if not heads:
        return ""
    story_head = headline_element(sel, headline)
    page = _visible_size(sel.root)
    out = []
    for head in heads:
        said = bare(element_text(head))
        for box in head.iterancestors():
            text = bare(element_text(box))
            if text == said:
                continue
            if (
                text.startswith(said)
                and len(text) < SECTION_SHARE * page
                and (story_head is None or story_head not in box.iter())
            ):
                out.append(text)
            break
    return _SEP.join(out)


#: What a media player's controls print, a line each: a playback speed (``2.0X``, ``1.5倍``),
#: a clock (``00:00``, ``01:12 / 03:45``), a control's or a quality's name, the player's
#: error (``很抱歉，当前视频播放失败``, ``错误代码：QVS.4100``) — whatever its markup is named.
_PLAYER_LINE = re.compile(
    r"(?:-\s*)?(?:\d(?:\.\d{1,2})?\s*[xX×倍]"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|倍速|播放速度|清晰度|画质|全屏|退出全屏|网页全屏|画中画|静音|取消静音|播放|暂停|重播|重新播放"
    r"|弹幕|自动播放|连播|音量|高清|超清|标清|流畅|蓝光|自动|\d{3,4}[pP]"
    r"|playback speed|speed|quality|subtitles|captions|fullscreen|exit fullscreen|mute|unmute"
    r"|play|pause|replay|skip ad|normal"
    r"|.{0,12}(?:视频)?(?:播放|加载)失败.{0,12}|错误代码\s*[:：]\s*\S{1,20}"
    r"|.{0,16}建议\s*(?:在\s*)?WIFI\s*(?:下|环境下)(?:打开|观看|播放))",
    re.IGNORECASE,
)
#: Lines of a player's controls in a row from which they are a player's, not the story's.
PLAYER_RUN = 2


def without_player_runs(text: str) -> str:
    """The text without runs of ``PLAYER_RUN`` lines or more that a media player's controls
    print (:data:`_PLAYER_LINE`: ``倍速``, ``- 2.0X``, ``00:00``, ``很抱歉，当前视频播放失败``) —
    where no class or id names the player (hashed class names), the apparatus does not
    find it; a story's lone ``播放`` or clock stays."""
    lines = text.split("\n")
    player = [bool(_PLAYER_LINE.fullmatch(line.strip())) for line in lines]
    drop: set[int] = set()
    start = None
    for i, flag in enumerate([*player, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= PLAYER_RUN:
                drop.update(range(start, i))
            start = None
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def furniture(line: str) -> bool:
    """The page's own line rather than the story's: a short line of its footer (copyright,
    licence numbers, "建议使用…浏览器") or a "load more" button."""
    return len(line) <= FURNITURE_LINE and bool(_FURNITURE.search(line))


def without_link_runs(text: str, sel: Selector) -> str:
    """The text without its runs of links: ``LINK_RUN`` or more lines in a row that each lie
    inside one of the page's links (a card's title or section) or are a card's short label
    between them — a list of related stories or next videos that an extractor took for part
    of the article. A story's own lines are not links; a link inside a sentence is part of
    a longer line."""
    cards = _SEP.join(t for t in link_texts(sel) if len(t) <= LINK_CARD)
    lines = text.split("\n")
    linked = [bool(line) and line in cards for line in lines]
    keep = [True] * len(lines)
    start = 0
    while start < len(lines):
        end = start
        links = 0
        while end < len(lines) and (linked[end] or words(lines[end]) <= LABEL_WORDS):
            links += linked[end]
            end += 1
        if links >= LINK_RUN:
            keep[start:end] = [False] * (end - start)
        start = end + 1
    return "\n".join(line for line, k in zip(lines, keep, strict=True) if k)


def link_list(text: str, sel: Selector) -> bool:
    """Whether a text is a list of links, not a story: ``LIST_LINES`` or more of its lines,
    holding ``LIST_SHARE`` of its characters or more, are each the texts of the page's links
    with at most dates, counts and a short label between them — a column page's titles with
    their dates (``关于…的通知 2024-05-28``), a board's thread list read row by row (title,
    poster, date, replies). A story with a list of related links under it is mostly prose."""
    lines = [line for line in text.split("\n") if line.strip()]
    size = sum(len(line) for line in lines)
    short = [line for line in lines if len(line) <= LIST_LINE]
    if len(short) < LIST_LINES or sum(len(line) for line in short) < LIST_SHARE * size:
        return False  # a story's paragraphs: no need to look for the links
    links = [t for t in link_texts(sel) if len(t) <= LINK_CARD]
    listed = [line for line in short if _all_links(line, links)]
    return len(listed) >= LIST_LINES and sum(len(line) for line in listed) >= LIST_SHARE * size


def _all_links(line: str, links: Sequence[str]) -> bool:
    """Whether a line is link texts with at most dates, numbers and a short label left."""
    rest = line
    found = False
    for link in links:
        if link in rest:
            rest = rest.replace(link, " ")
            found = True
    if not found:
        return False
    rest = _LIST_NOISE.sub(" ", rest)
    return words(rest) <= LABEL_WORDS


def without_apparatus(text: str, sel: Selector, kinds: Sequence[str] = STORY_APPARATUS) -> str:
    """The text without what the page's apparatus around the story says: the controls of its
    media players (speed menus, timers, "Skip Ad"), its list of references, its readers'
    comments and the site's announcements — elements whose class or id names them
    (:data:`APPARATUS`; ``kinds`` of them, those around a story by default). A player's lines
    are short ones (``CONTROL_LINE``): a video's description may stand inside its player."""
    lines = text.split("\n")
    drop: set[int] = set()
    for kind, texts in _named_texts(sel).items():
        if kind in kinds:
            drop.update(
                i
                for i, line in enumerate(lines)
                if (kind != "player" or len(line) <= CONTROL_LINE)
                and (flat := bare(line))
                and flat in texts
            )
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


@functools.lru_cache(maxsize=4)
def _named_texts(sel: Selector) -> dict[str, str]:
    """For each kind of :data:`APPARATUS`, the visible text of each outermost element whose
    class or id names it, one after the other (apart); an element holding ``WRAPPER_SHARE``
    of the page's text is a wrapper, not the apparatus, and is passed over. Cached for the
    last few pages: the article reader's body and the chain's main text are both held to
    the story."""
    named: dict[str, list[etree._Element]] = {kind: [] for kind in APPARATUS}
    for el in _NAMED(sel.root):
        names = f"{el.get('class', '')} {el.get('id', '')} {el.get('data-role', '')}"
        if (
            el.tag in _NOT_BLOCKS
            or not any(word in names.casefold().replace("ı", "i") for word in _APPARATUS_WORDS)
            or any(a.tag in _IN_CODE for a in el.iterancestors())
        ):
            continue
        for kind, pattern in APPARATUS.items():
            if pattern.search(names):
                named[kind].append(el)
    if not any(named.values()):
        return {}
    page = _visible_size(sel.root)
    out = {}
    for kind, found in named.items():
        texts = {el: bare(element_text(el)) for el in found}
        kept = {el: t for el, t in texts.items() if len(t) < WRAPPER_SHARE * page}
        outer = [t for el, t in kept.items() if not any(a in kept for a in el.iterancestors())]
        if outer:
            out[kind] = _SEP.join(outer)
    return out


def _visible_size(root: etree._Element) -> int:
    """The characters of the body's visible text, as :func:`bare` counts them: all its text
    less that of its outermost scripts, styles and ``noscript`` blocks."""
    hidden = sum(_bare_size(_TEXTS(el)) for el in _BODY_HIDERS(root))
    return _bare_size(_BODY_TEXTS(root)) - hidden


def _bare_size(texts: list[str]) -> int:
    """``sum(len(bare(t)) for t in texts)``, counted on one string: the characters but
    white space, less the dash of each text that starts with ``- ``."""
    joined = "\x00".join(texts)
    dashed = ("\x00" + joined).count("\x00- ")
    return len("".join(joined.split())) - max(len(texts) - 1, 0) - dashed
