"""Built-in scoring rule: spread. A text copied many times, above all across sites, is
travelling; the score says so with the cluster's size and site count as its reason."""

from __future__ import annotations

import math

from opinion_spiders import hookimpl
from opinion_spiders.core.scoring import Contribution
from opinion_spiders.items import Post
from opinion_spiders.sites import Site

#: Spread adds at most this much: wide reposting raises a post, but alerts need more.
MAX_SPREAD = 15.0
#: Per doubling of the copies, and per site beyond the first.
PER_DOUBLING = 2.0
PER_EXTRA_SITE = 3.0


def spread_contribution(size: int, site_count: int) -> Contribution | None:
    """``2·log2(copies) + 3·(sites − 1)``, at most :data:`MAX_SPREAD`; None for a lone post."""
    if size < 2:
        return None
    raw = PER_DOUBLING * math.log2(size) + PER_EXTRA_SITE * max(0, site_count - 1)
    value = round(min(MAX_SPREAD, raw), 3)
    reason = (
        f"repost cluster of {size} copies on {site_count} site{'s' * (site_count != 1)}: "
        f"{PER_DOUBLING:g}·log2(copies) + {PER_EXTRA_SITE:g}·(sites − 1), at most {MAX_SPREAD:g}"
    )
    return Contribution("spread", value, reason)


@hookimpl
def opinion_score(post: Post, site: Site) -> list[Contribution]:
    found = spread_contribution(post.cluster_size, len(post.cluster_sites))
    return [found] if found else []
