"""Built-in alert channels: the log (always), and — each when its settings name a target — a
JSON webhook, email over SMTP, and the DingTalk, WeCom and Feishu group robots."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from opinion_spiders import hookimpl
from opinion_spiders.alerting import Channel
from opinion_spiders.alerting.messages import alert_text, digest_text
from opinion_spiders.config import config_of
from plugins._channel_email import EmailChannel, SmtpConfig
from plugins._channel_robots import (
    DingTalkChannel,
    FeishuChannel,
    RobotRefused,
    WeComChannel,
    dingtalk_sign,
    dingtalk_signed_url,
    feishu_sign,
    truncate_utf8,
    wecom_body,
)

logger = logging.getLogger("opinion_spiders.alerts")

__all__ = [
    "DingTalkChannel",
    "EmailChannel",
    "FeishuChannel",
    "LogChannel",
    "RobotRefused",
    "SmtpConfig",
    "WeComChannel",
    "WebhookChannel",
    "alert_json",
    "dingtalk_sign",
    "dingtalk_signed_url",
    "feishu_sign",
    "opinion_alert_channels",
    "truncate_utf8",
    "wecom_body",
]


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _public(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The alert as receivers see it: ``id`` for ``_id``, without the delivery bookkeeping."""
    body = {k: v for k, v in alert.items() if k != "deliveries"}
    body["id"] = body.pop("_id")
    return body


def alert_json(alert: Mapping[str, Any]) -> bytes:
    return json.dumps(_public(alert), ensure_ascii=False, default=_json_default).encode("utf-8")


def digest_json(alerts: Sequence[Mapping[str, Any]]) -> bytes:
    body = {"type": "digest", "count": len(alerts), "alerts": [_public(a) for a in alerts]}
    return json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")


class LogChannel:
    name = "log"

    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz or ZoneInfo("Asia/Shanghai")

    def send(self, alert: Mapping[str, Any]) -> None:
        logger.warning("ALERT %s", alert_text(alert, self.tz).replace("\n", " | "))

    def send_digest(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        logger.warning("ALERT DIGEST\n%s", digest_text(alerts, self.tz))


class WebhookChannel:
    """HTTP POST of the alert as a JSON object (a digest: ``{"type": "digest", "count",
    "alerts": [...]}``); any non-2xx answer is a failed delivery."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, alert: Mapping[str, Any]) -> None:
        self._post(alert_json(alert))

    def send_digest(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        self._post(digest_json(alerts))

    def _post(self, data: bytes) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        req = urllib.request.Request(self.url, data=data, method="POST", headers=headers)
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            if not 200 <= resp.status < 300:
                raise RuntimeError(f"webhook answered HTTP {resp.status}")


def smtp_config(settings: Mapping[str, Any]) -> SmtpConfig | None:
    config = config_of(settings)
    if not config.smtp_host:
        return None
    return SmtpConfig(
        host=config.smtp_host,
        port=config.smtp_port,
        sender=config.smtp_from,
        recipients=tuple(config.smtp_to),
        user=config.smtp_user,
        password=config.smtp_password,
        starttls=config.smtp_starttls,
        ssl=config.smtp_ssl,
        timeout=config.alert_timeout,
    )


@hookimpl
def opinion_alert_channels(settings: Mapping[str, Any]) -> list[Channel]:
    config = config_of(settings)
    tz = ZoneInfo(config.alert_timezone)
    channels: list[Channel] = [LogChannel(tz)]
    if config.webhook_url:
        channels.append(WebhookChannel(config.webhook_url, config.webhook_timeout))
    if smtp := smtp_config(settings):
        channels.append(EmailChannel(smtp, tz))
    robots: list[tuple[str, type[DingTalkChannel | WeComChannel | FeishuChannel], str]] = [
        (config.dingtalk_url, DingTalkChannel, config.dingtalk_secret),
        (config.wecom_url, WeComChannel, ""),
        (config.feishu_url, FeishuChannel, config.feishu_secret),
    ]
    for url, cls, secret in robots:
        if url:
            channels.append(cls(url, secret, timeout=config.alert_timeout, tz=tz))
    return channels
