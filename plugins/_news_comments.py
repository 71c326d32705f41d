"""Readers' comments on news portals, which the article page loads by script from a comment
API: the article links to the API (its first page), and the API's JSON is read into comments.

- **Sina** (新浪): the article names its comment thread in ``<meta name="sudameta"
  content="comment_channel:sh;comment_id:comos-…">``; ``comment.sina.com.cn/page/info``
  answers ``result.cmntlist`` — each comment's ``mid``, ``nick``, ``uid``, ``content``,
  ``time`` (``2024-05-12 10:22:33``), ``agree`` and, for a reply, ``parent`` (the comment it
  answers) — and ``result.count.show``; pages by ``page``.
- **NetEase** (网易跟贴): the article's id is its address's last part
  (``/dy/article/J22CN60P0514R9KQ.html``, the same in its ``comment.tie.163.com`` link);
  ``comment.api.163.com/api/v1/products/<product key>/threads/<id>/comments/newList``
  answers ``comments`` (by id: ``content``, ``createTime``, ``user.nickname``, ``vote``) and
  ``commentIds``, each a chain ``"a,b,c"`` in which every comment answers the one before it
  (盖楼), and ``newListSize``; pages by ``offset``.

Each comment answers the article (``reply_to`` its id) or the comment it replies to, carries
the article's title and id as its thread, and is signed, dated and counted as the API gives.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from opinion_spiders.adapters import Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import html_text, json_answer, query_param, squash, to_int

SINA_API = "{scheme}://comment.sina.com.cn/page/info"
#: Comments a page of each API is asked for.
PAGE_SIZE = 20
NETEASE_API = "{scheme}://comment.api.163.com/api/v1/products/{key}/threads/{doc}/comments/newList"
#: The product key NetEase's news pages give their comment calls.
NETEASE_NEWS_KEY = "a2869674571f77b5a0867c3d71db5856"
_SUDAMETA = re.compile(r"comment_channel\s*:\s*(\w+)\s*;\s*comment_id\s*:\s*([\w-]+)")
_NETEASE_PATH = re.compile(r"/(?:dy/)?article/([0-9A-Z]{16})\.html$")
_PRODUCT_KEY = re.compile(r"""productKey["']?\s*[:=]\s*["']([0-9a-f]{32})["']""")
#: A JSONP answer (``callback({...})``, ``var data={...}``): the JSON inside.
_WRAPPED = re.compile(r"^(?:var\s+)?[\w.$]+\s*(?:\(|=)\s*", re.S)


def comment_links(page: Page, article_id: str, title: str) -> list[Link]:
    """The first page of the article's comments, on the API its page calls (by the page's
    own scheme); keyed by the article, with the comment count the page shows as state where
    it shows one."""
    meta = {"article": page.url, "article_id": article_id, "title": title}
    sel = page.selector
    parts = urlsplit(page.url)
    for content in sel.xpath("//meta[@name='sudameta']/@content").getall():
        if found := _SUDAMETA.search(content):
            channel, newsid = found.groups()
            query = {
                "version": "1", "format": "json", "channel": channel, "newsid": newsid,
                "group": "0", "compress": "0", "ie": "utf-8", "oe": "utf-8", "page": "1",
                "page_size": str(PAGE_SIZE),
            }  # fmt: skip
            url = f"{SINA_API.format(scheme=parts.scheme)}?{urlencode(query)}"
            return [Link(url, "thread", key=f"comments:{newsid}", state=None, meta=meta)]
    doc = _NETEASE_PATH.search(parts.path)
    if doc and (parts.netloc == "163.com" or parts.netloc.endswith(".163.com")):
        key = _PRODUCT_KEY.search(page.text)
        product = key.group(1) if key else NETEASE_NEWS_KEY
        url = NETEASE_API.format(scheme=parts.scheme, key=product, doc=doc.group(1))
        query = {"ibc": "newspc", "limit": str(PAGE_SIZE), "offset": "0"}
        count = _tie_count(page)
        state = str(count) if count is not None else None
        return [Link(f"{url}?{urlencode(query)}", "thread", key=f"comments:{doc.group(1)}",
                     state=state, meta=meta)]  # fmt: skip
    return []


def _tie_count(page: Page) -> int | None:
    """The 跟贴 count a NetEase article shows (not the count of those who joined in)."""
    shown = page.selector.css("a.tie-actCount[statistic$=tieCount]::text").get()
    return to_int(shown)


def is_comments_api(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.netloc.endswith("sina.com.cn") and parts.path == "/page/info") or (
        parts.netloc == "comment.api.163.com" and parts.path.endswith("/comments/newList")
    )


def read_comments(page: Page) -> Parsed:
    """A page of a comment API's JSON: the comments, and the next page while there are more."""
    answer = json_answer(page.text, page.url)
    if urlsplit(page.url).netloc == "comment.api.163.com":
        return _netease(page, answer)
    return _sina(page, answer)


def _sina(page: Page, answer: Any) -> Parsed:
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict):
        raise ParseError("no_posts", f"no comments on {page.url}: no result")
    status = result.get("status") if isinstance(result.get("status"), dict) else {}
    if status.get("code") not in (None, 0, "0"):
        raise ParseError("no_posts", f"no comments on {page.url}: {status.get('msg') or status}")
    article_id, title = _article(page, result.get("news"))
    items = [c for c in result.get("cmntlist") or [] if isinstance(c, dict)]
    threads = result.get("threaddict")
    for thread in threads.values() if isinstance(threads, dict) else []:
        replies = thread.get("list") if isinstance(thread, dict) else None
        items += [c for c in replies or [] if isinstance(c, dict)]
    posts: dict[str, Post] = {}
    for item in items:
        mid = str(item.get("mid") or "")
        text = html_text(str(item.get("content") or ""))
        if not mid or not text or mid in posts:
            continue
        parent = str(item.get("parent") or "")
        posts[mid] = _comment(
            page, mid, text, title, article_id, parent if parent not in ("", "0") else article_id,
            author=str(item.get("nick") or ""), author_id=str(item.get("uid") or "") or None,
            shown=str(item.get("time") or ""), votes=to_int(str(item.get("agree") or "")),
        )  # fmt: skip
    count = result.get("count") if isinstance(result.get("count"), dict) else {}
    number = to_int(query_param(page.url, "page")) or 1
    size = to_int(query_param(page.url, "page_size")) or PAGE_SIZE
    shown = to_int(str(count.get("show", "")))
    more = bool(result.get("cmntlist")) and (shown is None or number * size < shown)
    links = [Link(_with(page.url, page=str(number + 1)), "thread", meta=dict(page.meta))]
    return Parsed(posts=list(posts.values()), links=links if more else [])


def _netease(page: Page, answer: Any) -> Parsed:
    if not isinstance(answer, dict) or not isinstance(answer.get("comments"), dict):
        why = answer.get("message") if isinstance(answer, dict) else None
        raise ParseError("no_posts", f"no comments on {page.url}: {why or 'no comments'}")
    found = _NETEASE_THREAD.search(urlsplit(page.url).path)
    article_id, title = _article(page, None, found.group(1) if found else "")
    comments: dict[str, Any] = answer["comments"]
    answers: dict[str, str] = {}
    for chain in answer.get("commentIds") or []:
        ids = [i for i in str(chain).split(",") if i]
        for before, cid in zip([article_id, *ids], ids, strict=False):
            answers.setdefault(cid, before)
    posts = []
    for cid, item in comments.items():
        text = html_text(str(item.get("content") or "")) if isinstance(item, dict) else ""
        if not text:
            continue
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        posts.append(_comment(
            page, str(cid), text, title, article_id, answers.get(str(cid), article_id),
            author=str(user.get("nickname") or ""), author_id=str(user.get("userId") or "") or None,
            shown=str(item.get("createTime") or ""), votes=to_int(str(item.get("vote", ""))),
        ))  # fmt: skip
    offset = to_int(query_param(page.url, "offset")) or 0
    limit = to_int(query_param(page.url, "limit")) or PAGE_SIZE
    total = to_int(str(answer.get("newListSize", "")))
    links = []
    if answer.get("commentIds") and total is not None and offset + limit < total:
        links.append(Link(_with(page.url, offset=str(offset + limit)), "thread",
                          meta=dict(page.meta)))  # fmt: skip
    return Parsed(posts=posts, links=links)


_NETEASE_THREAD = re.compile(r"/threads/([^/]+)/")


def _article(page: Page, news: Any, fallback: str = "") -> tuple[str, str]:
    """The article the comments are on (its id, as its own post has it) and its title: from
    the link that led here, else from what the API says of it."""
    news = news if isinstance(news, dict) else {}
    article_id = str(page.meta.get("article_id") or news.get("newsid") or fallback)
    title = str(page.meta.get("title") or news.get("title") or "")
    return article_id, squash(title)


def _comment(
    page: Page, cid: str, text: str, title: str, article_id: str, answers: str, *,
    author: str, author_id: str | None, shown: str, votes: int | None,
) -> Post:  # fmt: skip
    base = str(page.meta.get("article") or page.url)
    return Post(
        site=page.site.name, kind=page.site.kind, url=f"{base}#comment-{cid}", title=title,
        content=text, author=author, author_id=author_id, thread_id=article_id or None,
        post_id=cid, reply_to=answers or None, published_text=shown, votes=votes,
        adapter="portal", adapter_version="comments",
    )  # fmt: skip


def _with(url: str, **changes: str) -> str:
    """``url`` with some query parameters set."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))
