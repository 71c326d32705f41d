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
