"""Page workers: the crawl's pages read, and their posts' own work done, in processes of
their own, so the crawl process keeps to fetching, the store and what needs the store.

Scrapy runs a crawl on one thread; a page's reading (decoding, the engine's queries) and its
posts' pure work (cleaning, rule matching, search terms, MinHash signatures) took most of its
CPU. With ``OPINION_PAGE_WORKERS`` (``auto``: one fewer than the cores, at most 4) the spider
hands each fetched page to a worker and awaits its :class:`Outcome` on the event loop; the
pipeline stages skip the work named in each post's ``ahead``. With 0 (or one core) the spider
reads pages itself with the same :func:`read_fetched`.
"""

from __future__ import annotations

from opinion_spiders.crawling.page_workers.pool import (
    PageWorkers,
    start_workers_early,
    stop_early_workers,
    worker_count,
)
from opinion_spiders.crawling.page_workers.work import (
    AHEAD,
    Fetched,
    Outcome,
    looks_html,
    read_fetched,
    work_ahead,
)

__all__ = [
    "AHEAD", "Fetched", "Outcome", "PageWorkers", "looks_html", "read_fetched",
    "start_workers_early", "stop_early_workers", "work_ahead", "worker_count",
]  # fmt: skip
