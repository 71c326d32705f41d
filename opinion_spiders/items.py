"""Items that flow from adapters through the pipelines into the stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("forum", "portal", "postbar")


@dataclass
class Post:
    """One post, reply, floor or article, as an adapter read it off a page.

    The fields below ``crawled_at`` are filled by the pipelines.
    """

    site: str
    kind: str
    url: str
    title: str = ""
    content: str = ""
    author: str = ""
    author_id: str | None = None
    thread_id: str | None = None
    post_id: str | None = None
    floor: int | None = None
    #: The post this one answers where the page nests it under that post rather than giving
    #: it a floor of its own: a reply inside a floor (楼中楼: its floor's ``post_id``, the
    #: reply carrying that floor's number), a Q&A answer (the question's), a comment on a
    #: Weibo post (the post's), a reply inside a comment (the comment's), a push on a PTT
    #: article, a reader's comment on a news article or a comment on a Bilibili video (the
    #: article's or video's, or the comment's it replies to); None for floors, a page's own
    #: comment list and articles.
    reply_to: str | None = None
    published_at: datetime | None = None
    published_text: str = ""
    replies: int | None = None
    views: int | None = None
    #: Net votes (or likes) the page shows for the post, where it shows them (Q&A answers).
    votes: int | None = None
    #: A Q&A answer the asker accepted: True, False; None where the page has no such notion.
    accepted: bool | None = None
    source: str = ""
    adapter: str = ""
    adapter_version: str = ""
    #: How sure the adapter is of its reading: 1.0 for an engine adapter, lower for the
    #: generic engine that guesses post blocks on unknown boards.
    confidence: float = 1.0
    crawled_at: datetime | None = None
    # filled by pipelines
    id: str = ""
    canonical_url: str = ""
    time: datetime | None = None
    day: str = ""
    content_hash: str = ""
    #: near-duplicate signature (see opinion_spiders.clusters); empty for short texts
    minhash: str = ""
    minhash_bands: list[str] = field(default_factory=list)
    #: repost cluster: its id (a lone post's own id), size and sites when this post was seen
    cluster_id: str | None = None
    cluster_size: int = 0
    cluster_sites: list[str] = field(default_factory=list)
    cluster_first_id: str | None = None
    terms: list[str] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)
    #: watched entities named in the post, each with its hits and the closest rule term
    entities: list[dict[str, Any]] = field(default_factory=list)
    #: sensitive periods active at the post's time, each with its phase and factors
    periods: list[dict[str, Any]] = field(default_factory=list)
    score: float = 0.0
    contributions: list[dict[str, Any]] = field(default_factory=list)
    alert: dict[str, Any] | None = None
    #: The stages whose per-post work a page worker did ahead (``normalize``, ``keywords``,
    #: ``signature``): they skip it. Not stored.
    ahead: list[str] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        """The MongoDB document for this post (``_id`` instead of ``id``)."""
        doc = {k: v for k, v in self.__dict__.items() if k not in _NOT_STORED}
        doc["_id"] = self.id
        return doc


_NOT_STORED = frozenset({"id", "ahead"})
