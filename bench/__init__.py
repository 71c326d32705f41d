"""Benchmarks that print ratios measured side by side in one run (``python -m bench``).

- :mod:`bench.crawl`: pages/s of a demo-forum crawl with every pipeline vs with none, each
  crawl in its own process against one demo server, into a fresh embedded store.
- :mod:`bench.stores`: store writes through the store pipeline's path (``upsert_posts`` in
  batches of ``OPINION_STORE_BATCH_SIZE``) vs a raw insert of the same documents on the same
  kind of backend (SQLite ``executemany``; ``insert_many`` on FerretDB).
- :mod:`bench.outage`: pages/s of a demo-forum crawl with MongoDB down (a closed loopback
  port) vs up (FerretDB), each crawl in its own process.
- :mod:`bench.vs_scrapy`: pages/s and CPU per page of ``opinion crawl`` with every pipeline vs
  a stock Scrapy spider per kind (no pipelines) and a lean aiohttp + parsel fetcher, on the
  same generated ~3,000-page site (:mod:`bench.site`: forums, a post bar and portals in GBK
  and UTF-8), interleaved, and the same ``opinion crawl`` into a FerretDB (side D, target
  0.6 of stock Scrapy); :mod:`bench.profile` times each stage of the product on that site.

Each measurement is repeated and the median kept; the target for both ratios is 0.8.
"""

from __future__ import annotations

TARGET_RATIO = 0.8
