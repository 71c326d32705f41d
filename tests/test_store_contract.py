"""One contract, every store: each test runs on the embedded store and on MongoDB (FerretDB)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from opinion_spiders.errors import ConfigError
from opinion_spiders.stores import open_store, store_uri
from opinion_spiders.stores.base import (
    CANDIDATE_FIELDS,
    CLUSTER_FIELDS,
    FRESH,
    ClusterWrites,
    Store,
)
from opinion_spiders.stores.embedded import EmbeddedStore
from opinion_spiders.stores.mongo import MongoStore, reads_in_by_id, serves_secondary_indexes

T0 = datetime(2026, 11, 25, 8, 0, 0, 123000, tzinfo=UTC)


def post(site: str, tid: str, pid: str, **fields: Any) -> dict[str, Any]:
    """A post document as the pipelines write it (see DESIGN.md, "Items")."""
    crawled = fields.pop("crawled_at", T0 + timedelta(hours=1))
    published = fields.pop("published_at", T0)
    doc: dict[str, Any] = {
        "_id": f"{site}:{tid}:{pid}",
        "site": site,
        "kind": "forum",
        "url": f"http://127.0.0.1/{site}/t/{tid}#{pid}",
        "canonical_url": f"http://127.0.0.1/{site}/t/{tid}",
        "title": "关于某局长的帖子",
        "content": "举报某局长贪污受贿",
        "author": "网友甲",
        "thread_id": tid,
        "post_id": pid,
        "floor": 1,
        "published_at": published,
        "crawled_at": crawled,
        "time": published or crawled,
        "day": (published or crawled).strftime("%Y-%m-%d"),
        "replies": 3,
        "views": None,
        "content_hash": "abc123",
        "terms": ["举报", "局长", "贪污"],
        "matches": [],
        "score": 0.0,
        "contributions": [],
        "adapter": "discuz",
        "adapter_version": "x3",
    }
    doc.update(fields)
    return doc


def match(rule: str, term: str = "贪污") -> dict[str, Any]:
    hit = {"term": term, "field": "content", "start": 6, "end": 8, "context": "举报某局长贪污受贿"}
    return {"rule": rule, "name": rule.title(), "severity": 3, "weight": 10.0, "hits": [hit]}


def test_store_upsert_counts_new_and_keeps_first_seen(any_store: Store) -> None:
    first = post("demo-forum", "12", "34", score=1.0)
    assert any_store.upsert_posts([first, post("demo-forum", "12", "35")]) == 2
    later = T0 + timedelta(days=1)
    changed = post("demo-forum", "12", "34", score=9.5, replies=7, crawled_at=later)
    assert any_store.upsert_posts([changed, post("demo-forum", "12", "36")]) == 1
    stored = any_store.get_post("demo-forum:12:34")
    assert stored is not None
    assert (stored["score"], stored["replies"], stored["crawled_at"]) == (9.5, 7, later)
    assert stored["first_seen_at"] == first["crawled_at"]
    assert any_store.get_post("demo-forum:12:36")["first_seen_at"] == T0 + timedelta(hours=1)  # type: ignore[index]
    assert any_store.count("posts") == 3


def test_store_upsert_same_batch_twice_is_idempotent(any_store: Store) -> None:
    batch = [post("demo-forum", "1", str(i)) for i in range(5)]
    assert any_store.upsert_posts(batch) == 5
    assert any_store.upsert_posts(batch) == 0
    assert any_store.count("posts") == 5
    assert any_store.upsert_posts([]) == 0


def test_store_upsert_duplicate_ids_in_one_batch_count_once(any_store: Store) -> None:
    a = post("demo-forum", "1", "1", score=1.0)
    assert any_store.upsert_posts([a, {**a, "score": 2.0}]) == 1
    assert any_store.get_post(a["_id"])["score"] == 2.0  # type: ignore[index]


def test_store_round_trips_tz_aware_datetimes_and_nested_values(any_store: Store) -> None:
    cst = timezone(timedelta(hours=8))
    local = datetime(2026, 11, 25, 20, 30, 15, 250000, tzinfo=cst)
    doc = post("demo-portal", "9", "0", published_at=local, matches=[match("corruption")])
    doc["contributions"] = [{"source": "rule:corruption", "value": 10.0, "reason": "命中 贪污"}]
    any_store.upsert_posts([doc])
    stored = any_store.get_post(doc["_id"])
    assert stored is not None
    assert stored["published_at"] == local
    assert stored["published_at"].utcoffset() == timedelta(0)
    assert stored["matches"] == doc["matches"]
    assert stored["contributions"] == doc["contributions"]
    assert stored["terms"] == ["举报", "局长", "贪污"]
    assert stored["views"] is None
    assert any_store.get_post("missing:0:0") is None


def test_store_reads_many_posts_whole_by_id(any_store: Store) -> None:
    """``get_posts``: the stored posts among the ids, whole, as ``get_post`` reads each — past
    one read's chunk of ids, with ids repeated and ids never stored left out."""
    docs = [post("demo-forum", "40", str(i), views=i) for i in range(1_100)]
    any_store.upsert_posts(docs)
    ids = [d["_id"] for d in docs]
    wanted = [*ids[::-1], "missing:0:0", ids[5], "missing:0:1"]
    found = any_store.get_posts(wanted)
    assert set(found) == set(ids)
    assert found[ids[7]] == any_store.get_post(ids[7])
    assert found[ids[1_099]]["views"] == 1_099 and found[ids[0]]["site"] == "demo-forum"
    assert any_store.get_posts([]) == {} and any_store.get_posts(["missing:0:0"]) == {}


def test_store_alert_ledger_never_holds_an_alert_twice(any_store: Store) -> None:
    alert: dict[str, Any] = {
        "_id": "corruption:demo-forum:12:34",
        "created_at": T0,
        "status": "new",
        "score": 31.5,
    }
    assert any_store.insert_alert(alert) is True
    assert any_store.insert_alert({**alert, "status": "other"}) is False
    assert any_store.count("alerts") == 1
    deliveries = [{"channel": "log", "ok": True}]
    any_store.update_alert(alert["_id"], {"status": "sent", "deliveries": deliveries})
    [stored] = any_store.find_alerts()
    assert (stored["status"], stored["deliveries"], stored["created_at"]) == (
        "sent",
        deliveries,
        T0,
    )
    assert any_store.get_alert(alert["_id"]) == stored
    assert any_store.get_alert("missing") is None


def test_store_set_post_alerts_by_id_and_later_upserts_keep_it(any_store: Store) -> None:
    """``posts.alert`` is set on stored posts only, and a re-crawl's post (without the field)
    does not wipe it."""
    one, two = post("forum-a", "7", "1"), post("forum-a", "7", "2")
    any_store.upsert_posts([one, two])
    ref = {"id": "thread:forum-a:7", "tier": "notice", "status": "sent"}
    any_store.set_post_alerts({one["_id"]: ref, "forum-a:7:9": ref})
    stored, other = any_store.get_post(one["_id"]), any_store.get_post(two["_id"])
    assert stored is not None and stored["alert"] == ref
    assert other is not None and other.get("alert") is None
    assert any_store.get_post("forum-a:7:9") is None and any_store.count("posts") == 2
    assert any_store.upsert_posts([{**one, "score": 9.0}]) == 0
    again = any_store.get_post(one["_id"])
    assert again is not None and again["alert"] == ref and again["score"] == 9.0


def test_store_recent_threads_and_their_removal_by_id(any_store: Store) -> None:
    """The opening posts of one site since a time, newest first (not its replies, not another
    site's, not older ones); ``posts.removed`` set by ``_id`` on stored posts only, kept by a
    later upsert."""
    opener = post("forum-a", "7", "1", published_at=T0 + timedelta(hours=2))
    reply = post("forum-a", "7", "2", floor=2, published_at=T0 + timedelta(hours=3))
    nested = post("forum-a", "7", "3", floor=1, reply_to="1", published_at=T0 + timedelta(hours=3))
    older = post("forum-a", "5", "1", published_at=T0 - timedelta(days=3))
    other = post("forum-b", "8", "1", published_at=T0 + timedelta(hours=2))
    article = post("forum-a", "9", "9", floor=None, published_at=T0 + timedelta(hours=4))
    any_store.upsert_posts([opener, reply, nested, older, other, article])
    found = any_store.recent_threads("forum-a", T0)
    assert [t["_id"] for t in found] == [article["_id"], opener["_id"]]
    assert found[1]["url"] == opener["url"] and found[1]["removed"] is None
    mark = {"at": T0 + timedelta(days=1), "notice": "根据相关法律法规和政策，该内容未予显示"}
    any_store.mark_removed({opener["_id"]: mark, "forum-a:7:99": mark})
    stored = any_store.get_post(opener["_id"])
    assert stored is not None and stored["removed"]["notice"] == mark["notice"]
    assert any_store.get_post("forum-a:7:99") is None and any_store.count("posts") == 6
    any_store.upsert_posts([{**opener, "score": 2.0}])
    again = any_store.recent_threads("forum-a", T0)[1]
    assert again["removed"]["notice"] == mark["notice"]
    # what was taken down, the latest found first, since a time
    later = {"at": T0 + timedelta(days=2), "notice": "HTTP 404"}
    any_store.mark_removed({other["_id"]: later})
    assert [p["_id"] for p in any_store.find_removed()] == [other["_id"], opener["_id"]]
    assert [p["_id"] for p in any_store.find_removed(T0 + timedelta(days=1, hours=1))] == [
        other["_id"]
    ]
    assert any_store.find_removed(limit=1)[0]["removed"]["notice"] == "HTTP 404"


def test_store_find_alerts_newest_first_with_since(any_store: Store) -> None:
    for i in range(4):
        any_store.insert_alert({"_id": f"a{i}", "created_at": T0 + timedelta(hours=i)})
    assert [a["_id"] for a in any_store.find_alerts()] == ["a3", "a2", "a1", "a0"]
    assert [a["_id"] for a in any_store.find_alerts(T0 + timedelta(hours=2))] == ["a3", "a2"]
    assert [a["_id"] for a in any_store.find_alerts(limit=1)] == ["a3"]


def test_store_find_alerts_by_status(any_store: Store) -> None:
    statuses = ["sent", "pending", "held", "sent", "pending"]
    for i, status in enumerate(statuses):
        any_store.insert_alert({"_id": f"a{i}", "created_at": T0 + timedelta(hours=i),
                                "status": status})  # fmt: skip
    any_store.update_alert("a1", {"status": "sent"})  # status changes are what is filtered on
    found = any_store.find_alerts(status=("pending", "held"))
    assert [a["_id"] for a in found] == ["a4", "a2"]
    assert [a["_id"] for a in any_store.find_alerts(status=("sent",), limit=2)] == ["a3", "a1"]
    since = any_store.find_alerts(T0 + timedelta(hours=3), status=("pending",))
    assert [a["_id"] for a in since] == ["a4"]


def test_store_find_watched_posts_by_terms_entities_or_rules(any_store: Store) -> None:
    """A watch plan's posts, selected by the store: in the window, and any of the three."""
    at = [T0 + timedelta(hours=h) for h in range(6)]
    any_store.upsert_posts([
        post("s", "1", "1", published_at=at[0], terms=["征收", "补偿"]),
        post("s", "1", "2", published_at=at[1], terms=["物业"],
             entities=[{"id": "chengbei", "name": "城北片区", "count": 1}]),
        post("s", "1", "3", published_at=at[2], terms=["物业"],
             matches=[{"rule": "land", "hits": []}]),
        post("s", "1", "4", published_at=at[3], terms=["物业"],
             matches=[{"rule": "other", "hits": []}],
             entities=[{"id": "chengnan", "name": "城南", "count": 1}]),
        post("s", "1", "5", published_at=at[4], terms=["征收"]),  # at the window's end
        post("s", "1", "6", published_at=at[0] - timedelta(seconds=1), terms=["征收"]),
    ])  # fmt: skip

    def ids(**named: Any) -> list[str]:
        found = any_store.find_watched_posts(at[0], at[4], **named)
        return [p["_id"].rsplit(":", 1)[1] for p in found]

    assert ids(terms=["征收"]) == ["1"]
    assert ids(entities=["chengbei"]) == ["2"]
    assert ids(rules=["land"]) == ["3"]
    assert ids(terms=["征收"], entities=["chengbei"], rules=["land"]) == ["3", "2", "1"]
    assert ids(terms=["征收补偿"], entities=["chengxi"], rules=["petition"]) == []
    assert ids() == []  # a plan that names nothing follows nothing
    assert ids(terms=["物业"])[:1] == ["4"] and len(ids(terms=["物业"])) == 3
    limited = any_store.find_watched_posts(at[0], at[4], terms=["物业"], limit=1)
    assert [p["_id"] for p in limited] == ["s:1:4"]


def test_store_state_load_and_merge(any_store: Store) -> None:
    assert any_store.load_state("demo-forum") == {}
    any_store.save_state("demo-forum", {"12": "5", "13": "0"})
    any_store.save_state("demo-forum", {"13": "2", "14": "1"})
    any_store.save_state("other-site", {"12": "99"})
    assert any_store.load_state("demo-forum") == {"12": "5", "13": "2", "14": "1"}
    assert any_store.load_state("other-site") == {"12": "99"}


def test_store_record_run_replaces_and_finds_newest_first(any_store: Store) -> None:
    any_store.record_run({"_id": "r1", "started_at": T0, "status": "running"})
    any_store.record_run({"_id": "r2", "started_at": T0 + timedelta(hours=1), "status": "running"})
    any_store.record_run({"_id": "r1", "started_at": T0, "status": "finished", "items": 3})
    assert any_store.count("runs") == 2
    runs = any_store.find_runs()
    assert [r["_id"] for r in runs] == ["r2", "r1"]
    assert runs[1] == {"_id": "r1", "started_at": T0, "status": "finished", "items": 3}
    assert [r["_id"] for r in any_store.find_runs(limit=1)] == ["r2"]


def _corpus(store: Store) -> None:
    """Five posts over two sites and kinds, two of them old, three with fired rules."""
    old = T0 - timedelta(days=3)
    store.upsert_posts(
        [
            post("forum-a", "1", "1", score=31.5, matches=[match("corruption"), match("protest")]),
            post("forum-a", "1", "2", score=5.0, matches=[match("corruption")],
                 published_at=T0 + timedelta(hours=2)),
            post("forum-a", "2", "1", score=50.0, published_at=old, matches=[match("corruption")]),
            post("portal-b", "9", "0", kind="portal", score=12.0, published_at=None,
                 crawled_at=T0 + timedelta(hours=5)),
            post("portal-b", "9", "1", kind="portal", score=99.0, published_at=old),
        ]
    )  # fmt: skip


def test_store_count_posts_by_site_and_kind(any_store: Store) -> None:
    _corpus(any_store)
    assert any_store.count_posts(("site", "kind")) == [
        {"site": "forum-a", "kind": "forum", "count": 3},
        {"site": "portal-b", "kind": "portal", "count": 2},
    ]
    assert any_store.count_posts(("site",), since=T0) == [
        {"site": "forum-a", "count": 2},
        {"site": "portal-b", "count": 1},
    ]
    assert any_store.count_posts(("day",), since=T0) == [{"day": "2026-11-25", "count": 3}]
    assert any_store.count_posts(("site",), since=T0 + timedelta(days=9)) == []


def test_store_count_posts_rejects_unsafe_field(any_store: Store) -> None:
    with pytest.raises(ValueError):
        any_store.count_posts(("site; DROP TABLE posts",))


def test_store_rule_hits_counts_posts_per_rule(any_store: Store) -> None:
    _corpus(any_store)
    assert any_store.rule_hits() == [
        {"rule": "corruption", "count": 3},
        {"rule": "protest", "count": 1},
    ]
    assert any_store.rule_hits(since=T0 + timedelta(hours=1)) == [
        {"rule": "corruption", "count": 1}
    ]
    old = (T0 - timedelta(days=3)).strftime("%Y-%m-%d")
    day = T0.strftime("%Y-%m-%d")
    assert any_store.rule_days() == [
        {"day": old, "rule": "corruption", "count": 1},
        {"day": day, "rule": "corruption", "count": 2},
        {"day": day, "rule": "protest", "count": 1},
    ]
    assert any_store.rule_days(since=T0 + timedelta(hours=1)) == [
        {"day": day, "rule": "corruption", "count": 1}
    ]


def test_store_entity_hits_counts_posts_per_entity(any_store: Store) -> None:
    town = {"id": "chengnan", "name": "城南街道", "count": 2, "hits": []}
    mayor = {"id": "lj-mayor", "name": "周建国", "count": 1, "hits": []}
    any_store.upsert_posts(
        [
            post("forum-a", "1", "1", entities=[town, mayor]),
            post("forum-a", "1", "2", entities=[town], published_at=T0 + timedelta(hours=2)),
            post("forum-a", "2", "1", published_at=T0 - timedelta(days=3), entities=[town]),
            post("portal-b", "9", "1", kind="portal"),
        ]
    )
    assert any_store.entity_hits() == [
        {"entity": "chengnan", "name": "城南街道", "count": 3},
        {"entity": "lj-mayor", "name": "周建国", "count": 1},
    ]
    assert any_store.entity_hits(since=T0 + timedelta(hours=1)) == [
        {"entity": "chengnan", "name": "城南街道", "count": 1}
    ]


def test_store_entity_days_counts_posts_per_entity_and_day(any_store: Store) -> None:
    town = {"id": "chengnan", "name": "城南街道", "count": 2, "hits": []}
    mayor = {"id": "lj-mayor", "name": "周建国", "count": 1, "hits": []}
    earlier = T0 - timedelta(days=3)
    any_store.upsert_posts(
        [
            post("forum-a", "1", "1", entities=[town, mayor, dict(town, count=1)]),
            post("forum-a", "1", "2", entities=[town], published_at=T0 + timedelta(hours=2)),
            post("forum-a", "2", "1", published_at=earlier, entities=[town]),
            post("portal-b", "9", "1", kind="portal"),
        ]
    )
    day, old = T0.strftime("%Y-%m-%d"), earlier.strftime("%Y-%m-%d")
    assert any_store.entity_days() == [
        {"day": old, "entity": "chengnan", "name": "城南街道", "count": 1},
        {"day": day, "entity": "chengnan", "name": "城南街道", "count": 2},
        {"day": day, "entity": "lj-mayor", "name": "周建国", "count": 1},
    ]
    assert any_store.entity_days(since=T0 + timedelta(hours=1)) == [
        {"day": day, "entity": "chengnan", "name": "城南街道", "count": 1}
    ]


def test_store_member_posts_unites_ids_threads_and_clusters_earliest_first(
    any_store: Store,
) -> None:
    hour = timedelta(hours=1)
    any_store.upsert_posts(
        [
            post("forum-a", "1", "2", published_at=T0 + hour),
            post("forum-a", "1", "1", published_at=T0),
            post("forum-b", "1", "1", published_at=T0 + 2 * hour),  # same thread id, other site
            post("news-c", "5", "1", published_at=T0 + 3 * hour),
            post("news-c", "6", "1", published_at=T0 - hour),
            post("news-c", "7", "1", published_at=T0 - 2 * hour),
        ]
    )
    cluster = {"cluster_id": "forum-a:1:1"}
    any_store.write_clusters(ClusterWrites(posts={"forum-a:1:1": cluster, "news-c:5:1": cluster}))

    def ids(**given: Any) -> list[str]:
        return [p["_id"] for p in any_store.member_posts(**given)]

    assert ids(threads=[("forum-a", "1")]) == ["forum-a:1:1", "forum-a:1:2"]
    assert ids(clusters=["forum-a:1:1"]) == ["forum-a:1:1", "news-c:5:1"]
    assert ids(ids=["news-c:6:1"], threads=[("forum-a", "1")], clusters=["forum-a:1:1"]) == [
        "news-c:6:1", "forum-a:1:1", "forum-a:1:2", "news-c:5:1",
    ]  # fmt: skip
    assert ids(threads=[("forum-a", "1")], limit=1) == ["forum-a:1:1"]
    assert ids() == []


def test_store_find_posts_sorts_by_score_or_time(any_store: Store) -> None:
    _corpus(any_store)
    ids = [p["_id"] for p in any_store.find_posts(limit=10)]
    assert ids == ["portal-b:9:1", "forum-a:2:1", "forum-a:1:1", "portal-b:9:0", "forum-a:1:2"]
    recent = [p["_id"] for p in any_store.find_posts(T0, sort="time", limit=2)]
    assert recent == ["portal-b:9:0", "forum-a:1:2"]
    matched = [p["_id"] for p in any_store.find_posts(T0, matched_only=True)]
    assert matched == ["forum-a:1:1", "forum-a:1:2"]
    with pytest.raises(ValueError):
        any_store.find_posts(sort="views")


def test_store_count_knows_every_collection(any_store: Store) -> None:
    for name in ("posts", "clusters", "alerts", "runs", "crawl_state", "events"):
        assert any_store.count(name) == 0
    with pytest.raises(ValueError):
        any_store.count("users")


def test_store_ensure_schema_is_idempotent(any_store: Store) -> None:
    any_store.ensure_schema()
    any_store.ensure_schema()
    assert any_store.kind in ("embedded", "mongodb")


def test_open_store_rejects_unknown_scheme() -> None:
    with pytest.raises(ConfigError, match="OPINION_STORE") as caught:
        open_store("ftp://x")
    assert "mongodb://" in str(caught.value) and "embedded://" in str(caught.value)


def test_open_store_embedded_uri_picks_folder(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPINION_STORE", raising=False)
    store = open_store(f"embedded://{tmp_path}/db")
    assert isinstance(store, EmbeddedStore) and store.file == tmp_path / "db" / "opinion.sqlite3"
    store.close()
    monkeypatch.setenv("OPINION_DATA_DIR", str(tmp_path / "data"))
    default = open_store(settings={})
    assert isinstance(default, EmbeddedStore) and default.path == tmp_path / "data"
    default.close()


def test_store_uri_setting_beats_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting's default is the environment variable, so ``-s``/scrapyd overrides it."""
    monkeypatch.delenv("OPINION_STORE", raising=False)
    assert store_uri(None) == "embedded://"
    assert store_uri({"OPINION_STORE": "mongodb://db:27017/x"}) == "mongodb://db:27017/x"
    monkeypatch.setenv("OPINION_STORE", "embedded:///srv/opinion")
    assert store_uri({"OPINION_STORE": "mongodb://db:27017/x"}) == "mongodb://db:27017/x"
    assert store_uri({}) == store_uri(None) == "embedded:///srv/opinion"


def test_open_store_mongodb_uri_names_database(mongo_uri: str) -> None:
    store = open_store(mongo_uri.rstrip("/") + "/analysts?appName=test")
    try:
        assert store.kind == "mongodb"
        assert store.db.name == "analysts"  # type: ignore[attr-defined]
        assert open_store(mongo_uri).db.name == "opinion"  # type: ignore[attr-defined]
    finally:
        store.close()


def test_mongo_schema_made_meanwhile_by_another_process_is_fine(mongo_uri: str) -> None:
    """Two crawl processes starting on one fresh database both create its collections; the
    one that finds a collection already made (FerretDB answers code 48) goes on."""
    uri = f"{mongo_uri.rstrip('/')}/race_{uuid.uuid4().hex[:8]}"
    first, second = open_store(uri), open_store(uri)
    try:
        second.db.list_collection_names = lambda: []  # type: ignore[attr-defined, method-assign]
        first.ensure_schema()
        second.ensure_schema()  # sees no collection, creates every one again
        second.upsert_posts([post("forum-a", "1", "1")])
        assert first.count("posts") == 1
    finally:
        first.close()
        second.close()


# -- near-duplicate clusters: the band index and the clusters collection ----------------------
def _banded(pid: str, bands: list[str], **fields: Any) -> dict[str, Any]:
    return post("forum-a", "7", pid, minhash=f"m1:{pid}", minhash_bands=bands, **fields)


def test_store_band_candidates_share_any_band(any_store: Store) -> None:
    any_store.upsert_posts([
        _banded("1", ["aa00000000000001", "bb00000000000001"]),
        _banded("2", ["aa00000000000002", "bb00000000000001"]),
        _banded("3", ["aa00000000000003", "bb00000000000003"]),
        post("forum-a", "7", "4"),  # no signature (a short text)
    ])  # fmt: skip
    any_store.write_clusters(ClusterWrites(posts={"forum-a:7:2": {"cluster_id": "forum-a:7:1"}}))
    found = any_store.find_band_candidates(["bb00000000000001", "zz"], limit=10)
    assert sorted(c["_id"] for c in found) == ["forum-a:7:1", "forum-a:7:2"]
    two = next(c for c in found if c["_id"] == "forum-a:7:2")
    assert (two["cluster_id"], two["minhash"], two["site"], two["author"]) == (
        "forum-a:7:1", "m1:2", "forum-a", "网友甲")  # fmt: skip
    assert two["published_at"] == T0 and two["crawled_at"] == T0 + timedelta(hours=1)
    assert len(any_store.find_band_candidates(["bb00000000000001"], limit=1)) == 1
    assert any_store.find_band_candidates([], limit=10) == []


def _three_banded(store: Store) -> None:
    """Three posts under bands of their own and one shared, the second rewritten since."""
    store.upsert_posts([
        _banded("1", ["aa00000000000001", "bb00000000000001"]),
        _banded("2", ["aa00000000000002", "bb00000000000001"]),
        _banded("3", ["aa00000000000003"]),
    ])  # fmt: skip
    store.upsert_posts([_banded("2", ["cc00000000000002"])])  # rewritten: not under bb now


def test_store_band_candidates_of_several_posts_at_once(any_store: Store) -> None:
    """One lookup for several posts answers each as its own lookup would, in order."""
    _three_banded(any_store)
    queries = [["bb00000000000001"], ["zz"], ["aa00000000000003", "aa00000000000002"], [],
               ["cc00000000000002", "aa00000000000001"]]  # fmt: skip
    many = any_store.find_band_candidates_many(queries, limit=10)
    assert many == [any_store.find_band_candidates(q, limit=10) for q in queries]
    assert [sorted(c["_id"] for c in found) for found in many] == [
        ["forum-a:7:1"], [], ["forum-a:7:3"], [], ["forum-a:7:1", "forum-a:7:2"]
    ]  # fmt: skip
    assert all("minhash_bands" not in c for found in many for c in found)
    assert [len(f) for f in any_store.find_band_candidates_many(queries, limit=1)] == [
        1,
        0,
        1,
        0,
        1,
    ]


def test_store_band_listed_and_candidate_posts_are_a_lookup_in_two(any_store: Store) -> None:
    """The cluster step's lookup in two halves: the ids listed under each query's bands (a
    post rewritten with other bands may still be among them), then the posts it reads, with
    their current bands, which tell such a post apart."""
    _three_banded(any_store)
    queries = [["bb00000000000001"], ["zz"], ["aa00000000000003", "cc00000000000002"], []]
    listed = any_store.band_listed(queries, limit=10)
    assert [set(ids) for ids in listed][1:] == [set(), {"forum-a:7:3", "forum-a:7:2"}, set()]
    assert {"forum-a:7:1"} <= set(listed[0]) <= {"forum-a:7:1", "forum-a:7:2"}
    read = any_store.candidate_posts([*listed[0], "forum-a:7:3", "forum-a:7:404"])
    assert set(read) == {*listed[0], "forum-a:7:3"}
    fields = {*CANDIDATE_FIELDS, "minhash_bands"} - {"cluster_id"}  # none stored here
    assert set(read["forum-a:7:1"]) == fields
    assert read["forum-a:7:1"]["minhash_bands"] == ["aa00000000000001", "bb00000000000001"]
    assert read["forum-a:7:3"]["minhash"] == "m1:3" and read["forum-a:7:3"]["published_at"] == T0
    if "forum-a:7:2" in read:
        assert read["forum-a:7:2"]["minhash_bands"] == ["cc00000000000002"]
    assert any_store.candidate_posts([]) == {}


def test_store_band_index_keys_any_band_text(any_store: Store) -> None:
    """Bands are 16 hex digits; any other text is a key of its own (a post of mixed bands)."""
    any_store.upsert_posts([_banded("1", ["bb00000000000009", "band one", "CC00000000000009"])])
    for band in ("bb00000000000009", "band one", "CC00000000000009"):
        assert [c["_id"] for c in any_store.find_band_candidates([band], 10)] == ["forum-a:7:1"]
    assert any_store.find_band_candidates(["cc00000000000009", "band two"], 10) == []
    # a band that reads like two hex bands is one band of its own text
    twin = "ee00000000000009 ee00000000000009"
    any_store.upsert_posts([_banded("2", [twin])])
    assert [c["_id"] for c in any_store.find_band_candidates([twin], 10)] == ["forum-a:7:2"]
    assert any_store.find_band_candidates(["ee00000000000009"], 10) == []


def test_store_band_index_follows_rewritten_posts(any_store: Store) -> None:
    any_store.upsert_posts([_banded("1", ["aa00000000000001", "bb00000000000001"])])
    any_store.upsert_posts([_banded("1", ["cc00000000000001"], score=3.0)])
    assert any_store.find_band_candidates(["aa00000000000001", "bb00000000000001"], 10) == []
    [moved] = any_store.find_band_candidates(["cc00000000000001"], 10)
    assert moved["_id"] == "forum-a:7:1"


def test_mongodb_store_queues_a_post_fresh_when_no_post_had_its_bands(
    mongo_store: MongoStore,
) -> None:
    """A queued post is fresh when none of its bands was stored before it, nor another
    post's of its batch (each band document it inserted lists it alone); not once it is
    queued again, nor once a step asked to recheck it, nor when it was stored before."""
    one, two, three = "aa00000000000001", "bb00000000000001", "cc00000000000001"
    mongo_store.upsert_posts([_banded("1", [one, two]), _banded("2", [three]),
                            _banded("3", [three, "dd00000000000001"])])  # fmt: skip
    mongo_store.upsert_posts([_banded("4", [one]), _banded("5", ["ee00000000000001"])])
    mongo_store.upsert_posts([_banded("5", ["ee00000000000001"])])  # queued again
    mongo_store.upsert_posts([_banded("6", ["ff00000000000001"]), _banded("7", ["band seven"])])
    mongo_store.write_clusters(ClusterWrites(recheck=["forum-a:7:6", "not queued"]))
    mongo_store.upsert_posts([_banded("8", ["ab00000000000008"])])
    mongo_store.write_clusters(ClusterWrites(done=["forum-a:7:8"]))  # clustered, then
    mongo_store.upsert_posts([_banded("8", ["ac00000000000008"])])  # rewritten: bands new
    queued = {str(d["_id"])[-1]: d.get(FRESH, False) for d in mongo_store.queued_posts()}
    assert queued == {"1": True, "2": False, "3": False, "4": False, "5": False, "6": False,
                      "7": True, "8": False}  # fmt: skip
    stored = mongo_store.get_post("forum-a:7:8")
    assert stored is not None and FRESH not in stored


def test_embedded_store_moves_the_band_rows_of_a_store_made_before(tmp_path: Path) -> None:
    """A store file made before ``band_posts`` keeps its band index as ``post_bands(band,
    post_id)`` rows: opening it moves them over (the old table goes), and its posts are found
    under their bands, as posts written after are."""
    store = EmbeddedStore(tmp_path)
    store.upsert_posts([_banded("1", ["aa00000000000001", "bb00000000000001"]),
                        _banded("2", ["bb00000000000001", "band two"])])  # fmt: skip
    conn = store._conn
    conn.executescript(
        "CREATE TABLE post_bands (band INTEGER NOT NULL, post_id TEXT NOT NULL,"
        " PRIMARY KEY (band, post_id)) WITHOUT ROWID;"
        "INSERT INTO post_bands SELECT band, post_id FROM band_posts JOIN post_keys ON key = post;"
        "DROP TABLE band_posts; DROP TABLE post_keys;"
    )
    store.close()
    store = EmbeddedStore(tmp_path)
    tables = {row[0] for row in store._conn.execute("SELECT name FROM sqlite_master")}
    assert "post_bands" not in tables and {"band_posts", "post_keys"} <= tables
    assert store._conn.execute("SELECT count(*) FROM band_posts").fetchone() == (4,)
    store.upsert_posts([_banded("3", ["aa00000000000001"])])
    listed = store.band_listed([["aa00000000000001"], ["band two"], ["zz"]], 10)
    assert [set(ids) for ids in listed] == [{"forum-a:7:1", "forum-a:7:3"}, {"forum-a:7:2"}, set()]
    store.upsert_posts([_banded("1", ["cc00000000000001"])])  # a moved post rewritten
    assert [set(ids) for ids in store.band_listed([["aa00000000000001"]], 10)] == [{"forum-a:7:3"}]
    store.close()


def test_embedded_store_lists_both_posts_of_one_key(embedded_store: EmbeddedStore) -> None:
    """Posts are keyed in ``band_posts`` by a 64-bit digest of their ``_id``; were two ids to
    share one (a key written here by hand for a post of no bands), a band lists both, and the
    candidate read, with each post's bands, tells the one that has the band."""
    embedded_store.upsert_posts([_banded("1", ["aa00000000000001"]), post("forum-a", "7", "2")])
    conn = embedded_store._conn
    [(key,)] = conn.execute("SELECT key FROM post_keys WHERE post_id = 'forum-a:7:1'").fetchall()
    conn.execute("INSERT INTO post_keys VALUES (?, 'forum-a:7:2')", (key,))
    [listed] = embedded_store.band_listed([["aa00000000000001"]], 10)
    assert sorted(listed) == ["forum-a:7:1", "forum-a:7:2"]
    read = embedded_store.candidate_posts(listed)
    assert read["forum-a:7:1"]["minhash_bands"] == ["aa00000000000001"]
    assert "minhash_bands" not in read["forum-a:7:2"] or not read["forum-a:7:2"]["minhash_bands"]


def test_store_rewrites_batches_of_hundreds(any_store: Store) -> None:
    """A re-crawl rewrites a whole batch of known posts, and a site has hundreds of bookmarks
    (FerretDB 1.24 never answers one update command of 100 statements or more)."""
    posts = [_banded(str(i), [f"ab{i:014d}", "ac00000000000001"]) for i in range(250)]
    assert any_store.upsert_posts(posts) == 250
    assert any_store.upsert_posts([{**p, "score": 1.0} for p in posts]) == 0
    assert any_store.get_post("forum-a:7:249")["score"] == 1.0  # type: ignore[index]
    any_store.save_state("forum-a", {f"thread:{i}": str(i) for i in range(150)})
    assert len(any_store.load_state("forum-a")) == 150


def test_embedded_store_writes_a_batch_larger_than_one_statement(
    embedded_store: EmbeddedStore,
) -> None:
    """The embedded store writes a batch's rows as multi-row statements (one SQLite step each,
    see ``stores/_sqlite.py``), split where the values one statement may bind run out — 999 on
    SQLite builds before 3.32, as set here: 600 posts of 32 bands are 19,200 band rows. Every
    row is there, and a rewrite of the batch takes out the band and rule rows it no longer
    has."""
    embedded_store._conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    bands = [[f"{i:08x}{b:08x}" for b in range(32)] for i in range(600)]
    posts = [_banded(str(i), bands[i], matches=[{"rule": f"r{i % 3}", "hits": []}],
                     score=float(i)) for i in range(600)]  # fmt: skip
    assert embedded_store.upsert_posts(posts) == 600
    assert embedded_store.count("posts") == 600
    for i in (0, 299, 599):
        [found] = embedded_store.find_band_candidates([bands[i][31]], 10)
        assert found["_id"] == f"forum-a:7:{i}"
    assert len(embedded_store.find_posts(matched_only=True, limit=1000)) == 600
    rewritten = [{**p, "minhash_bands": [f"ff{i:014x}"], "matches": []}
                 for i, p in enumerate(posts)]  # fmt: skip
    assert embedded_store.upsert_posts(rewritten) == 0
    assert embedded_store.find_band_candidates([bands[599][0], bands[0][5]], 10) == []
    assert [c["_id"] for c in embedded_store.find_band_candidates(["ff0000000000012b"], 10)] == [
        "forum-a:7:299"
    ]
    assert embedded_store.find_posts(matched_only=True, limit=1000) == []
    embedded_store.set_post_alerts({f"forum-a:7:{i}": {"_id": f"a{i}"} for i in range(0, 600, 7)})
    assert embedded_store.get_post("forum-a:7:588")["alert"] == {"_id": "a588"}  # type: ignore[index]
    assert "alert" not in (embedded_store.get_post("forum-a:7:589") or {})


def test_store_band_candidates_are_bounded_by_the_limit(any_store: Store) -> None:
    """A text reposted many times: a lookup reads at most ``limit`` of its copies."""
    band = "dd00000000000001"
    for start in range(0, 150, 50):
        any_store.upsert_posts([_banded(str(i), [band, f"ee{i:014d}"])
                                for i in range(start, start + 50)])  # fmt: skip
    found = any_store.find_band_candidates([band], limit=50)
    assert len(found) == 50 and len({c["_id"] for c in found}) == 50
    assert all(c["_id"].startswith("forum-a:7:") for c in found)
    [only] = any_store.find_band_candidates(["ee00000000000149"], limit=50)
    assert only["_id"] == "forum-a:7:149"


def _listen(store: MongoStore, uri: str, name: str, listener: CommandListener) -> None:
    """Give the store a client that reports its commands to ``listener`` (the store's own
    client closed)."""
    store.client.close()
    store.client = MongoClient(uri, tz_aware=True, event_listeners=[listener])
    store.db = store.client[name]


class _Commands(CommandListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def started(self, event: CommandStartedEvent) -> None:
        cmd = event.command
        name = event.command_name
        if name in ("find", "update", "delete", "findAndModify", "aggregate", "count"):
            target = str(cmd.get(name))
            for spec in cmd.get("updates") or cmd.get("deletes") or [cmd]:
                self.seen.append((name, target, dict(spec.get("q") or spec.get("filter") or
                                                     spec.get("query") or {})))  # fmt: skip

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


@pytest.mark.parametrize("one_by_one", [None, True, False])
def test_mongo_store_per_post_lookups_are_primary_key_reads(
    mongo_uri: str, one_by_one: bool | None
) -> None:
    """What the crawl asks per post (near-duplicate candidates, its cluster, the alert ledger,
    setting an alerting post's ``alert``) filters on ``_id`` alone: what a MongoDB-wire server
    answers from its primary key. Band keys are the ``_id`` of their own collection,
    ``bands``. ``one_by_one=True`` (a released FerretDB, which scans for an ``$in``) reads each
    ``_id`` with its own query; ``False`` is MongoDB's ``$in``, and so is the default (None)
    on the project's FerretDB build, which answers ``$in`` from its ``_id`` index."""
    commands = _Commands()
    name = f"test_{uuid.uuid4().hex[:12]}"
    store = MongoStore(mongo_uri, name, one_by_one=one_by_one)
    _listen(store, mongo_uri, name, commands)
    try:
        store.upsert_posts([_banded("1", ["aa00000000000001", "bb00000000000001"]),
                            _banded("2", ["bb00000000000001"])])  # fmt: skip
        assert store.db.bands.find_one({"_id": "bb00000000000001"}) == {
            "_id": "bb00000000000001", "posts": ["forum-a:7:1", "forum-a:7:2"]}  # fmt: skip
        commands.seen.clear()
        several = store.find_band_candidates_many([["aa00000000000001"], ["bb00000000000001"]])
        assert [len(f) for f in several] == [1, 2] and len(commands.seen) == (
            4 if one_by_one else 2  # the bands, then the posts: for both at once (post 1 once)
        ), commands.seen
        commands.seen.clear()
        found = store.find_band_candidates(["bb00000000000001", "cc00000000000001"], 10)
        store.get_cluster("forum-a:7:1")
        store.alert_ids(["post:forum-a:7:1"])
        store.set_post_alerts({"forum-a:7:1": {"id": "thread:forum-a:7"}})
        assert {c["_id"] for c in found} == {"forum-a:7:1", "forum-a:7:2"}
        assert commands.seen and all(set(f) == {"_id"} for _, _, f in commands.seen), commands.seen
        assert {t for _, t, _ in commands.seen} >= {"bands", "posts"}
        band_reads = [f["_id"] for _, t, f in commands.seen if t == "bands"]
        if one_by_one:  # a released FerretDB: one plain _id per query
            assert sorted(band_reads) == ["bb00000000000001", "cc00000000000001"]
        else:
            assert band_reads == [{"$in": ["bb00000000000001", "cc00000000000001"]}]
        commands.seen.clear()  # the cluster step's writes and reads: by _id alone too
        store.write_clusters(ClusterWrites(
            clusters=[_cluster("forum-a:7:1", 2, T0)], merged={"forum-a:7:2": "forum-a:7:1"},
            posts={"forum-a:7:2": {"cluster_id": "forum-a:7:1"}}, done=["forum-a:7:2"]))  # fmt: skip
        store.get_clusters(["forum-a:7:1"])
        assert store.get_cluster("forum-a:7:2")["size"] == 2  # type: ignore[index]
        assert all(set(f) == {"_id"} for _, _, f in commands.seen), commands.seen
        assert {t for _, t, _ in commands.seen} == {
            "clusters", "cluster_merges", "posts", "cluster_queue", "cluster_journal"}  # fmt: skip
    finally:
        store.client.drop_database(name)
        store.close()


class _DuplicateInserts(CommandListener):
    """Insert commands that met a duplicate key, by collection."""

    def __init__(self) -> None:
        self.targets: dict[int, str] = {}
        self.met: list[str] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "insert":
            self.targets[event.request_id] = str(event.command["insert"])

    def succeeded(self, event: CommandSucceededEvent) -> None:
        target = self.targets.pop(event.request_id, None)
        errors = event.reply.get("writeErrors") or []
        if target and any(e.get("code") == 11000 for e in errors):
            self.met.append(target)

    def failed(self, event: CommandFailedEvent) -> None:
        self.targets.pop(event.request_id, None)


def test_mongo_store_extends_the_band_documents_it_knows_without_a_failed_insert(
    mongo_uri: str,
) -> None:
    """The band keys this process looked up or wrote go straight to the update: the insert of
    the new ones meets no duplicate key (on FerretDB an insert that meets one is written
    document by document, several times slower), and a key whose document went meanwhile is
    written again (an upsert)."""
    dups = _DuplicateInserts()
    name = f"test_{uuid.uuid4().hex[:12]}"
    store = MongoStore(mongo_uri, name)
    _listen(store, mongo_uri, name, dups)
    try:
        store.upsert_posts([_banded("1", ["aa00000000000001", "bb00000000000001"])])
        store.upsert_posts([_banded("2", ["aa00000000000001", "cc00000000000001"])])  # wrote aa
        store.find_band_candidates(["dd00000000000001"], 10)
        other = MongoClient(mongo_uri)[name]  # another process writes dd; this one looks it up
        other.bands.insert_one({"_id": "dd00000000000001", "posts": ["forum-a:7:9"]})
        store.find_band_candidates(["dd00000000000001", "cc00000000000001"], 10)
        store.upsert_posts([_banded("3", ["dd00000000000001", "cc00000000000001"])])
        assert dups.met == []
        other.bands.delete_one({"_id": "aa00000000000001"})  # gone meanwhile
        store.upsert_posts([_banded("4", ["aa00000000000001"])])
        listed = {d["_id"]: d["posts"] for d in other.bands.find()}
        assert listed == {
            "aa00000000000001": ["forum-a:7:4"],
            "bb00000000000001": ["forum-a:7:1"],
            "cc00000000000001": ["forum-a:7:2", "forum-a:7:3"],
            "dd00000000000001": ["forum-a:7:9", "forum-a:7:3"],
        }
        # a key another process wrote unseen: the insert meets it, the update follows
        other.bands.insert_one({"_id": "ee00000000000001", "posts": ["forum-a:7:8"]})
        store.upsert_posts([_banded("5", ["ee00000000000001"])])
        assert dups.met == ["bands"]
        assert other.bands.find_one({"_id": "ee00000000000001"})["posts"] == [  # type: ignore[index]
            "forum-a:7:8", "forum-a:7:5"
        ]  # fmt: skip
    finally:
        store.client.drop_database(name)
        store.close()


class _Updates(CommandListener):
    """The statements of the update commands sent to ``bands``: (filter, added post ids)."""

    def __init__(self) -> None:
        self.statements: list[tuple[Any, list[str]]] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "update" and event.command["update"] == "bands":
            for u in event.command["updates"]:
                self.statements.append((u["q"]["_id"], u["u"]["$addToSet"]["posts"]["$each"]))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


@pytest.mark.parametrize("one_by_one", [False, True])
def test_mongo_store_extends_the_band_documents_of_a_copy_in_one_update(
    mongo_uri: str, one_by_one: bool
) -> None:
    """A copy's bands its original had get the copy in one update, filtered on ``_id`` by
    ``$in`` (a released FerretDB, which scans for an ``$in``: one a key); a document gone
    meanwhile is written again."""
    updates = _Updates()
    name = f"test_{uuid.uuid4().hex[:12]}"
    store = MongoStore(mongo_uri, name, one_by_one=one_by_one)
    _listen(store, mongo_uri, name, updates)
    shared = ["aa00000000000001", "bb00000000000001", "cc00000000000001"]
    try:
        store.upsert_posts([_banded("1", [*shared, "dd00000000000001"])])
        store.find_band_candidates([*shared, "ee00000000000001"], 10)  # the copy's lookup
        store.db.bands.delete_one({"_id": "bb00000000000001"})  # gone meanwhile
        updates.statements.clear()
        store.upsert_posts([_banded("2", [*shared, "ee00000000000001"])])
        listed = {d["_id"]: d["posts"] for d in store.db.bands.find()}
        assert listed == {
            "aa00000000000001": ["forum-a:7:1", "forum-a:7:2"],
            "bb00000000000001": ["forum-a:7:2"],
            "cc00000000000001": ["forum-a:7:1", "forum-a:7:2"],
            "dd00000000000001": ["forum-a:7:1"],
            "ee00000000000001": ["forum-a:7:2"],
        }
        if one_by_one:
            assert sorted(updates.statements) == [(k, ["forum-a:7:2"]) for k in shared]
        else:  # one for the three; one of them gone: each written again by an upsert
            assert updates.statements == [({"$in": shared}, ["forum-a:7:2"])] + [
                (k, ["forum-a:7:2"]) for k in shared
            ]  # fmt: skip
        updates.statements.clear()
        store.upsert_posts([_banded("3", shared)])  # none gone: the one update alone
        assert updates.statements == (
            [(k, ["forum-a:7:3"]) for k in shared] if one_by_one
            else [({"$in": shared}, ["forum-a:7:3"])]
        )  # fmt: skip
    finally:
        store.client.drop_database(name)
        store.close()


def test_mongo_store_reads_in_by_id_where_the_server_says_it_can(mongo_uri: str) -> None:
    """The project's FerretDB build names its ``_id``-``$in`` reading in its build tags; a
    released FerretDB (no such tag) and MongoDB (no ``ferretdbVersion``) are told apart."""
    info = MongoClient(mongo_uri).admin.command("buildInfo")
    assert "ferretdbVersion" in info and reads_in_by_id(info)
    assert not reads_in_by_id({"ferretdbVersion": "v1.24.2", "buildEnvironment": {}})
    assert not reads_in_by_id({"ferretdbVersion": "v1.24.2"})
    assert reads_in_by_id({"buildEnvironment": {"-tags": "netgo,opinion_id_in"}})
    assert not reads_in_by_id({"buildEnvironment": {"-tags": "opinion_id_in_not"}})


def test_mongo_store_keeps_only_id_indexes_where_the_server_scans_anyway(
    mongo_store: MongoStore,
) -> None:
    """FerretDB 1.x reads the whole collection for a query on any field but ``_id``, index or
    not, so the schema there has its ``_id`` indexes alone (every other index would be kept up
    to date on every write for nothing); the queries analysts make still answer. MongoDB and a
    later FerretDB get every index."""
    mongo_store.upsert_posts([post("forum-a", "7", str(i)) for i in range(3)])
    assert set(mongo_store.db.posts.index_information()) == {"_id_"}
    assert set(mongo_store.db.alerts.index_information()) == {"_id_"}
    plan = mongo_store.db.command("explain", {"find": "posts", "filter": {"site": "forum-a"}})
    assert "SCAN" in str(plan["queryPlanner"]) and not plan["filterPushdown"]
    assert mongo_store.db.posts.count_documents({"site": "forum-a"}) == 3
    assert not serves_secondary_indexes({"ferretdbVersion": "v1.24.2"})
    assert serves_secondary_indexes({"version": "7.0.14", "gitVersion": "ce59cfc"})  # MongoDB
    assert serves_secondary_indexes({"ferretdbVersion": "v2.1.0"})


def test_mongo_store_band_documents_stay_bounded(mongo_store: MongoStore) -> None:
    """A band shared by many posts lists the first BAND_CAPACITY once a lookup saw it full (as
    the cluster stage looks each post up before its batch is written); a rewrite adds no
    duplicate."""
    band, cap = "ff00000000000001", MongoStore.BAND_CAPACITY
    mongo_store.upsert_posts([_banded(str(i), [band]) for i in range(cap + 20)])
    mongo_store.find_band_candidates([band], 50)
    mongo_store.upsert_posts([_banded(str(i), [band]) for i in range(cap + 20, cap + 40)])
    mongo_store.upsert_posts([_banded("0", [band], score=2.0)])
    doc = mongo_store.db.bands.find_one({"_id": band})
    assert doc is not None and len(doc["posts"]) == len(set(doc["posts"])) == cap
    assert doc["posts"][0] == "forum-a:7:0"
    other = "ff00000000000002"
    mongo_store.upsert_posts([_banded("1", [band, other]), _banded("2", [other])])
    doc = mongo_store.db.bands.find_one({"_id": other})
    assert doc is not None and doc["posts"] == ["forum-a:7:1", "forum-a:7:2"]


def _cluster(cid: str, size: int, last_seen: datetime) -> dict[str, Any]:
    return {"_id": cid, "size": size, "sites": ["forum-a", "bar-b"], "site_count": 2,
            "first_post_id": f"{cid}-first", "first_site": "forum-a", "first_author": "网友甲",
            "first_published_at": T0, "first_crawled_at": T0, "last_seen": last_seen}  # fmt: skip


def test_store_clusters_upsert_get_and_largest_first(any_store: Store) -> None:
    any_store.upsert_cluster(_cluster("c1", 2, T0))
    any_store.upsert_cluster(_cluster("c2", 5, T0 + timedelta(hours=1)))
    any_store.upsert_cluster(_cluster("c3", 3, T0 + timedelta(hours=2)))
    any_store.upsert_cluster(_cluster("c1", 9, T0 + timedelta(hours=3)))  # grew, seen again
    assert any_store.count("clusters") == 3
    assert any_store.get_cluster("c1") == _cluster("c1", 9, T0 + timedelta(hours=3))
    assert any_store.get_cluster("nope") is None
    assert [c["_id"] for c in any_store.find_clusters()] == ["c1", "c2", "c3"]
    since = T0 + timedelta(hours=2)
    assert [c["_id"] for c in any_store.find_clusters(since)] == ["c1", "c3"]
    assert [c["_id"] for c in any_store.find_clusters(limit=1)] == ["c1"]


# -- the cluster step: the queue, clusters by id, merges and its lease -----------------------
H = timedelta(hours=1)
#: A post's cluster fields as the cluster step writes them.
FIELDS = {"cluster_id": "c1", "cluster_size": 2, "cluster_sites": ["forum-a"],
          "cluster_first_id": "forum-a:7:1"}  # fmt: skip


def _queued(store: Store, limit: int = 1000) -> list[str]:
    return sorted(p["_id"] for p in store.queued_posts(limit))


def _lose_post(store: Store, post_id: str) -> Callable[[], None]:
    """Take a stored post away behind the store's back (as a crash between a queue entry's
    write and its post's leaves it: an old entry without a post); the call returned puts it
    back as it was, without queueing it."""
    if isinstance(store, MongoStore):
        posts = store.db.posts
        doc = posts.find_one_and_delete({"_id": post_id}) or {}
        store.db.cluster_queue.update_one({"_id": post_id}, {"$set": {"queued_at": T0}})

        def restore() -> None:
            posts.insert_one(doc)

        return restore
    assert isinstance(store, EmbeddedStore)
    conn = store._conn
    row = conn.execute("SELECT * FROM posts WHERE _id = ?", (post_id,)).fetchone()
    conn.execute("DELETE FROM posts WHERE _id = ?", (post_id,))

    def put_back() -> None:
        conn.execute(f"INSERT INTO posts VALUES ({','.join('?' * len(row))})", row)

    return put_back


def test_store_upsert_posts_queues_the_posts_with_a_signature(any_store: Store) -> None:
    any_store.upsert_posts([_banded("1", ["aa00000000000001"]), post("forum-a", "7", "2"),
                            _banded("3", ["aa00000000000003"])])  # fmt: skip
    assert _queued(any_store) == ["forum-a:7:1", "forum-a:7:3"]
    any_store.upsert_posts([_banded("1", ["aa00000000000001"])])  # queued already: once
    assert _queued(any_store) == ["forum-a:7:1", "forum-a:7:3"]


def _cluster_fields(store: Store, post_id: str) -> dict[str, Any]:
    stored = store.get_post(post_id) or {}
    return {f: stored[f] for f in CLUSTER_FIELDS if f in stored}


def test_store_upsert_posts_keeps_a_stored_posts_cluster_fields(any_store: Store) -> None:
    """A new post is stored with the crawl's view of its cluster; once stored, its cluster
    fields are the cluster step's: a rewrite of the post leaves them as they are."""
    view = {**FIELDS, "cluster_id": "c0", "cluster_size": 1}
    any_store.upsert_posts([_banded("1", ["aa00000000000001"], **view), _banded("2", ["ab"])])
    assert _cluster_fields(any_store, "forum-a:7:1") == view
    assert _cluster_fields(any_store, "forum-a:7:2") == {}
    done = ClusterWrites(posts={"forum-a:7:1": FIELDS}, done=["forum-a:7:1"])
    any_store.write_clusters(done)
    assert _queued(any_store) == ["forum-a:7:2"]
    any_store.upsert_posts([_banded("1", ["aa00000000000002"], score=2.0, cluster_id="c9",
                                    cluster_size=9)])  # fmt: skip
    stored = any_store.get_post("forum-a:7:1") or {}
    assert _cluster_fields(any_store, "forum-a:7:1") == FIELDS and stored["score"] == 2.0
    assert stored["minhash_bands"] == ["aa00000000000002"]
    assert _queued(any_store) == ["forum-a:7:1", "forum-a:7:2"], "a rewritten post is queued"


def test_store_still_queued_names_the_posts_waiting_for_the_step(any_store: Store) -> None:
    any_store.upsert_posts([_banded(str(i), [f"aa{i:014d}"]) for i in range(3)])
    any_store.upsert_posts([post("forum-a", "7", "9")])  # no signature: never queued
    any_store.write_clusters(ClusterWrites(posts={"forum-a:7:1": FIELDS}, done=["forum-a:7:1"]))
    ids = ["forum-a:7:0", "forum-a:7:1", "forum-a:7:2", "forum-a:7:9", "forum-a:7:404"]
    assert any_store.still_queued(ids) == {"forum-a:7:0", "forum-a:7:2"}
    assert any_store.still_queued([]) == set()
    many = [f"forum-a:7:{i}" for i in range(1200)]  # more than one read's worth of ids
    assert any_store.still_queued(many) == {"forum-a:7:0", "forum-a:7:2"}


def test_store_queued_posts_have_the_candidate_fields_and_bands(any_store: Store) -> None:
    any_store.upsert_posts([_banded(str(i), [f"aa{i:014d}", "bb00000000000001"])
                            for i in range(5)])  # fmt: skip
    any_store.write_clusters(ClusterWrites(posts={"forum-a:7:0": FIELDS}))
    assert len(_queued(any_store, limit=3)) == 3
    queued = {p["_id"]: p for p in any_store.queued_posts()}
    assert sorted(queued) == [f"forum-a:7:{i}" for i in range(5)]
    one, zero = queued["forum-a:7:1"], queued["forum-a:7:0"]
    assert set(one) <= {*CANDIDATE_FIELDS, *CLUSTER_FIELDS, "minhash_bands"}
    assert "content" not in one
    assert (one["minhash"], one["site"], one["author"], one["published_at"]) == (
        "m1:1", "forum-a", "网友甲", T0)  # fmt: skip
    assert one["minhash_bands"] == ["aa00000000000001", "bb00000000000001"]
    assert one["crawled_at"] == T0 + H and not one.get("cluster_id")
    assert {f: zero[f] for f in CLUSTER_FIELDS} == FIELDS


def test_store_queued_posts_come_oldest_first_a_limit_at_a_time(any_store: Store) -> None:
    """The step drains the queue ``limit`` posts at a time in the order they were queued:
    by ``upsert_posts`` call, then by place in the call (FerretDB is read in insertion order,
    not sorted whole: see ``_mongo_clusters._oldest``)."""
    batches = [[str(i) for i in reversed(range(a, b))] for a, b in ((0, 110), (110, 190),
                                                                     (190, 300))]  # fmt: skip
    for batch in batches:
        any_store.upsert_posts([_banded(p, [f"ba{int(p):014d}"]) for p in batch])
    taken: list[str] = []
    while ids := [str(p["_id"]) for p in any_store.queued_posts(120)]:
        assert len(ids) <= 120
        taken += ids
        any_store.write_clusters(ClusterWrites(done=ids))
    assert taken == [f"forum-a:7:{p}" for batch in batches for p in batch]


def test_mongodb_store_sorts_the_entries_it_reads_in_insertion_order(
    mongo_store: MongoStore,
) -> None:
    """Entries inserted out of queue order (writers queueing at once) come sorted by
    ``queued_at``, then place, within what one read takes."""
    mongo_store.upsert_posts([_banded(p, [f"bc{int(p):014d}"]) for p in "123"])
    queue = mongo_store.db["cluster_queue"]
    entries = list(queue.find({}))
    queue.delete_many({})
    early = min(e["queued_at"] for e in entries) - timedelta(seconds=5)
    late, first = [e for e in entries if e["seq"] < 2], [e for e in entries if e["seq"] == 2]
    queue.insert_many(late + [{**e, "queued_at": early, "seq": 0} for e in first])
    assert [p["_id"] for p in mongo_store.queued_posts(10)] == [
        "forum-a:7:3", "forum-a:7:1", "forum-a:7:2"]  # fmt: skip


def test_store_queued_posts_drop_the_ids_whose_post_is_gone(any_store: Store) -> None:
    any_store.upsert_posts([_banded("1", ["aa00000000000001"]), _banded("2", ["aa00000000000002"])])
    restore = _lose_post(any_store, "forum-a:7:1")
    assert _queued(any_store) == ["forum-a:7:2"]
    restore()
    assert any_store.get_post("forum-a:7:1") is not None
    assert _queued(any_store) == ["forum-a:7:2"], "its queue entry went"


def test_mongo_store_keeps_queued_a_post_still_being_written(mongo_store: MongoStore) -> None:
    """A queue entry is written before its post: one just written whose post is not there
    yet (another process between the two writes) is skipped, not taken off the queue."""
    mongo_store.upsert_posts([_banded("1", ["aa00000000000001"])])
    doc = mongo_store.db.posts.find_one_and_delete({"_id": "forum-a:7:1"})
    assert mongo_store.queued_posts() == []
    mongo_store.db.posts.insert_one(doc)  # type: ignore[arg-type]
    assert _queued(mongo_store) == ["forum-a:7:1"]


def _state(store: Store, ids: list[str], posts: list[str]) -> tuple[Any, ...]:
    fields = [{f: (store.get_post(p) or {}).get(f) for f in CLUSTER_FIELDS} for p in posts]
    return (store.get_clusters(ids), store.cluster_aliases(ids), fields, _queued(store),
            store.count("clusters"), store.count("posts"))  # fmt: skip


def test_store_write_clusters_replaces_merges_and_sets_posts_by_id(any_store: Store) -> None:
    any_store.upsert_posts([_banded(p, [f"aa0000000000000{p}"]) for p in "123"])
    a, b = _cluster("A", 2, T0), _cluster("B", 1, T0)
    any_store.write_clusters(ClusterWrites(clusters=[a, b]))
    assert any_store.get_clusters(["A", "B", "nope"]) == {"A": a, "B": b}
    assert any_store.get_clusters([]) == {} and any_store.cluster_aliases(["A", "B"]) == {}
    grown = {**_cluster("B", 3, T0 + H), "merged_from": ["A"], "members": ["forum-a:7:1"]}
    ours = {"cluster_id": "B", "cluster_size": 3, "cluster_first_id": "B-first"}
    step = ClusterWrites(clusters=[grown], merged={"A": "B"},
                         posts={"forum-a:7:1": ours, "forum-a:7:2": ours, "gone:0:0": ours},
                         done=["forum-a:7:1", "forum-a:7:2"])  # fmt: skip
    any_store.write_clusters(step)
    assert any_store.get_clusters(["A", "B"]) == {"B": grown} and any_store.count("clusters") == 1
    assert any_store.get_cluster("A") == grown == any_store.get_cluster("B")
    assert any_store.cluster_aliases(["A", "B", "nope"]) == {"A": "B"}
    for pid in ("forum-a:7:1", "forum-a:7:2"):
        stored = any_store.get_post(pid) or {}
        assert {f: stored.get(f) for f in ours} == ours and stored["minhash"].startswith("m1:")
    assert "cluster_id" not in (any_store.get_post("forum-a:7:3") or {})
    assert any_store.get_post("gone:0:0") is None and any_store.count("posts") == 3
    assert _queued(any_store) == ["forum-a:7:3"]
    before = _state(any_store, ["A", "B"], ["forum-a:7:1", "forum-a:7:3"])
    any_store.write_clusters(step)  # a step cut short is done again: the same state
    assert _state(any_store, ["A", "B"], ["forum-a:7:1", "forum-a:7:3"]) == before


def test_mongo_store_finishes_a_step_cut_short_before_anything_else(
    mongo_store: MongoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step's writes are all or nothing on MongoDB: killed after its clusters were written
    and before its posts and queue (here: the second bulk write raises), the next call of
    the step finishes it from the journal before it reads the queue."""
    mongo_store.upsert_posts([_banded(p, [f"aa0000000000000{p}"]) for p in "12"])
    ours = {"cluster_id": "B", "cluster_size": 2, "cluster_first_id": "forum-a:7:1"}
    step = ClusterWrites(clusters=[_cluster("B", 2, T0)], merged={"A": "B"},
                         posts={"forum-a:7:1": ours, "forum-a:7:2": ours},
                         done=["forum-a:7:1", "forum-a:7:2"])  # fmt: skip
    real, calls = Collection.bulk_write, []

    def killed(self: Collection[Any], *args: Any, **kwargs: Any) -> Any:
        calls.append(self.name)
        if len(calls) > 1:
            raise RuntimeError("killed")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "bulk_write", killed)
    with pytest.raises(RuntimeError):
        mongo_store.write_clusters(step)
    monkeypatch.setattr(Collection, "bulk_write", real)
    assert mongo_store.count("clusters") == 1 and "cluster_id" not in (
        mongo_store.get_post("forum-a:7:1") or {})  # fmt: skip
    assert mongo_store.queued_posts() == [], "the cut-short step was finished first"
    for pid in ("forum-a:7:1", "forum-a:7:2"):
        assert (mongo_store.get_post(pid) or {}).get("cluster_id") == "B"
    assert mongo_store.cluster_aliases(["A"]) == {"A": "B"}


def test_store_write_clusters_merges_chain(any_store: Store) -> None:
    """A merged into B, then B into C: A leads to C (and a merge record of its own is
    never needed for that)."""
    a, b, c = (_cluster(cid, 1, T0) for cid in "ABC")
    any_store.write_clusters(ClusterWrites(clusters=[a, b, c]))
    b2 = {**_cluster("B", 2, T0), "merged_from": ["A"]}
    any_store.write_clusters(ClusterWrites(clusters=[b2], merged={"A": "B"}))
    c3 = {**_cluster("C", 3, T0), "merged_from": ["A", "B"]}
    any_store.write_clusters(ClusterWrites(clusters=[c3], merged={"B": "C"}))
    assert any_store.cluster_aliases(["A", "B", "C", "D"]) == {"A": "C", "B": "C"}
    assert any_store.get_cluster("A") == c3 == any_store.get_cluster("B")
    assert any_store.get_clusters(["A", "B", "C"]) == {"C": c3}
    assert any_store.get_cluster("D") is None and any_store.count("clusters") == 1


def test_store_lease_has_one_holder_at_a_time(any_store: Store) -> None:
    assert any_store.take_lease("step", "a", 60) is True
    assert any_store.take_lease("step", "b", 60) is False
    any_store.release_lease("step", "b")  # not b's: nothing happens
    assert any_store.take_lease("step", "b", 60) is False
    assert any_store.take_lease("other", "b", 60) is True, "a lease of its own name"
    any_store.release_lease("step", "a")
    assert any_store.take_lease("step", "b", 0.001) is True
    time.sleep(0.02)
    assert any_store.take_lease("step", "a", 0.001) is True, "an expired lease is taken over"
    assert any_store.take_lease("step", "a", 60) is True  # renewed for a minute
    time.sleep(0.02)
    assert any_store.take_lease("step", "b", 60) is False


def test_store_select_posts_by_every_filter_newest_first(any_store: Store) -> None:
    from opinion_spiders.stores.base import PostFilter

    hour = timedelta(hours=1)
    docs = [
        post("a", "1", "1", published_at=T0, score=5.0, matches=[match("graft")]),
        post("a", "1", "2", published_at=T0 + hour, floor=2, kind="forum",
             entities=[{"id": "bureau", "name": "某局", "kind": "org"}]),
        post("b", "2", "1", published_at=T0 + 2 * hour, kind="portal", score=30.0,
             matches=[match("graft"), match("fees")]),
        post("b", "3", "1", published_at=T0 + 3 * hour, kind="portal", score=1.0),
    ]  # fmt: skip
    any_store.upsert_posts(docs)

    def ids(**kw: Any) -> list[str]:
        return [p["_id"] for p in any_store.select_posts(PostFilter(**kw))]

    assert ids() == ["b:3:1", "b:2:1", "a:1:2", "a:1:1"]
    assert ids(since=T0 + hour, until=T0 + 3 * hour) == ["b:2:1", "a:1:2"]
    assert ids(sites=("a",)) == ["a:1:2", "a:1:1"]
    assert ids(kinds=("portal",)) == ["b:3:1", "b:2:1"]
    assert ids(rules=("graft",)) == ["b:2:1", "a:1:1"]
    assert ids(rules=("fees",), sites=("a",)) == []
    assert ids(entities=("bureau",)) == ["a:1:2"]
    assert ids(min_score=5.0) == ["b:2:1", "a:1:1"]
    assert [p["_id"] for p in any_store.select_posts(PostFilter(), limit=2)] == ["b:3:1", "b:2:1"]


def _event(key: str, end: datetime, surprise: float, **fields: Any) -> dict[str, Any]:
    dimension, value = key.split(":")
    return {"_id": f"{key}:{end:%Y-%m-%dT%H:%MZ}", "dimension": dimension, "value": value,
            "start": end - timedelta(hours=1), "end": end, "surprise": surprise,
            "post_ids": ["a", "b"], "first_post": {"id": "a", "time": end}, **fields}  # fmt: skip


def test_store_events_replace_by_id_and_list_newest_first(any_store: Store) -> None:
    old, new = _event("rule:land", T0, 4.0), _event("term:农民工", T0 + timedelta(hours=3), 5.5)
    other = _event("site:demo-bar", T0 + timedelta(hours=3), 9.0)
    any_store.upsert_events([old, new, other])
    any_store.upsert_events([{**old, "post_ids": ["a", "b", "c"], "level": "warning"}])
    assert any_store.count("events") == 3
    found = any_store.get_events([old["_id"], "rule:none:x"])
    assert list(found) == [old["_id"]] and found[old["_id"]]["post_ids"] == ["a", "b", "c"]
    assert found[old["_id"]]["first_post"]["time"] == T0
    listed = [e["_id"] for e in any_store.find_events()]
    assert listed == [other["_id"], new["_id"], old["_id"]]
    since = [e["_id"] for e in any_store.find_events(since=T0 + timedelta(hours=1))]
    assert since == [other["_id"], new["_id"]]
    assert [e["value"] for e in any_store.find_events(dimension="term")] == ["农民工"]
    assert (
        any_store.get_events([]) == {} and any_store.find_events(limit=1)[0]["_id"] == other["_id"]
    )


def test_store_get_alert_and_recent_posts_fields(any_store: Store) -> None:
    any_store.insert_alert({"_id": "thread:s:1", "created_at": T0, "status": "sent", "posts": 2})
    assert any_store.get_alert("thread:s:1") == {
        "_id": "thread:s:1", "created_at": T0, "status": "sent", "posts": 2,
    }  # fmt: skip
    assert any_store.get_alert("thread:s:2") is None
    any_store.upsert_posts([post("s", "1", str(i), published_at=T0 + timedelta(hours=i))
                            for i in range(4)])  # fmt: skip
    recent = any_store.recent_posts(T0 + timedelta(hours=1), ("site", "time", "terms"))
    assert [p["_id"] for p in recent] == ["s:1:3", "s:1:2", "s:1:1"]
    assert set(recent[0]) == {"_id", "site", "time", "terms"} and recent[0]["terms"][0] == "举报"
