"""Opening the embedded store's SQLite file: the connection settings every opener needs."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Bytes of the store file SQLite reads through a memory map (address space, not memory).
MMAP_BYTES = 1 << 30
_RETRY_PAUSE = 0.05
#: Values bound to one statement of :func:`write_rows` at most (SQLite's own default limit).
MAX_VALUES = 32_766


#: Pages the WAL holds before a commit copies them back into the database file (4 KiB each).
CHECKPOINT_PAGES = 10_000


def connect(file: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode, WAL journal, waiting ``busy_timeout`` seconds for
    locks, reading through a memory map (the band index of a large store is hit at 32 random
    places per lookup: bench.neardup, 1M posts). The WAL is synced at checkpoints, not per
    commit (``synchronous = NORMAL``): a commit survives the process dying, not a power cut,
    and costs a fifth of a synced one (a crawl commits per post). The WAL is copied back
    into the file every :data:`CHECKPOINT_PAGES` pages instead of SQLite's 1,000: a crawl
    rewrites the same pages of its indexes (the band index, the posts' tail) batch after
    batch, and a checkpoint copies each page once however often it was written since — 13,000
    posts' writes took a third less time (5.0 → 3.4 s, 3.7 → 2.9 CPU s) for a WAL of ~40 MB."""
    conn = sqlite3.connect(file, timeout=busy_timeout, isolation_level=None,
                           check_same_thread=False)  # fmt: skip
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    _use_wal(conn, busy_timeout)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    return conn


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch a new file to WAL (the mode is kept in the file). The switch needs the file to
    itself and SQLite does not wait for that, so crawl processes opening one fresh store at
    the same moment got "database is locked": look first, then retry until ``busy_timeout``."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_PAUSE)


def write_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """``sql`` with ``{rows}`` replaced by ``(…), (…), …`` holding ``rows`` (all of one width),
    in as few statements as the bound values allow: ``INSERT INTO t VALUES {rows}``, or
    ``DELETE FROM t WHERE (a, b) IN (VALUES {rows})``.

    Why not ``executemany``: the sqlite3 module lets go of the GIL around every row's step, and
    the writer thread must win it back from the crawl's event loop each time — when the loop
    is busy, only after the interpreter's switch interval (5 ms). A batch of 30 posts is
    ~1,000 rows (their band keys); here it is one step a statement. Measured beside a thread
    spinning in Python: 57 ms a post with ``executemany``, 2 ms this way."""
    if not rows:
        return
    width = len(rows[0])
    limit = min(MAX_VALUES, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    per = max(1, limit // width)
    mark = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        conn.execute(sql.format(rows=", ".join([mark] * len(chunk))),
                     [v for row in chunk for v in row])  # fmt: skip
