"""Flat memory (issue 12): RSS across a long stream of posts through every pipeline.

Run ``python -m bench.memory`` (1,000,000 posts: an hour or more on 2 shared cores;
``--posts N`` for a shorter run). The crawl runs in a child process of its own, so the RSS is
the crawl's alone: a Scrapy ``CrawlerProcess`` with the project's settings (the same
``ITEM_PIPELINES`` ``opinion crawl`` runs, in order: normalize, dedup, keywords, cluster,
entities, periods, score, store, alert, events; the run-stats extension; a fresh embedded
store, the default) and :class:`StreamSpider`, a plain ``scrapy.Spider`` whose requests are
``data:`` URIs: Scrapy's own data-URI download handler answers them without HTTP, and the
spider's callback yields a page's posts from the generated stream, so Scrapy's scheduler,
downloader, scraper, item pipeline manager, Deferreds and the store's writer thread all run
as in a crawl. What this leaves out is the network, the page parsing (adapters, which hold no
state across pages) and the dupefilter's set of request fingerprints (``dont_filter``: a
synthetic page is never fetched twice), which is Scrapy's and grows by one fingerprint a page
in a real crawl. Pages in flight are held to about what a crawl holds with 16 concurrent requests
(``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` 16 kB: a ``data:`` answer counts as 1 kB in Scrapy's scraper
slot, whose 5 MB default would let ~5,000 such pages and their posts pile up).

The stream: 12 sites (8 Discuz! forums, 2 portals, 2 post bars) with 200 threads open at a
time, a page of 1–20 floors of one thread (an article alone on a portal), texts drawn from
jieba's dictionary by frequency in topics (:class:`bench.neardup.Corpus`), 40,000 authors;
one post in eight carries a watched term (a rule term of the bundled rules or a watched
entity of the demo city, whose watchlist and periods the bench loads), one in ten is a lightly
edited repost of one of the last 5,000 texts (so clusters grow), and published times advance
from six days before the start to the start (inside the event detector's week of history).

Memory is read from ``/proc/self/status`` at checkpoints (every ``--every`` posts out of the
last pipeline or dropped by one): anonymous memory (``RssAnon``: the Python heap, numpy,
SQLite's page cache) apart from file-backed maps (``RssFile``: the SQLite file read through
its memory map, shared libraries; ``RssShmem``). Flat means ``RssAnon`` at the end within
±10 % of the first checkpoint at or after ``--warmup`` of the run (25 %: the bounded in-run
state has filled by then — the event detector's last 50,000 posts, the dedup stage's last
50,000 ids and texts, the cluster stage's index of the last 10,000 posts — and the event
detector's warm-up is over: the stream's times span six days, of which the detector's first
24 hours, a sixth of the run, only teach it the baseline; after them it looks for bursts,
and the state of its looks fills the hours after. The report also gives the ratio against the
first checkpoint at or after 10 %).
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response

from opinion_spiders.items import Post

TARGET = 0.10
#: (name, kind, engine) of the stream's sites
SITES = (
    *((f"bench-forum-{n}", "forum", "discuz") for n in range(1, 9)),
    ("bench-portal-1", "portal", "portal"), ("bench-portal-2", "portal", "portal"),
    ("bench-bar-1", "postbar", "tieba"), ("bench-bar-2", "postbar", "tieba"),
)  # fmt: skip
#: rule terms of the bundled rules (bench.profile's) and watched entities of the demo city
WATCHED = (
    "贪污", "受贿", "强拆", "补偿款", "上访", "维权", "干部", "不作为", "污染", "火灾",
    "城管", "纪委", "城北片区", "城南街道", "临江市自然资源和规划局",
)  # fmt: skip
OPEN_THREADS = 200
RECENT_TEXTS = 5_000
AUTHORS = 40_000
SPAN = timedelta(days=6)
#: ~16 pages in flight (a data: answer counts as 1 kB in the scraper's slot)
MAX_ACTIVE = 16 * 1024
STATUS_FIELDS = ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM")


# -- the stream --------------------------------------------------------------------------------
@dataclass
class _Thread:
    site: str
    kind: str
    id: int
    title: str
    topic: list[str]
    floors: int = 0


class Stream:
    """The generated posts, page by page, deterministic for a seed; holds only bounded state
    (the open threads, the last texts)."""

    def __init__(self, posts: int, seed: int, start: datetime) -> None:
        from bench.neardup import Corpus

        self.corpus = Corpus(seed)
        self.rng = random.Random(seed)
        self.total = posts
        self.made = 0
        self.start = start
        self.threads: list[_Thread] = []
        self.next_thread = 0
        self.recent: collections.deque[str] = collections.deque(maxlen=RECENT_TEXTS)

    def _thread(self) -> _Thread:
        if len(self.threads) < OPEN_THREADS or self.rng.random() < 0.3:
            site, kind, _engine = self.rng.choice(SITES)
            topic = self.corpus.topic()
            self.next_thread += 1
            thread = _Thread(site, kind, self.next_thread, self.corpus.sentence(topic)[:30], topic)
            if len(self.threads) >= OPEN_THREADS:
                self.threads.pop(self.rng.randrange(len(self.threads)))
            self.threads.append(thread)
            return thread
        return self.rng.choice(self.threads)

    def _text(self, topic: list[str]) -> str:
        if self.recent and self.rng.random() < 0.1:
            text = self.corpus.edit(self.rng.choice(self.recent), topic)
        else:
            text = self.corpus.text(topic)
            if self.rng.random() < 0.125:
                at = self.rng.randrange(len(text))
                text = text[:at] + self.rng.choice(WATCHED) + text[at:]
        self.recent.append(text)
        return text

    def page(self) -> list[Post]:
        """The next page's posts (empty once the stream is done)."""
        thread = self._thread()
        size = 1 if thread.kind == "portal" else self.rng.randint(1, 20)
        posts = []
        for _ in range(min(size, self.total - self.made)):
            posts.append(self._post(thread))
            self.made += 1
        return posts

    def _post(self, thread: _Thread) -> Post:
        text = self._text(thread.topic)
        when = self.start - SPAN + SPAN * (self.made / max(1, self.total))
        author = f"网友{self.rng.randint(1, AUTHORS)}"
        host = f"https://{thread.site}.bench.invalid"
        if thread.kind == "portal":
            self.next_thread += 1
            url = f"{host}/news/{self.next_thread}.html"
            return Post(site=thread.site, kind="portal", url=url, title=text[:24], content=text,
                        author=author, published_at=when)  # fmt: skip
        thread.floors += 1
        floor = thread.floors
        pid = f"{thread.id}{floor:05d}"
        return Post(
            site=thread.site, kind=thread.kind,
            url=f"{host}/thread-{thread.id}-{1 + (floor - 1) // 20}-1.html#pid{pid}",
            title=thread.title, content=text, author=author, thread_id=str(thread.id),
            post_id=pid, floor=floor, published_at=when, replies=self.rng.randint(0, 500),
            views=self.rng.randint(10, 50_000),
        )  # fmt: skip


# -- the crawl (in the child process) ----------------------------------------------------------
def memory_now() -> dict[str, int]:
    """This process's memory in kB, from ``/proc/self/status``."""
    out = dict.fromkeys(STATUS_FIELDS, 0)
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in out:
                out[name] = int(value.split()[0])
    return out


def heap_now() -> dict[str, int]:
    """Where the anonymous memory is, in kB: Python's small-object allocator's blocks in use
    (``sys.getallocatedblocks``, a count, not kB), and glibc malloc's bytes in use and held
    free (``mallinfo2``: numpy arrays, SQLite's cache, big Python objects). Free memory that
    malloc holds but cannot give back is fragmentation, not live data."""
    out = {"py_blocks": sys.getallocatedblocks(), "malloc_used": 0, "malloc_free": 0}
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return out
    if not hasattr(libc, "mallinfo2"):
        return out

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost",
        )]  # fmt: skip

    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    out["malloc_used"] = (info.uordblks + info.hblkhd) // 1024
    out["malloc_free"] = info.fordblks // 1024
    return out


def grown_types(before: collections.Counter[str] | None, top: int) -> collections.Counter[str]:
    """Live objects by type now; prints the ``top`` types that grew most since ``before``."""
    import gc

    now = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    if before is not None:
        grown = (now - before).most_common(top)
        print("    grew: " + ", ".join(f"{name} +{n:,}" for name, n in grown), file=sys.stderr)
    return now


@dataclass
class Checkpoint:
    posts: int
    seconds: float
    memory: dict[str, int]
    in_flight: int
    store_mb: float
    heap: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    posts: int
    every: int
    warmup: float
    seconds: float = 0.0
    stored: int = 0
    dropped: int = 0
    #: posts a pipeline failed on (logged by Scrapy): the bench fails
    errors: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def early(self) -> Checkpoint:
        """The first checkpoint after the warm-up."""
        floor = self.warmup * self.posts
        return next((c for c in self.checkpoints if c.posts >= floor), self.checkpoints[-1])

    @property
    def ratio(self) -> float:
        return self.checkpoints[-1].memory["RssAnon"] / max(1, self.early.memory["RssAnon"])

    @property
    def flat(self) -> bool:
        return abs(self.ratio - 1) <= TARGET


class StreamSpider(scrapy.Spider):
    """Pages of :class:`Stream` as ``data:`` requests; checkpoints as posts leave the
    pipelines."""

    name = "bench-memory"

    def __init__(
        self, stream: Stream, report: Report, store: Path, types: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stream, self.report, self.store = stream, report, store
        #: with ``--types N``: the N types that grew most between checkpoints
        self.types = types
        self.counted: collections.Counter[str] | None = None
        self.pages = 0
        self.done = 0
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> StreamSpider:
        spider: StreamSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._error, signal=signals.item_error)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        self.checkpoint()  # before the first post: the runtime, jieba and the rules loaded
        engine = self.crawler.engine
        while self.stream.made < self.stream.total:  # pages past the end are empty
            if engine is not None and engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            self.pages += 1
            yield scrapy.Request(f"data:,{self.pages}", dont_filter=True)

    def parse(self, response: Response) -> Iterator[Post]:
        yield from self.stream.page()

    def _scraped(self, item: Any) -> None:
        self.report.stored += 1
        self._count()

    def _dropped(self, item: Any) -> None:
        self.report.dropped += 1
        self._count()

    def _error(self, item: Any, failure: Any) -> None:
        self.report.errors += 1
        self._count()

    def _count(self) -> None:
        self.done += 1
        if self.done % self.report.every == 0 or self.done == self.stream.total:
            self.checkpoint()

    def checkpoint(self) -> None:
        engine = self.crawler.engine
        slot = engine.scraper.slot if engine is not None else None
        size = sum(f.stat().st_size for f in self.store.glob("*") if f.is_file())
        point = Checkpoint(
            posts=self.done, seconds=round(time.monotonic() - self.started, 1),
            memory=memory_now(), in_flight=slot.itemproc_size if slot else 0,
            store_mb=round(size / 2**20, 1), heap=heap_now(),
        )  # fmt: skip
        self.report.checkpoints.append(point)
        print(_row(point), file=sys.stderr, flush=True)
        if self.types:
            self.counted = grown_types(self.counted, self.types)


def child(
    out: Path, work: Path, posts: int, every: int, warmup: float, seed: int,
    overrides: Sequence[str] = (), types: int = 0,
) -> int:  # fmt: skip
    """The crawl, in this process; the report as JSON in ``out``."""
    from scrapy.crawler import CrawlerProcess

    from opinion_spiders.crawling.runner import project_settings
    from opinion_spiders.demo import watch_file
    from opinion_spiders.runtime import Runtime
    from opinion_spiders.settings_util import bundled_path

    sites = work / "sites.toml"
    sites.write_text("".join(
        f'[sites.{name}]\nkind = "{kind}"\nengine = "{engine}"\n'
        f'start_urls = ["https://{name}.bench.invalid/"]\n\n'
        for name, kind, engine in SITES
    ), encoding="utf-8")  # fmt: skip
    store = work / "store"
    settings = project_settings({
        "OPINION_STORE": f"embedded://{store}",
        "OPINION_DATA_DIR": str(work / "data"),
        "OPINION_SITES_FILES": [str(sites)],
        "OPINION_WATCH_ENTITIES": [str(watch_file("entities.toml"))],
        "OPINION_WATCH_PERIODS": [str(bundled_path("watch", "periods.toml")),
                                  str(watch_file("periods.toml"))],
        "OPINION_WEBHOOK_URL": "", "OPINION_DINGTALK_URL": "", "OPINION_WECOM_URL": "",
        "OPINION_FEISHU_URL": "", "OPINION_SMTP_HOST": "",
        "LOG_LEVEL": "ERROR", "AUTOTHROTTLE_ENABLED": False,
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": MAX_ACTIVE,
        # the RSS read is this process's: the event detector, most of a crawl's state,
        # stays in it instead of the events process
        "OPINION_EVENTS_PROCESS": False,
    })  # fmt: skip
    for override in overrides:
        name, _, value = override.partition("=")
        settings.set(name, value, priority="cmdline")
    Runtime(settings).store.ensure_schema()
    report = Report(posts=posts, every=every, warmup=warmup)
    started = time.monotonic()
    stream = Stream(posts, seed, datetime.now(UTC))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(StreamSpider)
    process.crawl(crawler, stream=stream, report=report, store=store, types=types)
    process.start()
    report.seconds = round(time.monotonic() - started, 1)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    report.stats = {k: v for k, v in stats.items() if isinstance(v, int | float)}
    out.write_text(json.dumps(asdict(report)), encoding="utf-8")
    return 0


# -- the parent --------------------------------------------------------------------------------
def _row(c: Checkpoint) -> str:
    m, h = c.memory, c.heap
    return (
        f"{c.posts:>10,}{c.seconds:>9.0f}{m['VmRSS'] / 1024:>9.1f}{m['RssAnon'] / 1024:>9.1f}"
        f"{m['RssFile'] / 1024:>9.1f}{m['RssShmem'] / 1024:>8.1f}{c.store_mb:>10.1f}"
        f"{c.in_flight:>10}{h.get('py_blocks', 0) / 1000:>10,.0f}"
        f"{h.get('malloc_used', 0) / 1024:>9.1f}{h.get('malloc_free', 0) / 1024:>9.1f}"
    )


HEADER = (
    f"{'posts':>10}{'s':>9}{'RSS MB':>9}{'anon':>9}{'file':>9}{'shmem':>8}{'store MB':>10}"
    f"{'in flight':>10}{'py k-blk':>10}{'malloc':>9}{'m. free':>9}"
)


def load_report(path: Path) -> Report:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["checkpoints"] = [Checkpoint(**c) for c in data["checkpoints"]]
    return Report(**data)


def _ratio_from(report: Report, share: float) -> float:
    """``RssAnon`` at the end against the first checkpoint at or after ``share`` of the run."""
    floor = share * report.posts
    early = next((c for c in report.checkpoints if c.posts >= floor), report.checkpoints[-1])
    return report.checkpoints[-1].memory["RssAnon"] / max(1, early.memory["RssAnon"])


def format_report(report: Report) -> str:
    early, last = report.early, report.checkpoints[-1]
    verdict = "flat" if report.flat else "NOT FLAT"
    lines = [
        f"bench.memory: {report.posts:,} posts through every pipeline into a fresh embedded "
        f"store in {report.seconds:,.0f} s ({report.posts / max(report.seconds, 1e-9):.0f} "
        f"posts/s); {report.stored:,} out of the last pipeline, {report.dropped:,} dropped",
        HEADER,
        *(_row(c) for c in report.checkpoints),
        f"RssAnon {early.memory['RssAnon'] / 1024:.1f} MB at {early.posts:,} posts (warm-up "
        f"{report.warmup:.0%}) -> {last.memory['RssAnon'] / 1024:.1f} MB at {last.posts:,}: "
        f"ratio {report.ratio:.3f}, target within ±{TARGET:.0%}: {verdict}",
        f"(against the first checkpoint at or after 10 %: {_ratio_from(report, 0.1):.3f})",
        f"peak RSS (VmHWM) {last.memory['VmHWM'] / 1024:.1f} MB",
    ]
    return "\n".join(lines)


ROOT = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument(
        "--every", type=int, default=0,
        help="posts between checkpoints (default: 50,000, or a 20th of the run)",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=float, default=0.25,
        help="share of the run before the early checkpoint (default 0.25: past the event "
        "detector's warm-up, a sixth of the stream's time)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, help="also write the report here (JSON)")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the crawl (e.g. a stage off)")  # fmt: skip
    parser.add_argument(
        "--types", type=int, default=0, metavar="N",
        help="a diagnosis: at each checkpoint, the N types of Python object that grew most",
    )  # fmt: skip
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    every = args.every or min(50_000, max(1, args.posts // 20))
    if args.child:
        return child(
            args.child, args.work, args.posts, every, args.warmup, args.seed, args.settings,
            args.types,
        )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        work, out = Path(tmp), Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "bench.memory", "--child", str(out), "--work", str(work),
            "--posts", str(args.posts), "--every", str(every), "--warmup", str(args.warmup),
            "--seed", str(args.seed), "--types", str(args.types),
            *(f"-s{s}" for s in args.settings),
        ]  # fmt: skip
        print(f"bench.memory: {args.posts:,} posts, a checkpoint every {every:,}", file=sys.stderr)
        print(HEADER, file=sys.stderr, flush=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if done.returncode != 0 or not out.is_file():
            print(f"bench.memory: the crawl exited {done.returncode}", file=sys.stderr)
            return 1
        report = load_report(out)
    if report.errors:
        print(f"bench.memory: a pipeline failed on {report.errors} posts", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    print(format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
