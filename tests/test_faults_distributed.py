"""Fault suite, distributed mode: two `opinion crawl` processes share one run through Redis and
one store. One of them is killed with SIGKILL, or the Redis server is killed under both: what
the store holds in the end — after the survivor finishes, or after a rerun — is what one
process stores of the same site with nothing going wrong: every post once, every alert once
(stored and delivered), the same clusters and ``posts.alert``."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from servers.redis_server import RedisServer
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

FAULT_AT = 100
#: A dead process's requests go back to the queue after this many seconds without a beat.
WORKER_TIMEOUT = ("-s", "OPINION_REDIS_WORKER_TIMEOUT=3")


def test_distributed_one_of_two_killed_the_other_stores_what_a_clean_run_does(
    reposted_site: tuple[CorpusServer, Path],
    clean_run: dict[str, Any],
    redis_url: str,
    tmp_path: Path,
) -> None:
    server, sites = reposted_site
    total = len(server.corpus.readable_posts())
    uri = f"embedded://{tmp_path / 'store'}"
    env = {"OPINION_STORE": uri, "OPINION_REDIS_URL": redis_url}
    args = (*site_args(sites), *SLOW, *WORKER_TIMEOUT)
    victim = start_crawl(tmp_path, "victim", env, *args)
    survivor = start_crawl(tmp_path, "survivor", env, *args)
    try:
        wait_until(
            f"{FAULT_AT} posts stored", lambda: stored_posts(uri) >= FAULT_AT, [victim, survivor]
        )
        victim.proc.kill()  # SIGKILL: its open batch and the requests it took are left behind
        victim.proc.wait(timeout=30)
        at_kill = stored_posts(uri)
        code, log = survivor.finish()
    finally:
        victim.stop()
        survivor.stop()
    assert victim.proc.returncode == -9 and code == 0, log[-3000:]
    assert FAULT_AT <= at_kill < total
    assert f"done {SITE}: " in log and "Traceback" not in log
    after = outcome(uri)
    assert after["count"] == total
    sent = delivered_after_a_kill(victim.log(), log)
    assert_same_as_clean(after, clean_run, sent, in_any_order=True)
    (run,) = after["runs"]  # the survivor's; the killed process recorded none
    assert run["finish_reason"] == "finished"
    assert run["stats"]["opinion/redis/requeued"] > 0, "the survivor took the victim's work"


def test_distributed_redis_killed_mid_run_stops_both_and_a_rerun_completes(
    reposted_site: tuple[CorpusServer, Path], clean_run: dict[str, Any], tmp_path: Path
) -> None:
    server, sites = reposted_site
    total = len(server.corpus.readable_posts())
    uri = f"embedded://{tmp_path / 'store'}"
    redis_server = RedisServer()
    try:
        env = {"OPINION_STORE": uri, "OPINION_REDIS_URL": redis_server.start()}
        args = (*site_args(sites), *SLOW, *WORKER_TIMEOUT)
        crawls = [start_crawl(tmp_path, name, env, *args) for name in ("first", "second")]
        try:
            wait_until(f"{FAULT_AT} posts stored", lambda: stored_posts(uri) >= FAULT_AT, crawls)
            assert redis_server.pid is not None
            os.kill(redis_server.pid, signal.SIGKILL)
            killed = time.monotonic()
            ended = [crawl.finish(timeout=60) for crawl in crawls]
            assert time.monotonic() - killed < 30, "a crawl hung on the lost Redis"
        finally:
            for crawl in crawls:
                crawl.stop()
        for code, log in ended:
            assert code == 1, log[-3000:]
            errors = [line for line in log.splitlines() if "] ERROR:" in line]
            assert len(errors) == 1 and "lost Redis redis://127.0.0.1:" in errors[0], errors
            assert "Traceback" not in log
        parted = outcome(uri)
        assert sorted(r["finish_reason"] for r in parted["runs"]) == ["redis_unavailable"] * 2
        written = sum(r["stats"].get("opinion/store/written", 0) for r in parted["runs"])
        assert FAULT_AT <= parted["count"] == written < total, "what they parsed is stored"

        redis_server.stop()
        redis_server.start()  # the same port, empty: the next run starts afresh
        rerun = run_opinion("crawl", *site_args(sites), env=env)
    finally:
        redis_server.stop()
    assert f"done {SITE}: " in rerun.stderr and "Traceback" not in rerun.stderr
    after = outcome(uri)
    assert after["count"] == total
    logs = [log for _code, log in ended]
    assert_same_as_clean(after, clean_run, notifications(*logs, rerun.stderr), in_any_order=True)
    assert sorted(r["finish_reason"] for r in after["runs"]) == [
        "finished", "redis_unavailable", "redis_unavailable"
    ]  # fmt: skip
