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

from tests._proc import run_opinion
from tests.fault_runs import (
    SLOW,
    assert_same_as_clean,
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
    process group, as a terminal sends it): the same, and the page worker and the events
    process outlive it to serve the crawl's last pages and look, then end with it."""
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
    assert_same_as_clean(rerun, clean_run, notifications(crawl.log(), done.stderr))
    reasons = [r["finish_reason"] for r in sorted(rerun["runs"], key=lambda r: r["started_at"])]
    assert reasons == (["finished"] if how == signal.SIGKILL else ["shutdown", "finished"])
