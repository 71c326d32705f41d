"""In-run duplicate detection: the same post reached twice, or the same text posted twice on
one site. Across runs, stores write by ``_id`` and so never hold a post twice."""

from __future__ import annotations

from opinion_spiders.items import Post

#: Texts shorter than this (e.g. "顶", "+1") are not treated as copies of each other.
MIN_HASHED_LENGTH = 12


class Deduplicator:
    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._hashes: set[tuple[str, str]] = set()

    def duplicate_reason(self, post: Post) -> str | None:
        """``"id"`` or ``"content"`` when the post was seen already in this run, else None."""
        if post.id in self._ids:
            return "id"
        key = (post.site, post.content_hash)
        long_enough = len(post.content) >= MIN_HASHED_LENGTH
        if long_enough and key in self._hashes:
            return "content"
        self._ids.add(post.id)
        if long_enough:
            self._hashes.add(key)
        return None
