"""The download handler of ``http``/``https`` for sites no page of which needs a browser:
Scrapy's own HTTP/1.1 handler, its connection pool keeping twice as many idle connections a
host as the crawl sends requests to one at a time (the browser handler's pool, for the pages
it passes to Scrapy's, does the same: :func:`keep_connections`).

Why: Scrapy frees a download's place as soon as the response body is in, and the next request
to the host asks the pool for a connection before the one that carried the body is back in
it, so the pool opens another; when the first comes back the pool already keeps as many idle
connections as its limit (``CONCURRENT_REQUESTS_PER_DOMAIN``) and closes one. On the
generated forums of ``bench.vs_scrapy`` Scrapy opened a new connection every three or four
pages (693 for 3,184 requests, each closed again by the client; 1,360 connects in side B);
kept, they are reused (138 connects), for a few per cent of the crawl process's CPU over
loopback HTTP — and a TLS handshake for each connection saved on an HTTPS site.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler


def keep_connections(handler: HTTP11DownloadHandler, crawler: Crawler) -> None:
    """Let the handler's pool keep twice ``CONCURRENT_REQUESTS_PER_DOMAIN`` idle connections a
    host (Scrapy sets it to that number)."""
    handler._pool.maxPersistentPerHost = 2 * crawler.settings.getint(
        "CONCURRENT_REQUESTS_PER_DOMAIN"
    )


class KeepAliveHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with room in its pool for the connection on its way back."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        keep_connections(self, crawler)
