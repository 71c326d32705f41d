"""Fault suite: `opinion crawl` killed with SIGKILL (or stopped with SIGTERM, or with Ctrl-C,
which reaches its page worker and events process too) mid-crawl and run again converges on what a clean run of the same site stores — the same posts once each, the same alerts once each, the
same near-duplicate clusters (by membership and first publisher, not by id) and the same
``posts.alert``."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.stores import open_store
from tests._proc import run_opinion
from tests.fault_runs import (
    SLOW,
    assert_same_as_clean,
    delivered_after_a_kill,
    notifications,
    outcome,
    site_args,
    start_crawl,
    stored_posts,
    wait_until,
)
from tests.forum_corpus import SITE, CorpusServer

KILL_AT = 100


@pytest.mark.parametrize(
    "how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "Ctrl-C"]
)
def test_crawl_killed_and_rerun_converges_on_a_clean_run(
    reposted_site: tuple[CorpusServer, Path],
    clean_run: dict[str, Any],
    tmp_path: Path,
    how: signal.Signals,
) -> None:
    """SIGKILL: no close_spider, no run record, the open batch lost. SIGTERM: the spider closes
    with ``shutdown``, what it read is written — and its thread bookmarks are not, or the
    rerun's listing walk would stop at the first page it had read. Ctrl-C (SIGINT to the
    process group, as a terminal sends it): the same; the page worker and the events process,
    in a group of their own, serve the crawl's last pages and look, then end with it."""
    server, sites = reposted_site
    total = len(server.corpus.readable_posts())
    uri = f"embedded://{tmp_path / 'killed'}"
    crawl = start_crawl(tmp_path, "killed", {"OPINION_STORE": uri}, *site_args(sites), *SLOW)
    try:
        wait_until(f"{KILL_AT} posts stored", lambda: stored_posts(uri) >= KILL_AT, [crawl])
        if how == signal.SIGINT:
            os.killpg(crawl.proc.pid, how)
        else:
            crawl.proc.send_signal(how)
        crawl.proc.wait(timeout=60)
    finally:
        crawl.stop()
    assert crawl.proc.returncode == (-9 if how == signal.SIGKILL else 1), crawl.log()[-3000:]
    assert KILL_AT <= stored_posts(uri) < total
    if how != signal.SIGKILL:
        stopped = crawl.log()
        assert "Traceback" not in stopped and "died" not in stopped, stopped[-3000:]
        assert "events process" not in stopped.replace("counted in the events process", "")

    done = run_opinion("crawl", *site_args(sites), env={"OPINION_STORE": uri})
    assert f"done {SITE}: " in done.stderr and "Traceback" not in done.stderr
    rerun = outcome(uri)
    assert rerun["count"] == total
    if how == signal.SIGKILL:
        sent = delivered_after_a_kill(crawl.log(), done.stderr)
    else:  # a crawl that stops writes what it sent before it ends
        sent = notifications(crawl.log(), done.stderr)
    assert_same_as_clean(rerun, clean_run, sent)
    reasons = [r["finish_reason"] for r in sorted(rerun["runs"], key=lambda r: r["started_at"])]
    assert reasons == (["finished"] if how == signal.SIGKILL else ["shutdown", "finished"])


def test_ctrl_c_while_chromium_starts_raises_no_health_alert(tmp_path: Path, demo_url: str) -> None:
    """Ctrl-C while a rendering site's Chromium starts: it reaches Chromium too (one process
    group with Playwright's driver, which closes it), and the request it was to render fails. A run the operator stopped is not judged:
    recorded as ``shutdown`` with no health problem, and no "unreachable" alert reaches the
    operators for a site that was never down."""
    uri = f"embedded://{tmp_path / 'store'}"
    env = {"OPINION_STORE": uri, "OPINION_DEMO_URL": demo_url}
    crawl = start_crawl(tmp_path, "stopped", env, "demo-bar")
    try:
        wait_until("Chromium started", lambda: _chromium_under(crawl.proc.pid), [crawl])
        os.killpg(crawl.proc.pid, signal.SIGINT)
        code, log = crawl.finish(timeout=60)
    finally:
        crawl.stop()
    assert code == 1 and "Traceback" not in log, log[-3000:]
    assert "health" not in log, log[-3000:]
    store = open_store(uri)
    try:
        (run,) = store.find_runs(limit=10)
        alerts = store.find_alerts(limit=100)
    finally:
        store.close()
    assert run["finish_reason"] == "shutdown" and run["health"] == [], run
    assert [a for a in alerts if a["type"] == "health"] == []


def _chromium_under(pid: int) -> bool:
    """Whether a Chromium process descends from ``pid`` (Playwright's driver starts it in a
    process group of its own; the driver is in the crawl's, and closes it on SIGINT)."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            name, _, rest = stat.partition(" (")[2].rpartition(") ")
            parents[int(entry.name)] = (int(rest.split()[1]), name)
    for child, (_parent, name) in parents.items():
        if "chrom" in name:
            while child > 1 and child in parents:
                child = parents[child][0]
                if child == pid:
                    return True
    return False
