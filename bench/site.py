"""The crawl benches' generated site: forums, post bars and portals, in GBK and UTF-8.

``bench.profile`` and ``bench.vs_scrapy`` crawl it. :func:`generate` fills one demo server
(:class:`opinion_spiders.demo.server.DemoServer`, its own templates) per site of the mix with
generated texts (``--threads`` threads in all, split by the mix's shares; 1–10 floors a forum
or post-bar thread, one article a portal entry; words drawn from jieba's dictionary by
frequency, one post in eight carrying a watched term of the bundled rules, one in ten a lightly
edited repost of an earlier one; threads started over the :data:`SPAN` before generation,
fewer at night, replies minutes to hours after the post before), renders every page a crawl reaches into a folder of its own,
re-encoded to the site's encoding (its ``<meta charset>`` and served ``Content-Type`` say so),
and serves each site on a loopback address of its own (127.0.0.2, .3 …: a host each, as real
sites are, so a crawler's per-host limits apply per site) from the bench's Python server or
nginx (``bench.vs_scrapy``).

The kinds, as a crawl reads them over plain HTTP (no browser, no ``render_js``):

- **forum**: the demo's Discuz! X3 board index -> thread lists -> threads (10 floors a page).
- **postbar**: Tieba's **mobile** bar list (``f?kw=…&mo_device=1&pn=…``, server HTML that the
  tieba adapter reads as its ``mobile`` page version, 50 threads a screen and an ad item
  without a ``tid``), rendered by the bench from the demo's ``api/threads`` JSON because the
  demo's PC bar page is a script shell; its screens are the site's start URLs (the m-site list
  has no next-page link). Thread pages are the demo's server HTML (``p/TID?pn=N``, ``div.l_post``
  floors with their ``data-field`` JSON, read as ``pc-raw-2019``); the replies inside a floor
  (楼中楼) come ten a page from ``p/comment?tid=&pid=&pn=``, whose pages the bench renders
  from the floors' counts (no link names them).
- **portal**: the demo's government news portal: index -> column pages (8 a page, 下一页) ->
  articles (``div#zoom``), one post an article.
"""

# ruff: noqa: E501 - HTML templates keep the real engines' markup one element per line

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape, unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit
from urllib.request import urlopen

#: How far back the generated threads start: a site's last three days, as a crawl finds them.
#: (Until 2026-12 every post carried the demo's frozen minute: 13k posts in one hour, every
#: topical word an "emerging term" — thousands of events a crawl, as no real site gives.)
SPAN = timedelta(days=3)
#: Replies come on average this long after the post before them (exponentially distributed).
REPLY_GAP = timedelta(minutes=40)
WATCHED = ("贪污", "受贿", "强拆", "补偿款", "上访", "维权", "干部", "不作为", "污染", "火灾")
SOURCES = ("临江市政府办公室", "临江日报", "市住建局", "市生态环境局", "市信访局", "新华社")
KINDS = ("forum", "postbar", "portal")
ENCODINGS = ("gbk", "utf-8")
ENGINES = {"forum": "discuz", "postbar": "tieba", "portal": "portal"}
#: The default mix: kind/encoding=share (% of the threads); one site each, a host each.
DEFAULT_MIX = "forum/gbk=50,forum/utf-8=15,postbar/utf-8=15,portal/gbk=10,portal/utf-8=10"
#: Threads on one screen of the mobile bar list.
BAR_SCREEN = 50
_KEYS = ("mod", "fid", "tid", "pid", "page", "kw", "pn")
_HREF = re.compile(r'href="([^"]+)"')
_CHARSET = re.compile(r"(<meta[^>]*charset=[\"']?)([\w-]+)", re.I)


@dataclass(frozen=True)
class SiteSpec:
    """One site of the mix: its kind, encoding, share of the threads and loopback host."""

    name: str
    kind: str
    encoding: str
    share: float
    host: str

    @property
    def charset(self) -> str:
        return "gbk" if self.encoding == "gbk" else "utf-8"


def parse_mix(text: str) -> list[SiteSpec]:
    """``"forum/gbk=50,postbar/utf-8=20,…"`` -> the sites, on 127.0.0.2, .3 … in that order."""
    specs: list[SiteSpec] = []
    for n, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        m = re.fullmatch(r"(\w+)/([\w-]+)=(\d+(?:\.\d+)?)", part)
        if not m or m.group(1) not in KINDS or m.group(2).lower() not in ENCODINGS:
            raise ValueError(f"mix entry {part!r}: give kind/encoding=share, kind one of "
                             f"{KINDS}, encoding one of {ENCODINGS}")  # fmt: skip
        kind, encoding = m.group(1), m.group(2).lower()
        name = f"bench-{kind}-{encoding.replace('-', '')}"
        if any(s.name == name for s in specs):
            name = f"{name}-{n + 1}"
        specs.append(SiteSpec(name, kind, encoding, float(m.group(3)), f"127.0.0.{n + 2}"))
    if not specs or sum(s.share for s in specs) <= 0:
        raise ValueError(f"mix {text!r}: no site with a share")
    return specs


def split_threads(specs: Sequence[SiteSpec], threads: int) -> list[int]:
    """The threads of each site: ``threads`` split by share (largest remainders)."""
    total = sum(s.share for s in specs)
    exact = [threads * s.share / total for s in specs]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(specs)), key=lambda i: counts[i] - exact[i])[: threads - sum(counts)]:
        counts[i] += 1
    return counts


def page_key(path: str, query: str) -> str:
    """A file name for a page URL: its path and the query fields the pages use, in order
    (a field at its first page, ``1``, left out: ``page=1`` and ``pn=1`` name the first page)."""
    fields = parse_qs(query)
    parts = [f"{k}={fields[k][0]}" for k in _KEYS if k in fields and fields[k][0] != "1"]
    return hashlib.sha1(f"{path}?{'&'.join(parts)}".encode()).hexdigest()


# -- generating and rendering -----------------------------------------------------------------
@dataclass
class Generated:
    """What :func:`generate` wrote: per site its start URLs (paths) and counts."""

    specs: list[SiteSpec]
    starts: dict[str, list[str]]
    pages: dict[str, int]
    posts: dict[str, int]

    def save(self, folder: Path) -> None:
        (folder / "site.json").write_text(json.dumps({
            "specs": [vars(s) for s in self.specs], "starts": self.starts,
            "pages": self.pages, "posts": self.posts,
        }, ensure_ascii=False))  # fmt: skip

    @classmethod
    def load(cls, folder: Path) -> Generated:
        data = json.loads((folder / "site.json").read_text())
        return cls([SiteSpec(**s) for s in data["specs"]], data["starts"], data["pages"],
                   data["posts"])  # fmt: skip

    def summary(self) -> str:
        """Pages and posts by kind and encoding, e.g. for a report's first line."""
        parts = []
        for kind in KINDS:
            sites = [s for s in self.specs if s.kind == kind]
            if sites:
                shown = ", ".join(
                    f"{s.encoding.upper()} {self.pages[s.name]}/{self.posts[s.name]}" for s in sites
                )
                parts.append(f"{kind} {shown}")
        return "; ".join(parts) + " (pages/generated posts)"


def generate(folder: Path, threads: int, seed: int, mix: str = DEFAULT_MIX) -> Generated:
    """Generate and render every site of ``mix`` into ``folder/<site>``."""
    from bench.neardup import Corpus

    specs = parse_mix(mix)
    corpus, rng = Corpus(seed), random.Random(seed)
    texts: list[str] = []
    out = Generated(specs, {}, {}, {})
    for spec, count in zip(specs, split_threads(specs, threads), strict=True):
        out.starts[spec.name], out.pages[spec.name], out.posts[spec.name] = _site(
            spec, count, corpus, rng, texts, folder / spec.name
        )
    out.save(folder)
    return out


def _text(corpus: Any, rng: random.Random, texts: list[str], topic: list[str]) -> str:
    if texts and rng.random() < 0.1:
        text: str = corpus.edit(rng.choice(texts), topic)
    else:
        text = corpus.text(topic)
        if rng.random() < 0.125:
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(WATCHED) + text[at:]
    texts.append(text)
    return text


def _site(
    spec: SiteSpec, threads: int, corpus: Any, rng: random.Random, texts: list[str], folder: Path
) -> tuple[list[str], int, int]:
    from opinion_spiders.demo.server import ZONE, DemoServer

    posts = 0
    now = datetime.now(ZONE).replace(second=0, microsecond=0)
    # in order: a topic's threads (20 in a row) come close together, as a story's do
    starts = sorted(_thread_start(rng, now) for _ in range(threads))
    with DemoServer(seed_time=now) as demo:
        topic = corpus.topic()
        for n in range(threads):
            if n % 20 == 0:
                topic = corpus.topic()
            demo.seed_time = when = starts[n]  # the demo stamps a post with its clock
            if spec.kind == "portal":
                paragraphs = [_text(corpus, rng, texts, topic) for _ in range(rng.randint(2, 4))]
                added = demo.add_post("portal", title=paragraphs[0][:24],
                                      content="\n".join(paragraphs), author="临江市政府办公室")  # fmt: skip
                # the 来源 an article shows (the demo's own articles have one; add_post sets none)
                demo.store.threads["portal"][int(added["thread"])].source = rng.choice(SOURCES)
                posts += 1
                continue
            thread = None
            for _ in range(rng.randint(1, 10)):
                text = _text(corpus, rng, texts, topic)
                added = demo.add_post(spec.kind, thread=thread, title=text[:20], content=text,
                                      author=f"用户{rng.randint(1, 3000)}")  # fmt: skip
                thread = thread or added["thread"]
                posts += 1
                when = min(now, when + REPLY_GAP * rng.expovariate(1.0))
                demo.seed_time = when
        demo.seed_time = now  # pages say "3 小时前" as of generation
        renderer = _Renderer(spec, demo.base_url, folder)
        if spec.kind == "postbar":
            starts = renderer.bar_screens(demo.store.default_board("postbar"))
        else:
            starts = ["/forum/forum.php" if spec.kind == "forum" else "/portal/index.html"]
        renderer.walk(starts)
        renderer.save()
    return starts, len(renderer.seen), posts


def _thread_start(rng: random.Random, now: datetime) -> datetime:
    """A moment within the :data:`SPAN` before ``now``, a third as likely at night (0–7 h)."""
    while True:
        at = now - SPAN * rng.random()
        if at.hour >= 7 or rng.random() < 1 / 3:
            return at.replace(second=0, microsecond=0)


_FIELD = re.compile(r'<div class="l_post[^"]*" data-field="([^"]+)"')
#: Replies inside a floor a page of ``/tieba/p/comment`` gives, as on Tieba.
REPLIES_A_PAGE = 10


def floor_replies(text: str) -> list[str]:
    """The pages of a post-bar thread page's replies inside floors (楼中楼), which no link
    names: a floor's ``data-field`` counts them (``content.comment_num``), and they come
    ``REPLIES_A_PAGE`` a page from ``/tieba/p/comment?tid=&pid=&pn=`` — the addresses every
    side of the bench asks for, its query in this order."""
    pages = []
    for field in _FIELD.findall(text):
        content = json.loads(unescape(field)).get("content") or {}
        count = int(content.get("comment_num") or 0)
        for number in range(1, -(-count // REPLIES_A_PAGE) + 1):
            query = f"tid={content['thread_id']}&pid={content['post_id']}&pn={number}"
            pages.append(f"/tieba/p/comment?{query}")
    return pages


class _Renderer:
    """Fetch a demo site's pages from the reachable ones on, re-encoded, into a folder; note
    every link as written (nginx is told each one: it cannot compute :func:`page_key`)."""

    def __init__(self, spec: SiteSpec, base: str, folder: Path) -> None:
        self.spec, self.base, self.folder = spec, base, folder
        self.seen: set[str] = set()
        self.links: set[str] = set()
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, path: str, query: str, text: str) -> None:
        text = _CHARSET.sub(lambda m: m.group(1) + self.spec.charset, text, count=2)
        body = text.encode(self.spec.charset, errors="xmlcharrefreplace")
        (self.folder / page_key(path, query)).write_bytes(body)
        self.seen.add(page_key(path, query))
        self.links.add(f"{path}?{query}")

    def walk(self, starts: list[str]) -> None:
        todo = [f"{self.base}{s}" for s in starts]
        while todo:
            url = todo.pop()
            parts = urlsplit(url)
            if page_key(parts.path, parts.query) in self.seen and parts.path != "/tieba/f":
                self.links.add(f"{parts.path}?{parts.query}")
                continue
            if parts.path == "/tieba/f":  # a bar screen the bench wrote itself
                text = (
                    (self.folder / page_key(parts.path, parts.query))
                    .read_bytes()
                    .decode(self.spec.charset)
                )
            else:
                with urlopen(url, timeout=30) as response:
                    charset = response.headers.get_content_charset() or "utf-8"
                    text = response.read().decode("gb18030" if charset == "gbk" else charset)
                self.write(parts.path, parts.query, text)
            for href in _HREF.findall(text):
                link = urljoin(url, href.replace("&amp;", "&")).split("#", 1)[0]
                if self.follows(link):
                    todo.append(link)
            todo += [f"{self.base}{path}" for path in floor_replies(text)]

    def follows(self, link: str) -> bool:
        if not link.startswith(self.base):
            return False
        path = urlsplit(link).path
        if self.spec.kind == "forum":
            return link.startswith(f"{self.base}/forum/forum.php?mod=") and (
                "mod=forumdisplay" in link or "mod=viewthread" in link
            )
        if self.spec.kind == "portal":
            return bool(re.fullmatch(r"/portal/(list_\d+|article/\d+)\.html", path))
        return bool(re.fullmatch(r"/tieba/p/\d+", path))

    def bar_screens(self, kw: str) -> list[str]:
        """The bar's mobile list, ``BAR_SCREEN`` threads a screen, from the demo's JSON."""
        rows: list[dict[str, Any]] = []
        pn: int | None = 0
        while pn is not None:
            with urlopen(f"{self.base}/tieba/api/threads?kw={quote(kw)}&pn={pn}") as response:
                data = json.loads(response.read())
            rows += data["threads"]
            pn = data["next_pn"]
        starts = []
        for at in range(0, len(rows), BAR_SCREEN):
            query = f"kw={quote(kw)}&mo_device=1&pn={at}"
            self.write("/tieba/f", query, mobile_screen(kw, rows[at : at + BAR_SCREEN]))
            starts.append(f"/tieba/f?{query}")
        return starts

    def save(self) -> None:
        (self.folder.parent / f"{self.spec.name}.links").write_text("\n".join(sorted(self.links)))


def mobile_screen(kw: str, rows: list[dict[str, Any]]) -> str:
    """One screen of Tieba's m-site bar list (after the saved 2018 page the adapter's test
    reads): pinned threads in ``li.tl_top``, the others in ``li.tl_shadow``, one ad item."""
    items = []
    for n, row in enumerate(rows):
        tid, title = row["id"], escape(row["title"])
        link = f'<a href="/tieba/p/{tid}" class="j_common ti_item" tid="{tid}">'
        if row["is_top"]:
            items.append(f'<li class="tl_top scale-1px-bottom">{link}<div class="ti_title">'
                         f'<span class="ti_title_icon ti_icon_zhiding">置顶</span>'
                         f"<span>{title}</span></div></a></li>")  # fmt: skip
            continue
        items.append(
            '<li class="tl_shadow tl_shadow_new"><div class="ti_infos clearfix">'
            f'<div class="ti_author_time"><div class="ti_author_icons clearfix"><span class="ti_author">'
            f'{escape(row["author_name"])}</span></div><span class="ti_time">{escape(row["create_time"])}'
            f'</span></div></div>{link}<div class="ti_title"><span>{title}</span></div>'
            '<div class="ti_zan_reply clearfix"><div class="ti_func_btn btn_reply j_ti_reply">'
            f'<span class="btn_icon">{row["reply_num"]}</span></div></div></a></li>'
        )  # fmt: skip
        if n == 2:
            items.append('<li class="tl_shadow"><div class="ti_infos clearfix"><span '
                         'class="label_text_tag">广告</span></div><a class="j_common ti_item" '
                         'href="https://ad.example.com/">本地生活服务，一键预约上门</a></li>')  # fmt: skip
    return f"""<!DOCTYPE HTML><html><head><meta charset="utf-8">
<meta content="width=device-width,initial-scale=1,user-scalable=no" name="viewport">
<title>{escape(kw)}吧_百度贴吧</title></head>
<body><div id="tlist" class="post_list"><ul class="threads_list" id="frslistcontent">{"".join(items)}</ul></div>
</body></html>
"""


# -- serving ----------------------------------------------------------------------------------
ROBOTS = b"User-agent: *\nAllow: /\n"


class _StaticHandler(BaseHTTPRequestHandler):
    folder: Path
    charset: str

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            body, kind = ROBOTS, "text/plain"
        else:
            file = self.folder / page_key(parts.path, parts.query)
            if not file.is_file():
                self.send_error(404)
                return
            body, kind = file.read_bytes(), f"text/html; charset={self.charset}"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def serve(folder: Path) -> None:
    """Serve every generated site on its host, one port for all (printed on stdout)."""
    port = 0
    servers = []
    for spec in Generated.load(folder).specs:
        attrs = {"folder": folder / spec.name, "charset": spec.charset}
        handler = type("Handler", (_StaticHandler,), attrs)
        server = ThreadingHTTPServer((spec.host, port), handler)
        server.daemon_threads = True
        port = server.server_address[1]
        servers.append(server)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(port, flush=True)
    servers[0].serve_forever()


@contextlib.contextmanager
def served(folder: Path) -> Iterator[int]:
    """The generated sites served by :func:`serve` in a process of their own; the port."""
    command = [sys.executable, "-m", "bench.site", "--serve", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline().strip())
    finally:
        server.terminate()
        server.wait()


def base_url(spec: SiteSpec, port: int) -> str:
    return f"http://{spec.host}:{port}"


def sites_toml(generated: Generated, port: int) -> str:
    """The ``[sites.NAME]`` tables ``opinion crawl`` reads the generated sites from."""
    out = []
    for spec in generated.specs:
        base = base_url(spec, port)
        starts = ", ".join(json.dumps(f"{base}{s}") for s in generated.starts[spec.name])
        out.append(
            f'[sites.{spec.name}]\nkind = "{spec.kind}"\nengine = "{ENGINES[spec.kind]}"\n'
            f"start_urls = [{starts}]\nmax_listing_pages = 100000\nrender_js = false\n"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.site", description=__doc__)
    parser.add_argument("--serve", type=Path, required=True, help="a folder generate() wrote")
    args = parser.parse_args(argv)
    serve(args.serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
