"""The full pipeline against what a user would write instead: a stock Scrapy spider.

Run ``python -m bench.vs_scrapy`` (~5 minutes at the default size on 2 shared cores). It
builds :mod:`bench.site`'s generated sites (``--threads`` threads, ~3,000 pages in all, split by
``--mix``; by default a GBK and a UTF-8 Discuz! X3 forum, a UTF-8 Tieba-style post bar and a GBK
and a UTF-8 government news portal, each on a loopback host of its own, with the demo sites'
templates), serves the rendered files (with nginx — Debian's, one worker — wherever it is
installed, else the bench's own Python server) and then crawls every site ``--reps`` times from
each side, interleaved (A B C D, D C B A, A B C D …), each crawl a process of its own. Every side
reads every kind over plain HTTP: the post bar is Tieba's **mobile** bar list (server HTML,
the tieba adapter's ``mobile`` page version, no ``render_js``) and its server-rendered thread
pages (``pc-raw-2019``), never the PC bar page a browser builds.

- **A**: a plain ``scrapy.Spider`` per kind (:class:`StockForumSpider`,
  :class:`StockPostbarSpider`, :class:`StockPortalSpider`), a crawler per site in one
  ``CrawlerProcess``, with parsel selectors for the same links and post fields the built-in
  adapters read (author, time, body, floor; title, time, body of an article), on Scrapy's
  stock settings with ``ITEM_PIPELINES={}``, except what side B crawls with too: robots.txt
  obeyed, 16 concurrent requests (8 a host), no delay, no AutoThrottle,
  ``LOG_LEVEL=WARNING``.
- **B**: ``opinion crawl`` of every site (a crawler each, in one process) with every pipeline
  into a fresh embedded store, ``OPINION_FULL_RECRAWL=true``, as ``bench.profile`` runs it.
- **D**: the same ``opinion crawl`` as side B, every pipeline, into a fresh database (one a run)
  on a real FerretDB 1.24 (SQLite backend, the MongoDB-wire server the project tests with),
  started once on 127.0.0.1 before the first round by
  :class:`~servers.ferretdb.FerretDBProcess` (``scripts/build_ferretdb.sh``'s
  cached build, its settings: ``SQLITE_PRAGMAS``, ``GO_GC_PERCENT``), as
  ``bench.profile --store mongodb`` and ``bench.outage`` start it. Its
  pages/s and CPU are the crawl process's, like side B's; the server's own CPU during the run
  (user + system of all its threads, read from ``/proc/<pid>/stat``) is reported beside it,
  not in it. If FerretDB cannot be built or started, the bench says why and that side D was
  not measured, and runs A B C alone. A crawl that, with side D's server, uses under 1 CPU s in
  120 s hangs: it is stopped and fails the bench (side D's did, twice, at the default size).
  ``--mongodb URI`` runs side D on another MongoDB-wire server instead — a real ``mongod`` —
  each run in a fresh database that is dropped after it; the report names the server (its
  ``buildInfo``) and reads its CPU when its process listens on this machine (found from the
  URI's port in ``/proc/net/tcp``).
- **C**: a lean fetcher — aiohttp and parsel, no framework: :func:`lean_crawl` reads each
  host's robots.txt once, then fetches with 8 requests in flight a site (what sides A and B
  allow a host), follows the same links and reads the same post fields as side A. The limit of
  this machine for the work itself, which the issue asks the product to approach.

All sides must report the same pages and posts on every site, or the bench fails. Pages/s is
pages over the process's wall time from launch to exit (start-up included, as a user waits for
it), CPU is the process's user + system time (``RUSAGE_CHILDREN``). The ratios B/A and B/C are
taken per round of neighbouring runs; the median of B/A is held to the target of 0.8, that of
D/A to issue 12's 0.6 for the crawl into FerretDB. With nginx, which logs the time of each
answer, each side's start (launch to the first answer) and tail (the last answer to the
process's exit) are printed beside: the wall time a side spends before and after fetching.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from bench.site import DEFAULT_MIX, Generated, base_url, generate, page_key, served

TARGET = 0.8
#: Issue 12's target for the same crawl into FerretDB (side D), against side A (held to
#: whichever MongoDB-wire server side D runs on, ``--mongodb``).
TARGET_FERRETDB = 0.6
SIDES = ("A", "B", "C", "D")
LABELS = {
    "A": "A stock Scrapy spider, no pipelines",
    "B": "B opinion crawl, every pipeline",
    "C": "C lean aiohttp + parsel fetcher",
    "D": "D opinion crawl, MongoDB-wire server",
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


# -- what both hand-written sides read (parsel selectors, as a Scrapy user writes them) -----
BOARDS = "a[href*='mod=forumdisplay']"
THREAD_ROWS = "tbody[id^='normalthread_'] a.xst, tbody[id^='stickthread_'] a.xst"
FORUM_NEXT = "div.pg a.nxt"
BAR_THREADS = "#frslistcontent a.ti_item[tid]"
BAR_NEXT = "//li[contains(@class, 'l_pager')]/a[. = '下一页']"
PORTAL_ARTICLES = "ul.news-list a, ul.list a"
PORTAL_MORE = "a.more, div.page a.next"
#: The fields every post of a kind must have, or the side fails.
REQUIRED = {
    "forum": ("author", "time", "body", "floor"),
    "postbar": ("author", "time", "body", "floor"),
    "portal": ("title", "time", "body", "source"),
}


def _thread_posts(sel: Any, url: str) -> list[dict[str, Any]]:
    """A Discuz! thread page's floors: ``sel`` is side A's response or side C's selector."""
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
            "kind": "forum",
            "url": f"{url}#pid{pid}",
            "title": title,
            "author": post.css(".authi a.xw1::text").get(default="").strip(),
            "time": posted.css("span::attr(title)").get()
            or posted.css("::text").re_first(r"\d{4}-\d{1,2}-\d{1,2}[\d: ]*", "").strip(),
            "body": " ".join(body.xpath("string()").get("").split()),
            "floor": FLOOR_NAMES.get(floor.strip()) or int(floor.strip() or 0),
        })  # fmt: skip
    return posts


def _bar_posts(sel: Any, url: str) -> list[dict[str, Any]]:
    """A post-bar thread page's floors, from each floor's ``data-field`` JSON (ads have none)."""
    title = sel.css("h3.core_title_txt::attr(title)").get(default="").strip()
    posts = []
    for floor in sel.css("div.l_post"):
        field = floor.attrib.get("data-field")
        if not field:
            continue
        data = json.loads(field)
        pid = data["content"]["post_id"]
        tails = floor.css("span.tail-info").xpath("string()").getall()
        shown = [t.strip() for t in tails if not t.strip().startswith("来自")]
        posts.append({
            "kind": "postbar",
            "url": f"{url.split('#', 1)[0]}#{pid}",
            "title": title,
            "author": data["author"]["user_name"],
            "time": next((t for t in shown if not t.endswith("楼")), ""),
            "body": " ".join(floor.css(f"#post_content_{pid}").xpath("string()").get("").split()),
            "floor": data["content"]["post_no"],
        })  # fmt: skip
    return posts


def _reply_posts(sel: Any, url: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """A page of one floor's replies: each ``li.lzl_single_post`` a post in that floor."""
    thread = url.split("?", 1)[0].rsplit("/p/", 1)[0] + f"/p/{meta['tid']}"
    posts = []
    for item in sel.css("li.lzl_single_post"):
        spid = json.loads(item.attrib["data-field"])["spid"]
        posts.append({
            "kind": "postbar",
            "url": f"{thread}?pid={meta['pid']}&cid={spid}#{spid}",
            "title": meta["title"],
            "author": item.css("a.j_user_card::attr(username)").get(default=""),
            "time": item.css("span.lzl_time::text").get(default="").strip(),
            "body": " ".join(item.css("span.lzl_content_main").xpath("string()").get("").split()),
            "floor": meta["floor"],
        })  # fmt: skip
    return posts


def _next_replies(sel: Any, url: str) -> list[str]:
    """The next page of a floor's replies, while the pager's ``total_page`` is ahead."""
    pager = sel.css("li.lzl_li_pager::attr(data-field)").get()
    number = int(url.rsplit("pn=", 1)[1])
    if not pager or number >= int(json.loads(pager)["total_page"]):
        return []
    return [f"{url.rsplit('pn=', 1)[0]}pn={number + 1}"]


def _reply_meta(sel: Any, url: str) -> dict[str, dict[str, Any]]:
    """The first page of each floor's replies (楼中楼) a post-bar thread page counts (its
    floors' ``data-field``: ``content.comment_num``) — on Tieba's ``/p/comment`` beside
    ``/p/<tid>`` — with what those replies carry from the thread page."""
    title = sel.css("h3.core_title_txt::attr(title)").get(default="").strip()
    root = url.split("?", 1)[0].rsplit("/p/", 1)[0]
    found = {}
    for floor in sel.css("div.l_post"):
        content = json.loads(floor.attrib.get("data-field") or "{}").get("content") or {}
        if content.get("comment_num"):
            tid, pid = content["thread_id"], content["post_id"]
            page = f"{root}/p/comment?tid={tid}&pid={pid}&pn=1"
            found[page] = {"title": title, "tid": tid, "pid": pid, "floor": content["post_no"]}
    return found


def _article_posts(sel: Any, url: str) -> list[dict[str, Any]]:
    """A portal article: headline, the info line's time and 来源, the ``#zoom`` body."""
    info = " ".join(sel.css("div.article div.info").xpath("string()").get("").split())
    return [{
        "kind": "portal",
        "url": url,
        "title": sel.css("div.article h1::text").get(default="").strip(),
        "time": (re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", info) or [""])[0],
        "source": (re.search(r"来源：(\S+)", info) or ["", ""])[1],
        "body": " ".join(sel.css("#zoom").xpath("string()").get("").split()),
    }]  # fmt: skip


# -- side A: what a Scrapy user writes for each kind of site --------------------------------
class StockForumSpider(scrapy.Spider):
    """Board index -> thread lists (and their next pages) -> threads (and theirs) -> posts."""

    name = "stock_forum"

    def parse(self, response: Response) -> Iterator[Any]:
        yield from response.follow_all(css=BOARDS, callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        yield from response.follow_all(css=THREAD_ROWS, callback=self.parse_thread)
        yield from response.follow_all(css=FORUM_NEXT, callback=self.parse_listing)

    def parse_thread(self, response: Response) -> Iterator[Any]:
        yield from _thread_posts(response, response.url)
        yield from response.follow_all(css=FORUM_NEXT, callback=self.parse_thread)


class StockPostbarSpider(scrapy.Spider):
    """Mobile bar-list screens (the start URLs) -> threads (and their next pages) -> floors."""

    name = "stock_postbar"

    def parse(self, response: Response) -> Iterator[Any]:
        yield from response.follow_all(css=BAR_THREADS, callback=self.parse_thread)

    def parse_thread(self, response: Response) -> Iterator[Any]:
        yield from _bar_posts(response, response.url)
        yield from response.follow_all(xpath=BAR_NEXT, callback=self.parse_thread)
        for page, meta in _reply_meta(response, response.url).items():
            yield response.follow(page, callback=self.parse_replies, cb_kwargs={"meta": meta})

    def parse_replies(self, response: Response, meta: dict[str, Any]) -> Iterator[Any]:
        yield from _reply_posts(response, response.url, meta)
        for page in _next_replies(response, response.url):
            yield response.follow(page, callback=self.parse_replies, cb_kwargs={"meta": meta})


class StockPortalSpider(scrapy.Spider):
    """Index and column pages (更多, 下一页) -> articles."""

    name = "stock_portal"

    def parse(self, response: Response) -> Iterator[Any]:
        yield from response.follow_all(css=PORTAL_ARTICLES, callback=self.parse_article)
        yield from response.follow_all(css=PORTAL_MORE, callback=self.parse)

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield from _article_posts(response, response.url)


STOCK_SPIDERS: dict[str, type[scrapy.Spider]] = {
    "forum": StockForumSpider,
    "postbar": StockPostbarSpider,
    "portal": StockPortalSpider,
}


def stock_child(folder: Path, port: int, out: Path) -> int:
    """Run side A in this process, a crawler per site; each site's pages, posts and posts with
    every field to ``out``."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    generated = Generated.load(folder)
    process = CrawlerProcess(STOCK_SETTINGS)
    crawlers = {}
    complete: dict[str, int] = {}
    receivers = []
    for spec in generated.specs:
        crawler = process.create_crawler(STOCK_SPIDERS[spec.kind])
        complete[spec.name] = 0

        def scraped(item: dict[str, Any], name: str = spec.name) -> None:
            if all(item[k] for k in REQUIRED[item["kind"]]):
                complete[name] += 1

        receivers.append(scraped)  # the signals hold weak references
        crawler.signals.connect(scraped, signal=signals.item_scraped)
        base = base_url(spec, port)
        process.crawl(crawler, start_urls=[f"{base}{s}" for s in generated.starts[spec.name]])
        crawlers[spec.name] = crawler
    process.start()
    found = {}
    for name, crawler in crawlers.items():
        assert crawler.stats is not None
        stats = crawler.stats.get_stats()
        found[name] = {
            "pages": stats.get("response_received_count", 0)
            - stats.get("robotstxt/response_count", 0),
            "posts": stats.get("item_scraped_count", 0),
            "complete": complete[name],
            "finish_reason": stats.get("finish_reason"),
        }
    out.write_text(json.dumps(found))
    return 0


# -- side C: the same crawl with no framework at all ----------------------------------------
#: Links to follow from a page, and the role of the pages they lead to.
Follow = tuple[list[str], str]


def lean_page(
    role: str, sel: Any, url: str, meta: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[Follow]]:
    """A page's posts and the links to follow (hrefs, role), by the page's role (and, for a
    page of a floor's replies, what its thread page said of the floor: ``meta``)."""
    if role == "index":
        return [], [(sel.css(f"{BOARDS}::attr(href)").getall(), "list")]
    if role == "list":
        return [], [
            (sel.css(THREAD_ROWS).css("::attr(href)").getall(), "thread"),
            (sel.css(f"{FORUM_NEXT}::attr(href)").getall(), "list"),
        ]
    if role == "thread":
        return _thread_posts(sel, url), [(sel.css(f"{FORUM_NEXT}::attr(href)").getall(), "thread")]
    if role == "bar":
        return [], [(sel.css(f"{BAR_THREADS}::attr(href)").getall(), "bar-thread")]
    if role == "bar-thread":
        return _bar_posts(sel, url), [
            (sel.xpath(f"{BAR_NEXT}/@href").getall(), "bar-thread"),
            (list(_reply_meta(sel, url)), "bar-replies"),
        ]
    if role == "bar-replies":
        return _reply_posts(sel, url, meta or {}), [(_next_replies(sel, url), "bar-replies")]
    if role == "portal":
        return [], [
            (sel.css(PORTAL_ARTICLES).css("::attr(href)").getall(), "article"),
            (sel.css(PORTAL_MORE).css("::attr(href)").getall(), "portal"),
        ]
    return _article_posts(sel, url), []


#: The role of a site's start URLs on side C, by kind.
START_ROLES = {"forum": "index", "postbar": "bar", "portal": "portal"}


async def lean_crawl(generated: Generated, port: int) -> dict[str, dict[str, int]]:
    """Every site at once, ``LEAN_CONCURRENCY`` requests in flight a site."""
    import asyncio

    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, limit_per_host=LEAN_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        found = await asyncio.gather(*(
            _lean_site(session, base_url(spec, port), generated.starts[spec.name],
                       START_ROLES[spec.kind])
            for spec in generated.specs
        ))  # fmt: skip
    return {spec.name: counts for spec, counts in zip(generated.specs, found, strict=True)}


async def _lean_site(session: Any, base: str, starts: list[str], role: str) -> dict[str, int]:
    import asyncio

    from parsel import Selector
    from w3lib.encoding import html_to_unicode

    seen: set[str] = set()
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    counts = {"pages": 0, "posts": 0, "complete": 0}
    metas: dict[str, dict[str, Any]] = {}  # a floor's reply pages: what the thread page said

    def follow(url: str, hrefs: list[str], role: str) -> None:
        for href in hrefs:
            target = urljoin(url, href).split("#", 1)[0]
            if target not in seen:
                seen.add(target)
                queue.put_nowait((target, role))
                if role == "bar-replies" and target not in metas:  # a floor's next page
                    metas[target] = metas.get(url, {})

    async def worker() -> None:
        while True:
            url, role = await queue.get()
            try:
                async with session.get(url) as response:
                    body = await response.read()
                    header = response.headers.get("Content-Type")
                _, text = html_to_unicode(header, body)
                counts["pages"] += 1
                sel = Selector(text=text)
                if role == "bar-thread":
                    metas.update(_reply_meta(sel, url))
                posts, links = lean_page(role, sel, url, metas.get(url))
                for post in posts:
                    counts["posts"] += 1
                    if all(post[k] for k in REQUIRED[post["kind"]]):
                        counts["complete"] += 1
                for hrefs, next_role in links:
                    follow(url, hrefs, next_role)
            finally:
                queue.task_done()

    async with session.get(f"{base}/robots.txt") as response:
        await response.read()  # obeyed as side A obeys it: the site disallows nothing
    follow(base, [f"{base}{s}" for s in starts], role)
    workers = [asyncio.create_task(worker()) for _ in range(LEAN_CONCURRENCY)]
    await queue.join()
    for task in workers:
        task.cancel()
    return counts


def lean_child(folder: Path, port: int, out: Path) -> int:
    import asyncio

    out.write_text(json.dumps(asyncio.run(lean_crawl(Generated.load(folder), port))))
    return 0


# -- nginx, for a server that costs the crawlers next to nothing ---------------------------
NGINX_CONF = """daemon off;
user {user};
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
    log_format served_at '$msec';
    access_log {work}/access.log served_at;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    types {{ }}
    default_type text/html;
    map_hash_max_size 262144;
    map_hash_bucket_size 256;
    map "$uri?$args" $page {{
        default "";
{entries}
    }}
{servers}
}}
"""
NGINX_SERVER = """    server {{
        listen {host}:{port};
        root {folder};
        charset {charset};
        location = /robots.txt {{
            charset off;
            default_type text/plain;
            return 200 "User-agent: *\\nAllow: /\\n";
        }}
        location / {{
            if ($page = "") {{ return 404; }}
            try_files /$page =404;
        }}
    }}"""


def nginx_map(folder: Path) -> dict[str, str]:
    """``path?query`` -> rendered file, for every link on the rendered pages as written (nginx
    cannot compute :func:`bench.site.page_key`, so it is told each one)."""
    found = {}
    for spec in Generated.load(folder).specs:
        for link in (folder / f"{spec.name}.links").read_text().splitlines():
            path, _, query = link.partition("?")
            found[link] = page_key(path, query)
    return found


@contextlib.contextmanager
def nginx_served(folder: Path, work: Path) -> Iterator[int]:
    """The generated sites in ``folder`` served by Debian's nginx (one worker); the port."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).is_file():
        raise BenchError("no nginx: `apt-get install -y nginx`, or leave --server out")
    work.mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    specs = Generated.load(folder).specs
    entries = "\n".join(f'        "{q}" {k};' for q, k in nginx_map(folder).items())
    servers = "\n".join(
        NGINX_SERVER.format(host=s.host, port=port, folder=folder / s.name, charset=s.charset)
        for s in specs
    )
    conf = work / "nginx.conf"
    user = pwd.getpwuid(os.getuid()).pw_name  # workers read the private temporary folder
    conf.write_text(NGINX_CONF.format(user=user, work=work, entries=entries, servers=servers))
    server = subprocess.Popen([binary, "-c", str(conf), "-p", str(work)])
    try:
        for spec in specs:
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection((spec.host, port)):
                    break
                time.sleep(0.1)
            else:
                log = (work / "error.log").read_text()[-2000:]
                raise BenchError(f"nginx did not start: {log}")
        yield port
    finally:
        server.terminate()
        server.wait()


def fetch_window(log: Path, offset: int) -> tuple[float, float] | None:
    """When nginx answered the first and the last request it logged after ``offset`` bytes of
    its access log (one ``$msec`` a line), or None when it logged none."""
    if not log.is_file():
        return None
    with log.open("rb") as lines:
        lines.seek(offset)
        times = [float(line) for line in lines if line.strip()]
    return (min(times), max(times)) if times else None


# -- the parent ----------------------------------------------------------------------------
@dataclass
class Run:
    side: str
    sites: dict[str, tuple[int, int]]  # site -> (pages, posts)
    wall: float
    cpu: float
    #: Side D: its server's CPU seconds during the run (None: not readable).
    server_cpu: float | None = None
    #: When the process was launched and when it ended (seconds since the epoch).
    launched: float = 0.0
    ended: float = 0.0
    #: When the server answered its first and its last request (nginx's log; None: unknown).
    fetched: tuple[float, float] | None = None

    @property
    def ends(self) -> tuple[float, float] | None:
        """(launch → first answer, last answer → exit) in seconds: what the process spends
        before it fetches and after, when the server's log says when it fetched."""
        if self.fetched is None:
            return None
        return self.fetched[0] - self.launched, self.ended - self.fetched[1]

    @property
    def pages(self) -> int:
        return sum(p for p, _ in self.sites.values())

    @property
    def posts(self) -> int:
        return sum(n for _, n in self.sites.values())

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall

    @property
    def cpu_per_1000(self) -> float:
        return 1000 * self.cpu / self.pages


#: Seconds in which a crawl process and side D's server use under :data:`IDLE_CPU` CPU
#: seconds together (pymongo's heartbeat threads tick even in a hung crawl): it hangs.
STALL = 120.0
IDLE_CPU = 1.0


def _timed(
    command: list[str], env: dict[str, str], cwd: Path, server_pid: int | None = None
) -> tuple[float, float, float, float]:
    """Wall and CPU seconds (user + system) of one child process, and when it was launched
    and ended (seconds since the epoch); stopped, and the bench failed, when it and
    ``server_pid`` stay idle for :data:`STALL` seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, launched = time.perf_counter(), time.time()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        mark, idle_since = -IDLE_CPU, time.monotonic()
        while True:
            try:
                child.wait(timeout=5)
                break
            except KeyboardInterrupt:
                child.kill()
                raise
            except subprocess.TimeoutExpired:
                used = (process_cpu(child.pid) or 0.0) + (process_cpu(server_pid) or 0.0)
                if used - mark >= IDLE_CPU:
                    mark, idle_since = used, time.monotonic()
                elif time.monotonic() - idle_since > STALL:
                    child.kill()
                    child.wait()
                    raise BenchError(
                        f"{command[2:4]} hung: under {IDLE_CPU:.0f} CPU s in the crawl process"
                        f"{' and the store server' if server_pid else ''} for {STALL:.0f} s"
                    ) from None
        wall, ended = time.perf_counter() - started, time.time()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise BenchError(f"{command[2:4]} exited {child.returncode}:\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, launched, ended


def _hand_written(side: str, flag: str, folder: Path, port: int, work: Path) -> Run:
    """Side A or C in a child process; each site's posts must all have their kind's fields."""
    from bench.profile import ROOT

    work.mkdir(parents=True)
    out = work / "sites.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    command = [sys.executable, "-m", "bench.vs_scrapy", flag, str(out), str(folder), str(port)]
    wall, cpu, launched, ended = _timed(command, env, ROOT)
    found: dict[str, dict[str, Any]] = json.loads(out.read_text())
    for name, site in found.items():
        if site.get("finish_reason", "finished") != "finished" or site["complete"] != site["posts"]:
            raise BenchError(f"side {side}, {name}: {site} (a post without its kind's fields)")
    sites = {n: (s["pages"], s["posts"]) for n, s in found.items()}
    return Run(side, sites, wall, cpu, launched=launched, ended=ended)


def run_stock(folder: Path, port: int, work: Path) -> Run:
    return _hand_written("A", "--stock-child", folder, port, work)


def run_lean(folder: Path, port: int, work: Path) -> Run:
    return _hand_written("C", "--lean-child", folder, port, work)


def _opinion(
    side: str, uri: str, folder: Path, port: int, work: Path, server_pid: int | None = None
) -> Run:
    """``opinion crawl`` of every site into ``uri`` (sides B and D); (pages, posts) of each
    site from the run records it stored."""
    from bench.profile import ROOT, crawl_setup, site_stats

    generated = Generated.load(folder)
    env, args = crawl_setup(generated, port, work, uri)
    command = [sys.executable, "-m", "opinion_spiders", *args]
    wall, cpu, launched, ended = _timed(command, env, ROOT, server_pid)
    sites = site_stats(uri, [s.name for s in generated.specs])
    return Run(side, sites, wall, cpu, launched=launched, ended=ended)


def run_opinion(folder: Path, port: int, work: Path) -> Run:
    work.mkdir(parents=True)
    return _opinion("B", f"embedded://{work / 'store'}", folder, port, work)


def run_ferretdb(
    folder: Path, port: int, work: Path, server_uri: str, server_pid: int | None = None
) -> Run:
    """Side D: side B's crawl into a fresh database on the MongoDB-wire server at
    ``server_uri`` (dropped after the run), with the server's CPU during the crawl when its
    pid is known."""
    from opinion_spiders.stores.factory import spool_dir
    from opinion_spiders.stores.spool import Spool

    work.mkdir(parents=True)
    database = "vs_scrapy_" + re.sub(r"\W", "_", work.name)
    uri = database_uri(server_uri, database)
    before = process_cpu(server_pid)
    run = _opinion("D", uri, folder, port, work, server_pid)
    after = process_cpu(server_pid)
    if before is not None and after is not None:
        run.server_cpu = after - before
    spool = Spool(spool_dir({"OPINION_STORE": uri, "OPINION_DATA_DIR": str(work / "data")}))
    if spooled := len(spool.files()):
        raise BenchError(f"side D spooled {spooled} batches: the server did not take its writes")
    drop_database(server_uri, database)
    return run


@contextlib.contextmanager
def _client(server_uri: str) -> Iterator[Any]:
    """A pymongo client of the server, closed after use."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(server_uri, serverSelectionTimeoutMS=5000)
    try:
        yield client
    finally:
        client.close()


def drop_database(server_uri: str, database: str) -> None:
    with _client(server_uri) as client:
        client.drop_database(database)


def database_uri(server_uri: str, database: str) -> str:
    """``server_uri`` naming ``database``: its path replaced, its options kept."""
    parts = urlsplit(server_uri)
    return urlunsplit(parts._replace(path="/" + database))


def server_name(server_uri: str) -> str:
    """What answers at ``server_uri``, from its ``buildInfo``: FerretDB says so (its version
    field is the MongoDB version it speaks)."""
    with _client(server_uri) as client:
        info = client.admin.command("buildInfo")
    if "ferretdbVersion" in info:  # FerretDB 1.x
        return f"FerretDB {info['ferretdbVersion']}"
    ferretdb = info.get("ferretdb")  # FerretDB 2.x
    if isinstance(ferretdb, dict):
        return f"FerretDB {ferretdb.get('version', '?')}"
    return f"MongoDB {info.get('version', '?')}"


def listening_pid(port: int) -> int | None:
    """The pid of the process of this machine listening on TCP ``port`` (``/proc/net/tcp``
    and ``tcp6``, then each process's sockets), or None (not local, or not readable)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rpartition(":")[2], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                for fd in (entry / "fd").iterdir():
                    with contextlib.suppress(OSError):
                        if os.readlink(fd) in inodes:
                            return int(entry.name)
    return None


def ferretdb_pid(data_dir: Path) -> int | None:
    """The pid of the FerretDB whose ``--state-dir`` is ``data_dir``, found in /proc."""
    flag = f"--state-dir={data_dir.resolve()}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if flag in (entry / "cmdline").read_bytes().split(b"\0"):
                    return int(entry.name)
    return None


def process_cpu(pid: int | None) -> float | None:
    """User + system seconds of a live process, all its threads (``/proc/<pid>/stat``)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # from field 3 (state): utime is 14, stime 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Runner = Callable[[Path, int, Path], Run]
RUNNERS: dict[str, Runner] = {"A": run_stock, "B": run_opinion, "C": run_lean}


def spread(values: Sequence[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"


def report(
    runs: list[Run], reps: int, server: str, generated: Generated, no_d: str = "",
    store_server: str = "FerretDB",
) -> str:  # fmt: skip
    """The table; ``no_d`` says why side D was not measured, when it was not;
    ``store_server`` names side D's server."""
    by_side = {side: [r for r in runs if r.side == side] for side in SIDES}
    a, b, c, d = by_side["A"], by_side["B"], by_side["C"], by_side["D"]
    speed = [rb.pages_per_s / ra.pages_per_s for ra, rb in zip(a, b, strict=True)]
    cost = [rb.cpu_per_1000 / ra.cpu_per_1000 for ra, rb in zip(a, b, strict=True)]
    lean = [rb.pages_per_s / rc.pages_per_s for rc, rb in zip(c, b, strict=True)]
    stock_lean = [ra.pages_per_s / rc.pages_per_s for rc, ra in zip(c, a, strict=True)]
    ratio = statistics.median(speed)
    kinds = {spec.name: f"{spec.kind} {spec.encoding.upper()}" for spec in generated.specs}
    crawled = ", ".join(
        f"{kinds[name]} {pages}/{posts}" for name, (pages, posts) in a[0].sites.items()
    )
    lines = [
        f"full pipeline vs stock Scrapy — {a[0].pages} pages, {a[0].posts} posts on "
        f"{len(generated.specs)} generated sites (pages/posts: {crawled}) served by {server} "
        f"on 127.0.0.x; Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
        f"{os.cpu_count()} CPUs; {reps} interleaved runs a side, each its own process; "
        "median (min–max)",
        f"  {'side':<40}{'pages/s':>22}{'CPU s / 1,000 pages':>26}",
    ]
    for side, rows in by_side.items():
        if not rows:
            continue
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
        *(ferretdb_lines(a, b, d, store_server) if d else [f"  side D NOT MEASURED: {no_d}"]),
        *ends_lines(by_side),
        "  (pages/s over each process's wall time from launch to exit, start-up included;"
        " CPU = user + system of the process)",
    ]
    return "\n".join(lines)


def ends_lines(by_side: dict[str, list[Run]]) -> list[str]:
    """Each side's start (launch to the server's first answer) and tail (its last answer to
    the process's exit), where the server's log says when it answered: where a side's wall
    time goes besides fetching."""
    parts = []
    for side, rows in by_side.items():
        ends = [e for r in rows if (e := r.ends) is not None]
        if rows and len(ends) == len(rows):
            start, tail = spread([e[0] for e in ends], ".1f"), spread([e[1] for e in ends], ".1f")
            parts.append(f"{side} {start} / {tail}")
    if not parts:
        return []
    return ["  start (launch → first answer) / tail (last answer → exit), s: " + "; ".join(parts)]


def ferretdb_lines(
    a: list[Run], b: list[Run], d: list[Run], store_server: str = "FerretDB"
) -> list[str]:
    """Side D against A (issue 12's 0.6) and B, and its server's CPU beside its own."""
    speed = [rd.pages_per_s / ra.pages_per_s for ra, rd in zip(a, d, strict=True)]
    store = [rd.pages_per_s / rb.pages_per_s for rb, rd in zip(b, d, strict=True)]
    verdict = "met" if statistics.median(speed) >= TARGET_FERRETDB else "BELOW TARGET"
    lines = [
        f"  ratio D/A pages/s, per round of runs: {spread(speed, '.2f')}; "
        f"target >= {TARGET_FERRETDB}: {verdict}",
        f"  ratio D/B pages/s ({store_server} against the embedded store): {spread(store, '.2f')}",
    ]
    served = [1000 * r.server_cpu / r.pages for r in d if r.server_cpu is not None]
    if len(served) == len(d):
        both = [1000 * (r.cpu + (r.server_cpu or 0.0)) / r.pages for r in d]
        lines.append(
            f"  D's server ({store_server}), not in D's CPU above: {spread(served, '.1f')} CPU s / "
            f"1,000 pages (/proc/<pid>/stat); crawl process + server: {spread(both, '.1f')}"
        )
    else:
        lines.append(
            f"  D's server ({store_server}) CPU: not readable from /proc, not counted anywhere"
        )
    return lines


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.vs_scrapy", description=__doc__)
    parser.add_argument("--threads", type=int, default=2800, help="generated threads, all sites")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--mix", default=DEFAULT_MIX,
        help="the sites, a host each: kind/encoding=share of the threads, comma-separated; "
        "kind forum, postbar or portal, encoding gbk or utf-8 (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--reps", type=int, default=3, help="runs a side (default 3)")
    parser.add_argument(
        "--sides", default="".join(SIDES),
        help="ABCD (default) or ABC: side D, the crawl into FerretDB (or --mongodb), takes "
        "~1 min a run at the default size",
    )  # fmt: skip
    parser.add_argument(
        "--mongodb", metavar="URI",
        help="run side D on this MongoDB-wire server (e.g. a real mongod: "
        "mongodb://127.0.0.1:27017) instead of a FerretDB the bench starts; each run's "
        "database is dropped after it",
    )  # fmt: skip
    parser.add_argument(
        "--server", choices=["auto", "python", "nginx"], default="auto",
        help="serve with Debian's nginx (1 worker) or the bench's own http.server; auto "
        "(default): nginx where it is installed — a Python server on the same 2 cores "
        "holds the stock spider back and flatters the ratio",
    )  # fmt: skip
    parser.add_argument("--stock-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--lean-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if set(args.sides) - set(SIDES) or not set("ABC") <= set(args.sides):
        parser.error("--sides: ABC, or ABCD with the crawl into FerretDB")
    if args.mongodb and "D" not in args.sides:
        parser.error("--mongodb is side D's server: ask for side D (--sides ABCD)")
    mongodb = ""
    if args.mongodb:  # asked for by name: one that does not answer is an error, not a skip
        from pymongo.errors import PyMongoError

        try:
            mongodb = server_name(args.mongodb)
        except PyMongoError as exc:
            parser.error(
                f"--mongodb: no MongoDB-wire server answered at {args.mongodb} ({exc}); start "
                "it, or give its URI (mongodb://HOST:PORT)"
            )
    for flag, child in ((args.stock_child, stock_child), (args.lean_child, lean_child)):
        if flag:
            return child(Path(flag[1]), int(flag[2]), Path(flag[0]))
    with tempfile.TemporaryDirectory(prefix="bench-vs-scrapy-") as tmp:
        work = Path(tmp)
        say(f"generating {args.threads} threads…")
        folder = work / "site"
        try:
            generated = generate(folder, args.threads, args.seed, args.mix)
        except ValueError as exc:
            parser.error(str(exc))
        say(f"{sum(generated.pages.values())} pages rendered: {generated.summary()}; serving…")
        runs: list[Run] = []
        use_nginx = args.server == "nginx" or (
            args.server == "auto"
            and bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
        )
        log = work / "nginx" / "access.log"  # written by nginx alone: --server python has none
        if use_nginx:
            server = "nginx (Debian, 1 worker)"
            serving = nginx_served(folder, work / "nginx")
        else:
            server = "the bench's own static server (Python http.server)"
            serving = served(folder)
        try:
            with serving as port, contextlib.ExitStack() as stack:
                store_server = "FerretDB"
                if "D" in args.sides and args.mongodb:
                    runners, no_d, store_server = mongodb_runner(args.mongodb, mongodb)
                elif "D" in args.sides:
                    runners, no_d, store_server = ferretdb_runner(stack, work / "ferretdb")
                else:
                    runners, no_d = dict(RUNNERS), "not asked for (--sides)"
                sides = [side for side in SIDES if side in runners and side in args.sides]
                for rep in range(max(1, args.reps)):
                    for side in sides if rep % 2 == 0 else sides[::-1]:
                        offset = log.stat().st_size if log.is_file() else 0
                        run = runners[side](folder, port, work / f"{side}-{rep}")
                        run.fetched = fetch_window(log, offset)
                        server_cpu = (
                            f" (+ server {1000 * run.server_cpu / run.pages:.1f})"
                            if run.server_cpu is not None
                            else ""
                        )
                        say(
                            f"  {LABELS[side]:<40} run {rep + 1}: {run.pages} pages, "
                            f"{run.posts} posts in {run.wall:.1f} s = {run.pages_per_s:.1f} "
                            f"pages/s, {run.cpu_per_1000:.1f} CPU s / 1,000 pages{server_cpu}"
                        )
                        runs.append(run)
                    check_runs(runs)  # after each round, so a failing one still shows its figures
        except BenchError as exc:
            print(f"bench.vs_scrapy: error: {exc}", file=sys.stderr)
            return 1
    print(report(runs, max(1, args.reps), server, generated, no_d, store_server))
    return 0


def mongodb_runner(uri: str, name: str) -> tuple[dict[str, Runner], str, str]:
    """Every side's runner, side D's on the MongoDB-wire server ``name`` at ``uri``
    (``--mongodb``), with its pid where it listens on this machine."""
    host = urlsplit(uri)
    try:
        port = host.port or 27017
    except ValueError:  # several hosts (a replica set's seed list): whose CPU is not one
        port = None
    local = host.hostname in ("localhost", None) or host.hostname.startswith("127.")
    pid = listening_pid(port) if local and port else None
    say(f"{name} on {uri} (pid {pid or 'not found on this machine: its CPU is not read'})")
    run_d = functools.partial(run_ferretdb, server_uri=uri, server_pid=pid)
    return {**RUNNERS, "D": run_d}, "", name


def ferretdb_runner(
    stack: contextlib.ExitStack, data_dir: Path
) -> tuple[dict[str, Runner], str, str]:
    """Every side's runner, side D's on a FerretDB started here for the whole bench (stopped
    with ``stack``), and its name; without D when FerretDB cannot be started, and why, said
    at once."""
    from servers.ferretdb import FerretDBProcess

    say("starting FerretDB for side D…")
    try:
        server = stack.enter_context(FerretDBProcess(data_dir))
    except (RuntimeError, OSError) as exc:
        why = f"FerretDB could not be started: {exc}"
        say(f"bench.vs_scrapy: side D not measured — {why}")
        return dict(RUNNERS), why, ""
    pid = ferretdb_pid(data_dir)
    name = server_name(server.uri)
    say(f"{name} on {server.uri} (pid {pid or 'not found: its CPU is not read'})")
    run_d = functools.partial(run_ferretdb, server_uri=server.uri, server_pid=pid)
    return {**RUNNERS, "D": run_d}, "", name


def check_runs(runs: list[Run]) -> None:
    """Every side must see the same pages and posts on every site (so on every kind)."""
    seen = {tuple(sorted(r.sites.items())) for r in runs}
    counts = [count for r in runs for pair in r.sites.values() for count in pair]
    if len(seen) != 1 or not all(counts):
        names = sorted({name for r in runs for name in r.sites})
        differ = [n for n in names if len({r.sites.get(n) for r in runs}) > 1] or names
        found = "; ".join(f"{r.side}: { ({n: r.sites.get(n) for n in differ}) }" for r in runs)
        raise BenchError(f"the sides did not see the same pages and posts (pages, posts): {found}")


if __name__ == "__main__":
    raise SystemExit(main())
