"""Built-in alert channels: the log (always) and a webhook (when ``OPINION_WEBHOOK_URL`` is set)."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pluggy

from opinion_spiders.alerting import Channel

hookimpl = pluggy.HookimplMarker("opinion_spiders")
logger = logging.getLogger("opinion_spiders.alerts")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def alert_json(alert: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in alert.items() if k != "deliveries"}
    body["id"] = body.pop("_id")
    return json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")


class LogChannel:
    name = "log"

    def send(self, alert: Mapping[str, Any]) -> None:
        logger.warning(
            "ALERT [%s] %.1f %s %s — %s", alert["tier"], alert["score"], alert["site"],
            alert.get("title") or "", alert.get("url"),
        )  # fmt: skip


class WebhookChannel:
    """HTTP POST of the alert as a JSON object; any non-2xx answer is a failed delivery."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, alert: Mapping[str, Any]) -> None:
        req = urllib.request.Request(
            self.url, data=alert_json(alert), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            if not 200 <= resp.status < 300:
                raise RuntimeError(f"webhook answered HTTP {resp.status}")


@hookimpl
def opinion_alert_channels(settings: Mapping[str, Any]) -> list[Channel]:
    channels: list[Channel] = [LogChannel()]
    url = settings.get("OPINION_WEBHOOK_URL")
    if url:
        channels.append(
            WebhookChannel(str(url), float(settings.get("OPINION_WEBHOOK_TIMEOUT", 10)))
        )
    return channels
