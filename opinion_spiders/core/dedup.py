"""In-run duplicate detection: the same post reached twice — by its ``_id`` (platform ids or
canonical URL), or, for posts without a platform post id (articles), by the same text from
the same author on one site under another URL (mobile and PC pages, print views). Posts
with their own platform ids are distinct even when their text is equal (a floor repeated by
its author, or many accounts posting one text — evidence of coordinated posting). Across
runs, stores write by ``_id`` and so never hold a post twice.

The run's memory of posts is bounded: the last :data:`WINDOW` ids and texts (a post reached
twice is reached again within a few pages: a thread's last floor shown on its next page, a
mobile and a PC URL), so a 7×24 crawl does not grow by a key per post (bench.memory). A post
seen before that is not dropped here; the store writes it in place by ``_id``."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from opinion_spiders.items import Post

K = TypeVar("K", bound=Hashable)

#: Texts shorter than this (e.g. "顶", "+1") are not treated as copies of each other.
MIN_HASHED_LENGTH = 12
#: Ids (and texts) remembered: the newest this many, oldest forgotten first.
WINDOW = 50_000


class Deduplicator:
    def __init__(self, window: int = WINDOW) -> None:
        self._ids: _Window[str] = _Window(window)
        self._hashes: _Window[tuple[str, str, str]] = _Window(window)

    def duplicate_reason(self, post: Post) -> str | None:
        """``"id"`` or ``"content"`` when the post was seen already in this run, else None."""
        if post.id in self._ids:
            return "id"
        key = (post.site, post.author, post.content_hash)
        long_enough = len(post.content) >= MIN_HASHED_LENGTH and not post.post_id
        if long_enough and key in self._hashes:
            return "content"
        self._ids.add(post.id)
        if long_enough:
            self._hashes.add(key)
        return None


class _Window(Generic[K]):
    """A set of the newest ``size`` keys added (the oldest leaves first)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._keys: set[K] = set()
        self._order: deque[K] = deque()

    def __contains__(self, key: K) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: K) -> None:
        if key in self._keys:
            return
        self._keys.add(key)
        self._order.append(key)
        if len(self._order) > self.size:
            self._keys.discard(self._order.popleft())
