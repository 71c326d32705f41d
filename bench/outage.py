"""A crawl with MongoDB down vs the same crawl with MongoDB up (``python -m bench.outage``).

Each crawl is ``python -m opinion_spiders crawl demo-forum`` in its own process with the
project's settings and ``OPINION_FULL_RECRAWL=true``: "up" into a fresh database on a FerretDB
started for the bench, "down" into a MongoDB URI on a loopback port where nothing listens
(pymongo's default 5 s server-selection timeout). Pages/s is the ``opinion/pages/*`` stats of
the run's ``runs`` document over its ``finished_at - started_at`` — read from the store when
up, from the spool when down (the run record is spooled with the posts). The target: pages/s
down ≥ 0.8 × pages/s up. Wall seconds of each whole process are printed beside them: the
outage's cost is one timeout, where a crawl without the circuit breaker waited one per store
call, on the reactor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import TARGET_RATIO
from bench.crawl import SITE, BenchError
from opinion_spiders.demo.server import DemoServer
from opinion_spiders.stores import open_store
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool, read_batch
from servers.ferretdb import FerretDBProcess, free_port

VARIANTS = ("mongodb up", "mongodb down")


@dataclass
class OutageRun:
    variant: str
    pages: int
    seconds: float
    wall: float
    posts: int
    spooled: int
    stats: dict[str, Any]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


@dataclass
class OutageResult:
    runs: list[OutageRun] = field(default_factory=list)

    def of(self, variant: str) -> list[OutageRun]:
        return [r for r in self.runs if r.variant == variant]

    def median(self, variant: str, attr: str = "pages_per_s") -> float:
        return statistics.median(getattr(r, attr) for r in self.of(variant))

    @property
    def ratio(self) -> float:
        up = self.median("mongodb up")
        return self.median("mongodb down") / up if up else 0.0


def crawl_once(variant: str, uri: str, demo_url: str, workdir: Path) -> OutageRun:
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    env = {
        **os.environ, "OPINION_STORE": uri, "OPINION_DATA_DIR": str(data),
        "OPINION_DEMO_URL": demo_url, "OPINION_WEBHOOK_URL": "", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    command = [
        sys.executable, "-m", "opinion_spiders", "crawl", SITE,
        "-s", "OPINION_FULL_RECRAWL=true", "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise BenchError(f"crawl ({variant}) exited {done.returncode}:\n{done.stderr[-3000:]}")
    spool = Spool(spool_dir({"OPINION_STORE": uri, "OPINION_DATA_DIR": str(data)}))
    batches = [read_batch(path) for path in spool.files()]
    spooled = sum(len(docs) for op, docs in batches if op == "upsert_posts")
    spooled_runs = [doc for op, docs in batches if op == "record_run" for doc in docs]
    if variant == "mongodb down":
        runs, posts = spooled_runs, spooled
    else:
        store = open_store(uri)
        try:
            runs, posts = store.find_runs(limit=5), store.count("posts")
        finally:
            store.close()
    if len(runs) != 1:
        raise BenchError(f"crawl ({variant}) left {len(runs)} run records, expected 1")
    run = runs[0]
    stats = run.get("stats") or {}
    pages = sum(int(v) for k, v in stats.items() if k.startswith("opinion/pages/"))
    seconds = (run["finished_at"] - run["started_at"]).total_seconds()
    if run.get("finish_reason") != "finished" or pages == 0 or posts == 0:
        raise BenchError(
            f"crawl ({variant}) ended {run.get('finish_reason')!r}: {pages} pages, {posts} posts"
        )
    return OutageRun(variant, pages, seconds, wall, posts, spooled, stats)


def run_outage_bench(demo_url: str, mongo_base: str, workdir: Path, reps: int) -> OutageResult:
    """``reps`` crawls of each variant, interleaved so drift hits both alike."""
    result = OutageResult()
    for rep in range(reps):
        order = VARIANTS if rep % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            if variant == "mongodb up":
                uri = f"{mongo_base}bench_outage_{rep}"
            else:
                uri = f"mongodb://127.0.0.1:{free_port()}/opinion"
            run = crawl_once(variant, uri, demo_url, workdir / f"{variant[8:]}-{rep}")
            print(
                f"  {variant:<13} run {rep + 1}: {run.pages} pages in {run.seconds:.2f}s = "
                f"{run.pages_per_s:.1f} pages/s, process {run.wall:.1f}s, {run.posts} posts "
                f"({run.spooled} spooled)",
                file=sys.stderr, flush=True,
            )  # fmt: skip
            result.runs.append(run)
    if any(r.spooled for r in result.of("mongodb up")):
        raise BenchError("a crawl with MongoDB up spooled posts")
    for run in result.of("mongodb down"):
        if run.spooled != run.posts:
            raise BenchError("a crawl with MongoDB down stored posts somewhere")
    return result


def format_table(result: OutageResult, reps: int) -> str:
    down = result.of("mongodb down")
    lines = [
        f"crawl {SITE} with MongoDB down vs up ({down[0].pages} pages, {down[0].posts} posts, "
        f"own process each, median of {reps}, target ratio >= {TARGET_RATIO})",
        f"  {'variant':<16}{'pages/s':>9}{'process s':>11}   runs (pages/s)",
    ]
    for variant in VARIANTS:
        runs = " ".join(f"{r.pages_per_s:.1f}" for r in result.of(variant))
        lines.append(
            f"  {variant:<16}{result.median(variant):>9.1f}"
            f"{result.median(variant, 'wall'):>11.1f}   {runs}"
        )
    verdict = "ok" if result.ratio >= TARGET_RATIO else "BELOW TARGET"
    lines.append(f"  {'ratio down / up':<16}{result.ratio:>9.2f}   {verdict}")
    extra = result.median("mongodb down", "wall") - result.median("mongodb up", "wall")
    unreachable = [int(r.stats.get("opinion/store/breaker/unreachable", 0)) for r in down]
    fast = [int(r.stats.get("opinion/store/breaker/failed_fast", 0)) for r in down]
    lines.append(
        f"  down: process {extra:+.1f}s against up (one 5 s timeout, in the schema check before "
        f"the crawl); store calls during the crawl that waited: {unreachable}, refused at once "
        f"by the open breaker: {fast}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outage", description=__doc__)
    parser.add_argument("--reps", type=int, default=3, help="crawls of each variant (default 3)")
    args = parser.parse_args(argv)
    reps = max(1, args.reps)
    with tempfile.TemporaryDirectory(prefix="opinion-outage-") as tmp, DemoServer() as demo:
        work = Path(tmp)
        try:
            with FerretDBProcess(work / "ferretdb") as server:
                print(f"[bench.outage] demo sites on {demo.base_url}, FerretDB on {server.uri}",
                      file=sys.stderr, flush=True)  # fmt: skip
                result = run_outage_bench(demo.base_url, server.uri, work / "crawl", reps)
        except (BenchError, RuntimeError, OSError) as exc:
            print(f"bench.outage: error: {exc}", file=sys.stderr)
            return 1
    print(format_table(result, reps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
