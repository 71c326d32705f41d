"""Alerting: which posts raise an alert and in which tier, quiet hours and retries (``policy``),
the ledger at work — raise once, deliver to each channel, retry, send the digest
(``dispatch``) — and how an alert reads (``messages``). Pure Python (no Scrapy); the alert
stage ``pipelines.alert``, the event detector and the CLI call it. Each channel's wire format
lives with its channel plugin (``plugins.channels``)."""

from __future__ import annotations

from opinion_spiders.alerting.dispatch import (
    Ledger,
    OfflineLedger,
    Outcome,
    channel_key,
    raise_alert,
    retry_pending,
    spool_unwritten,
)
from opinion_spiders.alerting.policy import (
    DEFAULT_TIERS,
    AlertPolicy,
    Channel,
    QuietHours,
    Tiers,
    alert_for,
    alert_key,
    backoff_delay,
    delivery_due,
    is_delivered,
    is_sent,
    parse_quiet_hours,
    period_tiers,
    record_failure,
    record_success,
    tier_for,
    tier_table,
)

__all__ = [
    "DEFAULT_TIERS", "AlertPolicy", "Channel", "Ledger", "OfflineLedger", "Outcome",
    "QuietHours", "Tiers", "alert_for", "alert_key", "backoff_delay", "channel_key",
    "delivery_due", "is_delivered", "is_sent", "parse_quiet_hours", "period_tiers",
    "raise_alert", "record_failure", "record_success", "retry_pending", "spool_unwritten",
    "tier_for", "tier_table",
]  # fmt: skip
