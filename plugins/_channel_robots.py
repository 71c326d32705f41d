"""Group-robot channels: DingTalk (钉钉), WeCom (企业微信) and Feishu (飞书) custom robots, each in
its own message format, DingTalk and Feishu signed when a secret is set. The bodies and
signatures are pure functions, so every format is table-tested without a network.

The robots answer HTTP 200 even when they refuse a message (bad signature, wrong format,
rate limit); the refusal is in the JSON answer's ``errcode`` / ``code``, so that is checked too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from opinion_spiders.alerting.messages import (
    SHANGHAI,
    alert_fields,
    alert_markdown,
    digest_items,
    digest_markdown,
    digest_title,
    headline,
)

#: WeCom's documented limits (bytes of UTF-8): markdown 4096, text 2048.
WECOM_MARKDOWN_MAX = 4096


def truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut to a byte budget without splitting a character (robots count bytes)."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


# -- robot bodies ----------------------------------------------------------------------------
def dingtalk_body(title: str, markdown: str) -> dict[str, Any]:
    """DingTalk custom robot, ``msgtype`` markdown: ``title`` shows in the chat list."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}


def wecom_body(markdown: str) -> dict[str, Any]:
    """WeCom group robot, ``msgtype`` markdown: ``content`` of at most 4096 UTF-8 bytes."""
    content = truncate_utf8(markdown, WECOM_MARKDOWN_MAX)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def feishu_body(
    title: str, lines: Sequence[str], url: str | None, signature: tuple[str, str] | None
) -> dict[str, Any]:
    """Feishu custom bot, ``msg_type`` post (rich text): one paragraph a line, a link last;
    ``timestamp`` and ``sign`` in the body when the bot has a secret."""
    paragraphs: list[list[dict[str, str]]] = [[{"tag": "text", "text": line}] for line in lines]
    if url:
        paragraphs.append([{"tag": "a", "text": "查看原文", "href": url}])
    body: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": title, "content": paragraphs}}},
    }
    if signature:
        body["timestamp"], body["sign"] = signature
    return body


# -- signing ---------------------------------------------------------------------------------
def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """HmacSHA256 of ``timestamp + "\\n" + secret`` keyed by the secret, base64 (not yet
    URL-encoded: :func:`dingtalk_signed_url` does that)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook URL with ``timestamp`` (ms) and the URL-encoded ``sign`` appended."""
    query = urllib.parse.urlencode(
        {"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)}
    )
    return f"{url}{'&' if '?' in url else '?'}{query}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's reverse use of HMAC: ``timestamp + "\\n" + secret`` is the KEY, the message
    is empty; base64 of the SHA-256 digest."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class RobotRefused(RuntimeError):
    """The robot answered, but did not post the message (its error code and message)."""


def post_json(url: str, body: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """POST a JSON body; return the JSON answer ({} if none). Non-2xx raises HTTPError."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    req = urllib.request.Request(url, data=data, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
    try:
        answer = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        raise RobotRefused(f"answer is not JSON: {raw[:200]!r}") from None
    return answer if isinstance(answer, dict) else {}


def _check(answer: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        if key in answer:
            if answer[key] not in (0, "0"):
                message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage")
                raise RobotRefused(f"{key} {answer[key]}: {message}")
            return


class _Robot:
    name = "robot"

    def __init__(
        self,
        url: str,
        secret: str = "",
        *,
        timeout: float = 10.0,
        tz: tzinfo = SHANGHAI,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url, self.secret, self.timeout, self.tz, self.clock = url, secret, timeout, tz, clock


class DingTalkChannel(_Robot):
    """DingTalk custom robot: ``msgtype`` markdown; signed with ``timestamp`` (ms) and ``sign``
    in the query string when ``OPINION_DINGTALK_SECRET`` is set."""

    name = "dingtalk"

    def send(self, alert: Mapping[str, Any]) -> None:
        self._post(dingtalk_body(headline(alert), alert_markdown(alert, self.tz)))

    def send_digest(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        self._post(dingtalk_body(digest_title(alerts), digest_markdown(alerts, self.tz)))

    def _post(self, body: Mapping[str, Any]) -> None:
        url = self.url
        if self.secret:
            url = dingtalk_signed_url(url, self.secret, int(self.clock() * 1000))
        _check(post_json(url, body, self.timeout), "errcode")


class WeComChannel(_Robot):
    """WeCom group robot: ``msgtype`` markdown; unsigned (the URL's ``key`` is the secret)."""

    name = "wecom"

    def send(self, alert: Mapping[str, Any]) -> None:
        _check(post_json(self.url, wecom_body(alert_markdown(alert, self.tz)), self.timeout),
               "errcode")  # fmt: skip

    def send_digest(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        _check(post_json(self.url, wecom_body(digest_markdown(alerts, self.tz)), self.timeout),
               "errcode")  # fmt: skip


class FeishuChannel(_Robot):
    """Feishu custom bot: ``msg_type`` post (rich text); ``timestamp`` (s) and ``sign`` in the
    body when ``OPINION_FEISHU_SECRET`` is set."""

    name = "feishu"

    def send(self, alert: Mapping[str, Any]) -> None:
        lines = [f"{label}：{value}" for label, value in alert_fields(alert, self.tz)]
        self._post(headline(alert), lines, alert.get("url"))

    def send_digest(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        lines, more = digest_items(alerts, self.tz)
        if more:
            lines.append(f"……另有 {more} 条，见 opinion report")
        self._post(digest_title(alerts), lines, None)

    def _post(self, title: str, lines: list[str], url: str | None) -> None:
        signature = None
        if self.secret:
            ts = int(self.clock())
            signature = (str(ts), feishu_sign(self.secret, ts))
        body = feishu_body(title, lines, url, signature)
        _check(post_json(self.url, body, self.timeout), "code", "StatusCode")
