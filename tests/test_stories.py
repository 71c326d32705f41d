"""Stories: a thread (or a repost cluster across sites) raises one alert that grows and
escalates, on both stores, delivered to a real webhook receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from opinion_spiders.alerting import AlertPolicy, alert_for, retry_pending
from opinion_spiders.alerting.messages import alert_text, digest_text
from opinion_spiders.stores import Store
from plugins.channels import LogChannel, WebhookChannel
from tests.receivers import WebhookReceiver

TIERS = {"notice": 25, "warning": 50, "urgent": 100}
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _reply(floor: int, score: float = 30.0, site: str = "demo-forum", tid: str = "1019",
           **fields: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "_id": f"{site}:{tid}:{5000 + floor}", "site": site, "kind": "forum",
        "url": f"http://x/{site}/t/{tid}#{floor}", "title": "滨江街道有人聚集堵路",
        "thread_id": tid, "floor": floor, "score": score, "replies": floor,
        "cluster_id": f"{site}:{tid}:{5000 + floor}", "cluster_size": 1,
        "matches": [{"rule": "petition", "hits": [{"term": "堵路"}]}],
        "published_at": NOW - timedelta(minutes=30 - floor), "crawled_at": NOW,
        **fields,
    }  # fmt: skip


def _raise(store: Store, channels: list[Any], post: dict[str, Any], now: datetime = NOW) -> Any:
    from opinion_spiders.alerting import raise_alert

    alert = alert_for(post, TIERS, now)
    assert alert is not None
    return raise_alert(store, channels, alert, AlertPolicy.from_settings(
        {"OPINION_ALERT_TIERS": TIERS}), now)  # fmt: skip


def test_story_five_replies_in_one_thread_raise_one_alert(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    channels = [LogChannel(), WebhookChannel(webhook.url)]
    outcomes = [_raise(any_store, channels, _reply(floor)) for floor in range(1, 6)]
    assert outcomes[0] is not None and outcomes[0].status == "sent"
    assert all(o is not None and o.grew and not o.escalated for o in outcomes[1:])
    alerts = any_store.find_alerts()
    assert [a["_id"] for a in alerts] == ["thread:demo-forum:1019"]
    assert len(webhook.requests) == 1, "channels get the first alert only"
    story = alerts[0]
    assert story["posts"] == 5 and story["post_ids"] == [f"demo-forum:1019:{5000 + f}"
                                                         for f in range(1, 6)]  # fmt: skip
    assert story["replies"] == 5 and story["tier"] == "notice" and story["story"] == "thread"
    assert [h["step"] for h in story["history"]] == ["raised"]
    assert _raise(any_store, channels, _reply(3)) is None, "the same post again changes nothing"


def test_story_escalates_once_when_it_reaches_a_higher_tier(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    channels = [WebhookChannel(webhook.url)]
    _raise(any_store, channels, _reply(1, score=30.0))
    later = NOW + timedelta(minutes=5)
    out = _raise(any_store, channels, _reply(2, score=55.0), later)
    assert out is not None and out.escalated and out.status == "sent"
    _raise(any_store, channels, _reply(3, score=56.0), later)  # same tier: no new message
    assert [r["json"]["id"] for r in webhook.requests] == ["thread:demo-forum:1019"] * 2
    assert [r["json"]["tier"] for r in webhook.requests] == ["notice", "warning"]
    story = any_store.get_alert("thread:demo-forum:1019")
    assert story is not None
    assert story["tier"] == "warning" and story["escalated_at"] == later
    assert story["alerted_at"] == NOW and story["last_sent_at"] == later
    assert [(h["step"], h["tier"]) for h in story["history"]] == [
        ("raised", "notice"), ("escalated", "warning")]  # fmt: skip
    assert alert_text(story).startswith("【舆情预警·警告·升级】滨江街道有人聚集堵路\n规模：3 帖")


def test_story_copies_on_other_sites_join_the_thread_and_spread(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """A repost on the post bar is a copy in the cluster the forum post founded: it joins
    that thread's story, which spreads to a second site (+10) and escalates."""
    channels = [WebhookChannel(webhook.url)]
    _raise(any_store, channels, _reply(1, score=45.0))
    founder = "demo-forum:1019:5001"
    copy = _reply(1, score=45.0, site="demo-bar", tid="91", cluster_id=founder, cluster_size=2,
                  cluster_sites=["demo-bar", "demo-forum"])  # fmt: skip
    out = _raise(any_store, channels, copy)
    assert out is not None and out.escalated
    story = any_store.get_alert("thread:demo-forum:1019")
    assert story is not None and any_store.count("alerts") == 1
    assert story["sites"] == ["demo-forum", "demo-bar"] and story["score"] == 55.0
    assert story["tier"] == "warning" and story["threads"] == ["demo-forum:1019", "demo-bar:91"]


def test_story_raised_by_a_copy_takes_its_own_threads_title_when_that_thread_comes(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """The post bar's copy of the forum post is crawled first: it raises the forum thread's
    story under the bar thread's title; the forum's own post then gives the story its title
    (seen in the demo: two stories under one title when the bar was crawled ahead)."""
    channels = [WebhookChannel(webhook.url)]
    founder = "demo-forum:1019:5001"
    copy = _reply(2, score=45.0, site="demo-bar", tid="91", title="吧友转帖：看到没",
                  cluster_id=founder, cluster_size=2,
                  cluster_sites=["demo-bar", "demo-forum"])  # fmt: skip
    _raise(any_store, channels, copy)
    story = any_store.get_alert("thread:demo-forum:1019")
    assert story is not None and story["title"] == "吧友转帖：看到没"
    other = _reply(3, score=30.0, site="demo-bar", tid="91", title="吧友转帖：看到没",
                   cluster_id="demo-bar:91:5003", cluster_size=1)  # fmt: skip
    _raise(any_store, channels, other)  # the bar thread's own story keeps the bar's title
    _raise(any_store, channels, _reply(1, score=45.0, cluster_id=founder, cluster_size=2))
    story = any_store.get_alert("thread:demo-forum:1019")
    assert story is not None and story["title"] == "滨江街道有人聚集堵路"
    assert story["post_ids"] == ["demo-bar:91:5002", founder]
    bar = any_store.get_alert("thread:demo-bar:91")
    assert bar is not None and bar["title"] == "吧友转帖：看到没"
    assert len(webhook.requests) == 2, "a new title is no new delivery"


def test_story_digest_lists_stories_highest_score_first(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    night = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    settings = {"OPINION_ALERT_TIERS": TIERS, "OPINION_ALERT_QUIET_HOURS": "23:00-07:00"}
    policy = AlertPolicy.from_settings(settings)
    channels = [WebhookChannel(webhook.url)]
    from opinion_spiders.alerting import raise_alert

    for floor in range(1, 4):
        alert = alert_for(_reply(floor, score=30.0), TIERS, night)
        assert alert is not None
        raise_alert(any_store, channels, alert, policy, night)
    other = alert_for(_reply(1, score=40.0, tid="1003"), TIERS, night)
    assert other is not None
    raise_alert(any_store, channels, other, policy, night)
    assert webhook.requests == [] and {a["status"] for a in any_store.find_alerts()} == {"held"}
    retry_pending(any_store, channels, NOW, policy)
    [digest] = [r["json"] for r in webhook.requests]
    assert digest["type"] == "digest" and digest["count"] == 2
    assert [a["id"] for a in digest["alerts"]] in (
        ["thread:demo-forum:1019", "thread:demo-forum:1003"],
        ["thread:demo-forum:1003", "thread:demo-forum:1019"],
    )
    lines = digest_text(any_store.find_alerts()).splitlines()
    assert lines[1].startswith("1. [关注] 40.0") and lines[2].startswith("2. [关注] 30.0")
    assert "（3 帖）" in lines[2]
