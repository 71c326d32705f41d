"""``opinion match``: what the crawl would make of one text, without crawling it.

The text goes through the same stages as a crawled post — keyword rules, the watchlist, the
sensitive periods at a given time — and then every scoring plugin, so the score and its
reasons are the ones the post would get in the crawl (spread and engagement aside: a lone
text has neither copies nor replies).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from opinion_spiders.cli._common import json_default, now_from_args, settings_from_args
from opinion_spiders.core.posts import match_fields
from opinion_spiders.core.scoring import collect_contributions, total
from opinion_spiders.errors import ConfigError
from opinion_spiders.items import Post
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from opinion_spiders.text.rules import Matcher, load_rule_file
from opinion_spiders.text.segment import Segmenter
from opinion_spiders.watch.config import calendar_from_settings
from opinion_spiders.watch.entities import EntityFinder, entities_document, near_rule_terms
from opinion_spiders.watch.periods import periods_document


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="?", help="the text to match (as a post's content)")
    parser.add_argument("--file", help="match the content of this UTF-8 file instead")
    parser.add_argument("--rules", help="a rule file (default: the configured rules)")
    parser.add_argument("--title", default="", help="a title to match along with the text")
    parser.add_argument("--site", default="", help="the site name, for rules limited to sites")
    parser.add_argument("--kind", default="", help="forum, portal or postbar, for kind limits")
    parser.add_argument("--at", help="published at this ISO date/time (periods), default now")
    parser.add_argument("--json", action="store_true", help="one JSON object")


def run(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.file is None):
        raise ConfigError("opinion match", "", "give exactly one of TEXT and --file F")
    text = args.text
    if args.file is not None:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(args.file, "", f"cannot read it as UTF-8 text: {exc}") from None
    settings = settings_from_args(args)
    when = now_from_args(args, "opinion match", settings)
    runtime = Runtime(settings)
    if args.rules:
        segmenter = Segmenter(runtime.watchlist.words())  # as the runtime's knows them
        matcher = Matcher(load_rule_file(args.rules).rules, segmenter)
    else:
        matcher = runtime.matcher
    result = score_text(
        runtime, matcher, title=args.title, content=text, site=args.site, kind=args.kind,
        when=when,
    )  # fmt: skip
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=json_default))
    else:
        print(format_result(result))
    return 0


def format_result(result: dict[str, Any]) -> str:
    """Fired rules with each hit as field[start:end] and its context, the watched entities
    and periods, then the score and its reasons."""
    lines = []
    for m in result["matches"]:
        lines.append(f"{m['rule']} ({m['name']}) severity {m['severity']} × weight {m['weight']}")
        for h in m["hits"]:
            lines.append(f"  {h['term']}  {h['field']}[{h['start']}:{h['end']}]  …{h['context']}…")
    if not result["matches"]:
        lines.append("no rule fired")
    for e in result["entities"]:
        spans = ", ".join(f"{h['text']} {h['field']}[{h['start']}:{h['end']}]" for h in e["hits"])
        near = e.get("near")
        close = f"; {near['distance']} characters from {near['term']}" if near else ""
        lines.append(f"entity {e['name']} ({e['kind']}, {e['id']}): {spans}{close}")
    for p in result["periods"]:
        lines.append(f"period {p['name']} ({p['id']}, {p['phase']}) weight {p['weight']}")
    lines.append(f"score {result['score']:g}")
    lines.extend(f"  {c['value']:+g}  {c['reason']}" for c in result["contributions"])
    return "\n".join(lines)


def score_text(
    runtime: Runtime,
    matcher: Matcher,
    *,
    title: str,
    content: str,
    site: str,
    kind: str,
    when: datetime,
) -> dict[str, Any]:
    """The fired rules, watched entities, active periods, score and contributions of a text
    published at ``when`` on ``site`` (a declared site lends its kind and weight)."""
    declared = runtime.sites.get(site)
    site_obj = declared or Site(name=site, kind=kind, engine="", start_urls=())
    kind = kind or site_obj.kind
    post = Post(site=site, kind=kind, url="", title=title, content=content)
    post.published_at = post.crawled_at = when
    watchlist = runtime.watchlist
    segmenter = matcher.segmenter
    fields = match_fields(post)
    post.matches = matcher.match(fields, site=site, kind=kind)
    if watchlist.entities:
        hits = EntityFinder(watchlist, segmenter.is_word).find(fields)
        near = near_rule_terms(hits, post.matches, watchlist.window)
        post.entities = entities_document(hits, near)
    calendar = calendar_from_settings(runtime.settings)
    if calendar.periods:
        post.periods = periods_document(calendar, when)
    results = runtime.plugins.hook.opinion_score(post=post, site=site_obj)
    contributions = collect_contributions(results)
    return {
        "matches": post.matches,
        "entities": post.entities,
        "periods": post.periods,
        "score": total(contributions),
        "contributions": [c.to_dict() for c in contributions],
    }
