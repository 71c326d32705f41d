"""Near-duplicate clusters: lookup cost at 1,000,000 stored documents vs 10,000 (target ≤ 2×),
and recall on planted lightly edited copies (target ≥ 95 %) at a stated false-positive rate.

Run ``python -m bench.neardup``. Texts are generated from jieba's dictionary (words drawn by
frequency, with punctuation), 40–400 characters, in topics of 20 texts where 40 % of the words
are replaced by the topic's 15 phrases (so different texts overlap like posts about one event
do; the report gives their similarity). An edited copy gets
1–5 characters substituted, inserted or deleted, and each with probability ½: punctuation
changed, a sentence appended, a 转自/转载 header.

Lookup: the embedded store (SQLite). The background posts are bulk-inserted rows — a minimal
``posts`` row, its ``post_keys`` row and 32 ``band_posts`` rows each, band keys spread
uniformly as real hashes are — built in SQL, not through ``upsert_posts`` (that would take an
hour at 1M); the planted posts and their copies go through the real store path. One lookup =
``find_band_candidates`` + verification (``best_match``), timed per copy. Recall: the same
copies through a :class:`~opinion_spiders.clusters.Clusterer` with its in-run index (the store
answers the same candidates, the lookup part shows that).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jieba

from opinion_spiders import clusters
from opinion_spiders.clusters import Clusterer, Member, Signature, best_match, signature
from opinion_spiders.stores.embedded import FILENAME, EmbeddedStore, post_key

PUNCTUATION = "，，，。！？、；"
HEADERS = ("转自临江论坛：", "【转载】", "转自临江吧 网友爆料：\n", "转：")
HANZI = [chr(c) for c in range(0x4E00, 0x9FA6)]


class Corpus:
    """Chinese-looking texts from jieba's dictionary, words drawn by their frequency."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        words, freqs = [], []
        with jieba.get_dict_file() as f:
            for line in f.read().decode("utf-8").splitlines():
                word, freq, *_ = line.split(" ")
                words.append(word)
                freqs.append(int(freq))
        self.words = words
        self.cum = list(itertools.accumulate(freqs))
        self.topical = [w for w, n in zip(words, freqs, strict=True) if len(w) >= 2 and n > 50]

    def topic(self) -> list[str]:
        """Phrases of 2–3 words that every text on one event repeats (places, names…)."""
        return ["".join(self.rng.sample(self.topical, self.rng.randint(2, 3))) for _ in range(15)]

    def sentence(self, topic: list[str]) -> str:
        n = self.rng.randint(4, 10)
        picks = self.rng.choices(self.words, cum_weights=self.cum, k=n)
        picks = [self.rng.choice(topic) if self.rng.random() < 0.4 else w for w in picks]
        return "".join(picks) + self.rng.choice(PUNCTUATION)

    def text(self, topic: list[str]) -> str:
        size, out = self.rng.randint(40, 400), ""
        while len(out) < size:
            out += self.sentence(topic)
        return out

    def edit(self, text: str, topic: list[str]) -> str:
        """A lightly edited copy (see the module docstring)."""
        chars = list(text)
        for _ in range(self.rng.randint(1, 5)):
            at = self.rng.randrange(len(chars))
            op = self.rng.choice("sid")
            if op == "s":
                chars[at] = self.rng.choice(HANZI)
            elif op == "i":
                chars.insert(at, self.rng.choice(HANZI))
            else:
                del chars[at]
        out = "".join(chars)
        if self.rng.random() < 0.5:
            out = out.replace("，", ",").replace("。", "!").replace("？", "?")
        if self.rng.random() < 0.5:
            out += self.sentence(topic)
        if self.rng.random() < 0.5:
            out = self.rng.choice(HEADERS) + out
        return out


@dataclass
class Planted:
    originals: list[tuple[str, Signature]]
    copies: list[Signature | None]


def plant(corpus: Corpus, count: int) -> Planted:
    originals, copies = [], []
    topic: list[str] = []
    for i in range(count):
        if i % 20 == 0:
            topic = corpus.topic()
        text = corpus.text(topic)
        sig = signature(text)
        assert sig is not None
        originals.append((f"orig{i:07d}", sig))
        copies.append(signature(corpus.edit(text, topic)))
    return Planted(originals, copies)


# -- recall -------------------------------------------------------------------------------------
@dataclass
class Recall:
    originals: int
    copies: int
    caught: int
    wrong_copies: int  # a copy that joined another text's cluster
    wrong_originals: int  # an original that joined another (same-topic) original
    pairs_checked: int
    pairs_rejected: int
    same_topic: list[float]  # estimated Jaccard of different texts on one topic

    @property
    def recall(self) -> float:
        return self.caught / self.copies

    @property
    def false_positive_rate(self) -> float:
        return (self.wrong_copies + self.wrong_originals) / (self.originals + self.copies)


def run_recall(planted: Planted) -> Recall:
    clusterer = Clusterer(limit=clusters.CANDIDATE_LIMIT)
    clusterer.memory.capacity = 10 * len(planted.originals)
    wrong_originals = 0
    for post_id, original in planted.originals:
        result = clusterer.assign(Member(post_id, "a", original.minhash), original, None)
        wrong_originals += result.outcome != "new"
    caught = wrong = checked = rejected = 0
    for i, sig in enumerate(planted.copies):
        if sig is None:
            continue
        cands = clusterer.memory.candidates(sig.bands)
        checked += len(cands)
        m = Member(f"copy{i:07d}", "b", sig.minhash)
        rejected += sum(clusters.similarity(sig.minhash, c.minhash) < clusters.THRESHOLD
                        for c in cands)  # fmt: skip
        cluster = clusterer.assign(m, sig, None).cluster
        if cluster.id == planted.originals[i][0]:
            caught += 1
        elif cluster.size > 1:
            wrong += 1
    return Recall(
        len(planted.originals),
        len(planted.copies),
        caught,
        wrong,
        wrong_originals,
        checked,
        rejected,
        same_topic(planted),
    )


def same_topic(planted: Planted) -> list[float]:
    """Similarity of every pair of different originals within a topic (20 texts each)."""
    sims = []
    for start in range(0, len(planted.originals), 20):
        group = [sig for _, sig in planted.originals[start : start + 20]]
        for a, b in itertools.combinations(group, 2):
            sims.append(clusters.similarity(a.minhash, b.minhash))
    return sims


# -- lookup cost --------------------------------------------------------------------------------
def bulk_background(file: Path, count: int) -> None:
    """``count`` minimal posts and their band rows, band keys in ascending order (so the
    B-tree is built by appending), each post getting exactly BANDS keys."""
    rows = count * clusters.BANDS
    half_step = (1 << 63) // rows
    mult = next(m for m in range(7919, count + 7919) if _gcd(m, count) == 1)
    conn = sqlite3.connect(file, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO posts (_id, doc, matched) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL "
            "SELECT i + 1 FROM n WHERE i < ?) SELECT printf('bg%09d', i), '{}', 0 FROM n",
            (count - 1,),
        )
        conn.execute("CREATE TEMP TABLE bg_keys (i INTEGER PRIMARY KEY, key INTEGER NOT NULL)")
        conn.executemany(
            "INSERT INTO bg_keys VALUES (?, ?)", ((i, post_key(f"bg{i:09d}")) for i in range(count))
        )
        conn.execute(
            "INSERT OR IGNORE INTO post_keys SELECT key, printf('bg%09d', i) FROM bg_keys"
            " ORDER BY key"
        )
        conn.execute(
            "INSERT OR IGNORE INTO band_posts WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL "
            "SELECT i + 1 FROM n WHERE i < ?) SELECT -9223372036854775808 + n.i * ? + n.i * ? "
            "+ abs(random() % ?), k.key FROM n JOIN bg_keys k ON k.i = (n.i * ?) % ?",
            (rows - 1, half_step, half_step, 2 * half_step, mult, count),
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def planted_docs(planted: Planted) -> list[dict[str, object]]:
    return [
        {"_id": pid, "site": "a", "content": "", "minhash": sig.encoded, "cluster_id": pid,
         "minhash_bands": list(sig.bands)}
        for pid, sig in planted.originals
    ]  # fmt: skip


@dataclass
class Lookup:
    stored: int
    seconds: float  # building the store
    times: list[float]  # seconds per lookup
    found: int

    @property
    def median_us(self) -> float:
        return statistics.median(self.times) * 1e6

    @property
    def p90_us(self) -> float:
        return statistics.quantiles(self.times, n=10)[-1] * 1e6


def run_lookup(folder: Path, stored: int, planted: Planted) -> Lookup:
    start = time.perf_counter()
    EmbeddedStore(folder).close()  # the schema
    bulk_background(folder / FILENAME, stored - len(planted.originals))
    store = EmbeddedStore(folder)
    try:
        docs = planted_docs(planted)
        for at in range(0, len(docs), 200):
            store.upsert_posts(docs[at : at + 200])
        built = time.perf_counter() - start
        queries = [(i, s) for i, s in enumerate(planted.copies) if s is not None]
        for _i, sig in queries[:200]:  # warm up
            store.find_band_candidates(sig.bands, clusters.CANDIDATE_LIMIT)
        times, found = [], 0
        for i, sig in queries:
            t0 = time.perf_counter()
            cands = store.find_band_candidates(sig.bands, clusters.CANDIDATE_LIMIT)
            members = [m for m in map(Member.from_document, cands) if m is not None]
            best = best_match(Member("q", "b", sig.minhash), members)
            times.append(time.perf_counter() - t0)
            found += best is not None and best[0].id == planted.originals[i][0]
        return Lookup(stored, built, times, found)
    finally:
        store.close()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _p_candidate(j: float) -> float:
    return float(1 - (1 - j**clusters.ROWS) ** clusters.BANDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--planted", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    say("generating texts and signatures…")
    planted = plant(Corpus(args.seed), args.planted)
    say("recall…")
    recall = run_recall(planted)
    lookups = []
    with tempfile.TemporaryDirectory(prefix="bench-neardup-") as tmp:
        for size in (args.small, args.large):
            say(f"store of {size:,} posts…")
            lookups.append(run_lookup(Path(tmp) / str(size), size, planted))
    print(format_report(planted, recall, lookups))
    return 0


def format_report(planted: Planted, recall: Recall, lookups: list[Lookup]) -> str:
    c = clusters
    lines = [
        f"near-duplicates: {c.SHINGLE}-character shingles, MinHash {c.NUM_PERM} = {c.BANDS} "
        f"bands × {c.ROWS} rows, verified at estimated Jaccard ≥ {c.THRESHOLD}",
        f"recall on {recall.copies} planted edited copies: {recall.caught} joined their "
        f"original's cluster = {recall.recall:.1%} (target ≥ 95%)",
        f"false positives: {recall.wrong_copies} copies and {recall.wrong_originals} of "
        f"{len(planted.originals)} same-topic originals joined another text's cluster "
        f"= {recall.false_positive_rate:.3%} of documents; LSH candidates checked "
        f"{recall.pairs_checked}, rejected by verification {recall.pairs_rejected}",
        f"  same-topic different texts ({len(recall.same_topic)} pairs): estimated Jaccard "
        f"median {statistics.median(recall.same_topic):.3f}, "
        f"p99 {statistics.quantiles(recall.same_topic, n=100)[-1]:.3f}, "
        f"max {max(recall.same_topic):.3f}; band-match probability 1-(1-J^{c.ROWS})^{c.BANDS}: "
        + ", ".join(f"J={j} {_p_candidate(j):.3g}" for j in (0.1, 0.3, 0.4, 0.5, 0.6, 0.8)),
        "lookup on the embedded store (SQLite band index; find_band_candidates + verification)",
        f"  {'stored posts':>14}{'build s':>9}{'median µs':>11}{'p90 µs':>9}{'found':>8}",
    ]
    for lk in lookups:
        lines.append(
            f"  {lk.stored:>14,}{lk.seconds:>9.1f}{lk.median_us:>11.0f}{lk.p90_us:>9.0f}"
            f"{lk.found:>8}"
        )
    small, large = lookups[0], lookups[-1]
    ratio = large.median_us / small.median_us
    verdict = "ok" if ratio <= 2 else "ABOVE TARGET"
    lines.append(f"  ratio {large.stored:,} / {small.stored:,} (median): {ratio:.2f}× "
                 f"(target ≤ 2×) {verdict}")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
