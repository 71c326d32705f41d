"""The zero-setup store: one SQLite file (stdlib ``sqlite3``) holding JSON documents.

Why SQLite: it needs no server, survives crashes (WAL), and lets several crawlers in one
process and several processes share one file. Each collection is a table ``(_id, doc)`` plus
real columns for what the report queries filter and sort on.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opinion_spiders.stores import _embedded_clusters as _clusters
from opinion_spiders.stores import _select, _sqlite, _watched
from opinion_spiders.stores._docs import (
    check_field,
    dumps,
    iso,
    loads,
    opt_iso,
    ordered_counts,
    set_path,
)
from opinion_spiders.stores.base import (
    CLUSTER_FIELDS,
    COLLECTIONS,
    ClusterWrites,
    PostFilter,
    StoreUnavailable,
)
from opinion_spiders.stores.breaker import CircuitBreaker

#: The integer keys of a band and of a post in the ``band_posts`` table (for raw writers of the
#: schema, such as ``bench.stores``'s baseline; ``post_keys`` maps a post's key to its ``_id``).
band_key = _clusters.band_key
post_key = _clusters.post_key

FILENAME = "opinion.sqlite3"
BUSY_TIMEOUT = 30.0
_POST_COLUMNS = ("site", "kind", "day", "cluster_id")

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (_id TEXT PRIMARY KEY, doc TEXT NOT NULL, time TEXT,
    site TEXT, kind TEXT, day TEXT, cluster_id TEXT, score REAL, matched INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS posts_time ON posts (time);
CREATE INDEX IF NOT EXISTS posts_site_time ON posts (site, time);
CREATE INDEX IF NOT EXISTS posts_kind ON posts (kind);
CREATE INDEX IF NOT EXISTS posts_day ON posts (day);
CREATE INDEX IF NOT EXISTS posts_cluster ON posts (cluster_id);
CREATE INDEX IF NOT EXISTS posts_score ON posts (score);
CREATE INDEX IF NOT EXISTS posts_thread ON posts (site, json_extract(doc, '$.thread_id'));
CREATE TABLE IF NOT EXISTS post_rules (post_id TEXT NOT NULL, rule TEXT NOT NULL, time TEXT,
    PRIMARY KEY (post_id, rule));
CREATE INDEX IF NOT EXISTS post_rules_rule ON post_rules (rule, time);
CREATE TABLE IF NOT EXISTS clusters (_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (_id TEXT PRIMARY KEY, doc TEXT NOT NULL, created_at TEXT,
    status TEXT);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts (created_at);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts (status);
CREATE TABLE IF NOT EXISTS runs (_id TEXT PRIMARY KEY, doc TEXT NOT NULL, started_at TEXT);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE TABLE IF NOT EXISTS crawl_state (_id TEXT PRIMARY KEY, doc TEXT NOT NULL, site TEXT,
    key TEXT);
CREATE INDEX IF NOT EXISTS crawl_state_site ON crawl_state (site);
CREATE TABLE IF NOT EXISTS events (_id TEXT PRIMARY KEY, doc TEXT NOT NULL, end_at TEXT,
    dimension TEXT, surprise REAL);
CREATE INDEX IF NOT EXISTS events_end ON events (end_at);
"""


class EmbeddedStore:
    """The :class:`~opinion_spiders.stores.base.Store` contract on ``<path>/opinion.sqlite3``."""

    kind = "embedded"
    #: A local file has no outage to wait out: no circuit breaker.
    breaker: CircuitBreaker | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.file = self.path / FILENAME
        self._lock = threading.RLock()
        self._conn = _sqlite.connect(self.file, BUSY_TIMEOUT)
        self._witness = _clusters.witness_for(str(self.file.resolve()))
        self.ensure_schema()
        #: the cluster lookups' own connection, opened when first asked (see _lookups)
        self._reader: sqlite3.Connection | None = None
        self._read_lock = threading.Lock()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction taking the write lock up front (no lock-upgrade deadlock in WAL)."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"{self.file}: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def ensure_schema(self) -> None:
        with self._write() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            _clusters.ensure(conn)

    # -- writes ------------------------------------------------------------------------------
    def upsert_posts(self, docs: Sequence[Mapping[str, Any]]) -> int:
        if not docs:
            return 0
        wrote: int | None = None
        with self._write() as conn:
            merged = self._existing_posts(conn, [str(d["_id"]) for d in docs])
            new = 0
            batch: dict[str, dict[str, Any]] = {}
            for doc in docs:
                post_id = str(doc["_id"])
                prev = batch.get(post_id) or merged.get(post_id)
                new += prev is None
                batch[post_id] = _merge_post(prev, doc)
            keys = {i: _clusters.band_keys(d.get("minhash_bands") or ()) for i, d in batch.items()}
            gen = _clusters.generation(conn)
            fresh = _clusters.fresh_posts(self._witness, batch.values(), keys, merged, gen)
            _clusters.queue(conn, batch.values(), fresh)
            self._write_posts(conn, list(batch.values()), set(merged))
            added = _clusters.sync_bands(conn, merged, keys)
            if added:
                wrote = _clusters.next_generation(conn)
        if wrote is not None:  # once committed: a generation rolled back was never written
            self._witness.wrote(wrote, added)
        return new

    @staticmethod
    def _existing_posts(conn: sqlite3.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT _id, doc FROM posts WHERE _id IN ({marks})"
            found.update((i, loads(d)) for i, d in conn.execute(sql, chunk))
        return found

    @staticmethod
    def _write_posts(conn: sqlite3.Connection, docs: list[dict[str, Any]], known: set[str]) -> None:
        rows: list[tuple[Any, ...]] = []
        rules: list[tuple[str, str, str | None]] = []
        for doc in docs:
            time = opt_iso(doc.get("time"))
            score = doc.get("score")
            matches = doc.get("matches") or []
            cols = [doc.get(c) if isinstance(doc.get(c), str) else None for c in _POST_COLUMNS]
            num = float(score) if isinstance(score, int | float) else None
            rows.append((doc["_id"], dumps(doc), time, *cols, num, int(bool(matches))))
            names = {m["rule"] for m in matches if isinstance(m, Mapping) and "rule" in m}
            rules.extend((doc["_id"], str(name), time) for name in names)
        _sqlite.write_rows(
            conn,
            "INSERT OR REPLACE INTO posts (_id, doc, time, site, kind, day, cluster_id, score,"
            " matched) VALUES {rows}",
            rows,
        )
        stale = [(r[0],) for r in rows if r[0] in known]  # new posts have no rule rows yet
        _sqlite.write_rows(conn, "DELETE FROM post_rules WHERE post_id IN (VALUES {rows})", stale)
        _sqlite.write_rows(conn, "INSERT OR IGNORE INTO post_rules VALUES {rows}", rules)

    def set_post_alerts(self, alerts: Mapping[str, Mapping[str, Any]]) -> None:
        self._set_post_field("alert", alerts)

    def mark_removed(self, removals: Mapping[str, Mapping[str, Any]]) -> None:
        self._set_post_field("removed", removals)

    def _set_post_field(self, field: str, values: Mapping[str, Mapping[str, Any]]) -> None:
        """Set one field of stored posts by ``_id`` (posts not stored are passed over)."""
        if not values:
            return
        with self._write() as conn:
            stored = self._existing_posts(conn, list(values))
            rows = [(dumps({**doc, field: dict(values[pid])}), pid) for pid, doc in stored.items()]
            _sqlite.write_rows(conn, "UPDATE posts SET doc = v.column1 FROM (VALUES {rows}) AS v"
                               " WHERE posts._id = v.column2", rows)  # fmt: skip

    def find_removed(self, since: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
        at = "json_extract(doc, '$.removed.at.\"$date\"')"
        sql = f"SELECT doc FROM posts WHERE {at} >= ? ORDER BY {at} DESC, _id LIMIT ?"
        return [loads(doc) for (doc,) in self._query(sql, (iso(since) if since else "", limit))]

    def recent_threads(self, site: str, since: datetime, limit: int = 500) -> list[dict[str, Any]]:
        sql = (
            "SELECT doc FROM posts WHERE site = ? AND time >= ?"
            " AND coalesce(json_extract(doc, '$.floor'), 1) <= 1"
            " AND json_extract(doc, '$.reply_to') IS NULL ORDER BY time DESC, _id LIMIT ?"
        )
        docs = (loads(doc) for (doc,) in self._query(sql, (site, iso(since), limit)))
        return [{k: d.get(k) for k in ("_id", "url", "removed")} for d in docs]

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        row = (alert["_id"], dumps(alert), opt_iso(alert.get("created_at")), alert.get("status"))
        with self._write() as conn:
            cur = conn.execute("INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?)", row)
            return cur.rowcount == 1

    def alert_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        marks = ", ".join("?" * len(ids))
        return {i for (i,) in self._query(f"SELECT _id FROM alerts WHERE _id IN ({marks})", ids)}

    def delete_alert(self, alert_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM alerts WHERE _id = ?", (alert_id,))

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        with self._write() as conn:
            found = conn.execute("SELECT doc FROM alerts WHERE _id = ?", (alert_id,)).fetchone()
            if found is None:
                return
            doc = loads(found[0])
            for path, value in fields.items():
                set_path(doc, path, value)
            conn.execute(
                "UPDATE alerts SET doc = ?, created_at = ?, status = ? WHERE _id = ?",
                (dumps(doc), opt_iso(doc.get("created_at")), doc.get("status"), alert_id),
            )

    def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT doc FROM alerts WHERE _id = ?", (alert_id,))
        return loads(rows[0][0]) if rows else None

    def upsert_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        rows = [
            (e["_id"], dumps(e), opt_iso(e.get("end")), e.get("dimension"),
             float(e.get("surprise") or 0.0))
            for e in events
        ]  # fmt: skip
        if rows:
            with self._write() as conn:
                conn.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?)", rows)

    def get_events(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            sql = f"SELECT _id, doc FROM events WHERE _id IN ({','.join('?' * len(chunk))})"
            found.update((i, loads(d)) for i, d in self._query(sql, chunk))
        return found

    def find_events(
        self, since: datetime | None = None, limit: int = 100, dimension: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = _since("end_at", since, "dimension = ?" if dimension else "")
        params += [dimension] if dimension else []
        sql = f"SELECT doc FROM events{where} ORDER BY end_at DESC, surprise DESC, _id LIMIT ?"
        return [loads(doc) for (doc,) in self._query(sql, [*params, limit])]

    def recent_posts(
        self, since: datetime, fields: Sequence[str], limit: int = 100_000
    ) -> list[dict[str, Any]]:
        sql = "SELECT doc FROM posts WHERE time >= ? ORDER BY time DESC, _id LIMIT ?"
        keep = {"_id", *fields}
        docs = (loads(doc) for (doc,) in self._query(sql, (iso(since), limit)))
        return [{k: v for k, v in d.items() if k in keep} for d in docs]

    def load_state(self, site: str) -> dict[str, str]:
        rows = self._query("SELECT doc FROM crawl_state WHERE site = ?", (site,))
        docs = [loads(doc) for (doc,) in rows]
        return {d["key"]: d["state"] for d in docs}

    def save_state(self, site: str, states: Mapping[str, str]) -> None:
        now = datetime.now(UTC)
        rows = [
            (f"{site}:{key}", dumps(_state_doc(site, key, state, now)), site, key)
            for key, state in states.items()
        ]
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO crawl_state VALUES (?, ?, ?, ?)", rows)

    def record_run(self, run: Mapping[str, Any]) -> None:
        row = (run["_id"], dumps(run), opt_iso(run.get("started_at")))
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", row)

    def upsert_cluster(self, cluster: Mapping[str, Any]) -> None:
        with self._write() as conn:
            _clusters.put(conn, cluster)

    def write_clusters(self, writes: ClusterWrites) -> None:
        with self._write() as conn:  # one transaction: all of it or none
            _clusters.write(conn, writes)

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        with self._write() as conn:
            return _clusters.take_lease(conn, name, holder, seconds)

    def release_lease(self, name: str, holder: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM leases WHERE _id = ? AND holder = ?", (name, holder))

    # -- reads -------------------------------------------------------------------------------
    @contextmanager
    def _lookups(self) -> Iterator[sqlite3.Connection]:
        """The cluster lookups' connection: they run on a thread of their own in a crawl
        (:func:`~opinion_spiders.stores.writer.reader_for`) and read the file beside the
        writer's transactions, which WAL lets them (each lookup sees what was committed)."""
        with self._read_lock:
            if self._reader is None:
                self._reader = _sqlite.connect(self.file, BUSY_TIMEOUT)
            yield self._reader

    def find_band_candidates(self, bands: Sequence[str], limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            return _clusters.candidates(self._conn, bands, limit)

    def find_band_candidates_many(
        self, queries: Sequence[Sequence[str]], limit: int = 50
    ) -> list[list[dict[str, Any]]]:
        with self._lock:  # in the process: no round trip to save
            return [_clusters.candidates(self._conn, bands, limit) for bands in queries]

    def band_listed(self, queries: Sequence[Sequence[str]], limit: int = 50) -> list[list[str]]:
        with self._lookups() as conn:  # a list no post is under: a witness its bands are new
            return _clusters.listed(conn, queries, limit, self._witness)

    def candidate_posts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._lookups() as conn:
            return _clusters.read_candidates(conn, list(dict.fromkeys(ids)))

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        with self._lock:
            return _clusters.get_live(self._conn, cluster_id)

    def get_clusters(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._lookups() as conn:
            return _clusters.get_many(conn, ids)

    def cluster_aliases(self, ids: Sequence[str]) -> dict[str, str]:
        with self._lock:
            return _clusters.aliases(self._conn, ids)

    def still_queued(self, ids: Sequence[str]) -> set[str]:
        with self._lock:
            return _clusters.still_queued(self._conn, ids)

    def queued_posts(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self._write() as conn:  # takes off the queue the posts that are gone
            return _clusters.queued(conn, limit)

    def find_clusters(self, since: datetime | None = None, limit: int = 10) -> list[dict[str, Any]]:
        where, params = _since("last_seen", since)
        with self._lock:
            return _clusters.find(self._conn, where, params, limit)

    def get_post(self, post_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT doc FROM posts WHERE _id = ?", (post_id,))
        return loads(rows[0][0]) if rows else None

    def get_posts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._lock:
            return _clusters.read_posts(self._conn, list(dict.fromkeys(ids)))

    def count_posts(self, by: Sequence[str], since: datetime | None = None) -> list[dict[str, Any]]:
        fields = [check_field(f) for f in by]
        exprs = [f if f in _POST_COLUMNS else f"json_extract(doc, '$.{f}')" for f in fields]
        cols = "".join(f"{e}, " for e in exprs)
        where, params = _since("time", since)
        group = f" GROUP BY {', '.join(exprs)}" if exprs else ""
        rows = self._query(f"SELECT {cols}COUNT(*) FROM posts{where}{group}", params)
        found = [{**dict(zip(fields, row, strict=False)), "count": row[-1]} for row in rows]
        return ordered_counts([r for r in found if r["count"]], fields)

    def entity_hits(self, since: datetime | None = None) -> list[dict[str, Any]]:
        where, params = _since("time", since)
        sql = (
            "SELECT json_extract(e.value, '$.id') eid, json_extract(e.value, '$.name') ename, "
            f"COUNT(DISTINCT posts._id) n FROM posts, json_each(posts.doc, '$.entities') e{where}"
            " GROUP BY eid ORDER BY n DESC, eid"
        )
        rows = self._query(sql, params)
        return [{"entity": i, "name": name, "count": n} for i, name, n in rows if i is not None]

    def rule_hits(self, since: datetime | None = None) -> list[dict[str, Any]]:
        where, params = _since("time", since)
        sql = f"SELECT rule, COUNT(DISTINCT post_id) n FROM post_rules{where} GROUP BY rule"
        rows = self._query(sql + " ORDER BY n DESC, rule", params)
        return [{"rule": rule, "count": n} for rule, n in rows]

    def rule_days(self, since: datetime | None = None) -> list[dict[str, Any]]:
        where, params = _since("r.time", since)
        sql = (
            "SELECT p.day, r.rule, COUNT(DISTINCT r.post_id) FROM post_rules r "
            f"JOIN posts p ON p._id = r.post_id{where} GROUP BY p.day, r.rule "
            "ORDER BY p.day, r.rule"
        )
        return [{"day": d, "rule": rule, "count": n} for d, rule, n in self._query(sql, params)]

    def entity_days(self, since: datetime | None = None) -> list[dict[str, Any]]:
        where, params = _since("time", since)
        sql = (
            "SELECT day, json_extract(e.value, '$.id') eid, json_extract(e.value, '$.name'), "
            f"COUNT(DISTINCT posts._id) FROM posts, json_each(posts.doc, '$.entities') e{where}"
            " GROUP BY day, eid ORDER BY day, eid"
        )
        return [
            {"day": day, "entity": eid, "name": name, "count": n}
            for day, eid, name, n in self._query(sql, params)
            if eid is not None
        ]

    def member_posts(
        self,
        *,
        ids: Sequence[str] = (),
        threads: Sequence[tuple[str, str]] = (),
        clusters: Sequence[str] = (),
        limit: int = 2000,
    ) -> list[dict[str, Any]]:
        clauses, params = [], []
        if ids:
            clauses.append(f"_id IN ({', '.join('?' * len(ids))})")
            params += list(ids)
        for site, thread in threads:
            clauses.append("(site = ? AND json_extract(doc, '$.thread_id') = ?)")
            params += [site, thread]
        if clusters:
            clauses.append(f"cluster_id IN ({', '.join('?' * len(clusters))})")
            params += list(clusters)
        if not clauses:
            return []
        sql = f"SELECT doc FROM posts WHERE {' OR '.join(clauses)} ORDER BY time, _id LIMIT ?"
        return [loads(doc) for (doc,) in self._query(sql, [*params, limit])]

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
        where, params = _since("time", since, "matched = 1" if matched_only else "")
        order = "score DESC, time DESC" if sort == "score" else "time DESC, score DESC"
        sql = f"SELECT doc FROM posts{where} ORDER BY {order}, _id LIMIT ?"
        return [loads(doc) for (doc,) in self._query(sql, [*params, limit])]

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
        query = _watched.sqlite_query(since, until, terms, entities, rules, limit)
        return [loads(doc) for (doc,) in self._query(*query)] if query else []

    def select_posts(self, selection: PostFilter, limit: int = 10_000) -> list[dict[str, Any]]:
        return [loads(doc) for (doc,) in self._query(*_select.sqlite_query(selection, limit))]

    def find_alerts(
        self, since: datetime | None = None, limit: int = 100, status: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        in_status = f"status IN ({', '.join('?' * len(status))})" if status else ""
        where, params = _since("created_at", since, in_status)
        params += status
        sql = f"SELECT doc FROM alerts{where} ORDER BY created_at DESC, _id LIMIT ?"
        return [loads(doc) for (doc,) in self._query(sql, [*params, limit])]

    def find_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        sql = "SELECT doc FROM runs ORDER BY started_at DESC, _id LIMIT ?"
        return [loads(doc) for (doc,) in self._query(sql, (limit,))]

    def count(self, collection: str) -> int:
        if collection not in COLLECTIONS:
            raise ValueError(f"unknown collection {collection!r}; one of {COLLECTIONS}")
        n: int = self._query(f"SELECT COUNT(*) FROM {collection}")[0][0]
        return n

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()


def _merge_post(prev: dict[str, Any] | None, doc: Mapping[str, Any]) -> dict[str, Any]:
    """MongoDB ``$set`` + ``$setOnInsert`` semantics: fields replaced, first_seen_at kept; a
    new post keeps the crawl's view of its cluster, a stored one its cluster fields (the
    cluster step's)."""
    if prev is None:
        first = doc.get("first_seen_at") or doc.get("crawled_at")
        return {**{k: v for k, v in doc.items() if k != "first_seen_at"}, "first_seen_at": first}
    fields = {k: v for k, v in doc.items() if k != "first_seen_at" and k not in CLUSTER_FIELDS}
    return {**prev, **fields}


def _state_doc(site: str, key: str, state: str, now: datetime) -> dict[str, Any]:
    return {"_id": f"{site}:{key}", "site": site, "key": key, "state": state, "updated_at": now}


def _since(column: str, since: datetime | None, extra: str = "") -> tuple[str, list[Any]]:
    """A WHERE clause on an ISO text column (text order equals time order, see :func:`iso`)."""
    clauses = [c for c in (f"{column} >= ?" if since else "", extra) if c]
    params = [iso(since)] if since else []
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params
