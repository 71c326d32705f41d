"""Near-duplicate support of the embedded store: the LSH band index and the clusters table.

Why a side table: a post's ``minhash_bands`` live in its JSON document, which SQLite cannot
index per element; ``band_posts(band, post)`` is that multikey index, one row per band, both
kept as 64-bit integers: the band key (half the size of the hex text) and the post's
:func:`post_key`, which ``post_keys(key, post_id)`` turns back into the post's ``_id``. A row
is 16 bytes of key instead of ~50 with the ``_id`` in it, so a store of a million posts keeps
its 32 million rows compact — and a batch's random band keys rewrite fewer pages: 13,000
posts written 120 at a time took 75 µs a post for their band rows instead of 188 (the table
``post_bands(band, post_id)`` of stores made before is moved over when the store opens).
Clusters get real columns for what
``find_clusters`` sorts and filters on, and ``cluster_merges(absorbed, into_id)`` says where
each merged-away cluster went (kept flat: every row names a live cluster).

The cluster step's queue is ``cluster_queue(post_id, fresh)`` (rowid order: oldest first),
filled by ``upsert_posts`` in the posts' own transaction; one step's writes are one transaction
(:func:`write`), and its lease a row of ``leases``.

Which posts are queued fresh (:data:`~opinion_spiders.stores.base.FRESH`: no stored post, and
no other of its batch, had any of its bands when it was written), without a seek of its own:
telling it when writing would cost the seeks of a lookup (~1.4 µs a band key, as many as the
step's own lookup saves). A crawl looks every post's bands up just before writing it (to find
its copies): a lookup that finds no post under any of them is the witness, together with the
generation of the band index it saw — ``band_gen``, a counter every transaction that adds band
rows moves on. When the post is written, the generations since are those of band rows written
in between: where each is one this process wrote (:class:`BandWitness` keeps their keys), and
none of them holds a band of the post, its bands are still new; a generation written by another
process, or too old to be kept, and the post is not fresh — the step reads its bands as before.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from opinion_spiders.stores._docs import dumps, iso, loads, opt_iso
from opinion_spiders.stores._sqlite import write_rows
from opinion_spiders.stores.base import CANDIDATE_FIELDS, CLUSTER_FIELDS, FRESH, ClusterWrites

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS band_posts (band INTEGER NOT NULL, post INTEGER NOT NULL,"
    " PRIMARY KEY (band, post)) WITHOUT ROWID",
    # (key, post_id), not key alone: two posts whose keys collide are both listed
    "CREATE TABLE IF NOT EXISTS post_keys (key INTEGER NOT NULL, post_id TEXT NOT NULL,"
    " PRIMARY KEY (key, post_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS cluster_merges (absorbed TEXT PRIMARY KEY, into_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS cluster_merges_into ON cluster_merges (into_id)",
    "CREATE TABLE IF NOT EXISTS cluster_queue (post_id TEXT PRIMARY KEY,"
    " fresh INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS band_gen (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " gen INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO band_gen VALUES (1, 0)",
    "CREATE TABLE IF NOT EXISTS leases (_id TEXT PRIMARY KEY, holder TEXT NOT NULL,"
    " expires TEXT NOT NULL)",
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
    """Create the side tables; add the cluster columns to a store file made before them, and
    move its ``post_bands`` rows into ``band_posts``."""
    for statement in SCHEMA:
        conn.execute(statement)
    if conn.execute(_OLD_BANDS).fetchone():
        _move_old_bands(conn)
    have = {row[1] for row in conn.execute("PRAGMA table_info(clusters)")}
    for name, kind in _CLUSTER_COLUMNS.items():
        if name not in have:
            conn.execute(f"ALTER TABLE clusters ADD COLUMN {name} {kind}")
    if "fresh" not in {row[1] for row in conn.execute("PRAGMA table_info(cluster_queue)")}:
        conn.execute("ALTER TABLE cluster_queue ADD COLUMN fresh INTEGER NOT NULL DEFAULT 0")
    for statement in _CLUSTER_INDEXES:
        conn.execute(statement)


_OLD_BANDS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'post_bands'"


def _move_old_bands(conn: sqlite3.Connection) -> None:
    """``post_bands(band, post_id)`` rows as ``band_posts`` and ``post_keys`` rows (inside the
    caller's transaction): each post's key made once, then one pass over the rows."""
    conn.execute("CREATE TEMP TABLE moved_keys (post_id TEXT PRIMARY KEY, key INTEGER NOT NULL)")
    ids = [str(row[0]) for row in conn.execute("SELECT DISTINCT post_id FROM post_bands")]
    for chunk in _chunks(ids):
        write_rows(conn, "INSERT INTO moved_keys VALUES {rows}", [(i, post_key(i)) for i in chunk])
    conn.execute("INSERT OR IGNORE INTO post_keys (key, post_id) SELECT key, post_id"
                 " FROM moved_keys ORDER BY key")  # fmt: skip
    conn.execute("INSERT OR IGNORE INTO band_posts (band, post) SELECT b.band, k.key"
                 " FROM post_bands b JOIN moved_keys k USING (post_id) ORDER BY 1, 2")  # fmt: skip
    conn.execute("DROP TABLE moved_keys")
    conn.execute("DROP TABLE post_bands")
    next_generation(conn)


def post_key(post_id: str) -> int:
    """The post's key in ``band_posts``: its ``_id``'s 64-bit BLAKE2b digest, signed."""
    return int.from_bytes(_digest(post_id), "big", signed=True)


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
    after: Mapping[str, set[int]],
) -> set[int]:
    """Make the band rows of the written posts (``after``: each post's band keys, as
    :func:`band_keys` makes them) match their documents (old keys out), with the key of each
    post given new bands; the band keys given rows. The rows go in key order: a batch's keys
    are random, and inserting them sorted walks the index once instead of jumping about it
    (half the CPU of a batch's band rows)."""
    gone: list[tuple[int, int]] = []
    new: list[tuple[int, int]] = []
    keys: list[tuple[int, str]] = []
    for post_id, now in after.items():
        old = _bands(before.get(post_id))
        key = post_key(post_id)
        gone.extend(zip(old - now, repeat(key)))
        if now - old:
            new.extend(zip(now - old, repeat(key)))
            keys.append((key, post_id))
    write_rows(conn, "DELETE FROM band_posts WHERE (band, post) IN (VALUES {rows})", sorted(gone))
    write_rows(conn, "INSERT OR IGNORE INTO band_posts VALUES {rows}", sorted(new))
    write_rows(conn, "INSERT OR IGNORE INTO post_keys VALUES {rows}", sorted(keys))
    return {band for band, _ in new}


def generation(conn: sqlite3.Connection) -> int:
    """The band index's generation: how many transactions have added band rows."""
    row = conn.execute("SELECT gen FROM band_gen WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def next_generation(conn: sqlite3.Connection) -> int:
    """Move the generation on (inside the transaction that added band rows); the new one."""
    rows = conn.execute("UPDATE band_gen SET gen = gen + 1 WHERE id = 1 RETURNING gen").fetchall()
    return int(rows[0][0]) if rows else 0


class BandWitness:
    """What this process knows of one store file's band index, for :data:`FRESH`: the band
    lists that a lookup found no post under (with the generation it saw), and the band keys of
    the generations this process wrote. Shared by every connection of the process to the file
    (:func:`witness_for`); bounded, as a long crawl must be — and compact: a band list is
    remembered by a digest (not its 32 texts, ~2 kB a list), a generation's keys as a
    sorted array (a ``frozenset`` of Python ints took ~70 bytes a key: the 256 generations of
    a long crawl held ~1.5 million objects, ~130 MB of ``bench.memory``'s resident memory)."""

    #: band lists remembered: a crawl writes a post a few batches after its lookup
    SEEN = 20_000
    #: generations remembered: one per batch of posts written
    WRITTEN = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[bytes, int] = OrderedDict()
        self._written: OrderedDict[int, npt.NDArray[np.int64]] = OrderedDict()

    def saw_none(self, bands: Sequence[str], gen: int) -> None:
        """A lookup at generation ``gen`` (read before it) found no post under ``bands``."""
        seen = _digest_of(bands)
        with self._lock:
            self._seen[seen] = gen
            self._seen.move_to_end(seen)
            while len(self._seen) > self.SEEN:
                self._seen.popitem(last=False)

    def wrote(self, gen: int, keys: Iterable[int]) -> None:
        """This process committed generation ``gen``, which gave rows to these band keys."""
        written = np.unique(np.fromiter(keys, dtype=np.int64))  # sorted
        with self._lock:
            self._written[gen] = written
            while len(self._written) > self.WRITTEN:
                self._written.popitem(last=False)

    def still_new(self, bands: Sequence[str], keys: set[int], gen: int) -> bool:
        """Whether no post has had any of ``bands`` (keys ``keys``) since a lookup found none:
        every generation after the lookup's, up to ``gen`` (the one being written on), is one
        this process wrote, and gave none of them a row. The witness is used up."""
        seen = _digest_of(bands)
        with self._lock:
            saw = self._seen.pop(seen, None)
            if saw is None or gen - saw > len(self._written):
                return False
            mine = np.fromiter(keys, dtype=np.int64, count=len(keys))
            for between in range(saw + 1, gen + 1):
                written = self._written.get(between)
                if written is None or _meets(written, mine):
                    return False
            return True


def _digest_of(bands: Sequence[str]) -> bytes:
    """A band list's key in :attr:`BandWitness._seen`: the :func:`_digest` of its texts."""
    return _digest("\n".join(map(str, bands)))


def _meets(written: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]) -> bool:
    """Whether any of ``keys`` is in the sorted array ``written``."""
    if not len(written) or not len(keys):
        return False
    at = np.minimum(np.searchsorted(written, keys), len(written) - 1)
    return bool((written[at] == keys).any())


_WITNESSES: dict[str, BandWitness] = {}
_WITNESSES_LOCK = threading.Lock()


def witness_for(file: str) -> BandWitness:
    """The :class:`BandWitness` of this process for the store file (its resolved path)."""
    with _WITNESSES_LOCK:
        return _WITNESSES.setdefault(file, BandWitness())


def fresh_posts(
    witness: BandWitness,
    docs: Iterable[Mapping[str, Any]],
    keys: Mapping[str, set[int]],
    stored: Iterable[str],
    gen: int,
) -> set[str]:
    """The posts of a batch to queue :data:`FRESH`: new (not ``stored`` before), with bands no
    other post of the batch has, that a lookup found no post under and nothing has given a
    row since (``gen``: the generation the batch is written on, read inside its
    transaction)."""
    counts = Counter(key for post_keys in keys.values() for key in post_keys)
    known = set(stored)
    fresh: set[str] = set()
    for doc in docs:
        post_id = str(doc["_id"])
        mine = keys.get(post_id)
        if not mine or post_id in known:
            continue
        # the witness is used up whatever the batch holds: one left behind would stay until
        # the bound pushes it out (32 band texts, ~2 kB each)
        new = witness.still_new(doc["minhash_bands"], mine, gen)
        if new and all(counts[key] == 1 for key in mine):
            fresh.add(post_id)
    return fresh


def listed(
    conn: sqlite3.Connection, queries: Sequence[Sequence[str]], limit: int, witness: BandWitness
) -> list[list[str]]:
    """:func:`candidate_ids` of each band list; a list no post is under is told to
    ``witness`` with the generation read before the lookups."""
    gen = generation(conn)
    found = [candidate_ids(conn, bands, limit) for bands in queries]
    if limit > 0:
        for bands, ids in zip(queries, found, strict=True):
            if not ids and bands:
                witness.saw_none(bands, gen)
    return found


def candidate_ids(conn: sqlite3.Connection, bands: Sequence[str], limit: int) -> list[str]:
    """Posts sharing any band: one primary-key range seek per band, never a scan."""
    keys = sorted(band_keys(bands))
    if not keys or limit <= 0:
        return []
    marks = ",".join("?" * len(keys))
    sql = (f"SELECT DISTINCT k.post_id FROM band_posts b JOIN post_keys k ON k.key = b.post"
           f" WHERE b.band IN ({marks}) LIMIT ?")  # fmt: skip
    return [row[0] for row in conn.execute(sql, [*keys, limit])]


#: The :data:`CANDIDATE_FIELDS` read out of a post's JSON by SQLite (dates as their ISO text).
_CANDIDATE_SQL = ", ".join(
    "_id" if name == "_id" else f"doc ->> '$.{name}.\"$date\"'" if name.endswith("_at")
    else f"doc ->> '$.{name}'"
    for name in CANDIDATE_FIELDS
)  # fmt: skip


def candidates(conn: sqlite3.Connection, bands: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Posts sharing any band, with only the fields a candidate needs."""
    ids = candidate_ids(conn, bands, limit)
    found = _read_candidates(conn, ids)
    return [found[i] for i in ids if i in found]


def read_candidates(conn: sqlite3.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The posts ``ids`` (those stored) with the candidate fields and their bands; like
    MongoDB's, a post without a ``cluster_id`` has none in its document."""
    found = _read_candidates(conn, ids, bands=True)
    for doc in found.values():
        if doc["cluster_id"] is None:
            del doc["cluster_id"]
    return found


#: A queued post's cluster fields besides ``cluster_id`` (a candidate field), as SQLite gives
#: them (``cluster_sites`` parsed after).
_CLUSTER = ("cluster_size", "cluster_sites", "cluster_first_id")
_CLUSTER_SQL = (", doc ->> '$.cluster_size', doc -> '$.cluster_sites',"
                " doc ->> '$.cluster_first_id'")  # fmt: skip


def read_posts(conn: sqlite3.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The posts ``ids`` (those stored), whole, by ``_id``: one ``IN`` a chunk of ids."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for post_id, doc in conn.execute(
            f"SELECT _id, doc FROM posts WHERE _id IN ({_marks(chunk)})", chunk
        ):
            found[post_id] = loads(doc)
    return found


def _read_candidates(
    conn: sqlite3.Connection, ids: list[str], *, bands: bool = False, cluster: bool = False
) -> dict[str, dict[str, Any]]:
    """The posts ``ids`` (those stored) with the :data:`CANDIDATE_FIELDS` (and, ``bands``,
    their ``minhash_bands``; ``cluster``, the other cluster fields, each left out where the
    post has none): SQLite reads them out of the stored JSON, instead of the whole post being
    parsed in Python."""
    names = [*CANDIDATE_FIELDS, *(["minhash_bands"] if bands else []),
             *(_CLUSTER if cluster else ())]  # fmt: skip
    columns = (_CANDIDATE_SQL + (", doc -> '$.minhash_bands'" if bands else "")
               + (_CLUSTER_SQL if cluster else ""))  # fmt: skip
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        sql = f"SELECT {columns} FROM posts WHERE _id IN ({_marks(chunk)})"
        for row in conn.execute(sql, chunk):
            doc = dict(zip(names, row, strict=True))
            for name in CANDIDATE_FIELDS:
                if name.endswith("_at") and doc[name] is not None:
                    doc[name] = datetime.fromisoformat(doc[name]).astimezone(UTC)
            if bands:
                doc["minhash_bands"] = loads(doc["minhash_bands"] or "[]")
            if cluster:
                for name in CLUSTER_FIELDS:
                    if doc[name] is None:
                        del doc[name]
                if "cluster_sites" in doc:
                    doc["cluster_sites"] = loads(doc["cluster_sites"])
            found[doc["_id"]] = doc
    return found


# -- the clusters table ----------------------------------------------------------------------
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


def get_many(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        sql = f"SELECT _id, doc FROM clusters WHERE _id IN ({_marks(chunk)})"
        found.update((i, loads(d)) for i, d in conn.execute(sql, chunk))
    return found


def aliases(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    """Where merged-away ids went (``cluster_merges`` is kept flat: one hop)."""
    found: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        sql = f"SELECT absorbed, into_id FROM cluster_merges WHERE absorbed IN ({_marks(chunk)})"
        found.update((str(a), str(i)) for a, i in conn.execute(sql, chunk))
    return found


# -- the cluster step ------------------------------------------------------------------------
def queue(conn: sqlite3.Connection, posts: Iterable[Mapping[str, Any]], fresh: set[str]) -> None:
    """Queue the posts that have a signature for the cluster step, ``fresh`` ones marked so;
    a post queued again is not fresh (its bands were written before)."""
    rows = [(pid, int(pid in fresh)) for p in posts if p.get("minhash") and (pid := str(p["_id"]))]
    write_rows(conn, "INSERT INTO cluster_queue (post_id, fresh) VALUES {rows}"
                     " ON CONFLICT (post_id) DO UPDATE SET fresh = 0", rows)  # fmt: skip


def queued(conn: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    """The oldest ``limit`` queued posts with their candidate and cluster fields and bands
    (and :data:`FRESH`, where queued so); queued ids whose post is gone leave the queue."""
    sql = "SELECT post_id, fresh FROM cluster_queue ORDER BY rowid LIMIT ?"
    rows = [(str(row[0]), bool(row[1])) for row in conn.execute(sql, (limit,))]
    ids = [post_id for post_id, _ in rows]
    found = _read_candidates(conn, ids, bands=True, cluster=True)
    gone = [(i,) for i in ids if i not in found]
    conn.executemany("DELETE FROM cluster_queue WHERE post_id = ?", gone)
    for post_id, fresh in rows:
        if fresh and post_id in found:
            found[post_id][FRESH] = True
    return [found[i] for i in ids if i in found]


def still_queued(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(ids))):
        sql = f"SELECT post_id FROM cluster_queue WHERE post_id IN ({_marks(chunk)})"
        found.update(str(row[0]) for row in conn.execute(sql, chunk))
    return found


def write(conn: sqlite3.Connection, writes: ClusterWrites) -> None:
    """One step's writes (inside the caller's transaction)."""
    for cluster in writes.clusters:
        put(conn, cluster)
    for gone, into in writes.merged.items():
        conn.execute("UPDATE cluster_merges SET into_id = ? WHERE into_id = ?", (into, gone))
        conn.execute("INSERT OR REPLACE INTO cluster_merges VALUES (?, ?)", (gone, into))
    conn.executemany("DELETE FROM clusters WHERE _id = ?", [(g,) for g in writes.merged])
    _set_post_fields(conn, writes.posts)
    write_rows(conn, "DELETE FROM cluster_queue WHERE post_id IN (VALUES {rows})",
               [(i,) for i in writes.done])  # fmt: skip
    write_rows(conn, "UPDATE cluster_queue SET fresh = 0 WHERE post_id IN (VALUES {rows})",
               [(i,) for i in writes.recheck])  # fmt: skip


def _set_post_fields(conn: sqlite3.Connection, posts: Mapping[str, Mapping[str, Any]]) -> None:
    ids = list(posts)
    rows: list[tuple[str, str | None, str]] = []
    for chunk in _chunks(ids):
        sql = f"SELECT _id, doc FROM posts WHERE _id IN ({_marks(chunk)})"
        for post_id, raw in conn.execute(sql, chunk):
            doc = {**loads(raw), **posts[post_id]}
            cluster = doc.get("cluster_id")
            rows.append((dumps(doc), cluster if isinstance(cluster, str) else None, post_id))
    conn.executemany("UPDATE posts SET doc = ?, cluster_id = ? WHERE _id = ?", rows)


def take_lease(conn: sqlite3.Connection, name: str, holder: str, seconds: float) -> bool:
    now = datetime.now(UTC)
    row = conn.execute("SELECT holder, expires FROM leases WHERE _id = ?", (name,)).fetchone()
    if row is not None and row[0] != holder and row[1] > iso(now):
        return False
    expires = iso(now + timedelta(seconds=seconds))
    conn.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (name, holder, expires))
    return True


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _marks(chunk: Sequence[object]) -> str:
    return ",".join("?" * len(chunk))


def find(conn: sqlite3.Connection, where: str, params: Sequence[Any], limit: int) -> list[Any]:
    sql = f"SELECT doc FROM clusters{where} ORDER BY size DESC, last_seen DESC, _id LIMIT ?"
    return [loads(doc) for (doc,) in conn.execute(sql, [*params, limit])]
