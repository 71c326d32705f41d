"""``python -m bench`` (``make bench``): run the benchmarks and print one table.

Progress goes to stderr, the table to stdout. Exit 0 when every measurement was taken (whether
or not a ratio meets its target), 1 when one could not be (the error is printed).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import TARGET_RATIO
from bench.crawl import SITE, BenchError, CrawlResult, run_crawl_bench
from bench.stores import WriteResult, batch_size, crawled_posts, expand, run_embedded, run_mongo
from opinion_spiders.demo.server import DemoServer

#: The benches with a module of their own, run after the pipeline bench, in this order.
BENCHES = (
    "stores", "outage", "rules", "neardup", "extract", "corpus", "profile", "vs_scrapy",
    "startup", "memory",
)  # fmt: skip


def _verdict(ratio: float) -> str:
    return "ok" if ratio >= TARGET_RATIO else "BELOW TARGET"


def format_table(crawl: CrawlResult, writes: Sequence[WriteResult], reps: int) -> str:
    cpus = os.cpu_count() or 1
    lines = [
        f"opinion-spiders bench — Python {platform.python_version()}, {cpus} CPUs, "
        f"median of {reps} runs, target ratio >= {TARGET_RATIO}",
        "",
    ]
    pages = crawl.of("all pipelines")[0].pages
    lines.append(
        f"crawl {SITE} ({pages} pages, project settings, OPINION_FULL_RECRAWL=true, "
        "own process each)"
    )
    lines.append(f"  {'variant':<26}{'pages/s':>10}   runs (pages/s)")
    for variant in ("all pipelines", "no pipelines"):
        runs = " ".join(f"{r.pages_per_s:.1f}" for r in crawl.of(variant))
        lines.append(f"  {variant:<26}{crawl.median(variant):>10.1f}   {runs}")
    lines.append(f"  {'ratio all / none':<26}{crawl.ratio:>10.2f}   {_verdict(crawl.ratio)}")
    lines.append("")
    lines.append(
        f"store writes (batches of {batch_size()}; store path = upsert_posts, raw = plain "
        "insert into the same schema and indexes; ratio = store / raw)"
    )
    header = f"{'backend':<26}{'docs':>6}{'store docs/s':>14}{'raw docs/s':>12}{'ratio':>8}"
    lines.append(f"  {header}   raw, no index")
    for w in writes:
        lines.append(
            f"  {w.backend:<26}{w.docs:>6}{w.store_median:>14.0f}{w.raw_median:>12.0f}"
            f"{w.ratio:>8.2f}   {_verdict(w.ratio)}   {w.raw_plain_median:.0f}"
        )
    for w in writes:
        first, last = w.first_last_batch
        lines.append(
            f"  {w.backend}: store path first batch {first:.0f} docs/s, "
            f"last batch {last:.0f} docs/s"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each (default 5)")
    parser.add_argument("--docs", type=int, default=5000, help="documents, embedded store")
    parser.add_argument(
        "--mongo-docs", type=int, default=1000,
        help="documents on FerretDB (default 1000: its upserts slow down as the collection grows)",
    )  # fmt: skip
    parser.add_argument(
        "--only", action="append",
        choices=["pipeline", *BENCHES],
        help="run only these benches (default: all, in this order)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    chosen = args.only or ["pipeline", *BENCHES]
    code = run_pipeline_bench(args) if "pipeline" in chosen else 0
    for name in BENCHES:
        if name in chosen:
            print(f"\n== python -m bench.{name}", flush=True)
            module = importlib.import_module(f"bench.{name}")
            code = max(code, module.main([]) or 0)
    return code


def run_pipeline_bench(args: argparse.Namespace) -> int:
    """Crawl with all pipelines vs none, and store writes vs raw inserts."""
    reps = max(1, args.reps)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="opinion-bench-") as tmp, DemoServer() as demo:
        work = Path(tmp)
        try:
            print(f"[bench] demo sites on {demo.base_url}", file=sys.stderr, flush=True)
            crawl = run_crawl_bench(demo.base_url, work / "crawl", reps)
            templates = crawled_posts(crawl.of("all pipelines")[0].store_dir)
            size = batch_size()
            print(f"[bench] store writes ({len(templates)} crawled posts as templates)",
                  file=sys.stderr, flush=True)  # fmt: skip
            writes = [
                run_embedded(expand(templates, args.docs), work / "embedded", reps, size),
                run_mongo(expand(templates, args.mongo_docs), work / "mongo", reps, size),
            ]
        except (BenchError, RuntimeError, OSError) as exc:
            print(f"bench: error: {exc}", file=sys.stderr)
            return 1
    print(format_table(crawl, writes, reps))
    print(f"\n(total {time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
