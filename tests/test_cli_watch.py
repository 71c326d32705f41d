"""``opinion periods`` and ``opinion report --plan``, called as the CLI calls them."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.cli import build_parser, periods
from opinion_spiders.cli import report as report_command
from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.embedded import EmbeddedStore

CST = ZoneInfo("Asia/Shanghai")

PERIODS = """
[[period]]
id = "notice"
name = "征收方案公示期"
category = "policy"
start = 2026-11-20
end = 2026-12-19
lead_days = 3
weight = 4
threshold_factor = 0.8
crawl_interval_factor = 0.5

[[period]]
id = "day"
name = "宪法日"
date = 2026-12-04
weight = 1
"""

PLANS = """
[[plan]]
id = "chengbei"
name = "城北片区征收方案公示"
start = 2026-11-20
end = 2026-12-19
baseline_days = 7
terms = ["征收"]
entities = ["chengbei-pianqu"]
"""


def periods_args(
    tmp_path: Path, *extra: str, days: float = 30, json_: bool = False
) -> argparse.Namespace:
    path = tmp_path / "periods.toml"
    path.write_text(PERIODS, encoding="utf-8")
    sets = [f"OPINION_WATCH_PERIODS={path}", *extra]
    return argparse.Namespace(set=sets, days=days, at="2026-11-25T12:00:00+08:00", json=json_)


def test_cli_periods_lists_active_and_upcoming(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert periods.run(periods_args(tmp_path)) == 0
    out = capsys.readouterr().out
    active, upcoming = out.split("Upcoming")
    assert "alert threshold ×0.8, crawl interval ×0.5" in out
    assert "notice" in active and "征收方案公示期" in active and "core" in active
    assert "2026-11-17 00:00 → 2026-12-20 00:00" in active
    assert "day" in upcoming and "2026-12-04 00:00 → 2026-12-05 00:00" in upcoming


def test_cli_periods_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert periods.run(periods_args(tmp_path, days=5, json_=True)) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in listing["active"]] == ["notice"]
    assert listing["upcoming"] == []  # 宪法日 is 9 days away
    assert listing["active"][0]["start"] == "2026-11-17T00:00:00+08:00"
    assert (listing["threshold_factor"], listing["crawl_interval_factor"]) == (0.8, 0.5)


def test_cli_periods_bad_at_is_a_config_error(tmp_path: Path) -> None:
    args = periods_args(tmp_path)
    args.at = "tomorrow"
    with pytest.raises(ConfigError, match="--at"):
        periods.run(args)


def plan_args(tmp_path: Path, plan: str, json_: bool) -> argparse.Namespace:
    path = tmp_path / "plans.toml"
    path.write_text(PLANS, encoding="utf-8")
    sets = [f"OPINION_WATCH_PLANS={path}", f"OPINION_STORE=embedded://{tmp_path / 'db'}"]
    return argparse.Namespace(set=sets, plan=plan, json=json_, at="2026-11-22T12:00:00+08:00")


def test_cli_plan_report_json_from_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = EmbeddedStore(tmp_path / "db")
    days = ("2026-11-15", "2026-11-20", "2026-11-21", "2026-11-22")
    posts = []
    for i, day in enumerate(days):
        t = datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=CST)
        posts.append({"_id": f"demo-forum:{i}", "site": "demo-forum", "kind": "forum",
                      "url": f"http://x/{i}", "title": "城北征收", "time": t, "published_at": t,
                      "crawled_at": t, "day": day, "score": float(i), "terms": ["征收"],
                      "matches": [], "entities": []})  # fmt: skip
    store.upsert_posts(posts)
    store.close()
    assert report_command.run(plan_args(tmp_path, "chengbei", json_=True)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["plan"]["id"] == "chengbei"
    assert (report["baseline"]["posts"], report["reaction"]["posts"]) == (1, 3)
    assert report["reaction"]["top_posts"][0]["_id"] == "demo-forum:3"


def test_cli_plan_report_text_and_unknown_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_command.run(plan_args(tmp_path, "chengbei", json_=False)) == 0
    assert "Plan chengbei: 城北片区征收方案公示 (running)" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="no plan 'nope'; plans: chengbei"):
        report_command.run(plan_args(tmp_path, "nope", json_=False))


def test_cli_parser_adds_periods_command() -> None:
    args = build_parser(["periods"]).parse_args(["periods", "--days", "7", "--json"])
    assert args.func is periods.run and args.days == 7 and args.json
