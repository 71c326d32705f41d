"""In-run duplicate detection: the same post reached twice — by its ``_id`` (platform ids or
canonical URL), or, for posts without a platform post id (articles), by the same text from
the same author on one site under another URL (mobile and PC pages, print views). Posts
with their own platform ids are distinct even when their text is equal (a floor repeated by
its author, or many accounts posting one text — evidence of coordinated posting). Across
runs, stores write by ``_id`` and so never hold a post twice."""

from __future__ import annotations

from opinion_spiders.items import Post

#: Texts shorter than this (e.g. "顶", "+1") are not treated as copies of each other.
MIN_HASHED_LENGTH = 12


class Deduplicator:
    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._hashes: set[tuple[str, str, str]] = set()

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
