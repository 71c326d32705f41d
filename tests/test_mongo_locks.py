"""Writing to FerretDB within its limits. Conditional cluster writes on a server without
atomic updates: each names the ``_id`` alone, because FerretDB reads and decodes every document
of the collection for any other filter, and the rest of the filter is checked by ``matches`` as
MongoDB would. Bulk writes from several writers at once: small enough commands that its pool
of connections never runs dry."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import monitoring

from opinion_spiders.stores.base import PostFilter
from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.stores.mongo_locks import matches
from servers.ferretdb import FerretDBProcess

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
DOC: dict[str, Any] = {
    "_id": "c1", "size": 3, "sites": ["demo-forum", "demo-bar"], "first_key": "2026-11-25 b",
    "last_seen": T0, "merged_from": ["c0"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"merged_into": {"$exists": False}}, True),
        ({"merged_into": {"$exists": True}}, False),
        ({"size": {"$exists": True}}, True),
        ({"sites": "demo-bar"}, True),  # an array holds the value
        ({"sites": "demo-portal"}, False),
        ({"sites": {"$ne": "demo-portal"}}, True),
        ({"sites": {"$ne": "demo-bar"}}, False),
        ({"merged_from": {"$ne": "c0"}}, False),
        ({"merged_into": {"$ne": "c9"}}, True),  # a missing field is not equal to anything
        ({"merged_into": None}, True),  # … and equals null
        ({"size": 3}, True),
        ({"size": 3.0}, True),  # numbers compare by value
        ({"size": "3"}, False),  # not across kinds
        ({"first_key": {"$gt": "2026-11-25 a"}}, True),
        ({"first_key": {"$gt": "2026-11-25 b"}}, False),
        ({"first_key": {"$gte": "2026-11-25 b"}}, True),
        ({"size": {"$gt": "2"}}, False),  # $gt between a number and a text is false
        ({"missing": {"$gt": "a"}}, False),
        ({"last_seen": {"$lt": T0 + timedelta(seconds=1)}}, True),
        ({"$or": [{"first_key": {"$gt": "z"}}, {"first_key": "2026-11-25 b", "_id": {"$gt": "c0"}}]}, True),
        ({"$or": [{"first_key": {"$gt": "z"}}, {"size": 4}]}, False),
        ({"_id": "c1", "size": 3, "merged_into": {"$exists": False}}, True),
        ({"_id": "c1", "size": 2}, False),
    ],
)  # fmt: skip
def test_a_filter_is_checked_as_mongodb_decides(query: dict[str, Any], expected: bool) -> None:
    assert matches(DOC, query) is expected


@pytest.mark.parametrize(
    "query",
    [{"sites.0": "demo-bar"}, {"size": {"$in": [3]}}, {"$and": [{"size": 3}]}, {"size": {"$gt": None}}],
)  # fmt: skip
def test_a_filter_it_cannot_check_is_refused_not_guessed(query: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="matches"):
        matches(DOC, query)


class _Filters(monitoring.CommandListener):
    """The filter of every command on one database's cluster collections and posts."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database:
            return
        cmd, name = event.command, event.command_name
        collection = str(cmd.get(name))
        if collection not in ("clusters", "cluster_merges", "cluster_members", "posts"):
            return
        if name in ("find", "count"):
            self.seen.append((name, collection, dict(cmd.get("filter") or cmd.get("query") or {})))
        elif name == "findAndModify":
            self.seen.append((name, collection, dict(cmd["query"])))
        elif name in ("update", "delete"):
            key = "updates" if name == "update" else "deletes"
            self.seen.extend((name, collection, dict(s["q"])) for s in cmd[key])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _post(pid: str, site: str, published: datetime) -> dict[str, Any]:
    return {"_id": pid, "site": site, "author": "网友", "published_at": published,
            "crawled_at": published + timedelta(hours=1)}  # fmt: skip


@pytest.mark.parametrize("locked", [True, False], ids=["ferretdb", "as-on-mongodb"])
def test_cluster_joins_merges_and_moved_posts_on_ferretdb_name_the_id_alone(
    mongo_uri: str, locked: bool
) -> None:
    """FerretDB's locked writes; then, for the same results, the atomic writes the store makes
    on MongoDB (one process here, so FerretDB's lost updates cannot happen)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    filters = _Filters(name)
    monitoring.register(filters)  # for clients made from here on; it records this database only
    store = MongoStore(mongo_uri, name, locked=locked)
    try:
        early, late = (
            _post("forum:1:1", "demo-forum", T0),
            _post("portal:2:0", "demo-portal", T0 + timedelta(hours=1)),
        )
        store.join_cluster(
            "forum:1:1", early, _post("bar:1:1", "demo-bar", T0 + timedelta(hours=2))
        )
        store.join_cluster(
            "forum:1:1", early, _post("bar:1:2", "demo-bar", T0 + timedelta(hours=3))
        )
        store.join_cluster("portal:2:0", late, _post("wiki:1:1", "wiki", T0 + timedelta(hours=2)))
        earlier = _post("wiki:0:1", "wiki", T0 - timedelta(hours=1))
        store.join_cluster("portal:2:0", late, earlier)  # takes the later cluster's first place
        store.upsert_posts(
            [{**p, "cluster_id": "forum:1:1"} for p in (early, _post("bar:1:2", "demo-bar", T0))]
        )
        merged = store.merge_clusters({"portal:2:0": late, "forum:1:1": early})
        after = store.join_cluster(
            "portal:2:0", late, _post("bar:1:3", "demo-bar", T0 + timedelta(hours=4))
        )
        filters.database = ""  # what the test reads itself is not recorded
        moved = {p["_id"]: p["cluster_id"] for p in store.find_posts(limit=10)}
    finally:
        store.client.drop_database(name)
        store.close()
    assert merged["_id"] == "portal:2:0" and merged["size"] == 6  # its first publisher is earliest
    assert moved == {"forum:1:1": "portal:2:0", "bar:1:2": "portal:2:0"}, "posts follow the merge"
    assert after["_id"] == "portal:2:0" and after["size"] == 7
    assert sorted(after["sites"]) == ["demo-bar", "demo-forum", "demo-portal", "wiki"]
    assert after["site_count"] == 4 and after["first_post_id"] == "wiki:0:1"
    assert after["merged_from"] == ["forum:1:1"]
    if not locked:
        return
    kinds = {name for name, _coll, _query in filters.seen}
    assert {"find", "findAndModify", "delete"} <= kinds, filters.seen
    wider = [(n, c, q) for n, c, q in filters.seen if set(q) != {"_id"}]
    assert not wider, f"filters besides _id: {wider}"


def test_bulk_writes_from_several_writers_at_once_never_stall_ferretdb(tmp_path: Path) -> None:
    """Three stores (as three crawl processes) write alerts onto posts, and index bands, at
    once. FerretDB 1.24 holds a connection per statement of an update command until it ends,
    from a pool of 100: three writers sending commands of 50 stopped it for good at once
    (every call then waited out its timeout). A server of its own: a stalled one would stop
    every later test."""
    server = FerretDBProcess(tmp_path / "ferretdb")
    uri = server.start()
    stores = [MongoStore(f"{uri}?socketTimeoutMS=20000", "race") for _ in range(3)]
    try:
        ids = [f"forum:{i}:1" for i in range(600)]
        stores[0].upsert_posts([{"_id": i, "site": "forum", "content": "x"} for i in ids])
        errors: list[BaseException] = []

        def write(store: MongoStore, n: int) -> None:
            try:
                for _ in range(3):
                    store.set_post_alerts({i: {"_id": f"post:{i}", "by": n} for i in ids})
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(stores)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        assert time.monotonic() - started < 60
        alerts = {p["_id"]: p.get("alert") for p in stores[0].select_posts(PostFilter(), 1000)}
        assert len(alerts) == 600 and all(a and a["_id"] == f"post:{i}" for i, a in alerts.items())
    finally:
        for store in stores:
            store.close()
        server.stop()
