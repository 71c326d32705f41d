"""The event detector at work on a store: read the baseline once, count posts as they come,
and per batch write the bursts as events and raise or escalate their alerts. No Scrapy; the
pipeline ``pipelines.events`` and tests drive it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from opinion_spiders.alerting import AlertPolicy, Channel, raise_alert, spool_unwritten
from opinion_spiders.events.bursts import MEMORY_POSTS, Burst, BurstDetector, BurstPolicy
from opinion_spiders.events.documents import event_alert, event_document, stored_ids
from opinion_spiders.stores.base import Store
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from opinion_spiders.watch.periods import Calendar

logger = logging.getLogger("opinion_spiders.events")
#: What the detector reads of each stored post for its baseline.
SEED_FIELDS = ("time", "published_at", "crawled_at", "site", "title", "url", "author",
               "thread_id", "cluster_id", "cluster_size", "cluster_first_id", "matches",
               "entities", "terms")  # fmt: skip
#: Stored posts read as baseline at most: as many as the detector keeps (it would forget the
#: rest at its first look for bursts).
SEED_LIMIT = MEMORY_POSTS


class EventDetector:
    """A :class:`BurstDetector` with its alert policy and sensitive-period calendar."""

    def __init__(
        self,
        policy: BurstPolicy,
        alerts: AlertPolicy,
        calendar: Calendar | None = None,
    ) -> None:
        factor_at = calendar.threshold_factor if calendar and calendar.periods else None
        self.bursts_of = BurstDetector(policy, factor_at)
        self.alerts = alerts
        self.seeded = False
        #: where an event alert's ledger writes go that the store did not take after its
        #: delivery (:func:`~opinion_spiders.alerting.spool_unwritten`); None: nowhere
        self.spool: Spool | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> EventDetector:
        from opinion_spiders.watch.config import calendar_from_settings

        calendar = calendar_from_settings(settings)
        detector = cls(BurstPolicy.from_settings(settings), AlertPolicy.from_settings(settings),
                       calendar)  # fmt: skip
        detector.spool = Spool(spool_dir(settings))
        return detector

    @property
    def policy(self) -> BurstPolicy:
        return self.bursts_of.policy

    def seed(self, store: Store, now: datetime | None = None) -> int:
        """Count the stored posts of the history window as baseline, once per detector."""
        if self.seeded:
            return 0
        now = now or datetime.now(UTC)
        since = now - self.policy.bucket * self.policy.history
        posts = store.recent_posts(since, SEED_FIELDS, SEED_LIMIT)
        self.seeded = True
        return sum(self.bursts_of.add(p, touch=False) for p in reversed(posts))

    def add(self, post: Mapping[str, Any]) -> bool:
        return self.bursts_of.add(post)

    def bursts(self, now: datetime) -> list[Burst]:
        """The bursts the posts since the last call took part in (history pruned first)."""
        self.bursts_of.prune(now)
        return self.bursts_of.detect()

    def retouch(self, bursts: Sequence[Burst]) -> None:
        """Bursts that could not be written are looked at again with the next batch."""
        for b in bursts:
            self.bursts_of.touch(b.key, b.end)

    def record(
        self, bursts: Sequence[Burst], store: Store, channels: Sequence[Channel], now: datetime
    ) -> dict[str, int]:
        """Write the bursts as events (one ``_id`` read, one batched write) and raise or
        escalate the alert of each event that ended within ``alert_within``; counts of what
        happened, for stats."""
        # A burst is stored under its first bucket; one seen again after it grew back into
        # earlier buckets is the event stored under a later one within it, and a story of
        # words may have been stored under another of its words: one _id read of them all
        # for every burst, and the first stored one wins.
        spans = [stored_ids(b, self.bursts_of) for b in bursts]
        stored = store.get_events([i for span in spans for i in span])
        previous = _previous(bursts, spans, stored)
        docs = [
            event_document(b, self.bursts_of, prev, now)
            for b, prev in zip(bursts, previous, strict=True)
        ]
        store.upsert_events(docs)
        done: Counter[str] = Counter(events=len(docs))
        done.update(f"new/{d['dimension']}" for d in docs if d["_id"] not in stored)
        names = [name for name, _ in self.alerts.tiers]
        for doc in docs:
            if doc["end"] < now - self.policy.alert_within:
                continue
            alert = event_alert(doc, names, now)
            outcome = raise_alert(store, channels, alert, self.alerts, now) if alert else None
            if outcome is None:
                continue
            done["escalated" if outcome.escalated else "grew" if outcome.grew else "alerts"] += 1
            if outcome.unwritten and self.spool is not None:
                done["ledger_spooled"] += spool_unwritten(self.spool, outcome)
        return dict(done)


def _previous(
    bursts: Sequence[Burst], spans: Sequence[Sequence[str]], stored: Mapping[str, Any]
) -> list[Mapping[str, Any] | None]:
    """Each burst's stored event, each stored event to one burst at most: first a burst's own
    ids (its word, its dimension's key), then those of the words folded into it."""
    found: list[Mapping[str, Any] | None] = [None] * len(bursts)
    taken: set[str] = set()
    for own in (True, False):
        for n, (burst, span) in enumerate(zip(bursts, spans, strict=True)):
            if found[n] is not None:
                continue
            ids = span[: burst.end - burst.start + 1] if own else span
            hit = next((i for i in ids if i in stored and i not in taken), None)
            if hit is not None:
                found[n] = stored[hit]
                taken.add(hit)
    return found
