"""The email channel: one plain-text UTF-8 message per alert (or per digest) over SMTP, with
optional STARTTLS or implicit TLS and login."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from opinion_spiders.alerting.messages import (
    SHANGHAI,
    alert_text,
    digest_text,
    digest_title,
    headline,
)

logger = logging.getLogger("opinion_spiders.alerts")


@dataclass(frozen=True)
class SmtpConfig:
    """``OPINION_SMTP_*`` settings, read once."""

    host: str
    port: int = 25
    sender: str = "opinion-spiders@localhost"
    recipients: tuple[str, ...] = ()
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0


def email_message(subject: str, text: str, config: SmtpConfig) -> EmailMessage:
    """A UTF-8 message; the Chinese subject is RFC 2047-encoded by the email package."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = config.sender
    msg["To"] = ", ".join(config.recipients)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="opinion-spiders")
    msg.set_content(text, charset="utf-8")
    return msg


class EmailChannel:
    """Alerts by email; an SMTP error, or every recipient refused, is a failed delivery."""

    name = "email"

    def __init__(self, config: SmtpConfig, tz: tzinfo = SHANGHAI) -> None:
        if not config.recipients:
            raise ValueError("OPINION_SMTP_TO: name at least one recipient")
        self.config, self.tz = config, tz

    def send(self, alert: Mapping[str, Any]) -> None:
        self._send(email_message(headline(alert), alert_text(alert, self.tz), self.config))

    def send_digest(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        self._send(email_message(digest_title(alerts), digest_text(alerts, self.tz), self.config))

    def _send(self, msg: EmailMessage) -> None:
        c = self.config
        smtp: smtplib.SMTP
        if c.ssl:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        with smtp:
            if c.starttls and not c.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if c.user:
                smtp.login(c.user, c.password)
            refused = smtp.send_message(msg)
        if refused:  # some took it: a retry would send it twice to those, so only say so
            logger.error("email alert refused for %s", ", ".join(sorted(refused)))
