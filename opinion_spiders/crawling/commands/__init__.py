"""The project's Scrapy commands (``COMMANDS_MODULE``): Scrapy's own, made to speak plainly.

``scrapy crawl`` (and scrapyd, which runs it) reports a spider that could not start — a bad
``OPINION_*`` value, a missing ``-a site=`` — as an asyncio task "exception never retrieved",
with Scrapy's traceback, before the one line that says what to fix. :mod:`.crawl` prints that
line alone, as ``opinion crawl`` does, and exits 1.
"""
