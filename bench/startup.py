"""Start-up: how long ``opinion parse``, ``match``, ``report`` and ``explain`` take to answer.

Run ``python -m bench.startup``. The bench crawls the demo forum once into a fresh embedded
store (so ``report`` and ``explain`` read real posts), saves one of its thread pages for
``parse``, and then runs each command ``--runs`` times (default 5) in a fresh process, as an
analyst or a site developer types it, timing the whole process (interpreter start, imports,
settings, plugins, the dictionary, the answer). Beside them: a bare ``python -c pass`` (the
floor) and what a user would otherwise type to cut a text, ``python -c "import jieba;
jieba.lcut(…)"``. The first run of each command fills the on-disk caches
(``OPINION_CACHE_DIR``, here a fresh folder) and is reported apart; the minimum and the median
are of the runs after it. Target (issue 12): under 1 s each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from opinion_spiders.demo.server import DemoServer
from opinion_spiders.stores import open_store

TARGET_SECONDS = 1.0
TEXT = "村里强拆补偿款迟迟不到位，村民上访维权，干部不作为"


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} … failed: {done.stderr.strip()[-400:]}")
    return elapsed


def _prepare(work: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A demo crawl into ``work``'s store; a saved thread page and the top post's id."""
    with DemoServer() as demo:
        crawl_env = {**env, "OPINION_DEMO_URL": demo.base_url}
        subprocess.run(
            [sys.executable, "-m", "opinion_spiders", "crawl", "demo-forum"],
            env=crawl_env, check=True, capture_output=True,
        )  # fmt: skip
        store = open_store(f"embedded://{work / 'store'}")
        try:
            posts = store.find_posts(sort="score", limit=1)
        finally:
            store.close()
        if not posts:
            raise RuntimeError("the demo crawl stored no post")
        page = work / "thread.html"
        with urlopen(str(posts[0]["url"]).split("#", 1)[0], timeout=30) as response:
            page.write_bytes(response.read())
    return page, str(posts[0]["_id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs a command (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="opinion-startup-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "OPINION_STORE": f"embedded://{work / 'store'}",
            "OPINION_CACHE_DIR": str(work / "cache"),
        }
        print("crawling the demo forum for the store …", file=sys.stderr)
        page, post_id = _prepare(work, env)
        py = [sys.executable]
        opinion = [*py, "-m", "opinion_spiders"]
        commands = {
            "opinion parse (a saved thread)": [*opinion, "parse", str(page)],
            "opinion match (rules fire)": [*opinion, "match", TEXT],
            "opinion report": [*opinion, "report"],
            "opinion explain (top post)": [*opinion, "explain", post_id],
            "python -c pass (floor)": [*py, "-c", "pass"],
            "python: jieba.lcut (baseline)": [*py, "-c", f"import jieba; jieba.lcut({TEXT!r})"],
        }
        lines = [
            f"start-up, whole process, {args.runs} runs after a first that fills the caches "
            f"(target < {TARGET_SECONDS:g} s)",
            f"  {'command':<34}{'first':>8}{'min':>8}{'median':>8}   verdict",
        ]
        for name, argv_ in commands.items():
            first = _timed(argv_, env)
            runs = [_timed(argv_, env) for _ in range(args.runs)]
            median = statistics.median(runs)
            verdict = ""
            if name.startswith("opinion"):
                verdict = "ok" if median < TARGET_SECONDS else "ABOVE TARGET"
            lines.append(f"  {name:<34}{first:>8.2f}{min(runs):>8.2f}{median:>8.2f}   {verdict}")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
