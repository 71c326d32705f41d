"""``bench.corpus``'s report (the bench itself reads ``../shared``; its report does not)."""

from __future__ import annotations

from typing import Any

from bench.corpus import report


def _row(seconds: float, t_seconds: float, f1: float) -> dict[str, Any]:
    return {
        "set": "forum", "id": f"p{seconds}", "url": "https://x/t", "posts": 2, "seconds": seconds,
        "reader": "generic/thread", "precision": f1, "recall": f1, "f1": f1,
        "magic_html_f1": None, "a_precision": f1, "a_recall": f1, "a_f1": f1, "a_posts": 2,
        "a_seconds": seconds, "a_reader": "generic/thread", "t_precision": 0.5,
        "t_recall": 0.5, "t_f1": 0.5, "t_seconds": t_seconds,
    }  # fmt: skip


def test_report_sets_the_readings_time_over_a_set_against_trafilaturas() -> None:
    """The median a page hides a heavy tail; the time over the whole set is what a crawl of
    such pages spends: 0.1 + 0.5 s against 0.05 + 0.15 s is 3×."""
    text = report([_row(0.1, 0.05, 0.9), _row(0.5, 0.15, 0.7)], worst=0)
    assert "reading's time over the set against trafilatura's: 3.0× (0.6 s against 0.2 s)" in text
    assert "trafilatura" in text.splitlines()[3]
