"""The reading chain: engine adapter → generic thread reader → article → main text.

A page yields the best reading available, never nothing where text can be read. The
engines named first (the site's own, or for ``opinion parse`` those that recognise the page)
are precise and taken as they come. Where none reads the page, the page's own structure
decides: a signed discussion that accounts for its main text makes a thread; a page that
declares itself an article (its metas) over a dated body is an article; then repeated post
blocks that account for the main text make a thread, a headline over a body that does an
article; and otherwise the main text itself is one post of low confidence. A
listing comes out as links only where the page has no main text of its own, so an article is
never read as its related links. A page reached by a link whose role says what it is reads as
that: a thread's posts (with the opening post the blocks leave out) or its main text with its
comments; an article's body or its main text without them. A page reached with no role whose
address or structured data names it a thread (:mod:`~opinion_spiders.reading.declared_kind`)
reads as one reached as a thread. The :class:`Reading` says which
reader won, what kind of page it took the page for and how sure it is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from opinion_spiders.adapters import LONE_VERSION, Adapter, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.reading.declared_kind import discussion_sign
from opinion_spiders.reading.encoding import Decoded, decode_html
from opinion_spiders.reading.main_text import (
    MIN_TEXT,
    PROSE_LINE,
    bigrams,
    card,
    cells,
    coverage,
    main_text,
    page_title,
    said_line,
)
from opinion_spiders.reading.published import dateline, declared_time
from opinion_spiders.reading.shown import shown_lines
from opinion_spiders.reading.story import (
    BOARD_APPARATUS,
    link_list,
    within_story,
    without_apparatus,
)
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import full_date
from opinion_spiders.text.fingerprints import url_key

if TYPE_CHECKING:
    from opinion_spiders.runtime import Runtime

#: What a page can be taken for.
PAGE_KINDS = ("thread", "listing", "article", "notice")
#: Roles whose pages are expected to carry posts: only these fall through the chain.
CONTENT_ROLES = ("thread", "article", "auto")
#: ``sniff`` at which ``opinion parse`` takes an engine's reading as it comes.
ENGINE_SURE = 0.5
#: Share of the main text a thread reader's posts must account for.
THREAD_COVERAGE = 0.9
#: A signed discussion (see :func:`_authored`) on a page reached as a thread is its posts when
#: they hold this share of the main text and the main text holds ``SIGNED_INSIDE`` of theirs.
SIGNED_COVERAGE = 0.75
SIGNED_INSIDE = 0.9
#: A signed discussion whose every post is dated is the page where the main text holds this
#: share of it (see :func:`_dated_discussion_inside`).
DATED_INSIDE = 0.75
#: Signed, dated posts of which the main text holds less than this share lie apart from it:
#: comments under the post the main text is (see :func:`_comments_apart`), read with it at
#: ``COMMENTS_APART`` confidence.
APART_INSIDE = 0.2
COMMENTS_APART = 0.5
#: How sure a reading is of a thread of one or two signed, dated posts the main text holds none of.
FEW_SIGNED = 0.5
#: Characters at the start of such a post's main text where its poster's line may date it.
HEAD_CHARS = 60
#: A line of main text is missed by the posts when less than this share of it is theirs.
MISSED_SHARE = 0.5
#: Characters of a post's shown time from which a line that holds it is the post's header.
SHOWN_TIME = 8
#: Characters of a post's shown time or poster's name from which the main text's copy of it
#: is the post's header, not its text.
HEADER_PART = 2
#: Share of the main text an article body must account for (less: comments or replies
#: hold the rest, and the main text reads the page better).
ARTICLE_COVERAGE = 0.75
#: The article reader's ``sniff`` for a page that declares itself an article (metas such as
#: ``og:type=article``, ``ArticleTitle``, ``PubDate``): its reading comes before a thread's.
DECLARED_ARTICLE = 0.4
#: Share of a declared story's text a thread's opening post must hold to be that story.
STORY_IN_OPENING = 0.9
#: Characters of body from which a dated article reading is a story, not a teaser.
STORY_BODY = 150
#: Main text (characters) above which a page is content, not a list of links.
LISTING_TEXT = 300
#: Lines ending in a "read more" link that make a main text a column of teasers
#: (:func:`teasers`), and the share of its lines they must be.
TEASER_LINES = 3
TEASER_SHARE = 0.6
#: What a link under a teaser says to lead to the whole article (the portal reader lists such
#: links as article links). Bracketed (``[详细]``) any of them marks a teaser's end, and
#: ``[更多]``/``[more]`` too; bare, only the phrases of four characters or more.
READ_MORE = ("详细", "详情", "全文", "阅读全文", "查看全文", "查看详情", "详细内容", "read more",
             "continue reading")  # fmt: skip
_MORE = re.compile(
    rf"(?:[\[【(（]\s*(?:{'|'.join((*READ_MORE, '更多', 'more'))})\s*[\]】)）]"
    rf"|(?:{'|'.join(w for w in READ_MORE if len(w) >= 4)})\s*[>»›]*)\s*$",
    re.IGNORECASE,
)
#: Confidence of a post that is the page's main text, no reader having recognised it.
MAIN_TEXT_CONFIDENCE = 0.3

GENERIC, PORTAL, MAIN_TEXT = "generic", "portal", "main_text"


@dataclass
class Reading:
    """What was read off a page, by which reader (an engine, ``generic``, ``portal`` or
    ``main_text``), taken for which kind of page (one of :data:`PAGE_KINDS`)."""

    parsed: Parsed
    reader: str
    kind: str
    confidence: float
    tried: list[str] = field(default_factory=list)


def kind_of(parsed: Parsed) -> str:
    """The page kind an adapter's result shows."""
    if parsed.page_type == "notice":
        return "notice"
    if len(parsed.posts) > 1 or any((p.floor or 0) > 1 or p.reply_to for p in parsed.posts):
        return "thread"
    if parsed.posts:
        return "thread" if parsed.posts[0].floor == 1 else "article"
    return "listing"


def read(
    page: Page,
    first: Sequence[Adapter],
    adapters: Mapping[str, type[Adapter]],
    *,
    empty_falls_back: bool = True,
) -> Reading:
    """Read ``page`` with the ``first`` engines, then, for content roles, the chain.

    A first engine that reads no post off a content page yields to the chain too, unless
    ``empty_falls_back`` is off (a crawl trusts its site's engine to say a page is empty)."""
    tried: list[str] = []
    listing: Reading | None = None
    for adapter in first:
        try:
            parsed = adapter.parse(page)
        except ParseError as exc:
            tried.append(f"{adapter.engine}: {exc}")
            continue
        reading = Reading(parsed, adapter.engine, kind_of(parsed), 1.0, tried)
        if parsed.posts or parsed.page_type == "notice" or page.role not in CONTENT_ROLES:
            return reading
        if not empty_falls_back:
            return reading
        listing = listing or reading
    if page.role not in CONTENT_ROLES:
        raise ParseError("unreadable", "; ".join(tried) or "no engine for the page")
    if page.role == "thread":
        return _as_thread(page, adapters, tried)
    if page.role == "article":
        return _as_article(page, adapters, tried)
    if discussion_sign(page.url, page.selector):
        return _as_thread(page, adapters, tried)
    return _fall_back(page, adapters, tried, listing)


def _as_thread(page: Page, adapters: Mapping[str, type[Adapter]], tried: list[str]) -> Reading:
    """A page reached as a thread (a forum's thread link): its posts, the opening post read
    off the main text where the post blocks leave it out, else the main text as one post."""
    text = _board_text(page)
    thread = _try(adapters.get(GENERIC), page, "thread", tried)
    if thread and thread.page_type == "notice":
        return Reading(thread, GENERIC, "notice", 0.5, tried)
    inside = _inside(thread, text) if thread else None
    if thread and inside and len(thread.posts) > 1:
        threaded = thread_coverage(thread.posts, text)
        if (
            threaded >= THREAD_COVERAGE
            or _signed_inside(thread, threaded, inside, text)
            or _one_reply_inside(thread, threaded, inside)
            or _dated_discussion_inside(thread, inside)
        ):
            return _thread_reading(page, thread, text, threaded, tried)
        tried.append(f"{GENERIC}: its posts hold {threaded:.0%} of the main text")
        if text and _comments_apart(thread, text):
            return _with_its_comments(page, thread, text, tried)
    if thread and inside and _few_signed(thread):
        held = thread_coverage(thread.posts, text) if text else 0.0
        if held >= THREAD_COVERAGE or inside() >= SIGNED_INSIDE:
            return _thread_reading(page, thread, text, held, tried)
        if inside() < APART_INSIDE:
            tried.append(f"{MAIN_TEXT}: it holds none of the {len(thread.posts)} signed posts")
            return Reading(_as_site(thread, page), GENERIC, "thread", FEW_SIGNED, tried)
        if text and all(p.author and p.published_text for p in thread.posts):
            return _with_its_comments(page, thread, text, tried)
    if text:
        return _main_text_reading(page, text, "thread", tried)
    raise ParseError("unreadable", "; ".join(tried) or "no text on the page")


def _few_signed(thread: Parsed) -> bool:
    """Posts that stand alone (``LONE_VERSION``: no group of like blocks beside them, too
    few to tell a discussion by, :func:`_authored`), each signed or dated: a thread with no
    reply yet, or with one, which its boxes' names and their posters' names or times tell."""
    posts = thread.posts
    return bool(posts) and all(
        p.adapter_version == LONE_VERSION and (p.author or p.published_text) for p in posts
    )


def _thread_reading(
    page: Page, thread: Parsed, text: str, threaded: float, tried: list[str]
) -> Reading:
    """The generic reader's posts, taken: where they hold less than ``THREAD_COVERAGE`` of
    the main text (a signed discussion inside it), the lines no post holds open the thread."""
    if threaded < THREAD_COVERAGE and (missed := _missed(text, thread.posts)):
        _open_with(thread, _main_text_post(page, missed, "thread"))
    return Reading(_as_site(thread, page), GENERIC, "thread", round(threaded, 2), tried)


def _inside(thread: Parsed, text: str) -> Callable[[], float]:
    """The share of the posts the main text holds, worked out when first asked for (each
    thread predicate asks only once its cheaper conditions hold) and then kept."""
    return functools.cache(lambda: coverage(text, _joined(thread.posts)))


def _signed_inside(thread: Parsed, threaded: float, inside: Callable[[], float], text: str) -> bool:
    """A signed discussion that lies inside the main text but leaves some of it out (an
    opening post above the replies, a question above its answers, a line heading each post):
    it holds ``SIGNED_COVERAGE`` of the main text, which holds ``SIGNED_INSIDE`` of it — or
    which is its opening post alone, the first post's ``SIGNED_COVERAGE`` (an extractor that
    stops at the end of the first post's ``<article>``, the replies each in one of their own)."""
    if not (_authored(thread) and threaded >= SIGNED_COVERAGE):
        return False
    held = inside() >= SIGNED_INSIDE
    return held or thread_coverage(thread.posts[:1], text) >= SIGNED_COVERAGE


def _dated_discussion_inside(thread: Parsed, inside: Callable[[], float]) -> bool:
    """A signed discussion whose every post is dated, which the main text mostly holds
    (``DATED_INSIDE``: an extractor drops a short reply, ``好的，我这就打。``, as a line too
    short to be prose), however little of the main text they hold: what the main text adds
    stands around the thread (a page's "more posts you may like", a footer the main text
    took for prose where the names that tell it apart are hashes) and opens it only where it
    comes before the posts (:func:`_missed`) — the posts keep their posters and times, which
    the main text as one post would lose."""
    return (
        _authored(thread)
        and all(p.published_text for p in thread.posts)
        and inside() >= DATED_INSIDE
    )


def _one_reply_inside(thread: Parsed, threaded: float, inside: Callable[[], float]) -> bool:
    """A thread of two posts, each signed and dated, by two posters (a question and its one
    answer: too few to tell a discussion by, :func:`_authored`), that holds
    ``SIGNED_COVERAGE`` of the main text, which holds ``SIGNED_INSIDE`` of theirs — the rest
    the posters' cards and the posts' headers the main text runs into their lines."""
    posts = thread.posts
    return (
        len(posts) == 2
        and all(p.author and p.published_text for p in posts)
        and posts[0].author != posts[1].author
        and threaded >= SIGNED_COVERAGE
        and inside() >= SIGNED_INSIDE
    )


def thread_coverage(posts: Sequence[Post], text: str) -> float:
    """The share of the main text the posts hold (:func:`coverage`), their headers left out
    of it: a main text that runs a post's shown time and poster into its line
    (``2024-05-20 at 11:42 pm #2201 小王 解放路的…``) holds what a reader puts in the post's
    fields, not its body; the thread's title is the reading's too."""
    for post in posts:
        for part in (post.published_text, post.author):
            if len(part) >= HEADER_PART:
                text = text.replace(part, " ")
    title = posts[0].title if posts else ""
    return coverage(f"{title}\n{_joined(posts)}", text)


def _comments_apart(thread: Parsed, text: str) -> bool:
    """Signed, dated posts that lie outside the main text: the comments under a post the
    main text holds (a Weibo post and its comment list, which a main-text extractor leaves
    out as the page's apparatus)."""
    joined = _joined(thread.posts)
    return (
        _authored(thread)
        and all(post.published_text for post in thread.posts)
        and coverage(text, joined) < APART_INSIDE
    )


def _with_its_comments(page: Page, thread: Parsed, text: str, tried: list[str]) -> Reading:
    """The main text as the opening post, dated by the time at its head where the page
    declares none (``城市晚报 24-6-2 09:41 来自 微博网页版``), and the comments under it."""
    opener = _main_text_post(page, text, "thread")
    opener.published_text = opener.published_text or full_date(text[:HEAD_CHARS])
    _open_with(thread, opener)
    return Reading(_as_site(thread, page), GENERIC, "thread", COMMENTS_APART, tried)


def _board_text(page: Page) -> str:
    """The page's main text, comments kept, without what a discussion page says besides its
    posts: the lines of its hidden boxes, its players' controls and the site's announcements;
    '' when too little is left."""
    text = main_text(page.text, page.url, sel=page.selector)
    if text:
        text = shown_lines(text, page.selector.root)
        text = without_apparatus(text, page.selector, BOARD_APPARATUS)
    return text if len("".join(text.split())) >= MIN_TEXT else ""


def _missed(text: str, posts: Sequence[Post]) -> str:
    """The lines of the main text that no post holds (most of their character pairs absent
    from every post) before the first line of prose the posts hold — what the main text runs
    on into after the posts (a board's rules, a footer, other threads) opens no thread —, ''
    when they add up to too little to be a post; of a table row, its
    cells of prose (not the poster's card beside a post); never labelled facts (a card:
    :func:`~opinion_spiders.reading.main_text.card`) nor a line that shows a post's
    time (its header), nor one of the thread's title and a few words (a heading), nor a
    line that says nothing (a poster's name, title or count: :func:`said_line`)."""
    held = bigrams(_joined(posts))
    shown = {post.published_text for post in posts if len(post.published_text) >= SHOWN_TIME}
    names = {post.author for post in posts if post.author}
    title = posts[0].title if posts else ""
    out = []
    for line in text.split("\n"):
        if said_line(line) and len((want := bigrams(line)) & held) >= MISSED_SHARE * len(want):
            break  # the posts begin: what follows them is no opening post
        if any(time in line for time in shown):
            continue  # a post's header: its poster and the time it shows
        if len(title) >= SHOWN_TIME and title in line and len(line) - len(title) < PROSE_LINE:
            continue  # a heading of the thread or of a post: its title and a few words
        row = cells(line)
        out += [
            cell for cell in row
            if (want := bigrams(cell)) and len(want & held) < MISSED_SHARE * len(want)
            and (len(row) == 1 or len(cell) >= PROSE_LINE) and not card(cell)
            and cell not in names and said_line(cell)
        ]  # fmt: skip
    rest = "\n".join(out)
    return rest if len("".join(rest.split())) >= MIN_TEXT else ""


def _open_with(parsed: Parsed, opener: Post) -> None:
    """Put ``opener`` first and number the floors again."""
    parsed.posts.insert(0, opener)
    for floor, post in enumerate(parsed.posts, 1):
        post.floor = floor


def _as_article(page: Page, adapters: Mapping[str, type[Adapter]], tried: list[str]) -> Reading:
    """A page reached as an article (a portal's article link): the article reader's body,
    else the main text without comments — a story's readers' comments are not the story —
    each held to the ``<article>`` element around the headline where the page has one."""
    text = main_text(page.text, page.url, comments=False, sel=page.selector)
    article = _try(adapters.get(PORTAL), page, "article", tried)
    headline = article.posts[0].title if article and article.posts else page_title(page.selector)
    text = within_story(text, page.selector, headline or "")
    if article and article.page_type == "notice":
        return Reading(article, PORTAL, "notice", 0.5, tried)
    if article and article.links and not article.posts:
        tried.append(f"{PORTAL}: its body is a list of links")
        return Reading(article, PORTAL, "listing", 0.5, tried)
    if article and article.posts:
        covered = coverage(article.posts[0].content, text)
        if covered >= ARTICLE_COVERAGE or not text or _dated_story(article):
            return Reading(_as_site(article, page), PORTAL, "article", min(1.0, covered), tried)
        tried.append(f"{PORTAL}: its body holds {covered:.0%} of the main text")
    if text and (teasers(text) or link_list(text, page.selector)):
        return _listing(page, adapters, tried, _LISTED)
    if text:
        return _main_text_reading(page, text, "article", tried)
    raise ParseError("unreadable", "; ".join(tried) or "no text on the page")


_LISTED = f"{MAIN_TEXT}: its lines are teasers or links that each lead to another page"


def _listing(
    page: Page, adapters: Mapping[str, type[Adapter]], tried: list[str], why: str
) -> Reading:
    """A column of teasers or links: no post, the pages they lead to as links."""
    tried.append(why)
    links = _try(adapters.get(PORTAL), page, "listing", tried)
    return Reading(links or Parsed(), PORTAL, "listing", 0.5, tried)


def teasers(text: str) -> bool:
    """A text of teasers: most of its lines (``TEASER_SHARE``, ``TEASER_LINES`` or more) end
    in a "read more" link (``[详细]``, ``阅读全文``, ``Read more`` …) — a column page, not a
    story."""
    lines = text.split("\n")
    more = sum(1 for line in lines if _MORE.search(line))
    return more >= TEASER_LINES and more >= TEASER_SHARE * len(lines)


def _fall_back(
    page: Page, adapters: Mapping[str, type[Adapter]], tried: list[str], listing: Reading | None
) -> Reading:
    text = _board_text(page)
    portal = adapters.get(PORTAL)
    thread = _try(adapters.get(GENERIC), page, "thread", tried)
    if thread and thread.page_type == "notice":
        return Reading(thread, GENERIC, "notice", 0.5, tried)
    if thread and _few_signed(thread):  # a story's byline box stands alone too
        tried.append(f"{GENERIC}: its posts stand alone on a page not known for a thread")
        thread = None
    threaded = 0.0
    if thread and len(thread.posts) > 1:
        threaded = thread_coverage(thread.posts, text)
        held = threaded >= THREAD_COVERAGE and _authored(thread)
        if held or _signed_inside(thread, threaded, _inside(thread, text), text):
            if news := _story_over_comments(page, thread, portal, tried):
                return Reading(_as_site(news, page), PORTAL, "article", 1.0, tried)
            return _thread_reading(page, thread, text, threaded, tried)
    declared = None
    if portal is not None and portal.sniff(page.text, page.url) >= DECLARED_ARTICLE:
        declared = _try(portal, page, "article", tried)
        if declared and _dated_story(declared):
            return Reading(_as_site(declared, page), PORTAL, "article", 1.0, tried)
    if thread and threaded >= THREAD_COVERAGE:
        # A few blocks, not all signed, not a discussion (a story's summary box above its
        # body): a dated article that holds the main text is the page.
        discussion = _authored(thread) or all(post.author for post in thread.posts)
        dated = None if discussion else (declared or _try(portal, page, "article", tried))
        if dated and dated.posts and dated.posts[0].published_text:
            body = within_story(text, page.selector, dated.posts[0].title or "")
            covered = coverage(dated.posts[0].content, body)
            if covered >= ARTICLE_COVERAGE:
                return Reading(_as_site(dated, page), PORTAL, "article", min(1.0, covered), tried)
        return Reading(_as_site(thread, page), GENERIC, "thread", round(threaded, 2), tried)
    if threaded:
        tried.append(f"{GENERIC}: its posts hold {threaded:.0%} of the main text")
    guess = _try(portal, page, page.role, tried)
    article = guess if guess and guess.posts else None
    if guess and guess.links and not guess.posts:
        listing = listing or Reading(guess, PORTAL, "listing", 0.5, tried)
    if article is None:
        article = _try(portal, page, "article", tried)
    # Taken for an article, the main text is held to the story element as the article is —
    # unless signed posts stand around it: then what lies outside is the discussion.
    headline = article.posts[0].title if article and article.posts else page_title(page.selector)
    signed = bool(thread and any(p.author for p in thread.posts))
    story = text if signed else within_story(text, page.selector, headline or "")
    if article and article.posts:
        covered = coverage(article.posts[0].content, story)
        if covered >= ARTICLE_COVERAGE or not text or (listing and _dated_story(article)):
            return Reading(_as_site(article, page), PORTAL, "article", min(1.0, covered), tried)
        tried.append(f"{PORTAL}: its body holds {covered:.0%} of the main text")
    if listing is not None and _is_listing(listing.parsed, text):
        return listing
    if text and threaded < 0.5 and (teasers(text) or link_list(text, page.selector)):
        return _listing(page, adapters, tried, _LISTED)
    if thread and text and _comments_apart(thread, text):
        return _with_its_comments(page, thread, text, tried)
    if text:
        kind = "thread" if threaded >= 0.5 else "article"
        return _main_text_reading(page, text if kind == "thread" else story or text, kind, tried)
    if listing is not None:
        return listing
    raise ParseError("unreadable", "; ".join(tried) or "no text on the page")


def _story_over_comments(
    page: Page, thread: Parsed, portal: type[Adapter] | None, tried: list[str]
) -> Parsed | None:
    """A story and the readers' comments under it, read by the generic reader as a thread
    (the story its opening post): where the page declares an article, its address names no
    discussion, the article reader finds a dated story that the opening post holds
    (``STORY_IN_OPENING``), and the story outweighs the comments — the article, which a
    story's readers' comments are not part of (as :func:`_as_article` reads it)."""
    if portal is None or portal.sniff(page.text, page.url) < DECLARED_ARTICLE:
        return None
    if discussion_sign(page.url, page.selector):
        return None
    opening, *replies = thread.posts
    if len(opening.content) <= sum(len(post.content) for post in replies):
        return None
    story = _try(portal, page, "article", tried)
    if not (story and _dated_story(story)):
        return None
    if coverage(opening.content, story.posts[0].content) < STORY_IN_OPENING:
        return None
    return story


def _authored(parsed: Parsed) -> bool:
    """Posts that look like a discussion: three or more, most signed, by more than one
    author — not an article's paragraphs or teasers taken for posts."""
    posts = parsed.posts
    authors = [p.author for p in posts if p.author]
    return len(posts) >= 3 and len(authors) >= 0.6 * len(posts) and len(set(authors)) > 1


def _dated_story(parsed: Parsed) -> bool:
    """An article reading with a shown or declared time over a body of some length: a story
    page, whatever lists of links stand around it."""
    return (
        bool(parsed.posts)
        and parsed.posts[0].confidence >= 1.0
        and (len(parsed.posts[0].content) >= STORY_BODY)
    )


def _is_listing(parsed: Parsed, text: str) -> bool:
    """Links only where the page's main text is short, or where the titles of the links it
    lists outweigh that text (a home or column page, not an article with related links)."""
    listed = sum(len(str(link.meta.get("title") or "")) for link in parsed.links)
    return len(text) < LISTING_TEXT or listed >= len(text)


def _try(adapter: type[Adapter] | None, page: Page, role: str, tried: list[str]) -> Parsed | None:
    if adapter is None:
        return None
    try:
        return adapter().parse(_with_role(page, role))
    except ParseError as exc:
        tried.append(f"{adapter.engine}: {exc}")
        return None


def _with_role(page: Page, role: str) -> Page:
    """The page asked for as ``role``, with the page's parsed markup where it has been parsed
    already: a parse of its own (~5 ms of a real page) would also miss every cache the
    readers keep by the page's selector (its link texts, its named apparatus)."""
    asked = Page(page.url, page.text, role, page.site, page.crawled_at, page.status, page.meta,
                 page.reached_as or page.role)  # fmt: skip
    if "selector" in vars(page):
        asked.selector = page.selector
    return asked


def _joined(posts: Sequence[Post]) -> str:
    return "\n".join(p.content for p in posts)


def _as_site(parsed: Parsed, page: Page) -> Parsed:
    """Posts read by a fallback reader belong to the page's site and its kind."""
    for post in parsed.posts:
        post.kind = page.site.kind
    return parsed


def _main_text_reading(page: Page, text: str, kind: str, tried: list[str]) -> Reading:
    """The page's main text as its one post, at the main text's low confidence."""
    post = _main_text_post(page, text, kind)
    return Reading(Parsed(posts=[post]), MAIN_TEXT, kind, MAIN_TEXT_CONFIDENCE, tried)


def _main_text_post(page: Page, text: str, kind: str) -> Post:
    from parsel import Selector

    sel = page.selector if page.text else Selector(text="<html/>")
    title = page_title(sel)
    lines = text.split("\n")
    if title and lines and " ".join(lines[0].split()) == title:
        text = "\n".join(lines[1:]) or text  # the title is the post's title, not its text
    key = url_key(page.url)
    return Post(
        site=page.site.name, kind=page.site.kind, url=page.url, title=title, content=text,
        thread_id=key, post_id=key, floor=1 if kind == "thread" else None, adapter=MAIN_TEXT,
        adapter_version="1", confidence=MAIN_TEXT_CONFIDENCE,
        published_text=declared_time(sel) or dateline(sel, title),
    )  # fmt: skip


def sniffed(
    adapters: Mapping[str, type[Adapter]], text: str, url: str, at_least: float = ENGINE_SURE
) -> list[type[Adapter]]:
    """The engines that recognise a page, surest first."""
    scores = {a: a.sniff(text, url) for a in adapters.values()}
    return [a for a in sorted(scores, key=lambda a: -scores[a]) if scores[a] >= at_least]


def read_page(
    body: bytes,
    url: str,
    runtime: Runtime | None = None,
    *,
    role: str = "auto",
    site: Site | None = None,
    engine: str | None = None,
    charset: str | None = None,
) -> tuple[Reading, Decoded]:
    """Decode and read a saved or fetched page as ``opinion parse`` does: the named engine
    (``engine``, else the site's), else every engine that recognises the page, then the chain."""
    from opinion_spiders.runtime import Runtime

    runtime = runtime or Runtime({})
    decoded = decode_html(body, charset, site.encoding if site else None)
    name = engine or (site.engine if site else None)
    if name and name not in runtime.adapters:
        known = ", ".join(sorted(runtime.adapters))
        raise ParseError("unknown_engine", f"unknown engine {name!r}; known: {known}")
    first = [runtime.adapters[name]] if name else sniffed(runtime.adapters, decoded.text, url)
    page_site = site or Site(name="parse", kind="forum", engine=name or "auto", start_urls=(url,))
    page = Page(url=url, text=decoded.text, role=role, site=page_site,
                crawled_at=datetime.now(UTC))  # fmt: skip
    reading = read(page, [adapter() for adapter in first], runtime.adapters)
    if site is None:
        for post in reading.parsed.posts:
            if reading.reader in (GENERIC, PORTAL, MAIN_TEXT):
                post.kind = "portal" if reading.kind == "article" else "forum"
    return reading, decoded
