"""Health checks declared as data, evaluated on stats dicts without a crawl."""

from __future__ import annotations

from datetime import UTC, datetime

from opinion_spiders.core.health import (
    default_checks,
    evaluate,
    fetch_stats,
    finish_reason,
    health_alert,
)


def _names(problems: list[dict[str, object]]) -> set[object]:
    return {p["check"] for p in problems}


def test_health_quiet_on_a_normal_run() -> None:
    stats = {"opinion/pages": 30, "opinion/yield/posts": 120, "opinion/yield/links": 40,
             "opinion/fields/checked": 120, "opinion/fields/missing/author": 3}  # fmt: skip
    assert evaluate(stats, "forum", previous=stats) == []


def test_health_no_yield_only_when_site_used_to_yield() -> None:
    now = {"opinion/pages": 3, "opinion/yield/empty_pages": 3}
    before = {"opinion/yield/posts": 50, "opinion/yield/links": 10}
    assert _names(evaluate(now, "forum", previous=before)) == {"no_yield"}
    assert evaluate(now, "forum", previous=None) == []
    assert evaluate(now, "forum", previous={"opinion/yield/posts": 0}) == []


def test_health_missing_field_on_most_posts_is_a_layout_change() -> None:
    stats = {"opinion/pages": 10, "opinion/fields/checked": 40,
             "opinion/fields/missing/published_at": 39}  # fmt: skip
    assert _names(evaluate(stats, "forum")) == {"missing_published_at"}
    # portals are not expected to name an author; forums are
    stats = {"opinion/pages": 10, "opinion/fields/checked": 40, "opinion/fields/missing/author": 40}
    assert evaluate(stats, "portal") == [] and _names(evaluate(stats, "forum")) == {
        "missing_author"
    }
    # too few posts to judge
    assert (
        evaluate({"opinion/fields/checked": 4, "opinion/fields/missing/author": 4}, "forum") == []
    )


def test_health_parse_failures_and_blocked() -> None:
    stats = {"opinion/pages": 8, "opinion/parse/failed": 5, "opinion/site/blocked": 1}
    assert _names(evaluate(stats, "postbar")) == {"parse_failures", "blocked"}
    assert evaluate({"opinion/pages": 2, "opinion/parse/failed": 2}, "forum") == []


def test_health_checks_are_data_and_alert_once_a_day() -> None:
    check = next(c for c in default_checks("forum") if c.name == "parse_failures")
    assert (check.stat, check.comparison, check.threshold) == ("opinion/parse/failed", ">=", 0.5)
    now = datetime(2026, 11, 25, 3, tzinfo=UTC)
    alert = health_alert("s", "forum", {"check": "blocked", "message": "m", "value": 1.0}, now)
    assert alert["_id"] == "health:s:blocked:2026-11-25" and alert["type"] == "health"


def test_health_unreachable_site_is_a_finish_reason_and_a_check() -> None:
    """Every request failed (refused, timed out, retries exhausted): not "finished"."""
    dead = {"retry/max_reached": 3}
    assert finish_reason("finished", dead) == "unreachable"
    assert [p["check"] for p in evaluate({**dead, **fetch_stats(dead)}, "forum")] == ["unreachable"]
    flaky = {"retry/max_reached": 1, "opinion/pages": 30}
    assert finish_reason("finished", flaky) == "finished"
    assert evaluate({**flaky, **fetch_stats(flaky)}, "forum") == []
    assert finish_reason("blocked", dead) == "blocked"


def test_health_failure_reason_sees_through_scrapy_wrapped_errors() -> None:
    """Scrapy ≥ 2.13 wraps Twisted's errors in its own: counted by the real reason, not "other";
    an answer over DOWNLOAD_MAXSIZE is "too_large"."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadFailedError,
        DownloadTimeoutError,
    )
    from twisted.web.client import ResponseNeverReceived

    from opinion_spiders.core.health import failure_reason

    never = DownloadFailedError("[<Failure ConnectionDone>]")
    never.__cause__ = ResponseNeverReceived([])
    too_big = DownloadCancelledError(
        "Expected to receive 20971509 bytes which is larger than download max size (16777216)"
    )
    found = [failure_reason(exc) for exc in (
        DownloadConnectionRefusedError("refused"), CannotResolveHostError("no such host"),
        DownloadTimeoutError("took too long"), never, DownloadFailedError("lost"), too_big,
        DownloadCancelledError("cancelled"),
    )]  # fmt: skip
    assert [reason for _, reason in found] == [
        "refused",
        "dns",
        "timeout",
        "no_answer",
        "connection_lost",
        "too_large",
        "cancelled",
    ]


def test_health_a_run_stopped_on_purpose_is_not_judged() -> None:
    """Ctrl-C or SIGTERM cuts the requests in flight short (and Ctrl-C reaches a rendering
    site's Chromium): a failure in such a run is the stop, not the site."""
    cut = {"opinion/fetch/failed": 2, "opinion/fetch/failed/cancelled": 2}
    stats = {**cut, **fetch_stats(cut)}
    assert _names(evaluate(stats, "forum")) == {"unreachable"}
    assert evaluate(stats, "forum", reason="shutdown") == []
    assert _names(evaluate(stats, "forum", reason="closespider_timeout")) == {"unreachable"}
