"""Crawl throughput: the demo forum with every pipeline vs with none (``ITEM_PIPELINES={}``).

Each crawl is ``python -m opinion_spiders crawl demo-forum`` in its own process (Scrapy's
reactor runs once per process) with the project's settings, ``OPINION_FULL_RECRAWL=true`` and a
fresh embedded store, so every run fetches the same pages. Pages are the ``opinion/pages/*``
stats of the run's ``runs`` document, time is its ``finished_at - started_at``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opinion_spiders.stores import open_store

SITE = "demo-forum"
VARIANTS = ("all pipelines", "no pipelines")


class BenchError(RuntimeError):
    """A measurement could not be taken (a crawl failed or recorded nothing)."""


@dataclass
class CrawlRun:
    variant: str
    pages: int
    seconds: float
    posts_stored: int
    store_dir: Path

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


@dataclass
class CrawlResult:
    runs: list[CrawlRun] = field(default_factory=list)

    def of(self, variant: str) -> list[CrawlRun]:
        return [r for r in self.runs if r.variant == variant]

    def median(self, variant: str) -> float:
        return statistics.median(r.pages_per_s for r in self.of(variant))

    @property
    def ratio(self) -> float:
        base = self.median("no pipelines")
        return self.median("all pipelines") / base if base else 0.0


def crawl_once(variant: str, demo_url: str, workdir: Path) -> CrawlRun:
    """One crawl in a subprocess into ``workdir/store``; its ``runs`` document read back."""
    workdir.mkdir(parents=True, exist_ok=True)
    uri = f"embedded://{workdir / 'store'}"
    # the environment wins over -s for these, so set them there (and drop the caller's)
    env = {
        **os.environ,
        "OPINION_STORE": uri,
        "OPINION_DATA_DIR": str(workdir / "data"),
        "OPINION_DEMO_URL": demo_url,
        "OPINION_WEBHOOK_URL": "",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "opinion_spiders", "crawl", SITE,
        "-s", "OPINION_FULL_RECRAWL=true", "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    if variant == "no pipelines":
        command += ["-s", "ITEM_PIPELINES={}"]
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"crawl ({variant}) exited {done.returncode}:\n{done.stderr[-3000:]}")
    store = open_store(uri)
    try:
        runs = store.find_runs(limit=5)
        posts = store.count("posts")
    finally:
        store.close()
    if len(runs) != 1:
        raise BenchError(f"crawl ({variant}) recorded {len(runs)} runs, expected 1")
    return _from_run(variant, runs[0], posts, workdir / "store")


def _from_run(variant: str, run: dict[str, Any], posts: int, store_dir: Path) -> CrawlRun:
    stats = run.get("stats") or {}
    pages = sum(int(v) for k, v in stats.items() if k.startswith("opinion/pages/"))
    seconds = (run["finished_at"] - run["started_at"]).total_seconds()
    if run.get("finish_reason") != "finished" or pages == 0:
        raise BenchError(
            f"crawl ({variant}) ended {run.get('finish_reason')!r} after {pages} pages"
        )
    return CrawlRun(variant, pages, seconds, posts, store_dir)


def run_crawl_bench(demo_url: str, workdir: Path, reps: int) -> CrawlResult:
    """``reps`` crawls of each variant, interleaved so drift hits both alike."""
    result = CrawlResult()
    for rep in range(reps):
        order = VARIANTS if rep % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            slug = variant.replace(" ", "-")
            run = crawl_once(variant, demo_url, workdir / f"{slug}-{rep}")
            print(
                f"  crawl {variant:<14} run {rep + 1}: {run.pages} pages in {run.seconds:.2f}s"
                f" = {run.pages_per_s:.1f} pages/s ({run.posts_stored} posts stored)",
                file=sys.stderr, flush=True,
            )  # fmt: skip
            result.runs.append(run)
    with_pipes = result.of("all pipelines")
    if any(r.posts_stored == 0 for r in with_pipes):
        raise BenchError("a crawl with all pipelines stored no posts")
    if any(r.posts_stored for r in result.of("no pipelines")):
        raise BenchError("a crawl with ITEM_PIPELINES={} stored posts: pipelines were not off")
    return result
