"""The alert ledger at work: raise once, deliver to each channel, retry with backoff, hold in
quiet hours and send the digest afterwards. No Scrapy; the pipeline and the CLI call these.

Each channel's result is written to the ledger right after its try, so a retry never sends
an alert again to a channel that already has it; where the store does not take that write,
the raise still returns what it sent, with the writes left for the caller to spool
(:attr:`Outcome.unwritten`) — a raise that failed after a send would be sent again. One lock
per process keeps the crawlers of one ``opinion crawl`` from retrying the same alert at once.

While the store is down the ledger cannot be read: :class:`OfflineLedger` keeps the alerts
raised meanwhile in memory (a story still alerts once in the process) and hands its writes
to the caller to spool, so the ledger gets them when the spool replays.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from opinion_spiders.alerting.policy import (
    AlertPolicy,
    Channel,
    Tiers,
    delivery_due,
    is_delivered,
    record_failure,
    record_success,
    tier_for,
    tier_table,
)
from opinion_spiders.events.stories import cluster_story_key, grow
from opinion_spiders.stores.base import Store, StoreUnavailable
from opinion_spiders.stores.spool import Spool

logger = logging.getLogger("opinion_spiders.alerts")
_LOCK = threading.Lock()
#: How many open (pending or held) ledger entries one retry pass takes, newest first.
RETRY_SCAN_LIMIT = 100_000
OPEN_STATUSES = ("pending", "held")
#: Alert types that are stories: a later post (or a grown burst) updates the one alert.
STORY_TYPES = ("post", "event")


@dataclass
class Outcome:
    """What one raise or retry did, for stats and the CLI."""

    status: str = ""
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    digests: int = 0
    #: the story's alert was there already and grew; it was delivered again if it escalated
    grew: bool = False
    escalated: bool = False
    #: a new story turned out a copy of an earlier story's post, and grew that one instead
    folded: bool = False
    #: ledger writes the store did not take after a channel was tried (``(alert id, fields)``,
    #: in order): the alert went out, so the caller must not send it again for the failure —
    #: it spools them for the ledger to learn when the store is back
    unwritten: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class Ledger(Protocol):
    """What raising an alert reads and writes: a store, or an :class:`OfflineLedger`."""

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None: ...
    def alert_ids(self, ids: Sequence[str]) -> set[str]: ...
    def get_alert(self, alert_id: str) -> dict[str, Any] | None: ...
    def insert_alert(self, alert: Mapping[str, Any]) -> bool: ...
    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None: ...
    def delete_alert(self, alert_id: str) -> None: ...


class OfflineLedger:
    """The alerts a process raised while its store was down, in memory; the writes made to
    them wait in :meth:`take_writes` (``(op, docs)`` for the spool, in order). The caller
    keeps raising a story it holds here until the spool has been replayed: the stored ledger
    learns of the story only then."""

    def __init__(self) -> None:
        self.alerts: dict[str, dict[str, Any]] = {}
        self._writes: list[tuple[str, list[dict[str, Any]]]] = []

    def __contains__(self, alert_id: object) -> bool:
        return alert_id in self.alerts

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        return None  # merges are the store's; unknown while it is down

    def alert_ids(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.alerts}

    def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        return self.alerts.get(alert_id)

    def insert_alert(self, alert: Mapping[str, Any]) -> bool:
        if alert["_id"] in self.alerts:
            return False
        self.alerts[str(alert["_id"])] = doc = dict(alert)
        self._writes.append(("insert_alert", [doc]))
        return True

    def delete_alert(self, alert_id: str) -> None:
        """Never asked for while the store is down (a new story folds only into a stored
        one), so nothing to spool."""
        self.alerts.pop(alert_id, None)

    def update_alert(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        doc = self.alerts.get(alert_id)
        if doc is None:
            return
        for path, value in fields.items():
            *parents, leaf = path.split(".")
            target = doc
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = value
        self._writes.append(("update_alert", [{"_id": alert_id, "fields": dict(fields)}]))

    def take_writes(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The writes since the last call, to spool in this order. An insert is spooled as
        the alert stands now (its deliveries too), so its updates are left out."""
        writes, self._writes = self._writes, []
        inserted = {docs[0]["_id"] for op, docs in writes if op == "insert_alert"}
        return [(op, docs) for op, docs in writes
                if op == "insert_alert" or docs[0]["_id"] not in inserted]  # fmt: skip


def spool_unwritten(spool: Spool, outcome: Outcome) -> int:
    """Append the ledger writes a raise could not make after its delivery
    (:attr:`Outcome.unwritten`) to ``spool``, in order, for the ledger to take when the spool
    replays; how many."""
    for alert_id, fields in outcome.unwritten:
        spool.append([{"_id": alert_id, "fields": fields}], "update_alert")
    return len(outcome.unwritten)


def channel_key(channel: Channel) -> str:
    """A channel name usable as a field path (``deliveries.<name>``)."""
    return str(channel.name).replace(".", "_").lstrip("$") or "channel"


def raise_alert(
    store: Ledger,
    channels: Sequence[Channel],
    alert: dict[str, Any],
    policy: AlertPolicy,
    now: datetime,
    tiers: Tiers | None = None,
    copy_of: Callable[[], Sequence[str]] | None = None,
) -> Outcome | None:
    """Write the alert to the ledger, then deliver it (or hold it in quiet hours).

    A post's or an event's alert is its story's: when the ledger has it already, the story
    grows (more posts, sites, a higher score) and is delivered again only when it reaches a
    higher tier — ``tiers`` (default the policy's; a sensitive period's lower ones from the
    alert stage) say where the story's score lands. None when nothing changed; other alerts
    (site health) are raised once and never updated.

    ``copy_of()`` names the stories of the stored copies of a post alert's post. A new story
    whose post is a copy of a story raised earlier — two crawl processes each met one copy
    before either had stored its own, so neither saw the other's (the cluster step joins the
    two later) — is that story: its ledger entry is removed before anything is sent, and the
    earlier story grows by the post. Each process looks after its own insert, so of two new
    stories the later one always sees the earlier one, and folds into it. "Earlier" is by
    ``created_at``, which such an alert takes from the clock as it goes in (not ``now``): it
    orders two inserts as they landed, but for two that land within one insert's latency.
    """
    with _LOCK:
        if _story_alerted(store, alert):
            return None
        existing = store.get_alert(str(alert["_id"]))
        if existing is None:
            if policy.holds(alert, now):
                alert["status"] = "held"
            if alert.get("type") in STORY_TYPES:
                alert["history"] = [_step(alert, "raised", now)]
            if copy_of is not None:
                alert["created_at"] = datetime.now(UTC)
            if store.insert_alert(alert):
                try:
                    earlier = _earlier_story(store, alert, copy_of) if copy_of else None
                except StoreUnavailable:  # the look failed: the story goes out as it would have
                    earlier = None
                if earlier is None:
                    return _deliver_new(store, channels, alert, policy, now)
                _fold(store, earlier, alert)  # delivered again only if it escalates
                out = _grow(store, channels, earlier, alert, policy, now, tiers)
                out = out or Outcome(grew=True)
                out.folded = True
                return out
            existing = store.get_alert(str(alert["_id"]))  # another process raised it meanwhile
        if existing is None or alert.get("type") not in STORY_TYPES:
            return None
        return _grow(store, channels, existing, alert, policy, now, tiers)


def _earlier_story(
    store: Ledger, alert: Mapping[str, Any], copy_of: Callable[[], Sequence[str]]
) -> dict[str, Any] | None:
    """Of the stories the post is a copy of, the earliest raised (then by ``_id``), when it
    was raised before this one; else None."""
    if alert.get("type") != "post":
        return None
    mine = _raised(alert)
    found = [store.get_alert(story) for story in dict.fromkeys(copy_of()) if story != mine[1]]
    earlier = [d for d in found if d is not None and d.get("type") == "post" and _raised(d) < mine]
    return min(earlier, key=_raised, default=None)


def _raised(alert: Mapping[str, Any]) -> tuple[datetime, str]:
    created = alert.get("created_at")
    return (created if isinstance(created, datetime) else datetime.max.replace(tzinfo=UTC),
            str(alert["_id"]))  # fmt: skip


def _fold(store: Ledger, earlier: Mapping[str, Any], alert: dict[str, Any]) -> None:
    """The new story is the earlier one: its entry goes, and ``alert`` is re-keyed to the
    earlier story, for that one to grow by its post."""
    store.delete_alert(str(alert["_id"]))
    logger.info("alert %s: its post is a copy of story %s's, which grows instead",
                alert["_id"], earlier["_id"])  # fmt: skip
    alert["_id"] = earlier["_id"]
    alert.pop("history", None)


def _deliver_new(
    store: Ledger, channels: Sequence[Channel], alert: dict[str, Any], policy: AlertPolicy,
    now: datetime,
) -> Outcome:  # fmt: skip
    run = _Run(store, channels, policy, now)
    if alert["status"] == "held":
        logger.info("alert %s held for the digest after quiet hours", alert["_id"])
        run.out.status = "held"
    else:
        run.deliver(alert)
    return run.out


def _grow(
    store: Ledger,
    channels: Sequence[Channel],
    existing: dict[str, Any],
    alert: dict[str, Any],
    policy: AlertPolicy,
    now: datetime,
    tiers: Tiers | None,
) -> Outcome | None:
    """One more post (or a grown event) for a story the ledger has: update it, and deliver
    it again — once — when it escalated to a higher tier."""
    table = tier_table(tiers) if tiers is not None else list(policy.tiers)
    order = [name for name, _ in table]
    fields, escalated = grow(existing, alert, order, lambda s: tier_for(s, dict(table)), now)
    changed = {k: v for k, v in fields.items() if k != "updated_at" and existing.get(k) != v}
    if not changed:
        return None
    if escalated:
        fields["deliveries"] = {}
        fields["status"] = "held" if policy.holds({**existing, **fields}, now) else "pending"
    store.update_alert(str(existing["_id"]), fields)
    existing.update(fields)
    out = Outcome(grew=True, escalated=escalated)
    if escalated:
        out = _deliver_new(store, channels, existing, policy, now)
        out.grew = out.escalated = True
        logger.info("alert %s escalated to %s", existing["_id"], existing.get("tier"))
    return out


def _step(alert: Mapping[str, Any], step: str, now: datetime) -> dict[str, Any]:
    note = f"{alert.get('posts') or alert.get('count') or 1} posts"
    return {"at": now, "step": step, "tier": alert.get("tier"), "score": alert.get("score"),
            "note": note}  # fmt: skip


def _story_alerted(store: Ledger, alert: dict[str, Any]) -> bool:
    """Whether the alert's cluster already alerted under another id: clusters merge (a copy
    bridged two), and one story must not alert again under the surviving id. A cluster
    story's alert is re-keyed to the cluster its id now leads to."""
    cluster_id = alert.get("cluster_id")
    if not cluster_id or alert["_id"] != cluster_story_key(str(cluster_id)):
        return False
    cluster = store.get_cluster(str(cluster_id))
    if cluster is None:
        return False
    alert["cluster_id"] = cluster["_id"]
    alert["_id"] = cluster_story_key(str(cluster["_id"]))
    absorbed = [cluster_story_key(str(c)) for c in cluster.get("merged_from") or ()]
    return bool(store.alert_ids(absorbed))


def retry_pending(
    store: Store, channels: Sequence[Channel], now: datetime, policy: AlertPolicy | None = None
) -> Outcome:
    """Retry alerts still ``pending`` whose backoff is over, and — outside quiet hours — send
    the alerts ``held`` during them as one digest per channel. Safe to call any time.

    For the CLI and schedulers; crawls do it on their own (see ``pipelines.alert``).
    """
    run = _Run(store, channels, policy or AlertPolicy(tiers=()), now)
    with _LOCK:
        found = store.find_alerts(limit=RETRY_SCAN_LIMIT, status=OPEN_STATUSES)
        for alert in (a for a in found if a.get("status") == "pending"):
            run.deliver(alert)
        held = [a for a in found if a.get("status") == "held"]
        if held and not run.policy.is_quiet(now):
            run.digest(held)
    return run.out


class _Run:
    """One pass over the ledger with a fixed clock, collecting what happened."""

    def __init__(
        self, store: Ledger, channels: Sequence[Channel], policy: AlertPolicy, now: datetime
    ) -> None:
        self.store, self.channels, self.policy, self.now = store, channels, policy, now
        self.names = [channel_key(c) for c in channels]
        self.out = Outcome()
        self.tried = False  # a channel was tried: from then on a failed write is no failure

    def deliver(self, alert: dict[str, Any]) -> None:
        """Try every channel that is due; record each result before the next send (the last
        one in the same write as the status, one update less an alert); settle the status."""
        deliveries = alert.setdefault("deliveries", {})
        record: dict[str, Any] = {}
        for channel, name in zip(self.channels, self.names, strict=True):
            if delivery_due(deliveries.get(name), self.now):
                if record:
                    self._write(alert["_id"], record)
                sent = self._try(channel, partial(channel.send, alert))
                record = self._record(alert, name, sent, write=False)
        self.out.status = self._settle(alert, "pending", record)

    def digest(self, held: list[dict[str, Any]]) -> None:
        """One message per channel listing the held alerts that channel has not had yet."""
        for channel, name in zip(self.channels, self.names, strict=True):
            due = [a for a in held if delivery_due(_record_of(a, name), self.now)]
            if due:
                self._digest_to(channel, name, due)
        for alert in held:
            self._settle(alert, "held")

    def _digest_to(self, channel: Channel, name: str, due: list[dict[str, Any]]) -> None:
        send_digest = getattr(channel, "send_digest", None)
        if send_digest is None:
            for alert in due:
                self._record(alert, name, self._try(channel, partial(channel.send, alert)))
            return
        error = self._try(channel, partial(send_digest, due))
        self.out.digests += int(error is None)
        for alert in due:
            self._record(alert, name, error, digest=True)

    def _write(self, alert_id: str, fields: Mapping[str, Any]) -> None:
        """Write to the ledger; once a channel was tried, a store that does not take the write
        leaves it in :attr:`Outcome.unwritten` (what was sent stays sent) instead of failing
        the raise, whose caller would send the alert again without the ledger."""
        try:
            self.store.update_alert(alert_id, fields)
        except StoreUnavailable as exc:
            if not self.tried:
                raise
            if not self.out.unwritten:
                logger.warning("alert %s: ledger write after its delivery failed, to be "
                               "spooled: %s", alert_id, exc)  # fmt: skip
            self.out.unwritten.append((alert_id, dict(fields)))

    def _try(self, channel: Channel, send: Callable[[], object]) -> BaseException | None:
        self.tried = True
        try:
            send()
        except Exception as exc:  # noqa: BLE001 - a failing channel must not stop the others
            self.out.failed.append(channel_key(channel))
            logger.error("alert not delivered to %s: %s: %s", channel.name, type(exc).__name__, exc)
            return exc
        self.out.sent.append(channel_key(channel))
        return None

    def _record(
        self, alert: dict[str, Any], name: str, error: BaseException | None, digest: bool = False,
        write: bool = True,
    ) -> dict[str, Any]:  # fmt: skip
        """One channel's result, written at once (``write``; else by the caller before anything
        else is sent): a crash later cannot make it send again. The fields it sets."""
        old = _record_of(alert, name)
        if error is None:
            new = record_success(old, self.now, digest=digest)
        else:
            new = record_failure(old, self.now, error, self.policy)
        alert.setdefault("deliveries", {})[name] = new
        fields = {f"deliveries.{name}": new}
        if write:
            self._write(alert["_id"], fields)
        return fields

    def _settle(
        self, alert: dict[str, Any], open_status: str, record: Mapping[str, Any] | None = None
    ) -> str:
        """``sent`` (with ``alerted_at``) once every channel has it, else stays open; written
        with ``record``, a channel's result not written yet."""
        fields: dict[str, Any] = {"status": open_status}
        if is_delivered(alert.get("deliveries") or {}, self.names):
            # alerted_at stays the first moment; an escalation's delivery is last_sent_at
            first = alert.get("alerted_at") is None
            fields = {"status": "sent", "alerted_at" if first else "last_sent_at": self.now}
        write = dict(record or {})
        if alert.get("status") != fields["status"]:
            write.update(fields)
        if write:
            self._write(alert["_id"], write)
        alert.update(fields)
        return str(fields["status"])


def _record_of(alert: Mapping[str, Any], name: str) -> Any:
    return (alert.get("deliveries") or {}).get(name)
