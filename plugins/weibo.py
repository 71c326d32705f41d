"""Weibo posts as the mobile site serves them (``m.weibo.cn/detail/<id>``, ``/status/<id>``).

The page is a script shell: the post stands in its ``var $render_data = [{"status": …}]``,
the object Weibo's API gives — its text as HTML, its poster (``user.screen_name``), its time
(``created_at``: ``Mon May 13 17:07:25 +0800 2024``) and its counts. The post is read from
there, with no browser. A repost is its poster's own words; what it reposts follows as a post
of its own, signed by its poster, so a story spreading by reposts reads as the people who
spread it.

The comments come from an API call the page makes, not from the page: the post's page links
to it (``/comments/hotflow?id=<mid>&mid=<mid>&max_id_type=0``, keyed by the post with its
comment count as state, so a recrawl asks again only when there are new comments), and the
API's JSON — ``data.data``, each comment with its ``text``, ``user``, ``created_at``,
``like_count``, ``total_number`` and the first replies to it in ``comments`` — is read into
the comments (each answering the post, ``reply_to``) and the replies after each (answering
the comment), with a link to the next page while ``max_id`` is not 0.
"""

from __future__ import annotations

import json
import re
from typing import Any

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import (
    absolute,
    html_text,
    js_object,
    query_param,
    squash,
    to_int,
    without_fragment,
)
from plugins._notice import notices_first

_MARKER = "$render_data"
#: Characters of a post's text its title takes where it has no 【headline】.
TITLE_CHARS = 30
_HEADLINE = re.compile(r"^【([^】]{2,80})】")


class WeiboMobileAdapter(Adapter):
    """A Weibo post off the mobile site's page data."""

    engine = "weibo"
    kind = "forum"
    version = "m-render-data"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 0.9 if _MARKER in text and '"status"' in text else 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        if page.text.lstrip().startswith("{"):
            return self.parse_comments(page)
        data = js_object(page.text, _MARKER)
        first = data[0] if isinstance(data, list) and data else data
        status = first.get("status") if isinstance(first, dict) else None
        if not isinstance(status, dict) or not status.get("text"):
            raise ParseError("no_posts", f"no post in the page data of {page.url}")
        posts = [self.post(page, status, 1)]
        reposted = status.get("retweeted_status")
        if isinstance(reposted, dict) and reposted.get("text"):
            posts.append(self.post(page, reposted, 2))
        first = posts[0]
        if not first.replies or not first.post_id:
            return Parsed(posts=posts)
        url = comments_url(page.url, first.post_id)
        meta = {"mid": first.post_id, "title": first.title}
        link = Link(url, "thread", key=f"comments:{first.post_id}", state=str(first.replies),
                    meta=meta)  # fmt: skip
        return Parsed(posts=posts, links=[link])

    def parse_comments(self, page: Page) -> Parsed:
        """A page of the comments API's JSON: the comments on the post the link named (its
        ``mid``, else the address's), each followed by the replies it carries."""
        try:
            answer = json.loads(page.text)
        except ValueError as exc:
            raise ParseError("bad_json", f"no comments JSON on {page.url}: {exc}") from exc
        data = answer.get("data") if isinstance(answer, dict) else None
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            why = answer.get("msg") if isinstance(answer, dict) else None
            raise ParseError("no_posts", f"no comments on {page.url}: {why or 'no data'}")
        mid = str(page.meta.get("mid") or query_param(page.url, "mid") or "")
        title = str(page.meta.get("title") or "")
        posts = []
        for item in items:
            if not isinstance(item, dict) or not item.get("text"):
                continue
            comment = self.comment(page, item, mid, mid, title)
            posts.append(comment)
            replies = item.get("comments")
            for reply in replies if isinstance(replies, list) else []:
                if isinstance(reply, dict) and reply.get("text"):
                    posts.append(self.comment(page, reply, mid, comment.post_id or mid, title))
        if not posts:
            raise ParseError("no_posts", f"no comments on {page.url}")
        max_id = data.get("max_id") if isinstance(data, dict) else None
        links = []
        if max_id and str(max_id) != "0":  # 0 (or "0"): the last page
            url = f"{comments_url(page.url, mid)}&max_id={max_id}"
            url = url.replace("max_id_type=0", f"max_id_type={data.get('max_id_type') or 0}")
            links.append(Link(url, "thread", meta=dict(page.meta)))
        return Parsed(posts=posts, links=links)

    def comment(self, page: Page, item: dict[str, Any], mid: str, answers: str, title: str) -> Post:
        """One comment (or a reply to one) on the post ``mid``, answering ``answers``."""
        cid = str(item.get("id") or item.get("mid") or "")
        return Post(
            site=page.site.name, kind=page.site.kind, title=title,
            content=html_text(str(item["text"])),
            url=f"{absolute(page.url, f'/detail/{mid}')}#comment-{cid}",
            **_signed(item),
            thread_id=mid or None, post_id=cid or None, reply_to=answers or None,
            replies=to_int(str(item.get("total_number", ""))),
            votes=to_int(str(item.get("like_count", ""))),
            adapter=self.engine,
            adapter_version=self.version,
        )  # fmt: skip

    def post(self, page: Page, status: dict[str, Any], floor: int) -> Post:
        """One post of the page data: its text, poster, time and counts."""
        text = html_text(str(status["text"]))
        pid = str(status.get("id") or status.get("mid") or "")
        headline = _HEADLINE.match(text)
        title = headline.group(1) if headline else squash(text)[:TITLE_CHARS]
        base = without_fragment(page.url)
        return Post(
            site=page.site.name, kind=page.site.kind, title=title, content=text,
            url=base if floor == 1 else f"{base}#{pid}", **_signed(status),
            thread_id=pid, post_id=pid, floor=floor,
            replies=to_int(str(status.get("comments_count", ""))),
            votes=to_int(str(status.get("attitudes_count", ""))),
            adapter=self.engine,
            adapter_version=self.version,
        )  # fmt: skip


def _signed(item: dict[str, Any]) -> dict[str, Any]:
    """Who wrote an API item (a post, a comment) and when: its poster's screen name and id,
    its ``created_at``."""
    user = item.get("user") if isinstance(item.get("user"), dict) else {}
    return {
        "author": str(user.get("screen_name") or ""),
        "author_id": str(user["id"]) if user.get("id") else None,
        "published_text": str(item.get("created_at") or ""),
    }


def comments_url(base: str, mid: str) -> str:
    """The first page of a post's comments on the mobile site's API (on ``base``'s host)."""
    return absolute(base, f"/comments/hotflow?id={mid}&mid={mid}&max_id_type=0") or ""


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [WeiboMobileAdapter]
