"""Conditional cluster writes on a server without atomic updates (FerretDB): each names the
``_id`` alone, because FerretDB reads and decodes every document of the collection for any
other filter, and the rest of the filter is checked by ``matches`` as MongoDB would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import monitoring

from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.stores.mongo_locks import matches

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
