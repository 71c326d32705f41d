"""The pure core of a post's way through the pipelines: normalising and validating it
(``posts``), in-run duplicates (``dedup``), score contributions (``scoring``) and the site
health checks read off a run's stats (``health``). No Scrapy, no store, no I/O."""
