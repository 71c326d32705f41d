"""`opinion parse`, `opinion new-site`, `opinion explain` as a site developer runs them."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from opinion_spiders.adapters import Page
from opinion_spiders.sites import Site
from opinion_spiders.stores import open_store
from opinion_spiders.text.fingerprints import post_key
from opinion_spiders.text.urls import canonicalize_url
from tests._proc import ROOT, run_opinion

PAGES = ROOT / "tests" / "pages"  # fixture folders: <engine>/<case>/page.html


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_parse_saved_discuz_thread_json_lines() -> None:
    rows = _lines(
        run_opinion(
            "parse", str(PAGES / "discuz/x33_viewthread_csolbbs_tid38672/page.html"), "--json"
        ).stdout
    )
    posts = [r for r in rows if r["type"] == "post"]
    assert len(posts) == 4
    first = posts[0]
    assert {"kind", "url", "title", "author", "published_at", "content", "replies", "views"} <= set(
        first
    )
    assert first["kind"] == "forum" and first["title"] == "建议对鼠神进行改版"
    assert first["author"] == "前程往事" and first["published_at"] == "2024-04-05T23:20:45+08:00"
    assert (first["replies"], first["views"]) == (3, 3481)
    assert str(first["content"]).startswith("建议对鼠神进行改版，现在的鼠神说是传奇")


def test_parse_notice_page_is_reported_as_notice() -> None:
    rows = _lines(
        run_opinion(
            "parse", str(PAGES / "discuz/x32_message_loginok_chinaunix_gbk/page.html"), "--json"
        ).stdout
    )
    assert [r["type"] for r in rows] == ["notice"] and rows[0]["notice_kind"] == "login"


def test_parse_url_with_named_engine_lists_links(demo_url: str) -> None:
    url = f"{demo_url}/forum/forum.php?mod=forumdisplay&fid=2"  # 1 sticky + 10 threads a page
    rows = _lines(
        run_opinion("parse", url, "--engine", "discuz", "--role", "listing", "--json").stdout
    )
    threads = [r for r in rows if r["type"] == "thread"]
    assert len(threads) == 11 and all(r["title"] and r["url"].startswith(demo_url) for r in threads)
    assert any(r["type"] == "link" and r["role"] == "listing" for r in rows)


def test_parse_auto_falls_back_to_the_next_engine_that_reads_the_page() -> None:
    """The generic forum engine guesses first on a portal home page, cannot read it, and the
    portal engine gives the page's links; never an empty post."""
    rows = _lines(
        run_opinion(
            "parse", str(PAGES / "portal/home_autohome_gb2312_bytes/page.html"), "--json"
        ).stdout
    )
    assert (
        rows
        and {r["type"] for r in rows} <= {"link", "thread"}
        and {r["kind"] for r in rows} == {"portal"}
    )


def test_parse_errors_are_one_line() -> None:
    proc = run_opinion("parse", "/no/such/page.html", check=False)
    assert proc.returncode == 2 and proc.stderr.strip().startswith(
        "opinion: error: opinion parse: /no/such/page.html"
    )
    proc = run_opinion(
        "parse",
        str(PAGES / "phpbb/prosilver_debian_t159270/page.html"),
        "--engine",
        "nope",
        check=False,
    )
    assert proc.returncode == 2 and "unknown engine 'nope'" in proc.stderr


def test_new_site_declares_known_engine(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    out = run_opinion("new-site", "city-bbs", "--engine", "discuz", "--url", "https://bbs.example.cn/forum.php",
                      "--sites-file", str(sites)).stdout  # fmt: skip
    assert f"wrote {sites}" in out
    listed = run_opinion("sites", "-s", f"OPINION_SITES_FILES={sites}").stdout
    assert "city-bbs" in listed and "discuz" in listed
    again = run_opinion("new-site", "city-bbs", "--engine", "discuz", "--url", "https://x.cn/",
                        "-s", f"OPINION_SITES_FILES={sites}", check=False)  # fmt: skip
    assert again.returncode == 2 and "already declared" in again.stderr


THREAD_PAGE = (
    "<html><body><h1>小区停车难</h1>"
    '<div class="post" id="post_501"><span class="author">老张</span>'
    '<span class="time">2026-11-20 08:00</span><div class="content">晚上回家找不到车位。</div></div>'
    '<div class="post" id="post_502"><span class="author">小王</span>'
    '<span class="time">昨天 12:30</span><div class="content">同感，物业不管。</div></div>'
    '<div class="post" id="post_507"><span class="author">老张</span>'
    '<span class="time">昨天 13:00</span><div class="content">同感，物业不管。</div></div>'
    "</body></html>"
)


def _listing(replies: int) -> str:
    return (
        '<html><body><ul><li class="thread"><h3><a href="/t/77">停车难</a></h3>'
        f'<span class="replies">{replies}</span></li>'
        '<li class="thread"><h3><a href="/t/78">公交</a></h3><span class="replies">0</span></li>'
        '</ul><a rel="next" href="/list?page=2">下一页</a></body></html>'
    )


def _project(tmp_path: Path) -> Path:
    """A checkout to scaffold into: plugins/, the repo's settings and the discovering test."""
    root = tmp_path / "proj"
    (root / "plugins").mkdir(parents=True)
    (root / "tests").mkdir()
    shutil.copytree(ROOT / "settings", root / "settings")
    shutil.copy(ROOT / "tests" / "test_adapter_pages.py", root / "tests")
    return root


def _scaffold(
    root: Path, page: Path, *extra: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return run_opinion("new-site", "home-bbs", "--engine", "custom", "--url", "http://127.0.0.1:9/t/1",
                       "--root", str(root), "--page", str(page), *extra, check=check)  # fmt: skip


def _pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          capture_output=True, text=True, cwd=root)  # fmt: skip


def test_new_site_on_the_default_sites_file(tmp_path: Path) -> None:
    """settings/sites.toml as shipped (its ``{demo}`` URLs) takes a new site and still loads."""
    root = _project(tmp_path)
    sites = root / "settings" / "sites.toml"
    before = sites.read_text(encoding="utf-8")
    out = run_opinion("new-site", "city-bbs", "--engine", "discuz", "--url",
                      "https://bbs.example.cn/forum.php", "--root", str(root)).stdout  # fmt: skip
    assert out.strip() == f"wrote {sites}"
    assert sites.read_text(encoding="utf-8").startswith(before)
    listed = run_opinion("sites", "-s", f"OPINION_SITES_FILES={sites}").stdout
    assert "city-bbs" in listed and "demo-forum" in listed


def test_new_site_custom_writes_a_fixture_folder_the_page_test_reads(tmp_path: Path) -> None:
    root = _project(tmp_path)
    page = tmp_path / "saved.html"
    page.write_text(THREAD_PAGE, encoding="utf-8")
    out = _scaffold(root, page).stdout
    folder = root / "tests" / "pages" / "home_bbs" / "saved"
    written = {line.removeprefix("wrote ") for line in out.splitlines()}
    assert written == {str(root / "settings" / "sites.toml"), str(root / "plugins" / "home_bbs.py"),
                       str(folder / "page.html"), str(folder / "expected.json")}  # fmt: skip
    assert (folder / "page.html").read_bytes() == page.read_bytes()
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert expected["engine"] == "home_bbs" and "saved.html" in expected["source"]
    columns = expected["posts"]["columns"]
    assert columns["author"] == ["老张", "小王", "老张"] and columns["post_id"] == [
        "501",
        "502",
        "507",
    ]
    proc = _pytest(root)
    assert proc.returncode == 0 and "2 passed" in proc.stdout, proc.stdout[-3000:]
    # the folder's check can fail: a wrong expectation is caught and named
    columns["author"][1] = "别人"
    (folder / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    proc = _pytest(root)
    assert proc.returncode == 1 and "home_bbs/saved" in proc.stdout
    assert "column author: expected ['老张', '别人', '老张']" in proc.stdout


def test_new_site_scaffold_keeps_floors_apart_and_listing_states_change(tmp_path: Path) -> None:
    """Each floor gets its own ``_id``, and a thread whose reply count grew is walked again."""
    root = _project(tmp_path)
    page = tmp_path / "t1.html"
    page.write_text(THREAD_PAGE.replace(' id="post_507"', ""), encoding="utf-8")  # one without id
    _scaffold(root, page)
    spec = importlib.util.spec_from_file_location("home_bbs", root / "plugins" / "home_bbs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    adapter = module.HomeBbsAdapter()
    site = Site(name="home-bbs", kind="forum", engine="home_bbs", start_urls=("x",))
    now = datetime.now(UTC)
    url = "http://127.0.0.1:9/t/1"
    posts = adapter.parse(Page(url, THREAD_PAGE, "thread", site, now)).posts
    keys = [post_key(site.name, thread_id=p.thread_id, post_id=p.post_id,
                     canonical_url=canonicalize_url(p.url)) for p in posts]  # fmt: skip
    assert keys == ["home-bbs:1:501", "home-bbs:1:502", "home-bbs:1:507"]
    no_id = adapter.parse(Page(url, page.read_text(encoding="utf-8"), "thread", site, now)).posts
    assert [p.post_id for p in no_id] == ["501", "502", "3"]  # the floor where no id is shown
    listing = "http://127.0.0.1:9/list"
    before = adapter.parse(Page(listing, _listing(3), "listing", site, now)).links
    after = adapter.parse(Page(listing, _listing(5), "listing", site, now)).links
    assert [(lk.url, lk.key, lk.state) for lk in before[:2]] == [
        ("http://127.0.0.1:9/t/77", "thread:77", "3"), ("http://127.0.0.1:9/t/78", "thread:78", "0"),
    ]  # fmt: skip
    assert (after[0].key, after[0].state) == ("thread:77", "5") and after[1] == before[1]
    assert before[-1].role == "listing" and before[-1].key is None


def test_new_site_failing_leaves_nothing_behind(tmp_path: Path) -> None:
    root = _project(tmp_path)
    sites = root / "settings" / "sites.toml"
    before = sites.read_bytes()
    page = tmp_path / "saved.html"
    page.write_text(THREAD_PAGE, encoding="utf-8")
    # a write that fails half-way (tests/pages is a file): what was written is undone
    (root / "tests" / "pages").write_text("not a folder", encoding="utf-8")
    proc = _scaffold(root, page, check=False)
    assert proc.returncode == 2 and "nothing was changed" in proc.stderr, proc.stderr
    assert proc.stdout == "" and sites.read_bytes() == before
    assert not (root / "plugins" / "home_bbs.py").exists()
    # a sites file that does not load: refused before anything is written
    (root / "tests" / "pages").unlink()
    sites.write_text(before.decode("utf-8") + '\n[sites.bad]\nkind = "forum"\n', encoding="utf-8")
    proc = run_opinion("new-site", "home-bbs", "--engine", "custom", "--url", "http://127.0.0.1:9/t/1",
                       "--root", str(root), "--page", str(page), "--sites-file", str(sites),
                       check=False)  # fmt: skip
    assert proc.returncode == 2 and "[sites.bad]" in proc.stderr
    assert sorted(p.name for p in root.rglob("*") if "home_bbs" in str(p)) == []
    assert not (root / "tests" / "pages").exists()


def test_explain_prints_contributions_that_sum_to_score(tmp_path: Path, demo_url: str) -> None:
    uri = f"embedded://{tmp_path / 'store'}"
    env = {"OPINION_STORE": uri, "OPINION_DEMO_URL": demo_url}
    run_opinion("crawl", "demo-portal", env=env)
    store = open_store(uri)
    top = store.find_posts(sort="score", limit=1)[0]
    store.close()
    out = run_opinion("explain", top["_id"], env=env).stdout
    assert top["_id"] in out and "score (the sum)" in out
    for c in top["contributions"]:
        assert c["reason"] in out
    data = json.loads(run_opinion("explain", top["_id"], "--json", env=env).stdout)
    assert abs(sum(c["value"] for c in data["contributions"]) - data["score"]) < 1e-6
    missing = run_opinion("explain", "nope", env=env, check=False)
    assert missing.returncode == 2 and "no such post id" in missing.stderr
