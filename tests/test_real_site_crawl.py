"""A crawl of declared real-engine sites (Discuz!, Tieba) served from the real saved pages on
loopback: the list page is the real one, every thread link it gives is answered with the real
thread page of that engine, and the posts end up in the store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from opinion_spiders.stores import open_store
from tests._proc import ROOT, run_opinion
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "pages"  # fixture folders: <engine>/<case>/page.html
#: A page of one floor's replies (楼中楼) as Tieba serves it, answered for every floor that
#: counts some: written by hand (the real thread page's floors give their reply counts; its
#: replies load from ``/p/comment``).
FRAGMENT = ROOT / "tests" / "reading_pages" / "written_tieba_floor_replies_fragment.html"
ROUTES = [
    (re.compile(r"^/p/comment\?"), FRAGMENT),
    (re.compile(r"^/forum-9-1\.html$"), PAGES / "discuz/x32_forumdisplay_nsh163_fid9/page.html"),
    (
        re.compile(r"^/thread-\d+-1-1\.html$"),
        PAGES / "discuz/x33_viewthread_csolbbs_tid38672/page.html",
    ),
    (re.compile(r"^/f\?kw=[^&]*$"), PAGES / "tieba/pc_list_rendered_reyi/page.html"),
    (re.compile(r"^/p/\d+$"), PAGES / "tieba/pc_thread_raw_terraria_p5837869242/page.html"),
]


@pytest.fixture
def fixture_site() -> Iterator[PageSite]:
    with PageSite(ROUTES) as site:  # later pages (a list's or a thread's ?pn=) are not served: 404
        yield site


def test_crawl_declared_real_engine_sites_from_fixture_pages(
    fixture_site: PageSite, tmp_path: Path
) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.nsh-bbs]\nkind = "forum"\nengine = "discuz"\nstart_urls = ["{fixture_site.url}/forum-9-1.html"]\n'
        "max_listing_pages = 1\nconcurrency = 4\n\n"
        f'[sites.reyi-bar]\nkind = "postbar"\nengine = "tieba"\nstart_urls = ["{fixture_site.url}/f?kw=reyi"]\n'
        "max_listing_pages = 1\nconcurrency = 4\n",
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    run_opinion(
        "crawl",
        "nsh-bbs",
        "reyi-bar",
        "-s",
        f"OPINION_SITES_FILES={sites}",
        env={"OPINION_STORE": uri},
        timeout=300,
    )
    store = open_store(uri)
    try:
        per_site = {row["site"]: row["count"] for row in store.count_posts(("site",))}
        # every thread link is answered with the same real page: Discuz posts are keyed by the
        # thread id of their URL (42 threads × 4 floors), Tieba ones by the page's own ids —
        # its 30 floors, and the 3 replies of the one fragment every floor's link is answered with
        assert per_site == {"nsh-bbs": 42 * 4, "reyi-bar": 30 + 3}
        posts = {p["_id"]: p for p in store.find_posts(sort="time", limit=1000)}
        first = next(p for p in posts.values() if p["site"] == "nsh-bbs" and p["floor"] == 1)
        assert first["author"] == "前程往事" and first["title"] == "建议对鼠神进行改版"
        assert first["published_at"].isoformat() == "2024-04-05T15:20:45+00:00"
        bar = next(
            p
            for p in posts.values()
            if p["site"] == "reyi-bar" and p["floor"] == 1 and not p["reply_to"]
        )
        assert bar["author"] == "传说的世纪" and bar["adapter"] == "tieba"
        floors = {p["post_id"]: p["floor"] for p in posts.values() if p["site"] == "reyi-bar"}
        replies = [p for p in posts.values() if p.get("reply_to")]
        assert sorted(p["author"] for p in replies) == ["临江老街坊", "城建小透明", "老王修车"]
        for reply in replies:  # in the floor whose link fetched it last, with its number
            assert (
                reply["floor"] == floors[reply["reply_to"]]
                and reply["thread_id"] == bar["thread_id"]
            )
        runs = {r["site"]: r for r in store.find_runs(limit=5)}
        assert runs["nsh-bbs"]["stats"]["opinion/pages/thread"] == 42  # 2 sticky + 40 normal rows
    finally:
        store.close()
    assert sum(1 for h in fixture_site.hits if h.startswith("/thread-")) == 42
    # the 26 floors that count replies, each fragment's first page and its second
    fragments = [h for h in fixture_site.hits if h.startswith("/p/comment?")]
    assert len(fragments) == 26 * 2 and sum(1 for h in fragments if h.endswith("pn=2")) == 26
