"""Analysts' review of alerts: acknowledge, resolve, reopen, note — each step kept with who
and when, beside the delivery ``status`` the alerting stage owns.

An alert's ``review`` is ``{"state": "open"|"acknowledged"|"resolved", "by", "at", "note",
"history": [{"action", "by", "at", "note"}, …]}``; an alert without one is open.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from opinion_spiders.errors import ConfigError

#: action -> the state it leads to (``note`` keeps the state).
ACTIONS = {"acknowledge": "acknowledged", "resolve": "resolved", "reopen": "open", "note": None}
STATES = ("open", "acknowledged", "resolved")
#: Characters of a note and of a reviewer's name kept at most.
MAX_NOTE = 2000
MAX_NAME = 80


def review_state(alert: Mapping[str, Any]) -> str:
    review = alert.get("review") or {}
    return str(review.get("state") or "open")


def reviewed(
    alert: Mapping[str, Any], action: str, by: str, now: datetime, note: str = ""
) -> dict[str, Any]:
    """The alert's ``review`` after ``by`` took ``action`` (with an optional ``note``) at
    ``now``; a clear error for an unknown action, a nameless reviewer or an empty note."""
    if action not in ACTIONS:
        raise ConfigError("review", action, f"unknown action; one of {', '.join(ACTIONS)}")
    by = " ".join(by.split())[:MAX_NAME]
    note = note.strip()[:MAX_NOTE]
    if not by:
        raise ConfigError("review", action, "say who you are (a name)")
    if action == "note" and not note:
        raise ConfigError("review", action, "a note needs some text")
    old = dict(alert.get("review") or {})
    state = ACTIONS[action] or str(old.get("state") or "open")
    step = {"action": action, "by": by, "at": now, "note": note}
    return {
        "state": state, "by": by, "at": now, "note": note or old.get("note", ""),
        "history": [*(old.get("history") or []), step],
    }  # fmt: skip
