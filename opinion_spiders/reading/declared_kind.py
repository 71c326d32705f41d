"""What a page's address and structured data say it is, before its text is read.

A page reached with no role (``opinion parse`` of a saved page, a new site's first pages) is
told a thread from an article by its structure; but a thread whose replies the generic reader
cannot split reads as a story with a comment section, and the article reader takes its
opening post alone. Forum software names its thread pages in their addresses, and many
boards declare them to search engines, so :func:`discussion_sign` reads those first:

* the address: a path part that names a thread, topic, question or discussion and is
  followed by the thread's own part (``/t/some-topic/123``, ``/threads/title.45/``,
  ``/questions/60671/how``, ``/discussion-topics/slug/``), a Discuz! rewrite
  (``thread-268-1-1.html``) or a viewer script given a thread (``viewtopic.php?t=1``,
  ``showthread.php?tid=1``, ``read.php?tid=1``, ``forum.php?mod=viewthread&tid=1``, 动网's
  ``dispbbs.asp?boardid=1&id=123``, Discuz!NT's ``showtopic.aspx?topicid=1``) or any
  script given a ``topic`` (SMF's ``index.php?topic=1234.0``), or a post's comments by its
  id (Reddit's ``/r/sub/comments/1cq6hci/slug/``). A
  bare ``/questions`` or ``/topics/…`` (a news site's topic page) is a list, not a thread;
* schema.org data, JSON-LD or microdata: a ``DiscussionForumPosting`` or a ``QAPage``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from parsel import Selector

from opinion_spiders.reading.published import linked_data

#: Path parts that name one discussion when a part of its own follows them.
THREAD_PARTS = frozenset(
    ["t", "thread", "threads", "topic", "question", "questions", "discussion", "discussions",
     "discussion-topics", "answer", "answers", "showthread", "viewthread"]
)  # fmt: skip
#: Viewer scripts, and the query keys that give them the thread they show.
_VIEWERS = re.compile(r"^(?:viewtopic|showthread|viewthread|showtopic|thread|topic|read)\.\w+$")
_THREAD_KEYS = frozenset(["t", "tid", "p", "topic", "threadid", "showtopic", "topicid"])
#: Old Chinese boards' viewer that takes the board and the thread's ``id`` (动网 DVBBS and
#: 凯迪's ``dispbbs.asp?boardid=1&id=123``); a bare ``id`` names anything elsewhere.
_BOARD_VIEWERS = re.compile(r"^dispbbs\.\w+$", re.IGNORECASE)
_BOARD_KEYS = frozenset(["boardid", "id"])
#: Query keys that give a thread whatever the script (SMF's ``index.php?topic=1234.0``).
_THREAD_QUERY = ("topic", "showtopic")
_REWRITE = re.compile(r"^thread-\d+(?:-\d+)*\.html?$")
#: Path parts that name a post's comments when the post's id follows them (Reddit's
#: ``/r/sub/comments/1cq6hci/slug/``), not a feed or a list (``/comments/feed/``).
_COMMENT_PARTS = frozenset(["comments", "comment"])
_POST_ID = re.compile(r"^(?=[a-z]*\d)[a-z0-9]{4,12}$")
#: Parts that, after a thread word, make the page a list of threads (``/questions/tagged/x``).
_LISTS = frozenset(["tagged", "tag", "tags", "page", "new", "latest", "top", "hot", "ask"])
#: schema.org types a discussion page declares itself with.
DISCUSSION_TYPES = frozenset(["DiscussionForumPosting", "QAPage"])
_ITEMTYPE = re.compile(r"schema\.org/(DiscussionForumPosting|QAPage)\b")


def discussion_sign(url: str, sel: Selector | None = None) -> str:
    """What says the page is one discussion ('' when nothing does): its address, else the
    schema.org type it declares."""
    parts = urlsplit(url)
    path = [p.lower() for p in parts.path.split("/") if p]
    query = parse_qs(parts.query)
    for i, part in enumerate(path):
        following = path[i + 1] if i + 1 < len(path) else ""
        if part in THREAD_PARTS and following and following not in _LISTS:
            return f"its address names a {part}: /{part}/{following}"
        if part in _COMMENT_PARTS and _POST_ID.match(following):
            return f"its address names a post's {part}: /{part}/{following}"
        if _REWRITE.match(part):
            return f"its address names a thread: {part}"
        if _VIEWERS.match(part) and _THREAD_KEYS.intersection(query):
            return f"its address names a thread: {part}"
    if path and _BOARD_VIEWERS.match(path[-1]) and _BOARD_KEYS.issubset(k.lower() for k in query):
        return f"its address names a thread: {path[-1]}"
    if "viewthread" in query.get("mod", []):
        return "its address names a thread: mod=viewthread"
    if any(key in query for key in _THREAD_QUERY):
        return f"its address names a thread: {next(k for k in _THREAD_QUERY if k in query)}="
    if sel is not None:
        return _declared(sel)
    return ""


def _declared(sel: Selector) -> str:
    for item in linked_data(sel):
        kinds = item.get("@type")
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if kind in DISCUSSION_TYPES:
                return f"it declares a schema.org {kind}"
    for itemtype in sel.xpath("//*[@itemtype]/@itemtype").getall():
        if found := _ITEMTYPE.search(itemtype):
            return f"it declares a schema.org {found.group(1)}"
    return ""
