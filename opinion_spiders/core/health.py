"""Site health checks, declared as data and evaluated on a run's stats dict (no crawl needed).

A check compares a stat (optionally divided by another) with a threshold. ``needs_history``
checks only fire when the site's previous run did yield, so a new or always-empty site does
not alarm; ``min_denominator`` keeps tiny runs from alarming on one bad page.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}  # fmt: skip

#: Fields a post of each kind should carry; most posts lacking one means a layout change.
REQUIRED_FIELDS = {
    "forum": ("content", "author", "published_at"),
    "postbar": ("content", "author", "published_at"),
    "portal": ("title", "content", "published_at"),
}


@dataclass(frozen=True)
class HealthCheck:
    name: str
    stat: str
    comparison: str
    threshold: float
    message: str
    denominator: str | None = None
    min_denominator: float = 0
    needs_history: bool = False

    def value(self, stats: Mapping[str, Any]) -> float | None:
        num = float(stats.get(self.stat, 0) or 0)
        if self.denominator is None:
            return num
        den = float(stats.get(self.denominator, 0) or 0)
        if den <= 0 or den < self.min_denominator:
            return None
        return num / den

    def failed(self, stats: Mapping[str, Any], previous: Mapping[str, Any] | None) -> bool:
        if self.needs_history and not _yielded(previous):
            return False
        value = self.value(stats)
        return value is not None and _OPS[self.comparison](value, self.threshold)


def _yielded(stats: Mapping[str, Any] | None) -> bool:
    if not stats:
        return False
    return (
        float(stats.get("opinion/yield/posts", 0) or 0)
        + float(stats.get("opinion/yield/links", 0) or 0)
        > 0
    )


#: Why a request got no usable answer, by the exception its errback saw (class names, so this
#: module needs neither Scrapy nor Twisted): the reason counted as ``opinion/fetch/failed/<r>``.
#: Scrapy ≥ 2.13 wraps Twisted's errors in its own (``DownloadFailedError`` wraps both
#: ``ResponseFailed`` and ``ResponseNeverReceived``): the wrapped cause, which says more, first.
FAILURES = {
    "TimeoutError": "timeout", "TCPTimedOutError": "timeout", "DNSLookupError": "dns",
    "ConnectionRefusedError": "refused", "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost", "ResponseNeverReceived": "no_answer",
    "ResponseDataLossError": "short_body", "ResponseFailed": "short_body",
    "_DataLoss": "short_body", "PotentialDataLoss": "short_body",
    "DownloadTimeoutError": "timeout", "CannotResolveHostError": "dns",
    "DownloadConnectionRefusedError": "refused", "DownloadFailedError": "connection_lost",
    "DownloadCancelledError": "cancelled",
}  # fmt: skip


def failure_reason(exc: BaseException) -> tuple[str, str] | None:
    """``(counter, reason)`` for the exception a request failed with: ``failed`` for no usable
    answer (timeouts, refused, DNS, a body cut short, a redirect loop), ``http`` for an
    error status the spider does not handle; None for a request dropped on purpose
    (robots.txt, offsite, duplicates)."""
    name = type(exc).__name__
    if name == "HttpError":
        status = getattr(getattr(exc, "response", None), "status", 0)
        return "http", str(status)
    if name == "IgnoreRequest":
        # Scrapy's "max redirections reached", or our "redirect loop: …"
        return ("failed", "redirect_loop") if "redirect" in str(exc) else None
    if name == "DownloadCancelledError" and "max size" in str(exc):
        return "failed", "too_large"  # over DOWNLOAD_MAXSIZE
    cause = type(exc.__cause__).__name__ if exc.__cause__ is not None else ""
    return "failed", FAILURES.get(cause) or FAILURES.get(name, "other")


def fetch_stats(stats: Mapping[str, Any]) -> dict[str, int]:
    """Requests that never got a usable answer (host unreachable, connection refused or timed
    out, retries exhausted, a body cut short, a redirect loop) beside all that were tried.
    The spider's errback counts them; a run without one (older records) has only Scrapy's
    retry stats."""
    failed = int(stats.get("opinion/fetch/failed", 0) or 0)
    if not failed:
        failed = int(stats.get("retry/max_reached", 0) or 0)
    pages = int(stats.get("opinion/pages", 0) or 0)
    return {"opinion/fetch/failed": failed, "opinion/fetch/attempted": failed + pages}


def finish_reason(reason: str, stats: Mapping[str, Any]) -> str:
    """Scrapy's reason, except that a run which fetched no page because every request failed
    is ``unreachable``, not ``finished``."""
    fetched = int(stats.get("opinion/pages", 0) or 0)
    if reason == "finished" and fetch_stats(stats)["opinion/fetch/failed"] and not fetched:
        return "unreachable"
    return reason


def default_checks(kind: str) -> list[HealthCheck]:
    checks = [
        HealthCheck(
            "unreachable", "opinion/fetch/failed", ">=", 0.5,
            "half or more of the requests got no usable answer (host unreachable, refused or "
            "timed out, body cut short, redirect loop; opinion/fetch/failed/<reason> says which)",
            denominator="opinion/fetch/attempted", min_denominator=1,
        ),
        HealthCheck(
            "blocked", "opinion/site/blocked", ">=", 1,
            "the site answered with captcha/verification pages or HTTP 403/429 repeatedly; "
            "it is paused",
        ),
        HealthCheck(
            "no_yield", "opinion/yield/empty_pages", ">=", 1.0,
            "the site used to yield posts and links, and now every page yields none "
            "(layout change or block?)",
            denominator="opinion/pages", min_denominator=1, needs_history=True,
        ),
        HealthCheck(
            "parse_failures", "opinion/parse/failed", ">=", 0.5,
            "half or more of the pages could not be parsed",
            denominator="opinion/pages", min_denominator=4,
        ),
    ]  # fmt: skip
    for field in REQUIRED_FIELDS.get(kind, ()):
        checks.append(
            HealthCheck(
                f"missing_{field}", f"opinion/fields/missing/{field}", ">=", 0.8,
                f"'{field}' is missing on most posts (layout change?)",
                denominator="opinion/fields/checked", min_denominator=5,
            )
        )  # fmt: skip
    return checks


#: Finish reasons of a run stopped on purpose (Ctrl-C, SIGTERM, a scrapyd cancel). Its figures
#: are partial and its failures may be the stop itself (the requests it cut short; Ctrl-C
#: reaches a rendering site's Chromium too), so it is not judged: the next run is.
NOT_JUDGED = frozenset({"shutdown"})


def evaluate(
    stats: Mapping[str, Any],
    kind: str,
    previous: Mapping[str, Any] | None = None,
    *,
    reason: str = "finished",
) -> list[dict[str, Any]]:
    """The checks that failed, each ``{"check", "message", "value"}``; none for a run that
    ended for a reason in :data:`NOT_JUDGED`."""
    if reason in NOT_JUDGED:
        return []
    out = []
    for check in default_checks(kind):
        if check.failed(stats, previous):
            out.append({"check": check.name, "message": check.message, "value": check.value(stats)})
    return out


def health_alert(site: str, kind: str, problem: Mapping[str, Any], now: Any) -> dict[str, Any]:
    """An operators' alert for a failed check: once per site, check and day (the ledger id)."""
    return {
        "_id": f"health:{site}:{problem['check']}:{now:%Y-%m-%d}",
        "type": "health", "site": site, "kind": kind, "tier": "warning", "score": 0.0,
        "title": f"[{site}] health: {problem['message']}", "url": "", "rules": [], "terms": [],
        "check": problem["check"], "value": problem["value"], "created_at": now,
        "published_at": None, "crawled_at": now, "status": "pending", "deliveries": {},
    }  # fmt: skip
