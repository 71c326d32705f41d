"""Store writes: the store pipeline's path vs a raw insert of the same documents.

The documents are real posts of a demo-forum crawl through every pipeline (terms, matches,
contributions, dates included), repeated with fresh ids up to N. The store path is what
``pipelines.store.StorePipeline`` calls: ``upsert_posts`` in batches of
``OPINION_STORE_BATCH_SIZE``. The raw path writes the same batches with the backend's plainest
insert — ``sqlite3`` ``executemany`` of the JSON documents (WAL, one transaction per batch,
like the store) and pymongo ``insert_many`` on a FerretDB started for the bench — into the
same schema: the collection with the indexes analysts query by and the near-duplicate band
index (SQLite ``band_posts`` and ``post_keys`` rows; MongoDB ``bands`` documents, upserted) —
the ratio's baseline: what the store path adds over the driver for the same stored result — and, for
context, into a plain table/collection with no secondary index.

``python -m bench.stores`` (``--only stores``) times near-duplicate candidate lookups as the
store grows instead: see :func:`run_lookups`.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import UpdateOne

from opinion_spiders.stores import open_store
from opinion_spiders.stores.embedded import EmbeddedStore
from opinion_spiders.stores.mongo import MongoStore
from servers.ferretdb import FerretDBProcess

Doc = dict[str, Any]


def batch_size() -> int:
    """``OPINION_STORE_BATCH_SIZE`` from the project's settings module."""
    import settings

    return int(settings.OPINION_STORE_BATCH_SIZE)


@dataclass
class WriteResult:
    backend: str
    docs: int
    store_path: list[float] = field(default_factory=list)  # docs/s per repetition
    raw: list[float] = field(default_factory=list)  # same schema and indexes
    raw_plain: list[float] = field(default_factory=list)  # no secondary index
    #: docs/s of the first and the last batch of the last store-path repetition
    first_last_batch: tuple[float, float] = (0.0, 0.0)

    @property
    def store_median(self) -> float:
        return statistics.median(self.store_path)

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw)

    @property
    def raw_plain_median(self) -> float:
        return statistics.median(self.raw_plain)

    @property
    def ratio(self) -> float:
        return self.store_median / self.raw_median if self.raw_median else 0.0


# -- documents -----------------------------------------------------------------------------
def crawled_posts(store_dir: Path) -> list[Doc]:
    """The posts a crawl with every pipeline stored, as the store pipeline wrote them."""
    store = open_store(f"embedded://{store_dir}")
    try:
        posts = store.find_posts(sort="time", limit=1_000_000)
    finally:
        store.close()
    for post in posts:
        post.pop("first_seen_at", None)  # set by the store, not by the pipeline
    if not posts:
        raise RuntimeError(f"no posts in {store_dir} to build the documents from")
    return posts


def expand(templates: Sequence[Doc], n: int) -> list[Doc]:
    """``n`` distinct documents: the templates repeated with new ids, URLs and times."""
    out: list[Doc] = []
    for i in range(n):
        doc = dict(templates[i % len(templates)])
        copy_no = i // len(templates)
        shift = timedelta(minutes=copy_no)
        post_id = f"{doc.get('post_id') or 'p'}-{copy_no}"
        doc["_id"] = f"{doc['site']}:{doc.get('thread_id')}:{post_id}"
        doc["post_id"] = post_id
        doc["url"] = f"{doc['url'].split('#', 1)[0]}#pid{post_id}"
        doc["canonical_url"] = doc["url"].split("#", 1)[0] + f"&copy={copy_no}"
        for key in ("published_at", "crawled_at", "time"):
            if isinstance(doc.get(key), datetime):
                doc[key] = doc[key] + shift
        out.append(doc)
    return out


def _batches(docs: Sequence[Doc], size: int) -> list[list[Doc]]:
    return [[dict(d) for d in docs[i : i + size]] for i in range(0, len(docs), size)]


def _sizes(n: int, size: int) -> list[int]:
    return [min(size, n - i) for i in range(0, n, size)]


def _rate(n: int, write: Callable[[], None]) -> float:
    start = time.perf_counter()
    write()
    return n / (time.perf_counter() - start)


def _timed_batches(
    batches: Sequence[list[Doc]], write: Callable[[list[Doc]], object]
) -> list[float]:
    """Write batch after batch; docs/s of each."""
    rates = []
    for batch in batches:
        start = time.perf_counter()
        write(batch)
        rates.append(len(batch) / (time.perf_counter() - start))
    return rates


def _overall(rates: Sequence[float], sizes: Sequence[int]) -> float:
    """docs/s over all batches from per-batch rates."""
    return sum(sizes) / sum(n / r for n, r in zip(sizes, rates, strict=True))


# -- embedded (SQLite) ---------------------------------------------------------------------
def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.astimezone(UTC).isoformat(timespec="milliseconds")}
    raise TypeError(f"not JSON: {type(value).__name__}")


def embedded_store_path(docs: Sequence[Doc], folder: Path, size: int) -> list[float]:
    """docs/s of each batch through ``EmbeddedStore.upsert_posts`` into a fresh store."""
    store = EmbeddedStore(folder)
    try:
        rates = _timed_batches(_batches(docs, size), store.upsert_posts)
        if store.count("posts") != len(docs):
            raise RuntimeError(f"embedded store holds {store.count('posts')} of {len(docs)} posts")
        return rates
    finally:
        store.close()


_INDEXED = ("time", "site", "kind", "day", "cluster_id", "score")


def _raw_row(d: Doc) -> tuple[Any, ...]:
    cols = [_iso(d[c])["$date"] if isinstance(d.get(c), datetime) else d.get(c) for c in _INDEXED]
    matched = int(bool(d.get("matches")))
    return (d["_id"], json.dumps(d, default=_iso, ensure_ascii=False), *cols, matched)


def _index_rows(
    batch: Sequence[Doc],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows SQLite needs for what MongoDB indexes by itself (multikey ``matches.rule`` and
    ``minhash_bands``): a raw writer of the same schema must write them too — the rules, the
    band rows and the keys of the posts with bands."""
    from opinion_spiders.stores.embedded import band_key, post_key

    rules, bands, keys = [], [], []
    for d in batch:
        t = d.get("time")
        time = _iso(t)["$date"] if isinstance(t, datetime) else t
        rules += [(d["_id"], r, time) for r in {m["rule"] for m in d.get("matches") or []}]
        key = post_key(d["_id"])
        found = [(band_key(str(b)), key) for b in set(d.get("minhash_bands") or ())]
        bands += found
        keys += [(key, d["_id"])] if found else []
    return rules, bands, keys


def embedded_raw(docs: Sequence[Doc], folder: Path, size: int, indexed: bool = True) -> float:
    """Plain ``executemany``; ``indexed`` writes into the store's own schema (made by opening an
    ``EmbeddedStore`` there) with the indexed columns and the rule and band index rows filled,
    else into a bare table."""
    folder.mkdir(parents=True, exist_ok=True)
    if indexed:
        EmbeddedStore(folder).close()
    conn = sqlite3.connect(folder / "opinion.sqlite3", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        if not indexed:
            conn.execute("CREATE TABLE posts (_id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
        marks = ", ".join("?" * (3 + len(_INDEXED)))
        sql = f"INSERT INTO posts (_id, doc, {', '.join(_INDEXED)}, matched) VALUES ({marks})"
        if not indexed:
            sql = "INSERT INTO posts (_id, doc) VALUES (?, ?)"
        batches = _batches(docs, size)

        def write() -> None:
            for batch in batches:
                rows = [_raw_row(d) if indexed else _raw_row(d)[:2] for d in batch]
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(sql, rows)
                if indexed:
                    rules, bands, keys = _index_rows(batch)
                    conn.executemany("INSERT INTO post_rules VALUES (?, ?, ?)", rules)
                    conn.executemany("INSERT INTO band_posts VALUES (?, ?)", bands)
                    conn.executemany("INSERT INTO post_keys VALUES (?, ?)", keys)
                conn.execute("COMMIT")

        return _rate(len(docs), write)
    finally:
        conn.close()


def run_embedded(docs: Sequence[Doc], workdir: Path, reps: int, size: int) -> WriteResult:
    result = WriteResult("embedded (SQLite)", len(docs))
    sizes = _sizes(len(docs), size)
    for rep in range(reps):
        rates = embedded_store_path(docs, workdir / f"store-{rep}", size)
        result.store_path.append(_overall(rates, sizes))
        result.first_last_batch = (rates[0], rates[-1])
        result.raw.append(embedded_raw(docs, workdir / f"raw-{rep}", size))
        result.raw_plain.append(embedded_raw(docs, workdir / f"plain-{rep}", size, indexed=False))
    return result


# -- MongoDB wire (FerretDB) ---------------------------------------------------------------
def mongo_store_path(uri: str, docs: Sequence[Doc], size: int) -> list[float]:
    """docs/s of each batch through ``MongoStore.upsert_posts`` into a fresh database."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    store = MongoStore(uri, name)
    try:
        store.ensure_schema()  # collections and indexes: once per database, not per write
        rates = _timed_batches(_batches(docs, size), store.upsert_posts)
        if store.count("posts") != len(docs):
            raise RuntimeError(f"MongoDB store holds {store.count('posts')} of {len(docs)} posts")
        return rates
    finally:
        store.client.drop_database(name)
        store.close()


def _band_upserts(batch: Sequence[Doc]) -> list[UpdateOne]:
    """What a raw writer of the same schema adds for the ``bands`` collection (the index a
    multikey ``minhash_bands`` index used to be): one upsert per band key."""
    by_band: dict[str, list[str]] = {}
    for d in batch:
        for band in set(d.get("minhash_bands") or ()):
            by_band.setdefault(str(band), []).append(d["_id"])
    return [UpdateOne({"_id": k}, {"$addToSet": {"posts": {"$each": ids}}}, upsert=True)
            for k, ids in by_band.items()]  # fmt: skip


def mongo_raw(uri: str, docs: Sequence[Doc], size: int, indexed: bool = True) -> float:
    """``insert_many``; ``indexed`` into a database with the store's collections and indexes,
    the ``bands`` documents written too (upserts)."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    store = MongoStore(uri, name)  # for its client and options, and its schema when indexed
    try:
        if indexed:
            store.ensure_schema()
        else:
            store.db.create_collection("posts")
        collection = store.db["posts"]
        batches = _batches(docs, size)

        def write() -> None:
            for batch in batches:
                collection.insert_many(batch)
                bands = _band_upserts(batch) if indexed else []
                for at in range(0, len(bands), 50):  # FerretDB hangs on 100 in one command
                    store.db["bands"].bulk_write(bands[at : at + 50], ordered=False)

        return _rate(len(docs), write)
    finally:
        store.client.drop_database(name)
        store.close()


def run_mongo(docs: Sequence[Doc], workdir: Path, reps: int, size: int) -> WriteResult:
    result = WriteResult("MongoDB (FerretDB 1.24)", len(docs))
    sizes = _sizes(len(docs), size)
    with FerretDBProcess(workdir / "ferretdb") as server:
        for _ in range(reps):
            rates = mongo_store_path(server.uri, docs, size)
            result.store_path.append(_overall(rates, sizes))
            result.first_last_batch = (rates[0], rates[-1])
            result.raw.append(mongo_raw(server.uri, docs, size))
            result.raw_plain.append(mongo_raw(server.uri, docs, size, indexed=False))
    return result


# -- near-duplicate candidate lookups as the store grows -----------------------------------
#: Store sizes (posts) at which lookups are timed.
LOOKUP_SIZES = (400, 1000, 2000, 5000)


@dataclass
class LookupRow:
    """Median ms of one candidate lookup at a store size, per side."""

    size: int
    ms: dict[str, float] = field(default_factory=dict)


def lookup_posts(n: int, seed: int) -> tuple[list[Doc], list[tuple[str, list[str]]]]:
    """``n`` post documents with real signatures (texts from jieba's dictionary, 20 a topic,
    post-sized fields), and for each a lightly edited copy's band keys to look up."""
    from bench.neardup import Corpus
    from opinion_spiders.clusters import signature

    corpus, base = Corpus(seed), datetime(2026, 11, 1, tzinfo=UTC)
    docs: list[Doc] = []
    queries: list[tuple[str, list[str]]] = []
    topic: list[str] = []
    for i in range(n):
        if i % 20 == 0:
            topic = corpus.topic()
        text = corpus.text(topic)
        sig, copy = signature(text), signature(corpus.edit(text, topic))
        if sig is None or copy is None:
            continue
        post_id = f"bench-forum:{i // 10}:{i}"
        when = base + timedelta(minutes=i)
        docs.append({
            "_id": post_id, "site": "bench-forum", "kind": "forum", "thread_id": str(i // 10),
            "post_id": str(i), "url": f"http://127.0.0.1/t/{i // 10}#{i}", "title": text[:20],
            "content": text, "author": f"用户{i % 300}", "published_at": when,
            "crawled_at": when, "time": when, "day": when.strftime("%Y-%m-%d"),
            "terms": [text[j : j + 2] for j in range(0, min(len(text), 200), 2)],
            "matches": [], "score": 0.0, "minhash": sig.encoded,
            "minhash_bands": list(sig.bands), "cluster_id": post_id,
        })  # fmt: skip
        queries.append((post_id, list(copy.bands)))
    return docs, queries


def _time_lookups(find: Callable[[list[str]], list[Doc]], queries: Sequence[tuple[str, list[str]]]
                  ) -> float:  # fmt: skip
    """Median ms per lookup; each must find the post its query was copied from."""
    times, missed = [], 0
    for post_id, bands in queries:
        start = time.perf_counter()
        found = find(bands)
        times.append(time.perf_counter() - start)
        missed += post_id not in {d["_id"] for d in found}
    if missed > len(queries) // 10:
        raise RuntimeError(f"lookups missed {missed} of {len(queries)} planted originals")
    return 1000 * statistics.median(times)


def run_lookups(workdir: Path, sizes: Sequence[int], per_size: int, seed: int = 11,
                say: Callable[[str], None] = print) -> list[LookupRow]:  # fmt: skip
    """Grow an embedded store and a MongoStore on FerretDB to each size through
    ``upsert_posts``; time ``find_band_candidates`` on both, and on the same FerretDB what a
    user of pymongo would write instead: a multikey index on ``posts.minhash_bands`` and
    ``find({"minhash_bands": {"$in": bands}}).limit(50)``."""
    from opinion_spiders.clusters import CANDIDATE_LIMIT

    docs, queries = lookup_posts(max(sizes), seed)
    fields = dict.fromkeys(("_id", "cluster_id", "minhash", "site", "author", "published_at",
                            "crawled_at"), 1)  # fmt: skip
    rows: list[LookupRow] = []
    embedded = EmbeddedStore(workdir / "embedded")
    with FerretDBProcess(workdir / "ferretdb") as server:
        mongo = MongoStore(server.uri, "bench_lookups")
        try:
            mongo.ensure_schema()
            mongo.db.posts.create_index("minhash_bands")  # the baseline's index
            stored = 0
            for size in sizes:
                for at in range(stored, size, 200):
                    batch = [dict(d) for d in docs[at : min(at + 200, size)]]
                    embedded.upsert_posts(batch)
                    mongo.upsert_posts([dict(d) for d in batch])
                stored = size
                step = max(1, size // per_size)
                sample = queries[:size][::step][:per_size]
                say(f"  lookups at {size} posts…")
                row = LookupRow(size)
                row.ms["embedded"] = _time_lookups(
                    lambda b: embedded.find_band_candidates(b, CANDIDATE_LIMIT), sample
                )
                row.ms["ferretdb"] = _time_lookups(
                    lambda b: mongo.find_band_candidates(b, CANDIDATE_LIMIT), sample
                )
                row.ms["pymongo multikey"] = _time_lookups(
                    lambda b: list(mongo.db.posts.find({"minhash_bands": {"$in": b}}, fields)
                                   .limit(CANDIDATE_LIMIT)), sample)  # fmt: skip
                rows.append(row)
        finally:
            mongo.client.drop_database("bench_lookups")
            mongo.close()
            embedded.close()
    return rows


def format_lookups(rows: Sequence[LookupRow]) -> str:
    sides = list(rows[0].ms)
    lines = [
        "near-duplicate candidate lookup (find_band_candidates, limit 50), median ms per "
        "lookup as the store grows; baseline: pymongo find on a multikey minhash_bands index, "
        "same FerretDB",
        f"  {'posts':>7}" + "".join(f"{s:>20}" for s in sides),
    ]
    for row in rows:
        lines.append(f"  {row.size:>7}" + "".join(f"{row.ms[s]:>20.2f}" for s in sides))
    first, last = rows[0], rows[-1]
    growth = "".join(f"{last.ms[s] / first.ms[s]:>19.1f}×" for s in sides)
    lines.append(f"  {f'{last.size}/{first.size}':>7}" + growth)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import sys
    import tempfile

    parser = argparse.ArgumentParser(
        prog="python -m bench.stores", description="near-duplicate lookups as the store grows"
    )
    parser.add_argument("--sizes", default=",".join(map(str, LOOKUP_SIZES)))
    parser.add_argument("--lookups", type=int, default=30, help="timed lookups per size")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-lookups-") as tmp:
        rows = run_lookups(Path(tmp), sizes, args.lookups,
                           say=lambda m: print(m, file=sys.stderr, flush=True))  # fmt: skip
    print(format_lookups(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
