"""The one contract every store keeps (MongoDB, embedded). A contract test suite checks it.

Documents are plain dicts with a stable ``_id`` and tz-aware ``datetime`` values; a store
gives back what it was given (datetimes tz-aware, UTC). Collections, as DESIGN.md lists:
``posts``, ``clusters``, ``alerts``, ``runs``, ``crawl_state``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

COLLECTIONS = ("posts", "clusters", "alerts", "runs", "crawl_state")
#: What :meth:`Store.find_band_candidates` returns of each post.
CANDIDATE_FIELDS = ("_id", "cluster_id", "minhash", "site", "author", "published_at", "crawled_at")


class StoreUnavailable(Exception):
    """The database cannot be reached; the caller spools what it meant to write."""


class Store(Protocol):
    """What pipelines, spiders and reports need from a store."""

    #: "mongodb" or "embedded"
    kind: str

    def ensure_schema(self) -> None:
        """Create collections and indexes if missing (idempotent; called on first use)."""

    def upsert_posts(self, docs: Sequence[Mapping[str, Any]]) -> int:
        """Write posts by ``_id`` in one batch; return how many were new.

        An existing post is updated (fields replaced) but keeps its ``first_seen_at``;
        a new one gets ``first_seen_at`` = its ``crawled_at``.
        """

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        """Add to the alert ledger; False (and nothing written) when ``_id`` is there already."""

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        """Set fields on a ledger entry (status, deliveries, alerted_at)."""

    def load_state(self, site: str) -> dict[str, str]:
        """Incremental bookmarks of a site: key (e.g. thread id) -> state (e.g. reply count)."""

    def save_state(self, site: str, states: Mapping[str, str]) -> None:
        """Merge bookmarks of a site (one document per site and key)."""

    def record_run(self, run: Mapping[str, Any]) -> None:
        """Insert or replace a run document (``_id`` = run id)."""

    # -- near-duplicate clusters (see opinion_spiders.clusters) -------------------------------
    def find_band_candidates(self, bands: Sequence[str], limit: int = 50) -> list[dict[str, Any]]:
        """Up to ``limit`` posts whose ``minhash_bands`` share at least one of ``bands``, with
        the :data:`CANDIDATE_FIELDS`; answered from an index, so the cost stays nearly flat as
        the store grows."""

    def upsert_cluster(self, cluster: Mapping[str, Any]) -> None:
        """Insert or replace a cluster document (``_id`` = cluster id)."""

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None: ...

    def find_clusters(self, since: datetime | None = None, limit: int = 10) -> list[dict[str, Any]]:
        """Clusters by ``size`` descending (then ``last_seen`` descending); ``since`` filters
        on ``last_seen``."""

    # -- reads, for reports and the CLI ------------------------------------------------------
    def get_post(self, post_id: str) -> dict[str, Any] | None: ...

    def count_posts(self, by: Sequence[str], since: datetime | None = None) -> list[dict[str, Any]]:
        """Posts grouped by the given top-level fields (e.g. ``("site", "kind")``), each row
        ``{field: value, ..., "count": n}``, largest count first; ``since`` filters on
        ``time`` (published_at, or crawled_at when the page showed no time)."""

    def entity_hits(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Posts per watched entity: ``[{"entity": id, "name": name, "count": n}]``, largest
        first (from each post's ``entities`` list)."""

    def rule_hits(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Posts per fired rule: ``[{"rule": id, "count": n}]``, largest first."""

    def find_posts(
        self,
        since: datetime | None = None,
        *,
        matched_only: bool = False,
        sort: str = "score",
        limit: int = 10,
    ) -> list[dict[str, Any]]:
        """Posts by ``sort`` descending (``score`` or ``time``); ``matched_only`` keeps posts
        with at least one fired rule."""

    def find_alerts(self, since: datetime | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Ledger entries by ``created_at`` descending."""

    def find_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """Runs by ``started_at`` descending."""

    def count(self, collection: str) -> int: ...

    def close(self) -> None: ...
