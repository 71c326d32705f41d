"""Watch plans: for an event known to come, compare the reaction during it with the baseline
before it (posts per day, sites, top posts, alerts), from store reads that run on FerretDB.

A post belongs to a plan when its segmented search ``terms`` hold one of the plan's terms,
it names one of the plan's entities (``entities.id``) or it fired one of its rules
(``matches.rule``): the same fields the store indexes for analysts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo

from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import Store
from opinion_spiders.text.normalize import fold_for_search
from opinion_spiders.watch._toml import Table, read_toml, table_line

#: The most posts (and alerts) one report reads; reaching it is flagged as ``truncated``.
SCAN_LIMIT = 50_000
TOP = 5
_PLAN_KEYS = {"id", "name", "start", "end", "baseline_days", "terms", "entities", "rules", "note"}


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    start: datetime
    end: datetime
    baseline_days: int = 14
    terms: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    note: str = ""

    @property
    def baseline_start(self) -> datetime:
        return self.start - timedelta(days=self.baseline_days)

    def search_terms(self) -> list[str]:
        """The plan's terms folded as posts' search ``terms`` are (traditional → simplified)."""
        return sorted({fold_for_search(t) for t in self.terms})

    def covers(self, post: Mapping[str, Any]) -> bool:
        """Whether a stored post belongs to this plan (see the module docstring)."""
        return bool(
            set(self.search_terms()).intersection(post.get("terms") or ())
            or {e.get("id") for e in post.get("entities") or ()}.intersection(self.entities)
            or {m.get("rule") for m in post.get("matches") or ()}.intersection(self.rules)
        )


def plan_report(store: Store, plan: Plan, now: datetime) -> dict[str, Any]:
    """Baseline ``[start - baseline_days, start)`` against reaction ``[start, min(end, now))``."""
    until = min(plan.end, max(now, plan.start))
    posts, truncated = _plan_posts(store, plan, plan.baseline_start, until)
    alerts = [
        a for a in store.find_alerts(plan.baseline_start, limit=SCAN_LIMIT)
        if a.get("post_id") in {p["_id"] for p in posts} and a["created_at"] < until
    ]  # fmt: skip
    tz = plan.start.tzinfo or ZoneInfo("Asia/Shanghai")
    baseline = _window(posts, alerts, plan.baseline_start, plan.start, tz)
    reaction = _window(posts, alerts, plan.start, until, tz)
    ratio = reaction["per_day"] / baseline["per_day"] if baseline["per_day"] else None
    state = "upcoming" if now < plan.start else "running" if now < plan.end else "finished"
    summary = {k: v for k, v in plan.__dict__.items() if k != "note"}
    return {
        "plan": summary | {"baseline_start": plan.baseline_start}, "now": now, "state": state,
        "baseline": baseline, "reaction": reaction,
        "per_day_ratio": None if ratio is None else round(ratio, 2), "truncated": truncated,
    }  # fmt: skip


def _plan_posts(
    store: Store, plan: Plan, since: datetime, until: datetime
) -> tuple[list[dict[str, Any]], bool]:
    """The plan's posts in ``[since, until)``, newest first (the store selects them, as
    :meth:`Plan.covers` says), and whether the store's answer hit the limit."""
    posts = store.find_watched_posts(
        since, until, terms=plan.search_terms(), entities=plan.entities, rules=plan.rules,
        limit=SCAN_LIMIT,
    )  # fmt: skip
    return posts, len(posts) >= SCAN_LIMIT


def _window(
    posts: Sequence[Mapping[str, Any]],
    alerts: Sequence[Mapping[str, Any]],
    since: datetime,
    until: datetime,
    tz: Any,
) -> dict[str, Any]:
    inside = [p for p in posts if since <= p["time"] < until]
    first, last = since.astimezone(tz).date(), (until - timedelta(microseconds=1)).astimezone(tz)
    days = [first + timedelta(days=i) for i in range((last.date() - first).days + 1)]
    per_day = Counter(p["time"].astimezone(tz).date() for p in inside)
    span_days = max((until - since).total_seconds() / 86400, 1 / 24) if until > since else 0
    top = sorted(inside, key=lambda p: (-(p.get("score") or 0), p["_id"]))[:TOP]
    sites = Counter(p["site"] for p in inside).most_common()
    return {
        "since": since, "until": until, "posts": len(inside),
        "per_day": round(len(inside) / span_days, 2) if span_days else 0.0,
        "daily": [{"day": d.isoformat(), "count": per_day[d]} for d in days] if span_days else [],
        "sites": [{"site": s, "count": n} for s, n in sites],
        "top_posts": [_summary(p) for p in top],
        "alerts": [_alert(a) for a in alerts if since <= a["created_at"] < until],
    }  # fmt: skip


def _summary(p: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("_id", "site", "title", "url", "time", "score")
    return {k: p.get(k) for k in keys} | {"rules": [m.get("rule") for m in p.get("matches") or []]}


def _alert(a: Mapping[str, Any]) -> dict[str, Any]:
    return {k: a.get(k) for k in ("_id", "post_id", "tier", "score", "site", "title", "created_at")}


def format_plan_report(report: Mapping[str, Any]) -> str:
    """The plan report as text for a terminal."""
    plan = report["plan"]
    lines = [f"Plan {plan['id']}: {plan['name']} ({report['state']})"]
    ratio = report["per_day_ratio"]
    for label in ("baseline", "reaction"):
        w = report[label]
        span = f"{w['since']:%Y-%m-%d %H:%M} → {w['until']:%Y-%m-%d %H:%M}"
        lines.append(f"{label.title()}: {span}  {w['posts']} posts, {w['per_day']}/day")
        sites = ", ".join(f"{s['site']} {s['count']}" for s in w["sites"]) or "-"
        lines.append(f"  sites: {sites}")
        lines.append("  daily: " + " ".join(f"{d['day'][5:]}:{d['count']}" for d in w["daily"]))
        lines += [f"  {p['score'] or 0:>6.1f} [{p['site']}] {p['title']} ({p['_id']})"
                  for p in w["top_posts"]]  # fmt: skip
        lines += [f"  alert [{a['tier']}] {a['title']} ({a['post_id']})" for a in w["alerts"]]
    lines.append(f"Reaction vs baseline: {'n/a' if ratio is None else f'{ratio}×'} posts per day")
    if report["truncated"]:
        lines.append(f"(only the newest {SCAN_LIMIT} posts were read)")
    return "\n".join(lines)


def load_plans(
    paths: Sequence[Traversable], entity_ids: set[str] | None = None, tz: str = "Asia/Shanghai"
) -> dict[str, Plan]:
    """Read plan files; ``entity_ids`` (the watchlist's) catches a misspelt entity early."""
    plans: dict[str, Plan] = {}
    for path in paths:
        data, text = read_toml(path)
        unknown = sorted(set(data) - {"plan"})
        if unknown:
            raise ConfigError(str(path), "top level", f"unknown table {unknown[0]!r}; use [[plan]]")
        for i, table in enumerate(data.get("plan", [])):
            where = f"line {table_line(text, 'plan', i)} [[plan]] id {table.get('id', '?')!r}"
            plan = _plan(Table(table, str(path), where), entity_ids, ZoneInfo(tz))
            if plan.id in plans:
                raise ConfigError(str(path), where, "plan id declared twice; rename one")
            plans[plan.id] = plan
    return plans


def _plan(t: Table, entity_ids: set[str] | None, tz: ZoneInfo) -> Plan:
    t.check_keys(_PLAN_KEYS)
    start, end = _moment(t, "start", tz, 0), _moment(t, "end", tz, 1)
    if end <= start:
        raise t.fail("end", "must be after start")
    entities = t.texts("entities")
    missing = [e for e in entities if entity_ids is not None and e not in entity_ids]
    if missing:
        raise t.fail("entities", f"{missing[0]!r} is not in the watchlist; use an entity id")
    plan = Plan(
        id=t.text("id"), name=t.text("name"), start=start, end=end,
        baseline_days=int(t.number("baseline_days", 14, 1, 366)), terms=t.texts("terms"),
        entities=entities, rules=t.texts("rules"), note=t.text("note", ""),
    )  # fmt: skip
    if not (plan.terms or plan.entities or plan.rules):
        raise t.fail("terms", "a plan needs at least one of terms, entities or rules")
    return plan


def _moment(t: Table, key: str, tz: ZoneInfo, day_end: int) -> datetime:
    """A date means the day's start (``start``) or the end of that day (``end``)."""
    value = t.moment(key)
    if value is None:
        raise t.fail(key, "missing; add a date like 2026-12-01 or 2026-12-01T09:00:00")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value + timedelta(days=day_end), time(), tzinfo=tz)
