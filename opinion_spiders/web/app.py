"""The analysts' workspace as a WSGI application: overview, alert queue, search, post pages
and exports, on whichever store the settings name.

Access: bound to loopback it needs nothing; bound elsewhere it needs a token, given once as
``?token=…`` (kept in a cookie) or as ``Authorization: Bearer …``. Every form carries a key
made at start-up, so another web page cannot post to the workspace in the analyst's name.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

from opinion_spiders.analysis import export
from opinion_spiders.analysis.review import ACTIONS, STATES, review_state, reviewed
from opinion_spiders.analysis.search import hit_spans, match_spans
from opinion_spiders.errors import ConfigError
from opinion_spiders.events.stories import story_key
from opinion_spiders.items import KINDS
from opinion_spiders.settings_util import analyst_zone
from opinion_spiders.stores.base import PostFilter, Store
from opinion_spiders.web import detail, pages

logger = logging.getLogger(__name__)
COOKIE = "opinion_token"
#: Rows an alert queue or a result list shows at most.
PAGE_ROWS = 200
Query = dict[str, list[str]]


class Response:
    def __init__(
        self, body: bytes | str, status: str = "200 OK", content_type: str = "text/html",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:  # fmt: skip
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.status = status
        self.headers = [("Content-Type", f"{content_type}; charset=utf-8"), *headers]


def redirect(to: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(b"", "303 See Other", headers=[("Location", to), *headers])


class Workspace:
    """The WSGI callable. ``store`` is opened by the caller and used from request threads
    one request at a time (a lock around each request keeps the store single-threaded)."""

    def __init__(self, store: Store, settings: Mapping[str, Any], token: str = "") -> None:
        import threading

        self.store = store
        self.settings = settings
        self.tz = analyst_zone(settings)
        self.token = token
        self.form_key = secrets.token_urlsafe(16)
        self._lock = threading.Lock()
        self.routes: dict[tuple[str, str], Callable[[Query, Query], Response]] = {
            ("GET", "/"): self.overview,
            ("GET", "/alerts"): self.alerts,
            ("POST", "/alerts/review"): self.review,
            ("GET", "/search"): self.search,
            ("GET", "/post"): self.post,
            ("GET", "/story"): self.story,
            ("GET", "/event"): self.event,
            ("GET", "/export"): self.export,
        }

    # -- plumbing ------------------------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment, start: StartResponse) -> list[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        try:
            response = self._respond(environ, method, path, query)
        except ConfigError as exc:
            response = Response(pages.layout("错误 Error", f'<p class="error">{escape(str(exc))}'
                                             "</p>"), "400 Bad Request")  # fmt: skip
        except Exception:  # one broken page must not stop the workspace
            logger.exception("web: %s %s failed", method, path)
            response = Response(pages.layout("错误 Error", "<p>Something went wrong; see the "
                                             "log.</p>"), "500 Internal Server Error")  # fmt: skip
        start(response.status, [*response.headers, ("Content-Length", str(len(response.body)))])
        return [response.body]

    def _respond(self, environ: WSGIEnvironment, method: str, path: str, query: Query) -> Response:
        if self.token:
            given = _first(query, "token")
            if given and hmac.compare_digest(given, self.token):
                cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                return redirect(path, [("Set-Cookie", cookie)])
            if not self._authorised(environ):
                return Response("token required: open the address printed by `opinion web`",
                                "401 Unauthorized", "text/plain")  # fmt: skip
        handler = self.routes.get((method, path))
        if handler is None:
            return Response(pages.layout("Not found", "<p>No such page.</p>"), "404 Not Found")
        form: Query = {}
        if method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(min(size, 1 << 20)).decode("utf-8", "replace")
            form = parse_qs(raw, keep_blank_values=True)
            if not hmac.compare_digest(_first(form, "form_key"), self.form_key):
                return Response("stale or foreign form: reload the page", "403 Forbidden",
                                "text/plain")  # fmt: skip
        with self._lock:
            return handler(query, form)

    def _authorised(self, environ: WSGIEnvironment) -> bool:
        bearer = environ.get("HTTP_AUTHORIZATION", "")
        if bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:].strip(), self.token):
            return True
        cookie: SimpleCookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = cookie.get(COOKIE)
        return morsel is not None and hmac.compare_digest(morsel.value, self.token)

    def _since(self, query: Query, default: str = "7d") -> datetime | None:
        from opinion_spiders.analysis.report import parse_when

        text = _first(query, "since", default)
        return parse_when(text, "since", self.tz, datetime.now(UTC)) if text != "all" else None

    # -- pages ---------------------------------------------------------------------------------
    def overview(self, query: Query, form: Query) -> Response:
        from opinion_spiders.analysis.report import analysis_part

        since = self._since(query)
        shown = _first(query, "since", "7d")
        by_day = self.store.count_posts(("day", "kind"), since)
        kinds = [k for k in KINDS if any(r.get("kind") == k for r in by_day)] or list(KINDS)
        per_kind = {k: sum(r["count"] for r in by_day if r.get("kind") == k) for k in KINDS}
        sites = self.store.count_posts(("site", "kind"), since)
        top_sites = list(dict.fromkeys(str(r["site"]) for r in sites))[:6]
        site_days = [
            r for r in self.store.count_posts(("day", "site"), since) if r["site"] in top_sites
        ]
        rules = self.store.rule_hits(since)
        top_rules = [str(r["rule"]) for r in rules[:6]]
        rule_days = [r for r in self.store.rule_days(since) if r["rule"] in top_rules]
        entities = self.store.entity_hits(since)[:15]
        top_entities = _entity_labels(entities[:6])
        entity_days = [
            {**r, "entity": top_entities[r["entity"]]}
            for r in self.store.entity_days(since)
            if r["entity"] in top_entities
        ]
        alerts = self.store.find_alerts(since, limit=5000)
        states = {s: sum(1 for a in alerts if review_state(a) == s) for s in STATES}
        watch = analysis_part(self.store, since, self.settings, datetime.now(UTC))
        periods = watch.get("periods") or {"active": [], "upcoming": []}
        spans = (("24h", "24 小时"), ("7d", "7 天"), ("30d", "30 天"), ("all", "全部"))
        choose = " ".join(pages.link("/", label, since=value) for value, label in spans)
        body = [
            f"<p>{choose}</p>",
            '<div class="cards">' + "".join(
                f'<span class="kind-total" data-kind="{k}">{k}: <b>{n}</b></span>'
                for k, n in per_kind.items()
            ) + "".join(
                f"<span>{pages.link('/alerts', f'{s}: {n}', state=s)}</span>"
                for s, n in states.items()
            ) + "</div>",
            "<h2>每日帖子 Posts per day</h2>", pages.day_chart(by_day, kinds),
            "<h2>站点趋势 Sites per day</h2>",
            pages.day_chart(site_days, top_sites, key="site", chart_id="sites-per-day"),
            "<h2>规则趋势 Rules per day</h2>",
            pages.day_chart(rule_days, top_rules, key="rule", chart_id="rules-per-day"),
            "<h2>关注对象趋势 Watched entities per day</h2>",
            pages.day_chart(entity_days, list(top_entities.values()), key="entity",
                            chart_id="entities-per-day"),
            "<h2>事件 Events (bursts)</h2>",
            pages.table(("level", "what", "posts", "expected", "from", "to", "first post"), [
                (escape(str(e.get("level") or "")),
                 pages.link("/event", f"{e.get('dimension')}: {e.get('name') or e.get('value')}",
                            id=e["_id"]),
                 str(e.get("count") or 0), f"{float(e.get('expected') or 0):.1f}",
                 pages.when(e.get("start"), self.tz), pages.when(e.get("end"), self.tz),
                 self._first_post(e)) for e in self.store.find_events(since, limit=20)],
                cls="events"),
            "<h2>话题 Stories</h2>",
            pages.table(("tier", "score", "story", "posts", "sites", "review"), [
                (escape(str(a.get("tier") or "")), f"{float(a.get('score') or 0):.1f}",
                 pages.link("/story", str(a.get("title") or a["_id"]), id=a["_id"]),
                 str(a.get("posts") or 1), escape(_sites(a)),
                 escape(review_state(a)))
                for a in sorted((a for a in alerts if a.get("type", "post") == "post"),
                                key=lambda a: -float(a.get("score") or 0))[:20]],
                cls="stories"),
            "<h2>删帖 Taken down</h2>",
            pages.table(("taken down", "site", "thread", "what the page said"), [
                (pages.when((p.get("removed") or {}).get("at"), self.tz),
                 escape(str(p.get("site") or "")),
                 pages.link("/post", str(p.get("title") or p["_id"]), id=p["_id"]),
                 escape(str((p.get("removed") or {}).get("notice") or "")))
                for p in self.store.find_removed(since, limit=20)], cls="removed"),
            "<h2>站点 Sites</h2>",
            pages.table(("site", "kind", "posts"), [
                (pages.link("/search", str(r["site"]), site=r["site"], since=shown),
                 escape(str(r["kind"])), str(r["count"])) for r in sites]),
            "<h2>规则 Rules</h2>",
            pages.table(("rule", "posts"), [
                (pages.link("/search", str(r["rule"]), rule=r["rule"], since=shown),
                 str(r["count"])) for r in rules]),
            "<h2>关注对象 Watched entities</h2>",
            pages.table(("entity", "posts"), [
                (pages.link("/search", str(r.get("name") or r["entity"]), entity=r["entity"],
                            since=shown), str(r["count"])) for r in entities]),
            "<h2>敏感时期 Sensitive periods</h2>",
            pages.table(("", "period", "from", "to", "weight"), [
                (label, escape(w["name"]), pages.when(w["start"], self.tz),
                 pages.when(w["end"], self.tz), str(w["weight"]))
                for label in ("active", "upcoming") for w in periods[label]]),
            "<h2>预案 Watch plans</h2>",
            pages.table(("plan", "state", "from", "to"), [
                (escape(p["name"]), escape(p["state"]), pages.when(p["start"], self.tz),
                 pages.when(p["end"], self.tz)) for p in watch.get("plans") or []]),
        ]  # fmt: skip
        note = f"times in {self.tz}"
        return Response(pages.layout("总览 Overview", "".join(body), note=note))

    def _first_post(self, event: Mapping[str, Any]) -> str:
        first = event.get("first_post") or {}
        if not first.get("id"):
            return ""
        return pages.link("/post", str(first.get("title") or first["id"]), id=first["id"])

    def alerts(self, query: Query, form: Query) -> Response:
        state = _first(query, "state", "open")
        if state not in (*STATES, "all"):
            raise ConfigError("alerts", state, f"state is one of {', '.join(STATES)} or all")
        found = self.store.find_alerts(self._since(query, "all"), limit=5000)
        shown = [a for a in found if state == "all" or review_state(a) == state][:PAGE_ROWS]
        tabs = " ".join(pages.link("/alerts", s, state=s) for s in (*STATES, "all"))
        rows = [self._alert_row(a) for a in shown]
        exports = " ".join(
            pages.link("/export", fmt, what="alerts", format=fmt, state=state)
            for fmt in export.FORMATS
        )
        body = (
            f"<p>{tabs}</p><p>导出 Export: {exports}</p>"
            + pages.table(
                ("created", "tier", "score", "site", "title", "review", "action"),
                rows,
                cls="alerts",
            )  # fmt: skip
        )
        return Response(pages.layout(f"预警 Alerts — {state}", body, note=f"times in {self.tz}"))

    def _alert_row(self, a: Mapping[str, Any]) -> tuple[str, ...]:
        review = a.get("review") or {}
        who = (
            f"{escape(review_state(a))} · {escape(str(review.get('by', '')))} "
            f"{pages.when(review.get('at'), self.tz)}"
            if review
            else "open"
        )
        if review.get("note"):
            who += f"<br><i>{escape(str(review['note']))}</i>"
        title = str(a.get("title") or a.get("_id"))
        shown_title = _alert_link(a, title)
        buttons = "".join(f'<button name="action" value="{act}">{act}</button>' for act in ACTIONS)
        form = (
            f'<form class="inline review" method="post" action="/alerts/review">'
            f'<input type="hidden" name="form_key" value="{self.form_key}">'
            f'<input type="hidden" name="id" value="{escape(str(a["_id"]))}">'
            f'<input name="by" placeholder="name" size="8" required>'
            f'<input name="note" placeholder="note" size="16">{buttons}</form>'
        )
        tier = escape(str(a.get("tier") or ""))
        return (
            pages.when(a.get("created_at"), self.tz), f'<span class="tier-{tier}">{tier}</span>',
            f"{float(a.get('score') or 0):.1f}", escape(str(a.get("site") or "")), shown_title,
            who, form,
        )  # fmt: skip

    def review(self, query: Query, form: Query) -> Response:
        alert_id = _first(form, "id")
        alert = self.store.get_alert(alert_id)
        if alert is None:
            raise ConfigError("alerts", alert_id, "no such alert")
        done = reviewed(alert, _first(form, "action"), _first(form, "by"), datetime.now(UTC),
                        _first(form, "note"))  # fmt: skip
        self.store.update_alert(alert_id, {"review": done})
        return redirect("/alerts?state=all")

    def _selection(self, query: Query) -> PostFilter:
        from opinion_spiders.analysis.search import post_filter

        score = _first(query, "min_score")
        try:
            min_score = float(score) if score else None
        except ValueError:
            raise ConfigError("search", "min_score", f"{score!r} is not a number") from None
        return post_filter(
            self.tz, since=_first(query, "since"), until=_first(query, "until"),
            sites=_many(query, "site"), kinds=_many(query, "kind"), rules=_many(query, "rule"),
            entities=_many(query, "entity"), min_score=min_score, names=("since", "until"),
        )  # fmt: skip

    def search(self, query: Query, form: Query) -> Response:
        from opinion_spiders.analysis.search import parse_query, search

        words = _first(query, "q")
        fields = {k: _first(query, k) for k in ("since", "until", "site", "kind", "rule",
                                                "entity", "min_score")}  # fmt: skip
        inputs = "".join(
            f'<label>{name} <input name="{name}" value="{escape(value)}" size="10"></label> '
            for name, value in fields.items()
        )
        box = (
            f'<form method="get" action="/search"><input name="q" value="{escape(words)}" '
            f'size="40" placeholder="拆迁 城管|执法 -广告"> {inputs}<button>search</button></form>'
        )
        selection = self._selection(query)
        rule = parse_query(words)
        if rule is None and not any(fields.values()):
            return Response(pages.layout("检索 Search", box))
        result = search(self.store, rule, selection, limit=PAGE_ROWS)
        rows = []
        for item in result.found:
            post = item.post
            title, content = hit_spans(item.hits, "title"), hit_spans(item.hits, "content")
            rows.append((
                pages.when(post.get("published_at") or post.get("crawled_at"), self.tz),
                escape(str(post.get("site") or "")), f"{float(post.get('score') or 0):.1f}",
                f'<a href="/post?id={escape(str(post["_id"]))}">'
                f"{pages.highlighted(str(post.get('title') or ''), title)}</a><br>"
                + pages.highlighted(str(post.get("content") or ""), content, 80),
            ))  # fmt: skip
        exports = " ".join(
            pages.link("/export", fmt, what="posts", format=fmt, q=words, **fields)
            for fmt in export.FORMATS
        )
        found = f"{len(result.found)} found in {result.scanned} searched"
        if result.cut_short:
            found += " (older posts not searched: narrow the filter)"
        body = (
            box
            + f'<p id="found">{found}. 导出 Export: {exports}</p>'
            + pages.table(("time", "site", "score", "post"), rows, cls="results")
        )
        return Response(pages.layout("检索 Search", body, note=f"times in {self.tz}"))

    def post(self, query: Query, form: Query) -> Response:
        post = self.store.get_post(_first(query, "id"))
        if post is None:
            return Response(pages.layout("Not found", "<p>No such post.</p>"), "404 Not Found")
        spans = {f: match_spans(post, f) for f in ("title", "content")}
        story = self.store.get_alert(story_key(post))
        story_link = (f" · {pages.link('/story', '话题 story', id=story['_id'])}"
                      if story and story.get("type", "post") == "post" else "")  # fmt: skip
        rules = ", ".join(escape(f"{m.get('rule')} ({m.get('name')})")
                          for m in post.get("matches") or [])  # fmt: skip
        removed = post.get("removed") or {}
        gone = (f'<p class="removed">删帖 taken down: found gone on a revisit '
                f"{pages.when(removed.get('at'), self.tz)} — "
                f"{escape(str(removed.get('notice') or ''))}</p>" if removed else "")  # fmt: skip
        body = (
            gone
            + f"<p>{escape(str(post.get('site')))} · {escape(str(post.get('kind')))} · "
            f"{escape(str(post.get('author') or ''))} · "
            f"{pages.when(post.get('published_at') or post.get('crawled_at'), self.tz)} · "
            f'<a href="{escape(str(post.get("url")))}">source</a>{story_link}</p>'
            f"<h2>{pages.highlighted(str(post.get('title') or ''), spans['title'])}</h2>"
            f'<div class="content" style="white-space:pre-wrap">'
            f"{pages.highlighted(str(post.get('content') or ''), spans['content'])}</div>"
            f"<h2>规则 Rules</h2><p>{rules or 'none'}</p>"
            f"<h2>得分 Score {float(post.get('score') or 0):.1f}</h2>"
            + pages.table(("value", "source", "reason"), [
                (f"{float(c.get('value') or 0):+g}", escape(str(c.get("source"))),
                 escape(str(c.get("reason")))) for c in post.get("contributions") or []])
        )  # fmt: skip
        return Response(pages.layout(str(post.get("title") or post["_id"]), body))

    def story(self, query: Query, form: Query) -> Response:
        from opinion_spiders.events.evidence import story_evidence

        story_id = _first(query, "id")
        alert = self.store.get_alert(story_id) if story_id else None
        if alert is not None and alert.get("type") == "event" and alert.get("event_id"):
            return redirect(pages.href("/event", id=alert["event_id"]))
        if alert is None or alert.get("type", "post") != "post":
            what = f"No story has the id {story_id!r}" if story_id else "Give a story id"
            return _not_found(f"{what}: open a story from the overview's stories or the alert "
                              "queue (its id is its alert's, e.g. thread:site:123).")  # fmt: skip
        evidence = story_evidence(self.store, alert, self.tz)
        body = detail.story_body(alert, evidence, self.tz)
        title = f"话题 Story: {alert.get('title') or alert['_id']}"
        return Response(pages.layout(title, body, note=f"times in {self.tz}"))

    def event(self, query: Query, form: Query) -> Response:
        from opinion_spiders.events.documents import event_title
        from opinion_spiders.events.evidence import event_evidence

        event_id = _first(query, "id")
        event = self.store.get_events([event_id]).get(event_id) if event_id else None
        if event is None:
            what = f"No event has the id {event_id!r}" if event_id else "Give an event id"
            return _not_found(f"{what}: open an event from the overview's events or the alert "
                              "queue (e.g. rule:petition:2026-12-02T16:00Z).")  # fmt: skip
        evidence = event_evidence(self.store, event, self.tz)
        body = detail.event_body(event, evidence, self.tz)
        title = f"事件 Event: {event_title(event)}"
        return Response(pages.layout(title, body, note=f"times in {self.tz}"))

    def export(self, query: Query, form: Query) -> Response:
        from opinion_spiders.analysis.search import parse_query, search

        what, fmt = _first(query, "what", "posts"), _first(query, "format", "csv")
        if fmt not in export.FORMATS or what not in ("posts", "alerts"):
            raise ConfigError("export", f"{what}.{fmt}", "what is posts or alerts, format one "
                              f"of {', '.join(export.FORMATS)}")  # fmt: skip
        if what == "alerts":
            state = _first(query, "state", "all")
            alerts = self.store.find_alerts(None, limit=100_000)
            rows = [export.alert_row(a, self.tz) for a in alerts
                    if state == "all" or review_state(a) == state]  # fmt: skip
            columns: tuple[str, ...] = export.ALERT_COLUMNS
        else:
            result = search(self.store, parse_query(_first(query, "q")), self._selection(query),
                            limit=100_000, scan=200_000)  # fmt: skip
            rows = [export.post_row(item.post, self.tz) for item in result.found]
            columns = export.POST_COLUMNS
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{what}.{fmt}"
            export.write(rows, columns, path, fmt)
            data = path.read_bytes()
        stamp = datetime.now(UTC).astimezone(self.tz).strftime("%Y%m%d-%H%M")
        kinds = {
            "csv": "text/csv",
            "json": "application/json",
            "jsonl": "application/x-ndjson",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        disposition = f'attachment; filename="opinion-{what}-{stamp}.{fmt}"'
        return Response(data, content_type=kinds[fmt],
                        headers=[("Content-Disposition", disposition)])  # fmt: skip


def _entity_labels(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Entity id -> the name a chart shows (with the id when two entities share a name)."""
    names = [str(r.get("name") or r["entity"]) for r in rows]
    return {
        str(r["entity"]): name if names.count(name) == 1 else f"{name} ({r['entity']})"
        for r, name in zip(rows, names, strict=True)
    }


def _alert_link(alert: Mapping[str, Any], label: str) -> str:
    """An alert's page: its story's, its event's, or (a site-health alert …) its post's."""
    kind = alert.get("type", "post")
    if kind == "post":
        return pages.link("/story", label, id=alert["_id"])
    if kind == "event" and alert.get("event_id"):
        return pages.link("/event", label, id=alert["event_id"])
    post = alert.get("post_id")
    return pages.link("/post", label, id=post) if post else escape(label)


def _not_found(message: str) -> Response:
    return Response(pages.layout("Not found", f'<p class="error">{escape(message)}</p>'),
                    "404 Not Found")  # fmt: skip


def _sites(alert: Mapping[str, Any]) -> str:
    return ", ".join(str(x) for x in alert.get("sites") or [alert.get("site")])


def _first(query: Query, name: str, default: str = "") -> str:
    values = query.get(name) or [default]
    return values[0].strip()


def _many(query: Query, name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in query.get(name) or [] if v.strip())
