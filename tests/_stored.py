"""Posts stored as the crawl and the cluster step leave them, for tests that seed a store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opinion_spiders.stores.base import CLUSTER_FIELDS, ClusterWrites, Store


def upsert_clustered(store: Store, docs: Sequence[Mapping[str, Any]]) -> int:
    """``upsert_posts``, then the cluster fields the documents carry written as the cluster
    step writes them (``upsert_posts`` leaves those to it); how many posts were new."""
    new = store.upsert_posts(docs)
    fields = {str(d["_id"]): {f: d[f] for f in CLUSTER_FIELDS if f in d} for d in docs}
    posts = {pid: f for pid, f in fields.items() if f}
    if posts:
        store.write_clusters(ClusterWrites(posts=posts, done=list(posts)))
    return new
