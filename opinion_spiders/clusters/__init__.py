"""Near-duplicate clusters: reposts and lightly edited copies of one text, with its first
publisher. Pure Python (no Scrapy); ``pipelines.cluster`` calls it.

The :class:`ClusterStep` (``step``) is the single writer of the stored clusters; the
:class:`Clusterer` (``clusterer``) is the crawl's read-only view of a post's cluster while it
is crawled. Signatures, members and clusters as data are in ``_model`` (MinHash in
``_minhash``), the crawl's in-run index in ``_memory``. Import from here: this module is the
public API.
"""

from __future__ import annotations

from opinion_spiders.clusters._minhash import Signer, normalise
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
from opinion_spiders.clusters.step import LEASE, ClusterStep, StepResult

__all__ = [
    "BANDS", "CANDIDATE_LIMIT", "LEASE", "MIN_CHARS", "NUM_PERM", "ROWS", "SHINGLE",
    "THRESHOLD",
    "Assignment", "Cluster", "ClusterStep", "Clusterer", "Member", "Signature", "Signer",
    "StepResult",
    "best_match",
    "copies_by_cluster", "normalise", "signature", "similarity", "unique_members",
]  # fmt: skip
