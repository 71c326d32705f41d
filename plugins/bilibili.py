"""Bilibili (哔哩哔哩) videos and their comments, with no browser.

A video's page (``www.bilibili.com/video/BV…``) carries the video in its script state,
``window.__INITIAL_STATE__ = {"videoData": {…}}``: ``aid``, ``bvid``, ``title``, ``desc``,
``owner`` (``mid``, ``name``), ``pubdate`` (epoch seconds) and ``stat`` (``reply``, ``like``,
``view``). The video is a post (its description, else its title), and the page links to the
comments API the page calls, ``api.bilibili.com/x/v2/reply?type=1&oid=<aid>&pn=1`` — keyed by
the video with its comment count as state, so a recrawl asks again only when there are new
comments.

The API answers ``data.replies``: each comment's ``rpid``, ``member`` (``mid``, ``uname``),
``content.message``, ``ctime``, ``like``, ``rcount`` (its replies) and the first of those
replies in ``replies``; ``data.page`` (``num``, ``size``, ``count``) pages it. A comment answers
the video, a reply the comment it names (``parent``). A comment with more replies than it
carries links to its replies' pages (``/x/v2/reply/reply?…&root=<rpid>``, keyed by the comment
with its reply count as state), which the same reader reads. A refusal (``code`` not 0) is a
parse error giving the API's message; ``-412``, the API's "request intercepted", is a block
signal (a captcha notice), as the site's wall is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import js_object, json_answer, query_param, squash, to_int, without_fragment
from plugins._notice import notices_first

_STATE = "window.__INITIAL_STATE__"
#: The comments API's host, asked on the video page's own scheme.
API = "{scheme}://api.bilibili.com"
#: Comments a page of the API is asked for.
PAGE_SIZE = 20
#: The API's code for a request it intercepted (too many, or from a client it distrusts).
INTERCEPTED = -412


class BilibiliAdapter(Adapter):
    """Bilibili video pages (script state) and the comments API's JSON ("web")."""

    engine = "bilibili"
    kind = "forum"
    version = "web"
    versions = ("web",)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if _STATE in text and '"videoData"' in text:
            return 0.9
        host = urlsplit(url).netloc
        if host == "api.bilibili.com" or host.endswith("bilibili.com") and "/video/" in url:
            return 0.6
        return 0.0

    def parse(self, page: Page) -> Parsed:
        if urlsplit(page.url).path.startswith("/x/v2/reply"):
            return self.parse_replies(page)
        return self.parse_video(page)

    @notices_first
    def parse_video(self, page: Page) -> Parsed:
        state = js_object(page.text, _STATE)
        video = state.get("videoData") if isinstance(state, dict) else None
        if not isinstance(video, dict) or not video.get("aid"):
            raise ParseError("no_posts", f"no video in the page state of {page.url}")
        aid, vid = str(video["aid"]), str(video.get("bvid") or video["aid"])
        owner = video.get("owner") if isinstance(video.get("owner"), dict) else {}
        stat = video.get("stat") if isinstance(video.get("stat"), dict) else {}
        title = squash(str(video.get("title") or ""))
        desc = str(video.get("desc") or "").strip()
        parts = urlsplit(page.url)
        url = (
            f"{parts.scheme}://{parts.netloc}/video/{video['bvid']}"
            if video.get("bvid")
            else (without_fragment(page.url).split("?")[0])
        )
        post = Post(
            site=page.site.name, kind=page.site.kind, url=url, title=title,
            content=desc if desc and desc != "-" else title,
            author=str(owner.get("name") or ""), author_id=_id(owner.get("mid")),
            thread_id=vid, post_id=vid, floor=1, published_at=_epoch(video.get("pubdate")),
            replies=_count(stat.get("reply")), views=_count(stat.get("view")),
            votes=_count(stat.get("like")), adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip
        if not post.replies:
            return Parsed(posts=[post])
        query = {"type": "1", "oid": aid, "sort": "0", "pn": "1", "ps": str(PAGE_SIZE)}
        meta = {"video": url, "video_id": vid, "title": title}
        api = API.format(scheme=parts.scheme)
        link = Link(f"{api}/x/v2/reply?{urlencode(query)}", "thread", key=f"replies:{aid}",
                    state=str(post.replies), meta=meta)  # fmt: skip
        return Parsed(posts=[post], links=[link])

    def parse_replies(self, page: Page) -> Parsed:
        """A page of comments (or of one comment's replies): the posts, the next page, and
        the replies' pages of comments that carry fewer replies than they have."""
        answer = json_answer(page.text, page.url)
        code = answer.get("code")
        if code == INTERCEPTED:
            why = f"the API intercepted the request: {answer.get('message')}"
            return Parsed(page_type="notice", notice_kind="captcha", notice=why)
        data = answer.get("data")
        if code not in (0, None) or not isinstance(data, dict):
            raise ParseError("no_posts", f"no comments on {page.url}: {answer.get('message')}")
        oid = query_param(page.url, "oid") or ""
        vid = str(page.meta.get("video_id") or oid)
        posts: list[Post] = []
        links: list[Link] = []
        for item in data.get("replies") or []:
            if not isinstance(item, dict) or (post := self.reply(page, item, vid)) is None:
                continue
            posts.append(post)
            carried = [r for r in item.get("replies") or [] if isinstance(r, dict)]
            posts += [p for r in carried if (p := self.reply(page, r, vid)) is not None]
            count = _count(item.get("rcount")) or 0
            if count > len(carried) and "root" not in page.url:
                query = {"type": "1", "oid": oid, "root": post.post_id, "pn": "1",
                         "ps": str(PAGE_SIZE)}  # fmt: skip
                api = API.format(scheme=urlsplit(page.url).scheme)
                links.append(Link(f"{api}/x/v2/reply/reply?{urlencode(query)}", "thread",
                                  key=f"replies:{oid}:{post.post_id}", state=str(count),
                                  meta=dict(page.meta)))  # fmt: skip
        paging = data.get("page") if isinstance(data.get("page"), dict) else {}
        number = _count(paging.get("num")) or 1
        size = _count(paging.get("size")) or PAGE_SIZE
        total = _count(paging.get("count")) or 0
        if data.get("replies") and number * size < total:
            nxt = page.url.replace(f"pn={number}", f"pn={number + 1}")
            if nxt != page.url:
                links.append(Link(nxt, "thread", meta=dict(page.meta)))
        return Parsed(posts=posts, links=links)

    def reply(self, page: Page, item: dict[str, Any], vid: str) -> Post | None:
        """One comment or reply: its poster, text, time and likes; answering the comment it
        names (``parent``), else the video."""
        content = item.get("content") if isinstance(item.get("content"), dict) else {}
        text = str(content.get("message") or "").strip()
        rpid = _id(item.get("rpid"))
        if not text or not rpid:
            return None
        member = item.get("member") if isinstance(item.get("member"), dict) else {}
        parent = _id(item.get("parent"))
        base = str(page.meta.get("video") or f"https://www.bilibili.com/video/{vid}")
        return Post(
            site=page.site.name, kind=page.site.kind, url=f"{base}#reply{rpid}",
            title=str(page.meta.get("title") or ""), content=text,
            author=str(member.get("uname") or ""), author_id=_id(member.get("mid")),
            thread_id=vid, post_id=rpid, reply_to=parent if parent and parent != "0" else vid,
            published_at=_epoch(item.get("ctime")), replies=_count(item.get("rcount")),
            votes=_count(item.get("like")), adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip


def _id(value: Any) -> str | None:
    return str(value) if value not in (None, "", 0) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) else to_int(str(value)) if value is not None else None


def _epoch(value: Any) -> datetime | None:
    seconds = _count(value)
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [BilibiliAdapter]
