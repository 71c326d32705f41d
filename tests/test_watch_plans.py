"""Watch plans (README "Watch plans"): which posts belong to a plan, and the baseline
before the event against the reaction during it, on the embedded store and on FerretDB."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.demo import watch_file
from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import Store
from opinion_spiders.text.segment import Segmenter
from opinion_spiders.watch import plans
from opinion_spiders.watch.entities import load_watchlists
from opinion_spiders.watch.plans import Plan, format_plan_report, load_plans, plan_report
from tests._docs import docs_text

CST = ZoneInfo("Asia/Shanghai")

PLANS = """
[[plan]]
id = "chengbei"
name = "城北片区征收方案公示"
start = 2026-11-20
end = 2026-11-23
baseline_days = 4
terms = ["征收"]
entities = ["chengbei"]
rules = ["land"]
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    path = tmp_path / "plans.toml"
    path.write_text(PLANS, encoding="utf-8")
    return load_plans([path], entity_ids={"chengbei"})["chengbei"]


def doc(
    n: int, when: str, site: str = "demo-forum", score: float = 1.0, **kw: Any
) -> dict[str, Any]:
    """A stored post as the pipelines write it, with the fields a plan reads."""
    time = at(when)
    return {
        "_id": f"{site}:{n}", "site": site, "kind": "forum", "url": f"http://127.0.0.1/t/{n}",
        "title": f"帖子{n}", "content": "", "published_at": time, "crawled_at": time,
        "time": time, "day": time.date().isoformat(), "score": score,
        "terms": kw.get("terms", []), "matches": kw.get("matches", []),
        "entities": kw.get("entities", []), "contributions": [],
    }  # fmt: skip


LAND = [{"rule": "land", "name": "征地拆迁", "severity": 2, "weight": 8, "hits": []}]
CHENGBEI = [{"id": "chengbei", "name": "城北片区", "kind": "place", "weight": 1.2}]
POSTS = [
    doc(1, "2026-11-10 09:00", terms=["征收"]),  # before the baseline
    doc(2, "2026-11-17 09:00", terms=["征收", "补偿"]),
    doc(3, "2026-11-18 09:00", entities=CHENGBEI),
    doc(4, "2026-11-18 10:00", terms=["物业费"]),  # not the plan's
    doc(5, "2026-11-20 08:00", score=30, matches=LAND),
    doc(6, "2026-11-20 09:00", score=12, terms=["征收"]),
    doc(7, "2026-11-21 09:00", site="demo-bar", score=40, entities=CHENGBEI),
    doc(8, "2026-11-21 10:00", site="demo-bar", score=5, terms=["征收"]),
    doc(9, "2026-11-22 10:00", site="demo-portal", score=2, terms=["征收"]),
    doc(10, "2026-11-22 10:30", terms=["电视剧"], matches=[{"rule": "other"}]),  # not the plan's
    doc(11, "2026-11-24 09:00", terms=["征收"]),  # after the plan ends
]


def alert(post_id: str, created: str) -> dict[str, Any]:
    return {
        "_id": f"post:{post_id}", "post_id": post_id, "tier": "warning", "score": 30.0,
        "site": "demo-forum", "title": "t", "url": "u", "status": "sent",
        "created_at": at(created), "terms": [],
    }  # fmt: skip


@pytest.fixture
def store(any_store: Store) -> Store:
    any_store.upsert_posts(POSTS)
    any_store.insert_alert(alert("demo-forum:5", "2026-11-20 08:05"))
    any_store.insert_alert(alert("demo-forum:4", "2026-11-18 10:05"))  # not the plan's post
    return any_store


def test_plans_baseline_against_reaction(store: Store, plan: Plan) -> None:
    report = plan_report(store, plan, now=at("2026-11-22 12:00"))
    base, reaction = report["baseline"], report["reaction"]
    assert report["state"] == "running"
    assert (base["posts"], base["per_day"]) == (2, 0.5)  # 4 baseline days
    assert (reaction["posts"], reaction["per_day"]) == (5, 2.0)  # 2.5 days so far
    assert report["per_day_ratio"] == 4.0
    assert [(d["day"], d["count"]) for d in base["daily"]] == [
        ("2026-11-16", 0), ("2026-11-17", 1), ("2026-11-18", 1), ("2026-11-19", 0),
    ]  # fmt: skip
    assert [(d["day"], d["count"]) for d in reaction["daily"]] == [
        ("2026-11-20", 2), ("2026-11-21", 2), ("2026-11-22", 1),
    ]  # fmt: skip
    sites = {s["site"]: s["count"] for s in reaction["sites"]}
    assert sites == {"demo-forum": 2, "demo-bar": 2, "demo-portal": 1}
    assert [p["_id"] for p in reaction["top_posts"]][:3] == [
        "demo-bar:7", "demo-forum:5", "demo-forum:6",
    ]  # fmt: skip
    assert [a["post_id"] for a in reaction["alerts"]] == ["demo-forum:5"]
    assert base["alerts"] == []
    assert report["truncated"] is False


def test_plans_posts_outside_the_plan_do_not_use_up_the_read_limit(
    store: Store, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store selects the plan's posts: 7 of them among 10 in the window (and one after
    the end), so a limit of 7 reads them all and the report is complete."""
    monkeypatch.setattr(plans, "SCAN_LIMIT", 7)
    report = plan_report(store, plan, now=at("2026-12-01 00:00"))
    assert (report["baseline"]["posts"], report["reaction"]["posts"]) == (2, 5)
    assert report["truncated"] is True  # exactly at the limit: it cannot know there is no more
    monkeypatch.setattr(plans, "SCAN_LIMIT", 8)
    assert plan_report(store, plan, now=at("2026-12-01 00:00"))["truncated"] is False


def test_plans_reaction_stops_at_the_plan_end(store: Store, plan: Plan) -> None:
    report = plan_report(store, plan, now=at("2026-12-01 00:00"))
    assert report["state"] == "finished"
    assert report["reaction"]["until"] == at("2026-11-24 00:00")  # end date is inclusive
    assert report["reaction"]["posts"] == 5
    assert "demo-forum:11" not in {p["_id"] for p in report["reaction"]["top_posts"]}


def test_plans_before_the_event_has_only_a_baseline(store: Store, plan: Plan) -> None:
    report = plan_report(store, plan, now=at("2026-11-19 12:00"))
    assert report["state"] == "upcoming"
    assert report["baseline"]["posts"] == 2 and report["reaction"]["posts"] == 0
    assert report["per_day_ratio"] == 0.0
    text = format_plan_report(report)
    assert "Plan chengbei: 城北片区征收方案公示 (upcoming)" in text
    assert "Baseline:" in text and "Reaction:" in text


COVERS = [
    ({"terms": ["征收"]}, True),
    ({"terms": ["征收补偿"]}, False),  # terms are whole search words, not substrings
    ({"entities": [{"id": "chengbei"}]}, True),
    ({"entities": [{"id": "chengnan"}]}, False),
    ({"matches": [{"rule": "land"}]}, True),
    ({"matches": [{"rule": "petition"}]}, False),
    ({}, False),
]


@pytest.mark.parametrize(("fields", "expected"), COVERS)
def test_plans_which_posts_belong(plan: Plan, fields: dict[str, Any], expected: bool) -> None:
    assert plan.covers(fields) is expected


def test_plans_cover_posts_and_terms_written_in_traditional_characters(plan: Plan) -> None:
    terms = Segmenter().search_terms("城北片區徵收補償方案公示")  # as the keyword stage stores
    assert plan.covers({"terms": terms})
    written_traditional = dataclasses.replace(plan, terms=("徵收",))
    assert written_traditional.covers({"terms": ["征收"]})
    assert not written_traditional.covers({"terms": ["征地"]})


def test_plans_dates_are_whole_days_in_the_calendar_zone(plan: Plan) -> None:
    assert plan.start == at("2026-11-20 00:00") and plan.end == at("2026-11-24 00:00")
    assert plan.baseline_start == plan.start - timedelta(days=4)


ERRORS = [
    (
        '[[plan]]\nid = "a"\nname = "甲"\nstart = 2026-01-02\nend = 2026-01-01\nterms = ["x"]\n',
        "end",
    ),
    ('[[plan]]\nid = "a"\nname = "甲"\nstart = 2026-01-01\nend = 2026-01-02\n', "at least one"),
    ('[[plan]]\nid = "a"\nname = "甲"\nend = 2026-01-02\nterms = ["x"]\n', "start: missing"),
    (
        '[[plan]]\nid = "a"\nname = "甲"\nstart = 2026-01-01\nend = 2026-01-02\nentities = ["nope"]\n',
        "line 1 [[plan]] id 'a' entities: 'nope' is not in the watchlist",
    ),
    ('[[plan]]\nid = "a"\nname = "甲"\nstart = "soon"\nend = 2026-01-02\nterms = ["x"]\n', "start"),
    ('[plans]\nid = "a"\n', "use [[plan]]"),
]


@pytest.mark.parametrize(("text", "needle"), ERRORS)
def test_plans_file_errors_name_file_place_and_fix(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_plans([path], entity_ids={"chengbei"})
    assert str(path) in str(err.value) and needle in str(err.value)


def test_plans_bundled_plans_name_watched_entities() -> None:
    ids = {e.id for e in load_watchlists([watch_file("entities.toml")]).entities}
    plans = load_plans([watch_file("plans.toml")], entity_ids=ids)
    assert "chengbei-land" in plans
    assert plans["chengbei-land"].start == at("2026-11-20 00:00")


def test_watch_docs_examples_load(tmp_path: Path) -> None:
    """The TOML examples of the README's "Watchlists", "Sensitive periods" and "Watch plans"
    sections are valid files that work together."""
    from opinion_spiders.watch.periods import load_calendars

    readme = docs_text()
    text = readme[readme.index("\n## Watchlists") : readme.index("\n## Scores and alerts")]
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    files = {}
    for header in ("[[entity]]", "[[period]]", "[[plan]]"):
        (block,) = [b for b in blocks if header in b]
        files[header] = tmp_path / f"{header.strip('[]')}.toml"
        files[header].write_text(block, encoding="utf-8")
    watchlist = load_watchlists([files["[[entity]]"]])
    assert {e.id for e in watchlist.entities} == {"lj-chengguan", "chengnan-jiedao", "lj-mayor"}
    calendar = load_calendars([files["[[period]]"]])
    assert [w.period.id for w in calendar.active(at("2026-12-01 10:00"))] == [
        "party-secretary-appointment",
        "chengbei-land-notice",
    ]
    plans = load_plans([files["[[plan]]"]], entity_ids={"chengbei-pianqu", "lj-ziranziyuan"})
    assert plans["chengbei-land"].baseline_start == at("2026-11-06 00:00")
