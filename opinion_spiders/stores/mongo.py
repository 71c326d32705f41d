"""The production store: any ``mongodb://`` server, queries kept to what FerretDB 1.24 runs.

Why the restraint: tests and small deployments use FerretDB, so aggregations use only
``$match``, ``$unwind``, ``$group`` with ``$sum``, ``$sort`` and ``$limit``; day buckets and
segmented terms are precomputed by the pipelines instead of server-side date/text operators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pymongo
from pymongo import ASCENDING, DESCENDING, ReplaceOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import (
    CollectionInvalid,
    ConnectionFailure,
    DuplicateKeyError,
    InvalidOperation,
    OperationFailure,
)

from opinion_spiders.stores import _mongo_bands as band_index
from opinion_spiders.stores import _mongo_clusters as cluster_step
from opinion_spiders.stores import _select, _watched
from opinion_spiders.stores._docs import check_field, ordered_counts
from opinion_spiders.stores.base import (
    CLUSTER_FIELDS,
    COLLECTIONS,
    FRESH,
    ClusterWrites,
    PostFilter,
    StoreRefused,
    StoreUnavailable,
)
from opinion_spiders.stores.breaker import CircuitBreaker, breaker_for

Doc = dict[str, Any]
#: The build tag of scripts/build_ferretdb.sh's FerretDB, which reads an ``$in`` on ``_id``
#: from its index (released FerretDB 1.24 scans the collection for it).
ID_IN_TAG = "opinion_id_in"
NAMESPACE_EXISTS = 48  # the server's code for "collection already exists"
#: Server codes that no retry mends: the credentials, or the rights they carry.
REFUSED = {18: "the credentials (AuthenticationFailed)", 13: "access (Unauthorized)"}
TIMEOUT_MS = 5000
#: How long one operation may wait for the server's answer: a server that stops answering
#: mid-crawl (seen with FerretDB under load) costs this once, then the breaker spools.
OPERATION_TIMEOUT_MS = 60_000
#: Posts read in one ``$in`` on ``_id`` by :meth:`MongoStore.get_posts` (whole documents).
READ_CHUNK = 400

#: collection -> index key lists (what analysts and reports filter and sort on)
INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    "posts": [
        [("time", DESCENDING)],
        [("site", ASCENDING), ("time", DESCENDING)],
        [("kind", ASCENDING)],
        [("matches.rule", ASCENDING)],
        [("score", DESCENDING)],
        [("day", ASCENDING)],
        [("cluster_id", ASCENDING)],
        [("terms", ASCENDING)],
        [("site", ASCENDING), ("thread_id", ASCENDING)],  # a story's thread (opinion web)
    ],
    "clusters": [
        [("size", DESCENDING), ("last_seen", DESCENDING)],
        [("last_seen", DESCENDING)],
    ],
    "alerts": [[("created_at", DESCENDING)], [("status", ASCENDING)]],
    "runs": [[("started_at", DESCENDING)]],
    "crawl_state": [[("site", ASCENDING)]],
    "events": [[("end", DESCENDING)], [("dimension", ASCENDING), ("value", ASCENDING)]],
}


def is_ferretdb(build_info: Mapping[str, Any]) -> bool:
    """True for FerretDB: its ``buildInfo`` names its version."""
    return "ferretdbVersion" in build_info


def serves_secondary_indexes(build_info: Mapping[str, Any]) -> bool:
    """Whether the server answers a query on a field other than ``_id`` from an index on it:
    not FerretDB 1.x, which reads the whole collection for such a query whatever the indexes
    (its ``explain`` says ``SCAN``, ``filterPushdown: false``) yet keeps every index up to date
    on every write — on side D of ``bench.vs_scrapy`` the posts' nine indexes cost 5–8 % of
    the crawl's time and a tenth of the server's writes. There the schema has its ``_id``
    indexes alone."""
    return not str(build_info.get("ferretdbVersion") or "").startswith("v1.")


def reads_in_by_id(build_info: Mapping[str, Any]) -> bool:
    """Whether a FerretDB answers ``{_id: {$in: [...]}}`` from its ``_id`` index: the
    project's build says so in its build tags (``buildInfo.buildEnvironment["-tags"]``)."""
    tags = (build_info.get("buildEnvironment") or {}).get("-tags") or ""
    return ID_IN_TAG in str(tags).split(",")


class MongoStore:
    """The :class:`~opinion_spiders.stores.base.Store` contract on database ``db_name``."""

    kind = "mongodb"
    #: Posts one band document of the near-duplicate index lists at most (the first stored).
    BAND_CAPACITY = band_index.CAPACITY

    def __init__(
        self, uri: str, db_name: str = "opinion", *, timeout_ms: int = TIMEOUT_MS,
        one_by_one: bool | None = None, operation_timeout_ms: int = OPERATION_TIMEOUT_MS,
    ) -> None:  # fmt: skip
        """``one_by_one``: read several ``_id``s with one ``{_id: value}`` query each instead
        of one ``$in`` (None: on a FerretDB that answers only that form from its index — not
        the project's build, see :func:`reads_in_by_id`)."""
        options: dict[str, Any] = {"tz_aware": True}
        lowered = uri.lower()
        if "serverselectiontimeoutms" not in lowered:  # an option in the URI wins
            options["serverSelectionTimeoutMS"] = timeout_ms
        if "connecttimeoutms" not in lowered:
            options["connectTimeoutMS"] = timeout_ms
        if "sockettimeoutms" not in lowered:  # pymongo's default waits for ever
            options["socketTimeoutMS"] = operation_timeout_ms
        self.client: pymongo.MongoClient[Doc] = pymongo.MongoClient(uri, **options)
        self.shown_uri = _without_password(uri)
        #: Shared by every MongoStore of this process on this URI (see stores.breaker).
        self.breaker: CircuitBreaker = breaker_for(uri, f"MongoDB {self.shown_uri}")
        self.db: Database[Doc] = self.client[db_name]
        self._schema_ready = False
        self._one_by_one = one_by_one
        #: update statements a command (FerretDB's limit until the server is known)
        self._chunk = band_index.FERRETDB_CHUNK
        self._known = band_index.KnownBands()
        #: read the cluster queue in insertion order (FerretDB sorts whole collections in Go)
        self._natural_queue = False

    @contextmanager
    def _guard(self) -> Iterator[Database[Doc]]:
        """Create the schema on first use; turn "server unreachable" into StoreUnavailable,
        at once while the breaker is open (one timeout per outage, not one per call)."""
        self.breaker.check(self.ping)
        try:
            if not self._schema_ready:
                self._create_schema()
            yield self.db
        except ConnectionFailure as exc:
            self.breaker.failed(str(exc).split(", Topology Description")[0])
            raise StoreUnavailable(f"MongoDB unreachable: {exc}") from exc
        except OperationFailure as exc:
            if exc.code not in REFUSED:
                raise
            problem = (
                f"the server refused {REFUSED[exc.code]}: check the user, password, authSource "
                "and authMechanism in the URI, and the user's roles on this database"
            )
            raise StoreRefused("OPINION_STORE", self.shown_uri, problem) from None
        else:
            self.breaker.succeeded()

    def ping(self) -> None:
        """One round trip to the server, past the breaker (its probe); StoreUnavailable when
        the server cannot be reached."""
        try:
            self.client.admin.command("ping")
        except (ConnectionFailure, InvalidOperation) as exc:  # InvalidOperation: client closed
            raise StoreUnavailable(f"MongoDB unreachable: {exc}") from exc

    def ensure_schema(self) -> None:
        with self._guard():
            pass

    def _create_schema(self) -> None:
        build_info = self.client.admin.command("buildInfo")
        ferretdb = is_ferretdb(build_info)
        indexed = serves_secondary_indexes(build_info)
        existing = set(self.db.list_collection_names())
        for name in COLLECTIONS:
            if name not in existing:
                _create_collection(self.db, name)
            for keys in INDEXES[name] if indexed else ():
                self.db[name].create_index(keys)
        if band_index.COLLECTION not in existing:  # the band index: read by _id only
            _create_collection(self.db, band_index.COLLECTION)
        for name in cluster_step.COLLECTIONS:  # the cluster step's queue, merges and leases
            if name not in existing:
                _create_collection(self.db, name)
            for keys in cluster_step.INDEXES.get(name, []) if indexed else ():
                self.db[name].create_index(keys)
        self._chunk = band_index.FERRETDB_CHUNK if ferretdb else band_index.MONGODB_CHUNK
        self._natural_queue = ferretdb
        if self._one_by_one is None:
            self._one_by_one = ferretdb and not reads_in_by_id(build_info)
        self._schema_ready = True

    # -- writes ------------------------------------------------------------------------------
    def upsert_posts(self, docs: Sequence[Mapping[str, Any]]) -> int:
        if not docs:
            return 0
        # Insert first, then update the ids that were stored already: FerretDB slows down on
        # upserts and $in lookups by _id as a collection grows, but not on inserts, and new
        # posts are the common case. The last copy of an _id in a batch wins. A new post is
        # stored with the crawl's view of its cluster; a stored one keeps its cluster fields
        # (the cluster step's), left out of its update.
        batch = {doc["_id"]: _first_seen(dict(doc), None) for doc in docs}
        signed = [str(i) for i, doc in batch.items() if doc.get("minhash")]
        with self._guard() as db:
            # The queue first: a crash before the posts leaves an entry whose post is not
            # there (queued_posts drops it once old), never a stored post nobody clusters.
            cluster_step.queue(db, signed)
            # The bands before the posts: a new post is stored knowing whether its bands were
            # all new (FRESH; a lookup drops a listed post not stored yet, or ever).
            bands = db[band_index.COLLECTION]
            fresh = band_index.index_posts(bands, list(batch.values()), self._known, self._chunk,
                                           one_by_one=bool(self._one_by_one))  # fmt: skip
            known = band_index.insert_new(
                db.posts, [{**doc, FRESH: True} if k in fresh else doc for k, doc in batch.items()]
            )
            updates = [_post_upsert(_crawled_fields(batch[k])) for k in known]
            band_index.write_chunked(db.posts, updates, self._chunk)
        return len(batch) - len(known)

    def set_post_alerts(self, alerts: Mapping[str, Mapping[str, Any]]) -> None:
        self._set_post_field("alert", alerts)

    def mark_removed(self, removals: Mapping[str, Mapping[str, Any]]) -> None:
        self._set_post_field("removed", removals)

    def _set_post_field(self, field: str, values: Mapping[str, Mapping[str, Any]]) -> None:
        """Set one field of stored posts by ``_id``, in chunked bulk writes."""
        ops = [UpdateOne({"_id": pid}, {"$set": {field: dict(v)}}) for pid, v in values.items()]
        if ops:
            with self._guard() as db:
                band_index.write_chunked(db.posts, ops, self._chunk)

    def find_removed(self, since: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
        query = {"removed.at": {"$gte": since}} if since else {"removed": {"$exists": True}}
        order = [("removed.at", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.posts.find(query).sort(order).limit(limit))

    def recent_threads(self, site: str, since: datetime, limit: int = 500) -> list[dict[str, Any]]:
        query = {
            "site": site, "time": {"$gte": since}, "floor": {"$in": [None, 0, 1]},
            "reply_to": None,
        }  # fmt: skip
        order = [("time", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            found = db.posts.find(query, {"url": 1, "removed": 1}).sort(order).limit(limit)
            return [{"_id": d["_id"], "url": d.get("url"), "removed": d.get("removed")}
                    for d in found]  # fmt: skip

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        with self._guard() as db:
            try:
                db.alerts.insert_one(dict(alert))
            except DuplicateKeyError:
                return False
        return True

    def alert_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        with self._guard() as db:
            return {str(d["_id"]) for d in db.alerts.find({"_id": {"$in": list(ids)}}, {"_id": 1})}

    def delete_alert(self, alert_id: str) -> None:
        with self._guard() as db:
            db.alerts.delete_one({"_id": alert_id})

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        if fields:
            with self._guard() as db:
                db.alerts.update_one({"_id": alert_id}, {"$set": dict(fields)})

    def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        with self._guard() as db:
            return db.alerts.find_one({"_id": alert_id})

    def upsert_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        if not events:
            return
        # As for posts: insert, then replace the ids that were stored already. A look of a
        # first crawl writes thousands of new events, and FerretDB answers one insert command
        # for all of them in about the time it takes for one upsert each: 4,087 upserts in one
        # command outlasted the 60 s operation timeout, and the server went on with them after
        # the client had given up, so every store call behind them timed out too.
        docs = {e["_id"]: dict(e) for e in events}  # the last copy of an _id wins
        with self._guard() as db:
            known = set(band_index.insert_new(db.events, list(docs.values())))
            ops = [ReplaceOne({"_id": i}, docs[i], upsert=True) for i in docs if i in known]
            band_index.write_chunked(db.events, ops, self._chunk)

    def get_events(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        with self._guard() as db:
            return {str(d["_id"]): d for d in db.events.find({"_id": {"$in": list(ids)}})}

    def find_events(
        self, since: datetime | None = None, limit: int = 100, dimension: str | None = None
    ) -> list[dict[str, Any]]:
        query = _since("end", since)
        if dimension:
            query["dimension"] = dimension
        order = [("end", DESCENDING), ("surprise", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.events.find(query).sort(order).limit(limit))

    def recent_posts(
        self, since: datetime, fields: Sequence[str], limit: int = 100_000
    ) -> list[dict[str, Any]]:
        order = [("time", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            found = db.posts.find(_since("time", since), dict.fromkeys(fields, 1))
            return list(found.sort(order).limit(limit))

    def load_state(self, site: str) -> dict[str, str]:
        with self._guard() as db:
            return {d["key"]: d["state"] for d in db.crawl_state.find({"site": site})}

    def save_state(self, site: str, states: Mapping[str, str]) -> None:
        if not states:
            return
        now = datetime.now(UTC)
        ops = [
            ReplaceOne(
                {"_id": f"{site}:{key}"},
                {"site": site, "key": key, "state": state, "updated_at": now},
                upsert=True,
            )
            for key, state in states.items()
        ]
        with self._guard() as db:
            band_index.write_chunked(db.crawl_state, ops, self._chunk)

    def record_run(self, run: Mapping[str, Any]) -> None:
        with self._guard() as db:
            db.runs.replace_one({"_id": run["_id"]}, dict(run), upsert=True)

    def upsert_cluster(self, cluster: Mapping[str, Any]) -> None:
        with self._guard() as db:
            db.clusters.replace_one({"_id": cluster["_id"]}, dict(cluster), upsert=True)

    # -- the cluster step (its one writer; see _mongo_clusters) ------------------------------
    def queued_posts(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self._guard() as db:
            return cluster_step.queued(
                db, limit, one_by_one=bool(self._one_by_one), chunk=self._chunk,
                natural=self._natural_queue,
            )  # fmt: skip

    def still_queued(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        with self._guard() as db:
            queue = db[cluster_step.QUEUE]
            return set(band_index.by_id(queue, list(dict.fromkeys(ids)), {"_id": 1},
                                        bool(self._one_by_one)))  # fmt: skip

    def get_clusters(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        with self._guard() as db:
            return band_index.by_id(db.clusters, list(dict.fromkeys(ids)), None,
                                    bool(self._one_by_one))  # fmt: skip

    def cluster_aliases(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        with self._guard() as db:
            merges = db[cluster_step.MERGES]
            return cluster_step.aliases(merges, ids, one_by_one=bool(self._one_by_one))

    def write_clusters(self, writes: ClusterWrites) -> None:
        with self._guard() as db:
            cluster_step.write(db, writes, self._chunk)

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        with self._guard() as db:
            return cluster_step.take_lease(db[cluster_step.LEASES], name, holder, seconds)

    def release_lease(self, name: str, holder: str) -> None:
        with self._guard() as db:
            cluster_step.release_lease(db[cluster_step.LEASES], name, holder)

    # -- reads -------------------------------------------------------------------------------
    def find_band_candidates(self, bands: Sequence[str], limit: int = 50) -> list[dict[str, Any]]:
        return self.find_band_candidates_many([bands], limit)[0]

    def find_band_candidates_many(
        self, queries: Sequence[Sequence[str]], limit: int = 50
    ) -> list[list[dict[str, Any]]]:
        with self._guard() as db:
            return band_index.candidates_many(
                db[band_index.COLLECTION], db.posts, queries, limit, self._known,
                one_by_one=bool(self._one_by_one),
            )  # fmt: skip

    def band_listed(self, queries: Sequence[Sequence[str]], limit: int = 50) -> list[list[str]]:
        with self._guard() as db:
            return band_index.listed_many(db[band_index.COLLECTION], queries, limit, self._known,
                                          one_by_one=bool(self._one_by_one))  # fmt: skip

    def candidate_posts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._guard() as db:
            return band_index.read_candidates(db.posts, list(dict.fromkeys(ids)),
                                              one_by_one=bool(self._one_by_one))  # fmt: skip

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        with self._guard() as db:
            return cluster_step.live(db, cluster_id, one_by_one=bool(self._one_by_one))

    def find_clusters(self, since: datetime | None = None, limit: int = 10) -> list[dict[str, Any]]:
        order = [("size", DESCENDING), ("last_seen", DESCENDING), ("_id", ASCENDING)]
        query = _since("last_seen", since)
        with self._guard() as db:
            return list(db.clusters.find(query).sort(order).limit(limit))

    def get_post(self, post_id: str) -> dict[str, Any] | None:
        with self._guard() as db:
            return db.posts.find_one({"_id": post_id})

    def get_posts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, dict[str, Any]] = {}
        with self._guard() as db:
            for start in range(0, len(wanted), READ_CHUNK):
                chunk = wanted[start : start + READ_CHUNK]
                found.update(band_index.by_id(db.posts, chunk, None, bool(self._one_by_one)))
        return found

    def count_posts(self, by: Sequence[str], since: datetime | None = None) -> list[dict[str, Any]]:
        fields = [check_field(f) for f in by]
        group_id = {f: f"${f}" for f in fields} if fields else None
        pipeline: list[dict[str, Any]] = [
            {"$match": _since("time", since)},
            {"$group": {"_id": group_id, "count": {"$sum": 1}}},
        ]
        with self._guard() as db:
            groups = list(db.posts.aggregate(pipeline))
        # FerretDB leaves a missing field out of the group key; MongoDB sets it to null.
        rows = [
            {**{f: (g["_id"] or {}).get(f) for f in fields}, "count": g["count"]} for g in groups
        ]
        return ordered_counts(rows, fields)

    def entity_hits(self, since: datetime | None = None) -> list[dict[str, Any]]:
        pipeline: list[dict[str, Any]] = [
            {"$match": _since("time", since)},
            {"$unwind": "$entities"},
            {"$group": {"_id": {"id": "$entities.id", "name": "$entities.name", "post": "$_id"}}},
            {"$group": {"_id": {"id": "$_id.id", "name": "$_id.name"}, "count": {"$sum": 1}}},
            {"$sort": {"count": -1, "_id.id": 1}},
        ]
        with self._guard() as db:
            groups = list(db.posts.aggregate(pipeline))
        return [
            {"entity": g["_id"]["id"], "name": g["_id"].get("name"), "count": g["count"]}
            for g in groups
            if g["_id"].get("id") is not None
        ]

    def rule_hits(self, since: datetime | None = None) -> list[dict[str, Any]]:
        pipeline: list[dict[str, Any]] = [
            {"$match": _since("time", since)},
            {"$unwind": "$matches"},
            {"$group": {"_id": {"rule": "$matches.rule", "post": "$_id"}}},
            {"$group": {"_id": "$_id.rule", "count": {"$sum": 1}}},
            {"$sort": {"count": -1, "_id": 1}},
        ]
        with self._guard() as db:
            groups = list(db.posts.aggregate(pipeline))
        return [{"rule": g["_id"], "count": g["count"]} for g in groups if g["_id"] is not None]

    def rule_days(self, since: datetime | None = None) -> list[dict[str, Any]]:
        # Counted here from the matched posts' day and rule ids, not by $unwind + $group:
        # FerretDB 1.24's $unwind drops every other field (the day), which MongoDB keeps.
        query = {**_since("time", since), "matches.0": {"$exists": True}}
        counts: dict[tuple[str, str], int] = {}
        with self._guard() as db:
            for doc in db.posts.find(query, {"day": 1, "matches.rule": 1}):
                for rule in {m.get("rule") for m in doc.get("matches") or [] if m.get("rule")}:
                    key = (str(doc.get("day")), str(rule))
                    counts[key] = counts.get(key, 0) + 1
        return [{"day": d, "rule": r, "count": n} for (d, r), n in sorted(counts.items())]

    def entity_days(self, since: datetime | None = None) -> list[dict[str, Any]]:
        # Counted here, as rule_days: FerretDB 1.24's $unwind would drop the day.
        query = {**_since("time", since), "entities.0": {"$exists": True}}
        counts: dict[tuple[str, str], int] = {}
        names: dict[str, Any] = {}
        fields = {"day": 1, "entities.id": 1, "entities.name": 1}
        with self._guard() as db:
            for doc in db.posts.find(query, fields):
                for entity in doc.get("entities") or []:
                    names.setdefault(entity.get("id"), entity.get("name"))
                for eid in {e.get("id") for e in doc.get("entities") or [] if e.get("id")}:
                    key = (str(doc.get("day")), str(eid))
                    counts[key] = counts.get(key, 0) + 1
        return [
            {"day": d, "entity": e, "name": names.get(e), "count": n}
            for (d, e), n in sorted(counts.items())
        ]

    def member_posts(
        self,
        *,
        ids: Sequence[str] = (),
        threads: Sequence[tuple[str, str]] = (),
        clusters: Sequence[str] = (),
        limit: int = 2000,
    ) -> list[dict[str, Any]]:
        branches: list[dict[str, Any]] = [{"site": s, "thread_id": t} for s, t in threads]
        if ids:
            branches.append({"_id": {"$in": list(ids)}})
        if clusters:
            branches.append({"cluster_id": {"$in": list(clusters)}})
        if not branches:
            return []
        order = [("time", ASCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.posts.find({"$or": branches}).sort(order).limit(limit))

    def find_posts(
        self,
        since: datetime | None = None,
        *,
        matched_only: bool = False,
        sort: str = "score",
        limit: int = 10,
    ) -> list[dict[str, Any]]:
        if sort not in ("score", "time"):
            raise ValueError(f"sort must be 'score' or 'time', not {sort!r}")
        query = _since("time", since)
        if matched_only:
            query["matches.0"] = {"$exists": True}
        other = "time" if sort == "score" else "score"
        order = [(sort, DESCENDING), (other, DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.posts.find(query).sort(order).limit(limit))

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
        query = _watched.mongo_query(since, until, terms, entities, rules)
        if query is None:
            return []
        order = [("time", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.posts.find(query).sort(order).limit(limit))

    def select_posts(self, selection: PostFilter, limit: int = 10_000) -> list[dict[str, Any]]:
        order = [("time", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.posts.find(_select.mongo_query(selection)).sort(order).limit(limit))

    def find_alerts(
        self, since: datetime | None = None, limit: int = 100, status: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        order = [("created_at", DESCENDING), ("_id", ASCENDING)]
        query = _since("created_at", since)
        if status:
            query["status"] = {"$in": list(status)}
        with self._guard() as db:
            return list(db.alerts.find(query).sort(order).limit(limit))

    def find_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        order = [("started_at", DESCENDING), ("_id", ASCENDING)]
        with self._guard() as db:
            return list(db.runs.find({}).sort(order).limit(limit))

    def count(self, collection: str) -> int:
        if collection not in COLLECTIONS:
            raise ValueError(f"unknown collection {collection!r}; one of {COLLECTIONS}")
        with self._guard() as db:
            return db[collection].count_documents({})

    def close(self) -> None:
        self.client.close()


def _create_collection(db: Database[Doc], name: str) -> None:
    """Create a collection that another process starting on the same fresh database may be
    creating at this moment: theirs is as good (pymongo's check or the server's code 48)."""
    try:
        db.create_collection(name)
    except CollectionInvalid:
        pass
    except OperationFailure as exc:
        if exc.code != NAMESPACE_EXISTS:
            raise


def _first_seen(doc: dict[str, Any], first: Any) -> dict[str, Any]:
    doc["first_seen_at"] = first or doc.get("first_seen_at") or doc.get("crawled_at")
    return doc


def _crawled_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A stored post as the crawl rewrites it: without the cluster fields (the step's)."""
    return {k: v for k, v in doc.items() if k not in CLUSTER_FIELDS}


def _post_upsert(doc: Mapping[str, Any]) -> UpdateOne:
    """Replace the fields but keep ``first_seen_at`` from the first time the post was seen; a
    rewritten post is not :data:`FRESH` (its bands were stored before)."""
    fields = {k: v for k, v in doc.items() if k not in ("_id", "first_seen_at", FRESH)}
    first = doc.get("first_seen_at") or doc.get("crawled_at")
    update: dict[str, Any] = {"$setOnInsert": {"first_seen_at": first}, "$unset": {FRESH: ""}}
    if fields:  # MongoDB rejects an empty $set
        update["$set"] = fields
    return UpdateOne({"_id": doc["_id"]}, update, upsert=True)


def _without_password(uri: str) -> str:
    """The URI as it may be shown: ``mongodb://user:***@host/db``."""
    return re.sub(r"(://[^:/@]+:)[^@/]*@", r"\1***@", uri)


def _since(field: str, since: datetime | None) -> dict[str, Any]:
    return {field: {"$gte": since}} if since else {}
