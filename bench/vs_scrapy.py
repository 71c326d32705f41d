"""The full pipeline against what a user would write instead: a stock Scrapy spider.

Run ``python -m bench.vs_scrapy`` (10–20 minutes at the default size on 2 shared cores). It
builds the ``bench.profile`` forum (``--threads`` generated threads, ~3,000 GBK pages with the
demo forum's Discuz! X3 templates), serves the rendered files on 127.0.0.1 (with ``--server
nginx``: Debian's nginx, one worker, instead of the bench's own Python server), and then crawls it
``--reps`` times from each side, interleaved (A B C, C B A, A B C …), each crawl a process of its
own:

- **A**: :class:`StockForumSpider`, a plain ``scrapy.Spider`` with parsel selectors for the
  same board, listing and thread links and the same post fields (author, time, body, floor) the
  Discuz! adapter reads, on Scrapy's stock settings with ``ITEM_PIPELINES={}``, except what
  side B crawls with too: robots.txt obeyed, 16 concurrent requests (8 a host), no delay, no
  AutoThrottle, ``LOG_LEVEL=WARNING``.
- **B**: ``opinion crawl`` of the same site with every pipeline into a fresh embedded store,
  ``OPINION_FULL_RECRAWL=true``, as ``bench.profile`` runs it.
- **C**: a lean fetcher — aiohttp and parsel, no framework: :func:`lean_crawl` reads robots.txt
  once, then fetches with 8 requests in flight (what side A's 8 a host allow on this one host),
  follows the same links and reads the same post fields as side A. The limit of this machine
  for the work itself, which the issue asks the product to approach.

All sides must report the same pages and posts, or the bench fails. Pages/s is pages over the
process's wall time from launch to exit (start-up included, as a user waits for it), CPU is
the process's user + system time (``RUSAGE_CHILDREN``). The ratios B/A and B/C are taken per
round of neighbouring runs; the median of B/A is held to the target of 0.8.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pwd
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

TARGET = 0.8
SIDES = ("A", "B", "C")
LABELS = {
    "A": "A stock Scrapy spider, no pipelines",
    "B": "B opinion crawl, every pipeline",
    "C": "C lean aiohttp + parsel fetcher",
}
#: Side C's requests in flight: side A's (and B's) 8 a host, on the one host served.
LEAN_CONCURRENCY = 8
#: Side A's settings: Scrapy's defaults but for what side B is run with too.
STOCK_SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ITEM_PIPELINES": {},
    "LOG_LEVEL": "WARNING",
}
FLOOR_NAMES = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}


class BenchError(RuntimeError):
    """A side failed, or the sides did not see the same pages and posts."""


# -- side A: what a Scrapy user writes for a Discuz! forum ---------------------------------
class StockForumSpider(scrapy.Spider):
    """Board index -> thread lists (and their next pages) -> threads (and theirs) -> posts."""

    name = "stock_forum"

    def parse(self, response: Response) -> Iterator[Any]:
        for href in response.css("a[href*='mod=forumdisplay']::attr(href)").getall():
            yield response.follow(href, self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        rows = "tbody[id^='normalthread_'] a.xst, tbody[id^='stickthread_'] a.xst"
        for href in response.css(rows).css("::attr(href)").getall():
            yield response.follow(href, self.parse_thread)
        yield from response.follow_all(css="div.pg a.nxt", callback=self.parse_listing)

    def parse_thread(self, response: Response) -> Iterator[Any]:
        yield from _thread_posts(response, response.url)
        yield from response.follow_all(css="div.pg a.nxt", callback=self.parse_thread)


def stock_child(base: str, out: Path) -> int:
    """Run side A in this process; its pages, posts and posts with every field to ``out``."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    complete = [0]

    def scraped(item: dict[str, Any]) -> None:
        if all(item[k] for k in ("author", "time", "body", "floor")):
            complete[0] += 1

    process = CrawlerProcess(STOCK_SETTINGS)
    crawler = process.create_crawler(StockForumSpider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    process.crawl(crawler, start_urls=[f"{base}/forum/forum.php"])
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    out.write_text(json.dumps({
        "pages": stats.get("response_received_count", 0)
        - stats.get("robotstxt/response_count", 0),
        "posts": stats.get("item_scraped_count", 0),
        "complete": complete[0],
        "finish_reason": stats.get("finish_reason"),
    }))  # fmt: skip
    return 0


# -- side C: the same crawl with no framework at all ----------------------------------------
def _thread_posts(sel: Any, url: str) -> list[dict[str, Any]]:
    """The post fields both hand-written sides read (parsel selectors, as a Scrapy user
    writes them): ``sel`` is side A's response or side C's selector."""
    title = sel.css("#thread_subject::text").get(default="").strip()
    posts = []
    for post in sel.css("div[id^='post_']"):
        pid = post.attrib["id"].removeprefix("post_")
        body = post.css(f"#postmessage_{pid}")
        if not body:
            continue
        posted = post.css(f"#authorposton{pid}")
        floor = post.css(f"#postnum{pid} em::text").get() or post.css(f"#postnum{pid}::text").get(
            default=""
        )
        posts.append({
            "url": f"{url}#pid{pid}",
            "title": title,
            "author": post.css(".authi a.xw1::text").get(default="").strip(),
            "time": posted.css("span::attr(title)").get()
            or posted.css("::text").re_first(r"\d{4}-\d{1,2}-\d{1,2}[\d: ]*", "").strip(),
            "body": " ".join(body.xpath("string()").get("").split()),
            "floor": FLOOR_NAMES.get(floor.strip()) or int(floor.strip() or 0),
        })  # fmt: skip
    return posts


async def lean_crawl(base: str) -> dict[str, int]:
    """Board index -> thread lists -> threads, ``LEAN_CONCURRENCY`` requests in flight."""
    import asyncio

    import aiohttp
    from parsel import Selector
    from w3lib.encoding import html_to_unicode

    seen: set[str] = set()
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    counts = {"pages": 0, "posts": 0, "complete": 0}

    def follow(url: str, hrefs: list[str], kind: str) -> None:
        for href in hrefs:
            target = urljoin(url, href).split("#", 1)[0]
            if target not in seen:
                seen.add(target)
                queue.put_nowait((target, kind))

    async def worker(session: aiohttp.ClientSession) -> None:
        while True:
            url, kind = await queue.get()
            try:
                async with session.get(url) as response:
                    body = await response.read()
                    header = response.headers.get("Content-Type")
                _, text = html_to_unicode(header, body)
                counts["pages"] += 1
                sel = Selector(text=text)
                if kind == "index":
                    follow(url, sel.css("a[href*='mod=forumdisplay']::attr(href)").getall(), "list")
                elif kind == "list":
                    rows = "tbody[id^='normalthread_'] a.xst, tbody[id^='stickthread_'] a.xst"
                    follow(url, sel.css(rows).css("::attr(href)").getall(), "thread")
                    follow(url, sel.css("div.pg a.nxt::attr(href)").getall(), "list")
                else:
                    for post in _thread_posts(sel, url):
                        counts["posts"] += 1
                        if all(post[k] for k in ("author", "time", "body", "floor")):
                            counts["complete"] += 1
                    follow(url, sel.css("div.pg a.nxt::attr(href)").getall(), "thread")
            finally:
                queue.task_done()

    connector = aiohttp.TCPConnector(limit=LEAN_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{base}/robots.txt") as response:
            await response.read()  # obeyed as side A obeys it: the site disallows nothing
        follow(base, [f"{base}/forum/forum.php"], "index")
        workers = [asyncio.create_task(worker(session)) for _ in range(LEAN_CONCURRENCY)]
        await queue.join()
        for task in workers:
            task.cancel()
    return counts


def lean_child(base: str, out: Path) -> int:
    import asyncio

    out.write_text(json.dumps(asyncio.run(lean_crawl(base))))
    return 0


# -- nginx, for a server that costs the crawlers next to nothing ---------------------------
NGINX_CONF = """daemon off;
user {user};
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    types {{ }}
    default_type text/html;
    charset gbk;
    map_hash_max_size 262144;
    map_hash_bucket_size 256;
    map $args $page {{
        default "";
{entries}
    }}
    server {{
        listen 127.0.0.1:{port};
        root {folder};
        location = /robots.txt {{
            charset off;
            default_type text/plain;
            return 200 "User-agent: *\\nAllow: /\\n";
        }}
        location / {{
            if ($page = "") {{ return 404; }}
            try_files /$page =404;
        }}
    }}
}}
"""


def nginx_map(folder: Path) -> dict[str, str]:
    """Query string -> rendered file, for every forum link on the rendered pages as written
    (nginx cannot compute :func:`bench.profile.page_key`, so it is told each one)."""
    from bench.profile import page_key

    start = "/forum/forum.php"
    found = {"": page_key(start, "")}
    for file in folder.iterdir():
        for href in re.findall(r'href="([^"]+)"', file.read_bytes().decode("gb18030")):
            parts = urlsplit(urljoin(start, href.replace("&amp;", "&")))
            key = page_key(parts.path, parts.query)
            if parts.path == start and (folder / key).is_file():
                found[parts.query] = key
    return found


@contextlib.contextmanager
def nginx_served(folder: Path, work: Path) -> Iterator[str]:
    """The rendered pages in ``folder`` served by Debian's nginx (one worker); the base URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).is_file():
        raise BenchError("no nginx: `apt-get install -y nginx`, or leave --server out")
    work.mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entries = "\n".join(f'        "{q}" {k};' for q, k in nginx_map(folder).items())
    conf = work / "nginx.conf"
    user = pwd.getpwuid(os.getuid()).pw_name  # workers read the private temporary folder
    conf.write_text(
        NGINX_CONF.format(user=user, work=work, entries=entries, port=port, folder=folder)
    )
    server = subprocess.Popen([binary, "-c", str(conf), "-p", str(work)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.1)
        else:
            raise BenchError(f"nginx did not start: {(work / 'error.log').read_text()[-2000:]}")
        yield base
    finally:
        server.terminate()
        server.wait()


# -- the parent ----------------------------------------------------------------------------
@dataclass
class Run:
    side: str
    pages: int
    posts: int
    wall: float
    cpu: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall

    @property
    def cpu_per_1000(self) -> float:
        return 1000 * self.cpu / self.pages


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise BenchError(f"{command[2:4]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run_stock(base: str, work: Path) -> Run:
    work.mkdir(parents=True)
    out = work / "stock.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    command = [sys.executable, "-m", "bench.vs_scrapy", "--stock-child", str(out), base]
    from bench.profile import ROOT

    wall, cpu = _timed(command, env, ROOT)
    found = json.loads(out.read_text())
    if found["finish_reason"] != "finished" or found["complete"] != found["posts"]:
        raise BenchError(f"side A: {found} (every post must have author, time, body, floor)")
    return Run("A", found["pages"], found["posts"], wall, cpu)


def run_lean(base: str, work: Path) -> Run:
    from bench.profile import ROOT

    work.mkdir(parents=True)
    out = work / "lean.json"
    command = [sys.executable, "-m", "bench.vs_scrapy", "--lean-child", str(out), base]
    wall, cpu = _timed(command, dict(os.environ), ROOT)
    found = json.loads(out.read_text())
    if found["complete"] != found["posts"]:
        raise BenchError(f"side C: {found} (every post must have author, time, body, floor)")
    return Run("C", found["pages"], found["posts"], wall, cpu)


def run_opinion(base: str, work: Path) -> Run:
    from bench.profile import ROOT, crawl_setup, run_stats

    work.mkdir(parents=True)
    uri = f"embedded://{work / 'store'}"
    env, args = crawl_setup(base, work, uri)
    wall, cpu = _timed([sys.executable, "-m", "opinion_spiders", *args], env, ROOT)
    counts = run_stats(uri)
    return Run("B", counts["pages"], counts["posts"], wall, cpu)


RUNNERS = {"A": run_stock, "B": run_opinion, "C": run_lean}


def spread(values: Sequence[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"


def report(runs: list[Run], reps: int, server: str) -> str:
    by_side = {side: [r for r in runs if r.side == side] for side in SIDES}
    a, b, c = by_side["A"], by_side["B"], by_side["C"]
    speed = [rb.pages_per_s / ra.pages_per_s for ra, rb in zip(a, b, strict=True)]
    cost = [rb.cpu_per_1000 / ra.cpu_per_1000 for ra, rb in zip(a, b, strict=True)]
    lean = [rb.pages_per_s / rc.pages_per_s for rc, rb in zip(c, b, strict=True)]
    stock_lean = [ra.pages_per_s / rc.pages_per_s for rc, ra in zip(c, a, strict=True)]
    ratio = statistics.median(speed)
    lines = [
        f"full pipeline vs stock Scrapy — {a[0].pages} pages, {a[0].posts} posts (generated "
        f"Discuz! X3 forum, GBK) served by {server} on 127.0.0.1; Python "
        f"{platform.python_version()}, Scrapy {scrapy.__version__}, {os.cpu_count()} CPUs; "
        f"{reps} interleaved runs a side, each its own process; median (min–max)",
        f"  {'side':<40}{'pages/s':>22}{'CPU s / 1,000 pages':>26}",
    ]
    for side, rows in by_side.items():
        lines.append(
            f"  {LABELS[side]:<40}{spread([r.pages_per_s for r in rows], '.1f'):>22}"
            f"{spread([r.cpu_per_1000 for r in rows], '.1f'):>26}"
        )
    verdict = "met" if ratio >= TARGET else "BELOW TARGET"
    lines += [
        f"  ratio B/A pages/s, per round of runs: {spread(speed, '.2f')}; "
        f"target >= {TARGET}: {verdict}",
        f"  ratio B/A CPU per page, per round of runs: {spread(cost, '.2f')}",
        f"  ratio B/C pages/s (the product against the lean fetcher): {spread(lean, '.2f')};"
        f" A/C (stock Scrapy against it): {spread(stock_lean, '.2f')}",
        "  (pages/s over each process's wall time from launch to exit, start-up included;"
        " CPU = user + system of the process)",
    ]
    return "\n".join(lines)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.vs_scrapy", description=__doc__)
    parser.add_argument("--threads", type=int, default=2800, help="generated threads")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--reps", type=int, default=3, help="runs a side (default 3)")
    parser.add_argument(
        "--server", choices=["auto", "python", "nginx"], default="auto",
        help="serve with Debian's nginx (1 worker) or the bench's own http.server; auto "
        "(default): nginx where it is installed — a Python server on the same 2 cores "
        "holds the stock spider back and flatters the ratio",
    )  # fmt: skip
    parser.add_argument("--stock-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--lean-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stock_child:
        return stock_child(args.stock_child[1], Path(args.stock_child[0]))
    if args.lean_child:
        return lean_child(args.lean_child[1], Path(args.lean_child[0]))
    from bench.profile import generate, served

    with tempfile.TemporaryDirectory(prefix="bench-vs-scrapy-") as tmp:
        work = Path(tmp)
        say(f"generating {args.threads} threads…")
        pages, posts = generate(work / "site", args.threads, args.seed)
        say(f"{pages} pages rendered ({posts} generated posts); serving…")
        runs: list[Run] = []
        use_nginx = args.server == "nginx" or (
            args.server == "auto"
            and bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
        )
        if use_nginx:
            server = "nginx (Debian, 1 worker)"
            serving = nginx_served(work / "site", work / "nginx")
        else:
            server = "the bench's own static server (Python http.server)"
            serving = served(work / "site")
        try:
            with serving as base:
                for rep in range(max(1, args.reps)):
                    for side in SIDES if rep % 2 == 0 else SIDES[::-1]:
                        folder = work / f"{side}-{rep}"
                        run = RUNNERS[side](base, folder)
                        _check([*runs, run])
                        say(
                            f"  {LABELS[side]:<40} run {rep + 1}: {run.pages} pages, "
                            f"{run.posts} posts in {run.wall:.1f} s = {run.pages_per_s:.1f} "
                            f"pages/s, {run.cpu_per_1000:.1f} CPU s / 1,000 pages"
                        )
                        runs.append(run)
        except BenchError as exc:
            print(f"bench.vs_scrapy: error: {exc}", file=sys.stderr)
            return 1
    print(report(runs, max(1, args.reps), server))
    return 0


def _check(runs: list[Run]) -> None:
    seen = {(r.pages, r.posts) for r in runs}
    if len(seen) != 1 or not all(min(pair) for pair in seen):
        found = ", ".join(f"{r.side}: {r.pages} pages {r.posts} posts" for r in runs)
        raise BenchError(f"the sides did not see the same pages and posts: {found}")


if __name__ == "__main__":
    raise SystemExit(main())
