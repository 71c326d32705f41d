"""Bursts: when the posts of one rule, watched entity, site, near-duplicate cluster or word
rise above that key's own baseline, and by how much.

Method. Posts are counted per key in fixed time buckets (one hour by default) by their
``time`` (published_at, else crawl time). The baseline of a key is the larger of an
exponentially weighted moving average (EWMA) of its earlier buckets and the mean count of the
same hour of day on the days before (at most seven: the daily cycle, so a busy morning after a
quiet night is no burst), floored at a small rate so that a key that was silent still needs
several posts to burst. A bucket bursts when its count is improbable under
a negative-binomial distribution with that mean (variance ``λ + φλ²``): its *surprise*
``-log10 P(X ≥ count)`` reaches the threshold (3: p ≤ 0.001) and it holds at least
``min_count`` posts — or, for a burst the bucket boundary cut in two, the bucket with the one
before it against twice the baseline. Why negative binomial: post counts are over-dispersed
(a daily cycle, busy evenings), and a Poisson test on a busy key fires on every evening;
φ = 0 is Poisson,
right for quiet keys where the floor dominates anyway. Burst buckets do not feed the
baseline (a long burst is not absorbed into its own baseline) until a run is ``max_run``
buckets long. The first ``warmup`` buckets of what the detector has seen only teach the
baseline. Consecutive burst buckets (bridged by one bucket still above its baseline, which
also ends a burst as its tail) are one burst; its level comes from the surprise of its total
against the summed baseline: notice at the threshold, warning at 2×, urgent at 4× — so a
burst that grows escalates. An active sensitive period multiplies the threshold and the
minimum count by its ``threshold_factor`` (0.8: bursts are called at 80 % of the usual surprise).

Emerging terms are the same test on each word of the posts (jieba search terms, stop words
out), stricter because thousands of words are tested at once: surprise 4.5, at least 4 posts
(not lowered by a period) in at least 2 threads; a word's parts are dropped when the whole
word rose in the same posts, and the words of one story — they rise together, in the same
posts at the same time — are one event, led by the most surprising of them (see
:func:`fold_co_rising`).

Memory. The detector keeps what it counted for the history, but never more than
:data:`MEMORY_POSTS` posts (as many as it reads from the store at start): past that, its
oldest buckets are forgotten early, as the posts come (not only when it looks: a slow look
pauses the next), down to nine tenths of it, and the baseline is shorter
than the history (its first ``1 / alpha`` buckets only teach the EWMA again) — so a busy
7×24 crawl holds a bounded detector (bench.memory). A post's words are kept as small ints of
the detector's vocabulary (its words, one string each, and how many kept posts hold each):
the rising words of a burst start from one numpy count over its posts' word ids. Words are
counted per bucket by id (the other keys keep their posts per bucket), and a word's posts in a
bucket are found, when it may burst there, by one numpy comparison over the bucket's word ids.
"""

from __future__ import annotations

import bisect
import itertools
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

import numpy as np

LEVELS = ("notice", "warning", "urgent")
#: Factors of the threshold at which each level starts.
LEVEL_FACTORS = (1.0, 2.0, 4.0)
DIMENSIONS = ("rule", "entity", "site", "cluster", "term")
#: Posts the detector keeps at most (see the module docstring): ~5.6 kB each (a crawl's
#: posts: the record, its words' ids and their counts per bucket, the vocabulary).
MEMORY_POSTS = 50_000
Key = tuple[str, str]

#: Words too common to rise in a way that means anything (jieba tokens, after folding).
_STOP_TEXT = files("opinion_spiders.events").joinpath("stopwords.txt").read_text("utf-8")
STOP_WORDS = frozenset(
    word for line in _STOP_TEXT.splitlines() if not line.startswith("#") for word in line.split()
)

_LN10 = math.log(10)


def _distribution(
    mean: float, dispersion: float
) -> tuple[Callable[[int], float], Callable[[int], float]]:
    """``log P(X = k)`` and ``P(X = k + 1) / P(X = k)`` of the negative binomial with ``mean``
    and variance ``mean + dispersion·mean²`` (Poisson when ``dispersion`` is 0)."""
    if dispersion > 0:
        r = 1.0 / dispersion
        q = mean / (r + mean)

        def log_pmf(k: int) -> float:
            return (
                math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1)
                + r * math.log1p(-q) + k * math.log(q)
            )  # fmt: skip

        def ratio(k: int) -> float:
            return (k + r) / (k + 1) * q

        return log_pmf, ratio

    def poisson_log_pmf(k: int) -> float:
        return -mean + k * math.log(mean) - math.lgamma(k + 1)

    def poisson_ratio(k: int) -> float:
        return mean / (k + 1)

    return poisson_log_pmf, poisson_ratio


def surprise(count: float, mean: float, dispersion: float = 0.0) -> float:
    """``-log10 P(X ≥ count)`` for X negative-binomial with ``mean`` and variance
    ``mean + dispersion·mean²`` (Poisson when ``dispersion`` is 0). 0 for a count at or
    below the mean's neighbourhood; large when the count is improbable."""
    x = math.ceil(count)
    if x <= 0 or mean <= 0:
        return 0.0 if x <= 0 else math.inf
    log_pmf, ratio = _distribution(mean, dispersion)
    if x <= mean:  # the tail is most of the mass: 1 - the lower sum, without cancellation
        lower = sum(math.exp(log_pmf(k)) for k in range(x))
        return -math.log10(max(1e-300, 1.0 - lower)) if lower < 1 else 0.0
    first = log_pmf(x)
    total, term, k = 1.0, 1.0, x
    if dispersion > 0:
        while k < x + 100_000:
            term *= ratio(k)
            total += term
            k += 1
            if term < 1e-12 * total:
                break
    else:  # the same series, ``ratio`` written out: this loop is most of a word's surprise
        while k < x + 100_000:
            term *= mean / (k + 1)
            total += term
            k += 1
            if term < 1e-12 * total:
                break
    return max(0.0, -(first + math.log(total)) / math.log(10))


def reaches(count: int, mean: float, dispersion: float, threshold: float) -> bool:
    """``surprise(count, mean, dispersion) >= threshold``, mostly told from the probability of
    ``count`` alone: the tail is that times 1 to ``1 / (1 - ratio)``, where ``ratio`` is the
    next probability's share of it — the largest share on when the ratios fall, as they do
    for Poisson and for ``dispersion <= 1`` (shape ``r >= 1``). Only a count whose bounds
    straddle the threshold sums its tail."""
    x = math.ceil(count)
    if x <= mean or mean <= 0 or dispersion > 1:
        return surprise(count, mean, dispersion) >= threshold
    log_pmf, ratio = _distribution(mean, dispersion)
    high, step = -log_pmf(x) / _LN10, ratio(x)
    if high < threshold - 1e-9:
        return False
    if step < 1 and high + math.log1p(-step) / _LN10 > threshold + 1e-9:
        return True
    return surprise(count, mean, dispersion) >= threshold


#: How far inside :func:`reaches`'s bounds :func:`reaches_all` must find a count to tell it in
#: numpy (whose logarithms may differ from :mod:`math`'s in the last place): closer, it asks
#: :func:`reaches`.
_MARGIN = 1e-9


def reaches_all(
    counts: np.ndarray, means: np.ndarray, dispersion: float, threshold: float | np.ndarray
) -> np.ndarray:
    """:func:`reaches` of many positive integer ``counts`` at once (against one threshold or
    one each): each told from its probability alone, as there, in numpy — its tail is at
    least that probability, so a count whose probability is not improbable enough does not
    reach, whatever its mean (most counts at or below theirs) — and by :func:`reaches`
    itself where that does not tell by :data:`_MARGIN`."""
    limit = np.broadcast_to(np.asarray(threshold, dtype=float), counts.shape)
    out = np.zeros(len(counts), dtype=bool)
    told = np.zeros(len(counts), dtype=bool)
    fast = (counts > 0) & (means > 0) if dispersion <= 1 else told
    at = np.flatnonzero(fast)
    if len(at):
        x, mean = counts[at].astype(float), means[at]
        ks, back = np.unique(counts[at], return_inverse=True)  # each count's lgamma once
        below = np.array([math.lgamma(k + 1) for k in ks.tolist()])[back]
        if dispersion > 0:
            r = 1.0 / dispersion
            q = mean / (r + mean)
            above = np.array([math.lgamma(k + r) for k in ks.tolist()])[back]
            log_pmf = above - math.lgamma(r) - below + r * np.log1p(-q) + x * np.log(q)
            step = (x + r) / (x + 1) * q
        else:
            log_pmf = -mean + x * np.log(mean) - below
            step = mean / (x + 1)
        high, bound = -log_pmf / _LN10, limit[at]
        no = high < bound - 1e-9 - _MARGIN
        with np.errstate(divide="ignore", invalid="ignore"):
            low = high + np.log1p(-step) / _LN10  # the tail's bound where the ratios fall
        yes = (x > mean) & (step < 1) & (low > bound + 1e-9 + _MARGIN)
        out[at[yes]] = True
        told[at[no | yes]] = True
    for n in np.flatnonzero(~told).tolist():
        out[n] = reaches(int(counts[n]), float(means[n]), dispersion, float(limit[n]))
    return out


@dataclass(frozen=True)
class BurstPolicy:
    """The detector's knobs, read from ``OPINION_EVENTS_*`` settings in one place."""

    bucket: timedelta = timedelta(hours=1)
    #: EWMA weight of the newest bucket in the baseline
    alpha: float = 0.2
    #: least expected posts per bucket: a silent key needs several posts to burst
    floor: float = 0.2
    #: negative-binomial φ (variance λ + φλ²); 0 is Poisson
    dispersion: float = 0.1
    #: surprise (−log10 p) at which a bucket bursts and an event is a notice
    threshold: float = 3.0
    min_count: int = 3
    #: words must rise in this many posts (a sensitive period does not lower it) and in at
    #: least ``term_min_stories`` threads, past a higher surprise: thousands of words are
    #: tested at once, so one of them is improbable by chance every hour at p = 0.001
    term_min_count: int = 4
    term_min_stories: int = 2
    term_threshold: float = 4.5
    #: buckets of history kept as baseline
    history: int = 7 * 24
    #: buckets at the start of what the detector has seen (a first crawl, the history kept)
    #: that only teach the baseline: everything looks like a burst against no baseline
    warmup: int = 24
    #: a burst this many buckets long starts to feed its baseline
    max_run: int = 24
    #: member post ids an event keeps
    max_posts: int = 200
    #: events whose last burst bucket ended longer ago than this raise no alert
    alert_within: timedelta = timedelta(hours=24)
    terms: bool = True
    #: a word whose burst shares this share of its posts (or of the lead's, if fewer) with a
    #: more surprising word's burst at the same time is folded into that word's event (0: off)
    term_fold: float = 0.5

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> BurstPolicy:
        """The policy of the ``OPINION_EVENTS_*`` settings (checked by :mod:`opinion_spiders.
        config`)."""
        from opinion_spiders.config import config_of

        c = config_of(settings)
        hours = c.events_bucket_hours
        return cls(
            bucket=timedelta(hours=hours),
            alpha=c.events_alpha,
            floor=c.events_floor,
            dispersion=c.events_dispersion,
            threshold=c.events_threshold,
            min_count=c.events_min_count,
            term_min_count=c.events_term_min_count,
            term_min_stories=c.events_term_min_stories,
            term_threshold=c.events_term_threshold,
            history=max(2, int(c.events_history_days * 24 / hours)),
            warmup=int(c.events_warmup_hours / hours),
            alert_within=timedelta(hours=c.events_alert_within_hours),
            terms=c.events_terms,
            term_fold=c.events_term_fold,
        )

    def bucket_of(self, when: datetime) -> int:
        return math.floor(when.timestamp() / self.bucket.total_seconds())

    def bucket_start(self, bucket: int) -> datetime:
        return datetime.fromtimestamp(bucket * self.bucket.total_seconds(), UTC)

    def level(self, value: float, factor: float, dimension: str = "") -> str | None:
        """The level a surprise reaches with the threshold scaled by ``factor``."""
        found = None
        for name, times in zip(LEVELS, LEVEL_FACTORS, strict=True):
            if value >= self.threshold_of(dimension) * factor * times:
                found = name
        return found

    def threshold_of(self, dimension: str) -> float:
        return self.term_threshold if dimension == "term" else self.threshold

    def min_posts(self, dimension: str, factor: float) -> int:
        if dimension == "term":
            return self.term_min_count
        return max(2, round(self.min_count * factor))


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What the detector keeps of a post: enough for an event's first post and its terms."""

    id: str
    time: datetime
    site: str
    story: str
    title: str = ""
    url: str = ""
    author: str = ""
    #: the post's words (each once), as int32 ids of the detector's :class:`Vocabulary`
    term_ids: bytes = b""


@dataclass
class Burst:
    """One run of burst buckets of one key, as of the posts seen so far."""

    dimension: str
    value: str
    name: str
    start: int
    end: int
    counts: dict[int, int]
    baseline: float
    total: int
    expected: float
    surprise: float
    threshold: float
    factor: float
    level: str
    post_ids: list[str]
    rising: list[dict[str, Any]] = field(default_factory=list)
    #: the words folded into this word's burst (:func:`fold_co_rising`), most surprising
    #: first: [{term, count, surprise}]
    words: list[dict[str, Any]] = field(default_factory=list)
    #: what the detector kept of its posts, taken when it was found: the event is written
    #: from these on another thread while the detector counts and forgets posts
    records: list[PostRecord] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.dimension, self.value)

    @property
    def peak(self) -> int:
        return max(self.counts, key=lambda b: (self.counts[b], -b))


def drop_subwords(bursts: list[Burst]) -> list[Burst]:
    """jieba's search mode gives a compound and its parts (农民工, 农民, 民工): a word's burst
    is left out when a longer word containing it rose in the same posts at the same time."""
    words = [b for b in bursts if b.dimension == "term"]
    ids = {id(b): frozenset(b.post_ids) for b in words}  # once each, not once a pair
    # the words each word is a part of, and the words in exactly the same posts
    holders: dict[str, list[Burst]] = {}
    alike: dict[frozenset[str], list[Burst]] = {}
    for o in words:
        for part in word_parts(o.value):
            holders.setdefault(part, []).append(o)
        alike.setdefault(ids[id(o)], []).append(o)

    def covered(b: Burst) -> bool:
        mine = ids[id(b)]
        for o in holders.get(b.value, ()):
            if o.start <= b.end and b.start <= o.end and mine <= ids[id(o)]:
                return True
        rank = (-len(b.value), b.value)
        for o in alike[mine]:  # words that always come together (a phrase): one event
            overlaps = o.start <= b.end and b.start <= o.end
            if o is not b and overlaps and (-len(o.value), o.value) < rank:
                return True
        return False

    return [b for b in bursts if b.dimension != "term" or not covered(b)]


def _rank(burst: Burst) -> tuple[float, int, str]:
    return (-burst.surprise, -len(burst.value), burst.value)


def fold_co_rising(bursts: list[Burst], share: float) -> list[Burst]:
    """The words of one story rise together — 火灾, 消防, 起火 and the estate's name in the
    posts about one fire —, and one event with its words says so better than one event (and
    one alert) a word. Word bursts are taken most surprising first (then the longer word,
    then the word); each joins the first lead before it whose burst overlaps it in time and
    shares at least ``share`` of the posts of the smaller of the two, and is listed in that
    lead's ``words``; else it leads an event of its own. A word joins a lead, never another
    joined word, so unrelated stories do not chain together through a common word. Bursts of
    other keys are kept as they are; ``share`` 0 folds nothing."""
    if share <= 0:
        return bursts
    words = sorted((b for b in bursts if b.dimension == "term"), key=_rank)
    leads: list[Burst] = []
    lead_posts: list[frozenset[str]] = []
    leads_of: dict[str, list[int]] = {}  # post id -> the leads holding it
    folded: set[int] = set()
    for burst in words:
        mine = frozenset(burst.post_ids)
        shared = Counter(n for post in mine for n in leads_of.get(post, ()))
        host = next(
            (
                n for n in sorted(shared)
                if leads[n].start <= burst.end and burst.start <= leads[n].end
                and shared[n] >= share * min(len(mine), len(lead_posts[n]))
            ),
            None,
        )  # fmt: skip
        if host is not None:
            leads[host].words.append(
                {"term": burst.value, "count": burst.total, "surprise": burst.surprise}
            )
            folded.add(id(burst))
            continue
        for post in mine:
            leads_of.setdefault(post, []).append(len(leads))
        leads.append(burst)
        lead_posts.append(mine)
    return [b for b in bursts if id(b) not in folded]


#: The most surprise a word seen no more often than expected can show (``surprise(n, m)`` for
#: ``2 <= n <= m``: 0.293 at most; the Poisson tail from the mean on is about half the mass).
AT_MOST_EXPECTED = 0.35


def _rising(term: str, n: int, expected: float) -> dict[str, Any] | None:
    """The word's entry, or None when it is not more frequent than chance at all."""
    value = surprise(n, max(expected, 1e-3))
    if value <= 0:
        return None
    return {"term": term, "count": n, "expected": round(expected, 2), "surprise": round(value, 2)}


def _entries(words: Iterable[tuple[str, int, float]]) -> list[dict[str, Any]]:
    return [e for e in (_rising(*w) for w in words) if e is not None]


def _poisson_bounds(n: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of each ``surprise(n, max(expected, 1e-3))`` (Poisson,
    ``n > mean``) from the probability of ``n`` alone: the tail is that times 1 to
    ``1 / (1 - mean / (n + 1))``."""
    mean = np.maximum(expected, 1e-3)
    first = -mean + n * np.log(mean) - _log_factorials(n)
    high = -first / _LN10
    return high + np.log1p(-mean / (n + 1)) / _LN10 - 1e-9, high + 1e-9


#: ``lgamma(k + 1)`` for k from 0, grown to the largest count asked for
_LOG_FACTORIALS: list[np.ndarray] = [np.zeros(0)]


def _log_factorials(n: np.ndarray) -> np.ndarray:
    table = _LOG_FACTORIALS[0]
    top = int(n.max()) if len(n) else 0
    if top >= len(table):
        size = max(top + 1, 2 * len(table), 256)
        table = np.array([math.lgamma(k + 1) for k in range(size)])
        _LOG_FACTORIALS[0] = table
    found: np.ndarray = table[n]
    return found


def _longer_words(words: Iterable[tuple[str, int]]) -> dict[int, set[str]]:
    """Count -> the words of over two characters with that count."""
    longer: dict[int, set[str]] = {}
    for term, count in words:
        if len(term) > 2:
            longer.setdefault(count, set()).add(term)
    return longer


class _Longer:
    """Whether a word is part of a longer word with its count (of over two characters): the
    parts of the longer words of one count are gathered when a word of that count is first
    asked about (most counts never are: only the words judged for the top ones)."""

    def __init__(self, longer: dict[int, set[str]]) -> None:
        self.longer = longer
        self.parts: dict[int, set[str]] = {}

    def hides(self, term: str, count: int) -> bool:
        parts = self.parts.get(count)
        if parts is None:
            parts = self.parts[count] = set()
            for word in self.longer.get(count, ()):
                parts |= word_parts(word)
        return term in parts


def _shown(term: str, count: int, exclude: str, longer: _Longer) -> bool:
    """Neither a part of the burst's own word nor of a longer word with its count."""
    return term not in exclude and not longer.hides(term, count)


def _best(
    candidates: list[tuple[float, tuple[str, int, float]]],
    top: int,
    shown: Callable[[tuple[str, int, float]], bool],
) -> list[dict[str, Any]]:
    """The ``top`` entries by surprise of the words ``shown``, judging words in the order of
    their upper bounds and stopping once no word left can rank: its bound is a hundredth
    below the ``top``-th."""
    candidates.sort(key=lambda c: -c[0])
    judged: list[dict[str, Any]] = []
    order = lambda t: (-t["surprise"], -t["count"], t["term"])  # noqa: E731
    for high, word in candidates:
        if len(judged) >= top:
            judged.sort(key=order)
            del judged[top:]
            if judged[-1]["surprise"] - 0.01 > high:
                break
        if not shown(word):
            continue
        entry = _rising(*word)
        if entry is not None:
            judged.append(entry)
    judged.sort(key=order)
    return judged[:top]


def _words(
    vocabulary: Vocabulary, ids: np.ndarray, counts: np.ndarray, expected: np.ndarray
) -> list[tuple[str, int, float]]:
    """(word, posts holding it, posts expected to) of each id."""
    words = vocabulary.words
    return [
        (words[i], n, e)
        for i, n, e in zip(ids.tolist(), counts.tolist(), expected.tolist(), strict=True)
    ]


def word_parts(word: str) -> set[str]:
    """Every shorter run of the word's characters (农民工: 农, 民, 工, 农民, 民工)."""
    size = len(word)
    return {word[i:j] for i in range(size) for j in range(i + 1, size + 1) if j - i < size}


def _holds_part(word: str, count: int, parts: set[tuple[str, int]]) -> bool:
    """Whether a shorter word in ``parts`` with this count is part of ``word``."""
    return any((part, count) in parts for part in word_parts(word))


def _top_rising(found: list[dict[str, Any]], exclude: str, top: int) -> list[dict[str, Any]]:
    """The ``top`` rising words by surprise, a word left out for a longer one with its count
    (农民 beside 农民工 when both are in as many posts) and the burst's own word's parts left
    out."""
    found = sorted(found, key=lambda t: (-t["surprise"], -t["count"], t["term"]))
    longer = _Longer(_longer_words((t["term"], t["count"]) for t in found))
    kept = (t for t in found if _shown(t["term"], t["count"], exclude, longer))
    return list(itertools.islice(kept, top))  # the first ``top``: the rest is not judged


def post_keys(post: Mapping[str, Any]) -> list[tuple[Key, str]]:
    """The keys a stored post counts under but its words, each with a display name (a
    post's words, :func:`event_terms`, count as ``("term", word)`` keys of their own)."""
    keys: list[tuple[Key, str]] = [(("site", str(post.get("site") or "")), "")]
    for m in post.get("matches") or []:
        if isinstance(m, Mapping) and m.get("rule"):
            keys.append((("rule", str(m["rule"])), str(m.get("name") or "")))
    for e in post.get("entities") or []:
        if isinstance(e, Mapping) and e.get("id"):
            keys.append((("entity", str(e["id"])), str(e.get("name") or "")))
    if post.get("cluster_id") and int(post.get("cluster_size") or 0) >= 2:
        keys.append((("cluster", str(post["cluster_id"])), ""))
    return list(dict.fromkeys(keys))


def event_terms(post: Mapping[str, Any]) -> list[str]:
    """The post's search terms that may rise: not stop words, not numbers."""
    return [
        t
        for t in post.get("terms") or []
        if isinstance(t, str) and t not in STOP_WORDS and not t.isdigit()
    ]


def story_of(post: Mapping[str, Any]) -> str:
    """A thread on one site, else the repost cluster, else the post itself."""
    if post.get("thread_id"):
        return f"thread:{post.get('site')}:{post['thread_id']}"
    if post.get("cluster_id"):
        return f"cluster:{post['cluster_id']}"
    return f"post:{post.get('_id')}"


def post_time(post: Mapping[str, Any]) -> datetime | None:
    when = post.get("time") or post.get("published_at") or post.get("crawled_at")
    return when if isinstance(when, datetime) else None


class Vocabulary:
    """The words of the posts a detector keeps, as small ints, with how many of those posts
    hold each word: a burst's word counts are then one numpy count over its posts' ids, not
    a Python loop over their words. A word no kept post holds is forgotten and its id given to
    the next new word (a 7×24 crawl meets new names and typos without end; nothing refers to
    the id of a word of forgotten posts). Per post it stays in plain Python: a numpy call may
    let go of the GIL, and the crawl's thread then waits for the store's to hand it back.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self.posts: list[int] = []
        #: ids of forgotten words, for new ones
        self.free: list[int] = []

    def encode(self, terms: Iterable[str]) -> array[int]:
        """The ids of ``terms`` (distinct words: one post's), counting one more post for each."""
        ids, posts = self.ids, self.posts
        found = array("i")
        for term in terms:
            index = ids.get(term)
            if index is None:
                if self.free:
                    index = ids[term] = self.free.pop()
                    self.words[index] = term
                else:
                    index = ids[term] = len(self.words)
                    self.words.append(term)
                    posts.append(0)
            posts[index] += 1
            found.append(index)
        return found

    def forget(self, encoded: Iterable[bytes]) -> None:
        """The posts of these ids are no longer kept; words no kept post holds are forgotten."""
        posts, words = self.posts, self.words
        for one in encoded:
            for index in _ids(one):
                posts[index] -= 1
                if posts[index] == 0:
                    del self.ids[words[index]]
                    words[index] = ""
                    self.free.append(index)

    def decode(self, encoded: bytes) -> tuple[str, ...]:
        return tuple(self.words[i] for i in _ids(encoded))

    def posts_with(self, term: str) -> int:
        """How many kept posts hold ``term``."""
        index = self.ids.get(term)
        return 0 if index is None else self.posts[index]

    def holding(self, ids: np.ndarray) -> np.ndarray:
        """How many kept posts hold each word of ``ids``."""
        posts = self.posts
        return np.array([posts[i] for i in ids.tolist()], dtype=np.int64)

    def counts(self, encoded: Iterable[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Each word id of these posts, with how many of them hold it."""
        ids = np.frombuffer(b"".join(encoded), dtype=np.int32)
        found, counts = np.unique(ids, return_counts=True)
        return found, counts


def _ids(encoded: bytes) -> array[int]:
    ids = array("i")
    ids.frombytes(encoded)
    return ids


#: A bucket of a key's scan: the bucket, its posts, its baseline and its period factor.
Entry = tuple[int, int, float, float]


class _Runs:
    """A key's runs of burst buckets as its scan takes its buckets in order. A run is
    consecutive buckets; its bridge, the bucket after it still above its baseline, goes with
    it — the burst goes on through it, or ends with it."""

    __slots__ = ("bridge", "done", "run")

    def __init__(self) -> None:
        self.done: list[list[Entry]] = []
        self.run: list[Entry] = []
        self.bridge: Entry | None = None

    def ends_at(self, bucket: int) -> bool:
        return bool(self.run) and self.run[-1][0] == bucket

    def take(self, entry: Entry, bursts: bool, before: Entry | None, max_run: int) -> bool:
        """Take the next bucket ``entry`` that ``bursts`` alone, or together with ``before``,
        the bucket before it (a burst cut in two by the bucket boundary). Whether the
        baseline holds: the bucket bursts, in a run shorter than ``max_run``."""
        run, bridge = self.run, self.bridge
        if before is not None:
            bursts = True
            if not (bridge and bridge[0] == before[0]):
                if run:
                    self.done.append(run)
                run, bridge = [before], None
        b, count, lam, _ = entry
        if bursts:
            if run and b != run[-1][0] + 1:
                if bridge and bridge[0] == run[-1][0] + 1 and b == bridge[0] + 1:
                    run.append(bridge)
                else:
                    self.done.append(run + ([bridge] if bridge else []))
                    run = []
            run.append(entry)
            bridge = None
        elif run and bridge is None and b == run[-1][0] + 1 and count > lam:
            bridge = entry  # still above its baseline: the burst goes on, or ends with it
        elif run:
            self.done.append(run + ([bridge] if bridge else []))
            run, bridge = [], None
        self.run, self.bridge = run, bridge
        return bursts and len(run) < max_run

    def finish(self) -> list[list[Entry]]:
        """Every run, the one open too."""
        if self.run:
            self.done.append(self.run + ([self.bridge] if self.bridge else []))
            self.run, self.bridge = [], None
        return self.done


def _touched(runs: list[list[Entry]], marks: Sequence[int]) -> list[list[Entry]]:
    """The runs that hold a bucket of the sorted ``marks`` (a run is consecutive buckets:
    its ends tell what it holds)."""
    return [r for r in runs if _holds_any(marks, r[0][0], r[-1][0])]


def _holds_any(marks: Sequence[int], start: int, end: int) -> bool:
    """Whether a sorted ``marks`` has one within ``start``..``end``."""
    at = bisect.bisect_left(marks, start)
    return at < len(marks) and marks[at] <= end


class BurstDetector:
    """Bucket counts per key in memory; :meth:`add` is per post and cheap, :meth:`detect`
    runs per batch on the keys that changed.

    ``factor_at(moment)`` gives the threshold factor of the sensitive periods active then.
    """

    def __init__(
        self, policy: BurstPolicy, factor_at: Callable[[datetime], float] | None = None
    ) -> None:
        self.policy = policy
        self._factor_at = factor_at
        self._factors: dict[int, float] = {}
        #: the posts of each key but words, per bucket
        self.buckets: dict[Key, dict[int, list[str]]] = {}
        self.names: dict[Key, str] = {}
        self.records: dict[str, PostRecord] = {}
        self.vocabulary = Vocabulary()
        #: words are counted per bucket, by vocabulary id (a post's words in one C call: most
        #: of a post's keys are its words); their posts are found from the bucket's posts
        self.word_counts: dict[int, Counter[int]] = {}
        self.bucket_posts: dict[int, list[str]] = {}
        self._word_index: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}
        #: a word of a story found (:func:`fold_co_rising`) -> the story's words and buckets:
        #: a word counted again there brings the other words to the next look, so the story
        #: is folded again whole, whichever of its words leads it now
        self.stories: dict[str, tuple[tuple[str, ...], int, int]] = {}
        #: buckets in a day
        self._day = round(86400 / policy.bucket.total_seconds())
        self.touched: dict[Key, set[int]] = {}
        #: bucket -> the ids of the words counted in it since the last look
        self.touched_words: dict[int, set[int]] = {}
        self._pruned_at: int | None = None
        #: the first bucket the detector has seen posts in, or kept after pruning
        self.observed_from: int | None = None
        #: the oldest bucket kept when more than ``memory_posts`` posts made it forget early
        self.kept_from: int | None = None
        self.memory_posts = MEMORY_POSTS
        #: posts kept past which the next :meth:`_bound` forgets (the newest bucket stays)
        self._bound_at = 0
        #: posts counted as baseline only (read back from the store) that a crawl may bring
        #: yet: a post it stored before the baseline was read is touched when it comes
        self._baseline_only: set[str] = set()

    def add(self, post: Mapping[str, Any], *, touch: bool = True) -> bool:
        """Count a post once under each of its keys; False when it was counted already.
        ``touch=False`` counts it as baseline only (posts read back from the store)."""
        post_id = str(post.get("_id") or "")
        when = post_time(post)
        if not post_id or when is None:
            return False
        if post_id in self.records:
            if touch and post_id in self._baseline_only:
                self._touch_counted(post, self.records[post_id])
            return False
        floors = [b for b in (self._pruned_at, self.kept_from) if b is not None]
        if floors and self.policy.bucket_of(when) < max(floors):
            return False  # older than the history kept
        # each word once (a post counts once for a word), in the order it came
        terms = list(dict.fromkeys(event_terms(post)))
        ids = self.vocabulary.encode(terms)
        self.records[post_id] = PostRecord(
            id=post_id, time=when, site=str(post.get("site") or ""), story=story_of(post),
            title=str(post.get("title") or ""), url=str(post.get("url") or ""),
            author=str(post.get("author") or ""), term_ids=ids.tobytes(),
        )  # fmt: skip
        bucket = self.policy.bucket_of(when)
        if self.observed_from is None or bucket < self.observed_from:
            self.observed_from = bucket
        for key, name in post_keys(post):
            self._count(key, bucket, post_id, touch)
            if name:
                self.names.setdefault(key, name)
        self.bucket_posts.setdefault(bucket, []).append(post_id)
        if not touch:
            self._baseline_only.add(post_id)
        if self.policy.terms and ids:
            counts = self.word_counts.get(bucket)
            if counts is None:
                counts = self.word_counts[bucket] = Counter()
            counts.update(ids)
            if touch:
                self.touched_words.setdefault(bucket, set()).update(ids)
        first = post.get("cluster_first_id")
        if int(post.get("cluster_size") or 0) == 2 and first and str(first) in self.records:
            founder = self.records[str(first)]  # its copy makes the cluster: count it too
            key, at = ("cluster", str(post["cluster_id"])), self.policy.bucket_of(founder.time)
            if founder.id not in self.buckets.get(key, {}).get(at, []):
                self._count(key, at, founder.id, touch)
        self._bound()  # here too: a long pause between looks must not let the posts pile up
        return True

    def _touch_counted(self, post: Mapping[str, Any], record: PostRecord) -> None:
        """The crawl brings a post counted as baseline: its crawl stored it before the
        baseline was read (the events process reads it while the first pages are stored).
        Counted once, it is touched now, as it would have been when counted."""
        self._baseline_only.discard(record.id)
        bucket = self.policy.bucket_of(record.time)
        for key, _ in post_keys(post):
            self.touch(key, bucket)
        if self.policy.terms and record.term_ids:
            words = array("i", record.term_ids)
            self.touched_words.setdefault(bucket, set()).update(words)

    def _count(self, key: Key, bucket: int, post_id: str, touch: bool) -> None:
        """Count the post under ``key`` (looked up before anything is made)."""
        series = self.buckets.get(key)
        if series is None:
            series = self.buckets[key] = {}
        posts = series.get(bucket)
        if posts is None:
            series[bucket] = [post_id]
        else:
            posts.append(post_id)
        if touch:
            touched = self.touched.get(key)
            if touched is None:
                self.touched[key] = {bucket}
            else:
                touched.add(bucket)

    def factor(self, bucket: int) -> float:
        if self._factor_at is None:
            return 1.0
        if bucket not in self._factors:
            self._factors[bucket] = float(self._factor_at(self.policy.bucket_start(bucket)))
        return self._factors[bucket]

    def touch(self, key: Key, bucket: int) -> None:
        """Look at the key's bursts that hold ``bucket`` again at the next :meth:`detect`."""
        if key[0] == "term":
            index = self.vocabulary.ids.get(key[1])
            if index is not None:
                self.touched_words.setdefault(bucket, set()).add(index)
        else:
            self.touched.setdefault(key, set()).add(bucket)

    def detect(self) -> list[Burst]:
        """Bursts that include a bucket touched since the last call (then forgotten)."""
        touched, self.touched = self.touched, {}
        self._touch_stories()
        found = []
        for key, buckets in touched.items():
            found.extend(self.scan(key, buckets))
        may = self._words_that_may_burst()
        counted = self._term_series(may)
        found.extend(self._scan_words(may, counted))
        kept = fold_co_rising(drop_subwords(found), self.policy.term_fold)
        for burst in kept:  # only for the bursts kept: a word's rise is most of the cost
            self.in_time_order(burst)
            if burst.words:
                story = (burst.value, *(w["term"] for w in burst.words))
                self.stories.update((w, (story, burst.start, burst.end)) for w in story)
            exclude = burst.value if burst.dimension == "term" else ""
            burst.rising = self.rising_terms(burst.post_ids, exclude=exclude)
            burst.records = [self.records[i] for i in burst.post_ids if i in self.records]
        return kept

    def _touch_stories(self) -> None:
        """A word of a story counted again in (or next to) the story's buckets touches the
        story's other words there too."""
        ids, words = self.vocabulary.ids, self.vocabulary.words
        for bucket, touched in self.touched_words.items():
            more: set[int] = set()
            for index in touched:
                story = self.stories.get(words[index])
                if story and story[1] - 1 <= bucket <= story[2] + 1:
                    more.update(ids[w] for w in story[0] if w in ids)
            touched |= more

    def _words_that_may_burst(self) -> dict[int, list[int]]:
        """The words counted since the last look, each with the buckets it was counted in,
        but for words with too few posts near those buckets to be in a burst there (most
        words). A bucket is in a burst only as a burst bucket — alone, with the one before it
        as a pair, or as the one before of a pair — or as the bridge after one, so some two
        neighbouring buckets of the four from two before it to one after it hold
        ``term_min_count`` of the word's posts between them. Worked out for all the words of
        a bucket in one numpy step each: the look's tenth of a million word-bucket pairs one
        by one were a fifth of the events process."""
        touched, self.touched_words = self.touched_words, {}
        least = self.policy.term_min_count
        sorted_counts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        found: dict[int, list[int]] = {}
        for t in sorted(touched):
            ids = np.fromiter(touched[t], dtype=np.int64, count=len(touched[t]))
            near = [self._counts_at(b, ids, sorted_counts) for b in range(t - 2, t + 2)]
            may = np.zeros(len(ids), dtype=bool)
            for a, b in itertools.pairwise(near):
                may |= a + b >= least
            for index in ids[may].tolist():
                found.setdefault(index, []).append(t)
        return found

    def _counts_at(
        self, bucket: int, ids: np.ndarray, made: dict[int, tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """The counts of the words ``ids`` in ``bucket``, from the bucket's counts as sorted
        arrays (made once a look, kept in ``made``)."""
        if bucket not in made:
            made[bucket] = self._sorted_counts(bucket)
        keys, values = made[bucket]
        if not len(keys):
            return np.zeros(len(ids), dtype=np.int64)
        at = np.searchsorted(keys, ids)
        at[at == len(keys)] = 0
        return np.where(keys[at] == ids, values[at], 0)

    def _sorted_counts(self, bucket: int) -> tuple[np.ndarray, np.ndarray]:
        """The bucket's word ids, sorted, and their counts."""
        counts: Mapping[int, int] = self.word_counts.get(bucket) or {}
        keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        order = np.argsort(keys, kind="stable")
        return keys[order], values[order]

    def _term_series(self, indexes: Iterable[int]) -> dict[int, dict[int, int]]:
        """:meth:`series` of the words ``indexes`` at once: bucket by bucket, the counts of
        those of them it holds, rather than every bucket asked for each word — when that is
        less work (many words against the buckets' sizes: a crawl's look), else word by word
        (a few words in a long history of big buckets)."""
        wanted = np.fromiter(indexes, dtype=np.int64)
        out: dict[int, dict[int, int]] = {int(i): {} for i in wanted.tolist()}
        if not len(wanted):
            return out
        held_in_all = sum(len(counts) for counts in self.word_counts.values())
        if len(wanted) * len(self.word_counts) <= held_in_all:
            for index, found in out.items():
                found.update((b, n) for b, c in self.word_counts.items() if (n := c.get(index)))
            return out
        wanted.sort()
        for bucket, counts in self.word_counts.items():
            keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            held = np.isin(keys, wanted, assume_unique=True)
            if not held.any():
                continue
            values = list(counts.values())
            for k, n in zip(keys[held].tolist(), np.flatnonzero(held).tolist(), strict=True):
                if values[n]:
                    out[k][bucket] = values[n]
        return out

    def series(self, key: Key) -> dict[int, int]:
        """Bucket -> posts of the key, for every bucket it has posts in."""
        if key[0] != "term":
            return {b: len(ids) for b, ids in (self.buckets.get(key) or {}).items()}
        index = self.vocabulary.ids.get(key[1])
        if index is None:
            return {}
        return {b: n for b, c in self.word_counts.items() if (n := c.get(index))}

    def posts_of(self, key: Key, bucket: int) -> list[str]:
        """The key's posts in ``bucket``, in the order they were counted."""
        if key[0] != "term":
            return (self.buckets.get(key) or {}).get(bucket, [])
        index = self.vocabulary.ids.get(key[1])
        if index is None:
            return []
        posts = self.bucket_posts.get(bucket, [])
        words, owners = self._bucket_words(bucket, posts)
        return [posts[i] for i in owners[words == index].tolist()]

    def _bucket_words(self, bucket: int, posts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The word ids of the bucket's posts end to end, and the post (its place in
        ``posts``) each belongs to: a word's posts are then one numpy comparison. Made when a
        word may burst in the bucket, again once the bucket has new posts (two int32 per word
        of a post, not a list per word: a busy hour holds ~400,000 of them)."""
        made = self._word_index.get(bucket)
        if made is not None and made[0] == len(posts):
            return made[1], made[2]
        records = self.records
        encoded = [records[post_id].term_ids for post_id in posts]
        words = np.frombuffer(b"".join(encoded), dtype=np.int32)
        sizes = np.fromiter((len(e) // 4 for e in encoded), dtype=np.int64, count=len(encoded))
        owners = np.repeat(np.arange(len(posts), dtype=np.int32), sizes)
        self._word_index[bucket] = (len(posts), words, owners)
        return words, owners

    def scan(
        self, key: Key, touched: Iterable[int] | None = None, counts: dict[int, int] | None = None
    ) -> list[Burst]:
        """Every burst in the key's history, oldest first, or only those that hold a bucket of
        ``touched`` (their ``rising`` terms are :meth:`detect`'s to fill, and their posts are
        in the order counted until :meth:`in_time_order`); ``counts``: the key's
        :meth:`series`, where the caller has it."""
        series = self.series(key) if counts is None else counts
        p = self.policy
        runs = _Runs()
        ewma, prev = 0.0, None
        last: Entry | None = None
        learning_until = self._learning_until()
        for b in sorted(series):
            if prev is not None:
                ewma *= (1 - p.alpha) ** (b - prev - 1)  # the empty buckets in between
            prev = b
            count, factor = series[b], self.factor(b)
            lam = max(ewma, self._same_hour(series, b), p.floor)
            entry = (b, count, lam, factor)
            learning = b >= learning_until
            bursts = learning and self._bursts(key[0], count, lam, factor)
            before = last if last and last[0] == b - 1 else None
            # a burst cut in two by the bucket boundary: the pair against twice the baseline
            pair = (
                not bursts and before is not None and learning and not runs.ends_at(before[0])
                and self._bursts(key[0], count + before[1], lam + before[2],
                                 min(factor, before[3]))
            )  # fmt: skip
            last = entry
            if not runs.take(entry, bursts, before if pair else None, p.max_run):
                ewma = p.alpha * count + (1 - p.alpha) * ewma
        return self._bursts_of_runs(key, runs.finish(), touched)

    def _scan_words(
        self, marks: Mapping[int, list[int]], counted: Mapping[int, dict[int, int]]
    ) -> list[Burst]:
        """:meth:`scan` of the words ``marks`` (vocabulary id -> the buckets touched) at once,
        their series ``counted``: bucket by bucket, every word with posts there in one numpy
        step — the decay over empty buckets, the same-hour mean, the baseline, the EWMA — and
        in Python only the burst tests of the words with enough posts there and the runs of
        the words in or entering one (a look's tenth of a million word-buckets one by one in
        :meth:`scan` were most of it). The same bursts as :meth:`scan` word by word."""
        indexes = [i for i in marks if counted.get(i)]
        if not indexes:
            return []
        p = self.policy
        first = min(min(counted[i]) for i in indexes)
        span = max(max(counted[i]) for i in indexes) - first + 1
        rows = [k for k, i in enumerate(indexes) for _ in counted[i]]
        cols = [b - first for i in indexes for b in counted[i]]
        dense = np.zeros((len(indexes), span), dtype=np.int32)  # a week of hours: ~0.7 kB a word
        dense[rows, cols] = [n for i in indexes for n in counted[i].values()]
        decay = np.array([(1 - p.alpha) ** g for g in range(span + 1)])  # as scan's power
        ewma = np.zeros(len(indexes))
        prev = np.full(len(indexes), -1, dtype=np.int64)
        last_count = np.zeros(len(indexes), dtype=np.int64)
        last_lam, last_factor = np.zeros(len(indexes)), np.zeros(len(indexes))
        runs: dict[int, _Runs] = {}  # the words that were ever in a run
        open_ends = np.full(len(indexes), -1, dtype=np.int64)  # a run's last bucket, or -1
        learning_until = self._learning_until()
        least = p.min_posts("term", 1.0)  # a word's: no period lowers it
        level = p.threshold_of("term")
        for t in np.flatnonzero(dense.any(axis=0)).tolist():
            b = first + t
            at = np.flatnonzero(dense[:, t])
            count = dense[at, t]
            seen = prev[at]
            ewma[at] *= np.where(seen >= 0, decay[np.maximum(t - seen - 1, 0)], 1.0)
            factor = self.factor(b)
            lam = np.maximum(np.maximum(ewma[at], self._same_hours(dense[at], first, b)), p.floor)
            learning = b >= learning_until
            single = np.zeros(len(at), dtype=bool)
            pair = np.zeros(len(at), dtype=bool)
            if learning:
                test = np.flatnonzero(count >= least)
                single[test] = reaches_all(count[test], lam[test], p.dispersion, level * factor)
                may = (seen == t - 1) & ~single & (open_ends[at] != b - 1)
                test = np.flatnonzero(may & (count + last_count[at] >= least))
                pair[test] = reaches_all(
                    count[test] + last_count[at[test]],
                    lam[test] + last_lam[at[test]],
                    p.dispersion,
                    level * np.minimum(factor, last_factor[at[test]]),
                )
            update = np.ones(len(at), dtype=bool)
            in_run = open_ends[at] >= 0
            for n in np.flatnonzero(single | pair | in_run).tolist():
                k = int(at[n])
                word = runs.get(k)
                if word is None:
                    word = runs[k] = _Runs()
                entry = (b, int(count[n]), float(lam[n]), factor)
                before_entry = (b - 1, int(last_count[k]), float(last_lam[k]),
                                float(last_factor[k])) if pair[n] else None  # fmt: skip
                update[n] = not word.take(entry, bool(single[n]), before_entry, p.max_run)
                open_ends[k] = word.run[-1][0] if word.run else -1
            ewma[at] = np.where(update, p.alpha * count + (1 - p.alpha) * ewma[at], ewma[at])
            last_count[at], last_lam[at], last_factor[at], prev[at] = count, lam, factor, t
        spans: list[tuple[int, list[int], list[Entry]]] = []
        for k in sorted(runs):  # in the order of ``marks``, as scanned word by word
            index, touched = indexes[k], sorted(marks[indexes[k]])
            spans.extend((index, touched, run) for run in _touched(runs[k].finish(), touched))
        posts = self._posts_of_words({(index, b) for index, _, run in spans for b, *_ in run})
        words, found = self.vocabulary.words, []
        for index, touched, run in spans:
            burst = self._burst(("term", words[index]), run, posts[index])
            if burst is not None and _holds_any(touched, burst.start, burst.end):
                found.append(burst)  # a burst may lose its run's tail
        return found

    def _posts_of_words(self, wanted: Iterable[tuple[int, int]]) -> dict[int, dict[int, list[str]]]:
        """:meth:`posts_of` of many (word, bucket) pairs, as word -> bucket -> posts: each
        bucket's word index read once for all its words (a look builds thousands of word
        bursts, most of them folded away)."""
        by_bucket: dict[int, list[int]] = {}
        for index, b in wanted:
            by_bucket.setdefault(b, []).append(index)
        out: dict[int, dict[int, list[str]]] = {}
        for b, asked in by_bucket.items():
            posts = self.bucket_posts.get(b, [])
            words, owners = self._bucket_words(b, posts)
            ids = np.unique(np.array(asked, dtype=words.dtype))
            held = np.isin(words, ids)
            order = np.argsort(words[held], kind="stable")  # a word's posts in counted order
            found, owned = words[held][order], owners[held][order]
            starts = np.searchsorted(found, ids).tolist()
            ends = np.searchsorted(found, ids, side="right").tolist()
            for index, start, end in zip(ids.tolist(), starts, ends, strict=True):
                out.setdefault(index, {})[b] = [posts[i] for i in owned[start:end].tolist()]
        return out

    def _learning_until(self) -> int:
        """The first bucket that may burst: the warm-up (and after a cut history, the EWMA's
        start again) only teaches the baseline."""
        p = self.policy
        learning_until = (self.observed_from or 0) + p.warmup
        if self.kept_from is not None:  # the EWMA starts again where the history was cut
            learning_until = max(learning_until, self.kept_from + math.ceil(1 / p.alpha))
        return learning_until

    def _bursts_of_runs(
        self, key: Key, runs: list[list[Entry]], touched: Iterable[int] | None
    ) -> list[Burst]:
        """The runs as bursts, or only those that hold a bucket of ``touched``."""
        if touched is None:
            return [self.in_time_order(x) for r in runs if (x := self._burst(key, r))]
        marks = sorted(touched)
        found = (self._burst(key, r) for r in _touched(runs, marks))
        return [b for b in found if b is not None and _holds_any(marks, b.start, b.end)]

    def in_time_order(self, burst: Burst) -> Burst:
        """The burst with its posts in the order they were published (then by id): done for
        the bursts a look keeps, not for the thousands of word bursts it folds away."""
        burst.post_ids.sort(key=lambda i: (self._time(i), i))
        return burst

    def _hour_days(self, b: int) -> list[int]:
        """This bucket's hour of day on the days before, nearest first: at most a week, and
        none before the history seen or kept (forgotten days are no quiet days)."""
        day = self._day
        if day <= 1:
            return []
        first = self.observed_from if self.observed_from is not None else b
        if self.kept_from is not None:
            first = max(first, self.kept_from)
        return [d for d in range(b - day, b - 8 * day, -day) if d >= first]

    def _same_hour(self, series: Mapping[int, int], b: int) -> float:
        """The mean count of this bucket's hour of day on the days before (at most a week)."""
        days = self._hour_days(b)
        return sum(series.get(d, 0) for d in days) / len(days) if days else 0.0

    def _same_hours(self, counts: np.ndarray, first: int, b: int) -> np.ndarray | float:
        """:meth:`_same_hour` of many series at once: ``counts`` a row a series, its first
        column bucket ``first``."""
        days = self._hour_days(b)
        if not days:
            return 0.0
        held = [d - first for d in days if d >= first]
        return counts[:, held].sum(axis=1) / len(days) if held else np.zeros(len(counts))

    def _bursts(self, dimension: str, count: int, lam: float, factor: float) -> bool:
        p = self.policy
        return count >= p.min_posts(dimension, factor) and (
            reaches(count, lam, p.dispersion, p.threshold_of(dimension) * factor)
        )

    def _burst(
        self, key: Key, run: Sequence[Entry], posts: Mapping[int, list[str]] | None = None
    ) -> Burst | None:
        """The run as a burst: its longest start that reaches the threshold as a whole (a
        weak tail — the bridge that ends it — can take the whole below: 12 posts against
        5.2 where the first bucket was 9 against 2.6), else None. ``posts``: the key's posts
        of each of the run's buckets, where the caller has them."""
        p = self.policy
        while True:
            total = sum(c for _, c, _, _ in run)
            expected = sum(lam for _, _, lam, _ in run)
            factor = min(f for *_, f in run)
            value = surprise(total, expected, p.dispersion)
            level = p.level(value, factor, key[0])
            if level is not None and total >= p.min_posts(key[0], factor):
                break
            if len(run) == 1:
                return None
            run = run[:-1]
        if posts is None:
            ids = [i for b, *_ in run for i in self.posts_of(key, b)]
        else:
            ids = [i for b, *_ in run for i in posts.get(b, ())]
        if key[0] == "term":
            stories = {self.records[i].story for i in ids if i in self.records}
            if len(stories) < p.term_min_stories:
                return None
        name = key[1] if key[0] == "term" else self.names.get(key, "")
        return Burst(
            dimension=key[0], value=key[1], name=name,
            start=run[0][0], end=run[-1][0], counts={b: c for b, c, _, _ in run},
            baseline=round(run[0][2], 3), total=total, expected=round(expected, 3),
            surprise=round(value, 2), threshold=round(p.threshold_of(key[0]) * factor, 2),
            factor=factor, level=level, post_ids=ids,
        )  # fmt: skip

    def _time(self, post_id: str) -> datetime:
        record = self.records.get(post_id)
        return record.time if record else datetime.max.replace(tzinfo=UTC)

    def rising_terms(
        self, post_ids: Iterable[str], exclude: str = "", top: int = 8
    ) -> list[dict[str, Any]]:
        """Words more frequent in these posts than in all posts kept: each with its count
        in them, the count expected from its share of all posts, and the surprise."""
        records = [self.records[i] for i in post_ids if i in self.records]
        vocabulary = self.vocabulary
        ids, counts = vocabulary.counts(r.term_ids for r in records)  # each word once a post
        keep = counts >= 2
        if exclude in vocabulary.ids:
            keep &= ids != vocabulary.ids[exclude]
        ids, counts = ids[keep], counts[keep]
        share = len(records) / max(1, len(self.records))
        expected = share * vocabulary.holding(ids)
        up = counts > expected  # more often than expected
        above = _words(vocabulary, ids[up], counts[up], expected[up])
        below = _words(vocabulary, ids[~up], counts[~up], expected[~up])
        # A word no more frequent than expected ranks below every other (AT_MOST_EXPECTED),
        # but a longer one still hides its parts of the same count.
        lows, highs = _poisson_bounds(counts[up], expected[up])
        rising = [
            (high, w)
            for w, low, high in zip(above, lows.tolist(), highs.tolist(), strict=True)
            if low > 0 or _rising(*w) is not None
        ]
        parts = {(w[0], w[1]) for _, w in rising}
        hiding = _entries(b for b in below if len(b[0]) > 2 and _holds_part(b[0], b[1], parts))
        longer = _Longer(_longer_words(
            [(w[0], w[1]) for _, w in rising] + [(t["term"], t["count"]) for t in hiding]
        ))  # fmt: skip
        kept = _best(rising, top, lambda w: _shown(w[0], w[1], exclude, longer))
        if below and (len(kept) < top or kept[-1]["surprise"] <= AT_MOST_EXPECTED):
            kept = _top_rising(_entries(above) + _entries(below), exclude, top)
        return kept

    def prune(self, now: datetime) -> None:
        """Forget buckets (and posts) older than the history, and the oldest buckets when more
        than ``memory_posts`` posts are kept."""
        oldest = self.policy.bucket_of(now) - self.policy.history
        if self._pruned_at != oldest:  # once per bucket: the history only moves on with the clock
            self._pruned_at = oldest
            if self.observed_from is not None:
                self.observed_from = max(self.observed_from, oldest)
            self._forget(oldest)
        self._bound()

    def _bound(self) -> None:
        """Forget the oldest buckets when more than ``memory_posts`` posts are kept, down to
        nine tenths of it (as far as the newest bucket allows: then not again before another
        tenth has come)."""
        if len(self.records) <= max(self.memory_posts, self._bound_at):
            return
        self.kept_from = self._cut(self.memory_posts * 9 // 10)
        self._forget(self.kept_from)
        self._bound_at = len(self.records) + self.memory_posts // 10

    def _cut(self, keep: int) -> int:
        """The oldest bucket to keep so that at most ``keep`` posts are left (the newest
        bucket stays whatever its size)."""
        per_bucket = Counter(self.policy.bucket_of(r.time) for r in self.records.values())
        left = len(self.records)
        for bucket in sorted(per_bucket)[:-1]:
            if left <= keep:
                return bucket
            left -= per_bucket[bucket]
        return max(per_bucket)

    def _forget(self, oldest: int) -> None:
        for key in list(self.buckets):
            series = self.buckets[key]
            for b in [b for b in series if b < oldest]:
                del series[b]
            if not series:
                del self.buckets[key]
                self.names.pop(key, None)
        kept_by_bucket = (self._factors, self.word_counts, self.bucket_posts, self._word_index,
                          self.touched_words)  # fmt: skip
        for kept in kept_by_bucket:
            for b in [b for b in kept if b < oldest]:
                del kept[b]
        for word in [w for w, (_, _, end) in self.stories.items() if end < oldest]:
            del self.stories[word]
        cutoff = self.policy.bucket_start(oldest)
        gone = [i for i, r in self.records.items() if r.time < cutoff]
        self._baseline_only.difference_update(gone)
        self.vocabulary.forget([self.records.pop(post_id).term_ids for post_id in gone])
