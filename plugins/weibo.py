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

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import (
    absolute,
    html_text,
    js_object,
    json_answer,
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
        if _MARKER in text and '"status"' in text:
            return 0.9
        # the mobile site's APIs: card lists (a search, an account's posts) and comments
        return 0.6 if re.search(r"m\.weibo\.cn/(?:api/container/|comments/)", url) else 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        if page.text.lstrip().startswith("{"):
            answer = json_answer(page.text, page.url)
            data = answer.get("data")
            if isinstance(data, dict) and "cards" in data:
                return self.parse_cards(page, data)
            return self.parse_comments(page, answer)
        data = js_object(page.text, _MARKER)
        first = data[0] if isinstance(data, list) and data else data
        status = first.get("status") if isinstance(first, dict) else None
        if not isinstance(status, dict) or not status.get("text"):
            raise ParseError("no_posts", f"no post in the page data of {page.url}")
        posts, links = self.status(page, status, without_fragment(page.url))
        return Parsed(posts=posts, links=links)

    def status(
        self, page: Page, status: dict[str, Any], base: str
    ) -> tuple[list[Post], list[Link]]:
        """A post (at ``base``), the post it reposts, and the link to its comments."""
        posts = [self.post(page, status, 1, base)]
        reposted = status.get("retweeted_status")
        if isinstance(reposted, dict) and reposted.get("text"):
            posts.append(self.post(page, reposted, 2, base))
        first = posts[0]
        if not first.replies or not first.post_id:
            return posts, []
        url = comments_url(page.url, first.post_id)
        meta = {"mid": first.post_id, "title": first.title}
        link = Link(url, "thread", key=f"comments:{first.post_id}", state=str(first.replies),
                    meta=meta)  # fmt: skip
        return posts, [link]

    def parse_cards(self, page: Page, data: dict[str, Any]) -> Parsed:
        """A page of the mobile site's card lists (``/api/container/getIndex``): a search's
        results or an account's posts. Each post card's ``mblog`` is read as its page would
        be — a post whose text the list cuts short (``isLongText``) by a link to its page —;
        the next page from ``cardlistInfo.page``."""
        posts: list[Post] = []
        links: list[Link] = []
        for card in _cards(data.get("cards")):
            mblog = card.get("mblog")
            if not isinstance(mblog, dict) or not mblog.get("text"):
                continue
            mid = str(mblog.get("id") or mblog.get("mid") or "")
            detail = absolute(page.url, f"/detail/{mid}") or ""
            if mblog.get("isLongText") and mid:
                count = str(mblog.get("comments_count") or 0)
                links.append(Link(detail, "thread", key=f"status:{mid}", state=count))
                continue
            found, follow = self.status(page, mblog, detail)
            posts += found
            links += follow
        info = data.get("cardlistInfo") if isinstance(data.get("cardlistInfo"), dict) else {}
        nxt = to_int(str(info.get("page") or ""))
        current = to_int(query_param(page.url, "page") or "") or 1
        if (posts or links) and nxt and nxt > current:
            links.append(Link(_with_page(page.url, nxt), "listing", meta=dict(page.meta)))
        return Parsed(posts=posts, links=links)

    def parse_comments(self, page: Page, answer: Any) -> Parsed:
        """A page of the comments API's JSON: the comments on the post the link named (its
        ``mid``, else the address's), each followed by the replies it carries."""
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

    def post(self, page: Page, status: dict[str, Any], floor: int, base: str) -> Post:
        """One post of the page data (its page at ``base``): its text, poster, time and
        counts."""
        text = html_text(str(status["text"]))
        pid = str(status.get("id") or status.get("mid") or "")
        headline = _HEADLINE.match(text)
        title = headline.group(1) if headline else squash(text)[:TITLE_CHARS]
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


def _cards(cards: Any) -> list[dict[str, Any]]:
    """The cards of a list, a group's cards (``card_group``) in its place."""
    out: list[dict[str, Any]] = []
    for card in cards if isinstance(cards, list) else []:
        if isinstance(card, dict):
            out += (
                _cards(card["card_group"]) if isinstance(card.get("card_group"), list) else [card]
            )
    return out


def _with_page(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(number))])))


def comments_url(base: str, mid: str) -> str:
    """The first page of a post's comments on the mobile site's API (on ``base``'s host)."""
    return absolute(base, f"/comments/hotflow?id={mid}&mid={mid}&max_id_type=0") or ""


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [WeiboMobileAdapter]
