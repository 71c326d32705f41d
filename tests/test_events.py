"""Bursts become events: the surprise test, then the detector on a real store (embedded and
FerretDB) raising and escalating one event alert to a real webhook receiver."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.alerting import AlertPolicy, retry_pending
from opinion_spiders.events.bursts import (
    Burst,
    BurstDetector,
    BurstPolicy,
    drop_subwords,
    fold_co_rising,
    reaches,
    reaches_all,
    surprise,
)
from opinion_spiders.events.detect import EventDetector
from opinion_spiders.stores import Store
from opinion_spiders.stores.spool import Spool
from opinion_spiders.watch.periods import Calendar, Period
from plugins.channels import WebhookChannel
from tests.fault_runs import LedgerLostAfterInsert
from tests.receivers import WebhookReceiver

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
TIERS = {"notice": 25, "warning": 50, "urgent": 100}
#: The stage's pacing tests watch the detector in the crawl process; the events process has
#: tests of its own (test_events_process.py).
IN_CRAWL = {"OPINION_EVENTS_PROCESS": False}
_ids = itertools.count(1)


def _post(when: datetime, rule: str | None = None, *, site: str = "demo-forum",
          thread: str | None = None, terms: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    n = next(_ids)
    return {
        "_id": f"{site}:{thread or n}:{n}", "site": site, "thread_id": thread or str(n),
        "title": f"帖子 {n}", "url": f"http://x/{n}", "author": f"网友{n % 7}",
        "time": when, "published_at": when, "crawled_at": when,
        "matches": [{"rule": rule, "name": "群体维权"}] if rule else [],
        "terms": terms or [],
    }  # fmt: skip


def _background(hours: int = 72, per_hour: int = 4) -> list[dict[str, Any]]:
    """A busy site with no rule hits: ``per_hour`` posts every hour."""
    return [_post(T0 + timedelta(hours=h, minutes=m * 10)) for h in range(hours)
            for m in range(per_hour)]  # fmt: skip


def _quiet_rule(hours: int = 72) -> list[dict[str, Any]]:
    """The rule fires once every eight hours (never at midnight, when the bursts come)."""
    return [_post(T0 + timedelta(hours=h, minutes=5), "petition") for h in range(3, hours, 8)]


def _detector(calendar: Calendar | None = None, terms: bool = False) -> EventDetector:
    policy = BurstPolicy(terms=terms)
    return EventDetector(policy, AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}),
                         calendar)  # fmt: skip


def _feed(detector: EventDetector, posts: list[dict[str, Any]]) -> None:
    for p in posts:
        detector.add(p)


def _record(detector: EventDetector, store: Store, channels: list[Any], now: datetime) -> Any:
    return detector.record(detector.bursts(now), store, channels, now)


@pytest.mark.parametrize(
    ("count", "mean", "dispersion", "low", "high"),
    [
        (5, 0.2, 0.0, 5.6, 5.7),  # Poisson: P(X ≥ 5 | 0.2) = 2.26e-6
        (3, 0.2, 0.0, 2.9, 3.0),
        (10, 5.0, 0.0, 1.45, 1.55),  # P(X ≥ 10 | 5) = 0.0318
        (10, 5.0, 0.1, 1.0, 1.3),  # over-dispersed: less surprising
        (2, 5.0, 0.0, 0.0, 0.02),  # below the mean: no surprise
    ],
)
def test_events_surprise_is_the_tail_probability(
    count: int, mean: float, dispersion: float, low: float, high: float
) -> None:
    assert low <= surprise(count, mean, dispersion) <= high


@pytest.mark.parametrize("dispersion", [0.0, 0.1, 0.5, 1.0, 2.0])
def test_events_reaches_agrees_with_the_surprise(dispersion: float) -> None:
    """The bounded test of a bucket gives what comparing its whole surprise gives, on both
    sides of every threshold, at the very value too."""
    means = [0.05, 0.2, 0.7, 1.0, 2.5, 6.0, 13.3, 40.0, 120.0]
    for mean, count in itertools.product(means, range(0, 80)):
        value = surprise(count, mean, dispersion)
        for threshold in (0.3, 1.0, 2.4, 3.0, 4.5, 6.0, 12.0, value, value + 1e-12):
            assert reaches(count, mean, dispersion, threshold) == (value >= threshold), (
                count, mean, threshold,
            )  # fmt: skip


def test_events_burst_on_a_quiet_baseline_raises_one_event_and_one_alert(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    detector, channels = _detector(), [WebhookChannel(webhook.url)]
    _feed(detector, _background() + _quiet_rule())
    now = T0 + timedelta(hours=72, minutes=50)
    assert _record(detector, any_store, channels, now).get("events", 0) == 0
    burst = [_post(T0 + timedelta(hours=72, minutes=5 * i), "petition") for i in range(4)]
    _feed(detector, burst)
    done = _record(detector, any_store, channels, now)
    assert done["events"] == 1 and done["alerts"] == 1
    [event] = any_store.find_events()
    assert event["_id"] == "rule:petition:2026-11-23T00:00Z"
    assert (event["dimension"], event["value"], event["name"]) == ("rule", "petition", "群体维权")
    assert event["count"] == 4 and event["peak"] == {"start": T0 + timedelta(hours=72), "count": 4}
    assert event["first_post"]["id"] == burst[0]["_id"] and event["post_ids"][0] == burst[0]["_id"]
    assert set(event["post_ids"]) == {p["_id"] for p in burst} and event["level"] == "notice"
    assert event["expected"] < 1 and event["surprise"] >= event["threshold"] == 3.0
    [sent] = [r["json"] for r in webhook.requests]
    assert sent["id"] == "event:" + event["_id"] and sent["type"] == "event"
    assert sent["tier"] == "notice" and sent["title"].startswith("规则「群体维权」突增：4 帖")


def test_events_posts_stored_before_the_baseline_was_read_still_burst(any_store: Store) -> None:
    """The events process reads the baseline while the crawl's first pages are stored: posts
    of a burst the crawl stored before that read are counted as baseline, then brought by
    the crawl. Counted once, they are looked at then — as a rule's and as a word's burst —
    and a post brought twice is not counted twice."""
    detector = _detector(terms=True)
    words = ["物业", "停车", "小区", "电梯", "学校", "公交", "医保", "地铁", "垃圾", "暖气"]
    everyday = [_post(T0 + timedelta(hours=h, minutes=15 * i), thread=f"t{h % 9}",
                      terms=[words[(h + i) % 10]]) for h in range(72) for i in range(4)]  # fmt: skip
    burst = [_post(T0 + timedelta(hours=72, minutes=8 * i), "petition", thread=f"n{i}",
                   terms=["核酸码"]) for i in range(5)]  # fmt: skip
    any_store.upsert_posts(everyday + burst)
    now = T0 + timedelta(hours=73)
    assert detector.seed(any_store, now) == len(everyday) + len(burst)
    assert detector.bursts(now) == []  # the baseline alone is looked at by no one
    for post in burst:
        assert not detector.add(post)  # counted already
    found = {(b.dimension, b.value): b.total for b in detector.bursts(now)}
    assert found == {("rule", "petition"): 5, ("term", "核酸码"): 5}
    for post in burst:
        detector.add(post)
    assert detector.bursts(now) == []  # touched once: brought again, nothing new


def test_events_burst_is_written_from_the_posts_it_was_found_with(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """A look writes its events on another thread while the detector goes on counting and
    forgetting posts: an event is written from what was kept of its posts when it was found,
    even once the detector has forgotten them."""
    detector, channels = _detector(), [WebhookChannel(webhook.url)]
    _feed(detector, _background() + _quiet_rule())
    now = T0 + timedelta(hours=72, minutes=50)
    burst = [_post(T0 + timedelta(hours=72, minutes=5 * i), "petition") for i in range(4)]
    _feed(detector, burst)
    found = detector.bursts(now)
    detector.bursts_of.memory_posts = 50  # the burst's hour is forgotten by the next posts
    _feed(detector, [_post(T0 + timedelta(hours=75, seconds=n)) for n in range(60)])
    assert not set(detector.bursts_of.records) & {p["_id"] for p in burst}
    assert detector.record(found, any_store, channels, now)["events"] == 1
    [event] = any_store.find_events()
    assert event["first_post"]["id"] == burst[0]["_id"] and event["sites"] == ["demo-forum"]


def test_events_burst_that_grows_back_into_an_earlier_hour_stays_one_event(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """Posts of the hour before a recorded burst arrive later (another site crawled after, a
    late look): the burst now starts an hour earlier, and it is the same event and alert."""
    detector, channels = _detector(), [WebhookChannel(webhook.url)]
    _feed(detector, _background() + _quiet_rule())
    now = T0 + timedelta(hours=72, minutes=50)
    _feed(detector, [_post(T0 + timedelta(hours=72, minutes=5 * i), "petition") for i in range(4)])
    assert _record(detector, any_store, channels, now)["events"] == 1
    earlier = [_post(T0 + timedelta(hours=71, minutes=5 * i), "petition") for i in range(4)]
    _feed(detector, earlier)
    done = _record(detector, any_store, channels, now)
    assert done["events"] == 1 and "new/rule" not in done
    [event] = any_store.find_events()
    assert event["_id"] == "rule:petition:2026-11-23T00:00Z", "stored under its first start"
    assert event["start"] == T0 + timedelta(hours=71) and event["count"] == 8
    assert {p["_id"] for p in earlier} <= set(event["post_ids"])
    assert len({r["json"]["id"] for r in webhook.requests}) == 1


def test_events_growth_escalates_the_same_alert(any_store: Store, webhook: WebhookReceiver) -> None:
    detector, channels = _detector(), [WebhookChannel(webhook.url)]
    _feed(detector, _background() + _quiet_rule())
    now = T0 + timedelta(hours=72, minutes=55)
    _feed(detector, [_post(T0 + timedelta(hours=72, minutes=i), "petition") for i in range(4)])
    assert _record(detector, any_store, channels, now) == {"events": 1, "new/rule": 1, "alerts": 1}
    _feed(detector, [_post(T0 + timedelta(hours=72, minutes=10), "petition")])
    assert _record(detector, any_store, channels, now) == {"events": 1, "grew": 1}
    _feed(detector, [_post(T0 + timedelta(hours=72, minutes=20 + i), "petition") for i in range(8)])
    assert _record(detector, any_store, channels, now) == {"events": 1, "escalated": 1}
    [event] = any_store.find_events()
    assert event["count"] == 13 and event["level"] in ("warning", "urgent")
    assert [r["json"]["id"] for r in webhook.requests] == ["event:" + event["_id"]] * 2
    assert [r["json"]["tier"] for r in webhook.requests] == ["notice", event["level"]]
    alert = any_store.get_alert("event:" + event["_id"])
    assert alert is not None and any_store.count("alerts") == 1
    assert [h["step"] for h in alert["history"]] == ["raised", "escalated"]
    levels = [(step["level"], step["count"], step["at"]) for step in event["levels"]]
    assert levels == [("notice", 4, now), (event["level"], 13, now)]


def test_events_steady_volume_raises_none(any_store: Store, webhook: WebhookReceiver) -> None:
    """A week of a busy site and a rule firing steadily, with a daily cycle: no event."""
    detector, channels = _detector(), [WebhookChannel(webhook.url)]
    posts = []
    for h in range(7 * 24):
        hour = (h + 8) % 24  # local hour in Shanghai
        per_hour = 2 if hour < 7 else 6 if hour < 19 else 9  # nights quiet, evenings busy
        posts += [_post(T0 + timedelta(hours=h, minutes=60 * i // per_hour), "petition")
                  for i in range(per_hour)]  # fmt: skip
    _feed(detector, posts)
    done = _record(detector, any_store, channels, T0 + timedelta(days=7))
    assert done.get("events", 0) == 0 and any_store.count("events") == 0
    assert webhook.requests == []


def test_events_sensitive_period_lowers_the_threshold(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """Three posts in an hour on a quiet rule are no burst (surprise 2.8 < 3); in a period
    with threshold factor 0.7 they are (2.8 ≥ 2.1)."""
    burst_at = T0 + timedelta(hours=72)
    period = Period(id="meeting", name="重要会议", start=date(2026, 11, 23),
                    end=date(2026, 11, 23), threshold_factor=0.7)  # fmt: skip
    found = {}
    for name, calendar in (("plain", None), ("period", Calendar(periods=[period]))):
        detector = _detector(calendar)
        _feed(detector, _background() + _quiet_rule())
        burst = [_post(burst_at + timedelta(minutes=10 * i), "petition") for i in range(3)]
        _feed(detector, burst)
        found[name] = [b for b in detector.bursts(burst_at) if b.dimension == "rule"]
    assert found["plain"] == []
    [burst] = found["period"]
    assert burst.total == 3 and burst.factor == 0.7 and burst.threshold == 2.1
    detector.record([burst], any_store, [WebhookChannel(webhook.url)], burst_at)
    [event] = any_store.find_events()
    assert event["period_factor"] == 0.7 and len(webhook.requests) == 1


def test_events_emerging_term_surfaces(any_store: Store, webhook: WebhookReceiver) -> None:
    """Three days of everyday talk across threads, then a word nobody used appears in five
    posts of three threads within the hour: it is an event of its own, with the words that
    rose with it; everyday words and a word of one thread only are not."""
    detector = _detector(terms=True)
    words = ["物业", "停车", "小区", "电梯", "学校", "公交", "医保", "地铁", "垃圾", "暖气"]
    background = [
        _post(T0 + timedelta(hours=h, minutes=15 * i), thread=f"t{h % 9}",
              terms=[words[(h + i) % 10], words[(h * 3 + i) % 10]])
        for h in range(72) for i in range(4)
    ]  # fmt: skip
    _feed(detector, background)
    burst_at = T0 + timedelta(hours=72)
    fresh = [
        _post(burst_at + timedelta(minutes=8 * i), thread=f"n{i % 3}",
              terms=["核酸码", "弹窗", "物业"] if i < 5 else ["物业"])
        for i in range(6)
    ] + [_post(burst_at + timedelta(minutes=3 * i), thread="solo", terms=["团购"])
         for i in range(6)]  # fmt: skip
    _feed(detector, fresh)
    bursts = detector.bursts(burst_at + timedelta(hours=1))
    terms = sorted((b for b in bursts if b.dimension == "term"), key=lambda b: -b.surprise)
    assert [b.value for b in terms][:10] == ["核酸码"], [b.value for b in terms]
    assert terms[0].total == 5 and terms[0].rising[0]["term"] == "弹窗"
    detector.record(bursts, any_store, [WebhookChannel(webhook.url)], burst_at + timedelta(hours=1))
    listed = any_store.find_events(dimension="term")
    assert [e["value"] for e in listed] == ["核酸码"]
    assert any(r["json"]["title"].startswith("新词「核酸码」涌现") for r in webhook.requests)


def _everyday(hours: int = 72) -> list[dict[str, Any]]:
    """Three days of everyday talk across nine threads, four posts an hour."""
    words = ["物业", "停车", "小区", "电梯", "学校", "公交", "医保", "地铁", "垃圾", "暖气"]
    return [
        _post(T0 + timedelta(hours=h, minutes=15 * i), thread=f"t{h % 9}",
              terms=[words[(h + i) % 10], words[(h * 3 + i) % 10]])
        for h in range(hours) for i in range(4)
    ]  # fmt: skip


def test_events_words_of_one_story_are_one_event_and_one_alert(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """A fire: eight posts in four threads within the hour, each naming three of 火灾, 消防,
    起火 and 锦绣小区 (so no two words are in exactly the same posts), and in the same hour an
    unrelated new word in five posts of its own. Two events — the story's, led by its most
    surprising word and listing the other three, and the other word's — and two alerts, where
    every word was an event and an alert of its own before (as it still is with the fold off)."""
    story = ["火灾", "消防", "起火", "锦绣小区"]
    burst_at = T0 + timedelta(hours=72)
    fresh = [
        _post(burst_at + timedelta(minutes=6 * i), thread=f"f{i % 4}",
              terms=[w for k, w in enumerate(story) if k != i % 4])
        for i in range(8)
    ] + [_post(burst_at + timedelta(minutes=5 + 7 * i), thread=f"g{i % 2}", terms=["团购"])
         for i in range(5)]  # fmt: skip
    now = burst_at + timedelta(hours=1)
    unfolded = EventDetector(
        BurstPolicy(terms=True, term_fold=0),
        AlertPolicy.from_settings({"OPINION_ALERT_TIERS": TIERS}),
    )
    _feed(unfolded, _everyday() + fresh)
    assert sorted(b.value for b in unfolded.bursts(now) if b.dimension == "term") == sorted(
        [*story, "团购"]
    )
    detector = _detector(terms=True)
    _feed(detector, _everyday() + fresh)
    done = _record(detector, any_store, [WebhookChannel(webhook.url)], now)
    assert done["events"] == 2 and done["alerts"] == 2
    events = {e["value"]: e for e in any_store.find_events(dimension="term")}
    [lead] = set(events) - {"团购"}
    assert lead in story and events["团购"]["words"] == []
    assert sorted(w["term"] for w in events[lead]["words"]) == sorted(set(story) - {lead})
    assert all(w["count"] == 6 for w in events[lead]["words"]) and events[lead]["count"] == 6
    titles = sorted(r["json"]["title"] for r in webhook.requests)
    assert len(titles) == 2 and any(t.startswith(f"新词「{lead}」涌现（同时：") for t in titles)


def test_events_story_stays_the_event_it_was_first_stored_as_when_its_lead_changes(
    any_store: Store, webhook: WebhookReceiver
) -> None:
    """溃坝 leads a story at the first look (six posts; 转移 in five of them). By the next
    look 转移 is in eleven posts and leads, 溃坝 folded into it: the story is still the event
    first stored, under 溃坝, with 转移 among its words — one event, one alert, grown."""
    detector, channels = _detector(terms=True), [WebhookChannel(webhook.url)]
    _feed(detector, _everyday())
    burst_at = T0 + timedelta(hours=72)
    first = [
        _post(burst_at + timedelta(minutes=5 * i), thread=f"d{i % 3}",
              terms=["溃坝", "转移"] if i else ["溃坝"])
        for i in range(6)
    ]  # fmt: skip
    _feed(detector, first)
    done = _record(detector, any_store, channels, burst_at + timedelta(minutes=40))
    [event] = any_store.find_events(dimension="term")
    assert (event["value"], [w["term"] for w in event["words"]]) == ("溃坝", ["转移"])
    assert done["alerts"] == 1
    _feed(detector, [_post(burst_at + timedelta(minutes=32 + 3 * i), thread=f"e{i % 3}",
                           terms=["转移"]) for i in range(6)])  # fmt: skip
    [burst] = [
        b for b in detector.bursts(burst_at + timedelta(minutes=55)) if b.dimension == "term"
    ]
    assert (burst.value, [w["term"] for w in burst.words]) == ("转移", ["溃坝"])
    done = detector.record([burst], any_store, channels, burst_at + timedelta(minutes=55))
    [again] = any_store.find_events(dimension="term")
    assert again["_id"] == event["_id"] and again["value"] == "溃坝"
    assert [(w["term"], w["count"]) for w in again["words"]] == [("转移", 11)]
    assert again["count"] == 11 and done.get("alerts", 0) == 0
    assert [a["_id"] for a in any_store.find_alerts()] == ["event:" + event["_id"]]


@pytest.mark.parametrize("seed", range(4))
def test_events_fold_co_rising_follows_its_definition(seed: int) -> None:
    """Over random bursts: every word is kept or listed under exactly one kept word; a word is
    listed under the first word ranked above it that overlaps it in time and shares half the
    posts of the smaller; kept words never qualify for each other; other keys pass as they are."""
    import random

    rng = random.Random(seed)
    words = [f"词{n}" for n in range(40)]
    bursts = []
    for n, word in enumerate(words):
        start = rng.randint(0, 6)
        posts = [f"p{rng.randint(0, 60)}" for _ in range(rng.randint(4, 20))]
        bursts.append(Burst(
            dimension="term", value=word, name=word, start=start, end=start + rng.randint(0, 2),
            counts={}, baseline=0.2, total=len(set(posts)), expected=1.0,
            surprise=round(rng.uniform(4.5, 9), 1 if n % 3 else 0), threshold=4.5, factor=1.0,
            level="notice", post_ids=sorted(set(posts)),
        ))  # fmt: skip
    other = Burst(dimension="rule", value="r", name="r", start=0, end=9, counts={}, baseline=0.2,
                  total=9, expected=1.0, surprise=9.0, threshold=3.0, factor=1.0, level="notice",
                  post_ids=["p1"])  # fmt: skip
    kept = fold_co_rising([*bursts, other], 0.5)
    assert other in kept
    rank = sorted(bursts, key=lambda b: (-b.surprise, -len(b.value), b.value))

    def joins(word: Burst, lead: Burst) -> bool:
        a, b = set(word.post_ids), set(lead.post_ids)
        overlap = lead.start <= word.end and word.start <= lead.end
        return overlap and len(a & b) >= 0.5 * min(len(a), len(b))

    leads: list[Burst] = []
    listed: dict[str, str] = {}
    for word in rank:
        host = next((lead for lead in leads if joins(word, lead)), None)
        if host is None:
            leads.append(word)
        else:
            listed[word.value] = host.value
    assert [b for b in kept if b.dimension == "term"] == [b for b in bursts if b in leads]
    assert 0 < len(leads) < len(bursts)
    got = {w["term"]: lead.value for lead in leads for w in lead.words}
    assert got == listed
    assert not any(joins(a, b) for a, b in itertools.combinations(leads, 2))


def test_events_detector_memory_is_bounded_and_still_finds_the_burst() -> None:
    """Past ``memory_posts`` the oldest buckets go (down to nine tenths), older posts are no
    longer counted, and a burst in the buckets kept is found all the same."""
    detector = _detector(terms=True)
    kept = detector.bursts_of
    kept.memory_posts = 200
    words = ["拆迁", "补偿", "街道", "公示", "群众"]
    background = [{**p, "terms": words[i % 5 :] + words[: i % 3]}
                  for i, p in enumerate(_background())]  # fmt: skip
    _feed(detector, background + _quiet_rule())  # 288 + 9 posts over 72 hours
    burst = [_post(T0 + timedelta(hours=72, minutes=5 * i), "petition") for i in range(4)]
    _feed(detector, burst)
    found = detector.bursts(T0 + timedelta(hours=72, minutes=50))
    assert len(kept.records) <= 200 and kept.kept_from is not None
    oldest = min(b for series in [*kept.buckets.values(), kept.word_counts] for b in series)
    assert oldest == kept.kept_from > kept.policy.bucket_of(T0)
    assert all(kept.policy.bucket_of(r.time) >= oldest for r in kept.records.values())
    assert not detector.add(_post(T0, "petition"))  # older than what is kept
    # the vocabulary counts the posts kept, not the posts forgotten
    held = Counter(t for r in kept.records.values() for t in kept.vocabulary.decode(r.term_ids))
    assert set(held) == set(words)
    assert {t: kept.vocabulary.posts_with(t) for t in words} == held
    assert [(b.dimension, b.value, b.total) for b in found] == [("rule", "petition", 4)]


def test_events_detector_memory_is_bounded_between_looks() -> None:
    """Posts counted with no look in between (a slow look pauses the next) are held to
    ``memory_posts`` all the same; posts of one bucket are kept whatever their number."""
    detector = _detector(terms=True)
    kept = detector.bursts_of
    kept.memory_posts = 200
    posts = [{**p, "terms": ["拆迁", "补偿"]} for p in _background(hours=300, per_hour=4)]
    _feed(detector, posts)
    assert 180 <= len(kept.records) <= 200
    assert set(kept.records) == {p["_id"] for p in posts[-len(kept.records) :]}
    assert kept.vocabulary.posts_with("拆迁") == len(kept.records)
    assert sum(sum(c.values()) for c in kept.word_counts.values()) == 2 * len(kept.records)
    one_hour = [_post(T0 + timedelta(days=20, seconds=n), terms=["维权"]) for n in range(500)]
    _feed(detector, one_hour)
    assert len(kept.records) == 500  # the newest bucket is not cut


def test_events_stage_looks_for_bursts_at_most_once_per_interval(tmp_path: Any) -> None:
    """Every ``OPINION_EVENTS_BATCH`` posts, but not sooner than ``…_MIN_INTERVAL`` seconds
    after the last look: a fast crawl rescans the keys its posts touched less often. Both are
    the shared detector's: crawlers of one store (``opinion crawl A B``) look together."""
    import asyncio

    from scrapy.utils.test import get_crawler

    from opinion_spiders.items import Post
    from pipelines.events import EventPipeline

    def looks(interval: float, crawlers: int = 1, share: float = 1.0, slow: float = 0.0) -> int:
        folder = tmp_path / f"{interval}-{crawlers}-{share}-{slow}"  # a store (detector) each
        settings = {"OPINION_STORE": f"embedded://{folder}", "OPINION_EVENTS_BATCH": 2,
                    "OPINION_EVENTS_MIN_INTERVAL": interval,
                    "OPINION_EVENTS_MAX_SHARE": share, **IN_CRAWL}  # fmt: skip
        stages = [EventPipeline(get_crawler(settings_dict=settings)) for _ in range(crawlers)]
        stages[0].shared.looked_at -= 1.0  # the stages opened a second ago
        detector = stages[0].detector
        bursts = detector.bursts

        def costly(now: datetime) -> Any:
            started = time.thread_time()
            while time.thread_time() - started < slow:  # a look that takes ``slow`` CPU s
                pass
            return bursts(now)

        detector.bursts = costly  # type: ignore[method-assign]
        done = 0

        def counting(stage: EventPipeline) -> None:
            flush = stage.flush

            async def counted() -> None:
                nonlocal done
                done += 1
                await flush()

            stage.flush = counted  # type: ignore[method-assign]

        for stage in stages:
            counting(stage)

        async def feed() -> None:
            start = datetime.now(UTC) - timedelta(hours=1)  # within the history kept
            for n in range(10):
                when = start + timedelta(minutes=n)
                post = Post(site="s", kind="forum", url=f"http://x/{n}", content="帖子",
                            id=f"s:{n}", time=when, published_at=when, crawled_at=when)  # fmt: skip
                await stages[n % crawlers].process_item(post)
                if (aside := stages[0].shared.aside) is not None:
                    await aside  # posts come slower than looks here

        asyncio.run(feed())
        return done

    assert looks(0) == 5
    assert looks(0.5) == 1  # the first batch only: the rest come within half a second
    assert looks(3600) == 0
    assert looks(0, crawlers=2) == 5  # every 2 posts of either crawler
    assert looks(0.5, crawlers=2) == 1
    # a look that took 0.2 CPU s pauses the next for 0.2 s at half the time (then the posts
    # have all come), and not at all when looking may take all of it
    assert looks(0, share=0.5, slow=0.2) == 1
    assert looks(0, share=1.0, slow=0.01) == 5
    with pytest.raises(ValueError, match="OPINION_EVENTS_MAX_SHARE"):
        looks(0, share=0)


def test_events_stage_looks_one_at_a_time(tmp_path: Any) -> None:
    """Items are processed concurrently: while a look writes (slowly: a server far away),
    later items do not start another; the closing crawler waits for it, then looks last."""
    import asyncio

    from scrapy.utils.test import get_crawler

    from opinion_spiders.items import Post
    from pipelines.events import EventPipeline

    settings = {"OPINION_STORE": f"embedded://{tmp_path}", "OPINION_EVENTS_BATCH": 2,
                "OPINION_EVENTS_MIN_INTERVAL": 0, "OPINION_EVENTS_MAX_SHARE": 1,
                **IN_CRAWL}  # fmt: skip
    stage = EventPipeline(get_crawler(settings_dict=settings))
    running, most, looks = 0, 0, 0

    def slow_record(*_: Any) -> dict[str, int]:  # the writes of a look, on a worker thread
        nonlocal running, most, looks
        running += 1
        looks += 1
        most = max(most, running)
        time.sleep(0.05)
        running -= 1
        return {}

    stage.detector.bursts = lambda now: [object()]  # type: ignore[method-assign,misc,list-item]
    stage.detector.record = slow_record  # type: ignore[method-assign]

    async def crawl() -> None:
        start = datetime.now(UTC) - timedelta(hours=1)

        async def item(n: int) -> None:
            await asyncio.sleep(0.01 * n)
            when = start + timedelta(minutes=n)
            await stage.process_item(Post(site="s", kind="forum", url=f"http://x/{n}",
                                          content="帖子", id=f"s:{n}", time=when,
                                          published_at=when, crawled_at=when))  # fmt: skip

        stage.shared.open += 1
        await asyncio.gather(*(item(n) for n in range(20)))
        await stage.close_spider()

    asyncio.run(crawl())
    assert most == 1 and 2 <= looks <= 6  # ~every 5th item while a look takes 0.05 s, + close


def test_events_stage_post_that_makes_a_look_due_is_not_held_up_by_it(tmp_path: Any) -> None:
    """A look takes its time (its writes here; the events process's look ~1 s of a bench
    crawl's last seconds): the post that made it due goes on at once, and its crawler can
    close meanwhile; the close waits for that look, then looks for the posts since."""
    import asyncio

    from scrapy.utils.test import get_crawler

    from opinion_spiders.items import Post
    from pipelines.events import EventPipeline

    settings = {"OPINION_STORE": f"embedded://{tmp_path}", "OPINION_EVENTS_BATCH": 2,
                "OPINION_EVENTS_MIN_INTERVAL": 0, "OPINION_EVENTS_MAX_SHARE": 1,
                **IN_CRAWL}  # fmt: skip
    stage = EventPipeline(get_crawler(settings_dict=settings))
    recorded: list[tuple[float, float]] = []

    def slow_record(*_: Any) -> dict[str, int]:  # the writes of a look, on a worker thread
        started = time.monotonic()
        time.sleep(0.3)
        recorded.append((started, time.monotonic()))
        return {}

    stage.detector.bursts = lambda now: [object()]  # type: ignore[method-assign,misc,list-item]
    stage.detector.record = slow_record  # type: ignore[method-assign]

    async def crawl() -> tuple[float, bool, float]:
        when = datetime.now(UTC) - timedelta(hours=1)
        await stage.open_spider()
        started = time.monotonic()
        for n in range(2):
            await stage.process_item(Post(site="s", kind="forum", url=f"http://x/{n}",
                                          content="帖子", id=f"s:{n}", time=when,
                                          published_at=when, crawled_at=when))  # fmt: skip
        took = time.monotonic() - started
        await asyncio.sleep(0.05)
        under_way = stage.shared.aside is not None
        closing = time.monotonic()
        await stage.close_spider()
        return took, under_way, closing

    took, under_way, closing = asyncio.run(crawl())
    assert took < 0.15 and under_way  # the look had begun; the posts had not waited for it
    assert len(recorded) == 2  # that look, then the close's
    (first_start, first_end), (last_start, _) = recorded
    assert first_start < closing < first_end <= last_start


def test_events_stage_last_crawler_to_close_looks_for_all(tmp_path: Any) -> None:
    """Crawlers of one store share the detector: a closing crawler whose siblings still run
    leaves the look to them (each look rescans every key touched since the last), and the
    last to close looks, finding the burst all of them brought."""
    import asyncio

    from scrapy.utils.test import get_crawler

    from pipelines.events import EventPipeline

    settings = {"OPINION_STORE": f"embedded://{tmp_path}", "OPINION_EVENTS_BATCH": 1000,
                **IN_CRAWL}  # fmt: skip
    stages = [EventPipeline(get_crawler(settings_dict=settings)) for _ in range(2)]
    found: list[int] = []
    bursts = stages[0].detector.bursts

    def counted(now: datetime) -> Any:
        found.append(len(result := bursts(now)))
        return result

    stages[0].detector.bursts = counted  # type: ignore[method-assign]
    burst_at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    history = [_post(burst_at - timedelta(hours=h, minutes=10), "petition")
               for h in range(30, 2, -8)]  # fmt: skip
    burst = [_post(burst_at + timedelta(minutes=i), "petition") for i in range(6)]

    async def run() -> None:
        for stage in stages:
            await stage.open_spider()
        for n, post in enumerate(history + burst):
            stages[n % 2].detector.add(post)
        await stages[0].close_spider()
        assert found == []  # the other crawler still runs
        await stages[1].close_spider()

    asyncio.run(run())
    assert len(found) == 1 and found[0] >= 1


def _rising_by_definition(
    detector: Any, post_ids: list[str], exclude: str, top: int = 8
) -> list[dict[str, Any]]:
    """Every word's surprise, sorted, then the subword and exclude filters: what
    ``rising_terms`` must equal, however it gets there."""

    records = [detector.records[i] for i in post_ids if i in detector.records]
    counts = Counter(t for r in records for t in set(detector.vocabulary.decode(r.term_ids)))
    everyone = max(1, len(detector.records))
    found = []
    for term, n in counts.items():
        if n < 2 or term == exclude:
            continue
        expected = len(records) * detector.vocabulary.posts_with(term) / everyone
        value = surprise(n, max(expected, 1e-3))
        if value > 0:
            found.append({"term": term, "count": n, "expected": round(expected, 2),
                          "surprise": round(value, 2)})  # fmt: skip
    found.sort(key=lambda t: (-t["surprise"], -t["count"], t["term"]))
    longer = [t for t in found if len(t["term"]) > 2]
    kept = [t for t in found if t["term"] not in exclude
            and not any(t["term"] in o["term"] and o["term"] != t["term"]
                        and o["count"] == t["count"] for o in longer)]  # fmt: skip
    return kept[:top]


def _subwords_by_definition(bursts: list[Any]) -> list[Any]:
    words = [b for b in bursts if b.dimension == "term"]

    def covered(b: Any) -> bool:
        for o in words:
            if o is b or not (o.start <= b.end and b.start <= o.end):
                continue
            mine, theirs = set(b.post_ids), set(o.post_ids)
            if b.value in o.value and len(o.value) > len(b.value) and mine <= theirs:
                return True
            if mine == theirs and (-len(o.value), o.value) < (-len(b.value), b.value):
                return True
        return False

    return [b for b in bursts if b.dimension != "term" or not covered(b)]


@pytest.mark.parametrize("seed", range(6))
def test_events_rising_terms_and_subwords_equal_their_definitions(seed: int) -> None:
    """Bursts of words and their parts over a random crawl: the rising words of every burst
    and the bursts kept are those the plain definitions give."""
    import random

    rng = random.Random(seed)
    vocab = ["农民工", "农民", "民工", "工资", "拖欠", "拖欠工资", "讨薪", "工地", "包工头",
             "街道", "街道办", "补偿", "补偿款", "拆迁", "城南", "城南街道", "公示", "方案",
             "群众", "反映", "维权", "堵路", "聚集", "今天", "上午", "现场", "交警", "疏导"]  # fmt: skip
    vocab += [a + b for a, b in itertools.product(vocab[:12], vocab[-12:])]  # more than rank
    detector = _detector(terms=True)
    posts = []
    for hour in range(40):
        hot = rng.sample(vocab, 4) if hour >= 30 else []
        for _ in range(rng.randint(2, 5) + (rng.randint(8, 25) if hot else 0)):
            words = rng.sample(vocab, rng.randint(1, 30)) + (rng.sample(hot, 2) if hot else [])
            when = T0 + timedelta(hours=hour, minutes=rng.randint(0, 59))
            posts.append(_post(when, thread=str(rng.randint(1, 60)), terms=words))
    for post in posts:
        detector.add(post)
    bursts = detector.bursts_of
    keys = [*bursts.buckets, *(("term", w) for w in bursts.vocabulary.words)]
    found = [b for key in keys for b in bursts.scan(key)]
    assert sum(b.dimension == "term" for b in found) >= 10
    assert [id(b) for b in drop_subwords(found)] == [id(b) for b in _subwords_by_definition(found)]
    for b in found:
        exclude = b.value if b.dimension == "term" else ""
        got = bursts.rising_terms(b.post_ids, exclude=exclude)
        assert got == _rising_by_definition(bursts, b.post_ids, exclude), b.value


@pytest.mark.parametrize("seed", range(4))
def test_events_detect_finds_what_scanning_every_touched_key_finds(seed: int) -> None:
    """Words with too few posts near the buckets they were counted in are not scanned, and
    only the runs holding a touched bucket become bursts: batch after batch, the bursts are
    those a scan of every touched key's whole history gives."""
    import random

    rng = random.Random(seed)
    words = [f"词{n}" for n in range(300)]
    # words rise at the rules' threshold here, so that two 2-post halves of an hour's end burst
    bursts = BurstDetector(BurstPolicy(terms=True, term_threshold=3.0))
    hours = 60
    posts = []
    for hour in range(hours):
        for _ in range(rng.randint(3, 12)):
            terms = rng.sample(words, rng.randint(1, 12))
            when = T0 + timedelta(hours=hour, minutes=rng.randint(0, 59))
            posts.append(_post(when, thread=str(rng.randint(1, 40)), terms=terms))
        if rng.random() < 0.4:  # words that rise across the hour's end: 2-5 posts each side
            hot = rng.sample(words, 3)
            for side in (0, 1):
                for _ in range(rng.randint(2, 5)):
                    minute = rng.randint(40, 59) if side == 0 else rng.randint(0, 20)
                    when = T0 + timedelta(hours=hour + side, minutes=minute)
                    terms = rng.sample(words, rng.randint(1, 6)) + hot
                    posts.append(_post(when, thread=str(rng.randint(1, 40)), terms=terms))
    rng.shuffle(posts)  # a backfill: late posts land in old buckets
    found = 0
    for start in range(0, len(posts), 97):
        for post in posts[start : start + 97]:
            bursts.add(post)
        bursts._touch_stories()  # the other words of the stories found before, as detect does
        touched = {key: set(b) for key, b in bursts.touched.items()}
        for bucket, indexes in bursts.touched_words.items():
            for index in indexes:
                touched.setdefault(("term", bursts.vocabulary.words[index]), set()).add(bucket)
        expected = fold_co_rising(drop_subwords([
            b for key, marks in touched.items() for b in bursts.scan(key)
            if any(b.start <= t <= b.end for t in marks)
        ]), bursts.policy.term_fold)  # fmt: skip
        got = bursts.detect()
        assert sorted((b.key, b.start, b.end, b.total, b.post_ids) for b in got) == sorted(
            (b.key, b.start, b.end, b.total, b.post_ids) for b in expected
        )
        found += sum(b.dimension == "term" for b in got)
    assert found >= 10


@pytest.mark.parametrize("seed", range(6))
def test_events_words_scanned_at_once_burst_as_scanned_one_by_one(seed: int) -> None:
    """A look scans its words at once: the same bursts, to the last field, as each word's own
    scan — over quiet gaps, bursts cut in two by the hour, bridges, runs past ``max_run``
    that feed their baseline, sensitive periods that scale the threshold, and a history cut
    short by the memory bound."""
    import dataclasses
    import random

    rng = random.Random(seed)
    words = [f"词{n}" for n in range(150)]
    bursts = BurstDetector(
        BurstPolicy(terms=True, term_threshold=3.0, max_run=3, warmup=8),
        lambda moment: 0.6 if moment.hour % 5 == 0 else 1.0,
    )
    posts, hot, left = [], [], 0
    for hour in range(200):  # more than the week the same-hour mean looks back on
        if rng.random() < 0.15:
            continue  # a quiet hour: no post at all
        if left <= 0 and rng.random() < 0.3:  # words that rise for hours on end
            hot, left = rng.sample(words, rng.randint(1, 4)), rng.randint(1, 7)
        left -= 1
        hot = hot if left >= 0 else []
        for _ in range(rng.randint(2, 10)):
            when = T0 + timedelta(hours=hour, minutes=rng.randint(0, 59))
            terms = rng.sample(words, rng.randint(1, 10)) + hot
            posts.append(
                _post(when, thread=str(rng.randint(1, 30)), terms=list(dict.fromkeys(terms)))
            )
    rng.shuffle(posts)
    bursts.memory_posts = len(posts) * 19 // 20  # the oldest hours are forgotten on the way
    for post in posts:
        bursts.add(post)
    assert bursts.kept_from is not None
    ids = bursts.vocabulary.ids
    indexes = [ids[w] for w in words if w in ids]
    counted = bursts._term_series(indexes)
    marks = {i: sorted(rng.sample(sorted(counted[i]), k=min(len(counted[i]), rng.randint(2, 24))))
             for i in indexes if counted[i]}  # fmt: skip
    got = [dataclasses.asdict(b) for b in bursts._scan_words(marks, counted)]
    expected = [dataclasses.asdict(b) for i in marks
                for b in bursts.scan(("term", bursts.vocabulary.words[i]), marks[i], counted[i])]  # fmt: skip
    assert got == expected
    assert len(got) >= 5 and any(len(b["counts"]) > 3 for b in got)


@pytest.mark.parametrize("dispersion", [0.0, 0.1, 0.5, 1.0, 2.0])
def test_events_reaches_of_many_counts_is_reaches_of_each(dispersion: float) -> None:
    """Counts tested at once, in numpy, against one threshold or one each: each as
    :func:`reaches` says, near the bounds too."""
    import random

    import numpy as np

    rng = random.Random(int(dispersion * 10))
    counts = np.array([rng.randint(1, 60) for _ in range(4000)], dtype=np.int64)
    means = np.array([max(0.2, c * rng.uniform(0.05, 1.3)) for c in counts.tolist()])
    thresholds = np.array([rng.uniform(0.5, 12.0) for _ in counts.tolist()])
    # thresholds at a count's own surprise: the bounds cannot tell these
    for n in range(0, 4000, 40):
        thresholds[n] = surprise(int(counts[n]), float(means[n]), dispersion)
    expected = [reaches(c, m, dispersion, t) for c, m, t in
                zip(counts.tolist(), means.tolist(), thresholds.tolist(), strict=True)]  # fmt: skip
    assert reaches_all(counts, means, dispersion, thresholds).tolist() == expected
    one = [
        reaches(c, m, dispersion, 4.5) for c, m in zip(counts.tolist(), means.tolist(), strict=True)
    ]
    assert reaches_all(counts, means, dispersion, 4.5).tolist() == one
    assert 0 < sum(expected) < len(expected)


def test_events_term_series_of_many_words_at_once_are_each_words_series() -> None:
    """A look reads the counts of the words it scans at once — bucket by bucket for many
    words, word by word for a few in a long history: either way each word's own series."""
    import random

    rng = random.Random(3)
    words = [f"词{n}" for n in range(400)]
    bursts = BurstDetector(BurstPolicy(terms=True))
    for hour in range(48):
        for _ in range(rng.randint(2, 9)):
            when = T0 + timedelta(hours=hour, minutes=rng.randint(0, 59))
            bursts.add(_post(when, terms=rng.sample(words, rng.randint(1, 30))))
    ids = bursts.vocabulary.ids
    for asked in (words[:3], words):  # a few: word by word; all: bucket by bucket
        indexes = [ids[w] for w in asked if w in ids]
        got = bursts._term_series(indexes)
        assert got == {ids[w]: bursts.series(("term", w)) for w in asked if w in ids}
        assert sum(map(len, got.values())) > len(indexes)


def test_events_detect_reports_the_bridge_after_a_split_burst() -> None:
    """A post in the bucket after a burst cut in two by the hour (2 + 2 posts of a quiet word)
    is the burst's bridge: counted alone in a later batch, it brings the burst back, though
    no two buckets around it hold the burst's four posts."""
    # the pair: surprise 2.31 (4 posts against 0.2 + 0.4, the first half in the EWMA)
    bursts = BurstDetector(BurstPolicy(terms=True, term_threshold=2.0))
    for hour in range(30):
        bursts.add(_post(T0 + timedelta(hours=hour), terms=["日常"]))
    for hour, minute in ((30, 50), (30, 55), (31, 5), (31, 10)):
        bursts.add(_post(T0 + timedelta(hours=hour, minutes=minute), terms=["堵路"]))
    assert [(b.value, sorted(b.counts.values())) for b in bursts.detect() if b.value == "堵路"] == [
        ("堵路", [2, 2])
    ]
    bursts.add(_post(T0 + timedelta(hours=32, minutes=5), terms=["堵路"]))
    found = [b for b in bursts.detect() if b.value == "堵路"]
    assert [(b.total, len(b.counts)) for b in found] == [(5, 3)]


def test_events_burst_keeps_its_start_when_a_weak_tail_would_sink_it() -> None:
    """A rule busy at 2 posts an hour gets 10 (surprise 3.45 against 2) and then 3, which is
    still above its baseline and so the burst's tail: the two together (13 against 4, 2.57)
    are under the threshold of 3. The burst is the hour that burst, at its own surprise —
    not dropped, and not stored below the threshold it was called at."""
    detector = _detector()
    posts = [_post(T0 + timedelta(hours=h, minutes=m), "petition")
             for h in range(48) for m in (10, 40)]  # fmt: skip
    posts += [_post(T0 + timedelta(hours=48, minutes=m), "petition") for m in range(0, 50, 5)]
    posts += [_post(T0 + timedelta(hours=49, minutes=m), "petition") for m in (5, 20, 35)]
    _feed(detector, posts)
    found = [b for b in detector.bursts(T0 + timedelta(hours=50)) if b.dimension == "rule"]
    assert [(b.total, len(b.counts), b.level) for b in found] == [(10, 1, "notice")]
    assert found[0].surprise >= found[0].threshold == 3.0


def test_events_vocabulary_forgets_the_words_of_forgotten_posts() -> None:
    """A 7×24 crawl meets new words without end: a word no kept post holds gives its id to
    the next new word, so the vocabulary holds about the words of the posts kept."""
    bursts = BurstDetector(BurstPolicy(terms=True))
    bursts.memory_posts = 100
    for n in range(1000):  # each post two words of its own and one shared
        when = T0 + timedelta(minutes=10 * n)
        bursts.add(_post(when, terms=[f"新词{n}", f"别字{n}", "街道"]))
    vocabulary = bursts.vocabulary
    kept = [vocabulary.decode(r.term_ids) for r in bursts.records.values()]
    assert len(bursts.records) <= 100
    assert set(vocabulary.ids) == {w for words in kept for w in words}
    assert len(vocabulary.words) <= 2 * 100 + 1 + len(vocabulary.free)
    assert len(vocabulary.words) < 300  # not 2,001
    assert vocabulary.posts_with("街道") == len(bursts.records)
    assert all(vocabulary.words[vocabulary.ids[w]] == w for w in vocabulary.ids)


def test_events_stage_gives_mallocs_free_memory_back_after_each_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A look frees the biggest buffers of a crawl: the stage trims malloc after each one."""
    from scrapy.utils.test import get_crawler

    import pipelines.events
    from opinion_spiders.items import Post
    from pipelines.events import EventPipeline

    trims: list[int] = []
    monkeypatch.setattr(pipelines.events, "_TRIM", lambda: trims.append(1) or 1)
    settings = {"OPINION_STORE": f"embedded://{tmp_path}", "OPINION_EVENTS_BATCH": 2,
                "OPINION_EVENTS_MIN_INTERVAL": 0, "OPINION_EVENTS_MAX_SHARE": 1,
                **IN_CRAWL}  # fmt: skip
    stage = EventPipeline(get_crawler(settings_dict=settings))

    async def feed() -> None:
        start = datetime.now(UTC) - timedelta(hours=1)
        for n in range(6):
            when = start + timedelta(minutes=n)
            post = Post(site="s", kind="forum", url=f"http://x/{n}", content="帖子",
                        id=f"s:{n}", time=when, published_at=when, crawled_at=when)  # fmt: skip
            await stage.process_item(post)
            if stage.shared.aside is not None:
                await stage.shared.aside

    asyncio.run(feed())
    assert len(trims) == 3  # a look every 2 posts


def test_events_alert_whose_ledger_write_is_lost_after_its_delivery_is_spooled_not_resent(
    any_store: Store, webhook: WebhookReceiver, tmp_path: Path
) -> None:
    """The store lost between an event alert's delivery and the write that records it: the
    event is recorded and its alert sent once; the unwritten delivery goes to the spool, and
    once it is replayed the ledger has the alert sent — a retry sends nothing."""
    detector, channels = _detector(), [WebhookChannel(webhook.url)]
    detector.spool = Spool(tmp_path / "spool")
    _feed(detector, _background() + _quiet_rule())
    now = T0 + timedelta(hours=72, minutes=50)
    _feed(detector, [_post(T0 + timedelta(hours=72, minutes=5 * i), "petition") for i in range(4)])
    done = detector.record(detector.bursts(now), LedgerLostAfterInsert(any_store), channels, now)
    assert done["alerts"] == 1 and done["ledger_spooled"] >= 1
    assert len(webhook.requests) == 1
    [alert] = any_store.find_alerts()
    assert alert["status"] == "pending"  # the stored ledger is behind until the spool replays
    assert detector.spool.replay(any_store) >= 1
    [alert] = any_store.find_alerts()
    assert alert["status"] == "sent"
    retried = retry_pending(any_store, channels, now + timedelta(days=1), detector.alerts)
    assert retried.sent == [] and retried.failed == [] and len(webhook.requests) == 1
