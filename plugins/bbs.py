"""Posts in the telnet bulletin boards' own text layout, wherever a web page shows them: the
university and community boards (水木社区's nForum, 北大未名, 日月光华, 饮水思源, 北邮人 …) and
their archives print every post as the terminal did.

A post opens with its header — ``发信人: id (nickname), 信区: Board``, ``标  题: …``,
``发信站: Station (Sun May 12 10:20:33 2024), 站内`` (Traditional: 發信人, 信區/看板, 標題,
發信站; PTT's archives: ``作者: id (nickname) 看板: Board``, ``時間: …``) — then the text, the
post it answers quoted (``【 在 id (nickname) 的大作中提到: 】`` or ``※ 引述《…》之銘言：`` over
``: `` lines), ``--``, the poster's signature and the station's ``※ 来源:`` / ``※ 修改:``
lines. The header signs, titles and dates the post; the text is the poster's own lines. A
page's posts are read from the elements that hold a header, however the site lays them out
(a table a post, one ``<pre>`` for a whole thread), so the engine reads any such board.

A reply is titled ``Re: …``; the thread takes the opening post's title. A post's floor is its
place on the page, and a reply is never floor 1 (on a thread's later pages the first post
is a reply).
"""

from __future__ import annotations

import re

from lxml import etree

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import STRING, node_text, squash, without_fragment
from plugins._notice import notices_first

#: The header's first line: the poster's id, the nickname, the board.
POSTER = re.compile(
    r"^(?:发信人|發信人|作者)\s*[:：]\s*(?P<id>[^\s(（,，]+)\s*(?:[(（](?P<nick>[^)）]*)[)）])?"
    r"\s*[,，]?\s*(?:信区|信區|看板)\s*[:：]\s*(?P<board>\S+)"
)
_TITLE = re.compile(r"^(?:标\s*题|標\s*題)\s*[:：]\s*(?P<title>.*)$")
_STATION = re.compile(
    r"^(?:(?:发信站|發信站)\s*[:：][^(（]*[(（](?P<time>[^)）]+)[)）]"
    r"|(?:时\s*间|時\s*間)\s*[:：]\s*(?P<clock>.+))"
)
#: Header lines besides these: the relay station (转信站) a post came through.
_RELAY = re.compile(r"^(?:转信站|轉信站)\s*[:：]")
#: The marker over a quoted post, and a quoted line.
_QUOTED = re.compile(
    r"^(?:【\s*在.*的大作中提到\s*[:：]?\s*】|※\s*引述《.*》之銘言)|^(?::\s|:$|>\s)"
)
_REPLY = re.compile(r"^(?:Re|RE|re|回复|回覆)\s*[:：]\s*")
#: Lines of a header the first line is followed within.
HEADER_LINES = 4
_HEADER_WORDS = ("发信人", "發信人", "作者")
_STATION_WORDS = ("发信站", "發信站", "時間", "时间")
_BOARD_WORDS = ("信区", "信區", "看板")
#: Ancestors of a header's first line climbed to find the element that holds the post.
CLIMB = 4


class BbsTextAdapter(Adapter):
    """Posts printed in the telnet boards' layout ("text")."""

    engine = "bbs"
    kind = "forum"
    version = "text"
    versions = ("text",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 0.9 if headed(text) else 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        return self.read(page)

    def read(self, page: Page) -> Parsed:
        """The page's posts (``parse`` without its look for a notice first: the generic
        engine hands over a page it found headers on)."""
        posts: list[Post] = []
        for lines in post_texts(page.selector.root):
            post = self.post(page, lines, len(posts) + 1)
            if post is not None:
                posts.append(post)
        if not posts:
            raise ParseError("no_posts", f"no post in a board's text layout on {page.url}")
        opener = next((p.title for p in posts if not _REPLY.match(p.title)), posts[0].title)
        title = _REPLY.sub("", opener)
        for post in posts:
            post.title = title
        return Parsed(posts=posts)

    def post(self, page: Page, lines: list[str], place: int) -> Post | None:
        """One post: its header's poster, title and time; its own lines as its text."""
        poster = POSTER.match(lines[0])
        if poster is None:
            return None
        title, shown, body = "", "", 1
        for i, line in enumerate(lines[1 : 1 + HEADER_LINES], 1):
            if found := _TITLE.match(line):
                title, body = squash(found["title"]), i + 1
            elif found := _STATION.match(line):
                shown, body = squash(found["time"] or found["clock"]), i + 1
            elif _RELAY.match(line):
                body = i + 1
        content = own_lines(lines[body:])
        if not content:
            return None
        author = poster["id"]
        reply = bool(_REPLY.match(title))
        return Post(
            site=page.site.name, kind=self.kind, title=title, content=content,
            url=f"{without_fragment(page.url)}#{place}", author=author, author_id=author,
            post_id=f"{author}@{shown}" if shown else None, floor=max(place, 2) if reply else place,
            published_text=shown, adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip


def headed(text: str) -> bool:
    """Whether the markup prints a post's header: its first line, then a station or time line
    within the next few."""
    if not any(board in text for board in _BOARD_WORDS):
        return False
    for found in re.finditer(r"(?:发信人|發信人|作者)\s*[:：]", text):
        head = text[found.start() : found.start() + 600]
        if re.search(r"(?:信区|信區|看板)\s*[:：]", head[:200]) and any(
            word in head for word in _STATION_WORDS
        ):
            return True
    return False


def post_texts(root: etree._Element) -> list[list[str]]:
    """The lines of every post on the page: the elements that hold a header, each split at
    the headers it holds (one element may print a whole thread)."""
    holders: list[etree._Element] = []
    for node in root.xpath("//body//text()[contains(., '发信人') or contains(., '發信人')"
                           " or contains(., '作者')]"):  # fmt: skip
        el = node.getparent()
        for _ in range(CLIMB):
            if el is None or any(word in STRING(el) for word in _STATION_WORDS):
                break
            el = el.getparent()
        if el is None or any(h is el or el in h.iterancestors() for h in holders):
            continue
        holders = [h for h in holders if el not in h.iterancestors()] + [el]
    out = []
    for holder in holders:
        lines = node_text(holder).split("\n")
        starts = [i for i, line in enumerate(lines) if _starts_post(lines, i)]
        ends = [*starts[1:], len(lines)] if starts else []  # a header cut off: no post
        out += [lines[a:b] for a, b in zip(starts, ends, strict=True)]
    return out


def _starts_post(lines: list[str], i: int) -> bool:
    return POSTER.match(lines[i]) is not None and any(
        _STATION.match(line) for line in lines[i + 1 : i + 1 + HEADER_LINES]
    )


def own_lines(lines: list[str]) -> str:
    """The poster's own lines: up to the signature (the last ``--`` line), without the post
    they quote and the station's ``※`` lines."""
    cut = max((i for i, line in enumerate(lines) if line == "--"), default=len(lines))
    return "\n".join(
        line for line in lines[:cut] if not _QUOTED.match(line) and not line.startswith("※")
    )


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [BbsTextAdapter]
