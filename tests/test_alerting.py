"""Alerts: tiers, the one-alert ledger, quiet hours and digests, retries with backoff, latency —
pure functions as tables, then the ledger at work on a real store with real receivers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.alerting import (
    AlertPolicy,
    OfflineLedger,
    alert_for,
    backoff_delay,
    delivery_due,
    dispatch,
    parse_quiet_hours,
    raise_alert,
    record_failure,
    record_success,
    retry_pending,
    tier_for,
    tier_table,
)
from opinion_spiders.analysis.report import alert_latency, build_report, format_report, percentile
from opinion_spiders.clusters import signature
from opinion_spiders.stores import Store, StoreUnavailable, cluster_docs, open_store
from opinion_spiders.stores.base import ClusterWrites
from opinion_spiders.stores.spool import Spool
from pipelines.alert import copy_stories
from plugins.channels import DingTalkChannel, LogChannel, WebhookChannel
from tests.fault_runs import LedgerLostAfterInsert
from tests.receivers import DingTalkReceiver, WebhookReceiver

SH = ZoneInfo("Asia/Shanghai")
TIERS = {"notice": 25, "warning": 50, "urgent": 100}


def _sh(hour: int, minute: int = 0, day: int = 1) -> datetime:
    """A moment given in Shanghai local time (the quiet-hours clock)."""
    return datetime(2024, 5, day, hour, minute, tzinfo=SH).astimezone(UTC)


# -- tiers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("score", "tiers", "expected"),
    [
        (24.9, TIERS, None),
        (25, TIERS, "notice"),
        (49.9, TIERS, "notice"),
        (50, TIERS, "warning"),
        (100, TIERS, "urgent"),
        (1e6, TIERS, "urgent"),
        (10, 10.0, "notice"),  # a number: notice, warning at 2×, urgent at 4×
        (25, 10.0, "warning"),
        (40, 10.0, "urgent"),
        (1e6, 0.0, None),  # threshold 0: alerts off
        (30, {"红色": 30, "蓝色": 10, "黄色": 20}, "红色"),  # any names, any order
        (15, {"红色": 30, "蓝色": 10, "黄色": 20}, "蓝色"),
        (99, {}, None),
    ],
)
def test_alerting_tier_for(score: float, tiers: Any, expected: str | None) -> None:
    assert tier_for(score, tiers) == expected


def test_alerting_tier_table_sorted_and_drops_nonpositive() -> None:
    assert tier_table({"b": 50, "a": 25, "off": 0}) == [("a", 25.0), ("b", 50.0)]


def test_alerting_policy_from_settings() -> None:
    policy = AlertPolicy.from_settings(
        {
            "OPINION_ALERT_TIERS": '{"notice": 30, "urgent": 90}',
            "OPINION_ALERT_QUIET_HOURS": "22:30-06:00",
        }
    )
    assert policy.tiers == (("notice", 30.0), ("urgent", 90.0)) and policy.top_tier == "urgent"
    assert policy.quiet is not None and str(policy.quiet) == "22:30-06:00"
    derived = AlertPolicy.from_settings({"OPINION_ALERT_THRESHOLD": 20})
    assert derived.tiers == (("notice", 20.0), ("warning", 40.0), ("urgent", 80.0))
    assert derived.quiet is None and derived.retry_base == 60 and derived.retry_max == 3600


# -- one alert per post or cluster -----------------------------------------------------------
def _post(pid: str = "s:1:9", score: float = 60.0, cluster: str | None = None) -> dict[str, Any]:
    now = datetime(2024, 5, 1, 8, tzinfo=UTC)
    return {
        "_id": pid, "site": "demo-forum", "kind": "forum", "url": f"http://x/{pid}",
        "title": "街道办强拆", "score": score, "cluster_id": cluster,
        "matches": [{"rule": "land", "hits": [{"term": "强拆"}, {"term": "补偿款"}]}],
        "published_at": now - timedelta(minutes=30), "crawled_at": now - timedelta(minutes=2),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("post", "key"),
    [
        (_post(), "post:s:1:9"),
        (_post(cluster="c42"), "cluster:c42"),
        (_post(cluster=""), "post:s:1:9"),
    ],
)
def test_alerting_alert_key_per_post_or_cluster(post: dict[str, Any], key: str) -> None:
    alert = alert_for(post, TIERS, datetime(2024, 5, 1, tzinfo=UTC))
    assert alert is not None and alert["_id"] == key
    assert alert["tier"] == "warning" and alert["terms"] == ["强拆", "补偿款"]
    assert (
        alert["published_at"] == post["published_at"] and alert["crawled_at"] == post["crawled_at"]
    )


# -- quiet hours -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("window", "when", "quiet"),
    [
        ("23:00-07:00", _sh(23, 0), True),
        ("23:00-07:00", _sh(22, 59), False),
        ("23:00-07:00", _sh(0, 0), True),
        ("23:00-07:00", _sh(6, 59), True),
        ("23:00-07:00", _sh(7, 0), False),
        ("23:00-07:00", _sh(12, 0), False),
        ("12:00-13:30", _sh(12, 0), True),  # a window inside one day
        ("12:00-13:30", _sh(13, 30), False),
        ("12:00-13:30", _sh(11, 59), False),
        # 16:00 UTC is midnight in Shanghai: the window is read in OPINION_ALERT_TIMEZONE
        ("23:00-07:00", datetime(2024, 5, 1, 16, 0, tzinfo=UTC), True),
        ("23:00-07:00", datetime(2024, 5, 1, 0, 0, tzinfo=UTC), False),
    ],
)
def test_alerting_quiet_hours_window(window: str, when: datetime, quiet: bool) -> None:
    hours = parse_quiet_hours(window, SH)
    assert hours is not None and hours.contains(when) is quiet


@pytest.mark.parametrize("text", ["23-07", "25:00-07:00", "23:00-07:61", "08:00-08:00", "夜间"])
def test_alerting_quiet_hours_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        parse_quiet_hours(text, SH)


def test_alerting_quiet_hours_off_when_empty() -> None:
    assert parse_quiet_hours("", SH) is None and parse_quiet_hours(None, SH) is None
    assert parse_quiet_hours(" 7:05 - 9:00 ", SH) is not None


def test_alerting_quiet_hours_hold_all_but_the_top_tier() -> None:
    policy = AlertPolicy.from_settings(
        {"OPINION_ALERT_TIERS": TIERS, "OPINION_ALERT_QUIET_HOURS": "23:00-07:00"}
    )
    assert policy.quiet is not None and policy.quiet.start == time(23)
    assert policy.holds({"tier": "warning"}, _sh(1)) and policy.holds({"tier": "notice"}, _sh(1))
    assert not policy.holds({"tier": "urgent"}, _sh(1))
    assert not policy.holds({"tier": "notice"}, _sh(9))


# -- retries ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attempts", "delay"),
    [(0, 0), (1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (8, 3600), (500, 3600)],
)
def test_alerting_backoff_schedule(attempts: int, delay: float) -> None:
    assert backoff_delay(attempts, 60, 3600) == delay


def test_alerting_delivery_records() -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    policy = AlertPolicy(tiers=(), retry_base=10, retry_max=100)
    failed = record_failure(None, now, TimeoutError("timed out"), policy)
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert (
        failed["next_attempt_at"] == now + timedelta(seconds=10)
        and "TimeoutError" in failed["error"]
    )
    again = record_failure(failed, now, OSError("refused"), policy)
    assert again["attempts"] == 2 and again["next_attempt_at"] == now + timedelta(seconds=20)
    assert not delivery_due(again, now + timedelta(seconds=19))
    assert delivery_due(again, now + timedelta(seconds=20))
    sent = record_success(again, now)
    assert sent["status"] == "sent" and sent["attempts"] == 3 and not delivery_due(sent, now)
    # older ledgers kept plain strings
    assert not delivery_due("sent", now) and delivery_due("failed: OSError: x", now)
    assert delivery_due(None, now)


# -- latency ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 50, None), ([7.0], 99, 7.0), ([1, 2, 3, 4], 50, 2), ([1, 2, 3, 4], 90, 4),
     (list(range(1, 101)), 50, 50), (list(range(1, 101)), 90, 90), (list(range(1, 101)), 99, 99)],
)  # fmt: skip
def test_alerting_percentile_nearest_rank(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == expected


def test_alerting_latency_from_published_and_crawled() -> None:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    alerts = [
        {"type": "post", "published_at": t0, "crawled_at": t0 + timedelta(seconds=50),
         "alerted_at": t0 + timedelta(seconds=60 * (i + 1))}
        for i in range(10)
    ] + [
        {"type": "post", "published_at": None, "crawled_at": t0, "alerted_at": t0},  # no time shown
        {"type": "post", "published_at": t0, "crawled_at": t0, "status": "pending"},  # not sent yet
        {"type": "health", "published_at": t0, "crawled_at": t0, "alerted_at": t0 + timedelta(days=9)},
    ]  # fmt: skip
    lat = alert_latency(alerts)
    assert lat["publish_to_alert"] == {"count": 10, "p50": 300.0, "p90": 540.0, "p99": 600.0}
    assert lat["crawl_to_alert"]["count"] == 11 and lat["crawl_to_alert"]["p50"] == 250.0


# -- the ledger at work ----------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"embedded://{tmp_path / 'store'}")
    yield s
    s.close()


def _alert(post: dict[str, Any], now: datetime) -> dict[str, Any]:
    alert = alert_for(post, TIERS, now)
    assert alert is not None
    return alert


def test_alerting_retry_finds_an_old_pending_alert_behind_many_sent_ones(
    store: Store, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry asks the ledger for open alerts only, so a pending alert is retried however
    many alerts were sent after it (the pass takes at most RETRY_SCAN_LIMIT of them)."""
    monkeypatch.setattr(dispatch, "RETRY_SCAN_LIMIT", 3)
    channels = [WebhookChannel(webhook.url)]
    policy = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS})
    t0 = _sh(10)
    webhook.fail_next = 1
    first = raise_alert(store, channels, _alert(_post("s:1:1"), t0), policy, t0)
    assert first is not None and first.status == "pending"
    for n in range(2, 8):  # newer alerts, all delivered
        later = t0 + timedelta(minutes=n)
        raise_alert(store, channels, _alert(_post(f"s:1:{n}"), later), policy, later)
    done = retry_pending(store, channels, t0 + timedelta(hours=1), policy)
    assert done.sent == ["webhook"]
    assert {a["status"] for a in store.find_alerts()} == {"sent"}


def test_alerting_raise_once_per_post_and_per_cluster(
    store: Store, webhook: WebhookReceiver
) -> None:
    channels = [LogChannel(), WebhookChannel(webhook.url)]
    policy, now = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)
    first = raise_alert(store, channels, _alert(_post(), now), policy, now)
    assert first is not None and first.status == "sent" and first.sent == ["log", "webhook"]
    assert raise_alert(store, channels, _alert(_post(), now), policy, now) is None
    for pid in ("a:1:1", "b:7:3", "c:9:9"):  # three copies of one story in one cluster
        raise_alert(store, channels, _alert(_post(pid, cluster="c42"), now), policy, now)
    assert [r["json"]["id"] for r in webhook.requests] == ["post:s:1:9", "cluster:c42"]
    ledger = {a["_id"]: a for a in store.find_alerts()}
    assert ledger["cluster:c42"]["post_id"] == "a:1:1" and ledger["cluster:c42"]["status"] == "sent"
    assert ledger["post:s:1:9"]["alerted_at"] == now
    assert ledger["post:s:1:9"]["deliveries"]["webhook"]["attempts"] == 1


def _member(pid: str, site: str, published: datetime) -> dict[str, Any]:
    return {"_id": pid, "site": site, "author": "网友", "published_at": published,
            "crawled_at": published + timedelta(minutes=5)}  # fmt: skip


def test_alerting_merged_clusters_are_one_story(any_store: Store) -> None:
    """Cluster B alerted; a copy then bridged A and B, and B merged into A (the earlier
    first publisher). A post of A, or one still carrying B's id, does not alert again."""
    channels = [LogChannel()]
    policy, now = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)
    t0, hour = now - timedelta(hours=3), timedelta(hours=1)
    a = cluster_docs.joined(cluster_docs.founded("A", _member("A", "forum", t0)),
                            _member("a2", "bar", t0))  # fmt: skip
    b = cluster_docs.joined(cluster_docs.founded("B", _member("B", "portal", t0 + hour)),
                            _member("b2", "bar", t0 + hour))  # fmt: skip
    any_store.write_clusters(ClusterWrites(clusters=[a, b]))
    b_alert = raise_alert(any_store, channels, _alert(_post("b2", cluster="B"), now), policy, now)
    assert b_alert is not None
    any_store.write_clusters(ClusterWrites([cluster_docs.combined(a, b)], merged={"B": "A"}))
    merged = any_store.get_cluster("B")
    assert merged is not None and merged["_id"] == "A" and "B" in merged["merged_from"]
    for pid, cluster in (("a2", "A"), ("late", "B")):
        assert raise_alert(any_store, channels, _alert(_post(pid, cluster=cluster), now),
                           policy, now) is None  # fmt: skip
    assert [a["_id"] for a in any_store.find_alerts()] == ["cluster:B"]
    any_store.upsert_cluster(cluster_docs.joined(cluster_docs.founded(
        "C", _member("C", "forum", t0)), _member("c2", "bar", t0)))  # fmt: skip
    other = _alert(_post("c2", cluster="C"), now)
    assert raise_alert(any_store, channels, other, policy, now) is not None, "another story"
    assert other["_id"] == "cluster:C"
    assert any_store.alert_ids(["cluster:B", "cluster:C", "cluster:A", "post:x"]) == {
        "cluster:B", "cluster:C",
    }  # fmt: skip


TEXT = (
    "城南街道办昨天下午组织人员强拆了老街三十六号的民房，住户说补偿款至今没有到位，"
    "多次到街道和区信访局反映都没有结果，现场有老人被推倒受伤送医，请有关部门尽快调查处理"
)


def _copy_post(site: str, thread: str, text: str, crawled: datetime) -> dict[str, Any]:
    """A stored post as the crawl writes it, alone in the cluster of its crawl's view."""
    sig = signature(text)
    assert sig is not None
    pid = f"{site}:{thread}:1"
    return {
        "_id": pid, "site": site, "kind": "forum", "url": f"http://x/{pid}", "thread_id": thread,
        "post_id": "1", "title": text[:12], "content": text, "author": "网友", "score": 60.0,
        "published_at": crawled - timedelta(minutes=30), "crawled_at": crawled,
        "time": crawled - timedelta(minutes=30), "day": "2024-05-01",
        "matches": [{"rule": "land", "hits": [{"term": "强拆"}]}],
        "minhash": sig.encoded, "minhash_bands": list(sig.bands),
        "cluster_id": pid, "cluster_size": 1, "cluster_first_id": pid,
    }  # fmt: skip


def test_alerting_a_new_story_that_is_a_copy_of_an_earlier_one_grows_it(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """Two crawl processes each stored one copy of a text before either saw the other's, so
    each crawl's view put its copy in a thread story of its own. The first to raise its story
    delivers it; the second finds, after its insert, that its post is a copy of that earlier
    story's: its entry goes, the earlier story grows by the post, nothing more is sent."""
    channels = [WebhookChannel(webhook.url)]
    policy, t0 = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)
    first = _copy_post("forum-a", "1", TEXT, t0)
    copy = _copy_post("forum-b", "5", TEXT.replace("昨天下午", "昨天"), t0 + timedelta(seconds=5))
    any_store.upsert_posts([first, copy])
    assert copy_stories(any_store, copy) == ["thread:forum-a:1"]
    assert copy_stories(any_store, first) == ["thread:forum-b:5"]
    one = _alert(first, t0)
    done = raise_alert(any_store, channels, one, policy, t0, copy_of=lambda: copy_stories(
        any_store, first))  # fmt: skip
    assert done is not None and not done.folded and done.sent == ["webhook"]
    later = t0 + timedelta(minutes=1)
    two = _alert(copy, later)
    assert two["_id"] == "thread:forum-b:5"
    done = raise_alert(any_store, channels, two, policy, later, copy_of=lambda: copy_stories(
        any_store, copy))  # fmt: skip
    assert done is not None and done.folded and done.grew and done.sent == []
    assert two["_id"] == "thread:forum-a:1"  # the post's part is in the earlier story
    [story] = any_store.find_alerts()
    assert story["_id"] == "thread:forum-a:1" and story["post_ids"] == [first["_id"], copy["_id"]]
    assert story["sites"] == ["forum-a", "forum-b"] and story["tier"] == "warning"
    assert [r["json"]["id"] for r in webhook.requests] == ["thread:forum-a:1"]


def test_alerting_a_copys_story_inserted_first_is_the_earlier_one(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """The other order of the same race: the second process's story went in first, and the
    first process looks while that entry is there. The story inserted first is the earlier
    one, whichever post was crawled first: the first process folds into it and sends nothing
    (the second, looking after its insert, found no other story and sent its own)."""
    channels = [WebhookChannel(webhook.url)]
    policy, t0 = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)
    first = _copy_post("forum-a", "1", TEXT, t0)
    copy = _copy_post("forum-b", "5", TEXT.replace("昨天下午", "昨天"), t0 + timedelta(seconds=5))
    any_store.upsert_posts([first, copy])
    inserted = _alert(copy, t0 + timedelta(seconds=1))
    inserted["created_at"] = datetime.now(UTC)  # as raise_alert stamps it, going in
    assert any_store.insert_alert(inserted)
    one = _alert(first, t0)
    done = raise_alert(any_store, channels, one, policy, t0, copy_of=lambda: copy_stories(
        any_store, first))  # fmt: skip
    assert done is not None and done.folded and done.sent == []
    [story] = any_store.find_alerts()
    assert story["_id"] == one["_id"] == "thread:forum-b:5"
    assert story["post_ids"] == [copy["_id"], first["_id"]] and webhook.requests == []


def test_alerting_a_post_with_no_stored_copy_raises_its_own_story(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """The look for copies finds none for an unrelated text: its story is raised as before."""
    channels = [WebhookChannel(webhook.url)]
    policy, t0 = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)
    first = _copy_post("forum-a", "1", TEXT, t0)
    unrelated = _copy_post("forum-c", "9", "今天天气不错，公园里的花都开了，很多市民带着孩子出来"
                           "散步，湖边有人钓鱼，也有人在草地上放风筝，一派春天的景象", t0)  # fmt: skip
    any_store.upsert_posts([first, unrelated])
    assert raise_alert(any_store, channels, _alert(first, t0), policy, t0) is not None
    assert copy_stories(any_store, unrelated) == []
    own = _alert(unrelated, t0)
    done = raise_alert(any_store, channels, own, policy, t0, copy_of=lambda: copy_stories(
        any_store, unrelated))  # fmt: skip
    assert done is not None and not done.folded and done.sent == ["webhook"]
    assert any_store.alert_ids(["thread:forum-a:1", "thread:forum-c:9"]) == {
        "thread:forum-a:1", "thread:forum-c:9"}  # fmt: skip


def test_alerting_a_failed_look_for_copies_sends_the_new_story(
    store: Store, webhook: WebhookReceiver
) -> None:
    """The store going away during the look for copies does not hold the new story back."""
    channels = [WebhookChannel(webhook.url)]
    policy, now = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)

    def gone() -> list[str]:
        raise StoreUnavailable("the store went away")

    done = raise_alert(store, channels, _alert(_post(), now), policy, now, copy_of=gone)
    assert done is not None and not done.folded and done.sent == ["webhook"]
    assert [a["_id"] for a in store.find_alerts()] == ["post:s:1:9"]


def test_alerting_offline_ledger_alerts_a_story_once_and_its_spooled_writes_replay(
    store: Store, webhook: WebhookReceiver, tmp_path: Path
) -> None:
    """With the store down a story still alerts once (and again on escalation); its ledger
    writes, spooled, replay into the ledger as if it had been up — a failed delivery included,
    which the next retry sends."""
    channels = [WebhookChannel(webhook.url)]
    policy = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS})
    offline, spool, t0 = OfflineLedger(), Spool(tmp_path / "spool"), _sh(10)
    steps = [("a:1:0", 30.0, "c42", 1), ("a:1:1", 35.0, "c42", 0), ("a:1:2", 120.0, "c42", 0),
             ("a:1:3", 30.0, "c42", 0), ("s:9:9", 30.0, None, 1)]  # fmt: skip
    for n, (pid, score, cluster, fail) in enumerate(steps):
        webhook.fail_next = fail
        now = t0 + timedelta(minutes=n)
        raise_alert(offline, channels, _alert(_post(pid, score, cluster), now), policy, now)
        for op, docs in offline.take_writes():
            spool.append(docs, op)
    sent = [(r["json"]["id"], r["json"]["tier"]) for r in webhook.requests]
    assert sent == [("cluster:c42", "urgent")] and len(webhook.refused) == 2
    assert "cluster:c42" in offline and store.find_alerts() == []

    assert spool.replay(store) > 0 and spool.pending() == 0
    ledger = {a["_id"]: a for a in store.find_alerts()}
    assert ledger == offline.alerts and ledger["cluster:c42"]["posts"] == 4
    assert ledger["cluster:c42"]["tier"] == "urgent" and ledger["cluster:c42"]["status"] == "sent"
    assert ledger["post:s:9:9"]["status"] == "pending"
    assert retry_pending(store, channels, t0 + timedelta(hours=1), policy).sent == ["webhook"]
    assert webhook.requests[-1]["json"]["id"] == "post:s:9:9"
    again = _alert(_post("a:1:0", 30.0, "c42"), t0)
    assert raise_alert(store, channels, again, policy, t0) is None, "never the same alert twice"


class _Recorded(OfflineLedger):
    """The ledger's writes as they are made: (operation, the fields it sets)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[str]]] = []

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        self.calls.append(("insert", []))
        return super().insert_alert(alert)

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        self.calls.append(("update", sorted(fields)))
        super().update_alert(alert_id, fields)


class _GoneAfterInsert(OfflineLedger):
    """A ledger that takes the alert's insert, then loses its store for every update."""

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        raise StoreUnavailable("the store went away")


def test_alerting_a_ledger_write_lost_after_a_send_is_handed_back_not_raised(
    webhook: WebhookReceiver,
) -> None:
    """The store lost between a delivery and the write that records it: the raise returns
    what it sent, the unwritten writes in ``unwritten`` for its caller to spool — a raise
    that failed would have the caller send the alert again without the ledger. A store lost
    before anything was sent still fails the raise."""
    channels = [WebhookChannel(webhook.url), LogChannel()]
    policy, now = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}), _sh(10)
    ledger = _GoneAfterInsert()
    done = raise_alert(ledger, channels, _alert(_post(), now), policy, now)
    assert done is not None and done.sent == ["webhook", "log"]
    assert [r["json"]["id"] for r in webhook.requests] == ["post:s:1:9"]
    assert [alert_id for alert_id, _ in done.unwritten] == ["post:s:1:9", "post:s:1:9"]
    assert "deliveries.webhook" in done.unwritten[0][1]
    assert done.unwritten[-1][1]["status"] == "sent" and "deliveries.log" in done.unwritten[-1][1]

    class _GoneAtOnce(_GoneAfterInsert):
        def insert_alert(self, alert: Mapping[str, Any]) -> bool:
            raise StoreUnavailable("the store went away")

    with pytest.raises(StoreUnavailable):
        raise_alert(_GoneAtOnce(), channels, _alert(_post("s:1:8"), now), policy, now)
    assert len(webhook.requests) == 1


def test_alerting_each_channel_result_is_written_before_the_next_send(
    webhook: WebhookReceiver, dingtalk: DingTalkReceiver
) -> None:
    """Two channels: the first one's result is written before the second is tried; the last
    result goes in the same write as the status (one update less an alert on a slow store)."""
    channels = [WebhookChannel(webhook.url), DingTalkChannel(dingtalk.url, secret=dingtalk.secret)]
    policy = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS})
    ledger, now = _Recorded(), _sh(10)
    written_before: list[list[tuple[str, list[str]]]] = []
    for channel in channels:

        def watched(alert: dict[str, Any], send: Any = channel.send) -> None:
            written_before.append(list(ledger.calls))
            send(alert)

        channel.send = watched  # type: ignore[method-assign]
    raise_alert(ledger, channels, _alert(_post("a:1:0", 60.0), now), policy, now)
    assert written_before == [
        [("insert", [])],
        [("insert", []), ("update", ["deliveries.webhook"])],
    ]
    assert ledger.calls[2:] == [("update", ["alerted_at", "deliveries.dingtalk", "status"])]
    assert ledger.alerts["post:a:1:0"]["status"] == "sent"
    assert len(webhook.requests) == 1 and len(dingtalk.requests) == 1


def test_alerting_failing_channel_retried_with_backoff_never_twice(
    store: Store, webhook: WebhookReceiver, dingtalk: DingTalkReceiver
) -> None:
    """The webhook fails twice; the alert stays pending, is retried only when its backoff is
    over, and DingTalk — which had it the first time — never gets it again."""
    channels = [WebhookChannel(webhook.url), DingTalkChannel(dingtalk.url, dingtalk.secret)]
    policy = AlertPolicy.from_settings(
        {"OPINION_ALERT_TIERS": TIERS, "OPINION_ALERT_RETRY_BASE": 60}
    )
    t0 = _sh(10)
    webhook.fail_next = 2
    outcome = raise_alert(store, channels, _alert(_post(), t0), policy, t0)
    assert outcome is not None and outcome.status == "pending" and outcome.failed == ["webhook"]
    (pending,) = store.find_alerts()
    record = pending["deliveries"]["webhook"]
    assert pending["status"] == "pending" and "alerted_at" not in pending
    assert record["attempts"] == 1 and record["next_attempt_at"] == t0 + timedelta(seconds=60)
    assert "503" in record["error"]

    assert retry_pending(store, channels, t0 + timedelta(seconds=59), policy).sent == []
    assert len(webhook.refused) == 1, "not retried before its backoff is over"
    assert retry_pending(store, channels, t0 + timedelta(seconds=60), policy).failed == ["webhook"]
    (pending,) = store.find_alerts()
    assert pending["deliveries"]["webhook"]["next_attempt_at"] == t0 + timedelta(seconds=180)
    assert retry_pending(store, channels, t0 + timedelta(seconds=179), policy).sent == []
    done = retry_pending(store, channels, t0 + timedelta(seconds=180), policy)
    assert done.sent == ["webhook"] and done.failed == []

    (sent,) = store.find_alerts()
    assert sent["status"] == "sent" and sent["alerted_at"] == t0 + timedelta(seconds=180)
    assert sent["deliveries"]["webhook"]["attempts"] == 3
    assert len(webhook.requests) == 1 and len(webhook.refused) == 2
    assert len(dingtalk.requests) == 1, "a channel that had the alert never gets it twice"
    assert retry_pending(store, channels, t0 + timedelta(days=1), policy).sent == []


def test_alerting_quiet_hours_hold_then_one_digest_per_channel(
    store: Store, webhook: WebhookReceiver, dingtalk: DingTalkReceiver
) -> None:
    channels = [WebhookChannel(webhook.url), DingTalkChannel(dingtalk.url, dingtalk.secret)]
    settings = {"OPINION_ALERT_TIERS": TIERS, "OPINION_ALERT_QUIET_HOURS": "23:00-07:00"}
    policy = AlertPolicy.from_settings(settings)
    night = _sh(1, 30, day=2)
    for pid, score in (("p:1", 30.0), ("p:2", 70.0), ("p:3", 150.0)):
        raise_alert(store, channels, _alert(_post(pid, score), night), policy, night)
    # only the urgent one went out at night
    assert [r["json"]["id"] for r in webhook.requests] == ["post:p:3"]
    assert len(dingtalk.requests) == 1
    statuses = {a["_id"]: a["status"] for a in store.find_alerts()}
    assert statuses == {"post:p:1": "held", "post:p:2": "held", "post:p:3": "sent"}

    assert retry_pending(store, channels, _sh(6, 59, day=2), policy).digests == 0
    morning = _sh(7, 5, day=2)
    assert retry_pending(store, channels, morning, policy).digests == 2
    digest = webhook.requests[-1]["json"]
    assert digest["type"] == "digest" and digest["count"] == 2
    assert sorted(a["id"] for a in digest["alerts"]) == ["post:p:1", "post:p:2"]
    md = dingtalk.requests[-1]["json"]["markdown"]
    assert "静默时段摘要" in md["title"] and md["text"].index("70.0") < md["text"].index("30.0")
    ledger = {a["_id"]: a for a in store.find_alerts()}
    assert all(a["status"] == "sent" for a in ledger.values())
    assert (
        ledger["post:p:1"]["alerted_at"] == morning
        and ledger["post:p:1"]["deliveries"]["webhook"]["digest"]
    )
    assert retry_pending(store, channels, _sh(9, day=2), policy).digests == 0
    assert len(webhook.requests) == 2 and len(dingtalk.requests) == 2


def test_alerting_failed_digest_stays_held_and_retries_only_that_channel(
    store: Store, webhook: WebhookReceiver, dingtalk: DingTalkReceiver
) -> None:
    channels = [WebhookChannel(webhook.url), DingTalkChannel(dingtalk.url, dingtalk.secret)]
    policy = AlertPolicy.from_settings(
        {"OPINION_ALERT_TIERS": TIERS, "OPINION_ALERT_QUIET_HOURS": "23:00-07:00"}
    )
    raise_alert(store, channels, _alert(_post("p:1", 30.0), _sh(2)), policy, _sh(2))
    dingtalk.fail_next = 1  # DingTalk answers 200 with errcode 130101: a refusal all the same
    morning = _sh(8)
    out = retry_pending(store, channels, morning, policy)
    assert out.digests == 1 and out.failed == ["dingtalk"]
    (held,) = store.find_alerts()
    assert held["status"] == "held" and "130101" in held["deliveries"]["dingtalk"]["error"]
    out = retry_pending(store, channels, morning + timedelta(seconds=60), policy)
    assert out.sent == ["dingtalk"] and len(webhook.requests) == 1 and len(dingtalk.requests) == 1
    (sent,) = store.find_alerts()
    assert sent["status"] == "sent"


def test_alerting_report_shows_status_and_latency(store: Store, webhook: WebhookReceiver) -> None:
    channels = [WebhookChannel(webhook.url)]
    policy = AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS})
    now = datetime(2024, 5, 1, 8, 5, tzinfo=UTC)
    raise_alert(store, channels, _alert(_post("p:1"), now), policy, now)
    webhook.fail_next = 1
    raise_alert(store, channels, _alert(_post("p:2"), now), policy, now)
    report = build_report(store)
    assert report["alert_status"] == {"sent": 1, "pending": 1, "held": 0}
    assert report["alert_latency"]["publish_to_alert"] == {
        "count": 1,
        "p50": 2100.0,
        "p90": 2100.0,
        "p99": 2100.0,
    }
    text = format_report(report)
    assert "Alerts: 2 (sent 1, pending 1, held 0)" in text
    assert "publish→alert latency: p50 35.0m  p90 35.0m  p99 35.0m  (1 alerts)" in text


def test_period_tiers_lower_thresholds_in_sensitive_periods() -> None:
    from opinion_spiders.alerting import period_tiers

    tiers = {"notice": 25.0, "warning": 50.0}
    assert period_tiers(tiers, []) == tiers
    periods = [{"id": "a", "threshold_factor": 0.9}, {"id": "b", "threshold_factor": 0.8}]
    assert period_tiers(tiers, periods) == {"notice": 20.0, "warning": 40.0}
    assert period_tiers(10.0, [{"threshold_factor": 0.5}])["notice"] == 5.0


def test_alerting_a_health_alert_whose_ledger_write_is_lost_after_its_delivery_is_spooled(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    """A site's health alert, the store lost between its delivery and the write that records
    it: sent once, its unwritten delivery spooled (and counted), not failed."""
    from scrapy.utils.test import get_crawler

    from opinion_spiders.crawling.runstats import RunStatsExtension
    from opinion_spiders.runtime import Runtime
    from opinion_spiders.stores.factory import spool_dir

    settings = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}",
                "OPINION_DATA_DIR": str(tmp_path), "OPINION_WEBHOOK_URL": webhook.url}  # fmt: skip
    crawler = get_crawler(settings_dict=settings)
    extension = RunStatsExtension.from_crawler(crawler)
    runtime = Runtime.for_crawler(crawler)
    real = runtime.store
    try:
        runtime.__dict__["store"] = LedgerLostAfterInsert(real)
        problem = {"check": "no_posts", "value": 0, "message": "no posts in 3 runs"}
        extension._raise_health_alert(runtime, {"site": "demo-forum", "kind": "forum"}, problem)
        assert [r["json"]["type"] for r in webhook.requests] == ["health"]
        assert crawler.stats.get_value("opinion/alert/ledger_spooled") == 1
        spool = Spool(spool_dir(settings))
        assert spool.replay(real) >= 1
        [alert] = real.find_alerts()
        assert alert["status"] == "sent"
    finally:
        real.close()
