"""Near-duplicate support of the embedded store: the LSH band index and the clusters table.

Why a side table: a post's ``minhash_bands`` live in its JSON document, which SQLite cannot
index per element; ``post_bands(band, post_id)`` is that multikey index, one row per band,
the band key kept as its 64-bit integer (half the size of the hex text, so a store of a
million posts keeps its 32 million rows compact). Clusters get real columns for what
``find_clusters`` sorts and filters on.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opinion_spiders.stores.base import CANDIDATE_FIELDS

SCHEMA = """
CREATE TABLE IF NOT EXISTS post_bands (band INTEGER NOT NULL, post_id TEXT NOT NULL,
    PRIMARY KEY (band, post_id)) WITHOUT ROWID
"""
_CLUSTER_COLUMNS = {"size": "INTEGER", "last_seen": "TEXT"}
_CLUSTER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS clusters_size ON clusters (size, last_seen)",
    "CREATE INDEX IF NOT EXISTS clusters_last_seen ON clusters (last_seen)",
)
_HEX16 = re.compile(r"^[0-9a-f]{16}$")


def ensure(conn: sqlite3.Connection) -> None:
    """Create the band table; add the cluster columns to a store file made before them."""
    conn.execute(SCHEMA)
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


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def _bands(doc: Mapping[str, Any] | None) -> set[int]:
    bands = (doc or {}).get("minhash_bands") or ()
    return {band_key(str(b)) for b in bands}


def sync_bands(
    conn: sqlite3.Connection,
    before: Mapping[str, Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
) -> None:
    """Make the band rows of the written posts match their documents (old keys out)."""
    gone: list[tuple[int, str]] = []
    new: list[tuple[int, str]] = []
    for doc in after:
        post_id = str(doc["_id"])
        old, now = _bands(before.get(post_id)), _bands(doc)
        gone.extend((b, post_id) for b in old - now)
        new.extend((b, post_id) for b in now - old)
    conn.executemany("DELETE FROM post_bands WHERE band = ? AND post_id = ?", gone)
    conn.executemany("INSERT OR IGNORE INTO post_bands VALUES (?, ?)", new)


def candidate_ids(conn: sqlite3.Connection, bands: Sequence[str], limit: int) -> list[str]:
    """Posts sharing any band: one primary-key range seek per band, never a scan."""
    keys = sorted({band_key(b) for b in bands})
    if not keys or limit <= 0:
        return []
    marks = ",".join("?" * len(keys))
    sql = f"SELECT DISTINCT post_id FROM post_bands WHERE band IN ({marks}) LIMIT ?"
    return [row[0] for row in conn.execute(sql, [*keys, limit])]


def candidate(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: doc.get(k) for k in CANDIDATE_FIELDS}
