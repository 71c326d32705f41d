"""One contract, every store: each test runs on the embedded store and on MongoDB (FerretDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from opinion_spiders.errors import ConfigError
from opinion_spiders.stores import open_store, store_uri
from opinion_spiders.stores.base import Store
from opinion_spiders.stores.embedded import EmbeddedStore

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


def test_store_find_alerts_newest_first_with_since(any_store: Store) -> None:
    for i in range(4):
        any_store.insert_alert({"_id": f"a{i}", "created_at": T0 + timedelta(hours=i)})
    assert [a["_id"] for a in any_store.find_alerts()] == ["a3", "a2", "a1", "a0"]
    assert [a["_id"] for a in any_store.find_alerts(T0 + timedelta(hours=2))] == ["a3", "a2"]
    assert [a["_id"] for a in any_store.find_alerts(limit=1)] == ["a3"]


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
    for name in ("posts", "clusters", "alerts", "runs", "crawl_state"):
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


# -- near-duplicate clusters: the band index and the clusters collection ----------------------
def _banded(pid: str, bands: list[str], **fields: Any) -> dict[str, Any]:
    return post("forum-a", "7", pid, minhash=f"m1:{pid}", minhash_bands=bands,
                cluster_id=fields.pop("cluster_id", f"forum-a:7:{pid}"), **fields)  # fmt: skip


def test_store_band_candidates_share_any_band(any_store: Store) -> None:
    any_store.upsert_posts([
        _banded("1", ["aa00000000000001", "bb00000000000001"]),
        _banded("2", ["aa00000000000002", "bb00000000000001"], cluster_id="forum-a:7:1"),
        _banded("3", ["aa00000000000003", "bb00000000000003"]),
        post("forum-a", "7", "4"),  # no signature (a short text)
    ])  # fmt: skip
    found = any_store.find_band_candidates(["bb00000000000001", "zz"], limit=10)
    assert sorted(c["_id"] for c in found) == ["forum-a:7:1", "forum-a:7:2"]
    two = next(c for c in found if c["_id"] == "forum-a:7:2")
    assert (two["cluster_id"], two["minhash"], two["site"], two["author"]) == (
        "forum-a:7:1", "m1:2", "forum-a", "网友甲")  # fmt: skip
    assert two["published_at"] == T0 and two["crawled_at"] == T0 + timedelta(hours=1)
    assert len(any_store.find_band_candidates(["bb00000000000001"], limit=1)) == 1
    assert any_store.find_band_candidates([], limit=10) == []


def test_store_band_index_follows_rewritten_posts(any_store: Store) -> None:
    any_store.upsert_posts([_banded("1", ["aa00000000000001", "bb00000000000001"])])
    any_store.upsert_posts([_banded("1", ["cc00000000000001"], score=3.0)])
    assert any_store.find_band_candidates(["aa00000000000001", "bb00000000000001"], 10) == []
    [moved] = any_store.find_band_candidates(["cc00000000000001"], 10)
    assert moved["_id"] == "forum-a:7:1"


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
