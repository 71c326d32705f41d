"""The one contract every store keeps (MongoDB, embedded). A contract test suite checks it.

Documents are plain dicts with a stable ``_id`` and tz-aware ``datetime`` values; a store
gives back what it was given (datetimes tz-aware, UTC). Collections, as DESIGN.md lists:
``posts``, ``clusters``, ``alerts``, ``runs``, ``crawl_state``, ``events``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from opinion_spiders.errors import ConfigError

if TYPE_CHECKING:
    from opinion_spiders.stores.breaker import CircuitBreaker

COLLECTIONS = ("posts", "clusters", "alerts", "runs", "crawl_state", "events")
#: A post's cluster fields: the crawl's view when it is first stored, then the cluster step's
#: (:meth:`Store.write_clusters`); a rewrite of a stored post leaves them as they are.
CLUSTER_FIELDS = ("cluster_id", "cluster_size", "cluster_sites", "cluster_first_id")
#: What :meth:`Store.find_band_candidates` returns of each post.
CANDIDATE_FIELDS = ("_id", "cluster_id", "minhash", "site", "author", "published_at", "crawled_at")
#: Set (True) on a post :meth:`Store.queued_posts` returns when the post's bands were all new
#: when :meth:`Store.upsert_posts` wrote it — no stored post had any of them, and no other post
#: of its batch — and no step asked for them to be read again (``recheck``). Every post that
#: shares one of its bands was written after it and lists it, so the cluster step need not read
#: its bands (see :mod:`opinion_spiders.clusters.step`). MongoDB learns it from the band
#: documents' inserts; the embedded store from the crawl's lookup just before the write, which
#: found no post under the bands, and the band rows its own process wrote since (a check when
#: writing would cost a seek a band, as much as the step's read it saves): a post written
#: without such a lookup, or after another process wrote bands, is not fresh there.
FRESH = "bands_fresh"


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


@dataclass
class ClusterWrites:
    """One step of the cluster writer (:meth:`Store.write_clusters`)."""

    #: cluster documents to store whole (replacing what is there)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    #: absorbed cluster id -> the cluster it went into (its document is deleted)
    merged: dict[str, str] = field(default_factory=dict)
    #: post ``_id`` -> its cluster fields (a subset of :data:`CLUSTER_FIELDS`)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: post ``_id``s taken off the queue
    done: list[str] = field(default_factory=list)
    #: queued post ``_id``s whose bands the step reads when their turn comes, fresh or not
    #: (:data:`FRESH`): a copy clustered while they waited listed them (a store that marks no
    #: post fresh reads every post's)
    recheck: list[str] = field(default_factory=list)


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
        a new one gets ``first_seen_at`` = its ``crawled_at``. The :data:`CLUSTER_FIELDS` of a
        new post are stored as given (the crawl's view of its cluster, which the cluster step
        corrects where it decides otherwise); a stored post keeps its own (they are the
        step's). A post with a ``minhash`` is queued for the cluster step
        (:meth:`queued_posts`).
        """

    def mark_removed(self, removals: Mapping[str, Mapping[str, Any]]) -> None:
        """Set ``posts.removed`` (``{"at": …, "notice": …}``) on stored posts by ``_id``: the
        thread a post opens was found taken down when the crawl came back to it. Posts not
        stored are passed over; a later upsert keeps the mark."""

    def find_removed(self, since: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Posts marked ``removed`` (at or after ``since``), the latest found first: what the
        revisits found taken down, for the report."""

    def recent_threads(self, site: str, since: datetime, limit: int = 500) -> list[dict[str, Any]]:
        """The opening posts (floor 1 or none, answering nothing) of ``site`` whose ``time`` is
        at or after ``since``, newest first, with ``_id``, ``url`` and ``removed``: the threads
        a crawl revisits to see whether they were taken down (read once when it starts)."""

    def set_post_alerts(self, alerts: Mapping[str, Mapping[str, Any]]) -> None:
        """Set ``alert`` (post ``_id`` -> ``{id, tier, status}``) on stored posts, as one batch
        of ``_id`` updates; a post not stored is left alone. :meth:`upsert_posts` of a post
        without an ``alert`` field keeps the one it has."""

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        """Add to the alert ledger; False (and nothing written) when ``_id`` is there already."""

    def alert_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of the ledger ``_id``s in ``ids`` the ledger holds (one read, however many:
        the alert stage asks it for the clusters merged into an alert's cluster)."""

    def delete_alert(self, alert_id: str) -> None:
        """Remove a ledger entry by ``_id``: a new story, found before anything was sent to be
        a copy of an earlier story (see :func:`opinion_spiders.alerting.raise_alert`)."""

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

    def band_listed(self, queries: Sequence[Sequence[str]], limit: int = 50) -> list[list[str]]:
        """The first half of :meth:`find_band_candidates_many`, for a caller that holds some
        candidates already (the crawl: its in-run index; the cluster step: its batch, and
        the posts the clusters of the crawl's views count): for each list
        of bands, the ``_id``s of the posts listed under any of them — up to a few times
        ``limit``, as a post rewritten with other bands may still be listed under its old ones
        (:meth:`candidate_posts` shows its current bands)."""

    def candidate_posts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The second half: the stored posts among ``ids`` with the :data:`CANDIDATE_FIELDS`
        and ``minhash_bands``, by ``_id`` (one ``_id`` read however many)."""

    # -- the cluster step (the single writer of clusters; see opinion_spiders.clusters) -----
    def queued_posts(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Up to ``limit`` posts waiting for the cluster step, with the
        :data:`CANDIDATE_FIELDS`, the :data:`CLUSTER_FIELDS` and ``minhash_bands``.
        :meth:`upsert_posts` queues every post it writes that has a ``minhash``;
        :meth:`write_clusters` takes them off (``done``). A queued post whose document is gone
        is taken off the queue here. A post whose bands were all new when it was written, and
        that no step asked to recheck, may carry :data:`FRESH`."""

    def still_queued(self, ids: Sequence[str]) -> set[str]:
        """Which of the post ``ids`` wait in the cluster step's queue (one ``_id`` read
        however many): a post stored but not clustered yet, whose cluster fields are only the
        crawl's view."""

    def get_clusters(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The cluster documents with these ``_id``s, as stored (merges not followed), by
        ``_id``; one ``_id`` read however many."""

    def cluster_aliases(self, ids: Sequence[str]) -> dict[str, str]:
        """Where each of ``ids`` that was merged away went: the live cluster at the end of
        its chain of merges (an id that was never merged away is left out)."""

    def write_clusters(self, writes: ClusterWrites) -> None:
        """Write one step of the cluster writer, every part by ``_id``: ``clusters`` replaced
        whole, ``merged`` recorded (absorbed id -> survivor; :meth:`cluster_aliases` follows
        chains), the absorbed documents deleted, each post of ``posts`` given its fields
        (``cluster_id``, ``cluster_size``, ``cluster_sites``, ``cluster_first_id``; a post not
        stored is skipped), and ``done`` taken off the queue. All or nothing: a write cut short
        (a kill, a lost server) is finished by the store's next :meth:`queued_posts` or
        :meth:`write_clusters` before anything else (MongoDB: from a journal document written
        first; embedded: one transaction). Writing the same step twice changes nothing."""

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Hold the lease ``name`` for ``seconds`` (from now): True when it was free, expired,
        or ``holder``'s already (then renewed); False while another holder's runs."""

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up, if ``holder`` holds it."""

    def upsert_cluster(self, cluster: Mapping[str, Any]) -> None:
        """Insert or replace a whole cluster document (restores, imports)."""

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        """The cluster document, or the one it was merged into; None when there is none."""

    def find_clusters(self, since: datetime | None = None, limit: int = 10) -> list[dict[str, Any]]:
        """Clusters by ``size`` descending (then ``last_seen`` descending); ``since`` filters
        on ``last_seen``."""

    # -- reads, for reports and the CLI ------------------------------------------------------
    def get_post(self, post_id: str) -> dict[str, Any] | None: ...

    def get_posts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored posts among ``ids``, whole, by ``_id`` (those not stored left out), in
        reads of a few hundred ids each by primary key — where a caller would otherwise read
        many one by one (a take-over reading back what a dead events process was sent)."""

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
