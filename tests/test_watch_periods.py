"""The sensitive-period calendar (README "Sensitive periods"): fixed days, ranges,
yearly anniversaries, announced moments, lead and tail windows, and how overlaps combine."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.demo import watch_file
from opinion_spiders.errors import ConfigError
from opinion_spiders.items import Post
from opinion_spiders.settings_util import bundled_path
from opinion_spiders.watch.periods import Calendar, load_calendars
from pipelines.periods import PeriodPipeline
from plugins.periods import period_contribution

CST = ZoneInfo("Asia/Shanghai")

CALENDAR = """
[calendar]
timezone = "Asia/Shanghai"

[[period]]
id = "day"
name = "宪法日"
date = 2026-12-04
weight = 1

[[period]]
id = "notice"
name = "征收方案公示期"
category = "policy"
start = 2026-11-20
end = 2026-12-19
lead_days = 3
tail_days = 7
weight = 4
threshold_factor = 0.8
crawl_interval_factor = 0.5

[[period]]
id = "national"
name = "国庆假期"
yearly = "10-01"
days = 7
lead_days = 2
weight = 3
threshold_factor = 0.9
crawl_interval_factor = 0.7

[[period]]
id = "newyear"
name = "元旦前后"
yearly = "12-31"
days = 2
weight = 2

[[period]]
id = "appointment"
name = "任前公示"
category = "appointment"
at = 2026-12-01T09:00:00
hours = 120
lead_days = 1
tail_days = 0.5
weight = 5
threshold_factor = 0.7
crawl_interval_factor = 0.6
"""


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory) -> Calendar:
    path = tmp_path_factory.mktemp("watch") / "periods.toml"
    path.write_text(CALENDAR, encoding="utf-8")
    return load_calendars([path])


def at(text: str) -> datetime:
    """A local time in the calendar's zone (Asia/Shanghai)."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


ACTIVE = [
    # moment (Asia/Shanghai), active period ids heaviest first, phase of the first
    ("2026-11-16 23:59", [], None),
    ("2026-11-17 00:00", ["notice"], "lead"),  # 3 lead days before 11-20
    ("2026-11-20 00:00", ["notice"], "core"),
    ("2026-12-04 12:00", ["appointment", "notice", "day"], "core"),
    ("2026-12-05 00:00", ["appointment", "notice"], "core"),  # the day is one day only
    ("2026-11-30 08:59", ["notice"], "core"),
    ("2026-11-30 09:00", ["appointment", "notice"], "lead"),  # 1 lead day before 12-01 09:00
    ("2026-12-06 09:00", ["appointment", "notice"], "tail"),  # 120 hours later, half a day tail
    ("2026-12-06 21:00", ["notice"], "core"),
    ("2026-12-26 23:59", ["notice"], "tail"),  # 7 tail days after 12-19
    ("2026-12-27 00:00", [], None),
    # yearly: every year, lead included, also across the year end
    ("2026-09-29 00:00", ["national"], "lead"),
    ("2027-10-07 23:59", ["national"], "core"),
    ("2027-10-08 00:00", [], None),
    ("2030-10-03 10:00", ["national"], "core"),
    ("2027-01-01 12:00", ["newyear"], "core"),
    ("2027-01-02 00:00", [], None),
]


@pytest.mark.parametrize(("moment", "ids", "phase"), ACTIVE)
def test_periods_active_at(calendar: Calendar, moment: str, ids: list[str], phase: str) -> None:
    now = at(moment)
    active = calendar.active(now)
    assert [w.period.id for w in active] == ids
    assert (active[0].phase(now) if active else None) == phase


def test_periods_time_zone_is_the_calendars(calendar: Calendar) -> None:
    """16:00 UTC on 11-16 is already 00:00 on 11-17 in Asia/Shanghai: the lead has begun."""
    assert [w.period.id for w in calendar.active(datetime(2026, 11, 16, 16, 0, tzinfo=UTC))] == [
        "notice"
    ]
    assert calendar.active(datetime(2026, 11, 16, 15, 59, tzinfo=UTC)) == []


def test_periods_windows_follow_the_calendar_and_the_years_asked_for(calendar: Calendar) -> None:
    """The windows of the last span of years are kept (a crawl asks for every post): asked
    again after the periods changed, or for other years, the answer is worked out anew."""
    autumn, later = at("2026-11-25 12:00"), at("2029-11-25 12:00")
    assert [w.period.id for w in calendar.active(autumn)] == ["notice"]
    national = [w.start.year for w in calendar.windows(later) if w.period.id == "national"]
    assert national == [2028, 2029, 2030]
    notice = next(p for p in calendar.periods if p.id == "notice")
    calendar.periods.remove(notice)
    assert calendar.active(autumn) == []
    calendar.periods.append(notice)
    assert [w.period.id for w in calendar.active(autumn)] == ["notice"]
    first = calendar.windows(autumn)
    first.clear()  # a caller's list is its own
    assert calendar.windows(autumn)


COMBINED = [
    # moment, score weight, threshold factor, crawl-interval factor
    ("2026-11-01 12:00", 0.0, 1.0, 1.0),  # nothing active: factors are neutral
    ("2026-11-25 12:00", 4.0, 0.8, 0.5),
    ("2026-12-04 12:00", 5.0, 0.7, 0.5),  # overlaps: highest weight, lowest factors
    ("2027-10-02 12:00", 3.0, 0.9, 0.7),
]


@pytest.mark.parametrize(("moment", "weight", "threshold", "crawl"), COMBINED)
def test_periods_overlaps_combine_to_the_most_watchful(
    calendar: Calendar, moment: str, weight: float, threshold: float, crawl: float
) -> None:
    now = at(moment)
    assert calendar.score_weight(now)[0] == weight
    assert calendar.threshold_factor(now) == threshold
    assert calendar.crawl_interval_factor(now) == crawl


def test_periods_upcoming_soonest_first(calendar: Calendar) -> None:
    now = at("2026-11-25 12:00")
    assert [w.period.id for w in calendar.upcoming(now, 10)] == ["appointment", "day"]
    assert [w.period.id for w in calendar.upcoming(now, 40)] == ["appointment", "day", "newyear"]
    assert [w.start for w in calendar.upcoming(now, 10)] == [
        at("2026-11-30 09:00"),
        at("2026-12-04 00:00"),
    ]
    assert calendar.upcoming(now, 1) == []
    assert calendar.upcoming(now, 10)[0].phase(now) == "upcoming"


def test_periods_leap_day_anniversary_falls_back_to_28_february(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[[period]]\nid = "x"\nname = "闰日"\nyearly = "02-29"\n', encoding="utf-8")
    calendar = load_calendars([path])
    assert calendar.active(at("2027-02-28 12:00")) and not calendar.active(at("2027-03-01 00:00"))
    assert calendar.active(at("2028-02-29 12:00")) and not calendar.active(at("2028-02-28 12:00"))


ERRORS = [
    ('[[period]]\nid = "a"\nname = "甲"\n', "line 1 [[period]] id 'a' date"),
    ('[[period]]\nid = "a"\nname = "甲"\ndate = 2026-01-01\nyearly = "01-01"\n', "exactly one"),
    ('[[period]]\nid = "a"\nname = "甲"\nstart = 2026-02-01\nend = 2026-01-01\n', "before start"),
    ('[[period]]\nid = "a"\nname = "甲"\nstart = 2026-02-01\n', "end"),
    ('[[period]]\nid = "a"\nname = "甲"\nyearly = "13-01"\n', "month-day"),
    ('[[period]]\nid = "a"\nname = "甲"\nat = 2026-02-01\n', "date-time"),
    ('[[period]]\nid = "a"\nname = "甲"\ndate = 2026-02-01\nthreshold_factor = 0\n', "range"),
    ('[[period]]\nid = "a"\nname = "甲"\ndate = 2026-02-01\nlead = 3\n', "unknown key"),
    ('[calendar]\ntimezone = "Mars/Base"\n', "time zone"),
    (
        '[[period]]\nid = "a"\nname = "甲"\ndate = 2026-02-01\n\n'
        '[[period]]\nid = "a"\nname = "乙"\ndate = 2026-02-02\n',
        "line 6 [[period]] id 'a': id also declared",
    ),
]


@pytest.mark.parametrize(("text", "needle"), ERRORS)
def test_periods_file_errors_name_file_place_and_fix(
    tmp_path: Path, text: str, needle: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_calendars([path])
    assert str(path) in str(err.value) and needle in str(err.value)


def test_periods_bundled_calendar_loads() -> None:
    national = load_calendars([bundled_path("watch", "periods.toml")])
    assert {"two-sessions-2027", "national-day"} <= {p.id for p in national.periods}
    assert national.tz.key == "Asia/Shanghai"
    assert not any("临江" in f"{p.name} {p.note}" for p in national.periods)
    demo = load_calendars([bundled_path("watch", "periods.toml"), watch_file("periods.toml")])
    assert {"chengbei-land-notice", "two-sessions-2027"} <= {p.id for p in demo.periods}


def test_watch_defaults_are_the_demo_city_only_on_the_demo_sites(tmp_path: Path) -> None:
    """A deployment that declares its own sites and no watch files scores with no watchlist,
    no plans and the national periods — never the demo city's officials and notices."""
    from opinion_spiders.watch.config import (
        calendar_from_settings,
        plans_from_settings,
        watchlist_from_settings,
    )

    own = {"OPINION_SITES_FILES": [str(tmp_path / "sites.toml")]}
    assert watchlist_from_settings(own).entities == [] and plans_from_settings(own) == {}
    assert "chengbei-land-notice" not in {p.id for p in calendar_from_settings(own).periods}
    assert "national-day" in {p.id for p in calendar_from_settings(own).periods}
    assert {e.id for e in watchlist_from_settings({}).entities} >= {"lj-jiwei"}
    assert "chengbei-land" in plans_from_settings({})
    named = {**own, "OPINION_WATCH_PLANS": [], "OPINION_WATCH_ENTITIES": [str(tmp_path / "e.toml")]}
    (tmp_path / "e.toml").write_text(
        '[watchlist]\nname = "mine"\n\n[[entity]]\nid = "bureau"\nkind = "organisation"\n'
        'name = "某市水务局"\n',
        encoding="utf-8",
    )
    assert [e.id for e in watchlist_from_settings(named).entities] == ["bureau"]


def post_at(moment: str, matched: bool) -> Post:
    post = Post("demo-forum", "forum", "http://x/1", content="城管强拆")
    post.time = at(moment)
    post.matches = [{"rule": "land", "hits": []}] if matched else []
    return post


def test_periods_pipeline_and_score_name_the_period(tmp_path: Path) -> None:
    path = tmp_path / "periods.toml"
    path.write_text(CALENDAR, encoding="utf-8")
    crawler = get_crawler(settings_dict={"OPINION_WATCH_PERIODS": [str(path)]})
    stage = PeriodPipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    inside, quiet, outside = (
        post_at("2026-12-04 12:00", True),
        post_at("2026-12-04 12:00", False),
        post_at("2026-11-01 12:00", True),
    )
    for post in (inside, quiet, outside):
        stage.process_item(post)
    assert [p["id"] for p in inside.periods] == ["appointment", "notice", "day"]
    assert inside.periods[1]["phase"] == "core" and inside.periods[0]["threshold_factor"] == 0.7
    (contribution,) = period_contribution(inside)
    assert contribution.source == "period" and contribution.value == 5.0
    assert "任前公示" in contribution.reason and "征收方案公示期" in contribution.reason
    assert period_contribution(quiet) == []  # nothing to watch: the date alone adds nothing
    assert outside.periods == [] and period_contribution(outside) == []
    assert crawler.stats.get_value("opinion/periods/period/notice") == 2
