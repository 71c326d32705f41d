"""A crawl of a forum no engine knows (``engine = "generic"``): from its board page, the
generic engine reads the threads the board lists and its next page, then each thread's
posts; a second crawl walks again only the threads whose rows changed.

The board page and the thread page are pages written by hand in ``tests/reading_pages/``
(a Discuz!-style thread list laid out in a table, a V2EX-style topic), served on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.stores import open_store
from tests._proc import ROOT, run_opinion
from tests.receivers import serve

PAGES = ROOT / "tests" / "reading_pages"
ROUTES = [
    (re.compile(r"^/forum-1-\d+\.html$"), "written_board_thread_list.html"),
    (re.compile(r"^/thread-\d+-1-1\.html$"), "written_v2ex_topic.html"),
]


class Board:
    def __init__(self) -> None:
        self.hits: list[str] = []
        board = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                board.hits.append(self.path)
                for pattern, name in ROUTES:
                    if pattern.search(self.path):
                        body = (PAGES / name).read_bytes()
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html; charset=utf-8")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
                self.send_error(404)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.url = serve(Handler)


@pytest.fixture
def board() -> Iterator[Board]:
    site = Board()
    yield site
    site.httpd.shutdown()
    site.httpd.server_close()


def test_generic_engine_crawls_a_board_it_does_not_know(board: Board, tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.town-bbs]\nkind = "forum"\nengine = "generic"\n'
        f'start_urls = ["{board.url}/forum-1-1.html"]\nmax_listing_pages = 2\nconcurrency = 4\n',
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    env = {"OPINION_STORE": uri}
    run_opinion("crawl", "town-bbs", "-s", f"OPINION_SITES_FILES={sites}", env=env, timeout=300)
    threads = sorted(h for h in board.hits if h.startswith("/thread-"))
    assert threads == [f"/thread-{n}-1-1.html" for n in range(1000, 1008)]  # each row's title
    assert "/forum-1-2.html" in board.hits  # the next page, by its 下一页 link
    assert not any("redirect.php" in h or "space-uid" in h for h in board.hits)
    store = open_store(uri)
    try:
        posts = store.find_posts(sort="time", limit=1000)
        # the same topic served for every row: 4 posts a thread, each thread its own address
        assert len(posts) == 8 * 4 and len({p["thread_id"] for p in posts}) == 8
        assert {p["author"] for p in posts} == {"lisan", "wangwu", "zhaoliu"}
        assert {p["adapter"] for p in posts} == {"generic"}
    finally:
        store.close()
    # again: no row changed (its last reply's time), so no thread is walked again
    board.hits.clear()
    run_opinion("crawl", "town-bbs", "-s", f"OPINION_SITES_FILES={sites}", env=env, timeout=300)
    assert "/forum-1-1.html" in board.hits
    assert not any(h.startswith("/thread-") for h in board.hits)
