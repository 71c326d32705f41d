"""Where a crawl's time goes: per stage, per page and per post, on a generated ~3,000-page site.

Run ``python -m bench.profile`` (a few minutes). It builds :mod:`bench.site`'s generated sites
(``--threads`` threads split by ``--mix``: by default Discuz! forums, a Tieba-style post bar and
news portals, in GBK and UTF-8, with the demo sites' own templates), renders every page once
into a temporary folder and serves those files from a static server in its own process, each
site on a loopback host of its own. Then ``opinion crawl`` of every site runs in a child
process with every pipeline and a fresh embedded store (``--store mongodb`` for a FerretDB
started by the bench), with each pipeline's ``process_item`` (and the work it hands to worker
threads or to its store's writer thread) and the spiders' ``parse_page`` wrapped in timers of
the calling thread's CPU time (``--wall``: elapsed time, for a store whose server does the
work) — and, with ``--cprofile N``, the N costliest functions of a cProfile run, which slows
pure Python more than C. What is not in a timer (start-up, Scrapy's engine, downloader,
scheduler, middlewares, the reactor) is reported as the rest of the process's CPU (or elapsed)
time. ``--mix forum/gbk=100`` is the Discuz!-only GBK forum the bench crawled before.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import importlib
import inspect
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.site import DEFAULT_MIX, Generated, generate, served, sites_toml

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
    from opinion_spiders.crawling.spiders import SPIDERS

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
    for spider in set(SPIDERS.values()):
        page = spider.parse_page
        timed = _timed_async_generator if inspect.isasyncgenfunction(page) else _timed_generator
        spider.parse_page = timed("parse", page)  # type: ignore[method-assign]
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
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # page workers, events, once ended
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


def crawl_setup(
    site: Generated, port: int, work: Path, store: str
) -> tuple[dict[str, str], list[str]]:
    """The environment and the ``opinion`` arguments of a full recrawl of every served site
    into ``store``: every pipeline, delay 0, AutoThrottle off, robots.txt obeyed (the
    project's)."""
    sites = work / "sites.toml"
    sites.write_text(sites_toml(site, port), encoding="utf-8")
    env = {
        **os.environ, "OPINION_STORE": store, "OPINION_DATA_DIR": str(work / "data"),
        "OPINION_WEBHOOK_URL": "", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    args = [
        "crawl", *(s.name for s in site.specs), "-s", "OPINION_FULL_RECRAWL=true",
        "-s", "LOG_LEVEL=WARNING", "-s", f"OPINION_SITES_FILES={sites}",
        "-s", "OPINION_MAX_LISTING_PAGES=100000", "-s", "AUTOTHROTTLE_ENABLED=false",
    ]  # fmt: skip
    return env, args


def crawl(
    site: Generated, port: int, work: Path, store: str, cprofile: bool, wall: bool
) -> dict[str, Any]:
    out = work / "timings.json"
    work.mkdir(parents=True, exist_ok=True)
    env, args = crawl_setup(site, port, work, store)
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


def site_stats(store_uri: str, names: list[str]) -> dict[str, tuple[int, int]]:
    """(pages, posts) of each site's run, from the runs the crawl recorded."""
    from opinion_spiders.stores import open_store

    store = open_store(store_uri)
    try:
        found: dict[str, tuple[int, int]] = {}
        for run in store.find_runs(limit=len(names) + 10):
            stats = run.get("stats") or {}
            pages = sum(int(v) for k, v in stats.items() if k.startswith("opinion/pages/"))
            found[str(run.get("site"))] = (pages, int(stats.get("opinion/yield/posts") or 0))
        return {name: found.get(name, (0, 0)) for name in names}
    finally:
        store.close()


def run_stats(store_uri: str, names: list[str]) -> dict[str, int]:
    from opinion_spiders.stores import open_store

    per_site = site_stats(store_uri, names)
    store = open_store(store_uri)
    try:
        stored = store.count("posts")
    finally:
        store.close()
    return {
        "pages": sum(p for p, _ in per_site.values()),
        "posts": sum(n for _, n in per_site.values()),
        "stored": stored,
    }


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
        f"page workers' and events process's CPU {workers:.1f} s = "
        f"{1000 * workers / pages:.1f} ms/page; "
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
    parser.add_argument(
        "--mix", default=DEFAULT_MIX,
        help=f"sites: kind/encoding=share of the threads, comma-separated (default {DEFAULT_MIX})",
    )  # fmt: skip
    parser.add_argument("--store", choices=["embedded", "mongodb"], default="embedded")
    parser.add_argument("--cprofile", type=int, default=0, help="also a cProfile run: top N")
    parser.add_argument(
        "--wall",
        action="store_true",
        help="time stages by the clock, not by CPU (for a database server)",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, bool(args.cprofile), args.wall, args.rest)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        work = Path(tmp)
        say(f"generating {args.threads} threads…")
        site = generate(work / "site", args.threads, args.seed, args.mix)
        say(f"{sum(site.pages.values())} pages rendered: {site.summary()}; serving…")
        with served(work / "site") as port:
            return _measure(args, site, port, work)


def _measure(args: argparse.Namespace, site: Generated, port: int, work: Path) -> int:
    from servers.ferretdb import FerretDBProcess

    out = []
    names = [s.name for s in site.specs]
    for run, profiled in (("timed", False), ("profiled", True))[: 2 if args.cprofile else 1]:
        folder = work / run
        say(f"crawl ({run}, {args.store} store)…")
        if args.store == "mongodb":
            with FerretDBProcess(folder / "ferretdb") as server:
                uri = f"{server.uri}opinion_bench"
                result = crawl(site, port, folder, uri, profiled, args.wall)
                counts = run_stats(uri, names)
        else:
            uri = f"embedded://{folder / 'store'}"
            result = crawl(site, port, folder, uri, profiled, args.wall)
            counts = run_stats(uri, names)
        out.append(report(result, counts, f"{run} crawl, {args.store} store"))
        if profiled:
            out.append(top_functions(result["prof"], args.cprofile))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
