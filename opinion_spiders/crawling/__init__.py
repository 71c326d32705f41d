"""The Scrapy layer: the spiders, the page workers that read pages beside the crawl, the
downloader middlewares, the extensions (run records, live progress), the Redis scheduler of
the distributed mode and the runner that starts crawls in a process. Everything here may use
Scrapy and Twisted; nothing below it (text, reading, stores, watch, events, clusters,
alerting, core) imports it."""
