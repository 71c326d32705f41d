"""Retries wait with exponential backoff (or what Retry-After asks) instead of hammering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.crawling.middlewares import backoff_delay, retry_after
from opinion_spiders.stores import open_store
from tests._proc import run_opinion
from tests.receivers import serve


def test_backoff_delay_doubles_up_to_the_cap() -> None:
    assert [backoff_delay(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert backoff_delay(3, 0, 5.0) == 0.0


def test_retry_after_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    assert retry_after(b"7", now) == 7.0
    assert (
        retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True).encode(), now) == 30.0
    )
    assert retry_after(b"soon", now) is None and retry_after(None, now) is None


class Flaky:
    """Answers the demo forum index with 503 twice (the second with Retry-After: 1)."""

    def __init__(self, upstream: str) -> None:
        self.hits: list[str] = []
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                flaky.hits.append(self.path)
                if self.path == "/forum/forum.php" and flaky.hits.count(self.path) <= 2:
                    self.send_response(503)
                    if flaky.hits.count(self.path) == 2:
                        self.send_header("Retry-After", "1")
                    self.end_headers()
                    return
                import urllib.request

                with urllib.request.urlopen(upstream + self.path) as resp:
                    body = resp.read()
                    self.send_response(resp.status)
                    self.send_header("Content-Type", resp.headers["Content-Type"])
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.url = serve(Handler)


@pytest.fixture
def flaky(demo_url: str) -> Iterator[Flaky]:
    server = Flaky(demo_url)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_crawl_retries_with_backoff_and_goes_on(flaky: Flaky, tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.flaky]\nkind = "forum"\nengine = "discuz"\nstart_urls = ["{flaky.url}/forum/forum.php"]\n',
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    run_opinion("crawl", "flaky", "-s", f"OPINION_SITES_FILES={sites}", "-s", "OPINION_RETRY_BACKOFF_BASE=0.2",
                env={"OPINION_STORE": uri})  # fmt: skip
    store = open_store(uri)
    (run,) = store.find_runs(limit=1)
    assert run["stats"]["opinion/store/written"] > 0
    # 1st retry waits the base (0.2 s); the 2nd max(0.4 s backoff, Retry-After 1 s)
    assert run["stats"]["opinion/retry/backoff_ms"] == 200 + 1000
    assert flaky.hits.count("/forum/forum.php") == 3
    store.close()
