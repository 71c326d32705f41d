"""A crawl of a forum no engine knows (``engine = "generic"``): from its board page, the
generic engine reads the threads the board lists and its next page, then each thread's
posts; a second crawl walks again only the threads whose rows changed.

The board page and the thread page are pages written by hand in ``tests/reading_pages/``
(a Discuz!-style thread list laid out in a table, a V2EX-style topic), served on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from opinion_spiders.stores import open_store
from tests._proc import ROOT, run_opinion
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "reading_pages"
ROUTES = [
    (re.compile(r"^/forum-1-\d+\.html$"), PAGES / "written_board_thread_list.html"),
    (re.compile(r"^/thread-\d+-1-1\.html$"), PAGES / "written_v2ex_topic.html"),
]


@pytest.fixture
def board() -> Iterator[PageSite]:
    with PageSite(ROUTES, "text/html; charset=utf-8") as site:
        yield site


def test_generic_engine_crawls_a_board_it_does_not_know(board: PageSite, tmp_path: Path) -> None:
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
