"""Replies inside a Tieba floor (楼中楼): ``li.lzl_single_post`` items under the floor.

A browser's page holds a floor's first replies (``ul.j_lzl_m_w`` in the floor); the server's
page holds none, only the count in the floor's ``data-field`` (``content.comment_num``).
Tieba serves a floor's replies ten to a page as an HTML fragment,
``/p/comment?tid=<thread>&pid=<floor>&pn=<page>`` — the same ``li`` items, then a pager item
(``li.lzl_li_pager``, its ``data-field`` giving ``total_page``). So a thread page reads the
replies it holds and links to the fragment for the rest; the fragment's page reads its items
and links to its next page.

Each reply is a post of its own: its ``spid`` the post id, signed by the ``data-field``'s
``user_name`` (else the name link's ``username``), dated by ``span.lzl_time``, its text
``span.lzl_content_main`` (``回复 <name> :`` where it answers another reply kept: it says
whom). It carries its floor's number and, in ``reply_to``, its floor's post id: a reply in
the opening post's floor is still a reply.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from parsel import Selector

from opinion_spiders.adapters import Link, Page
from opinion_spiders.items import Post
from plugins._html import absolute, json_attr, node_text, query_param, squash, to_int

REPLY = "li.lzl_single_post"
#: Replies Tieba serves on one page of a floor's fragment.
PAGE_SIZE = 10


def field_of(node: Selector) -> dict[str, Any]:
    """An item's ``data-field``: JSON in the fragment, single-quoted keys and values in a
    page a browser built (``{'spid':'142244133447','user_name':'…'}``)."""
    value = node.attrib.get("data-field") or ""
    return json_attr(value) or json_attr(value.replace("'", '"'))


def reply_posts(page: Page, holder: Selector, floor: Post, engine: str, version: str) -> list[Post]:
    """The replies ``holder`` (a floor, or a fragment page) holds, each a post in ``floor``."""
    posts = []
    for item in holder.css(REPLY):
        data = field_of(item)
        spid = str(data.get("spid") or "")
        text = item.css("span.lzl_content_main")
        if not spid.isdigit() or not text:
            continue
        name = item.css("a.j_user_card[username]::attr(username)").get()
        author = str(
            data.get("user_name") or name or item.css(".lzl_cnt a.j_user_card::text").get() or ""
        )
        shown = item.css("span.lzl_time").xpath("string()").get()
        posts.append(reply_post(page, floor, spid, text[0], author, shown, (engine, version)))
    return posts


def reply_post(
    page: Page, floor: Post, spid: str, text: Selector, author: str, shown: str | None,
    adapter: tuple[str, str],
) -> Post:  # fmt: skip
    """A reply inside ``floor`` (楼中楼): its id ``spid``, its ``text`` element, its poster and
    shown time; ``adapter`` the engine and version that read it."""
    return Post(
        site=page.site.name,
        kind=floor.kind,
        url=reply_url(page.url, floor.thread_id or "", floor.post_id or "", spid),
        title=floor.title,
        content=node_text(text),
        author=squash(author),
        thread_id=floor.thread_id,
        post_id=spid,
        floor=floor.floor,
        reply_to=floor.post_id,
        published_text=squash(shown),
        adapter=adapter[0],
        adapter_version=adapter[1],
    )


def reply_url(base: str, tid: str, pid: str, spid: str) -> str:
    """A reply's own address, as Tieba links it: the thread, its floor and the reply."""
    thread = absolute(base, f"{_root(base)}/p/{tid}")
    return f"{thread}?{urlencode({'pid': pid, 'cid': spid})}#{spid}"


def _root(base: str) -> str:
    """Where the bar's pages stand on its host: '' on Tieba (``/p/<tid>``), a prefix where a
    site serves them below one (``/tieba/p/<tid>``)."""
    path = urlsplit(base).path
    return path[: path.rfind("/p/")] if "/p/" in path else ""


def more_replies(page: Page, floor: Post, count: int, shown: int) -> Link | None:
    """A link to the fragment with the floor's replies its page leaves out: the floor's count
    (``count``, its ``data-field``'s ``content.comment_num``) above the replies it shows.
    Keyed by the floor, its count the state: a crawl asks again only when the floor has new
    replies."""
    if count <= shown or not floor.thread_id or not floor.post_id:
        return None
    return Link(
        fragment_url(page.url, floor.thread_id, floor.post_id, shown // PAGE_SIZE + 1),
        "thread",
        key=f"replies:{floor.thread_id}:{floor.post_id}",
        state=str(count),
        meta=floor_meta(floor),
    )


def fragment_url(base: str, tid: str, pid: str, number: int) -> str:
    query = urlencode({"tid": tid, "pid": pid, "pn": number})
    return absolute(base, f"{_root(base)}/p/comment?{query}") or ""


def floor_meta(floor: Post) -> dict[str, Any]:
    """What a fragment's page needs of its floor: the floor's ids, number and thread title."""
    return {
        "tid": floor.thread_id,
        "pid": floor.post_id,
        "floor": floor.floor,
        "title": floor.title,
    }


def fragment_floor(page: Page, kind: str) -> Post:
    """The floor a fragment's page belongs to, from its link (else its address)."""
    meta = page.meta
    tid = str(meta.get("tid") or query_param(page.url, "tid") or "")
    pid = str(meta.get("pid") or query_param(page.url, "pid") or "")
    return Post(
        site=page.site.name,
        kind=kind,
        url=page.url,
        title=str(meta.get("title") or ""),
        thread_id=tid or None,
        post_id=pid or None,
        floor=meta.get("floor") if isinstance(meta.get("floor"), int) else None,
    )


def next_fragment(page: Page, floor: Post) -> list[Link]:
    """The fragment's next page, where its pager says there is one."""
    pager = page.selector.css("li.lzl_li_pager")
    total = to_int(str(field_of(pager[0]).get("total_page") or "")) if pager else None
    number = to_int(query_param(page.url, "pn")) or 1
    if not total or number >= total or not floor.thread_id or not floor.post_id:
        return []
    url = fragment_url(page.url, floor.thread_id, floor.post_id, number + 1)
    return [Link(url, "thread", meta=floor_meta(floor))]
