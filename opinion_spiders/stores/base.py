"""The one contract every store keeps (MongoDB, embedded). A contract test suite checks it.

Documents are plain dicts with a stable ``_id`` and tz-aware ``datetime`` values; a store
gives back what it was given (datetimes tz-aware, UTC). Collections, as DESIGN.md lists:
``posts``, ``clusters``, ``alerts``, ``runs``, ``crawl_state``, ``events``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from opinion_spiders.errors import ConfigError

if TYPE_CHECKING:
    from opinion_spiders.stores.breaker import CircuitBreaker

COLLECTIONS = ("posts", "clusters", "alerts", "runs", "crawl_state", "events")
#: What :meth:`Store.find_band_candidates` returns of each post.
CANDIDATE_FIELDS = ("_id", "cluster_id", "minhash", "site", "author", "published_at", "crawled_at")


@dataclass(frozen=True)
class PostFilter:
    """Which stored posts an analyst's list holds (``opinion search``/``export``): ``time`` in
    ``[since, until)``, on one of ``sites``/``kinds``, that fired one of ``rules``, name one of
    ``entities`` (watched entity ids) and score at least ``min_score``; an empty field leaves
    that condition out."""

    since: datetime | None = None
    until: datetime | None = None
    sites: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    min_score: float | None = None


class StoreUnavailable(Exception):
    """The database cannot be reached; the caller spools what it meant to write."""


class StoreRefused(ConfigError):
    """The database answers but refuses us (wrong credentials, no rights): waiting will not
    help, so this is a configuration error — one line that says what to fix, exit 2."""


class Store(Protocol):
    """What pipelines, spiders and reports need from a store."""

    #: "mongodb" or "embedded"
    kind: str

    @property
    def breaker(self) -> CircuitBreaker | None:
        """The circuit breaker guarding a server's calls (MongoDB); None for a local file."""

    def ensure_schema(self) -> None:
        """Create collections and indexes if missing (idempotent; called on first use)."""

    def upsert_posts(self, docs: Sequence[Mapping[str, Any]]) -> int:
        """Write posts by ``_id`` in one batch; return how many were new.

        An existing post is updated (fields replaced) but keeps its ``first_seen_at``;
        a new one gets ``first_seen_at`` = its ``crawled_at``. A ``cluster_id`` that names a
        cluster merged away is stored as the surviving cluster's id.
        """

    def set_post_alerts(self, alerts: Mapping[str, Mapping[str, Any]]) -> None:
        """Set ``alert`` (post ``_id`` -> ``{id, tier, status}``) on stored posts, as one batch
        of ``_id`` updates; a post not stored is left alone. :meth:`upsert_posts` of a post
        without an ``alert`` field keeps the one it has."""

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        """Add to the alert ledger; False (and nothing written) when ``_id`` is there already."""

    def alert_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of the ledger ``_id``s in ``ids`` the ledger holds (one read, however many:
        the alert stage asks it for the clusters merged into an alert's cluster)."""

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        """Set fields on a ledger entry (status, deliveries, alerted_at); a dotted name sets a
        nested field (``deliveries.log``)."""

    def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        """One ledger entry by ``_id`` (a story alert is read back to be updated)."""

    # -- events (bursts; see opinion_spiders.events) -----------------------------------------
    def upsert_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Insert or replace event documents by ``_id`` in one batch (the event detector is
        the single writer of an event; it reads the stored one first with :meth:`get_events`)."""

    def get_events(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored events among ``ids`` (one ``_id`` read however many), by ``_id``."""

    def find_events(
        self, since: datetime | None = None, limit: int = 100, dimension: str | None = None
    ) -> list[dict[str, Any]]:
        """Events by ``end`` descending (then ``surprise`` descending); ``since`` keeps those
        whose ``end`` is at or after it, ``dimension`` those of one dimension (``rule`` …)."""

    def recent_posts(
        self, since: datetime, fields: Sequence[str], limit: int = 100_000
    ) -> list[dict[str, Any]]:
        """Posts with ``time`` at or after ``since``, newest first, with only ``fields`` (and
        ``_id``): the event detector's baseline, read once when a crawl starts."""

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

    def find_band_candidates_many(
        self, queries: Sequence[Sequence[str]], limit: int = 50
    ) -> list[list[dict[str, Any]]]:
        """:meth:`find_band_candidates` of each list of bands in ``queries``, in order, as
        few round trips as the store allows (the crawl looks up several posts at once)."""

    def join_cluster(
        self, cluster_id: str, founder: Mapping[str, Any], member: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Count one more copy in a cluster, atomically, and return the cluster document as
        it is after the join (its ``_id`` is the surviving one when ``cluster_id`` was merged
        away).

        ``founder`` and ``member`` are posts (``_id``, ``site``, ``author``, ``published_at``,
        ``crawled_at``). A cluster without a document yet starts as ``founder`` plus
        ``member`` (size 2). Otherwise ``size`` grows by one, ``member``'s site joins
        ``sites`` (``site_count`` stays ``len(sites)``), ``last_seen`` rises to its
        ``crawled_at``, and it becomes the first publisher only when its ``first_key`` is
        smaller. Joins from several processes at once are all counted.
        """

    def merge_clusters(self, clusters: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Merge clusters (id -> its founder post, used while it has no document) into the
        one whose first publisher is earliest; return the surviving document.

        Sizes are summed, sites united, the earliest first publisher and latest
        ``last_seen`` kept, the absorbed ids (and what they had absorbed) added to
        ``merged_from``; their documents are deleted and their posts (each founder and
        every copy :meth:`join_cluster` counted) take the surviving ``cluster_id``. Joins to
        an absorbed cluster, before or during the merge, are counted in the survivor. See
        docs/analysts.md (clusters) for what MongoDB guarantees.
        """

    def upsert_cluster(self, cluster: Mapping[str, Any]) -> None:
        """Insert or replace a whole cluster document (restores, imports). Not for counting
        copies: a replace loses concurrent joins; use :meth:`join_cluster`."""

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        """The cluster document, or the one it was merged into; None when there is none."""

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

    def rule_days(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Posts per fired rule and ``day`` (the post's local day): ``[{"day", "rule",
        "count"}]``, by day then rule — the rules' curves over time."""

    def entity_days(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Posts per watched entity and ``day``: ``[{"day", "entity", "name", "count"}]``, by
        day then entity id — the entities' curves over time."""

    def member_posts(
        self,
        *,
        ids: Sequence[str] = (),
        threads: Sequence[tuple[str, str]] = (),
        clusters: Sequence[str] = (),
        limit: int = 2000,
    ) -> list[dict[str, Any]]:
        """Posts with one of ``ids``, in one of ``threads`` (``(site, thread_id)`` pairs) or in
        one of ``clusters`` (``cluster_id``), earliest ``time`` first, at most ``limit``: what
        a story or an event is made of. None when all three are empty."""

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

    def find_watched_posts(
        self,
        since: datetime,
        until: datetime,
        *,
        terms: Sequence[str] = (),
        entities: Sequence[str] = (),
        rules: Sequence[str] = (),
        limit: int = 50_000,
    ) -> list[dict[str, Any]]:
        """Posts with ``time`` in ``[since, until)`` whose search ``terms`` hold one of
        ``terms``, that name one of ``entities`` (``entities.id``) or fired one of ``rules``
        (``matches.rule``), newest first; none when all three are empty (watch plans)."""

    def select_posts(self, selection: PostFilter, limit: int = 10_000) -> list[dict[str, Any]]:
        """Posts that pass ``selection``, newest ``time`` first, at most ``limit`` (each
        condition on an indexed field)."""

    def find_alerts(
        self, since: datetime | None = None, limit: int = 100, status: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Ledger entries by ``created_at`` descending; ``status`` keeps only those in one of
        the given states (``pending``, ``held`` …), from the status index."""

    def find_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """Runs by ``started_at`` descending."""

    def count(self, collection: str) -> int: ...

    def close(self) -> None: ...
