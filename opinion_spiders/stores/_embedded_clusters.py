"""Near-duplicate support of the embedded store: the LSH band index and the clusters table.

Why a side table: a post's ``minhash_bands`` live in its JSON document, which SQLite cannot
index per element; ``post_bands(band, post_id)`` is that multikey index, one row per band,
the band key kept as its 64-bit integer (half the size of the hex text, so a store of a
million posts keeps its 32 million rows compact). Clusters get real columns for what
``find_clusters`` sorts and filters on, and ``cluster_merges(absorbed, into_id)`` says where
each merged-away cluster went (kept flat: every row names a live cluster).

Joins and merges run inside the caller's ``BEGIN IMMEDIATE`` transaction: read, compute with
:mod:`.cluster_docs`, write. The write lock is taken before the read, so two processes on
one file cannot interleave.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from operator import itemgetter
from typing import Any

from opinion_spiders.stores import cluster_docs as docs
from opinion_spiders.stores._docs import dumps, loads, opt_iso
from opinion_spiders.stores._sqlite import write_rows
from opinion_spiders.stores.base import CANDIDATE_FIELDS

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS post_bands (band INTEGER NOT NULL, post_id TEXT NOT NULL,"
    " PRIMARY KEY (band, post_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS cluster_merges (absorbed TEXT PRIMARY KEY, into_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS cluster_merges_into ON cluster_merges (into_id)",
)
_CLUSTER_COLUMNS = {"size": "INTEGER", "last_seen": "TEXT"}
_CLUSTER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS clusters_size ON clusters (size, last_seen)",
    "CREATE INDEX IF NOT EXISTS clusters_last_seen ON clusters (last_seen)",
)
_CHUNK = 500
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_HEX16_RUN = re.compile(r"[0-9a-f]{16}(?: [0-9a-f]{16})*")


def ensure(conn: sqlite3.Connection) -> None:
    """Create the side tables; add the cluster columns to a store file made before them."""
    for statement in SCHEMA:
        conn.execute(statement)
    have = {row[1] for row in conn.execute("PRAGMA table_info(clusters)")}
    for name, kind in _CLUSTER_COLUMNS.items():
        if name not in have:
            conn.execute(f"ALTER TABLE clusters ADD COLUMN {name} {kind}")
    for statement in _CLUSTER_INDEXES:
        conn.execute(statement)


def band_key(band: str) -> int:
    """The band as a signed 64-bit integer (SQLite's INTEGER); any text maps to one."""
    raw = bytes.fromhex(band) if _HEX16.match(band) else _digest(band)
    return int.from_bytes(raw, "big", signed=True)


def band_keys(bands: Iterable[object]) -> set[int]:
    """The keys of a post's bands, as :func:`band_key` makes them: for the usual bands (16 hex
    digits each) one check, one ``fromhex`` and one unpack for them all, as a crawl keys every
    post's 32 bands twice (its lookup, its write)."""
    texts = [str(b) for b in bands]
    joined = " ".join(texts)
    if texts and len(joined) == 17 * len(texts) - 1 and _HEX16_RUN.fullmatch(joined):
        return set(struct.unpack(f">{len(texts)}q", bytes.fromhex(joined)))
    return {band_key(t) for t in texts}


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def _bands(doc: Mapping[str, Any] | None) -> set[int]:
    return band_keys((doc or {}).get("minhash_bands") or ())


def sync_bands(
    conn: sqlite3.Connection,
    before: Mapping[str, Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
) -> None:
    """Make the band rows of the written posts match their documents (old keys out). The rows
    go in key order: a batch's keys are random, and inserting them sorted walks the index
    once instead of jumping about it (half the CPU of a batch's band rows)."""
    gone: list[tuple[int, str]] = []
    new: list[tuple[int, str]] = []
    for doc in after:
        post_id = str(doc["_id"])
        old, now = _bands(before.get(post_id)), _bands(doc)
        gone.extend(zip(old - now, repeat(post_id)))
        new.extend(zip(now - old, repeat(post_id)))
    by_key = itemgetter(0)
    write_rows(conn, "DELETE FROM post_bands WHERE (band, post_id) IN (VALUES {rows})",
               sorted(gone, key=by_key))  # fmt: skip
    write_rows(conn, "INSERT OR IGNORE INTO post_bands VALUES {rows}", sorted(new, key=by_key))


def candidate_ids(conn: sqlite3.Connection, bands: Sequence[str], limit: int) -> list[str]:
    """Posts sharing any band: one primary-key range seek per band, never a scan."""
    keys = sorted(band_keys(bands))
    if not keys or limit <= 0:
        return []
    marks = ",".join("?" * len(keys))
    sql = f"SELECT DISTINCT post_id FROM post_bands WHERE band IN ({marks}) LIMIT ?"
    return [row[0] for row in conn.execute(sql, [*keys, limit])]


#: The :data:`CANDIDATE_FIELDS` read out of a post's JSON by SQLite (dates as their ISO text).
_CANDIDATE_SQL = ", ".join(
    "_id" if name == "_id" else f"doc ->> '$.{name}.\"$date\"'" if name.endswith("_at")
    else f"doc ->> '$.{name}'"
    for name in CANDIDATE_FIELDS
)  # fmt: skip


def candidates(conn: sqlite3.Connection, bands: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Posts sharing any band, with only the fields a candidate needs: SQLite reads them out
    of the stored JSON, instead of the whole post being parsed in Python."""
    ids = candidate_ids(conn, bands, limit)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {_CANDIDATE_SQL} FROM posts WHERE _id IN ({marks})"
        for row in conn.execute(sql, chunk):
            doc = dict(zip(CANDIDATE_FIELDS, row, strict=True))
            for name in CANDIDATE_FIELDS:
                if name.endswith("_at") and doc[name] is not None:
                    doc[name] = datetime.fromisoformat(doc[name]).astimezone(UTC)
            found[doc["_id"]] = doc
    return [found[i] for i in ids if i in found]


# -- the clusters table ----------------------------------------------------------------------
def live_id(conn: sqlite3.Connection, cluster_id: str) -> str:
    """The cluster ``cluster_id`` is now: itself, or the one it was merged into."""
    sql = "SELECT into_id FROM cluster_merges WHERE absorbed = ?"
    row = conn.execute(sql, (cluster_id,)).fetchone()
    return str(row[0]) if row else cluster_id


def get(conn: sqlite3.Connection, cluster_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT doc FROM clusters WHERE _id = ?", (cluster_id,)).fetchone()
    return loads(row[0]) if row else None


def get_live(conn: sqlite3.Connection, cluster_id: str) -> dict[str, Any] | None:
    """The cluster, or the one it was merged into (one statement: one consistent read)."""
    sql = ("SELECT doc FROM clusters WHERE _id = COALESCE((SELECT into_id FROM cluster_merges"
           " WHERE absorbed = ?), ?)")  # fmt: skip
    row = conn.execute(sql, (cluster_id, cluster_id)).fetchone()
    return loads(row[0]) if row else None


def put(conn: sqlite3.Connection, cluster: Mapping[str, Any]) -> None:
    size = cluster.get("size")
    row = (cluster["_id"], dumps(cluster), size if isinstance(size, int) else None,
           opt_iso(cluster.get("last_seen")))  # fmt: skip
    conn.execute("INSERT OR REPLACE INTO clusters (_id, doc, size, last_seen)"
                 " VALUES (?, ?, ?, ?)", row)  # fmt: skip


def join(
    conn: sqlite3.Connection, cluster_id: str, founder: Mapping[str, Any],
    member: Mapping[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """One more copy in the cluster (or the one it was merged into); founded if missing."""
    cluster_id = live_id(conn, cluster_id)
    cluster = get(conn, cluster_id) or docs.founded(cluster_id, founder)
    after = docs.joined(cluster, member)
    put(conn, after)
    return after


def merge(conn: sqlite3.Connection, clusters: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Fold the clusters into the one with the earliest first publisher, in one transaction."""
    if not clusters:
        raise ValueError("merge_clusters needs at least one cluster")
    parts: dict[str, dict[str, Any]] = {}
    for cluster_id, founder in clusters.items():
        live = live_id(conn, cluster_id)
        if live not in parts:
            parts[live] = get(conn, live) or docs.founded(live, founder)
    survivor, *rest = sorted(parts.values(), key=docs.order)
    if not rest:
        return survivor
    for part in rest:
        survivor = docs.combined(survivor, part)
    put(conn, survivor)
    _forward(conn, [str(p["_id"]) for p in rest], str(survivor["_id"]))
    return survivor


def _forward(conn: sqlite3.Connection, gone: list[str], into: str) -> None:
    """Absorbed clusters: documents out, their posts and earlier merges pointed at ``into``."""
    marks = ",".join("?" * len(gone))
    conn.execute(f"DELETE FROM clusters WHERE _id IN ({marks})", gone)
    conn.execute(f"UPDATE cluster_merges SET into_id = ? WHERE into_id IN ({marks})", [into, *gone])
    rows = [(g, into) for g in gone]
    conn.executemany("INSERT OR REPLACE INTO cluster_merges VALUES (?, ?)", rows)
    conn.execute(
        "UPDATE posts SET cluster_id = ?, doc = json_set(doc, '$.cluster_id', ?)"
        f" WHERE cluster_id IN ({marks})",
        [into, into, *gone],
    )


def forward_posts(conn: sqlite3.Connection, posts: Iterable[dict[str, Any]]) -> None:
    """Posts written with a cluster id that was merged away get the surviving id (a batch
    may hold posts clustered before the merge)."""
    by_cluster: dict[str, list[dict[str, Any]]] = {}
    for post in posts:
        if isinstance(post.get("cluster_id"), str):
            by_cluster.setdefault(post["cluster_id"], []).append(post)
    ids = list(by_cluster)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT absorbed, into_id FROM cluster_merges WHERE absorbed IN ({marks})"
        for absorbed, into in conn.execute(sql, chunk):
            for post in by_cluster[absorbed]:
                post["cluster_id"] = into


def find(conn: sqlite3.Connection, where: str, params: Sequence[Any], limit: int) -> list[Any]:
    sql = f"SELECT doc FROM clusters{where} ORDER BY size DESC, last_seen DESC, _id LIMIT ?"
    return [loads(doc) for (doc,) in conn.execute(sql, [*params, limit])]
