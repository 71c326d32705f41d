"""What a story or event page is built from (``events.evidence``): first publisher, spread,
timeline — pure, then read from a real store (embedded and FerretDB) and served by the
workspace as HTML on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.alerting import alert_for
from opinion_spiders.events.documents import event_alert
from opinion_spiders.events.evidence import (
    event_evidence,
    first_publisher,
    spread,
    story_evidence,
    timeline,
)
from opinion_spiders.stores.base import Store
from tests._stored import upsert_clustered
from tests.test_store_contract import T0, post

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
EVENT_ID = "rule:demolition:2026-11-25T08:00Z"


def _hit(field: str, start: int, end: int) -> dict[str, Any]:
    return {"term": "拆迁", "field": field, "start": start, "end": end, "context": ""}


def story_posts() -> list[dict[str, Any]]:
    """A thread of three posts on forum-a, copies of its first post on news-b and as a reply in
    another thread of forum-a, and posts of neither (one earlier than all)."""
    demolition = {"rule": "demolition", "name": "拆迁", "severity": 3, "weight": 8.0}
    why = [{"source": "rule:demolition", "value": 8.0, "reason": "命中规则「拆迁」: 拆遷"},
           {"source": "replies", "value": 4.0, "reason": "3 条回复"}]  # fmt: skip
    return [
        post("forum-a", "7", "2", title="關於拆遷補償的帖子", content="同意，必须公开账目",
             floor=2, published_at=T0 + HOUR, author="网友乙", cluster_id="forum-a:7:2"),
        post("forum-a", "7", "1", title="關於拆遷補償的帖子", content="村裡的拆遷補償款被截留了",
             published_at=T0, author="网友甲", score=12.0, contributions=why,
             cluster_id="forum-a:7:1", cluster_size=1,
             matches=[{**demolition, "hits": [_hit("title", 2, 4), _hit("content", 3, 5)]}]),
        post("news-b", "11", "1", kind="portal", title="转：关于拆迁补偿的帖子",
             content="村里的拆迁补偿款被截留了", published_at=T0 + 2 * HOUR, author="编辑",
             cluster_id="forum-a:7:1", cluster_size=2, score=9.0,
             matches=[{**demolition, "hits": [_hit("content", 3, 5)]}]),
        post("forum-a", "7", "3", title="關於拆遷補償的帖子", content="顶", floor=3,
             published_at=T0 + 5 * HOUR, cluster_id="forum-a:7:3"),
        post("news-b", "5", "1", kind="portal", title="天气预报", content="明天晴",
             published_at=T0 - 5 * HOUR, cluster_id="news-b:5:1"),
        post("forum-a", "8", "1", title="别的帖子", content="无关", published_at=T0 + HOUR,
             cluster_id="forum-a:8:1", score=11.0),
        post("forum-a", "8", "2", title="别的帖子", content="村里的拆迁补偿款被截留了", floor=2,
             published_at=T0 + 4 * HOUR, cluster_id="forum-a:7:1", cluster_size=3),
    ]  # fmt: skip


def seed(store: Store) -> dict[str, Any]:
    """The story posts, the thread's alert and a burst event over the matched posts with its
    alert; the thread's alert is returned."""
    posts = story_posts()
    upsert_clustered(store, posts)
    first = next(p for p in posts if p["_id"] == "forum-a:7:1")
    alert = alert_for(first, 10.0, T0 + HOUR)
    assert alert is not None and alert["_id"] == "thread:forum-a:7"
    alert["threads"].append("forum-a:8")  # the copy in thread 8 joined the story
    store.insert_alert(alert)
    other = alert_for(next(p for p in posts if p["_id"] == "forum-a:8:1"), 10.0, T0 + HOUR)
    assert other is not None and store.insert_alert(other)
    event = {
        "_id": EVENT_ID, "dimension": "rule", "value": "demolition", "name": "拆迁",
        "start": T0, "end": T0 + 3 * HOUR, "bucket_hours": 1.0, "count": 2, "expected": 0.1,
        "baseline": 0.05, "surprise": 4.2, "threshold": 3.0, "period_factor": 1.0,
        "peak": {"start": T0, "count": 1}, "level": "warning",
        "levels": [{"level": "notice", "at": T0 + HOUR, "count": 1},
                   {"level": "warning", "at": T0 + 2 * HOUR, "count": 2}],
        "first_post": {"id": "forum-a:7:1", "site": "forum-a", "title": "關於拆遷補償的帖子",
                       "url": first["url"], "author": "网友甲", "time": T0},
        "post_ids": ["forum-a:7:1", "news-b:11:1"], "sites": ["forum-a", "news-b"],
        "terms": [{"term": "补偿款", "count": 2, "expected": 0.2, "surprise": 1.9}],
        "alert_id": f"event:{EVENT_ID}", "created_at": T0 + HOUR, "updated_at": T0 + 2 * HOUR,
    }  # fmt: skip
    store.upsert_events([event])
    raised = event_alert(event, ["notice", "warning", "urgent"], T0 + HOUR)
    assert raised is not None and store.insert_alert(raised)
    return alert


def _p(site: str, when: datetime | None, pid: str = "1", **more: Any) -> dict[str, Any]:
    return {"_id": f"{site}:t:{pid}", "site": site, "time": when, **more}


def test_evidence_first_publisher_is_the_earliest_post_not_the_first_listed() -> None:
    posts = [_p("b", T0 + HOUR), _p("a", T0, "2"), _p("a", T0, "1"), _p("c", None)]
    assert first_publisher(posts)["_id"] == "a:t:1"  # type: ignore[index]  # tie: by _id
    assert first_publisher([_p("c", None)]) is None
    crawled_only = {"_id": "x", "site": "x", "crawled_at": T0 - HOUR}
    assert first_publisher([*posts, crawled_only])["_id"] == "x"  # type: ignore[index]


def test_evidence_spread_lists_sites_in_the_order_the_text_reached_them() -> None:
    posts = [_p("b", T0 + 2 * HOUR), _p("a", T0 + HOUR), _p("b", T0, "2"), _p("c", None)]
    assert spread(posts) == [
        {"site": "b", "posts": 2, "first": T0},
        {"site": "a", "posts": 1, "first": T0 + HOUR},
        {"site": "c", "posts": 1, "first": None},
    ]


def test_evidence_timeline_counts_local_hours_per_site_and_keeps_gaps() -> None:
    start = datetime(2026, 11, 25, 15, 50, tzinfo=UTC)  # 23:50 in Shanghai
    posts = [_p("a", start), _p("b", start + timedelta(minutes=5)),
             _p("a", start + timedelta(minutes=20), "2"), _p("a", start + 3 * HOUR, "3")]  # fmt: skip
    unit, rows = timeline(posts, SHANGHAI)
    assert unit == "hour"
    assert rows == [
        {"slot": "2026-11-25 23:00", "site": "a", "count": 1},
        {"slot": "2026-11-25 23:00", "site": "b", "count": 1},
        {"slot": "2026-11-26 00:00", "site": "a", "count": 1},
        {"slot": "2026-11-26 01:00", "site": "a", "count": 0},  # a gap stays on the axis
        {"slot": "2026-11-26 02:00", "site": "a", "count": 1},
    ]
    unit, rows = timeline([*posts, _p("c", start + timedelta(days=3))], SHANGHAI)
    assert unit == "day" and [r["slot"] for r in rows if r["count"]] == [
        "2026-11-25", "2026-11-25", "2026-11-26", "2026-11-28",
    ]  # fmt: skip
    assert [(r["slot"], r["count"]) for r in rows if r["slot"] >= "2026-11-26"] == [
        ("2026-11-26", 2), ("2026-11-27", 0), ("2026-11-28", 1),
    ]  # fmt: skip
    assert timeline([], SHANGHAI) == ("hour", [])
    with pytest.raises(ValueError, match="hour or day"):
        timeline(posts, SHANGHAI, "week")


def test_evidence_story_reads_its_thread_and_the_copies_on_other_sites(any_store: Store) -> None:
    alert = seed(any_store)
    got = story_evidence(any_store, alert, SHANGHAI)
    assert [p["_id"] for p in got.posts] == [
        "forum-a:7:1", "forum-a:7:2", "news-b:11:1", "forum-a:8:2", "forum-a:7:3",
    ]  # fmt: skip
    assert got.first is not None and got.first["_id"] == "forum-a:7:1" and not got.cut_short
    assert got.spread == [
        {"site": "forum-a", "posts": 4, "first": T0},
        {"site": "news-b", "posts": 1, "first": T0 + 2 * HOUR},
    ]
    assert got.unit == "hour" and sum(r["count"] for r in got.timeline) == 5
    assert len({r["slot"] for r in got.timeline}) == 6  # 16:00 … 21:00 in Shanghai
    # Thread 8's story has the copy among its replies, not the story that text came from.
    other = story_evidence(any_store, any_store.get_alert("thread:forum-a:8") or {}, SHANGHAI)
    assert [p["_id"] for p in other.posts] == ["forum-a:8:1", "forum-a:8:2"]
    assert other.first is not None and other.first["_id"] == "forum-a:8:1"


def test_evidence_event_reads_the_posts_it_lists(any_store: Store) -> None:
    seed(any_store)
    (event,) = any_store.get_events([EVENT_ID]).values()
    got = event_evidence(any_store, event, SHANGHAI)
    assert [p["_id"] for p in got.posts] == ["forum-a:7:1", "news-b:11:1"]
    assert got.first is not None and got.first["_id"] == "forum-a:7:1" and not got.cut_short
    event["count"] = 40  # more posts than the event lists: the page says so
    assert event_evidence(any_store, event, SHANGHAI).cut_short


def _get(store: Store, path: str, query: str = "") -> tuple[str, str]:
    from opinion_spiders.web import Workspace

    got: dict[str, str] = {}

    def start(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"] = status

    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query}
    body = b"".join(Workspace(store, {})(env, start))  # type: ignore[arg-type]
    return got["status"], body.decode("utf-8")


def test_web_story_and_event_pages_on_each_store(any_store: Store) -> None:
    seed(any_store)
    status, html = _get(any_store, "/story", "id=thread:forum-a:7")
    assert status.startswith("200")
    assert 'data-post="forum-a:7:1"' in html and "<mark>拆遷</mark>" in html
    assert html.count('class="bar kind-') == 5  # 16:00, 17:00, 18:00 (news-b), 20:00, 21:00
    assert "+8 rule:demolition: 命中规则「拆迁」: 拆遷" in html and "3 条回复" in html
    status, html = _get(any_store, "/event", f"id={EVENT_ID}")
    assert status.startswith("200") and 'data-post="forum-a:7:1"' in html
    assert html.count('class="bar kind-') == 2 and "<mark>拆迁</mark>" in html
    assert "补偿款" in html and html.index(">notice<") < html.index(
        ">warning<", html.index("levels")
    )
    # A word's event marks the word (folded: 補償款 too), an entity's event its mentions.
    any_store.upsert_posts([{**any_store.get_post("news-b:11:1"), "entities": [  # type: ignore[dict-item]
        {"id": "cun", "name": "村", "hits": [{"field": "content", "start": 0, "end": 2}]}]}])  # fmt: skip
    base = {"start": T0, "end": T0 + 3 * HOUR, "count": 2, "level": "notice",
            "post_ids": ["forum-a:7:1", "news-b:11:1"]}  # fmt: skip
    any_store.upsert_events([{**base, "_id": "term:补偿款:x", "dimension": "term", "value": "补偿款"},
                             {**base, "_id": "entity:cun:x", "dimension": "entity", "value": "cun"}])  # fmt: skip
    html = _get(any_store, "/event", "id=term:补偿款:x")[1]
    assert "<mark>補償款</mark>" in html and "<mark>补偿款</mark>" in html
    html = _get(any_store, "/event", "id=entity:cun:x")[1]
    assert "<mark>村里</mark>" in html and "<mark>村裡</mark>" not in html
    # An event's alert opens its event; unknown ids say what to do.
    assert _get(any_store, "/story", f"id=event:{EVENT_ID}")[0].startswith("303")
    status, html = _get(any_store, "/story", "id=thread:nowhere:1")
    assert status.startswith("404") and "No story has the id &#x27;thread:nowhere:1&#x27;" in html
    status, html = _get(any_store, "/event", "id=")
    assert status.startswith("404") and "Give an event id" in html
