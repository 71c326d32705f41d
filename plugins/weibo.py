"""Weibo posts as the mobile site serves them (``m.weibo.cn/detail/<id>``, ``/status/<id>``).

The page is a script shell: the post stands in its ``var $render_data = [{"status": …}]``,
the object Weibo's API gives — its text as HTML, its poster (``user.screen_name``), its time
(``created_at``: ``Mon May 13 17:07:25 +0800 2024``) and its counts. The post is read from
there, with no browser. A repost is its poster's own words; what it reposts follows as a post
of its own, signed by its poster, so a story spreading by reposts reads as the people who
spread it. The comments come from an API call the page makes, not from the page: this engine
reads none.
"""

from __future__ import annotations

import re
from typing import Any

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import html_text, js_object, squash, to_int, without_fragment
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
        data = js_object(page.text, _MARKER)
        first = data[0] if isinstance(data, list) and data else data
        status = first.get("status") if isinstance(first, dict) else None
        if not isinstance(status, dict) or not status.get("text"):
            raise ParseError("no_posts", f"no post in the page data of {page.url}")
        posts = [self.post(page, status, 1)]
        reposted = status.get("retweeted_status")
        if isinstance(reposted, dict) and reposted.get("text"):
            posts.append(self.post(page, reposted, 2))
        return Parsed(posts=posts)

    def post(self, page: Page, status: dict[str, Any], floor: int) -> Post:
        """One post of the page data: its text, poster, time and counts."""
        text = html_text(str(status["text"]))
        user = status.get("user") if isinstance(status.get("user"), dict) else {}
        pid = str(status.get("id") or status.get("mid") or "")
        headline = _HEADLINE.match(text)
        title = headline.group(1) if headline else squash(text)[:TITLE_CHARS]
        base = without_fragment(page.url)
        return Post(
            site=page.site.name, kind=page.site.kind, title=title, content=text,
            url=base if floor == 1 else f"{base}#{pid}",
            author=str(user.get("screen_name") or ""),
            author_id=str(user["id"]) if user.get("id") else None,
            thread_id=pid, post_id=pid, floor=floor,
            published_text=str(status.get("created_at") or ""),
            replies=to_int(str(status.get("comments_count", ""))),
            votes=to_int(str(status.get("attitudes_count", ""))),
            adapter=self.engine,
            adapter_version=self.version,
        )  # fmt: skip


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [WeiboMobileAdapter]
