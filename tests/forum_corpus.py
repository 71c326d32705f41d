"""A generated Discuz! X3-style forum on loopback for the fault suite: hundreds of thread pages
whose posts the test knows, and (``hostile=True``) pages a real forum serves on a bad day —
wrong or absent charsets, cut-off markup, a 20 MB page, 10,000-deep nesting, binary bytes as
``text/html``, images/PDF/JSON, redirect loops, 403/429/503, a captcha wall, an empty body.

Everything is generated from the thread number (no random state shared between calls), so two
servers of one corpus serve the same bytes, and a clean run and a killed-and-rerun crawl see the
same site.
"""

# ruff: noqa: E501 - HTML templates keep the engine's markup one element per line

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.receivers import serve

SITE = "corpus-forum"
THREADS_PER_PAGE = 10
#: A post of a good thread mentions one of these now and then, so rules match and alerts rise.
ALERT_TERMS = ("强拆", "上访", "贪污")
_PHRASES = (
    "小区门口的道路已经挖开三个月了",
    "物业说这事归街道管",
    "街道办的电话一直没人接",
    "早上送孩子上学要绕一大圈",
    "下雨天积水能没过脚踝",
    "公交站台搬走以后老人出行很不方便",
    "菜市场的摊位费又涨了",
    "夜里施工的噪音吵得人睡不着",
    "楼下的路灯坏了半年没人修",
    "垃圾分类的桶总是满的",
    "学校附近的停车位太少",
    "新开的地铁站出口离小区很远",
    "社区医院的挂号要排很久",
    "有人说下个月会有整改",
    "希望有关部门能尽快回复",
    "我们已经在市民热线留言了",
    "隔壁小区的情况也差不多",
    "今年的供暖比去年好一些",
    "河边的步道修得不错",
    "周末的集市人特别多",
    "图书馆延长了开放时间",
    "老旧小区加装电梯的事还没定",
)
#: Text in traditional characters, for the Big5 page (Big5 has no simplified forms).
_TRADITIONAL = (
    "社區門口的道路已經挖開三個月了",
    "物業說這件事歸街道管",
    "街道辦的電話一直沒有人接",
    "早上送孩子上學要繞一大圈",
    "下雨天積水能沒過腳踝",
    "希望有關部門能盡快回覆",
)
#: Common characters: each post gets a run of them, so posts are not near-duplicates by chance.
_HANS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
_HANT = "社區門口道路已經挖開三個月物業說這件事歸街辦電話一直沒有人接早上送孩子學要繞大圈下雨天積水能過腳踝希望關部盡快回覆東車長書會時見來對們為國"
_LATIN = (
    "Le café du marché a fermé ses portes",
    "les habitants réclament une réponse écrite",
    "la mairie promet des travaux à l'été",
    "Müller und Jäger beschweren sich über den Lärm",
    "señor Núñez pide más información",
    "déjà vu pour les résidents du quartier",
)

#: Hostile kinds: what the page is, and whether its posts are readable (True) or it yields none.
HOSTILE_KINDS: dict[str, bool] = {
    "gbk_declared_utf8": True,  # GBK bytes, header and meta say utf-8
    "big5_declared_gbk": True,  # Big5 bytes, header and meta say gbk
    "latin1_declared_utf8": True,  # cp1252 bytes, header says utf-8
    "no_charset": True,  # GBK bytes, no charset anywhere
    "html_as_octet_stream": True,  # a page sent as application/octet-stream (misconfigured .shtml)
    "truncated_after_floor": True,  # cut inside the second floor: the first one is whole
    "truncated": False,  # cut inside the first floor, before its text
    "huge": False,  # ~20 MB
    "deep_nesting": False,  # 10,000 nested <div>s around the floors
    "binary": False,  # random bytes as text/html
    "image": False,
    "pdf": False,
    "json": False,
    "redirect_loop": False,
    "http_403": False,
    "http_429": False,
    "http_503": False,
    "captcha": False,
    "empty": False,
}
HUGE_BYTES = 20 * 1024 * 1024
NESTING = 10_000


@dataclass(frozen=True)
class CorpusPost:
    pid: int
    floor: int
    author: str
    text: str
    posted: str

    @property
    def id(self) -> str:
        return f"{SITE}:{self.pid // 100}:{self.pid}"


@dataclass(frozen=True)
class Thread:
    tid: int
    board: int
    kind: str  # "good" or a HOSTILE_KINDS key
    title: str
    posts: tuple[CorpusPost, ...]


@dataclass
class Corpus:
    """Boards of thread lists; ``hostile`` mixes one thread of each hostile kind into them;
    ``reposts`` copies earlier posts (lightly edited) into later threads, for clusters."""

    boards: int = 5
    threads_per_board: int = 95
    hostile: bool = True
    reposts: int = 0
    threads: dict[int, Thread] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = list(HOSTILE_KINDS) if self.hostile else []
        tid = 1000
        for board in range(1, self.boards + 1):
            for n in range(self.threads_per_board):
                tid += 1
                # hostile threads spread over the boards, a few good threads apart
                slot = (board - 1) + self.boards * (n // 5) if n % 5 == 2 else None
                kind = kinds[slot] if slot is not None and slot < len(kinds) else "good"
                self.threads[tid] = _thread(tid, board, kind)
        self._add_reposts()

    def _add_reposts(self) -> None:
        goods = [t for t in self.threads.values() if t.kind == "good"]
        rng = random.Random(7)
        for i in range(self.reposts):
            source = goods[i * 2].posts[0]
            into = self.threads[goods[-1 - i * 2].tid]
            pid = into.tid * 100 + len(into.posts) + 1
            text = (
                source.text.replace("。", "！", 1) + f"（转自{rng.choice(('微信群', '朋友圈'))}）"
            )
            day, clock = source.posted.split(" ")
            posted = f"{day[:-2]}{int(day[-2:]) + 1:02d} {clock}"  # a day after the original
            copy = CorpusPost(pid, len(into.posts) + 1, f"转帖{i}", text, posted)
            self.threads[into.tid] = Thread(
                into.tid, into.board, into.kind, into.title, (*into.posts, copy)
            )

    def listing(self, board: int) -> list[Thread]:
        return [t for t in self.threads.values() if t.board == board]

    def readable_posts(self) -> dict[str, CorpusPost]:
        """Every post a crawl should store: those of good threads and of hostile pages whose
        posts are readable (the truncated page's whole first floor only)."""
        found = {}
        for thread in self.threads.values():
            if thread.kind == "good" or HOSTILE_KINDS[thread.kind]:
                posts = thread.posts[:1] if thread.kind == "truncated_after_floor" else thread.posts
                found.update((p.id, p) for p in posts)
        return found

    def pages(self) -> int:
        """Pages of the site: the index, the listing pages and a page per thread."""
        listings = sum(
            -(-len(self.listing(b)) // THREADS_PER_PAGE) for b in range(1, self.boards + 1)
        )
        return 1 + listings + len(self.threads)


def _thread(tid: int, board: int, kind: str) -> Thread:
    rng = random.Random(tid)
    traditional = kind == "big5_declared_gbk"
    latin = kind == "latin1_declared_utf8"
    posts = []
    for floor in range(1, 2 + rng.randint(1, 2) + 1):
        pid = tid * 100 + floor
        if latin:
            text = ", ".join(rng.sample(_LATIN, 3)) + f" (n° {pid})."
        else:
            pool, chars = (_TRADITIONAL, _HANT) if traditional else (_PHRASES, _HANS)
            words = [*rng.sample(pool, 2), "".join(rng.choices(chars, k=24))]
            if not traditional and rng.random() < 0.1:
                words.insert(1, f"听说有人要{rng.choice(ALERT_TERMS)}了")
            text = "，".join(words) + f"。{'編號' if traditional else '编号'}{pid}。"
        posted = f"2026-11-{1 + tid % 28:02d} {8 + floor}:{tid % 60:02d}"
        who = "user" if latin else "網友" if traditional else "网友"
        posts.append(CorpusPost(pid, floor, f"{who}{rng.randint(100, 999)}", text, posted))
    title = (
        f"Discussion n° {tid}" if latin else f"關於第{tid}號帖子的討論" if traditional
        else f"关于第{tid}号帖子的讨论"
    )  # fmt: skip
    return Thread(tid, board, kind, title, tuple(posts))


# -- pages ---------------------------------------------------------------------------------


def _frame(title: str, body: str, charset: str | None) -> str:
    meta = (
        f'<meta charset="{charset}" />\n<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
        if charset
        else ""
    )
    return f"""<!DOCTYPE html>
<html>
<head>
{meta}<title>{escape(title)} - 语料论坛 - Powered by Discuz!</title>
<meta name="generator" content="Discuz! X3.4" />
</head>
<body id="nv_forum" class="pg_viewthread">
<div id="wp" class="wp">
{body}
</div>
<div id="ft" class="wp cl"><p>Powered by <strong>Discuz!</strong> <em>X3.4</em></p></div>
</body>
</html>
"""


def _floor(tid: int, post: CorpusPost) -> str:
    pid = post.pid
    return f"""<div id="post_{pid}"><table id="pid{pid}" class="plhin"><tr>
<td class="pls"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={pid % 997}" class="xw1">{escape(post.author)}</a></div></div></td>
<td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid={tid}&amp;pid={pid}" id="postnum{pid}"><em>{post.floor}</em><sup>#</sup></a></strong>
<div class="pti"><div class="authi"><em id="authorposton{pid}">发表于 {post.posted}</em></div></div></div>
<div class="pct"><div class="pcb"><div class="t_fsz"><table><tr><td class="t_f" id="postmessage_{pid}">
{escape(post.text)}</td></tr></table></div></div></div>
</td></tr></table></div>"""


#: The frame's words in the scripts of the Big5 and the cp1252 pages.
_SCRIPTS = {
    "big5": {"语料论坛": "語料論壇", "发表于": "發表於", "论坛": "論壇"},
    "cp1252": {"语料论坛": "Forum", "发表于": "Posté le", "论坛": "Forum"},
}


def thread_html(
    thread: Thread, charset: str | None = "utf-8", nesting: int = 0, script: str = ""
) -> str:
    floors = "\n".join(_floor(thread.tid, p) for p in thread.posts)
    floors = "<div>" * nesting + floors + "</div>" * nesting
    page = _thread_page(thread, floors, charset)
    for simplified, own in _SCRIPTS.get(script, {}).items():
        page = page.replace(simplified, own)
    return page


def _thread_page(thread: Thread, floors: str, charset: str | None) -> str:
    body = f"""<div id="ct" class="wp cl"><div id="postlist" class="pl bm">
<table><tr><td class="plc ptm pbn vwthd"><h1 class="ts"><span id="thread_subject">{escape(thread.title)}</span></h1></td></tr></table>
{floors}
</div></div>"""
    return _frame(thread.title, body, charset)


def listing_html(corpus: Corpus, board: int, number: int) -> str | None:
    threads = corpus.listing(board)
    pages = -(-len(threads) // THREADS_PER_PAGE)
    if not 1 <= number <= pages:
        return None
    rows = []
    for t in threads[(number - 1) * THREADS_PER_PAGE : number * THREADS_PER_PAGE]:
        url = f"forum.php?mod=viewthread&amp;tid={t.tid}"
        rows.append(
            f"""<tbody id="normalthread_{t.tid}"><tr>
<th class="common"><a href="{url}" class="s xst">{escape(t.title)}</a></th>
<td class="by"><cite><a href="home.php?mod=space&amp;uid=1">{escape(t.posts[0].author)}</a></cite><em><span>{t.posts[0].posted[:10]}</span></em></td>
<td class="num"><a href="{url}" class="xi2">{len(t.posts) - 1}</a><em>{10 * len(t.posts)}</em></td>
</tr></tbody>"""
        )
    nxt = (
        f'<div class="pg"><a href="forum.php?mod=forumdisplay&amp;fid={board}&amp;page={number + 1}" class="nxt">下一页</a></div>'
        if number < pages
        else ""
    )
    body = f"""<div id="ct" class="wp cl"><div class="mn">
<div class="bm bml pbn"><div class="bm_h cl"><h1 class="xs2"><a href="forum.php?mod=forumdisplay&amp;fid={board}">版块{board}</a></h1></div></div>
<div id="threadlist" class="tl bm bmw"><table id="threadlisttableid">
{chr(10).join(rows)}
</table></div>{nxt}
</div></div>"""
    return _frame(f"版块{board}", body, "utf-8")


def index_html(corpus: Corpus) -> str:
    rows = "\n".join(
        f'<tr><td><h2><a href="forum.php?mod=forumdisplay&amp;fid={b}">版块{b}</a></h2></td></tr>'
        for b in range(1, corpus.boards + 1)
    )
    return _frame(
        "论坛", f'<div id="ct" class="wp cl"><table class="fl_tb">\n{rows}\n</table></div>', "utf-8"
    )


CAPTCHA_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head>
<body><div class="verify"><p>请完成下方验证后继续访问</p><div id="nc_1_n1z" class="nc_iconfont">拖动滑块</div>
<script src="/captcha/slider.js"></script></div></body></html>"""

Answer = tuple[int, dict[str, str], bytes]


def hostile_answer(thread: Thread) -> Answer:
    """What the server answers for a hostile thread's page."""
    kind, html = thread.kind, "text/html"
    if kind == "gbk_declared_utf8":
        return (
            200,
            {"Content-Type": f"{html}; charset=utf-8"},
            thread_html(thread, "utf-8").encode("gbk"),
        )
    if kind == "big5_declared_gbk":
        return (
            200,
            {"Content-Type": f"{html}; charset=gbk"},
            thread_html(thread, "gbk", script="big5").encode("big5"),
        )
    if kind == "latin1_declared_utf8":
        return (
            200,
            {"Content-Type": f"{html}; charset=utf-8"},
            thread_html(thread, None, script="cp1252").encode("cp1252"),
        )
    if kind == "no_charset":
        return 200, {"Content-Type": html}, thread_html(thread, None).encode("gbk")
    if kind == "html_as_octet_stream":
        return (
            200,
            {"Content-Type": "application/octet-stream"},
            thread_html(thread, "gbk").encode("gbk"),
        )
    if kind == "truncated_after_floor":
        page = thread_html(thread).encode("utf-8")
        return (
            200,
            {"Content-Type": f"{html}; charset=utf-8"},
            page[: page.index(f'id="post_{thread.posts[1].pid}"'.encode()) + 20],
        )
    if kind == "truncated":
        page = thread_html(thread).encode("utf-8")
        return 200, {"Content-Type": f"{html}; charset=utf-8"}, page[: page.index(b'class="t_f"')]
    if kind == "huge":
        return 200, {"Content-Type": f"{html}; charset=utf-8"}, huge_page(thread)
    if kind == "deep_nesting":
        return (
            200,
            {"Content-Type": f"{html}; charset=utf-8"},
            thread_html(thread, nesting=NESTING).encode(),
        )
    if kind == "binary":
        return 200, {"Content-Type": html}, random.Random(thread.tid).randbytes(50_000)
    if kind == "image":
        return 200, {"Content-Type": "image/png"}, _png()
    if kind == "pdf":
        return 200, {"Content-Type": "application/pdf"}, _PDF
    if kind == "json":
        body = '{"code": 0, "data": {"posts": ["接口数据不是网页"]}}'.encode()
        return 200, {"Content-Type": "application/json"}, body
    if kind == "redirect_loop":
        return 302, {"Location": f"/forum.php?mod=viewthread&tid={thread.tid}&loop=1"}, b""
    if kind.startswith("http_"):
        return (
            int(kind[5:]),
            {"Content-Type": html, "Retry-After": "0"},
            b"<html><body>busy</body></html>",
        )
    if kind == "captcha":
        return 200, {"Content-Type": f"{html}; charset=utf-8"}, CAPTCHA_HTML.encode()
    if kind == "empty":
        return 200, {"Content-Type": f"{html}; charset=utf-8"}, b""
    raise ValueError(kind)


def huge_page(thread: Thread) -> bytes:
    """A real thread page padded to ~20 MB with a forum's worst habit: inline data."""
    page = thread_html(thread)
    head, tail = page.split("</body>")
    filler = "<!-- " + "x" * (HUGE_BYTES - len(page.encode()) - 20) + " -->"
    return (head + filler + "</body>" + tail).encode()


def _png() -> bytes:
    raw = b"\x00\xff\x00\x00" * 64
    chunk = zlib.compress(raw)

    def part(tag: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + tag + data + zlib.crc32(tag + data).to_bytes(4, "big")

    header = (16).to_bytes(4, "big") + (4).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + part(b"IHDR", header) + part(b"IDAT", chunk) + part(b"IEND", b"")


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(128, 256)) * 20
)


class CorpusServer:
    """Serve a corpus on a free loopback port; ``hits`` counts requests per path."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.hits: dict[str, int] = {}
        self._huge: bytes | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                status, headers, body = server.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the crawler gave up on a big page

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd: ThreadingHTTPServer
        self.httpd, self.url = serve(Handler)

    def answer(self, path: str) -> Answer:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        html = {"Content-Type": "text/html; charset=utf-8"}
        if url.path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /admin\n"
        if url.path != "/forum.php":
            return 404, html, b"<html><body>404</body></html>"
        mod = query.get("mod")
        if mod is None:
            return 200, html, index_html(self.corpus).encode()
        if mod == "forumdisplay":
            page = listing_html(self.corpus, int(query.get("fid", 0)), int(query.get("page", 1)))
            return (200, html, page.encode()) if page else (404, html, b"")
        thread = self.corpus.threads.get(int(query.get("tid", 0)))
        if mod != "viewthread" or thread is None:
            return 404, html, b""
        if thread.kind == "redirect_loop" and "loop" in query:
            return 302, {"Location": f"/forum.php?mod=viewthread&tid={thread.tid}"}, b""
        if thread.kind == "huge":
            self._huge = self._huge or huge_page(thread)
            return 200, html, self._huge
        if thread.kind != "good":
            return hostile_answer(thread)
        return 200, html, thread_html(thread).encode()

    def sites_file(self, folder: Path, name: str = SITE) -> Path:
        path = folder / "sites.toml"
        path.write_text(
            f'[sites.{name}]\nkind = "forum"\nengine = "discuz"\n'
            f'start_urls = ["{self.url}/forum.php"]\n',
            encoding="utf-8",
        )
        return path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def corpus_server(corpus: Corpus) -> Iterator[CorpusServer]:
    """For fixtures: a server of ``corpus`` for the test's duration."""
    server = CorpusServer(corpus)
    try:
        yield server
    finally:
        server.close()
