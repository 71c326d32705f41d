"""The generic forum engine: reads boards no adapter knows (Flarum, MyBB, NodeBB, home-grown)
by structure rather than by selectors.

A thread page repeats one block per post. Among sibling elements that share a tag/class
signature, the group whose members most often hold a date-like text and a body of real text is
taken as the posts; author, time and body are then guessed inside each block. The guess is
marked with a lower ``confidence`` so analysts and health checks can tell it from an engine's.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree
from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import LONE_VERSION, Adapter, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.reading.declared_kind import discussion_sign
from opinion_spiders.reading.main_text import BLOCK_TAGS, board_line, header_line, page_title
from opinion_spiders.reading.shown import unshown
from opinion_spiders.reading.story import SIDEBAR
from opinion_spiders.text.dates import full_date, month_day
from opinion_spiders.text.fingerprints import url_key
from plugins._blocks import DATE_LIKE, GRID, UTILITY, signature
from plugins._board_list import board_links, next_thread_page
from plugins._html import (
    STRING,
    class_words,
    node_text,
    own_text,
    remove,
    squash,
    without_fragment,
)
from plugins._name_column import column_names
from plugins._notice import notices_first
from plugins.bbs import BbsTextAdapter, headed

CONFIDENCE = 0.5
#: Attributes in which boards declare a poster's name (Tianya's ``uname`` on the link).
_NAME_ATTRIBUTES = ("data-username", "data-user-name", "data-uname", "data-author",
                    "data-nickname", "username", "uname", "nickname")  # fmt: skip
#: Microformats' classes of a person's formatted name (hCard's ``fn``, h-card's ``p-name``):
#: the name alone, where the element around it also says ``says:``.
_FORMATTED_NAME = frozenset(["fn", "p-name"])
#: RDFa types of a poster's node (Drupal's ``schema:Person``, Drupal 7's ``sioc:UserAccount``).
_RDF_PERSON = re.compile(r":(?:Person|UserAccount)\b")
_AUTHOR_HINT = re.compile(r"author|user|poster|name|nick|member", re.I)
#: Words of a class that make an element beside the author's name something else of theirs
#: (``spPostUserRank``, ``user-location``, ``author-posts``, ``author-tag`` and
#: ``topic-author-icon``: an OP badge) or a
#: control (``wpf-action not_reg_user``: a Reply button). Of the rest, a class naming a name
#: (``author-name``, ``nick-name``) goes before one naming the user (``user-info``).
_NOT_A_NAME = frozenset(
    ["rank", "location", "title", "status", "group", "joined", "avatar", "badge", "tag",
     "label", "online", "offline", "role", "level", "reputation", "karma", "points", "posts",
     "count", "stats", "action", "button", "btn", "icon"]
)  # fmt: skip
#: What a time's text may start with after the floor link before it (``#3 · May 10, …``).
_LEADING = "·•|-–—»:： "
#: A date of the author's, not the post's, in the profile beside a post (``Joined: 4 months
#: ago``, ``注册时间 2019-05-01``), said in its own text or the label before it.
_PROFILE_DATE = re.compile(
    r"\b(?:joined|member since|registered|reg\. date|last (?:seen|active|visit|login)"
    r"|birth(?:date|day)?|born)\b|注册|加入于|入坛|入园|最后登录|上次登录|上次访问|最后访问|在线时间|生日|出生",
    re.I,
)
#: Words that name a post body as a whole part of a class or id token (``post-body``,
#: ``message``, ``t_msgfont``, ``entry-content``, ``postContent``); utility classes that merely
#: contain one (``text-sm``, ``theme-text-muted``) do not count.
_BODY_WORDS = frozenset(
    [
        "content",
        "body",
        "message",
        "msg",
        "msgfont",
        "entry",
        "postbody",
        "posttext",
        "postcontent",
        "postmessage",
        "bbwrapper",
        "markdown",
        "prose",
        "cooked",
    ]
)
#: A body word run on after this one names a post's body too (PunBB's and FluxBB's
#: ``postmsg``, beside the ``postleft`` poster's card inside their ``postbody``).
_POST = "post"
#: Attributes in which pages name what an element is, besides its class and id.
_ROLE_ATTRIBUTES = ("data-role", "itemprop", "component")
_HINTING = ("class", "id", *_ROLE_ATTRIBUTES)
_TOKEN_PARTS = re.compile(r"[-_:]+|(?<=[a-z])(?=[A-Z])")
_ID_DIGITS = re.compile(r"(\d{2,})")
_BODY_TAGS = ("div", "section", "article", "td", "p")
#: What an element's own text leaves out: its nested bodies, lists, tables, quotes, listings.
_NOT_INLINE = frozenset([*_BODY_TAGS, "ul", "ol", "table", "blockquote", "pre"])
#: A ``<pre>``'s class or id naming an answer's or a post's text; one naming code.
_PROSE_PRE = re.compile(r"answer|content|(?<![a-z])con(?![a-z])|message|reply|replay", re.I)
_CODE_PRE = re.compile(r"code|highlight|syntax|brush|lang|hljs|prettyprint|source|console", re.I)
#: Class words that lay a page out rather than name a part of it.
_LAYOUT = frozenset(
    ["flex", "row", "col", "container", "wrapper", "wrap", "inner", "clearfix", "clear", "box",
     "block", "item", "cell", "grid", "group", "content"]
)  # fmt: skip
#: A poster's name in the tooltip or alt text of their profile link's image.
_IMAGE_NAME = re.compile(r"^查看(.{1,20}?)的(?:个人)?资料$|^(.{1,30}?)'s (?:profile|avatar)$", re.I)
_PROFILE = re.compile(r"user|member|profile|space|people|/u/|/u\?|uid=|[?&]un=", re.I)
#: Parts of an address that lead to a topic, not a poster, whatever the link's text says
#: (``/tag/python`` "Python", Dcard's ``/topics/室友``, an encyclopedia's ``/item/北京``).
_TOPIC_PARTS = frozenset(
    ["tag", "tags", "topic", "topics", "category", "categories", "label", "labels", "hashtag",
     "search", "item", "wiki", "forum", "forums", "board", "boards", "channel", "column"]
)  # fmt: skip
#: What every name :data:`~opinion_spiders.reading.story.SIDEBAR` matches holds: most
#: elements' names do not.
_SIDEBAR_WORD = re.compile(r"sidebar|widget[-_]area", re.IGNORECASE)
#: Words of a link's class that name it the poster's (``profile-link``, ``username``,
#: ``author-link``), wherever it leads (``href="#"`` where a script opens a card).
_PROFILE_CLASS = frozenset(["profile", "username", "author", "poster", "nickname"])
#: Words of a link's class that make it a group's, rank's or badge's beside the name
#: (``af-usergroup-tag`` leads to the group's member list, a profile-like address).
_GROUP_LINK = frozenset(["tag", "group", "usergroup", "badge", "rank", "role", "level"])
#: Words of a link's class that make it a button (``btn btn-icon icon-reply``), not a name.
_BUTTON_LINK = frozenset(["btn", "button"])
_SKIP = {"script", "style", "noscript", "head", "nav", "footer", "header", "aside"}
#: A control, never what a post says: a button, a select, a dropdown menu (a player's
#: Copy/Download menu).
_CONTROL = (
    "self::button or self::select or contains(translate(@class, 'DROPN', 'dropn'), 'dropdown')"
)
#: The text an element says, not its controls' nor its icons' and menus'.
_SAID = (
    f".//text()[not(ancestor::*[{_CONTROL} or self::svg"
    " or contains(translate(@class, 'MENU', 'menu'), 'menu')])]"
)
_MIN_BODY = 8
#: Characters of a block's text in which its header's time is looked for.
_DATED_HEAD = 600
_OPENING_LEVELS = 3
#: Levels up to which the block holding the thread's heading may be the opening post.
_FAR_OPENING_LEVELS = 6
_OPENING_MIN = 40
#: Share of a box's text the posts of another kind inside it must hold for the box to be a
#: container of posts rather than a post.
_INNER_SHARE = 0.5
#: Posts from which a group whose one member holds posts of another kind is a comment list
#: with the replies to one comment inside it, not the boxes of a thread (an opening post's
#: and the replies').
_NESTING_COMMENTS = 3
#: A table's rows and cells: a post's own layout (the poster's card beside the message, the
#: time in a row below), never a comment with the replies to it.
_TABLE_PARTS = frozenset(["tbody", "tr", "td", "th"])
#: Share of a comment list's boxes' text the comments and replies inside them hold.
_REPLIES_SHARE = 0.8
#: Share of signed posts from which an unsigned stub among them is not a post.
_SIGNED_SHARE = 2 / 3
_QUOTE_CLASS = "concat(' ', normalize-space(translate(@class, 'QUOTE', 'quote')), ' ')"
#: Quotes inside a post: ``<blockquote>`` (not vBulletin 4's ``blockquote.postcontent`` nor
#: XenForo 1's ``blockquote.messageText``, which hold the post itself), or a class one of whose
#: words is a quote (Discuz! ``quote``, Douban ``reply-quote-content``, vBulletin
#: ``bbcode_quote``; not a script's hook such as XenForo's ``js-selectToQuote``).
QUOTES = (
    ".//blockquote[not(contains(translate(@class, 'CONTENT', 'content'), 'content')"
    " or contains(translate(@class, 'MESAG', 'mesag'), 'message'))] | .//*["
    + " or ".join(
        f"contains({_QUOTE_CLASS}, '{part}')"
        for part in (" quote", "-quote ", "_quote ", "-quote-", "_quote_", "_quote-", "-quote_")
    )
    + "]"
)
_QUOTES = etree.XPath(QUOTES)
#: A time a post's markup carries: an element, or an attribute of its own or inside it.
_STAMPED = etree.XPath(
    "boolean(.//time | .//*[@datetime] | .//*[@data-time] | .//*[@data-timestamp]"
    " | self::*[@data-timestamp])"
)
_MEDIA = etree.XPath("boolean(.//img | .//video)")
_SAID_XPATH = etree.XPath(_SAID)
_LINK_OR_TIME = etree.XPath("boolean(.//*[self::a[@href] or self::time])")
#: A poster's signature under their posts: phpBB, vBulletin, XenForo, Kunena
#: (``ksignature``), Discuz! (``sign``).
_SIGNATURES = (
    ".//*[contains(translate(@class, 'SIGNATURE', 'signature'), 'signature')"
    " or contains(translate(@data-role, 'SIGNATURE', 'signature'), 'signature')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' sig ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' sign ')]"
)
_SIGNED_OFF = etree.XPath(_SIGNATURES)
#: Quotes, hidden elements and controls (buttons, a media player's dropdown menu) are not
#: part of what a post says.
_NOT_BODY = (
    f"{QUOTES} | .//*[@hidden] | .//*[@aria-hidden='true'] | .//*[{_CONTROL}]"
    " | .//*[contains(translate(@class, 'SPOILER', 'spoiler'), 'spoiler')]"
    # a quote's attribution beside it (XenForo's ``X said: ↑``)
    " | .//*[contains(translate(@class, 'ATRIBUTON', 'atributon'), 'attribution')]"
    " | .//*[contains(translate(@style, ' ', ''), 'display:none')]"
    # signatures: phpBB, vBulletin, XenForo, Kunena (``ksignature``), Discuz (``sign``)
    f" | {_SIGNATURES}"
)
#: How a quote opens where its markup does not say so: vBulletin 3's ``Quote:`` over
#: ``Originally Posted by <poster>``, Dvbbs's ``以下是引用<poster>在<time>的发言：``, ``<poster>
#: wrote:``, ``引用 <poster> 发表于 …``, ``回复 <poster> 的帖子``.
_QUOTE_OPENING = re.compile(
    r"^(?:(?:quote|引用)\s*[:：]|originally posted by\s|quote from\s"
    r"|\S+(?:\s\S+){0,2}\s(?:wrote|said)\s*[:：]|以下是引用.{1,60}?的发言"
    r"|引用\s*.{1,40}?(?:发表于|的帖子)|回复\s*.{1,30}?的帖子)",
    re.I,
)
#: Characters of a box's text in which a quote's opening words are looked for.
_QUOTE_HEAD = 100
#: Elements a quote marked only by its opening words is boxed in.
_QUOTE_BOXES = ("div", "table", "fieldset")
#: A line this short may be a header (time, floor, author) or template text.
_HEADER_LINE = 60
#: Characters of a date element's text that prints a month and day (and a place, a clock).
_DAY_LINE = 20
#: Characters from which a link's text names the page it leads to, not a post's time or floor.
_TITLED_LINK = 12
#: A text with a date and a link to the poster's page is their post's header up to this long.
_SIGNED_HEADER = 100
#: Posts a line must recur in to count as the board's template.
_TEMPLATE_POSTS = 3
_CJK = re.compile(r"[\u3400-\u9fff]")
#: A labelled fact above a thread (``投诉对象：某某外卖平台``): a label of a few hanzi, a value.
_FACT = re.compile(r"^([\u4e00-\u9fff]{2,6})\s*[:：]\s*(\S.{0,79})$")
FACT_ROWS = 3
#: What stands between two names in a reply's header (``小王 回复 老李：``, ``bob replied to``).
_BETWEEN_NAMES = re.compile(
    r"(?:回复|回覆|答复|reply(?: to)?|replied(?: to)?|[@:：→›>»])?\s*[:：]?", re.I
)
_SENTENCE = re.compile(r"[。！？，；]|[.!?,;](?:\s|$)")


class GenericForumAdapter(Adapter):
    """Any forum-like thread page; posts carry ``confidence`` 0.5."""

    engine = "generic"
    kind = "forum"
    version = "blocks-1"
    #: ``lone-1``: posts that stand alone, no group of blocks beside them (:func:`lone_blocks`).
    versions = ("blocks-1", LONE_VERSION)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 0.1

    @notices_first
    def parse(self, page: Page) -> Parsed:
        board = page.role in ("index", "listing") and not discussion_sign(page.url)
        if board and (links := board_links(page)):  # a board's page: the threads it lists
            return Parsed(links=links)
        if headed(page.text):  # a board that prints its posts as the terminal did
            return BbsTextAdapter().read(page)
        top, reply_kind, alone = thread_blocks(page.selector)
        if not top:
            raise ParseError("no_posts", f"no repeated post blocks on {page.url}")
        title = thread_title(page.selector)
        opening = None if alone else opening_block(top, title)
        blocks = threaded(top, reply_kind)
        if opening is not None:
            blocks = [opening, *blocks]
        read = [
            (b, post)
            for i, b in enumerate(blocks, 1)
            if (post := self.block_post(page, b, title, i))
        ]
        posts = [post for _, post in read]
        unsigned = sum(not post.author for post in posts)
        if (page.reached_as or page.role) == "thread" and unsigned >= _UNSIGNED_SHARE * len(posts):
            _named_by_column(read)  # a discussion's posters: not a teaser list's bylines
        if opening is not None and posts and posts[0].floor == 1:
            _signed_by_head(posts[0], opening, title)
        posts = [post for post in drop_template_lines(without_board_lines(posts)) if post.content]
        posts = without_stubs(posts)
        for post in posts if alone else ():
            post.adapter_version = LONE_VERSION
        for floor, post in enumerate(posts, 1):  # the blocks left out are no floor
            post.floor = floor
        if not posts:
            raise ParseError("no_posts", f"no readable post blocks on {page.url}")
        if facts := labelled_facts(blocks[0]):  # a complaint's 投诉对象, 投诉要求 …
            posts[0].content = f"{facts}\n{posts[0].content}"
        return Parsed(posts=posts, links=next_thread_page(page))

    def block_post(self, page: Page, block: etree._Element, title: str, index: int) -> Post | None:
        """Author, time and body guessed inside one block."""
        node = Selector(root=block)
        body = body_node(block)
        if body is None:
            return None
        author = author_of(block, body)
        if quoted := marked_quotes(body):
            body = _without(body, quoted)
        content = without_header_lines(node_text(Selector(root=body), _NOT_BODY), author, title)
        if not author and (author := inline_signer(body)):
            content = re.sub(rf"^{re.escape(author)}\s*[:：]\s*", "", content, count=1)
        # Without an id of its own a post is its floor: a URL fragment is no identity.
        pid = post_id(block) or block.get("id") or f"floor-{index}"
        return Post(
            site=page.site.name,
            kind=self.kind,
            url=f"{without_fragment(page.url)}#{block.get('id') or f'post-{pid}'}",
            title=title,
            content=content,
            author=author,
            thread_id=url_key(page.url),
            post_id=pid,
            floor=index,
            published_text=time_of(node, body),
            adapter=self.engine,
            adapter_version=self.version,
            confidence=CONFIDENCE,
        )


#: Share of a thread's posts with no poster found from which the posters' names are read off
#: the layout the blocks share (:func:`~plugins._name_column.column_names`) — on a page
#: reached as a thread only: on a page of no known role the names would make a list of
#: teasers with their bylines look like a signed discussion, which the chain reads as one.
_UNSIGNED_SHARE = 0.5


def _named_by_column(read: list[tuple[etree._Element, Post]]) -> None:
    """Sign the unsigned posts with the names their blocks' shared layout puts in one place
    (no name, link or attribute saying which text is the poster's: hashed classes, a card's
    plain ``<div>`` of a name)."""
    blocks = [block for block, _ in read]
    bodies = [body_node(block) for block in blocks]
    names = column_names(blocks, bodies, [post.author for _, post in read])
    for (_, post), name in zip(read, names, strict=True):
        if name and not post.author:
            post.author = name


def marked_quotes(body: etree._Element) -> list[etree._Element]:
    """The quotes inside a post's body that only their opening words mark (see
    :data:`_QUOTE_OPENING`), each a box that leaves some of the body's text besides it — the
    body is the reply, not the quote it opens with — and not a box that opens with a quote
    its markup marks (that quote is left out as every marked one is; the reply after it in
    the box stays)."""
    whole = len(_text(body))
    found: list[etree._Element] = []
    for el in body.iterdescendants(*_QUOTE_BOXES):
        if any(box in el.iterancestors() for box in found) or not _opens_quote(el):
            continue
        if any(_opens_quote(q) for q in _QUOTES(el)):
            continue  # the markup marks the quote it opens with (vBulletin 5's ``bbcode_quote``)
        if len(_text(el)) < whole - 1:
            found.append(el)
    return found


def _opens_quote(el: etree._Element) -> bool:
    """Whether an element's text opens as a quote does (:data:`_QUOTE_OPENING`), read from
    its first words only."""
    said = ""
    for part in el.itertext():
        said += part
        if len(said) >= _QUOTE_HEAD:
            break
    return bool(_QUOTE_OPENING.match(squash(said)))


def labelled_facts(first: etree._Element) -> str:
    """The labelled facts a page lists between its headline and its first post — a
    complaint's 投诉对象, 投诉问题, 投诉要求, 涉诉金额 —, one ``label：value`` line each: a list or
    table of at least ``FACT_ROWS`` such rows and little else, the last before the first post
    (after the ``<h1>`` where there is one). '' where there is none."""
    found: list[str] = []
    headline = first.getroottree().getroot().find(".//h1") is not None
    seen_headline = not headline
    inside = set(first.iterancestors())
    for el in first.getroottree().getroot().iter("h1", "ul", "ol", "dl", "table", first.tag):
        if el is first:
            break
        if el.tag == "h1":
            seen_headline = True
        elif seen_headline and el not in inside and (rows := _fact_rows(el)):
            found = rows
    return "\n".join(found)


def _fact_rows(box: etree._Element) -> list[str]:
    """A list's or table's rows as ``label：value`` lines, when at least ``FACT_ROWS`` of them
    and nearly all its rows are such (a ``<dl>``'s row: a term and the definition after it)."""
    if box.tag == "dl":
        texts = [squash(f"{STRING(dt)} {STRING(dd) if (dd := dt.getnext()) is not None else ''}")
                 for dt in box.iterchildren("dt")]  # fmt: skip
    else:
        texts = [squash(STRING(row)) for row in box.xpath("./li | ./tr | ./tbody/tr")]
    facts = [f"{m[1]}：{m[2]}" for text in texts if (m := _FACT.match(text))]
    return facts if len(facts) >= FACT_ROWS and len(facts) >= len(texts) - 1 else []


def _signed_by_head(post: Post, opening: etree._Element, title: str) -> None:
    """An opening post with neither poster nor time takes them from the thread's head — the
    nearest block before it, within a few levels up, that shows the thread's title (Tianya:
    ``楼主：<poster> 时间：2015-05-05 10:10:10`` under the title, the post's block undated)."""
    if post.author or not title:
        return
    node = opening
    between = []  # the blocks between the title and the post, nearest first: its byline
    for _ in range(_FAR_OPENING_LEVELS):
        for head in node.itersiblings(preceding=True):
            if not isinstance(head.tag, str):
                continue
            if title not in _text(head):
                between.append(head)
                continue
            headings = [h for h in head.iter("h1", "h2", "h3") if title in _text(h)]
            post.author = author_of(head, headings[0]) if headings else ""
            post.published_text = post.published_text or time_of(Selector(root=head))
            for line in between:
                if len(_text(line)) > _SIGNED_HEADER:
                    break
                post.author = post.author or author_of(line, None)
                post.published_text = post.published_text or time_of(Selector(root=line))
            if not post.author:
                post.author = _poster_above(head, opening)
            return
        parent = node.getparent()
        if parent is None:
            break
        node = parent
    if title in _text(opening):  # the opening post shows the title itself
        post.author = _poster_above(opening, opening)


def _poster_above(head: etree._Element, opening: etree._Element) -> str:
    """The poster's card just above a thread's head that names no poster (Xiaohongshu: the
    author's name and a follow button, then the note's title and text): the nearest short
    block before the head or one of its containers, within a few levels of the opening post,
    that links to a poster's page — its link's text; '' where the nearest short block links
    to none."""
    node = head
    for _ in range(_OPENING_LEVELS):
        for card in node.itersiblings(preceding=True):
            said = _text(card) if isinstance(card.tag, str) else ""
            if not said:
                continue
            if len(said) > _HEADER_LINE:
                return ""
            links = [a for a in card.iter("a") if _profile_link(a.get("href") or "", _text(a))]
            return _text(links[0]) if links else ""
        node = node.getparent()
        if node is None or opening not in node.iterdescendants():
            return ""
    return ""


#: A post's floor on a line of its own: ``#2``, ``2#``, ``2楼``, ``3F``, ``沙发`` (the second
#: floor's name), ``板凳``, ``地板``.
_FLOOR_LINE = re.compile(r"^\s*(?:#\s*\d+|\d+\s*(?:#|楼|F|L)|沙发|板凳|地板)\s*$", re.IGNORECASE)


def without_header_lines(content: str, author: str, title: str = "") -> str:
    """A body that starts or ends with the post's own header — its time, its floor (``#2``,
    ``2楼``), "by
    <author>", "Replied by <author> on topic <title>" (the thread's title not counted in its
    length) — loses those lines: they are the block's metadata, not what was said."""
    lines = content.split("\n")

    def header(line: str) -> bool:
        if _FLOOR_LINE.match(line):
            return True
        short = len(line.replace(title, "") if title else line) <= _HEADER_LINE
        return short and (bool(DATE_LIKE.search(line)) or bool(author and author in line))

    while lines and header(lines[0]):
        lines.pop(0)
    while lines and header(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def without_board_lines(posts: list[Post]) -> list[Post]:
    """Post headers and the board's own lines (counts, log-in invitations) that stand inside
    a post block are not what was said (see :func:`~opinion_spiders.reading.main_text.header_line`
    and :func:`~opinion_spiders.reading.main_text.board_line`)."""
    for post in posts:
        lines = post.content.split("\n")
        post.content = "\n".join(x for x in lines if not (header_line(x) or board_line(x)))
    return posts


def without_stubs(posts: list[Post]) -> list[Post]:
    """Among signed posts, a block with no author and a few characters left (the reply list's
    head, ``社保 12 条回复 • 2024-05-14``, once its count and time are gone) is not a post, nor
    — after the first, among posts signed and dated alike — one with neither author nor time
    (a "log in to answer" card after the answers), and the first only where it says a
    sentence (the opening post its block leaves unsigned and undated), not a row of links
    (an old board's menu table, ``论坛首页 | 控制面板 | 注册``, of the posts' tables' kind)."""
    signed = sum(1 for post in posts if post.author)
    if signed < _SIGNED_SHARE * len(posts):
        return posts
    dated = sum(1 for post in posts if post.author and post.published_text)
    stamped = dated >= _SIGNED_SHARE * len(posts)
    return [
        p for at, p in enumerate(posts)
        if p.author or (len("".join(p.content.split())) >= _MIN_BODY and not (
            stamped and not p.published_text and (at or not _SENTENCE.search(p.content))
        ))
    ]  # fmt: skip


def drop_template_lines(posts: list[Post]) -> list[Post]:
    """Lines that recur in many posts of one thread ("Quote", "Reveal hidden contents", a
    signature, a "thanks received" counter) are the board's template, not what was said."""
    if len(posts) < _TEMPLATE_POSTS:
        return posts
    seen: dict[str, int] = defaultdict(int)
    for post in posts:
        for line in set(post.content.split("\n")):
            seen[line] += 1
    limit = max(_TEMPLATE_POSTS, len(posts) // 2)
    template = {line for line, n in seen.items() if n >= limit and len(line) <= _HEADER_LINE}
    for post in posts:
        post.content = "\n".join(x for x in post.content.split("\n") if x not in template)
    return posts


def post_blocks(sel: Selector) -> list[etree._Element]:
    """Every post block in page order: the thread's posts (:func:`top_blocks`), each followed
    by the replies nested inside it (:func:`threaded`)."""
    posts, reply_kind = top_blocks(sel)
    return threaded(posts, reply_kind)


def thread_blocks(sel: Selector) -> tuple[list[etree._Element], str, bool]:
    """The thread's post blocks as :func:`top_blocks` finds them — or, where no group of
    sibling blocks outside a sidebar looks like posts, the posts that stand alone
    (:func:`lone_blocks`) before a sidebar's group —, the kind of the replies inside them,
    and whether they stand alone."""
    beside = _sidebars(sel)
    groups, aside = _groups(sel, beside)
    if not groups and (alone := lone_blocks(sel, beside)):
        return alone, "", True
    return *_best_group(groups or aside), False


def top_blocks(sel: Selector) -> tuple[list[etree._Element], str]:
    """The sibling group that looks most like posts — most members with a date and a body —
    and not a group of boxes that hold the posts (see :func:`_inner_group`), with the kind of
    the replies its members hold where they are comments that hold the replies to them (a
    group of three or more; '' where none)."""
    groups, aside = _groups(sel, _sidebars(sel))
    return _best_group(groups or aside)  # a sidebar's activity stream where nothing else is


_Groups = list[tuple[float, list[etree._Element]]]


def _groups(sel: Selector, beside: set[etree._Element]) -> tuple[_Groups, _Groups]:
    """Every sibling group with members that look like posts, scored (:func:`group_score`):
    those outside the sidebars, and those inside — never teasers of other threads
    (:func:`_teasers`)."""
    groups: _Groups = []
    aside: _Groups = []
    title = ""
    for parent in sel.root.iter():
        if not isinstance(parent.tag, str) or parent.tag in _SKIP:
            continue
        siblings: dict[tuple[bool, str], list[etree._Element]] = defaultdict(list)
        for child in _children(parent):
            if child.tag not in _SKIP:
                siblings[child in beside, signature(child)].append(child)
        for (apart, _), members in siblings.items():
            score, hits = group_score(members)
            if score > 0 and not _teasers(hits, title := title or thread_title(sel)):
                (aside if apart else groups).append((score, hits))
    return groups, aside


#: Text-level formatting elements a browser re-opens around the blocks after one left open
#: (a poster's name in an unclosed ``<font color>``): the blocks inside such a wrapper are its
#: parent's children, as the page was written.
_FORMATTING = frozenset(
    ["font", "b", "strong", "i", "em", "u", "s", "strike", "big", "small", "tt", "center"]
)


def _children(parent: etree._Element) -> list[etree._Element]:
    """A parent's child elements, each formatting wrapper around blocks (a ``<font>`` that
    holds only ``<li>`` elements and white space) replaced by its own children, as written."""
    out: list[etree._Element] = []
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _FORMATTING and _wraps_blocks(child):
            out += _children(child)
        else:
            out.append(child)
    return out


def _wraps_blocks(el: etree._Element) -> bool:
    """Whether a formatting element holds block elements (or wrappers of them, ``<font>`` in
    ``<font>``) and no text besides theirs."""
    if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
        return False
    inner = [c for c in el if isinstance(c.tag, str)]
    return bool(inner) and all(
        c.tag in BLOCK_TAGS or (c.tag in _FORMATTING and _wraps_blocks(c)) for c in inner
    )


#: Share of a group's blocks that open with a link to another page for it to be teasers.
_TEASER_SHARE = 2 / 3
#: Hanzi from which a link's text with no space in it is a title, not a name.
_TEASER_CJK = 6


def _teasers(blocks: list[etree._Element], title: str) -> bool:
    """Whether blocks are teasers of other threads or stories, not posts: two thirds of them
    open with a link named by a title (:func:`_titled_link`: words, or six hanzi or more) —
    not a poster's, nor the thread's own, ``Re: <title>`` —, each to another address (a
    poster's other threads listed under the thread, a board's similar threads: each dated and
    signed, with its first lines)."""
    targets = []
    for block in blocks:
        link = _opening_link(block)
        if link is None or not _titled_link(link):
            continue
        href, text = (link.get("href") or "").strip(), _text(link)
        if not href or href.startswith("#") or (title and title in text):
            continue
        titled = " " in text or len(_CJK.findall(text)) >= _TEASER_CJK
        if _profile_link(href, text) or not titled:
            continue  # a poster's name: a comment opens with its poster
        targets.append(href)
    return len(targets) >= _TEASER_SHARE * len(blocks) and len(set(targets)) == len(targets)


def _opening_link(block: etree._Element) -> etree._Element | None:
    """The link a block's text opens with, if it opens with one."""
    for text, holder in _said_in_order(block):
        if not text.strip():
            continue
        for el in (holder, *holder.iterancestors()):
            if el is block:
                return None
            if el.tag == "a":
                return el
        return None
    return None


def _best_group(groups: _Groups) -> tuple[list[etree._Element], str]:
    """The best of the ``groups`` and the kind of the replies its members hold (see
    :func:`top_blocks`)."""
    if not groups:
        return [], ""
    best = max(groups, key=lambda group: group[0])[1]
    while (inner := _inner_group(best, groups)) is not None:
        if len(best) >= _NESTING_COMMENTS and _say_besides(best, inner):
            return best, signature(inner[0])
        best = inner
    return _with_replies_beside(best), ""


#: Levels above a post's named body within which its block shows its time or its poster.
_LONE_LEVELS = 5
#: Levels above an unsigned post's box within which the poster's card beside it is looked for.
_LONE_UNSIGNED = 2
#: Characters the poster's card may add to a post's box.
_LONE_HEADER = 200


def lone_blocks(sel: Selector, beside: set[etree._Element]) -> list[etree._Element]:
    """Posts that stand alone where no group of sibling blocks looks like posts (a thread
    with no reply yet; an opening post and its one reply in boxes of their own): around each
    body a class or id names (:func:`_hinted`), the nearest box up to ``_LONE_LEVELS`` up
    that shows a time or a poster's link beside it and holds no other named body beside it —
    in page order, none inside another, none in a sidebar, a page's header or footer, or a
    hidden box."""
    bodies = [
        el for el in sel.root.iter(*_BODY_TAGS)
        if el not in beside and _hinted(el) and _weight(el, len(_text(el))) >= _MIN_BODY
        and not any(a.tag in _SKIP or unshown(a) for a in (el, *el.iterancestors()))
    ]  # fmt: skip
    named = set(bodies)
    bodies = [  # innermost: a wrapper named ``content`` around the post is not its body
        el for el in bodies
        if not any(d in named for d in el.iterdescendants(*_BODY_TAGS)) and not _headed(el)
    ]  # fmt: skip
    found: list[etree._Element] = []
    for body in bodies:
        if any(body in b.iterancestors() or b in body.iterancestors() for b in found):
            continue
        if (box := _lone_box(body, named)) is not None:
            found.append(box)
    found = [b for b in found if not any(o in b.iterancestors() for o in found)]
    order = {el: at for at, el in enumerate(sel.root.iter())}
    found.sort(key=order.__getitem__)
    if found and (opening := _opening_around(bodies, named, found, order)) is not None:
        return [opening, *found]
    return found


def _opening_around(
    bodies: list[etree._Element],
    named: set[etree._Element],
    posts: list[etree._Element],
    order: dict[etree._Element, int],
) -> etree._Element | None:
    """The opening post whose box holds the replies found alone (a topic's card with its
    comment section inside it, as Ant Design's list item holds its ``ant-comment`` boxes): the
    first named body before the replies, outside them, whose box — up to ``_LONE_LEVELS``
    up, the replies taken out of it — shows a time or a poster beside it and holds no other
    named body; that box without the replies."""
    for body in bodies:
        if order[body] > order[posts[0]]:
            return None
        if any(body in p.iterancestors() or p in body.iterancestors() for p in posts):
            continue
        box = body.getparent()
        for _ in range(_LONE_LEVELS):
            if box is None or box.tag in ("body", "html"):
                break
            held = [p for p in posts if box in p.iterancestors()]
            others = [
                el for el in box.iter(*_BODY_TAGS)
                if el in named and el is not body and body not in el.iterancestors()
                and el not in body.iterancestors() and not _dated_line(el)
                and not any(p is el or p in el.iterancestors() for p in held)
            ]  # fmt: skip
            if others:
                break
            if held:
                apart, its_body = _apart(box, held, body)
                if _shows_sign(apart, its_body) and looks_like_post(apart):
                    return apart
                break
            box = box.getparent()
    return None


def _lone_box(body: etree._Element, named: set[etree._Element]) -> etree._Element | None:
    """The box of a post whose body is named: the nearest one up to ``_LONE_LEVELS`` up that
    shows a time or a poster beside the body — or, where that names no poster, the box up to
    ``_LONE_UNSIGNED`` levels above it that does and adds no more than a header's worth of
    text (the poster's card beside the message) —, holding no other named body."""
    found = None
    levels = _LONE_LEVELS
    box = body.getparent()
    while levels and box is not None and box.tag not in ("body", "html"):
        levels -= 1
        if any(
            el is not body
            and body not in el.iterancestors()
            and el not in body.iterancestors()
            and not _dated_line(el)
            for el in box.iter(*_BODY_TAGS)
            if el in named
        ):
            break
        if found is None and _shows_sign(box, body) and looks_like_post(box):
            found = box
            if author_of(box, body):
                break
            levels = _LONE_UNSIGNED
        elif found is not None:
            if len(_text(box)) - len(_text(found)) > _LONE_HEADER:
                break
            if author_of(box, body):
                return box
        box = box.getparent()
    return found


def _headed(body: etree._Element) -> bool:
    """Whether a named body shows more than one post's header inside it — time elements, or
    short texts that are a time (``Mar 12``, ``2 days ago``): the box of a whole discussion
    whose posts' bodies go unnamed, not one post's body."""
    stamps = len(body.xpath(".//time | .//*[@datetime] | .//*[@data-time]"))
    if stamps > 1:
        return True
    shown = sum(
        1 for el in body.iterdescendants()
        if isinstance(el.tag, str) and len(text := _text(el)) <= _DAY_LINE
        and DATE_LIKE.search(text) and not any(isinstance(c.tag, str) for c in el)
    )  # fmt: skip
    return max(stamps, shown) > 1


def _dated_line(el: etree._Element) -> bool:
    """A short text with a date in it: a post's header bar, whatever its class names."""
    text = _text(el)
    return len(text) <= _SIGNED_HEADER and bool(DATE_LIKE.search(text))


def _shows_sign(box: etree._Element, body: etree._Element) -> bool:
    """Whether a box shows a time or a link to a poster's page outside the ``body`` in it."""
    outside = [el for el in box.iter() if el is not body and body not in el.iterancestors()]
    for el in outside:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "time" or el.get("datetime") or el.get("data-time"):
            return True
        if el.tag == "a" and _profile_link(el.get("href") or "", _text(el)):
            return True
        own = " ".join(t for t in (el.text, el.tail if el is not box else "") if t)
        if own and DATE_LIKE.search(own) and not _PROFILE_DATE.search(own):
            return True
    return False


def _with_replies_beside(posts: list[etree._Element]) -> list[etree._Element]:
    """The posts with the replies a wrapper right after one of them holds (Drupal's
    ``div.indented`` after the comment it answers, its own replies in a ``div.indented``
    inside it), each after the post it answers: a sibling of another kind whose blocks of
    the posts' kind, each looking like a post, hold ``_REPLIES_SHARE`` of its text."""
    if len(posts) < 2:
        return posts
    kind, tag = signature(posts[0]), posts[0].tag
    members = set(posts)
    out: list[etree._Element] = []
    for post in posts:
        out.append(post)
        for after in post.itersiblings():
            if after in members or not isinstance(after.tag, str):
                break
            if any(after in m.iterancestors() for m in members):
                break  # a browser's formatting wrapper around the next posts
            if signature(after) == kind:
                break
            replies = [
                el for el in after.iterdescendants(tag)
                if signature(el) == kind and not _nested_in(el, {kind}, after)
            ]  # fmt: skip
            if not replies or not all(looks_like_post(el) for el in replies):
                break
            if sum(len(_text(el)) for el in replies) < _REPLIES_SHARE * len(_text(after)):
                break
            out += replies
    return out


def _say_besides(boxes: list[etree._Element], inner: list[etree._Element]) -> bool:
    """Whether each box holding blocks of ``inner`` says something besides them (a comment
    above the replies to it), not only holds them (a page's wrapper of the posts, vBulletin
    3's ``div#posts`` between the head's and the foot's wrappers)."""
    for box in boxes:
        held = [el for el in inner if box in el.iterancestors()]
        if held and len(_text(box)) - sum(len(_text(el)) for el in held) < _MIN_BODY + 6:
            return False
    return True


def _sidebars(sel: Selector) -> set[etree._Element]:
    """Every element inside an ``<aside>`` or a block whose class names a sidebar
    (``widget-area sidebar``, ``is-left-sidebar``, ``sidebar-right``; not ``no-sidebar`` or
    ``content-sidebar-wrap``): the site's widgets beside the thread — its latest activity, its
    newest topics —, not the thread. A block holding the page's ``<main>`` or ``<h1>``, or most
    of its text, is a wrapper."""
    roots = [
        el for el in sel.root.iter()
        if isinstance(el.tag, str) and el.tag not in ("body", "html") and (
            el.tag == "aside"
            or (_SIDEBAR_WORD.search(f"{el.get('class')} {el.get('id')}") is not None
                and any(SIDEBAR.match(t) for t in _names(el)))
        )
    ]  # fmt: skip
    if not roots:
        return set()
    page = len(_text(sel.root))
    inside: set[etree._Element] = set()
    for root in roots:
        if root in inside or root.xpath(".//main | .//h1") or len(_text(root)) >= 0.8 * page:
            continue  # a wrapper of the thread and its sidebars
        inside.update(root.iter())
    return inside


def _names(el: etree._Element, attributes: tuple[str, ...] = ("class", "id")) -> list[str]:
    """The words of an element's class and its id (or of the ``attributes`` given)."""
    return " ".join(el.get(name) or "" for name in attributes).split()


def threaded(posts: list[etree._Element], reply_kind: str = "") -> list[etree._Element]:
    """Each post followed by the replies nested inside it — blocks of ``reply_kind`` (a 楼中楼,
    replies within a floor) or of the post's own kind where that kind names what it is
    (Reddit's comment tree) —, the post read without them: a copy, the page's own tree
    untouched."""
    if not posts:
        return posts
    own = signature(posts[0])
    kinds = {kind for kind in (reply_kind, own if _named_kind(own) else "") if kind}
    if not kinds:
        return posts
    return [el for post in posts for el in _thread_of(post, kinds)]


def _named_kind(kind: str) -> bool:
    """A kind of block that names what it is — a class of its own (not a layout utility's:
    ``flex``, ``w-full``) or an element of the site's own (``shreddit-comment``) —, which a
    block of the same kind inside a post is a reply, not the post's layout."""
    tag, _, first = kind.partition(".")
    if not first:
        return "-" in tag
    return not (UTILITY.match(first) or GRID.match(first) or first in _LAYOUT)


def _thread_of(block: etree._Element, kinds: set[str]) -> list[etree._Element]:
    """A post and the replies nested inside it (blocks of ``kinds``, each one a post itself):
    the post read without them, then each reply and its own replies."""
    tags = {kind.partition(".")[0] for kind in kinds}
    nested = [
        el for el in block.iterdescendants(*tags)
        if signature(el) in kinds and not _nested_in(el, kinds, block)
        and not _opens_quote(el)  # a quote of the kind of the posts
    ]  # fmt: skip
    if not nested or not all(looks_like_post(el) for el in nested):
        return [block]
    return [_without(block, nested), *(el for reply in nested for el in _thread_of(reply, kinds))]


def _nested_in(el: etree._Element, kinds: set[str], top: etree._Element) -> bool:
    """Whether ``el`` lies inside another block of ``kinds`` below ``top``."""
    for up in el.iterancestors():
        if up is top:
            return False
        if signature(up) in kinds:
            return True
    return False


def _without(box: etree._Element, parts: list[etree._Element]) -> etree._Element:
    """A copy of ``box`` without ``parts`` (elements inside it)."""
    return _apart(box, parts, box)[0]


def _apart(
    box: etree._Element, parts: list[etree._Element], keep: etree._Element
) -> tuple[etree._Element, etree._Element]:
    """A copy of ``box`` without ``parts`` (elements inside it), and the copy of ``keep`` (an
    element inside it, outside the parts, or the box itself) in it."""
    trimmed = copy.deepcopy(box)
    kept = _at(trimmed, _path(box, keep))
    for path in sorted((_path(box, part) for part in parts), reverse=True):
        remove(_at(trimmed, path))  # later siblings first: earlier indices hold; a tail stays
    return trimmed, kept


def _path(box: etree._Element, el: etree._Element) -> list[int]:
    """The child indices that lead from ``box`` down to ``el``."""
    path = []
    while el is not box:
        parent = el.getparent()
        path.append(parent.index(el))
        el = parent
    return path[::-1]


def _at(box: etree._Element, path: list[int]) -> etree._Element:
    for at in path:
        box = box[at]
    return box


def _inner_group(
    best: list[etree._Element], groups: list[tuple[float, list[etree._Element]]]
) -> list[etree._Element] | None:
    """The group of posts inside one of ``best``'s members, if one is: a page's boxes (the
    opening post's, the replies') repeat too, each with a date and text, and the box of the
    replies holds more text than any reply — but a post does not hold several posts of
    another kind that make up most of its text. Not blocks every member holds alike (a
    post's own cells: the poster's card beside the message), nor quotes. The highest-scoring
    such group."""
    kind = signature(best[0])
    holders: dict[str, etree._Element | None] = {}  # by kind: the one member holding them
    for _, members in sorted(groups, key=lambda group: -group[0]):
        inner = signature(members[0])
        if inner == kind or _quoted(members[0]):
            continue  # replies nested in the posts they answer are the same kind of block
        if inner not in holders:
            holding = [box for box in best if _holds(box, inner)]
            if len(holding) > 1 and _comments_with_replies(best, inner):
                return members
            holders[inner] = holding[0] if len(holding) == 1 else None
        if (box := holders[inner]) is None:
            continue
        inside = [el for el in members if box in el.iterancestors()]
        held = sum(len(_text(el)) for el in inside)
        if len(inside) >= 2 and held >= _INNER_SHARE * len(_text(box)):
            return members
    return None


def _comments_with_replies(boxes: list[etree._Element], kind: str) -> bool:
    """Whether ``boxes`` are a comment list's boxes each holding a comment and the replies to
    it, all blocks of ``kind`` (Xiaohongshu's ``parent-comment``: the comment's
    ``comment-item``, then a list of ``comment-item`` blocks): three or more boxes, each holding
    one or more such blocks, every one of them looking like a post and together nearly all
    the boxes' text, one box holding more of them than another — a post's own cells repeat
    alike in every post."""
    tag = kind.partition(".")[0]
    if len(boxes) < _NESTING_COMMENTS or tag in _TABLE_PARTS:
        return False
    counts, held, total = set(), 0, 0
    for box in boxes:
        blocks = [
            el for el in box.iterdescendants(tag)
            if signature(el) == kind and not _nested_in(el, {kind}, box)
        ]  # fmt: skip
        if not blocks or not all(looks_like_post(el) for el in blocks):
            return False
        counts.add(len(blocks))
        held += sum(len(_text(el)) for el in blocks)
        total += len(_text(box))
    return len(counts) > 1 and held >= _REPLIES_SHARE * total


def _holds(box: etree._Element, kind: str) -> bool:
    """Whether ``box`` holds two or more elements of signature ``kind``."""
    tag, _, first = kind.partition(".")
    found = 0
    for el in box.iterdescendants(tag):
        if signature(el) == kind:
            found += 1
            if found == 2:
                return True
    return False


def _quoted(el: etree._Element) -> bool:
    return el.tag == "blockquote" or "quote" in (el.get("class") or "").lower()


_ANNOUNCEMENT = (
    "descendant-or-self::*[contains(translate(concat(@class, ' ', @id), 'ANOUNCE', 'anounce'),"
    " 'announce')]"
)


def opening_block(blocks: list[etree._Element], title: str = "") -> etree._Element | None:
    """The opening post when it stands apart from the replies (a Q&A question above its
    answers list, a first post in a container of its own, or an undated block of their kind
    right before them): the nearest block before the reply group, within a few levels up,
    that carries a body of prose besides the thread's ``title`` — not the title's box, the
    breadcrumbs ending in it, a link list, a block of the group's own kind further up or the
    site's announcement box."""
    kind = signature(blocks[0])
    node = blocks[0]
    for level in range(_FAR_OPENING_LEVELS + 1):
        if level == _OPENING_LEVELS + 1 and not _dated_comments(blocks):
            return None  # further up only above comments
        nearest = level > 0  # the first block with text before the replies' container
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or sibling.tag in _SKIP:
                continue
            if nearest and _text(sibling):
                nearest = False
                if _dated_post(sibling, title, blocks[0]):
                    return sibling  # a post above the comments, in markup of its own or theirs
            if level > _OPENING_LEVELS and not _headed_by(sibling, title, blocks[0]):
                continue  # further up, only the post the thread's heading heads
            body = body_node(sibling)
            prose = body is not None and _is_prose(body, title)
            if signature(sibling) == kind:
                # undated (the thread's time stands in the page's head) but with a body of
                # prose, a block of the replies' own kind right before them opens the thread
                return sibling if prose and node is blocks[0] else None
            if sibling.xpath(_ANNOUNCEMENT):  # the site's announcement box above every thread
                continue
            if prose and not _shows_time_of(sibling, blocks[0]):
                return sibling
        node = node.getparent()
        if node is None or node.getparent() is None:
            return None
    return None


def _dated_post(el: etree._Element, title: str, first: etree._Element) -> bool:
    """Whether the block right before the replies' container is a post of its own (old
    Reddit's link post, a ``div.thing`` like its comments, beside ``div.commentarea``): a body
    of prose, a link to its poster's page, a full date that is
    not the first reply's (the thread's head shows that), and not two or more blocks of the
    replies' kind (a list of featured comments above all of them)."""
    body = body_node(el)
    if body is None or not _is_prose(body, title) or not _signs(el):
        return False
    if _holds(el, signature(first)) or _shows_time_of(el, first):
        return False
    return bool(full_date(time_of(Selector(root=el), body)))


def _media_only(el: etree._Element) -> bool:
    """A body box that shows only an image or a video (a GIF reply), fewer than ``_MIN_BODY``
    characters besides its controls: the post says nothing in words, and the box around it
    is its header and buttons."""
    return (
        _MEDIA(el) and not _LINK_OR_TIME(el) and len(squash("".join(_SAID_XPATH(el)))) < _MIN_BODY
    )


def _signs(el: etree._Element) -> bool:
    """Whether an element holds a link to a poster's page whose text is a name (a byline)."""
    return any(
        1 < len(text := _text(a)) <= 40 and _profile_link(a.get("href") or "", text)
        for a in el.iter("a")
    )


def _dated_comments(blocks: list[etree._Element]) -> bool:
    """Three or more blocks, each with a time of its own (the first ten looked at):
    comments, not a list of teasers or members whose rows happen to repeat."""
    return len(blocks) >= 3 and all(time_of(Selector(root=block)) for block in blocks[:10])


def _headed_by(el: etree._Element, title: str, first: etree._Element) -> bool:
    """Whether the block holds the thread's heading (an ``h1`` reading as its title): the
    post a page of dated comments is about (an image post above its comments, several levels
    up) — not the thread's head that shows the first post's own time (XenForo's title bar
    with its starter and start date: the opening post is then the first of the group)."""
    if not title or not any(_text(h) == title for h in el.iter("h1")):
        return False
    return not _shows_time_of(el, first)


def _shows_time_of(el: etree._Element, first: etree._Element) -> bool:
    """Whether a block shows the first post's own time as its date (``Started by bob, March
    14, 2022, 9:22:47 PM`` over the post dated ``March 14, 2022, 9:22:47 PM``): the thread's
    head, its starter and start date, not a post of its own."""
    shown = full_date(time_of(Selector(root=el)))
    return bool(shown) and shown == full_date(time_of(Selector(root=first)))


def _is_prose(el: etree._Element, title: str = "") -> bool:
    """Enough text (a CJK character counting twice) besides ``title``, most of it not link
    text, with sentence punctuation (a sort menu or a button row has none)."""
    text = _text(el)
    if title:
        text = " ".join(text.replace(title, " ").split())
    linked = sum(len(_text(a)) for a in el.iter("a"))
    weight = len(text) + len(_CJK.findall(text))  # a CJK character says about a short word
    return weight >= _OPENING_MIN and linked < 0.3 * len(text) and bool(_SENTENCE.search(text))


def group_score(members: list[etree._Element]) -> tuple[float, list[etree._Element]]:
    """The text the post-like members hold (each capped, so one huge block cannot win alone),
    less what the non-post members hold: posts carry the bulk of a thread's text, while
    comment rows, menus and teaser lists repeat too but hold little; and those members. Members
    laid out unlike each other inside (:func:`_unlike`) are no posts, whatever they hold."""
    if len(members) < 2:
        return 0.0, []
    hits = [el for el in members if looks_like_post(el)]
    if len(hits) < 2 or _unlike(hits):
        return 0.0, []
    held = sum(min(len(_text(el)), 3000) for el in hits)
    return held + 50 * len(hits) - 20 * (len(members) - len(hits)), hits


#: Levels of a block's layout (:func:`_layout`) compared between the members of a group.
_LAYOUT_LEVELS = 3
#: Share of their layouts that the members of a group of posts have in common, on the mean
#: of each member and the next, below which they are not posts: blocks that sit side by side
#: and happen to be alike on the outside (a side column's widgets).
_ALIKE = 0.1


def _layout(el: etree._Element) -> set[str]:
    """The paths of a block's elements, each a chain of :func:`signature`, to
    :data:`_LAYOUT_LEVELS` levels: what posts printed by one template share."""
    paths: set[str] = set()
    level = [(el, "")]
    for _ in range(_LAYOUT_LEVELS):
        below = []
        for node, path in level:
            for child in node:
                if isinstance(child.tag, str):
                    below.append((child, f"{path}/{signature(child)}"))
        paths.update(path for _, path in below)
        level = below
    return paths


def _unlike(hits: list[etree._Element]) -> bool:
    """Whether blocks that look like posts share next to nothing of their layout, each with
    the next: a side column's widgets (a menu, a sign-up box) each with a date in it, alike
    outside and unlike inside — posts come from one template."""
    layouts = [_layout(h) for h in hits]
    shared = [len(a & b) / max(1, len(a | b)) for a, b in zip(layouts, layouts[1:], strict=False)]
    return sum(shared) / len(shared) < _ALIKE


def looks_like_post(el: etree._Element) -> bool:
    """Text, a body, and a time or a signature: a post shows when or who (a time rendered by
    script may be missing from the page, the author's profile link rarely is) — a time as
    :func:`time_of` reads it, a month and day alone in an element named a date or time too."""
    text = _text(el)
    if len(text) < _MIN_BODY + 6:
        return False
    stamped = _STAMPED(el)
    has_time = (
        bool(stamped) or bool(DATE_LIKE.search(text[:_DATED_HEAD])) or _dated_node(el)
        or bool(_month_and_day(el))
    )  # fmt: skip
    signed = not has_time and any(
        _PROFILE.search(a.get("href") or "") and 1 < len(_text(a)) <= 40 for a in el.iter("a")
    )
    return (has_time or signed) and body_node(el) is not None


def _dated_node(el: etree._Element) -> bool:
    """Whether one of the first texts in a block is a date on its own: a header's ``10月前``
    that the body after it runs on from in the block's whole text (``10月前花钱就…``), where
    :data:`DATE_LIKE` does not take the words for a time."""
    seen = 0
    for text, _ in _said_in_order(el):
        if DATE_LIKE.search(text):
            return True
        seen += len(text)
        if seen > _DATED_HEAD:
            return False
    return False


def _said_in_order(el: etree._Element, top: bool = True) -> Iterator[tuple[str, etree._Element]]:
    """The texts an element says (as :data:`_SAID`: not its scripts', styles', icons',
    controls' or menus'), each with the element that holds it, in page order — one at a time,
    for the callers that stop at the first few."""
    if isinstance(el.tag, str) and el.tag not in _CODE and not _unsaid(el):
        if el.text:
            yield el.text, el
        for child in el:
            yield from _said_in_order(child, False)
    if not top and el.tail and (parent := el.getparent()) is not None:
        yield el.tail, parent


def _unsaid(el: etree._Element) -> bool:
    """An element whose text is no one's saying: an icon, a control, a menu (see :data:`_SAID`)."""
    if el.tag in ("svg", "button", "select"):
        return True
    names = (el.get("class") or "").lower()
    return "dropdown" in names or "menu" in names


def _hinted(el: etree._Element) -> bool:
    """A class, id or role token one of whose parts names a post body, alone or run on after
    ``post`` (``postmsg``; a role: IPS's
    ``data-role="commentContent"``, microdata's ``itemprop="articleBody"``, NodeBB's
    ``component="post/content"``)."""
    for token in (t for name in _names(el, _HINTING) for t in name.split("/")):
        if UTILITY.match(token):
            continue
        parts = [p.lower() for p in _TOKEN_PARTS.split(re.sub(r"\d+$", "", token)) if p]
        joined = [a + b for a, b in zip(parts, parts[1:], strict=False)]
        run_on = [p.removeprefix(_POST) for p in parts if p.startswith(_POST)]
        if _BODY_WORDS.intersection([*parts, *joined, "".join(parts), *run_on]):
            return True
    return False


def body_node(block: etree._Element) -> etree._Element | None:
    """The element holding the post text: the hinted element (content-like class or id) that
    holds the most text, if that is a fair share of the block; else the element that holds
    the most text directly (paragraphs, lines) — a short line with a date in it (the poster's
    name, time and place) or a text all in links (a "Like" button) only where no other text
    is long enough, never a bare date; a hinted element that is a short dated line (a header
    bar named ``…__body``) only where no other is. Quotes and signatures
    are not the body, and their text does not count towards any element's share."""
    quotes = {*_QUOTES(block), *_SIGNED_OFF(block)}  # neither is what the post says
    hinted = [
        (el, _unquoted(el, quotes))
        for el in block.iter(*_BODY_TAGS, "blockquote", "pre")
        if el is not block
        and (_prose_pre(el) if el.tag == "pre" else _hinted(el))
        and not _in_quote(el, quotes, block)
    ]
    longest = max((n for _, n in hinted), default=0)
    fair = [(el, n) for el, n in hinted if n >= 0.3 * longest and _weight(el, n) >= _MIN_BODY]
    innermost = [(el, n) for el, n in fair if not any(el in o.iterancestors() for o, _ in fair)]
    if undated := [(el, n) for el, n in innermost if not _dated_line(el)]:
        innermost = undated  # a header bar named a body (``media-body``: the floor and the time)
    if innermost:
        found = max(innermost, key=lambda pair: pair[1])[0]
        if _MEDIA(found):
            inside = [el for el, _ in hinted if found in el.iterancestors() and _media_only(el)]
            if inside:
                return inside[0]
        if _signs(found):  # the box holds the byline too: the body box inside it, if any
            said = [
                (el, n) for el, n in hinted
                if found in el.iterancestors() and _weight(el, n) >= _MIN_BODY and not _signs(el)
            ]  # fmt: skip
            if said:
                return max(said, key=lambda pair: pair[1])[0]
        return found
    if media := [el for el, _ in hinted if _media_only(el)]:
        return media[0]
    owned = [(el, *own_text(el, _NOT_INLINE)) for el in block.iter(*_BODY_TAGS)]
    said = [
        (el, own, n) for el, own, n in owned
        if not _header(el, own, n) and not _linked(el, n) and not _name_line(el)
        and not _TALLY.match(own)
    ]  # fmt: skip
    for candidates in (said, owned):  # a line with a date is the body only where none else is
        best, best_size = None, 0
        for el, own, size in candidates:
            if size > best_size and not DATE_LIKE.fullmatch(own):
                best, best_size = el, size
        if best is not None and _weight(best, best_size) >= _MIN_BODY:
            return _with_its_paragraphs(best, block)
    return None


#: Elements whose text no reader sees — unlike a post's ``<header>`` or ``<aside>``, whose
#: poster and time stand beside its body.
_UNSEEN = frozenset(["script", "style", "noscript", "template"])
#: Characters a sibling of a post's paragraph may hold and still be taken for its header
#: (a date in it) rather than a line of the post.
_SIDE_LINE = 100


def _with_its_paragraphs(el: etree._Element, block: etree._Element) -> etree._Element:
    """The element holding the most text of its own, widened to each box above it (inside
    ``block``) that adds only more of what was said: lines mostly not links, that read as
    said (:func:`_said`), with no poster's link, no time and no short dated line — an
    unnamed body's paragraphs (``<div><p>Hey!</p><p>I've not tested…</p></div>``), not the
    card, the header or the step's heading beside it."""
    while (up := el.getparent()) is not None and up is not block and up.tag in _BODY_TAGS:
        added = [c for c in up if c is not el and isinstance(c.tag, str) and c.tag not in _UNSEEN]
        if any(_signs_beside(c) for c in added):
            break
        text = " ".join(filter(None, (up.text, *(_text(c) for c in added),
                                      *(c.tail for c in up)))).strip()  # fmt: skip
        linked = sum(len(_text(a)) for c in added for a in c.iter("a"))
        if text and (linked >= 0.5 * len(text) or not _said(text)):
            break
        el = up
    return el


def _said(text: str) -> bool:
    """Whether a text reads as something said — a sentence's punctuation (``急！``), or a
    line long enough —, not a step's heading (``发起投诉``) or a row of labels."""
    return bool(_SENTENCE.search(text)) or len(text) + len(_CJK.findall(text)) >= _OPENING_MIN


def _signs_beside(el: etree._Element) -> bool:
    """Whether an element beside a post's paragraph shows who or when: a time, a short
    dated line, a poster's link or a declared name."""
    if _STAMPED(el):
        return True
    text = _text(el)
    if len(text) <= _SIDE_LINE and DATE_LIKE.search(text):
        return True
    for sub in el.iter():
        if not isinstance(sub.tag, str):
            continue
        if any(sub.get(name) for name in _NAME_ATTRIBUTES):
            return True
        own = " ".join(filter(None, (sub.text, *(c.tail for c in sub)))).strip()
        if own and len(own) <= _SIDE_LINE and DATE_LIKE.search(own):
            return True
        if (
            sub.tag == "a"
            and 1 < len(t := _text(sub)) <= 40
            and _profile_link(sub.get("href") or "", t)
        ):
            return True
    return False


def _prose_pre(el: etree._Element) -> bool:
    """A ``<pre>`` whose class or id names an answer or a post's text, not code (搜狗问问's
    ``pre.answer_con``, a question's ``pre#question_content``): a body keeping its lines."""
    names = " ".join(_names(el, ("class", "id")))
    return bool(_PROSE_PRE.search(names)) and not _CODE_PRE.search(names)


def _weight(el: etree._Element, size: int) -> int:
    """An element's ``size`` characters with each CJK character of its text counting twice,
    up to ``size`` more: ``主要是不赚钱`` is a reply, six characters though it is (counted only
    where it matters: below ``_MIN_BODY``)."""
    if size >= _MIN_BODY:
        return size
    return size + min(size, len(_CJK.findall(_text(el))))


def _name_line(el: etree._Element) -> bool:
    """Whether an element's own text is all posters' names (``<span class="nickname">
    yanjun</span><span class="username"> @yanjun</span>``, ``<a class="nick">小王</a> 回复
    <a class="nick">老李</a>``): a reply's header, not its body."""
    if (el.text or "").strip():
        return False
    named = False
    for child in el:
        if not _BETWEEN_NAMES.fullmatch((child.tail or "").strip()):
            return False
        if not isinstance(child.tag, str) or not _text(child):
            continue
        if child.tag in _BODY_TAGS or not _AUTHOR_HINT.search(child.get("class") or ""):
            return False
        named = True
    return named


def _linked(el: etree._Element, size: int) -> bool:
    """Whether an element's own text (``size`` characters, its inline children's included)
    is all in its links — theirs too: a poster's names each linked inside a ``<span>`` —: a
    button, a menu or a names line, not a body."""
    linked = sum(
        len(_text(a))
        for child in el
        if isinstance(child.tag, str) and child.tag not in _NOT_INLINE
        for a in child.iter("a")
    )
    return linked > 0 and linked >= size


#: A count of the readers who liked, thanked or agreed with a post, its own line beside it
#: (``0 people like this.``, ``12 likes``, ``3 人觉得这条回复很赞``, ``赞 (12)``): not what was
#: said.
_TALLY = re.compile(
    r"^\s*(?:\d[\d,.]*\s*(?:(?:people|persons?|users?|members?)\s+(?:like|liked|found|thanked"
    r"|agree)\b.*|(?:likes?|thanks|upvotes?|votes?|points|reactions?)\b\W*"
    r"|(?:人|位|个人)\s*(?:觉得|认为).{0,8}?(?:赞|有用|有帮助)\W*"
    r"|(?:人|位|个人)?\s*(?:点?赞|喜欢|支持|很赞|有用|赞同)\W*)"
    r"|(?:点?赞|喜欢|支持|有用|赞同)\s*[(（]?\s*\d[\d,]*\s*[)）]?)\s*$",
    re.IGNORECASE,
)


def _header(el: etree._Element, own: str, size: int) -> bool:
    """A short text with a date in it: a post's header (its poster, time and place) — longer
    where it links to the poster's page (``Reply 2 - Posted by: <a>Rand Al'Thor</a>
    5/21/2024 4:50:13 AM (No. 1721837)``)."""
    if size > _SIGNED_HEADER or not DATE_LIKE.search(own):
        return False
    return size <= _HEADER_LINE or any(
        _profile_link(a.get("href") or "", _text(a)) for a in el.iter("a")
    )


def _unquoted(el: etree._Element, quotes: set[etree._Element]) -> int:
    """Characters of an element's text outside the quotes it holds."""
    inside = [q for q in quotes if el in q.iterancestors()]
    outer = [q for q in inside if not any(a in quotes for a in q.iterancestors())]
    return len(_text(el)) - sum(len(_text(q)) for q in outer)


def _in_quote(el: etree._Element, quotes: set[etree._Element], block: etree._Element) -> bool:
    """Whether an element is a quote or lies inside one within ``block``."""
    if el in quotes:
        return True
    for up in el.iterancestors():
        if up is block:
            return False
        if up in quotes:
            return True
    return False


def author_of(block: etree._Element, body: etree._Element | None) -> str:
    """A declared name (``data-username``, ``uname``, ``itemprop=name``, an hCard's ``fn`` …),
    else a profile link's text, else the shortest author-like element (without the colon a
    comment's ``<span>:</span>`` adds to it); never from inside the body."""
    outside = [
        el for el in block.iter()
        if isinstance(el.tag, str) and el is not body and body not in el.iterancestors()
    ]  # fmt: skip
    for el in outside:
        declared = next((el.get(name) for name in _NAME_ATTRIBUTES if el.get(name)), None) or (
            el.get("content") if el.get("itemprop") == "name" else None
        )
        if not declared and _FORMATTED_NAME.intersection((el.get("class") or "").split()):
            declared = _text(el)  # an hCard's formatted name: WordPress's ``cite.fn``
        if not declared and _person_name(el):
            declared = _text(el)  # RDFa: Drupal's ``Submitted by <span property=schema:name>``
        if declared:
            return squash(declared)
    for el in outside:
        if el.tag != "a" or not 1 < len(text := _without_stamps(el)) <= 40:
            continue
        words = class_words(" ".join(_names(el)))
        if words & _GROUP_LINK:
            continue  # a group's or rank's tag that links to its member list
        if words & _BUTTON_LINK:
            continue  # a button: ``/post/2410/reply`` "Reply" is no poster's slug
        if _profile_link(el.get("href") or "", text) or words & _PROFILE_CLASS:
            return text
    hinted = []
    for el in outside:
        named = f"{el.get('class', '')} {el.get('itemprop', '')}"
        if not _AUTHOR_HINT.search(named):
            continue
        tokens = class_words(named)
        text = _without_stamps(el)
        if tokens & _NOT_A_NAME or not 1 < len(text) <= 40 or DATE_LIKE.search(text):
            continue
        naming = any("name" in t or "nick" in t or t in ("author", "poster") for t in tokens)
        hinted.append((not naming, len(text), text))
    if hinted:
        return min(hinted)[2].rstrip(":：").rstrip()
    return next(filter(None, (_named_by_image(a) for a in outside if a.tag == "a")), "")


def _without_stamps(el: etree._Element) -> str:
    """An element's text without the times inside it: the name of a poster's link that also
    prints when they posted (``<a class="username">小王 <small>10月前</small></a>``)."""
    stamps = [
        d for d in el.iterdescendants()
        if isinstance(d.tag, str)
        and (d.tag == "time" or len(t := _text(d)) <= _DAY_LINE and DATE_LIKE.fullmatch(t))
    ]  # fmt: skip
    if not stamps:
        return _text(el)
    return squash("".join(
        text for text, holder in _said_in_order(el)
        if not any(holder is s or s in holder.iterancestors() for s in stamps)
    ))  # fmt: skip


def _person_name(el: etree._Element) -> bool:
    """Whether an element is a person's name in RDFa: a ``property`` naming a name
    (``schema:name``, ``foaf:name``) on a node whose ``typeof`` is a person or a user account
    (Drupal's poster, linked or not) — not a forum's or a tag's name."""
    if not (el.get("property") or "").endswith(":name"):
        return False
    for node in (el, el.getparent()):
        if node is not None and _RDF_PERSON.search(node.get("typeof") or ""):
            return True
    return False


def _named_by_image(link: etree._Element) -> str:
    """The name a poster's link that shows only an image gives in its tooltip or the image's
    alt text (``查看城南旧事多的个人资料``, ``darkroom_dave's Avatar``: old boards print the name
    unlinked beside it)."""
    if _text(link) or not _PROFILE.search(link.get("href") or ""):
        return ""
    for said in (link.get("title"), *(img.get("alt") for img in link.iter("img"))):
        if found := _IMAGE_NAME.match(squash(said)):
            return found.group(1) or found.group(2)
    return ""


def inline_signer(body: etree._Element) -> str:
    """The poster who signs a comment at its start, as comment lists print them
    (``<a href="/u/1276871217">Mickey-R</a>: 这么大的公园…`` on Weibo, a post bar's replies
    within a floor): a link to their page before any other text, then a colon (past their
    badges, which show no text)."""
    if (body.text or "").strip():
        return ""
    name = ""
    for child in body:
        if not isinstance(child.tag, str):
            continue
        text = _text(child)
        if not name:
            href = child.get("href") or ""
            if child.tag != "a" or not 1 < len(text) <= 40 or not _profile_link(href, text):
                return ""
            name = text
        elif text:
            return ""
        tail = (child.tail or "").strip()
        if tail:
            return name if tail[0] in ":：" else ""
    return ""


def _profile_link(href: str, text: str) -> bool:
    """A link to a poster's page: a profile path (``/user/…``, ``space-uid-…``), or one whose
    last part is the link's text itself (``/bobbyiliev``, ``/@bobby``, ``/%E5%B0%8F%E6%98%8E``
    for 小明: the name as its slug)."""
    if _PROFILE.search(href):
        return True
    path = urlsplit(href)
    parts = unquote(path.path).strip("/").split("/")
    slug = parts[-1].removeprefix("@").casefold()
    if path.query or " " in text or _TOPIC_PARTS.intersection(p.lower() for p in parts[:-1]):
        return False
    return slug == text.removeprefix("@").casefold()


#: Where a page puts an element's tooltip: ``title``, or the attribute a tooltip script
#: shows (Lemmy's ``data-tippy-content``, ``data-tooltip``), or an ``aria-label``.
_TOOLTIPS = ("title", "data-tippy-content", "data-tooltip", "data-original-title", "aria-label")
_TOOLTIPPED = ".//*[" + " or ".join(f"@{name}" for name in _TOOLTIPS) + "]"


def time_of(node: Selector, body: etree._Element | None = None) -> str:
    """A ``<time datetime>``, a ``data-time``, a tooltip (``title``, ``data-tippy-content``
    …) with the absolute time, or a date —
    one printed in the post's ``body`` only where none is printed outside it, and never in a
    sentence there (``现象：每天 00:00 前后的那一轮采集会跑两次，…``: what the post says)."""
    stamp = node.xpath(
        "(.//time/@datetime | .//*[@data-time]/@data-time | .//*[@datetime]/@datetime)[1]"
    ).get()
    if stamp:
        return squash(stamp)
    for el in node.root.xpath(_TOOLTIPPED):
        title = next((t for name in _TOOLTIPS if (t := el.get(name))), "")
        if (
            DATE_LIKE.search(title)
            and re.search(r"\d{4}", title)
            and not _PROFILE_DATE.search(title)
            and not _titled_link(el)
        ):
            return squash(title)
    previous, inside = "", ""
    for text in node.root.xpath(".//text()[not(ancestor::blockquote)]"):
        found = DATE_LIKE.search(text)
        if found and len(text.strip()) <= 60 and not _PROFILE_DATE.search(f"{previous} {text}"):
            held = text.getparent()
            if body is None or (held is not body and body not in held.iterancestors(body.tag)):
                return _with_its_day(text).lstrip(_LEADING)
            if not inside and not _SENTENCE.search(text):  # not a sentence of what it says
                inside = text  # the post's time only if none is printed outside the body
        if text.strip():
            previous = text
    return _with_its_day(inside).lstrip(_LEADING) if inside else _month_and_day(node.root)


def _titled_link(el: etree._Element) -> bool:
    """A link to another page named by its text (``上一篇：<title>`` with the time that page was
    posted as its tooltip), not a post's permalink showing its time (``3 天前``, ``#3``)."""
    text = _text(el)
    return el.tag == "a" and len(text) > _TITLED_LINK and not DATE_LIKE.search(text)


def _month_and_day(block: etree._Element) -> str:
    """A date element printing a month and day alone (Xiaohongshu's ``06-08 四川``, the day
    and the place), which the reader dates the latest such day that is past: the first
    element whose class names a date or time and whose short text starts with one."""
    for el in block.iterdescendants():
        if not isinstance(el.tag, str) or not any(
            word.endswith(("date", "time")) for word in class_words(el.get("class"))
        ):
            continue
        text = squash(" ".join(el.itertext()))
        if len(text) <= _DAY_LINE and text[:1].isdigit() and month_day(text):
            return text
    return ""


def _with_its_day(text: Any) -> str:
    """A time with the day printed beside it in another element (vBulletin's
    ``05-05-2024,<span class="time">10:12 AM</span>``): the shortest enclosing element's text
    that gives a year, else the time as it stands — never a bare clock where the day is
    there to read."""
    own = squash(str(text))
    if full_date(own):
        return own
    el = text.getparent()
    for _ in range(2):
        if el is None:
            break
        around = squash(el.xpath("string()"))
        if len(around) <= _HEADER_LINE and full_date(around) and own in around:
            return around
        el = el.getparent()
    return own


def post_id(block: etree._Element) -> str | None:
    for attr in ("data-pid", "data-post-id", "data-id", "id"):
        m = _ID_DIGITS.search(block.get(attr) or "")
        if m:
            return m.group(1)
    return None


def thread_title(sel: Selector) -> str:
    """The thread's title: see :func:`opinion_spiders.reading.main_text.page_title`."""
    return page_title(sel)


def _text(el: etree._Element) -> str:
    """An element's text, its scripts' and styles' left out (an ad unit's script between
    the posts is no text of theirs)."""
    if el.tag in _CODE:
        return ""
    if _HOLDS_CODE(el):
        return squash("".join(_SAID_TEXT(el)))
    return squash("".join(el.itertext()))


_CODE = frozenset(["script", "style"])
_HOLDS_CODE = etree.XPath("boolean(.//script | .//style)")
_SAID_TEXT = etree.XPath(".//text()[not(parent::script or parent::style)]")


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [GenericForumAdapter]
