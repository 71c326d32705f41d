"""`opinion run`: repeated crawls whose interval shrinks in sensitive periods."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.schedule import next_wait, parse_interval
from opinion_spiders.stores import open_store
from tests._proc import run_opinion


def test_parse_interval_and_wait() -> None:
    assert parse_interval("30m") == 1800 and parse_interval("2h") == 7200
    assert next_wait(1800, 0.5) == 900 and next_wait(1800, 1.0) == 1800
    with pytest.raises(ValueError, match="duration like 30m"):
        parse_interval("often")


def test_run_cycles_with_the_period_factor(tmp_path: Path, demo_url: str) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    periods = tmp_path / "periods.toml"
    periods.write_text(
        '[calendar]\ntimezone = "Asia/Shanghai"\n\n[[period]]\nid = "now"\nname = "本周敏感期"\n'
        f"start = {today - timedelta(days=1)}\nend = {today + timedelta(days=1)}\n"
        "weight = 1\nthreshold_factor = 1\ncrawl_interval_factor = 0.5\n",
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    env = {"OPINION_STORE": uri, "OPINION_DEMO_URL": demo_url}
    out = run_opinion("run", "demo-portal", "--every", "2s", "--cycles", "2",
                      "-s", f"OPINION_WATCH_PERIODS={periods}", env=env).stdout  # fmt: skip
    assert "cycle 1 at" in out and "cycle 2 at" in out
    assert "next cycle in 1.0s (interval 2s × period factor 0.5)" in out
    store = open_store(uri)
    runs = store.find_runs(limit=10)
    store.close()
    assert len(runs) == 2 and runs[0]["stats"].get("opinion/store/new", 0) == 0
