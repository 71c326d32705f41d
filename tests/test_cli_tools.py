"""`opinion parse`, `opinion new-site`, `opinion explain` as a site developer runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from opinion_spiders.stores import open_store
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


def test_new_site_custom_scaffolds_adapter_and_a_test_that_runs(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "plugins").mkdir(parents=True)
    (root / "tests").mkdir()
    page = tmp_path / "saved.html"
    page.write_text(
        "<html><body><h1>小区停车难</h1>"
        '<div class="post"><span class="author">老张</span><span class="time">2026-11-20 08:00</span>'
        '<div class="content">晚上回家找不到车位。</div></div>'
        '<div class="post"><span class="author">小王</span><span class="time">昨天 12:30</span>'
        '<div class="content">同感，物业不管。</div></div></body></html>',
        encoding="utf-8",
    )
    out = run_opinion("new-site", "home-bbs", "--engine", "custom", "--url", "http://127.0.0.1:9/t/1",
                      "--root", str(root), "--page", str(page), "--sites-file", str(root / "sites.toml")).stdout  # fmt: skip
    assert "plugins/home_bbs.py" in out and "tests/test_adapter_home_bbs.py" in out
    expected = json.loads(
        (root / "tests" / "pages" / "home_bbs" / "expected.json").read_text(encoding="utf-8")
    )
    assert [p["author"] for p in expected["posts"]] == ["老张", "小王"]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                          capture_output=True, text=True, cwd=root)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:]
    # the generated test can fail: a wrong expectation is caught
    expected["posts"][0]["author"] = "别人"
    (root / "tests" / "pages" / "home_bbs" / "expected.json").write_text(
        json.dumps(expected), encoding="utf-8"
    )
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                          capture_output=True, text=True, cwd=root)  # fmt: skip
    assert proc.returncode == 1
    shutil.rmtree(root)


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
