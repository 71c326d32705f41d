"""Scrapy item pipelines: thin glue, one stage a module, calling the engine's pure functions.

Order (``ITEM_PIPELINES`` in ``settings``): normalise/validate -> dedup -> keyword rules ->
near-duplicate clusters -> watched entities -> sensitive periods -> score -> store -> alert.
"""
