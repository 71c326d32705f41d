"""Where a crawl's time goes: per stage, per page and per post, on a generated ~3,000-page forum.

Run ``python -m bench.profile`` (a few minutes). It builds a Discuz!-style GBK forum of
``--threads`` threads (1–10 floors each, texts drawn from jieba's dictionary by frequency, one
post in eight carrying a watched term of the bundled rules, one in ten a lightly edited repost
of an earlier post) with the demo forum's own templates, renders every page once into a
temporary folder and serves those files from a static server in its own process on
127.0.0.1. Then ``opinion crawl demo-forum`` runs in a child process with every pipeline and
a fresh embedded store (``--store mongodb`` for a FerretDB started by the bench), with each
pipeline's ``process_item`` (and the work it hands to worker threads or to its store's writer
thread) and the spider's ``parse_page`` wrapped in timers of the calling thread's CPU time
(``--wall``: elapsed time, for a store whose server does the work) — and, with
``--cprofile N``, the N costliest functions of a cProfile run, which slows pure Python more
than C. What is not in a timer (start-up, Scrapy's engine, downloader, scheduler,
middlewares, the reactor) is reported as the rest of the process's CPU (or elapsed) time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import hashlib
import importlib
import inspect
import json
import os
import pstats
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from urllib.request import urlopen

SITE = "bench-forum"
SITES_TOML = """[sites.bench-forum]
kind = "forum"
engine = "discuz"
start_urls = ["{base}/forum/forum.php"]
max_listing_pages = 100000
"""
SEED_TIME = datetime(2026, 11, 20, 12, 0)
WATCHED = ("贪污", "受贿", "强拆", "补偿款", "上访", "维权", "干部", "不作为", "污染", "火灾")
_KEYS = ("mod", "fid", "tid", "page")
_HREF = re.compile(r'href="([^"]+)"')


# -- the site ------------------------------------------------------------------------------
def page_key(path: str, query: str) -> str:
    """A file name for a forum URL: its path and the query fields the pages use, in order."""
    fields = parse_qs(query)
    parts = [f"{k}={fields[k][0]}" for k in _KEYS if k in fields and fields[k][0] != "1"]
    return hashlib.sha1(f"{path}?{'&'.join(parts)}".encode()).hexdigest()


def generate(folder: Path, threads: int, seed: int) -> tuple[int, int]:
    """Fill a demo forum with generated threads, render every page reachable from its index
    into ``folder``; (pages, posts) written."""
    from bench.neardup import Corpus
    from opinion_spiders.demo.server import DemoServer

    corpus = Corpus(seed)
    rng = random.Random(seed)
    posts = 0
    texts: list[str] = []
    with DemoServer(seed_time=SEED_TIME) as demo:
        topic = corpus.topic()
        for n in range(threads):
            if n % 20 == 0:
                topic = corpus.topic()
            floors = rng.randint(1, 10)
            thread = None
            for _ in range(floors):
                if texts and rng.random() < 0.1:
                    text = corpus.edit(rng.choice(texts), topic)
                else:
                    text = corpus.text(topic)
                    if rng.random() < 0.125:
                        at = rng.randrange(len(text))
                        text = text[:at] + rng.choice(WATCHED) + text[at:]
                texts.append(text)
                added = demo.add_post("forum", thread=thread, title=text[:20], content=text,
                                      author=f"用户{rng.randint(1, 3000)}")  # fmt: skip
                thread = thread or added["thread"]
                posts += 1
        pages = _render_all(demo.base_url, folder)
    return pages, posts


def _render_all(base: str, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    todo, seen = [f"{base}/forum/forum.php"], set()
    while todo:
        url = todo.pop()
        parts = urlsplit(url)
        key = page_key(parts.path, parts.query)
        if key in seen:
            continue
        seen.add(key)
        with urlopen(url, timeout=30) as response:
            body = response.read()
        (folder / key).write_bytes(body)
        for href in _HREF.findall(body.decode("gb18030")):
            link = urljoin(url, href.replace("&amp;", "&"))
            if link.startswith(f"{base}/forum/forum.php?mod=") and (
                "mod=forumdisplay" in link or "mod=viewthread" in link
            ):
                todo.append(link.split("#", 1)[0])
    return len(seen)


class _StaticHandler(BaseHTTPRequestHandler):
    folder: Path

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
        else:
            file = self.folder / page_key(parts.path, parts.query)
            if not file.is_file():
                self.send_error(404)
                return
            body, kind = file.read_bytes(), "text/html; charset=gbk"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def serve(folder: Path) -> None:
    """Serve the rendered pages on 127.0.0.1 (port printed on stdout) until killed."""
    handler = type("Handler", (_StaticHandler,), {"folder": folder})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """The rendered pages in ``folder`` served by :func:`serve` in a process of its own; the
    base URL."""
    command = [sys.executable, "-m", "bench.profile", "--serve", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{server.stdout.readline().strip()}"
    finally:
        server.terminate()
        server.wait()


# -- the crawl, timed (in the child process) -----------------------------------------------
#: CPU seconds of the calling thread (thread_time), so other processes' load does not count;
#: with ``--wall``, elapsed seconds (a stage waiting on a database server is waiting, not idle)
_CLOCK: list[Callable[[], float]] = [time.thread_time]
TIMES: dict[str, float] = {}
CALLS: dict[str, int] = {}


def _count(name: str, seconds: float) -> None:
    TIMES[name] = TIMES.get(name, 0.0) + seconds
    CALLS[name] = CALLS.get(name, 0) + 1


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            return await _Steps(name, fn(*args, **kwargs))

        return run_async

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        start = _CLOCK[0]()
        try:
            return fn(*args, **kwargs)
        finally:
            _count(name, _CLOCK[0]() - start)

    return run


class _Steps:
    """A coroutine whose steps are timed, not the waits between them (the reactor runs other
    work then)."""

    def __init__(self, name: str, coro: Any) -> None:
        self.name, self.coro = name, coro

    def __await__(self) -> Iterator[Any]:
        it, spent = self.coro.__await__(), 0.0
        value: Any = None
        error: BaseException | None = None
        while True:
            start = _CLOCK[0]()
            try:
                step = it.throw(error) if error is not None else it.send(value)
            except StopIteration as stop:
                _count(self.name, spent + _CLOCK[0]() - start)
                return stop.value
            spent += _CLOCK[0]() - start
            try:
                value, error = (yield step), None
            except BaseException as exc:  # noqa: BLE001 - handed to the coroutine
                value, error = None, exc


def _threads(stage: str) -> None:
    """Work a stage hands to ``asyncio.to_thread`` is timed too, as the stage's."""
    original = asyncio.to_thread

    async def to_thread(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return await original(_timed(f"stage/{stage}", func), *args, **kwargs)

    asyncio.to_thread = to_thread


def _writer(cls: Any, stage: str) -> None:
    """Work a stage hands to its store's writer thread is timed too, as the stage's."""
    original = cls.in_writer

    async def in_writer(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return await original(self, _timed(f"stage/{stage}", fn), *args, **kwargs)

    cls.in_writer = in_writer


def _timed_generator(name: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Any]:
    """Time each step of a callback, not what Scrapy does with what it yields."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
        start = _CLOCK[0]()
        it = fn(*args, **kwargs)
        spent = _CLOCK[0]() - start
        while True:
            start = _CLOCK[0]()
            try:
                value = next(it)
            except StopIteration:
                _count(name, spent + _CLOCK[0]() - start)
                return
            spent += _CLOCK[0]() - start
            yield value

    return run


def _timed_async_generator(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The same for an async callback: its steps, not its waits (for a page worker)."""

    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> Any:
        it = fn(*args, **kwargs)
        while True:
            try:
                value = await _Steps(name, it.__anext__())
            except StopAsyncIteration:
                return
            yield value

    return run


def instrument() -> list[str]:
    """Wrap every pipeline's item and close methods and the spider's page callback."""
    import settings
    from opinion_spiders.spiders import ForumSpider

    stages = []
    for path in sorted(settings.ITEM_PIPELINES, key=settings.ITEM_PIPELINES.get):
        module, _, name = path.rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        stage = name.removesuffix("Pipeline").lower()
        for method in ("process_item", "close_spider"):
            if method in vars(cls):
                setattr(cls, method, _timed(f"stage/{stage}", vars(cls)[method]))
        if "asyncio.to_thread" in inspect.getsource(cls):
            _threads(stage)
        if "self.in_writer(" in inspect.getsource(cls):
            _writer(cls, stage)
        stages.append(stage)
    timed = (
        _timed_async_generator
        if inspect.isasyncgenfunction(ForumSpider.parse_page)
        else _timed_generator
    )
    ForumSpider.parse_page = timed("parse", ForumSpider.parse_page)  # type: ignore[method-assign]
    return stages


def child(out: Path, cprofile: bool, wall: bool, argv: list[str]) -> int:
    from opinion_spiders.cli import main

    if wall:
        _CLOCK[0] = time.perf_counter
    stages = instrument()
    profiler = cProfile.Profile() if cprofile else None
    started, cpu0 = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    code = main(argv)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(out.with_suffix(".prof")))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the page workers, once ended
    out.write_text(json.dumps({
        "code": code, "stages": stages, "times": TIMES, "calls": CALLS,
        "wall": time.perf_counter() - started, "cpu": time.process_time() - cpu0,
        "workers_cpu": workers.ru_utime + workers.ru_stime,
        "clock": "wall" if wall else "cpu",
        "maxrss_mb": usage.ru_maxrss / 1024,
    }))  # fmt: skip
    return code


# -- the parent ----------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]


def crawl_setup(base: str, work: Path, store: str) -> tuple[dict[str, str], list[str]]:
    """The environment and the ``opinion`` arguments of a full recrawl of the served forum into
    ``store``: every pipeline, delay 0, AutoThrottle off, robots.txt obeyed (the project's)."""
    sites = work / "sites.toml"
    sites.write_text(SITES_TOML.replace("{base}", base), encoding="utf-8")
    env = {
        **os.environ, "OPINION_STORE": store, "OPINION_DATA_DIR": str(work / "data"),
        "OPINION_DEMO_URL": base, "OPINION_WEBHOOK_URL": "", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    args = [
        "crawl", SITE, "-s", "OPINION_FULL_RECRAWL=true", "-s", "LOG_LEVEL=WARNING",
        "-s", f"OPINION_SITES_FILES={sites}", "-s", "OPINION_MAX_LISTING_PAGES=100000",
        "-s", "AUTOTHROTTLE_ENABLED=false",
    ]  # fmt: skip
    return env, args


def crawl(base: str, work: Path, store: str, cprofile: bool, wall: bool) -> dict[str, Any]:
    out = work / "timings.json"
    work.mkdir(parents=True, exist_ok=True)
    env, args = crawl_setup(base, work, store)
    command = [
        sys.executable, "-m", "bench.profile", "--child", str(out),
        *(["--cprofile", "1"] if cprofile else []), *(["--wall"] if wall else []), "--", *args,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"crawl exited {done.returncode}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["prof"] = str(out.with_suffix(".prof"))
    return result


def run_stats(store_uri: str) -> dict[str, int]:
    from opinion_spiders.stores import open_store

    store = open_store(store_uri)
    try:
        [run] = store.find_runs(limit=1)
        stats = run.get("stats") or {}
        return {
            "pages": sum(int(v) for k, v in stats.items() if k.startswith("opinion/pages/")),
            "posts": int(stats.get("opinion/yield/posts") or 0),
            "stored": store.count("posts"),
        }
    finally:
        store.close()


def report(result: dict[str, Any], counts: dict[str, int], label: str) -> str:
    pages, posts = counts["pages"], counts["posts"]
    times: dict[str, float] = result["times"]
    rows = [("fetch+parse: parse_page (decode, read)", times.get("parse", 0.0))]
    rows += [(f"stage {s}", times.get(f"stage/{s}", 0.0)) for s in result["stages"]]
    timed = sum(t for _, t in rows)
    clock = result.get("clock", "cpu")
    total = result["wall"] if clock == "wall" else result["cpu"]
    rest = "rest: start-up, Scrapy engine, downloader" + (", waits" if clock == "wall" else "")
    workers = float(result.get("workers_cpu", 0.0))
    rows.append((rest, max(0.0, total - timed)))
    lines = [
        f"{label}: {pages} pages, {posts} posts ({counts['stored']} stored) in "
        f"{result['wall']:.1f} s wall = {pages / result['wall']:.1f} pages/s; "
        f"process CPU {result['cpu']:.1f} s = {1000 * result['cpu'] / pages:.1f} ms/page; "
        f"page workers' CPU {workers:.1f} s = {1000 * workers / pages:.1f} ms/page; "
        f"max RSS {result['maxrss_mb']:.0f} MB; stages timed by {clock} time (the crawl "
        "process's: a page worker's reading and per-post work are in its own CPU)",
        f"  {'stage':<44}{'s':>8}{'ms/page':>9}{'ms/post':>9}{'share':>8}",
    ]
    for name, seconds in rows:
        lines.append(
            f"  {name:<44}{seconds:>8.2f}{1000 * seconds / pages:>9.2f}"
            f"{1000 * seconds / max(posts, 1):>9.3f}{seconds / total:>8.1%}"
        )
    return "\n".join(lines)


def top_functions(prof: str, count: int) -> str:
    stats = pstats.Stats(prof)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:count]  # type: ignore[attr-defined]
    lines = [f"  cProfile, {count} costliest functions by own time (profiled run):"]
    for (file, line, name), (_cc, calls, own, cum, _callers) in rows:
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else file
        lines.append(f"    {own:>7.2f}s own {cum:>7.2f}s cum {calls:>9} calls  {name}  {where}")
    return "\n".join(lines)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2800)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--store", choices=["embedded", "mongodb"], default="embedded")
    parser.add_argument("--cprofile", type=int, default=0, help="also a cProfile run: top N")
    parser.add_argument(
        "--wall",
        action="store_true",
        help="time stages by the clock, not by CPU (for a database server)",
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if args.child:
        return child(args.child, bool(args.cprofile), args.wall, args.rest)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        work = Path(tmp)
        say(f"generating {args.threads} threads…")
        pages, posts = generate(work / "site", args.threads, args.seed)
        say(f"{pages} pages rendered ({posts} generated posts and the demo forum's own); serving…")
        with served(work / "site") as base:
            return _measure(args, base, work)


def _measure(args: argparse.Namespace, base: str, work: Path) -> int:
    from opinion_spiders.stores.ferretdb import FerretDBProcess

    out = []
    for run, profiled in (("timed", False), ("profiled", True))[: 2 if args.cprofile else 1]:
        folder = work / run
        say(f"crawl ({run}, {args.store} store)…")
        if args.store == "mongodb":
            with FerretDBProcess(folder / "ferretdb") as server:
                uri = f"{server.uri}opinion_bench"
                result = crawl(base, folder, uri, profiled, args.wall)
                counts = run_stats(uri)
        else:
            uri = f"embedded://{folder / 'store'}"
            result = crawl(base, folder, uri, profiled, args.wall)
            counts = run_stats(uri)
        out.append(report(result, counts, f"{run} crawl, {args.store} store"))
        if profiled:
            out.append(top_functions(result["prof"], args.cprofile))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
