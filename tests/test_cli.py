"""The `opinion` command as a user types it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests._proc import run_opinion


def test_cli_sites_lists_kind_engine_adapter() -> None:
    out = run_opinion("sites").stdout
    assert re.search(r"^demo-forum\s+forum\s+discuz\s+plugins\.discuz\.DiscuzAdapter$", out, re.M)
    assert re.search(r"^demo-portal\s+portal\s+portal\s+plugins\.portal\.PortalAdapter$", out, re.M)
    assert re.search(r"^demo-bar\s+postbar\s+tieba\s+plugins\.tieba\.TiebaAdapter$", out, re.M)


def test_cli_plugins_lists_builtins_with_hooks() -> None:
    out = run_opinion("plugins").stdout
    assert re.search(r"^plugins\.discuz\s+opinion_adapters$", out, re.M)
    assert re.search(r"^plugins\.channels\s+opinion_alert_channels$", out, re.M)
    assert "FAILED" not in out


def test_cli_report_json_on_empty_store(tmp_path: Path) -> None:
    env = {"OPINION_STORE": f"embedded://{tmp_path}"}
    report = json.loads(run_opinion("report", "--since", "24h", "--json", env=env).stdout)
    assert report["total_posts"] == 0
    assert report["per_kind"] == {"forum": 0, "portal": 0, "postbar": 0}
    assert report["per_site"] == {} and report["alerts"] == []


def test_cli_errors_are_one_line_and_nonzero(tmp_path: Path) -> None:
    env = {"OPINION_STORE": f"embedded://{tmp_path}"}
    cases = [
        (
            ("crawl", "no-such-site"),
            "no such site; declared sites: demo-bar, demo-forum, demo-portal",
        ),
        (("report", "--since", "soon"), "--since"),
        (("crawl",), "name at least one site"),
        (("sites", "-s", "NOEQUALS"), "use -s NAME=VALUE"),
    ]
    for args, needle in cases:
        proc = run_opinion(*args, env=env, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("opinion: error:") and needle in lines[0]


def test_cli_report_json_has_analysis_parts(tmp_path: Path) -> None:
    env = {"OPINION_STORE": f"embedded://{tmp_path}"}
    report = json.loads(run_opinion("report", "--json", env=env).stdout)
    assert {"clusters", "entities", "periods", "plans", "alert_latency"} <= set(report)
    assert report["clusters"] == [] and report["entities"] == []
    assert {"active", "upcoming"} == set(report["periods"])
    assert {p["id"] for p in report["plans"]} >= {"chengbei-land"}


def test_cli_events_lists_recent_bursts_and_emerging_terms(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from opinion_spiders.stores import open_store

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = {"id": "demo-forum:1019:5089", "site": "demo-forum", "title": "滨江街道有人聚集堵路",
             "url": "http://x/1019", "author": "骑车上班族", "time": now}  # fmt: skip

    def event(key: str, end: datetime, surprise: float) -> dict[str, object]:
        dimension, value = key.split(":")
        return {"_id": f"{key}:{end - timedelta(hours=1):%Y-%m-%dT%H:%MZ}", "dimension": dimension,
                "value": value, "name": value, "level": "notice", "start": end - timedelta(hours=1),
                "end": end, "peak": {"start": end - timedelta(hours=1), "count": 5}, "count": 5,
                "expected": 0.2, "surprise": surprise, "first_post": first, "post_ids": [],
                "terms": [{"term": "工资", "count": 3}]}  # fmt: skip

    store = open_store(f"embedded://{tmp_path}")
    story = event("term:农民工", now, 5.3)
    story["words"] = [{"term": "讨薪", "count": 4, "surprise": 5.0},
                      {"term": "工地", "count": 3, "surprise": 4.6}]  # fmt: skip
    store.upsert_events([story, event("site:demo-forum", now, 4.2),
                         event("rule:land", now - timedelta(days=3), 9.0)])  # fmt: skip
    store.close()
    env = {"OPINION_STORE": f"embedded://{tmp_path}"}
    out = run_opinion("events", env=env).stdout
    assert out.startswith("Events (since ") and "): 2\n" in out.splitlines()[0] + "\n"
    assert "[notice] term:农民工  5 posts (expected 0.2, surprise 5.3)" in out
    assert (
        "first: [demo-forum] 滨江街道有人聚集堵路  http://x/1019" in out and "rule:land" not in out
    )
    assert out.rstrip().endswith("Emerging terms: 农民工 (5)")
    assert out.count("      with: ") == 1 and "      with: 讨薪、工地\n" in out
    listing = json.loads(run_opinion("events", "--since", "7d", "--json", env=env).stdout)
    assert [e["value"] for e in listing["events"]] == ["农民工", "demo-forum", "land"]
    assert [w["term"] for w in listing["events"][0]["words"]] == ["讨薪", "工地"]
    assert listing["emerging_terms"] == [
        {"term": "农民工", "count": 5, "surprise": 5.3, "event": listing["events"][0]["id"]}
    ]
    only = json.loads(run_opinion("events", "--dimension", "site", "--json", env=env).stdout)
    assert [e["id"] for e in only["events"]] == [listing["events"][1]["id"]]
