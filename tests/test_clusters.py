"""Near-duplicate clusters, written from what an analyst expects: reposts and lightly edited
copies of one Chinese text end up in one cluster with its first publisher; other texts on the
same topic, and short replies, do not."""

from __future__ import annotations

import hashlib
import random
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opinion_spiders.clusters import (
    BANDS,
    MIN_CHARS,
    NUM_PERM,
    ROWS,
    SHINGLE,
    THRESHOLD,
    Cluster,
    Clusterer,
    ClusterStep,
    Member,
    Signer,
    normalise,
    signature,
    similarity,
)
from opinion_spiders.demo.server import ZONE, DemoServer
from opinion_spiders.items import Post
from opinion_spiders.stores import open_store
from opinion_spiders.stores.base import Store
from opinion_spiders.stores.embedded import EmbeddedStore
from opinion_spiders.stores.mongo import MongoStore
from plugins.spread import opinion_score, spread_contribution
from tests._proc import run_opinion

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

CHAIQIAN = (
    "我家在城南街道老粮站宿舍，去年签的拆迁协议，说好三个月内发放补偿款，现在半年过去了一分钱"
    "没见到。街道说是区里的资金没批下来，区里又让我们回街道问，来回踢皮球。有同样情况的邻居吗？"
)
HUAGONG = (
    "最近一个月，每天晚上十点以后河西化工园区那边就飘过来一股刺鼻的味道，开窗根本睡不着。"
    "怀疑有企业偷排，空气污染这么严重，环保部门管不管？"
)

#: (case, original, copy): each copy must join the original's cluster
COPIES = [
    ("exact repost", CHAIQIAN, CHAIQIAN),
    ("three characters changed", CHAIQIAN, CHAIQIAN.replace("老粮站", "老粮库").replace("半年", "八个月")),
    ("characters inserted", CHAIQIAN, CHAIQIAN.replace("补偿款", "拆迁补偿款").replace("没见到", "都没见到")),
    ("characters deleted", CHAIQIAN, CHAIQIAN.replace("去年", "").replace("来回", "")),
    ("punctuation changed", CHAIQIAN, CHAIQIAN.replace("，", ",").replace("。", "！").replace("？", "??")),
    ("reflowed with spaces and newlines", CHAIQIAN, CHAIQIAN.replace("。", "。\n\n").replace("，", "， ")),
    ("a number in full-width digits", HUAGONG, HUAGONG.replace("十点", "１０点")),
    ("a sentence appended", CHAIQIAN, CHAIQIAN + "大家帮忙转发一下，让更多人看到！"),
    ("a 转自 header added", HUAGONG, "转自临江论坛 夜跑的猫：\n" + HUAGONG),
    ("header, edits and an appended line together", HUAGONG,
     "【转载】" + HUAGONG.replace("刺鼻", "难闻").replace("管不管", "到底管不管") + "求扩散。"),
]  # fmt: skip

#: (case, one text, another on the same topic): they must stay apart
SAME_TOPIC = [
    ("same demolition, a follow-up", CHAIQIAN,
     "城南街道拆迁补偿款的事情，区里今天开会研究了，据说下个月统一发放，大家再耐心等等，"
     "有消息我第一时间告诉大家。"),
    ("same demolition, an official reply", CHAIQIAN,
     "关于城南街道老粮站宿舍拆迁补偿问题的回复：经核实，补偿资金已于本月拨付至街道，"
     "街道将在十个工作日内发放到户，请居民留意通知。"),
    ("same smell, another neighbour", HUAGONG,
     "河西化工园区的味道我们小区也闻到了，晚上根本不敢开窗，已经打了环保热线，"
     "说会派人夜间巡查，希望能查出是哪家企业。"),
    ("same words, different sentences", HUAGONG,
     "环保部门今天到河西化工园区检查，没有发现企业偷排，空气污染主要来自秋冬季节的"
     "秸秆焚烧，请市民晚上关好窗户。"),
]  # fmt: skip


def member(pid: str, text: str, *, site: str = "demo-forum", published: datetime | None = T0,
           crawled: datetime = T0 + timedelta(hours=1), author: str = "网友") -> Member:  # fmt: skip
    sig = signature(text)
    assert sig is not None, f"{text!r} is long enough to cluster"
    return Member(pid, site, sig.minhash, author, published, crawled)


def assign(clusterer: Clusterer, m: Member, text: str, store: Store | None = None) -> Cluster:
    sig = signature(text)
    assert sig is not None
    return clusterer.assign(m, sig, store).cluster


@pytest.mark.parametrize(("case", "original", "copy"), COPIES, ids=[c[0] for c in COPIES])
def test_clusters_edited_copy_joins_the_original(case: str, original: str, copy: str) -> None:
    clusterer = Clusterer()
    first = assign(clusterer, member("a", original), original)
    sig = signature(copy)
    assert sig is not None
    result = clusterer.assign(member("b", copy, site="demo-bar"), sig, None)
    assert result.outcome == "joined", case
    assert result.cluster.id == first.id == "a"
    assert result.cluster.size == 2 and result.cluster.sites == {"demo-forum", "demo-bar"}
    assert result.similarity >= THRESHOLD


@pytest.mark.parametrize(("case", "one", "other"), SAME_TOPIC, ids=[c[0] for c in SAME_TOPIC])
def test_clusters_other_texts_on_the_same_topic_stay_apart(case: str, one: str, other: str) -> None:
    clusterer = Clusterer()
    assign(clusterer, member("a", one), one)
    sig = signature(other)
    assert sig is not None
    result = clusterer.assign(member("b", other), sig, None)
    assert result.outcome == "new", case
    assert result.cluster.id == "b" and result.cluster.size == 1


@pytest.mark.parametrize(
    "text", ["顶", "同感，我们小区也是这样。", "已经打过12345了，说会转给相关部门。", "支持！" * 12]
)
def test_clusters_short_texts_are_not_clustered(text: str) -> None:
    """Short replies repeat by chance; below MIN_CHARS letters/Hanzi there is no signature."""
    assert signature(text) is None


def test_clusters_min_chars_counts_text_not_punctuation() -> None:
    assert signature("字" * MIN_CHARS) is not None
    assert signature("字" * (MIN_CHARS - 1) + "。！？ \n" * 10) is None


H = timedelta(hours=1)
#: (case, [(post id, published_at, crawled_at) in arrival order], expected first publisher)
FIRST_PUBLISHER = [
    ("the earliest published, though crawled later", [("a", T0, T0 + 2 * H), ("b", T0 - H, T0 + 3 * H)], "b"),
    ("published at the same time: the earlier crawl", [("a", T0, T0 + 3 * H), ("b", T0, T0 + 2 * H)], "b"),
    ("no time shown: it existed when crawled", [("a", T0, T0 + 5 * H), ("b", None, T0 - H)], "b"),
    ("no time shown, crawled after the other was published", [("a", T0, T0 + 5 * H), ("b", None, T0 + H)], "a"),
    ("arrival order does not matter", [("c", T0 + H, T0 + 4 * H), ("a", T0, T0 + 6 * H), ("b", T0 + 2 * H, T0 + 3 * H)], "a"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "arrivals", "first"), FIRST_PUBLISHER,
                         ids=[c[0] for c in FIRST_PUBLISHER])  # fmt: skip
def test_clusters_first_publisher(
    case: str, arrivals: list[tuple[str, datetime | None, datetime]], first: str
) -> None:
    clusterer = Clusterer()
    for pid, published, crawled in arrivals:
        cluster = assign(clusterer, member(pid, CHAIQIAN, published=published, crawled=crawled),
                         CHAIQIAN)  # fmt: skip
    assert cluster.first.id == first, case
    assert cluster.size == len(arrivals)
    doc = cluster.to_document()
    assert doc["first_post_id"] == first and doc["size"] == len(arrivals)
    assert doc["last_seen"] == max(c for _, _, c in arrivals)


def test_clusters_document_carries_spread_and_first_publisher() -> None:
    clusterer = Clusterer()
    assign(clusterer, member("f1", HUAGONG, author="夜跑的猫", published=T0), HUAGONG)
    copy = "转自临江论坛：" + HUAGONG
    assign(clusterer, member("b1", copy, site="demo-bar", published=T0 + H), copy)
    cluster = assign(clusterer, member("p1", HUAGONG + "记者将持续关注。", site="demo-portal",
                                       published=T0 + 2 * H, crawled=T0 + 9 * H), HUAGONG)  # fmt: skip
    assert cluster.to_document() == {
        "_id": "f1", "size": 3, "sites": ["demo-bar", "demo-forum", "demo-portal"],
        "site_count": 3, "first_post_id": "f1", "first_site": "demo-forum",
        "first_author": "夜跑的猫", "first_published_at": T0, "first_crawled_at": T0 + H,
        "first_key": "2026-11-25T08:00:00.000+00:00 2026-11-25T09:00:00.000+00:00 f1",
        "last_seen": T0 + 9 * H, "merged_from": [], "members": ["b1", "p1"],
    }  # fmt: skip
    assert Cluster.from_document(cluster.to_document()).to_document() == cluster.to_document()


def test_clusters_same_post_seen_again_is_not_counted_twice() -> None:
    clusterer = Clusterer()
    assign(clusterer, member("a", CHAIQIAN), CHAIQIAN)
    sig = signature(CHAIQIAN)
    assert sig is not None
    again = clusterer.assign(member("a", CHAIQIAN), sig, None)
    assert again.outcome == "known" and again.cluster.size == 1


# -- with a store: the crawl reads, the cluster step writes --------------------------------
def _stored(store: Store, post_id: str, text: str, site: str, published: datetime) -> Cluster:
    """What the crawl and the cluster step do for one post: store it, then run the step; the
    post's cluster as stored (a lone post as a cluster of one)."""
    sig = signature(text)
    assert sig is not None
    store.upsert_posts([{
        "_id": post_id, "site": site, "content": text, "published_at": published,
        "crawled_at": published + H, "time": published, "author": "网友", "minhash": sig.encoded,
        "minhash_bands": list(sig.bands),
    }])  # fmt: skip
    ClusterStep(store).run()
    post = store.get_post(post_id)
    assert post is not None
    found = store.get_cluster(post["cluster_id"])
    if found is not None:
        return Cluster.from_document(found)
    assert (post["cluster_id"], post["cluster_size"]) == (post_id, 1)
    return Cluster.founded_by(Member(post_id, site, sig.minhash, "网友", published,
                                     published + H))  # fmt: skip


def _reopen(store: Store) -> Store:
    if isinstance(store, EmbeddedStore):
        return EmbeddedStore(store.path)
    assert isinstance(store, MongoStore)
    host, port = store.client.address  # type: ignore[misc]
    return MongoStore(f"mongodb://{host}:{port}/", store.db.name)


def test_clusters_in_run_index_forgets_the_oldest_posts_band_by_band() -> None:
    """Posts sharing bands with others, then pushed out by newer ones: a lookup finds the
    posts still kept, in the order they came, each once."""
    memory = Clusterer().memory
    memory.capacity = 2
    one, two, three = (Member(f"forum:1:{i}", "forum", array("I")) for i in (1, 2, 3))
    memory.add(one, ["a", "b"])
    memory.add(two, ["b", "c", "c"])
    assert [m.id for m in memory.candidates(["c", "b", "a"])] == ["forum:1:2", "forum:1:1"]
    memory.add(three, ["a", "c"])  # one goes
    assert [m.id for m in memory.candidates(["a", "b", "c"])] == ["forum:1:3", "forum:1:2"]
    memory.add(two, ["d"])  # seen again with other bands: listed under those only
    assert [m.id for m in memory.candidates(["b", "c", "d"])] == ["forum:1:3", "forum:1:2"]
    assert [m.id for m in memory.candidates(["b"])] == []
    assert set(memory.by_band) == {"a", "c", "d"}


def test_clusters_survive_reopening_the_store(any_store: Store) -> None:
    """A new process finds the stored copies through the band index."""
    _stored(any_store, "forum:1:1", CHAIQIAN, "demo-forum", T0)
    _stored(any_store, "bar:9:1", "转自临江论坛：" + CHAIQIAN, "demo-bar", T0 + H)
    reopened = _reopen(any_store)
    try:
        cluster = _stored(reopened, "portal:5:0", CHAIQIAN + "记者将持续关注。", "demo-portal",
                          T0 - H)  # fmt: skip
        assert (cluster.id, cluster.size, cluster.first.id) == ("forum:1:1", 3, "portal:5:0")
        stored = reopened.get_cluster("forum:1:1")
        assert stored is not None and stored["size"] == 3 and stored["site_count"] == 3
        assert stored["first_post_id"] == "portal:5:0"
        assert sorted(stored["members"]) == ["bar:9:1", "portal:5:0"]
        assert [c["_id"] for c in reopened.find_clusters()] == ["forum:1:1"]
        joined = reopened.get_post("portal:5:0")
        assert joined is not None and (joined["cluster_id"], joined["cluster_size"]) == (
            "forum:1:1",
            3,
        )
        other = _stored(reopened, "forum:2:1", HUAGONG, "demo-forum", T0)
        assert other.id == "forum:2:1" and reopened.count("clusters") == 1  # lone: not stored
    finally:
        if reopened is not any_store:
            reopened.close()


def test_clusters_crawl_view_reads_the_stored_clusters(any_store: Store) -> None:
    """The posts that reach the cluster stage together are assigned in one writer call, with
    one candidate lookup for them all: a post finds the stored copies, and a copy later in
    the same call finds an earlier one through the in-run index. The crawl writes nothing."""
    _stored(any_store, "forum:1:1", CHAIQIAN, "demo-forum", T0)
    _stored(any_store, "forum:2:1", HUAGONG, "demo-forum", T0)
    _stored(any_store, "bar:1:1", "【转载】" + HUAGONG, "demo-bar", T0 + H)
    reopened = _reopen(any_store)
    try:
        texts = [("bar:9:1", "转自临江论坛：" + CHAIQIAN), ("bar:9:2", "河西的味道又来了，今晚更浓。"
                 "已经打了三次热线，一直说在查，能不能给个准话？"), ("portal:5:0", "【转载】" + HUAGONG),
                 ("bar:9:3", "【转载】" + HUAGONG + "求扩散。")]  # fmt: skip
        posts = [(member(pid, text, site=pid.split(":")[0]), _sig(text)) for pid, text in texts]
        together = Clusterer().assign_many(posts, reopened)
        assert [(a.cluster.id, a.outcome) for a in together] == [
            ("forum:1:1", "joined"), ("bar:9:2", "new"), ("forum:2:1", "joined"),
            ("forum:2:1", "joined"),
        ]  # fmt: skip
        # the stored cluster of 2, the copy before in the call, and this one
        assert together[3].cluster.size == 4
        assert reopened.get_cluster("forum:2:1")["size"] == 2  # type: ignore[index]
        assert reopened.count("clusters") == 1
    finally:
        if reopened is not any_store:
            reopened.close()


class _Reads:
    """A store that keeps the ids of the candidate posts read from it."""

    def __init__(self, store: Store) -> None:
        self.store, self.read = store, list[str]()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def candidate_posts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self.read.extend(ids)
        return self.store.candidate_posts(ids)


def test_clusters_crawl_view_reads_only_the_candidates_it_does_not_hold(
    any_store: Store,
) -> None:
    """A copy of a post this process assigned (and stored) a moment before is found in the
    in-run index: the lookup reads only the stored candidates the index does not hold."""
    _stored(any_store, "forum:1:1", CHAIQIAN, "demo-forum", T0)  # stored by an earlier crawl
    clusterer, store = Clusterer(), _Reads(any_store)
    first = member("forum:2:1", HUAGONG, site="demo-forum")
    [view] = clusterer.assign_many([(first, _sig(HUAGONG))], store)  # type: ignore[arg-type]
    any_store.upsert_posts([{**_post_doc(("forum:2:1", "demo-forum", HUAGONG, T0)),
                             **view.post_fields()}])  # fmt: skip
    copies = [(member("bar:1:1", "【转载】" + HUAGONG, site="demo-bar"), _sig("【转载】" + HUAGONG)),
              (member("bar:2:1", "转自临江论坛：" + CHAIQIAN, site="demo-bar"),
               _sig("转自临江论坛：" + CHAIQIAN))]  # fmt: skip
    views = clusterer.assign_many(copies, store)  # type: ignore[arg-type]
    assert [(v.cluster.id, v.outcome) for v in views] == [("forum:2:1", "joined"),
                                                           ("forum:1:1", "joined")]  # fmt: skip
    assert store.read == ["forum:1:1"], "the post held in the in-run index is not read"


def test_clusters_store_unavailable_degrades_to_the_in_run_index() -> None:
    """MongoDB down (nothing listens on the port): posts still cluster in the crawl's view."""
    down = MongoStore("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200", "x")
    clusterer = Clusterer()
    try:
        for pid, site, text in [
            ("f:1", "demo-forum", CHAIQIAN),
            ("b:1", "demo-bar", CHAIQIAN + "顶！"),
        ]:
            sig = signature(text)
            assert sig is not None
            result = clusterer.assign(Member(pid, site, sig.minhash, crawled_at=T0), sig, down)
            assert result.degraded
        assert (result.outcome, result.cluster.size) == ("joined", 2)
    finally:
        down.close()


# -- a copy that bridges two clusters merges them -----------------------------------------------
#: One post in three parts: the demolition complaint (X), the protest (Y), what happened then (Z).
X = ("临江市城南街道老粮站宿舍拆迁的事情，去年签协议的时候说好三个月内发放补偿款，结果半年过去了"
     "一分钱都没有见到，街道说区里资金没批下来，区里又让我们回街道问。")  # fmt: skip
Y = "今天上午几十户居民到街道办门口讨说法。"
Z = ("下午来了很多警察把路口封了，有老人被推倒在地送去了医院，现场有人拍了视频，但是很快就被删掉了，"
     "希望有关部门给个说法，不要再拖下去了。")  # fmt: skip
#: (post id, site, text, published): two partial reposts, found before the full original,
#: which is ≥ THRESHOLD similar to both while they are not to each other.
BRIDGED = [
    ("forum:1:1", "demo-forum", X + Y, T0 + 2 * H),              # the complaint part
    ("bar:7:1", "demo-bar", "转自临江论坛：" + X + Y, T0 + 3 * H),  # ... reposted
    ("portal:3:0", "demo-portal", Y + Z, T0 + H),                # the protest part
    ("forum:9:1", "demo-forum", X + Y + Z, T0),                  # the full original, found last
]  # fmt: skip


def _sig(text: str) -> Any:
    sig = signature(text)
    assert sig is not None
    return sig


def test_clusters_bridge_texts_are_copies_of_the_original_only() -> None:
    """The premise of the merge tests: the parts are apart, the original is close to both and
    shares a band with each (at J ≈ 0.5 that is likely, 1-(1-J^4)^32 ≈ 0.9, not certain: a
    change of the hash family or its seed can break this premise, not the merge logic)."""
    part_a, part_b, full = (_sig(BRIDGED[i][2]) for i in (0, 2, 3))
    assert similarity(part_a.minhash, part_b.minhash) < THRESHOLD
    assert similarity(part_a.minhash, full.minhash) >= THRESHOLD
    assert similarity(part_b.minhash, full.minhash) >= THRESHOLD
    assert set(part_a.bands) & set(full.bands) and set(part_b.bands) & set(full.bands)


def test_clusters_bridging_copy_merges_two_clusters_in_memory() -> None:
    clusterer = Clusterer()
    results = []
    for pid, site, text, published in BRIDGED:
        m = Member(pid, site, _sig(text).minhash, "网友", published, T0 + 9 * H)
        results.append(clusterer.assign(m, _sig(text), None))
    assert [r.outcome for r in results] == ["new", "joined", "new", "joined"]
    merged = results[-1]
    assert merged.merged == ["forum:1:1"], "the complaint's cluster was absorbed"
    cluster = merged.cluster
    assert (cluster.id, cluster.size, cluster.first.id) == ("portal:3:0", 4, "forum:9:1")
    assert cluster.sites == {"demo-forum", "demo-bar", "demo-portal"}
    assert cluster.merged_from == ["forum:1:1"]
    assert {m.cluster_id for m, _ in clusterer.memory.members.values()} == {"portal:3:0"}


def test_clusters_bridging_copy_merges_stored_clusters(any_store: Store) -> None:
    """Every post ends up with one cluster_id, the cluster with the full original as its first
    publisher — also the repost stored just before the original, with no step between."""
    for pid, site, text, published in BRIDGED[:1] + BRIDGED[2:3]:
        _stored(any_store, pid, text, site, published)
    pid, site, text, published = BRIDGED[1]
    any_store.upsert_posts([_post_doc(BRIDGED[1])])
    cluster = _stored(any_store, *_args(BRIDGED[3]))
    assert (cluster.id, cluster.size, cluster.first.id) == ("portal:3:0", 4, "forum:9:1")
    posts = {p["_id"]: p["cluster_id"] for p in any_store.find_posts(limit=10)}
    assert posts == dict.fromkeys([b[0] for b in BRIDGED], "portal:3:0")
    [stored] = any_store.find_clusters()
    assert (stored["_id"], stored["size"], stored["site_count"]) == ("portal:3:0", 4, 3)
    assert (stored["first_post_id"], stored["first_published_at"]) == ("forum:9:1", T0)
    assert stored["merged_from"] == ["forum:1:1"]
    assert any_store.get_cluster("forum:1:1") == stored
    later = _stored(any_store, "bar:8:1", "顶！" + X + Y, "demo-bar", T0 + 5 * H)
    assert (later.id, later.size) == ("portal:3:0", 5), "a later copy finds the merged cluster"


def _args(row: tuple[str, str, str, datetime]) -> tuple[str, str, str, datetime]:
    pid, site, text, published = row
    return pid, text, site, published


def _post_doc(row: tuple[str, str, str, datetime]) -> dict[str, Any]:
    pid, site, text, published = row
    sig = _sig(text)
    return {"_id": pid, "site": site, "content": text, "published_at": published,
            "crawled_at": published + H, "time": published, "author": "网友",
            "minhash": sig.encoded, "minhash_bands": list(sig.bands)}  # fmt: skip


# -- properties -------------------------------------------------------------------------------
HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
NOISE = st.sampled_from(["，", "。", "！", "？", "、", " ", "\n", ",", ".", "!", "\u3000", "…"])


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
       | st.text(HANZI | st.sampled_from("ab1𠀀😀"), max_size=400))  # fmt: skip
def test_clusters_compiled_signature_is_numpys(text: str) -> None:
    """The compiled MinHash (``opinion_native``) gives the numpy reference's values and band
    keys for any normalised text, also one shorter than a shingle, empty, or beyond the
    Basic Multilingual Plane."""
    signer = Signer(NUM_PERM, SHINGLE, BANDS, ROWS)
    assert signer.compiled is not None, "opinion_native is not installed: run scripts/setup.sh"
    folded = normalise(text)
    assert signer.sign(folded) == signer.sign_in_python(folded)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(HANZI, st.lists(NOISE, max_size=2)), min_size=MIN_CHARS, max_size=120))
def test_clusters_signature_ignores_punctuation_and_spacing(
    chars: list[tuple[str, list[str]]],
) -> None:
    plain = "".join(c for c, _ in chars)
    noisy = "".join(c + "".join(n) for c, n in chars)
    a, b = signature(plain), signature(noisy)
    assert a is not None and b is not None
    assert a.bands == b.bands and similarity(a.minhash, b.minhash) == 1.0


def _grams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


@settings(max_examples=60, deadline=None)
@given(st.text(HANZI, min_size=60, max_size=300), st.integers(0, 100), st.data())
def test_clusters_similarity_estimates_the_jaccard_of_3_grams(
    text: str, edit_share: int, data: st.DataObject
) -> None:
    """128 values: the estimate's standard deviation is at most 0.045, so 0.2 off is a broken
    hash family, not chance."""
    chars = list(text)
    for _ in range(len(chars) * edit_share // 200):
        chars[data.draw(st.integers(0, len(chars) - 1))] = data.draw(HANZI)
    edited = "".join(chars)
    a, b = signature(text), signature(edited)
    assert a is not None and b is not None
    truth = len(_grams(text) & _grams(edited)) / len(_grams(text) | _grams(edited))
    assert abs(similarity(a.minhash, b.minhash) - truth) <= 0.2


def test_clusters_signature_of_a_long_text_covers_all_of_it() -> None:
    """A text of thousands of characters is hashed in blocks; each block counts."""
    rnd = random.Random(5)
    text = "".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(5000))
    whole, doubled, half = signature(text), signature(text + text), signature(text[:2500])
    assert whole is not None and doubled is not None and half is not None
    assert similarity(whole.minhash, doubled.minhash) >= 0.9
    assert similarity(whole.minhash, half.minhash) <= 0.7


def test_clusters_signature_of_an_older_version_is_ignored() -> None:
    """Stored signatures of another scheme are not compared with today's (VERSION bumped)."""
    sig = signature(CHAIQIAN)
    assert sig is not None
    doc = {"_id": "forum-a:1:1", "site": "forum-a", "minhash": sig.encoded}
    assert Member.from_document(doc) is not None
    _version, _, values = sig.encoded.partition(":")
    assert Member.from_document({**doc, "minhash": f"m1:{values}"}) is None


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(6)), st.randoms(use_true_random=False))
def test_clusters_first_publisher_is_the_earliest_whatever_the_order(
    order: list[int], rnd: random.Random
) -> None:
    times = [(T0 + rnd.randint(0, 5) * H, T0 + rnd.randint(6, 9) * H) for _ in range(6)]
    clusterer = Clusterer()
    for i in order:
        published, crawled = times[i]
        cluster = assign(clusterer, member(f"p{i}", CHAIQIAN, published=published,
                                           crawled=crawled), CHAIQIAN)  # fmt: skip
    expected = min(range(6), key=lambda i: (times[i][0], times[i][1], f"p{i}"))
    assert cluster.first.id == f"p{expected}" and cluster.size == 6


# -- spread score -------------------------------------------------------------------------------
def test_spread_contribution_grows_with_copies_and_sites() -> None:
    assert spread_contribution(1, 1) is None
    two = spread_contribution(2, 2)
    seven = spread_contribution(7, 3)
    assert two is not None and seven is not None
    assert 0 < two.value < seven.value <= 15.0
    assert seven.reason.startswith("repost cluster of 7 copies on 3 sites")
    huge = spread_contribution(10_000, 40)
    assert huge is not None and huge.value == 15.0


def test_spread_plugin_reads_the_post_cluster_fields() -> None:
    post = Post(site="demo-bar", kind="postbar", url="http://x/p/1", cluster_size=3,
                cluster_sites=["demo-bar", "demo-forum"])  # fmt: skip
    [found] = opinion_score(post=post, site=None)  # type: ignore[arg-type]
    assert found.source == "spread" and "3 copies on 2 sites" in found.reason
    assert opinion_score(post=Post(site="s", kind="forum", url="u"), site=None) == []  # type: ignore[arg-type]


# -- in a real crawl ----------------------------------------------------------------------------
REPOST = (
    "【求助】临江市北关街道幸福里小区的地下车库入口塌陷了一个大坑，物业拉了警戒线就不管了，"
    "已经三天没人来修。小区里老人孩子多，晚上路灯又暗，万一有人掉下去怎么办？请有关部门尽快处理。"
)


def test_cluster_pipeline_groups_a_repost_across_sites_in_a_crawl(
    fresh_demo_server: DemoServer, tmp_path: Path
) -> None:
    """A text posted on the forum and, three hours later and lightly edited, on the post bar:
    one cluster of 2 copies on 2 sites, the forum post its first publisher, and the copy that
    joined carries the spread contribution."""
    server = fresh_demo_server
    server.seed_time = datetime.now(ZONE) - timedelta(hours=3)
    server.add_post(
        "forum", title="北关街道幸福里小区车库入口塌陷", content=REPOST, author="小区业主代表"
    )
    server.seed_time = None  # the wall clock again
    edited = "转自临江论坛：" + REPOST.replace("三天", "好几天").replace("尽快处理", "管一管")
    server.add_post(
        "postbar", title="转：幸福里小区车库塌陷没人修", content=edited, author="老街坊"
    )
    uri = f"embedded://{tmp_path / 'store'}"
    run_opinion("crawl", "demo-forum", "demo-bar", timeout=300,
                env={"OPINION_STORE": uri, "OPINION_DEMO_URL": server.base_url})  # fmt: skip

    store = open_store(uri)
    try:
        copies = [
            p for p in store.find_posts(sort="time", limit=10_000) if "车库入口塌陷" in p["content"]
        ]
        clusters = store.find_clusters()
    finally:
        store.close()
    assert sorted(p["site"] for p in copies) == ["demo-bar", "demo-forum"]
    forum = next(p for p in copies if p["site"] == "demo-forum")
    # the demo ships one repost of its own (a forum post copied to the post bar)
    assert len(clusters) == 2, "the planted repost and the demo's own cluster, nothing else"
    [cluster] = [c for c in clusters if c["_id"] == forum["cluster_id"]]
    assert (cluster["size"], cluster["site_count"]) == (2, 2)
    assert cluster["sites"] == ["demo-bar", "demo-forum"]
    assert {p["cluster_id"] for p in copies} == {cluster["_id"]}
    assert (cluster["first_post_id"], cluster["first_site"]) == (forum["_id"], "demo-forum")
    assert cluster["first_author"] == "小区业主代表"
    [joined] = [p for p in copies if p["cluster_size"] == 2]
    spread = [c for c in joined["contributions"] if c["source"] == "spread"]
    assert spread and spread[0]["reason"].startswith("repost cluster of 2 copies on 2 sites")
    assert joined["score"] >= spread[0]["value"] > 0


def test_signatures_stay_what_stored_posts_were_given() -> None:
    """Stored posts keep their signature and band keys, and the band keys are looked up by
    value: a new way of computing them must give the same values, or bump the signature's
    version so older ones are ignored. Pinned on one text (digests of the encoded minimums
    and of the 32 band keys, as computed when the "m2" signatures were first stored)."""
    sig = signature("城南街道旧改拆迁，补偿款拖了半年还没到位，村民多次上访无果，干部推诿扯皮。")
    assert sig is not None and sig.encoded.startswith("m2:")
    assert sig.bands[:2] == ("9406e6508b1aec6f", "798c3202bf537c7d")
    digest = hashlib.sha256
    assert digest(sig.encoded.encode()).hexdigest() == (
        "67b0f5734e13f744af8ea249ed67721ec952fe48561d59f1011009aaa3d362a4"
    )
    assert digest("".join(sig.bands).encode()).hexdigest() == (
        "0c6c1003847e156361bbe8c22743523dc6460a1b834dbe72596a084849a48863"
    )
