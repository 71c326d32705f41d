"""A board's list of threads on a forum no engine knows: the generic engine's index and
listing pages, read for the links a crawl follows.

* **threads**: the links whose address names a thread
  (:func:`~opinion_spiders.reading.declared_kind.discussion_sign`: ``thread-268-1-1.html``,
  ``viewtopic.php?t=``, ``/t/slug/123``, ``read.php?tid=`` …) on the board's own host, one a
  row — the row being the nearest block around the link that repeats beside its like (a
  table row, a list item, a card), and its link the one with the longest text (the title,
  not the page numbers or the last post's link beside it). Where no address names a
  thread, the rows that show a date are the threads, by their longest link on the host.
  Each is keyed by its address, its state the last time its row shows (the last reply's),
  so a recrawl walks a thread again only when its row changed; a row without a time is
  always walked.
* **the next page**: the link that says it (``下一页``, ``next``, ``»``, ``rel=next`` or a
  class naming it: Discuz!'s ``nxt``).
* **boards**, on an index page (a crawl's start): the links whose address names a board
  (``forum-2-1.html``, ``forumdisplay.php?fid=``, ``viewforum.php?f=``, ``/forums/…``,
  ``/board/…``), as listings.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from opinion_spiders.adapters import Link, Page
from opinion_spiders.reading.declared_kind import discussion_sign
from opinion_spiders.text.fingerprints import url_key
from plugins._blocks import DATE_LIKE, signature
from plugins._html import absolute, squash

#: Siblings of one kind from which a block is a row of a list.
_ROW_SIBLINGS = 3
#: Levels above a link within which its row is looked for.
_ROW_LEVELS = 6
#: Threads from which the addresses are taken to name the board's threads.
_NAMED_THREADS = 3
_NEXT = re.compile(
    r"^(?:下一页|下页|后页|next(?:\s+page)?|older(?:\s+posts)?|›|»|>)\s*[›»>]?$", re.I
)
_NEXT_CLASS = re.compile(r"\b(?:next|nxt)\b", re.I)
_BOARD = re.compile(
    r"/forum-\d+-\d+\.html?$|forumdisplay\.php\?(?:.*&)?fid=\d+|[?&]mod=forumdisplay\b"
    r"|viewforum\.php\?(?:.*&)?f=\d+"
    r"|/(?:forums?|boards?)/[^/?#]+/?$|/f/\d+",
    re.I,
)


def board_links(page: Page) -> list[Link]:
    """The threads a board's page lists, its next page and, on an index page, its boards;
    [] where it lists neither threads nor boards."""
    threads, boards, pages = _threads(page), [], []
    seen = {link.url for link in threads} | {page.url}
    for a in page.selector.root.iter("a"):
        url = _own(page, a.get("href"))
        if not url or url in seen:
            continue
        text = squash(a.xpath("string()"))
        if _next(a, text) or _NEXT_CLASS.search(a.get("class") or ""):
            pages.append(Link(url, "listing"))
        elif page.role == "index" and _BOARD.search(url) and len(text) >= 2:
            boards.append(Link(url, "listing", meta={"title": text}))
        else:
            continue
        seen.add(url)
    return [*threads, *boards, *pages] if threads or boards else []


def next_thread_page(page: Page) -> list[Link]:
    """A thread's next page, by the link that says it (its text or ``rel=next``; not a class
    alone, which on a post's page may name the next thread)."""
    for a in page.selector.root.iter("a"):
        url = _own(page, a.get("href"))
        if url and url != page.url and _next(a, squash(a.xpath("string()"))):
            return [Link(url, "thread", meta=dict(page.meta))]
    return []


def _next(a: etree._Element, text: str) -> bool:
    return bool(_NEXT.match(text)) or "next" in (a.get("rel") or "").split()


def _threads(page: Page) -> list[Link]:
    """One link a row: to the threads the addresses name, else to the dated rows' pages."""
    named: dict[etree._Element, list[tuple[str, str, etree._Element]]] = {}
    dated: dict[etree._Element, list[tuple[str, str, etree._Element]]] = {}
    for a in page.selector.root.iter("a"):
        url = _own(page, a.get("href"))
        text = squash(a.xpath("string()"))
        if not url or url == page.url or not text:
            continue
        row = _row(a)
        if discussion_sign(url):
            named.setdefault(row, []).append((url, text, a))
        elif row is not a:
            dated.setdefault(row, []).append((url, text, a))
    rows = named if len(named) >= _NAMED_THREADS else {
        row: found for row, found in dated.items() if _shown_time(row)
    }  # fmt: skip
    links: dict[str, Link] = {}
    for row, found in rows.items():
        url, text, title = max(found, key=lambda link: len(link[1]))
        if url not in links:
            meta = {"title": squash(title.get("title")) or text}
            state = _shown_time(row)
            links[url] = Link(url, "thread", key=f"thread:{url_key(url)}", state=state or None,
                              meta=meta)  # fmt: skip
    return list(links.values())


def _row(link: etree._Element) -> etree._Element:
    """The row a link stands in: the nearest table row or list item around it, else the
    nearest block that repeats beside blocks of its kind (a card); the link itself where
    none does."""
    listed = next(link.iterancestors("tr", "li"), None)
    if listed is not None:
        return listed
    node = link
    for _ in range(_ROW_LEVELS):
        parent = node.getparent()
        if parent is None:
            break
        kind = signature(node)
        if node is not link and sum(1 for el in parent if signature(el) == kind) >= _ROW_SIBLINGS:
            return node
        node = parent
    return link


def _shown_time(row: etree._Element) -> str:
    """The last time a row shows (its last reply's), '' where it shows none."""
    times = [squash(t) for t in row.itertext() if DATE_LIKE.search(t)]
    return times[-1] if times else ""


def _own(page: Page, href: str | None) -> str | None:
    """``href`` made absolute where it stays on the page's host; None elsewhere."""
    url = absolute(page.url, href)
    if not url or urlsplit(url).netloc != urlsplit(page.url).netloc:
        return None
    return url
