"""`opinion run`: repeated crawls whose interval shrinks in sensitive periods, in-process or
scheduled on a real scrapyd (the deployed egg of ``tests/test_scrapyd.py``'s fixture)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.scheduling.schedule import cycle_wait, next_wait, parse_interval
from opinion_spiders.scheduling.scrapyd_cycle import (
    active_jobs,
    job_site,
    last_finished,
    new_job_id,
)
from opinion_spiders.stores import open_store
from opinion_spiders.watch.config import calendar_from_settings
from servers.ferretdb import free_port
from tests import test_scrapyd
from tests._proc import BIN, ROOT, run_opinion
from tests._scrapyd import Scrapyd

PROJECT = test_scrapyd.PROJECT
#: the real scrapyd with this project deployed (module-scoped: started once for this file)
scrapyd = test_scrapyd.scrapyd
SCHEDULED = re.compile(r"^  (\S+): scheduled job (\S+) \(pending\)", re.MULTILINE)


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


def test_schedule_wait_is_interval_times_the_active_period_factor(tmp_path: Path) -> None:
    """A period file active at a fixed time (its days in Asia/Shanghai) sets the wait."""
    periods = tmp_path / "periods.toml"
    periods.write_text(
        '[calendar]\ntimezone = "Asia/Shanghai"\n\n[[period]]\nid = "june"\nname = "六月"\n'
        "start = 2025-06-01\nend = 2025-06-03\nweight = 1\ncrawl_interval_factor = 0.25\n",
        encoding="utf-8",
    )
    factor_at = calendar_from_settings(
        {"OPINION_WATCH_PERIODS": str(periods)}
    ).crawl_interval_factor
    assert cycle_wait(1800, factor_at, datetime(2025, 6, 2, 12, tzinfo=UTC)) == (450, 0.25)
    # 16:00 UTC on 31 May is midnight on 1 June in Shanghai: the period has begun
    assert cycle_wait(1800, factor_at, datetime(2025, 5, 31, 16, tzinfo=UTC)) == (450, 0.25)
    assert cycle_wait(1800, factor_at, datetime(2025, 5, 31, 15, 59, tzinfo=UTC)) == (1800, 1)
    assert cycle_wait(1800, factor_at, datetime(2025, 6, 10, tzinfo=UTC)) == (1800, 1)


def test_scrapyd_cycle_knows_each_jobs_site_from_scrapyd_alone() -> None:
    """Job ids carry the site (dots and all); pending jobs of other tools count by argument."""
    mine = new_job_id("news.example.cn", datetime(2025, 6, 2, 3, 4, 5, tzinfo=UTC))
    assert mine.startswith("news.example.cn.20250602T030405Z-")
    assert job_site({"id": mine}) == "news.example.cn"
    assert job_site({"id": "5f0c7c2e3b9a11ef"}) is None
    assert job_site({"id": "5f0c7c2e", "args": {"site": "demo/bar"}}) == "demo_bar"
    listing = {
        "pending": [{"id": "x1", "args": {"site": "demo-portal"}}],
        "running": [{"id": new_job_id("demo-forum", datetime.now(UTC))}],
        "finished": [
            {"id": "demo-bar.20250602T030405Z-00aa", "end_time": "2025-06-02 03:10:00"},
            {"id": "demo-bar.20250602T040405Z-00bb", "end_time": "2025-06-02 04:10:00"},
        ],
    }
    active = active_jobs(listing)
    assert {site: state for site, (state, _) in active.items()} == {
        "demo-portal": "pending",
        "demo-forum": "running",
    }
    assert last_finished(listing)["demo-bar"]["id"] == "demo-bar.20250602T040405Z-00bb"


@pytest.fixture
def silent_site() -> Iterator[socket.socket]:
    """A loopback port that takes connections and never answers: a site that hangs."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield listener


def _settings(tmp_path: Path, demo_url: str) -> list[str]:
    store, data = tmp_path / "store", tmp_path / "data"
    pairs = [f"OPINION_STORE=embedded://{store}", f"OPINION_DEMO_URL={demo_url}",
             f"OPINION_DATA_DIR={data}"]  # fmt: skip
    return [arg for pair in pairs for arg in ("-s", pair)]


def test_scrapyd_run_schedules_jobs_that_finish_and_store(
    scrapyd: Scrapyd, demo_url: str, tmp_path: Path
) -> None:
    out = run_opinion("run", "demo-forum", "demo-portal", "--scrapyd", scrapyd.url,
                      "--project", PROJECT, "--cycles", "1", *_settings(tmp_path, demo_url)).stdout  # fmt: skip
    jobs = dict(SCHEDULED.findall(out))
    assert sorted(jobs) == ["demo-forum", "demo-portal"], out
    assert "cycle 1 at" in out and "2 scheduled, 0 skipped" in out, out
    listed = scrapyd.get("listjobs.json", project=PROJECT)
    ids = {j["id"] for state in ("pending", "running", "finished") for j in listed[state]}
    assert set(jobs.values()) <= ids, listed
    for site, job in jobs.items():
        finished = scrapyd.wait_job(PROJECT, job, timeout=180)
        assert finished["spider"] == site.removeprefix("demo-")
    store = open_store(f"embedded://{tmp_path / 'store'}")
    try:
        groups = {(g["site"], g["kind"]): g["count"] for g in store.count_posts(("site", "kind"))}
        assert set(groups) == {("demo-forum", "forum"), ("demo-portal", "portal")}, groups
        runs = store.find_runs(limit=10)
        assert sorted(r["site"] for r in runs) == ["demo-forum", "demo-portal"]
        assert all(r["finish_reason"] == "finished" for r in runs), runs
    finally:
        store.close()


def test_scrapyd_run_skips_a_site_whose_job_is_still_running(
    scrapyd: Scrapyd, silent_site: socket.socket, tmp_path: Path
) -> None:
    """The site hangs, so its job cannot end: later cycles (and a restarted run) skip it."""
    hung = f"http://127.0.0.1:{silent_site.getsockname()[1]}"
    args = ("run", "demo-portal", "--scrapyd", scrapyd.url, "--every", "1s",
            *_settings(tmp_path, hung), "-s", "DOWNLOAD_TIMEOUT=300")  # fmt: skip
    out = run_opinion(*args, "--cycles", "2").stdout
    jobs = SCHEDULED.findall(out)
    assert len(jobs) == 1, out
    job = jobs[0][1]
    try:
        assert re.search(
            rf"demo-portal: skipped, job {re.escape(job)} is still (pending|running)", out
        ), out
        assert "cycle 2 at" in out and "0 scheduled, 1 skipped (still pending or running)" in out
        again = run_opinion(*args, "--cycles", "1").stdout
        assert f"skipped, job {job} is still" in again and "0 scheduled" in again, again
    finally:
        scrapyd.post("cancel.json", [("project", PROJECT), ("job", job)])
        silent_site.close()  # the hung requests fail, the cancelled job ends
        scrapyd.wait_job(PROJECT, job, timeout=120)


def test_scrapyd_run_goes_on_when_scrapyd_cannot_be_reached(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    proc = run_opinion("run", "demo-forum", "--scrapyd", url, "--every", "1s", "--cycles", "2",
                       check=False)  # fmt: skip
    out = proc.stdout
    assert proc.returncode == 1, (out, proc.stderr)
    reached = (
        f"scrapyd at {url} cannot be reached (Connection refused): check that scrapyd is running"
    )
    assert out.count(reached) == 2, out
    assert "cycle 1 at" in out and "cycle 2 at" in out and "next cycle in" in out, out


def test_scrapyd_run_reports_an_unknown_project_and_goes_on(scrapyd: Scrapyd) -> None:
    proc = run_opinion("run", "demo-forum", "--scrapyd", scrapyd.url, "--project", "nosuch",
                       "--every", "1s", "--cycles", "2", check=False)  # fmt: skip
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    refused = (
        f"scrapyd at {scrapyd.url} refused listjobs.json: project 'nosuch' not found: "
        "check --project nosuch and that it is deployed"
    )
    assert proc.stdout.count(refused) == 2, proc.stdout
    assert "cycle 2 at" in proc.stdout


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:6800/", "127.0.0.1:6800", "http://h:port/"])
def test_scrapyd_run_bad_url_exits_at_once(url: str) -> None:
    proc = run_opinion("run", "demo-forum", "--scrapyd", url, "--cycles", "3", check=False)
    assert proc.returncode == 2 and "cycle" not in proc.stdout, proc.stdout
    assert f"--scrapyd: {url}: use scrapyd's http(s):// URL" in proc.stderr, proc.stderr


def test_scrapyd_run_exits_at_once_when_the_url_is_not_scrapyd(demo_url: str) -> None:
    """The first contact answers 404 (a web server, not scrapyd): a typo, not an outage."""
    proc = run_opinion("run", "demo-forum", "--scrapyd", demo_url, "--cycles", "3", check=False)
    assert proc.returncode == 2 and "cycle" not in proc.stdout, proc.stdout
    assert f"{demo_url}/listjobs.json answered HTTP 404: is {demo_url}/ scrapyd's address" in (
        proc.stderr
    ), proc.stderr


def _opinion(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    return subprocess.Popen([str(BIN / "opinion"), *args], cwd=ROOT, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _wait_for(stream: IO[str], text: str) -> list[str]:
    seen = []
    for line in stream:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"never said {text!r}: {''.join(seen)[-3000:]}")


#: A crawl slow enough to be stopped in the middle: the demo forum's 36 pages, 0.4 s apart.
SLOW = ("-s", "DOWNLOAD_DELAY=0.4", "-s", "RANDOMIZE_DOWNLOAD_DELAY=false")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_crawl_stopped_mid_crawl_closes_cleanly_and_keeps_what_it_read(
    tmp_path: Path, demo_url: str, sig: signal.Signals
) -> None:
    uri = f"embedded://{tmp_path / 'store'}"
    proc = _opinion("crawl", "demo-forum", *SLOW, "-s", "OPINION_PROGRESS_INTERVAL=0.2",
                    env={"OPINION_STORE": uri, "OPINION_DEMO_URL": demo_url})  # fmt: skip
    assert proc.stderr is not None
    _wait_for(proc.stderr, "crawling demo-forum")
    for line in proc.stderr:  # stopped once it has read posts (a loaded machine is slow)
        if re.search(r"demo-forum \d+ pages [1-9]\d* posts", line):
            break
    proc.send_signal(sig)
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1  # the run was cut short
    done = re.search(r"done demo-forum: (\d+) pages, (\d+) posts .* — shutdown", err)
    assert done and 0 < int(done.group(1)) < 36, err[-2000:]
    store = open_store(uri)
    try:
        (run,) = store.find_runs(limit=5)
        assert run["finish_reason"] == "shutdown"
        assert store.count("posts") == int(done.group(2)) > 0  # nothing read is lost
    finally:
        store.close()


def test_run_stops_between_cycles_on_sigterm(tmp_path: Path, demo_url: str) -> None:
    env = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}", "OPINION_DEMO_URL": demo_url}
    proc = _opinion("run", "demo-portal", "--every", "1h", env=env)
    assert proc.stdout is not None
    _wait_for(proc.stdout, "next cycle in")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert "stopped (SIGTERM) after 1 cycle" in proc.stdout.read()


def test_run_passes_sigterm_on_to_the_crawl_in_progress(tmp_path: Path, demo_url: str) -> None:
    """Stopping the watch loop mid-cycle stops its crawl gracefully (posts written, run
    recorded with its reason), not by leaving it orphaned or killing it."""
    uri = f"embedded://{tmp_path / 'store'}"
    proc = _opinion("run", "demo-forum", "--every", "1h", *SLOW,
                    env={"OPINION_STORE": uri, "OPINION_DEMO_URL": demo_url})  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    _wait_for(proc.stderr, "crawling demo-forum")
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 1  # the last cycle's crawl was cut short
    out = proc.stdout.read()
    assert (
        re.search(r"cycle 1 at .*: exit 1$", out, re.M) and "stopped (SIGTERM) after 1 cycle" in out
    )
    assert re.search(
        r"done demo-forum: \d+ pages, [1-9]\d* posts .* — shutdown", proc.stderr.read()
    )
    store = open_store(uri)
    try:
        assert [r["finish_reason"] for r in store.find_runs(limit=5)] == ["shutdown"]
        assert store.count("posts") > 0
    finally:
        store.close()


@pytest.mark.parametrize(
    ("site", "when"),
    [("demo-forum", "started (bot: "), ("demo-bar", "Starting download handler")],
)
def test_crawl_stopped_while_starting_says_so_and_fails(
    tmp_path: Path, demo_url: str, site: str, when: str
) -> None:
    """SIGTERM before the spiders run — as Scrapy starts, as Chromium's driver launches —
    stops the command with a line that says so and a non-zero exit, never a silent exit 0."""
    env = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}", "OPINION_DEMO_URL": demo_url}
    proc = _opinion("crawl", site, *SLOW, env=env)
    assert proc.stderr is not None
    seen = "".join(_wait_for(proc.stderr, when))
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    err = seen + err
    assert proc.returncode in (1, 130), err[-2000:]
    assert "Traceback" not in err
    said = ("opinion: stopped", f"stopped {site} before it started crawling — shutdown",
            f"done {site}:")  # fmt: skip
    assert any(line in err for line in said), err[-2000:]
