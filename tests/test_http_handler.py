"""The crawl's HTTP handler for sites that need no browser: Scrapy's own, with room in its
connection pool for the connection on its way back (see
:mod:`opinion_spiders.crawling.http_handler`). Each crawl runs in a subprocess: Scrapy's
reactor runs once a process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests._proc import ROOT

KEEP_ALIVE = "opinion_spiders.crawling.http_handler.KeepAliveHandler"
#: 400 pages, each linking to the next ten (a tree the spider walks as it reads it)
PAGES = 400


class _Tree(BaseHTTPRequestHandler):
    """Pages of 8 kB over HTTP/1.1 keep-alive, counting the connections it was given."""

    protocol_version = "HTTP/1.1"
    connections: list[int] = [0]

    def setup(self) -> None:
        type(self).connections[0] += 1
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        page = int(self.path.strip("/") or 0)
        links = "".join(f'<a href="/{page * 10 + i}">{i}</a>' for i in range(1, 11)
                        if page * 10 + i < PAGES)  # fmt: skip
        body = f"<html><body><p>{'帖' * 2700}</p>{links}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def tree() -> Iterator[tuple[int, list[int]]]:
    """The server's port and its count of connections."""
    handler = type("Handler", (_Tree,), {"connections": [0]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], handler.connections
    finally:
        server.shutdown()
        server.server_close()


CRAWL = """
import sys, scrapy
from scrapy.crawler import CrawlerProcess
class Tree(scrapy.Spider):
    name = "tree"
    start_urls = [sys.argv[1]]
    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href)
settings = {"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_HANDLERS": {"http": sys.argv[2]}}
process = CrawlerProcess(settings)
crawler = process.create_crawler(Tree)
process.crawl(crawler)
process.start()
print(crawler.stats.get_value("response_received_count"))
"""


def test_the_keep_alive_handler_reuses_its_connections(tree: tuple[int, list[int]]) -> None:
    """A spider that follows each page's links as it reads it, 8 requests at a time to the
    host: every page over a few connections (at most twice 8). Scrapy's own handler, in the
    same crawl, took 53–66 connections for the 400 pages (2026-12-05)."""
    port, connections = tree
    done = subprocess.run([sys.executable, "-c", CRAWL, f"http://127.0.0.1:{port}/0", KEEP_ALIVE],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert int(done.stdout.split()[-1]) == PAGES
    assert connections[0] <= 16, f"{connections[0]} connections for {PAGES} pages"


HANDLERS = """
import json, sys, tempfile
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
settings = get_project_settings().copy_to_dict()
install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
from scrapy.crawler import Crawler
from opinion_spiders.crawling.spiders.forum import ForumSpider
from opinion_spiders.crawling.spiders.postbar import PostbarSpider
settings["OPINION_STORE"] = "embedded://" + sys.argv[1]
found = {}
for spider, site in ((ForumSpider, "demo-forum"), (PostbarSpider, "demo-bar")):
    crawler = Crawler(spider, settings)  # as Crawler.crawl makes its spider
    spider.from_crawler(crawler, site=site)
    found[site] = crawler.settings.getdict("DOWNLOAD_HANDLERS")
print(json.dumps(found))
"""


def test_a_site_without_a_browser_is_fetched_by_the_keep_alive_handler(tmp_path: Path) -> None:
    """The forum (no page needs a browser) gets the keep-alive handler; the post bar (its
    engine can render) keeps the project's browser handler."""
    done = subprocess.run([sys.executable, "-c", HANDLERS, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["demo-forum"] == {"http": KEEP_ALIVE, "https": KEEP_ALIVE}
    assert found["demo-bar"]["http"].endswith("BrowserOnDemandHandler")
