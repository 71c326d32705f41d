"""The demo-site server: forum, portal and post bar on loopback, in a daemon thread.

Start it from tests (``with DemoServer() as demo: ...``) or from a shell with
``python -m opinion_spiders.demo --port 8800``. ``POST /admin/posts`` (or :meth:`add_post`)
adds threads and replies while it runs, so incremental crawls have something new to find.
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from opinion_spiders.demo import _routes
from opinion_spiders.demo._model import ZONE as ZONE  # the demo city's clock, for tests
from opinion_spiders.demo._model import DemoStore
from opinion_spiders.demo._seed import seed_store

_FIELDS = {"target", "thread", "title", "content", "author"}
_MAX_BODY = 1 << 20


class DemoServer:
    """Serve the demo sites; ``seed_time`` freezes the clock (relative times become stable)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        broken_pages: bool = False,
        seed_time: datetime | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.broken_pages = broken_pages
        if seed_time is not None and seed_time.tzinfo is None:
            seed_time = seed_time.replace(tzinfo=ZONE)
        self.seed_time = seed_time
        self.store = DemoStore(self.now)
        seed_store(self.store, self.now(), broken_pages=broken_pages)
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def now(self) -> datetime:
        """The server's clock: ``seed_time`` when given, else the wall clock (Asia/Shanghai)."""
        return self.seed_time or datetime.now(ZONE)

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not started; call start() first")
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Bind, serve in a daemon thread and return the base URL (``http://HOST:PORT``)."""
        if self._httpd is None:
            httpd = _DemoHTTPServer((self.host, self.port), _Handler)
            httpd.demo = self
            self.port = int(httpd.server_address[1])
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"demo-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add_post(
        self,
        target: str,
        *,
        thread: str | None = None,
        title: str = "",
        content: str,
        author: str = "新用户",
    ) -> dict[str, Any]:
        """Add a thread/article (``thread=None``) or a reply that bumps its thread to the top.

        Raises ``ValueError`` for bad input and ``KeyError`` for an unknown thread.
        """
        found, post = self.store.add_post(target, thread, title, content, author)
        return {
            "url": self.thread_url(target, found.tid),
            "thread": str(found.tid),
            "post": str(post.pid),
        }

    def thread_url(self, target: str, tid: int) -> str:
        """The first page of a thread or an article, as the listings link to it."""
        paths = {
            "forum": f"/forum/forum.php?mod=viewthread&tid={tid}",
            "portal": f"/portal/article/{tid}.html",
            "postbar": f"/tieba/p/{tid}",
        }
        return self.base_url + paths[target]


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    demo: DemoServer


class _Handler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "Apache"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        parts = urlsplit(self.path)
        self._send(*_routes.route_get(self.server.demo, parts.path, parts.query))

    def do_POST(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != "/admin/posts":
            self._send(*_routes.json_response(404, {"error": "POST only to /admin/posts"}))
            return
        try:
            fields = _read_fields(self)
            result = self.server.demo.add_post(**fields)
        except (ValueError, KeyError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            self._send(*_routes.json_response(400, {"error": str(message)}))
            return
        self._send(*_routes.json_response(201, result))

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        return


def _read_fields(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    """The JSON body of ``POST /admin/posts``, checked field by field."""
    length = int(handler.headers.get("Content-Length") or 0)
    if not 0 < length <= _MAX_BODY:
        raise ValueError("send a JSON object body (Content-Length 1 byte to 1 MiB)")
    try:
        data = json.loads(handler.rfile.read(length).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"body is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; known: {sorted(_FIELDS)}")
    for name in ("target", "content"):
        if not isinstance(data.get(name), str):
            raise ValueError(f"field {name!r} is required and must be a string")
    for name in ("title", "author"):
        if name in data and not isinstance(data[name], str):
            raise ValueError(f"field {name!r} must be a string")
    thread = data.get("thread")
    if thread is not None and not isinstance(thread, str | int):
        raise ValueError("field 'thread' must be a thread id (string or integer) or null")
    data["thread"] = None if thread is None else str(thread)
    return data


def main(argv: list[str] | None = None) -> int:
    """Serve the demo sites until interrupted; print the base URL first."""
    parser = argparse.ArgumentParser(prog="python -m opinion_spiders.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument(
        "--broken-pages", action="store_true", help="add pages that cannot be parsed"
    )
    args = parser.parse_args(argv)
    server = DemoServer(args.host, args.port, broken_pages=args.broken_pages)
    print(server.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
