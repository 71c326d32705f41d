"""``opinion web`` as an analyst uses it: a real server process, a real Chromium (the project's
Playwright): the overview draws its chart, search finds folded forms with the words marked, an
alert is acknowledged with who and when kept, exports download and open again. Screenshots
are kept under ``build/test-artifacts/web/``."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, sync_playwright

from opinion_spiders.alerting import alert_for
from opinion_spiders.stores.embedded import EmbeddedStore
from settings import PLAYWRIGHT_LAUNCH_OPTIONS
from tests._proc import BIN, ROOT, run_opinion
from tests.test_evidence import EVENT_ID, seed
from tests.test_search_export import sample_posts

ARTIFACTS = Path(os.environ.get("OPINION_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A store with posts and two alerts, served by `opinion web` on a free port."""
    folder = tmp_path / "store"
    store = EmbeddedStore(folder)
    posts = sample_posts()
    hit = {"term": "拆迁", "field": "title", "start": 2, "end": 4, "context": "關於拆遷補償的帖子"}
    posts[0]["matches"] = [{"rule": "demolition", "name": "拆迁", "severity": 3, "weight": 4.0,
                            "hits": [hit]}]  # fmt: skip
    town = {"id": "chengnan", "name": "城南街道", "count": 1, "hits": []}
    posts[0]["entities"] = posts[1]["entities"] = [town]
    posts[2]["entities"] = [{"id": "cgj", "name": "城管局", "count": 1, "hits": []}]
    store.upsert_posts(posts)
    now = datetime.now(UTC)
    for post in posts[:1] + posts[2:3]:
        alert = alert_for({**post, "score": 40.0}, 10.0, now)
        assert alert is not None
        store.insert_alert(alert)
    start = posts[0]["published_at"]
    store.upsert_events([{
        "_id": "term:拆迁:x", "dimension": "term", "value": "拆迁", "level": "warning",
        "start": start, "end": start + timedelta(hours=2), "count": 9, "expected": 0.6,
        "surprise": 5.1, "first_post": {"id": posts[0]["_id"], "title": "关于拆迁补偿的帖子"},
    }])  # fmt: skip
    store.close()
    with _serve(folder) as url:
        yield url, folder


@pytest.fixture
def story_workspace(tmp_path: Path) -> Iterator[str]:
    """A thread story copied to a portal and a burst event over it (``test_evidence.seed``)."""
    folder = tmp_path / "store"
    store = EmbeddedStore(folder)
    seed(store)
    store.close()
    with _serve(folder) as url:
        yield url


@contextmanager
def _serve(folder: Path) -> Iterator[str]:
    """`opinion web` on the embedded store in ``folder``, on a free port, until done."""
    env = {**os.environ, "OPINION_STORE": f"embedded://{folder}", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(BIN / "opinion"), "web", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "serving the workspace at http://127.0.0.1:" in line, proc.stderr.read()
    try:
        yield line.split(" at ", 1)[1].split()[0].rstrip("/")
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(**PLAYWRIGHT_LAUNCH_OPTIONS)  # type: ignore[arg-type]
        yield launched
        launched.close()


def _shot(page: object, name: str) -> None:
    folder = ARTIFACTS / "web"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_web_overview_search_review_and_export_in_chromium(
    workspace: tuple[str, Path], browser: Browser, tmp_path: Path
) -> None:
    url, folder = workspace
    page = browser.new_page(accept_downloads=True)

    page.goto(f"{url}/?since=all")
    bars = page.locator("svg#posts-per-day rect.bar")
    assert bars.count() == 2  # one day with posts: a forum and a portal segment
    heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(bars.count())]
    assert min(heights) > 0 and page.locator("svg#posts-per-day").bounding_box()["width"] > 100  # type: ignore[index]
    assert page.locator(".kind-total[data-kind=portal] b").inner_text() == "2"
    site_bars = page.locator("svg#sites-per-day rect.bar")
    assert site_bars.count() == 2  # one day, two sites
    assert "forum-a: 2" in page.locator("svg#sites-per-day").inner_html()
    rule_bars = page.locator("svg#rules-per-day rect.bar")
    assert rule_bars.count() == 1 and "demolition: 1" in rule_bars.first.inner_html()
    entity_bars = page.locator("svg#entities-per-day rect.bar")
    assert entity_bars.count() == 2  # one day, two watched entities
    assert "城南街道: 2" in page.locator("svg#entities-per-day").inner_html()
    event = page.locator("table.events tbody tr")
    assert event.count() == 1 and "term: 拆迁" in event.inner_text() and "9" in event.inner_text()
    assert page.locator("table.stories tbody tr").count() == 2
    _shot(page, "overview")

    page.goto(f"{url}/search")
    page.fill("input[name=q]", "拆迁")  # the store holds the traditional 拆遷
    page.click("form button")
    assert page.locator("#found").inner_text().startswith("1 found")
    assert page.locator("table.results mark").first.inner_text() == "拆遷"
    _shot(page, "search")
    with page.expect_download() as got:
        page.click("#found a:text-is('xlsx')")
    saved = tmp_path / "found.xlsx"
    got.value.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["forum-a:7:1"]

    page.goto(f"{url}/alerts")
    assert page.locator("table.alerts tbody tr").count() == 2
    first = page.locator("form.review").first
    first.locator("input[name=by]").fill("张三")
    first.locator("input[name=note]").fill("已转交城管局")
    first.locator("button[value=acknowledge]").click()
    page.wait_for_url("**/alerts?state=all")
    assert "acknowledged · 张三" in page.content() and "已转交城管局" in page.content()
    _shot(page, "alerts")
    page.goto(f"{url}/alerts?state=open")
    assert page.locator("table.alerts tbody tr").count() == 1

    store = EmbeddedStore(folder)
    try:
        (acked,) = [a for a in store.find_alerts() if a.get("review")]
    finally:
        store.close()
    review = acked["review"]
    assert (review["state"], review["by"], review["note"]) == (
        "acknowledged",
        "张三",
        "已转交城管局",
    )
    assert review["history"][0]["action"] == "acknowledge" and review["at"].tzinfo is not None

    with urllib.request.urlopen(f"{url}/export?what=alerts&format=csv&state=acknowledged") as r:
        table = list(csv.DictReader(io.StringIO(r.read().decode("utf-8-sig"))))
    assert [row["id"] for row in table] == [acked["_id"]]
    with urllib.request.urlopen(f"{url}/export?what=posts&format=json&kind=portal") as r:
        assert [p["id"] for p in json.load(r)] == ["news-b:10:1", "news-b:9:1"]

    page.goto(f"{url}/post?id=forum-a:7:1")
    assert page.locator("h2 mark").first.inner_text() == "拆遷"  # the rule's hit, marked
    _shot(page, "post")
    page.close()


def test_web_story_and_event_pages_in_chromium(story_workspace: str, browser: Browser) -> None:
    """From the overview to a story and an event: timeline drawn, the earliest post shown as
    first publisher, the rules' hits marked, each score contribution with its reason."""
    url = story_workspace
    page = browser.new_page()
    page.goto(f"{url}/?since=all")
    page.click("table.stories a:text-is('關於拆遷補償的帖子')")
    page.wait_for_url("**/story?id=thread*")
    assert page.locator("h1").inner_text().startswith("话题 Story")
    marks = page.locator("svg#timeline rect.bar")
    assert marks.count() == 5 and page.locator("svg#timeline").bounding_box()["width"] > 100  # type: ignore[index]
    assert min(float(marks.nth(i).get_attribute("height") or 0) for i in range(5)) > 0
    first = page.locator(".first-publisher")
    assert first.get_attribute("data-post") == "forum-a:7:1"  # the earliest, not the first alerted
    assert "forum-a" in first.inner_text() and "网友甲" in first.inner_text()
    assert page.locator("table.spread tbody tr").all_inner_texts()[0].startswith("forum-a\t4")
    rows = page.locator("table.posts tbody tr")
    assert rows.count() == 5 and rows.first.locator("mark").first.inner_text() == "拆遷"
    assert "+8 rule:demolition" in rows.first.locator("ul.contributions").inner_text()
    _shot(page, "story")

    page.goto(f"{url}/alerts?state=all")
    page.click(f"table.alerts a[href='/event?id={EVENT_ID.replace(':', '%3A')}']")
    page.wait_for_url("**/event?id=*")
    assert page.locator("svg#timeline rect.bar").count() == 2
    levels = page.locator("table.levels tbody tr td:first-child").all_inner_texts()
    assert levels == ["notice", "warning"]
    assert page.locator("table.terms tbody tr").first.inner_text().startswith("补偿款")
    assert page.locator(".first-publisher").get_attribute("data-post") == "forum-a:7:1"
    assert page.locator("table.posts mark").count() >= 2
    _shot(page, "event")

    page.goto(f"{url}/story?id=thread:nowhere:1")
    assert "No story has the id" in page.locator("p.error").inner_text()
    page.close()


def test_web_forms_need_the_page_key_and_non_loopback_needs_a_token(
    workspace: tuple[str, Path],
) -> None:
    url, _ = workspace
    forged = urllib.request.Request(f"{url}/alerts/review", data=b"id=x&action=resolve&by=eve")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged)
    assert refused.value.code == 403
    done = run_opinion("web", "--host", "0.0.0.0", "--port", "0", check=False, timeout=60)
    assert done.returncode == 2 and "needs --token" in done.stderr


def test_web_token_opens_by_link_then_by_cookie(tmp_path: Path) -> None:
    from opinion_spiders.web import Workspace

    store = EmbeddedStore(tmp_path / "store")
    app = Workspace(store, {}, token="t0ken")
    try:

        def call(query: str = "", cookie: str = "") -> tuple[str, dict[str, str]]:
            got: dict[str, object] = {}

            def start(status: str, headers: list[tuple[str, str]]) -> None:
                got["status"], got["headers"] = status, dict(headers)

            env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": query,
                   "HTTP_COOKIE": cookie}  # fmt: skip
            app(env, start)
            return str(got["status"]), got["headers"]  # type: ignore[return-value]

        assert call()[0].startswith("401")
        assert call("token=wrong")[0].startswith("401")
        status, headers = call("token=t0ken")
        assert status.startswith("303") and "opinion_token=t0ken" in headers["Set-Cookie"]
        assert call(cookie="opinion_token=t0ken")[0].startswith("200")
    finally:
        store.close()


def _get(app: object, path: str, query: str = "") -> tuple[str, str]:
    """A GET through the workspace's WSGI callable: its status and page."""
    got: dict[str, str] = {}

    def start(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"] = status

    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query}
    body = b"".join(app(env, start))  # type: ignore[operator]
    return got["status"], body.decode("utf-8")


def test_web_overview_and_post_page_show_what_was_taken_down(tmp_path: Path) -> None:
    """A thread a revisit found gone (``posts.removed``) is listed on the overview with when,
    where and what its page said, and its post page says it was taken down; a post still up
    says nothing of the kind."""
    from opinion_spiders.web import Workspace, pages

    store = EmbeddedStore(tmp_path / "store")
    posts = sample_posts()
    store.upsert_posts(posts)
    gone, kept = posts[0]["_id"], posts[2]["_id"]
    notice = "根据相关法律法规和政策，该内容未予显示"
    store.mark_removed({gone: {"at": datetime.now(UTC) - timedelta(hours=2), "notice": notice}})
    app = Workspace(store, {})
    try:
        status, page = _get(app, "/", "since=all")
        assert status.startswith("200")
        table = page.split("删帖 Taken down", 1)[1].split("<h2>", 1)[0]
        assert notice in table and "關於拆遷補償的帖子" in table and "forum-a" in table
        assert pages.link("/post", "關於拆遷補償的帖子", id=gone) in table
        assert kept not in table
        status, page = _get(app, "/post", f"id={gone}")
        assert status.startswith("200") and 'class="removed"' in page and notice in page
        status, page = _get(app, "/post", f"id={kept}")
        assert status.startswith("200") and 'class="removed"' not in page
    finally:
        store.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_web_after_the_demo_in_chromium(tmp_path: Path, browser: Browser) -> None:
    """Issue 11's walk on what `make demo` leaves: `opinion demo`, then `opinion web` on its
    store — the demo's stories, events and charts on the overview; 幹部 finds the 干部 posts;
    an alert is acknowledged; the alert list downloads as xlsx and opens."""
    data = tmp_path / "data"
    env = {"OPINION_DATA_DIR": str(data), "OPINION_STORE": ""}
    run_opinion("demo", "--port", str(_free_port()), env=env, cwd=tmp_path, timeout=300)
    with _serve(data) as url:
        page = browser.new_page(accept_downloads=True)
        page.goto(f"{url}/?since=all")
        assert page.locator("table.stories tbody tr").count() >= 3
        assert page.locator("table.events tbody tr").count() >= 1
        assert "农民工" in page.locator("table.events").inner_text()  # the demo's emerging term
        bars = page.locator("svg#posts-per-day rect.bar")
        assert bars.count() > 0 and float(bars.first.get_attribute("height") or 0) > 0
        _shot(page, "demo-overview")

        page.goto(f"{url}/search")
        page.fill("input[name=q]", "幹部")
        page.click("form button")
        assert not page.locator("#found").inner_text().startswith("0 found")
        marked = page.locator("table.results mark").all_inner_texts()
        assert marked and set(marked) == {"干部"}  # the folded form found, as the posts write it
        _shot(page, "demo-search")

        page.goto(f"{url}/alerts")
        opened = page.locator("table.alerts tbody tr").count()
        assert opened >= 5
        first = page.locator("form.review").first
        first.locator("input[name=by]").fill("值班员")
        first.locator("button[value=acknowledge]").click()
        page.wait_for_url("**/alerts?state=all")
        assert "acknowledged · 值班员" in page.content()
        page.goto(f"{url}/alerts?state=open")
        assert page.locator("table.alerts tbody tr").count() == opened - 1
        page.goto(f"{url}/alerts?state=all")
        with page.expect_download() as got:
            page.click("a:text-is('xlsx')")
        saved = tmp_path / "alerts.xlsx"
        got.value.save_as(saved)
        rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
        assert len(rows) - 1 == opened and any("值班员" in str(r) for r in rows[1:])
        _shot(page, "demo-alerts")
        page.close()


def test_web_event_page_lists_a_storys_words_and_marks_them() -> None:
    """A word's event with the words of its story: the page lists them, and marks each in
    the posts, not only the word the event is stored under."""
    from datetime import UTC, datetime

    from opinion_spiders.events.evidence import Evidence
    from opinion_spiders.web.detail import event_body

    at = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    posts = [
        {"_id": "forum-a:1:1", "site": "forum-a", "title": "锦绣小区火灾", "content": "消防车到了",
         "url": "http://x/1", "author": "网友甲", "time": at},
        {"_id": "forum-a:2:2", "site": "forum-a", "title": "起火原因", "content": "消防在查",
         "url": "http://x/2", "author": "网友乙", "time": at},
    ]  # fmt: skip
    event = {
        "_id": "term:火灾:2026-11-25T08:00Z", "dimension": "term", "value": "火灾", "name": "火灾",
        "level": "notice", "start": at, "end": at, "count": 2, "peak": {"start": at, "count": 2},
        "words": [{"term": "消防", "count": 2, "surprise": 5.1},
                  {"term": "起火", "count": 1, "surprise": 4.7}],
    }  # fmt: skip
    html = event_body(event, Evidence(posts=posts), UTC)
    assert "<th>words</th><td>消防、起火</td>" in html
    marked = html.split('class="posts"', 1)[1]
    assert {"火灾", "消防", "起火"} <= set(re.findall(r"<mark[^>]*>([^<]+)</mark>", marked))
