"""Near-duplicate clusters: reposts and lightly edited copies of one text, with its first
publisher. Pure Python (no Scrapy); ``pipelines.cluster`` calls it.

The :class:`Clusterer` (``clusterer``) is the single writer of a process's cluster calls;
signatures, members and clusters as data are in ``_model`` (MinHash in ``_minhash``), the
in-run index in ``_memory``. Import from here: this module is the public API.
"""

from __future__ import annotations

from opinion_spiders.clusters._memory import PENDING_LIMIT
from opinion_spiders.clusters._model import (
    BANDS,
    CANDIDATE_LIMIT,
    MIN_CHARS,
    NUM_PERM,
    ROWS,
    SHINGLE,
    THRESHOLD,
    Cluster,
    Member,
    Signature,
    best_match,
    copies_by_cluster,
    signature,
    similarity,
    unique_members,
)
from opinion_spiders.clusters.clusterer import Assignment, Clusterer

__all__ = [
    "BANDS", "CANDIDATE_LIMIT", "MIN_CHARS", "NUM_PERM", "PENDING_LIMIT", "ROWS", "SHINGLE",
    "THRESHOLD",
    "Assignment", "Cluster", "Clusterer", "Member", "Signature", "best_match",
    "copies_by_cluster", "signature", "similarity", "unique_members",
]  # fmt: skip
