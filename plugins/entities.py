"""Built-in scoring rule: watched entities, worth more next to a fired rule's terms.

Reads ``post.entities`` as the entity stage (``pipelines.entities``) stored them, so the
hook needs no settings. A mention alone counts a little (it ranks posts about watched bodies
and officials); a mention within the watchlist's window of a rule's term counts much more.
"""

from __future__ import annotations

from opinion_spiders import hookimpl
from opinion_spiders.core.scoring import Contribution
from opinion_spiders.items import Post
from opinion_spiders.sites import Site

#: Points for an entity near a fired rule's term, and for a mention alone (× entity weight).
NEAR_VALUE = 8.0
MENTION_VALUE = 1.0
#: At most this many entities score, the highest first: a list of place names is not news.
MAX_ENTITIES = 3


def entity_contributions(post: Post) -> list[Contribution]:
    out = []
    for entity in post.entities:
        weight = float(entity.get("weight", 1.0))
        near = entity.get("near")
        label = f"entity {entity['name']} ({entity['kind']}, {entity['id']})"
        if near:
            value = NEAR_VALUE * weight
            reason = (
                f"{label} {near['distance']} characters from rule {near['rule']}'s term "
                f"{near['term']}: {NEAR_VALUE} × weight {weight}"
            )
        else:
            value = MENTION_VALUE * weight
            reason = f"{label} mentioned: {MENTION_VALUE} × weight {weight}"
        out.append(Contribution("entity", round(value, 3), reason))
    out.sort(key=lambda c: -c.value)
    return out[:MAX_ENTITIES]


@hookimpl
def opinion_score(post: Post, site: Site) -> list[Contribution]:
    return entity_contributions(post)
