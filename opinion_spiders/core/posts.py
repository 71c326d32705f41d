"""Normalise and validate a post as an adapter produced it: the first pipeline stage's logic."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from opinion_spiders.items import KINDS, Post
from opinion_spiders.text.dates import parse_datetime
from opinion_spiders.text.fingerprints import content_hash, post_key
from opinion_spiders.text.normalize import clean_text
from opinion_spiders.text.urls import canonicalize_url

if TYPE_CHECKING:
    from opinion_spiders.text.rules import Matcher
    from opinion_spiders.text.segment import Segmenter

#: A published time this far after the crawl time is a misread, not a post from the future.
FUTURE_TOLERANCE = timedelta(hours=1)


class InvalidPost(ValueError):
    """A post that cannot be stored; ``reason`` is a short key for the run stats."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


def prepare_post(post: Post, tz: str, now: datetime) -> Post:
    """Clean text, resolve the published time, derive canonical URL, ``_id``, time bucket and
    content hash. Raises :class:`InvalidPost` for posts that carry nothing to store."""
    if post.kind not in KINDS:
        raise InvalidPost("bad_kind", post.kind)
    if not post.url.startswith(("http://", "https://")):
        raise InvalidPost("bad_url", post.url)
    post.title = clean_text(post.title)
    post.content = clean_text(post.content)
    post.author = clean_text(post.author)
    if not post.title and not post.content:
        raise InvalidPost("empty", post.url)
    # to the millisecond, as MongoDB keeps it: the time the crawl orders its view of a cluster
    # by is the one the cluster step reads back
    crawled = post.crawled_at or now
    post.crawled_at = crawled.replace(microsecond=crawled.microsecond // 1000 * 1000)
    post.published_at = _published(post, tz)
    post.canonical_url = canonicalize_url(post.url)
    post.id = post.id or post_key(
        post.site, thread_id=post.thread_id, post_id=post.post_id, canonical_url=post.canonical_url
    )
    post.time = post.published_at or post.crawled_at
    post.day = post.time.astimezone(ZoneInfo(tz)).date().isoformat()
    post.content_hash = content_hash(f"{post.title}\n{post.content}")
    return post


def _published(post: Post, tz: str) -> datetime | None:
    assert post.crawled_at is not None
    published = post.published_at
    if published is None and post.published_text:
        published = parse_datetime(post.published_text, post.crawled_at, tz)
    if published is None:
        return None
    if published.tzinfo is None:
        published = published.replace(tzinfo=ZoneInfo(tz))
    if published > post.crawled_at + FUTURE_TOLERANCE:
        return None
    return published


def match_fields(post: Post) -> dict[str, str]:
    """The text keyword rules read. A reply carries its thread's title for context, but only
    the opening post (or an article) is matched on it: otherwise every reply in a thread
    with a hot title would fire — and alert — again. A reply inside a floor (``reply_to``) is
    a reply wherever it stands, the opening post's floor too."""
    fields = {"content": post.content, "author": post.author}
    if opens_thread(post.floor, post.reply_to):
        fields["title"] = post.title
    return fields


def opens_thread(floor: int | None, reply_to: str | None) -> bool:
    """Whether a post opens its thread — or is an article, a comment list's story: floor 1
    or none, and not a reply inside a floor."""
    return (floor is None or floor <= 1) and not reply_to


def match_and_cut(post: Post, matcher: Matcher, segmenter: Segmenter) -> None:
    """The keyword stage's work: the rules that fire on the post, and its search terms. A
    reply's search terms come from its own text: its thread's title is the opening post's, or
    every reply would be found by a search for the title's words."""
    fields = match_fields(post)
    post.matches = matcher.match(fields, site=post.site, kind=post.kind)
    post.terms = segmenter.search_terms(
        "\n".join(fields[k] for k in ("title", "content") if k in fields)
    )


def missing_fields(post: Post) -> list[str]:
    """Required fields (per target kind) the post lacks — the layout-change signal."""
    from opinion_spiders.core.health import REQUIRED_FIELDS

    return [name for name in REQUIRED_FIELDS.get(post.kind, ()) if not getattr(post, name)]
