"""The pure text engine: normalising, segmenting, keyword rules, dates, URLs and fingerprints.

Nothing here imports Scrapy, so pipelines stay thin glue and every function is unit-tested
directly.
"""
