"""The alert policy: which posts raise one, in which tier, when they may be sent, and how a
failed delivery is retried. Pure functions and one frozen policy; delivery is the channels' job
and the ledger bookkeeping lives in :mod:`.dispatch`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from opinion_spiders.config import Config, config_of
from opinion_spiders.events.stories import start_story, story_key

#: Tier names in ascending order, with the factor of the threshold each starts at.
DEFAULT_TIERS = (("notice", 1.0), ("warning", 2.0), ("urgent", 4.0))
Tiers = float | Mapping[str, float]

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@runtime_checkable
class Channel(Protocol):
    """Somewhere alerts go. ``send`` raises on failure; the alert then stays ``pending``.

    A channel may also define ``send_digest(alerts)`` to deliver the alerts held during quiet
    hours as one message; without it each held alert is sent on its own afterwards.
    """

    name: str

    def send(self, alert: Mapping[str, Any]) -> None: ...


# -- tiers -----------------------------------------------------------------------------------
def tier_table(tiers: Tiers) -> list[tuple[str, float]]:
    """Tiers as ``(name, threshold)`` ascending; a number is the notice threshold, the others
    following at 2× and 4× it. Thresholds ≤ 0 are dropped (no tiers: no alerts)."""
    if isinstance(tiers, int | float):
        table = [(name, factor * float(tiers)) for name, factor in DEFAULT_TIERS]
    else:
        table = [(str(name), float(value)) for name, value in tiers.items()]
    return sorted(((n, t) for n, t in table if t > 0), key=lambda nt: nt[1])


def tier_for(score: float, tiers: Tiers) -> str | None:
    """The highest tier whose threshold the score reaches, or None below every tier."""
    found = None
    for name, threshold in tier_table(tiers):
        if score >= threshold:
            found = name
    return found


def alert_key(post: Mapping[str, Any]) -> str:
    """The ledger ``_id``: one alert per story — a thread, a near-duplicate cluster, or a
    post outside both (see :mod:`opinion_spiders.events.stories`)."""
    return story_key(post)


def alert_for(post: Mapping[str, Any], tiers: Tiers, now: datetime) -> dict[str, Any] | None:
    """The alert a stored post raises, or None when its score is under every tier.

    The ``_id`` is the post's story's, so the ledger never holds one twice and a story's later
    posts update it (:mod:`.dispatch`). Its ``score`` is the story's: the post's, plus a
    bonus for each further site its copies reached. ``published_at`` and ``crawled_at``
    travel along for the latency report.
    """
    score = float(post.get("score") or 0.0)
    if tier_for(score, tiers) is None:
        return None
    matches = post.get("matches") or []
    alert = {
        "_id": alert_key(post),
        "type": "post",
        "post_id": post["_id"],
        "cluster_id": post.get("cluster_id"),
        "site": post.get("site"),
        "kind": post.get("kind"),
        "url": post.get("url"),
        "title": post.get("title"),
        "author": post.get("author"),
        "score": score,
        "tier": None,
        "rules": [m.get("rule") for m in matches],
        "terms": sorted({h["term"] for m in matches for h in m.get("hits", [])}),
        "published_at": post.get("published_at"),
        "crawled_at": post.get("crawled_at"),
        "created_at": now,
        "status": "pending",
        "deliveries": {},
    }
    start_story(alert, post, now)
    alert["tier"] = tier_for(float(alert["score"]), tiers)
    return alert


# -- quiet hours -----------------------------------------------------------------------------
@dataclass(frozen=True)
class QuietHours:
    """A daily window in local time; ``start > end`` means it spans midnight."""

    start: time
    end: time
    tz: tzinfo

    def contains(self, when: datetime) -> bool:
        local = when.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str | None, tz: tzinfo) -> QuietHours | None:
    """``"23:00-07:00"`` → a window; empty → None. Raises ValueError saying what to write."""
    if not text or not text.strip():
        return None
    m = _CLOCK.match(text)
    hours_minutes = [int(g) for g in m.groups()] if m else []
    if not m or hours_minutes[0] > 23 or hours_minutes[2] > 23 or max(hours_minutes) > 59:
        raise ValueError(f"quiet hours {text!r}: write HH:MM-HH:MM, e.g. 23:00-07:00")
    start, end = time(hours_minutes[0], hours_minutes[1]), time(hours_minutes[2], hours_minutes[3])
    if start == end:
        raise ValueError(f"quiet hours {text!r}: start and end are the same time")
    return QuietHours(start, end, tz)


# -- retries ---------------------------------------------------------------------------------
def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after ``attempts`` failed tries: base, 2×, 4× … at most ``cap``."""
    if attempts <= 0:
        return 0.0
    return float(min(cap, base * 2 ** min(attempts - 1, 32)))


def delivery_due(record: Any, now: datetime) -> bool:
    """Whether a channel should be tried now: never tried, or failed and its wait is over.

    A plain string record (older ledgers: ``"sent"`` or ``"failed: …"``) is understood too.
    """
    if is_sent(record):
        return False
    if not isinstance(record, Mapping):
        return True
    due = record.get("next_attempt_at")
    return due is None or due <= now


def record_success(record: Any, now: datetime, *, digest: bool = False) -> dict[str, Any]:
    out = _as_record(record)
    out.update(status="sent", attempts=out["attempts"] + 1, sent_at=now, next_attempt_at=None)
    if digest:
        out["digest"] = True
    return out


def record_failure(
    record: Any, now: datetime, error: BaseException, policy: AlertPolicy
) -> dict[str, Any]:
    """A failed try: count it and schedule the next one with exponential backoff."""
    out = _as_record(record)
    attempts = out["attempts"] + 1
    wait = backoff_delay(attempts, policy.retry_base, policy.retry_max)
    out.update(
        status="failed",
        attempts=attempts,
        error=f"{type(error).__name__}: {error}"[:500],
        failed_at=now,
        next_attempt_at=now + timedelta(seconds=wait),
    )
    return out


def _as_record(record: Any) -> dict[str, Any]:
    if isinstance(record, Mapping):
        return {"attempts": 0, **record}
    if isinstance(record, str):
        return {"attempts": 1, "status": "sent" if record == "sent" else "failed"}
    return {"attempts": 0}


def is_delivered(deliveries: Mapping[str, Any], channels: Sequence[str]) -> bool:
    """Every current channel has the alert (a channel since removed no longer counts)."""
    return all(is_sent(deliveries.get(name)) for name in channels)


def is_sent(record: Any) -> bool:
    if isinstance(record, str):
        return record == "sent"
    return isinstance(record, Mapping) and record.get("status") == "sent"


# -- the policy ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertPolicy:
    """Everything the alert stage reads from settings, validated in one place."""

    tiers: tuple[tuple[str, float], ...]
    quiet: QuietHours | None = None
    tz: tzinfo = UTC
    retry_base: float = 60.0
    retry_max: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> AlertPolicy:
        return cls.from_config(config_of(settings))

    @classmethod
    def from_config(cls, config: Config) -> AlertPolicy:
        """``OPINION_ALERT_TIERS``, else 1×/2×/4× ``OPINION_ALERT_THRESHOLD``; the quiet hours
        and retries."""
        tz = ZoneInfo(config.alert_timezone)
        tiers: Tiers = config.alert_tiers or config.alert_threshold
        return cls(
            tiers=tuple(tier_table(tiers)),
            quiet=parse_quiet_hours(config.alert_quiet_hours, tz),
            tz=tz,
            retry_base=config.alert_retry_base,
            retry_max=config.alert_retry_max,
        )

    @property
    def top_tier(self) -> str | None:
        return self.tiers[-1][0] if self.tiers else None

    def holds(self, alert: Mapping[str, Any], now: datetime) -> bool:
        """Quiet hours hold every tier but the top one, for a digest afterwards."""
        in_quiet = self.quiet is not None and self.quiet.contains(now)
        return in_quiet and alert.get("tier") != self.top_tier

    def is_quiet(self, now: datetime) -> bool:
        return self.quiet is not None and self.quiet.contains(now)


def period_tiers(tiers: Tiers, periods: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Tier thresholds during sensitive periods: scaled by the lowest ``threshold_factor`` of
    the periods active at the post's time (a factor of 0.8 alerts at 80 % of the score)."""
    factor = min((float(p.get("threshold_factor", 1.0)) for p in periods), default=1.0)
    return {name: threshold * factor for name, threshold in tier_table(tiers)}
