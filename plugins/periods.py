"""Built-in scoring rule: posts published in a sensitive period score more.

Reads ``post.periods`` as the period stage (``pipelines.periods``) stored them. Only posts
that already have something to watch (a fired rule or a watched entity) are lifted, so a
quiet post never alerts because of the date; overlapping periods count once, by the
heaviest.
"""

from __future__ import annotations

from opinion_spiders import hookimpl
from opinion_spiders.core.scoring import Contribution
from opinion_spiders.items import Post
from opinion_spiders.sites import Site


def period_contribution(post: Post) -> list[Contribution]:
    if not post.periods or not (post.matches or post.entities):
        return []
    top = max(post.periods, key=lambda p: float(p["weight"]))  # the first of equals
    others = [p["name"] for p in post.periods if p is not top]
    label = f"{top['name']} ({top['id']}, {top['phase']})"
    reason = f"published in period {label}: weight {top['weight']}"
    if others:
        reason += f"; also active: {'、'.join(others)}"
    return [Contribution("period", float(top["weight"]), reason)]


@hookimpl
def opinion_score(post: Post, site: Site) -> list[Contribution]:
    return period_contribution(post)
