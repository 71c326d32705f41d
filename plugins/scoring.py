"""Built-in scoring rules: fired keyword rules, engagement, and the site's weight."""

from __future__ import annotations

import math

from opinion_spiders import hookimpl
from opinion_spiders.core.scoring import Contribution
from opinion_spiders.items import Post
from opinion_spiders.sites import Site

#: Engagement adds at most this much: busy threads rank higher, but never alert on their own.
MAX_ENGAGEMENT = 5.0


def rule_contributions(post: Post) -> list[Contribution]:
    out = []
    for m in post.matches:
        terms = "、".join(sorted({h["term"] for h in m.get("hits", [])}))
        value = float(m["severity"]) * float(m["weight"])
        reason = (
            f"rule {m['rule']} ({m['name']}) on {terms}: "
            f"severity {m['severity']} × weight {m['weight']}"
        )
        out.append(Contribution("rules", value, reason))
    return out


def engagement_contribution(post: Post) -> list[Contribution]:
    replies = post.replies or 0
    if replies <= 0:
        return []
    value = round(min(MAX_ENGAGEMENT, math.log2(1 + replies)), 3)
    return [
        Contribution(
            "engagement", value, f"{replies} replies: log2(1+replies), at most {MAX_ENGAGEMENT}"
        )
    ]


def site_weight_contribution(post: Post, site: Site, base: float) -> list[Contribution]:
    if site.weight == 1.0 or base == 0:
        return []
    value = round(base * (site.weight - 1.0), 3)
    return [
        Contribution(
            "site_weight", value, f"site {site.name} weight {site.weight} × rule score {base}"
        )
    ]


@hookimpl
def opinion_score(post: Post, site: Site) -> list[Contribution]:
    rules = rule_contributions(post)
    base = sum(c.value for c in rules)
    return [*rules, *engagement_contribution(post), *site_weight_contribution(post, site, base)]
