"""Real receivers on loopback for the alert channels: a plain webhook, the DingTalk, WeCom and
Feishu group robots — each checking the message format and, where the platform signs, the
signature exactly as its documentation describes (written here independently of the
channels' code) — and an SMTP server (aiosmtpd).

For crawl tests, :class:`PageSite` serves saved pages on loopback by address.

The robots answer like the real ones: HTTP 200 with ``errcode``/``code`` 0 on success and a
non-zero code when they refuse. ``fail_next = n`` makes a receiver refuse the next n posts.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

Answer = tuple[int, dict[str, Any] | None]


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``handler`` on a free loopback port from a daemon thread: (server, base URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class PageSite:
    """A site of saved pages on loopback: ``routes`` maps an address pattern (matched against
    the path and query) to the file answered for it (None: a 404), the first that matches
    winning (404 where none does); every request's path is kept in ``hits``, its ``Cookie`` header in ``cookies``.
    ``content_type`` is sent as given — without a charset, the page's own bytes tell its
    encoding."""

    def __init__(
        self, routes: list[tuple[re.Pattern[str], Path | None]], content_type: str = "text/html"
    ) -> None:
        self.hits: list[str] = []
        self.cookies: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.hits.append(self.path)
                site.cookies.append(self.headers.get("Cookie", ""))
                for pattern, path in routes:
                    if pattern.search(self.path):
                        if path is None:  # a page gone
                            self.send_error(404)
                        else:
                            respond(self, 200, path.read_bytes(), content_type)
                        return
                self.send_error(404)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.url = serve(Handler)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> PageSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def respond(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    """Answer a request with ``body``, its type and length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class HttpReceiver:
    """A threaded HTTP server that hands each POST to ``answer`` and records accepted ones."""

    def __init__(self, path: str = "/hook") -> None:
        self.requests: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = receiver.handle(self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode() if answer is not None else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server, base = serve(Handler)
        self.url = base + path

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        request = {
            "path": url.path,
            "query": {k: v[0] for k, v in parse_qs(url.query).items()},
            "content_type": headers.get("Content-Type", ""),
            "json": json.loads(body.decode("utf-8")),
        }
        if self.fail_next > 0:
            self.fail_next -= 1
            self.refused.append(request)
            return self.busy()
        problem = self.check(request)
        if problem is not None:
            self.refused.append({**request, "problem": problem})
            return problem
        self.requests.append(request)
        return self.ok()

    def check(self, request: dict[str, Any]) -> Answer | None:
        return None

    def busy(self) -> Answer:
        return 503, None

    def ok(self) -> Answer:
        return 200, None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebhookReceiver(HttpReceiver):
    """Any JSON body is accepted; ``fail_next`` answers HTTP 503."""


class DingTalkReceiver(HttpReceiver):
    """DingTalk custom robot: ``timestamp`` (ms, within an hour) and ``sign`` in the query;
    sign = urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\\n" + secret)))."""

    def __init__(self, secret: str) -> None:
        super().__init__("/robot/send")
        self.secret = secret

    def check(self, request: dict[str, Any]) -> Answer | None:
        query, body = request["query"], request["json"]
        ts = query.get("timestamp", "")
        if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3_600_000:
            return 200, {"errcode": 310000, "errmsg": "timestamp missing or not within 1 hour"}
        msg = f"{ts}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(self.secret.encode(), msg, hashlib.sha256).digest())
        if query.get("sign", "").encode() != expected:
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        kind = body.get("msgtype")
        fields = {"text": ("content",), "markdown": ("title", "text")}.get(kind)
        if not fields or not all(isinstance(body.get(kind, {}).get(f), str) for f in fields):
            return 200, {"errcode": 40035, "errmsg": f"bad msgtype {kind!r} or its fields"}
        return None

    def busy(self) -> Answer:
        return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}

    def ok(self) -> Answer:
        return 200, {"errcode": 0, "errmsg": "ok"}


class WeComReceiver(HttpReceiver):
    """WeCom group robot: the ``key`` query parameter; ``msgtype`` text (content ≤ 2048 bytes)
    or markdown (content ≤ 4096 bytes), UTF-8. No signature."""

    def __init__(self, key: str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa") -> None:
        super().__init__("/cgi-bin/webhook/send")
        self.key = key
        self.url += f"?key={key}"

    def check(self, request: dict[str, Any]) -> Answer | None:
        if request["query"].get("key") != self.key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        body = request["json"]
        kind = body.get("msgtype")
        limit = {"text": 2048, "markdown": 4096}.get(kind)
        content = body.get(kind, {}).get("content") if limit else None
        if not isinstance(content, str) or len(content.encode("utf-8")) > (limit or 0):
            return 200, {"errcode": 40008, "errmsg": f"invalid message type or content ({kind!r})"}
        return None

    def busy(self) -> Answer:
        return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}

    def ok(self) -> Answer:
        return 200, {"errcode": 0, "errmsg": "ok"}


class FeishuReceiver(HttpReceiver):
    """Feishu custom bot: ``timestamp`` (s, within an hour) and ``sign`` in the JSON body;
    sign = base64(HmacSHA256(key=timestamp + "\\n" + secret, msg=""))."""

    def __init__(self, secret: str) -> None:
        super().__init__("/open-apis/bot/v2/hook/0b1c")
        self.secret = secret

    def check(self, request: dict[str, Any]) -> Answer | None:
        body = request["json"]
        ts = str(body.get("timestamp", ""))
        key = f"{ts}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 3600
        if not fresh or body.get("sign") != expected:
            msg = "sign match fail or timestamp is not within one hour from current time"
            return 200, {"code": 19021, "msg": msg}
        if not _feishu_content_ok(body):
            return 200, {"code": 9499, "msg": "Bad Request: msg_type or content"}
        return None

    def busy(self) -> Answer:
        return 200, {"code": 9499, "msg": "too many request"}

    def ok(self) -> Answer:
        return 200, {"code": 0, "msg": "success", "data": {}}


def _feishu_content_ok(body: dict[str, Any]) -> bool:
    content = body.get("content") or {}
    if body.get("msg_type") == "text":
        return isinstance(content.get("text"), str)
    if body.get("msg_type") != "post":
        return False
    langs = (content.get("post") or {}).values()
    return bool(langs) and all(
        isinstance(lang.get("title"), str)
        and all(
            isinstance(elem, dict) and elem.get("tag") in {"text", "a", "at", "img"}
            for para in lang.get("content", [])
            for elem in para
        )
        for lang in langs
    )


class SmtpReceiver:
    """An aiosmtpd server on loopback keeping each message, parsed (headers decoded)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[dict[str, Any]] = []
        self.fail_next = 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        raw: bytes = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.envelopes.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                               "raw": raw})  # fmt: skip
        return "250 Message accepted for delivery"

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def dingtalk() -> Iterator[DingTalkReceiver]:
    receiver = DingTalkReceiver(
        "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
    )
    yield receiver
    receiver.close()


@pytest.fixture
def wecom() -> Iterator[WeComReceiver]:
    receiver = WeComReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def feishu() -> Iterator[FeishuReceiver]:
    receiver = FeishuReceiver("qU8ZQmQcWrDRkGe0ivRcHd")
    yield receiver
    receiver.close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()
