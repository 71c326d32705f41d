"""URL map of the demo sites: path and query -> (status, body, content type)."""

# ruff: noqa: E501 - HTML templates keep the real engines' markup one element per line

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from opinion_spiders.demo import _forum, _forum_thread, _portal, _tieba
from opinion_spiders.demo._model import DemoStore

if TYPE_CHECKING:
    from opinion_spiders.demo.server import DemoServer

Response = tuple[int, bytes, str]
HTML = "text/html; charset=utf-8"
GBK_HTML = "text/html; charset=gbk"
ROBOTS = b"User-agent: *\nAllow: /\n"
HOME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>opinion-spiders demo sites</title></head>
<body><h1>Demo sites</h1><ul>
<li><a href="/forum/forum.php">临江论坛 (Discuz! X3, GBK)</a></li>
<li><a href="/portal/index.html">临江市人民政府门户网站 (portal, RSS: /portal/rss.xml)</a></li>
<li><a href="/tieba/f?kw=%E4%B8%B4%E6%B1%9F">临江吧 (Tieba-style, list built by JavaScript)</a></li>
</ul></body></html>"""


def not_found(what: str = "not found") -> Response:
    return 404, f"<!DOCTYPE html><html><body><p>404 {what}</p></body></html>".encode(), HTML


def html(text: str | None) -> Response:
    return (200, text.encode("utf-8"), HTML) if text is not None else not_found()


def gbk(text: str | None) -> Response:
    """Forum pages really are GBK bytes, as on the Discuz! sites they imitate."""
    if text is None:
        return 404, _forum_thread.notice_page("抱歉，您访问的页面不存在").encode("gbk"), GBK_HTML
    return 200, text.encode("gbk", errors="xmlcharrefreplace"), GBK_HTML


def json_response(status: int, data: Any) -> Response:
    return (
        status,
        json.dumps(data, ensure_ascii=False).encode("utf-8"),
        "application/json; charset=utf-8",
    )


def _int(query: dict[str, list[str]], name: str, default: int) -> int | None:
    value = query.get(name, [str(default)])[0]
    return int(value) if re.fullmatch(r"-?\d{1,12}", value) else None


def route_get(demo: DemoServer, path: str, query_string: str) -> Response:
    """Dispatch a GET; ``demo`` is the :class:`DemoServer` (store, clock, base URL)."""
    query = parse_qs(query_string)
    store: DemoStore = demo.store
    with store.lock:
        if path == "/":
            return html(HOME)
        if path == "/robots.txt":
            return 200, ROBOTS, "text/plain; charset=utf-8"
        if path in ("/forum", "/forum/", "/forum/forum.php", "/forum/index.php"):
            return forum(demo, query)
        if path.startswith("/portal/") or path == "/portal":
            return portal(demo, path.removeprefix("/portal").lstrip("/"))
        if path.startswith("/tieba/"):
            return tieba(demo, path.removeprefix("/tieba/"), query)
    return not_found()


def forum(demo: DemoServer, query: dict[str, list[str]]) -> Response:
    mod = query.get("mod", ["index"])[0]
    number = _int(query, "page", 1)
    if mod == "index":
        return gbk(_forum.index_page(demo.store))
    if mod == "forumdisplay" and number is not None:
        fid = query.get("fid", [""])[0]
        return gbk(_forum.listing_page(demo.store, fid, number, demo.now()))
    tid = _int(query, "tid", 0)
    if mod == "viewthread" and tid is not None and number is not None:
        return gbk(_forum_thread.thread_page(demo.store, tid, number, demo.now()))
    return gbk(_forum_thread.notice_page("抱歉，您访问的页面不存在"))


def portal(demo: DemoServer, rest: str) -> Response:
    if rest in ("", "index.html"):
        return html(_portal.index_page(demo.store))
    if rest == "rss.xml":
        return (
            200,
            _portal.rss(demo.store, demo.base_url).encode("utf-8"),
            "application/rss+xml; charset=utf-8",
        )
    if m := re.fullmatch(r"list_(\d{1,4})\.html", rest):
        return html(_portal.list_page(demo.store, int(m.group(1))))
    if m := re.fullmatch(r"article/(\d{1,9})\.html", rest):
        return html(_portal.article_page(demo.store, int(m.group(1))))
    return not_found()


def tieba(demo: DemoServer, rest: str, query: dict[str, list[str]]) -> Response:
    kw = query.get("kw", [""])[0]
    pn = _int(query, "pn", 0)
    if rest == "f" and pn is not None:
        return html(_tieba.bar_page(demo.store, kw, pn))
    if rest == "api/threads" and pn is not None:
        data = _tieba.api_threads(demo.store, kw, pn, demo.now())
        return json_response(200, data) if data else json_response(404, {"error": f"no bar {kw!r}"})
    if rest == "p/comment" and pn is not None:  # a floor's replies (楼中楼), ten a page
        tid, pid = _int(query, "tid", 0), _int(query, "pid", 0)
        if tid is None or pid is None:
            return not_found()
        with demo.store.lock:
            return html(_tieba.comment_page(demo.store, tid, pid, pn or 1))
    if (m := re.fullmatch(r"p/(\d{1,12})", rest)) and pn is not None:
        return html(_tieba.thread_page(demo.store, int(m.group(1)), pn or 1, demo.now()))
    if rest == "static/tieba_frs.js":
        script = files("opinion_spiders.demo").joinpath("tieba_frs.js").read_bytes()
        return 200, script, "application/javascript; charset=utf-8"
    return not_found()
