"""Bad input: rejected before the first request with file, place and fix; unreadable pages
counted with their reason while the crawl goes on; nothing already stored is lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from opinion_spiders.demo.server import DemoServer
from opinion_spiders.stores import open_store
from servers.ferretdb import free_port
from tests._proc import run_opinion
from tests.receivers import serve


def _one_line_error(args: tuple[str, ...], env: dict[str, str]) -> str:
    proc = run_opinion(*args, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("opinion: error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_bad_site_file_rejected_before_first_request(tmp_path: Path, demo_url: str) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[sites.good]\nkind = "forum"\nengine = "discuz"\nstart_urls = ["{demo}/forum/forum.php"]\n\n'
        '[sites.bad]\nkind = "forum"\nengine = "discuz"\nstart_url = "{demo}/forum/forum.php"\n',
        encoding="utf-8",
    )
    env = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}", "OPINION_DEMO_URL": demo_url}
    line = _one_line_error(("crawl", "good", "-s", f"OPINION_SITES_FILES={sites}"), env)
    assert f"{sites}: [sites.bad]" in line and "unknown key(s) ['start_url']" in line
    store = open_store(env["OPINION_STORE"])
    assert store.count("runs") == 0 and store.count("posts") == 0
    store.close()


def test_bad_rule_file_rejected_with_line(tmp_path: Path, demo_url: str) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nid = "ok"\nany = ["贪污"]\n\n[[rule]]\nid = "broken"\nseverity = 9\nany = ["强拆"]\n',
        encoding="utf-8",
    )
    env = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}", "OPINION_DEMO_URL": demo_url}
    line = _one_line_error(("crawl", "demo-forum", "-s", f"OPINION_RULE_FILES={rules}"), env)
    assert (
        str(rules) in line and "line 7" in line and "rule 'broken'" in line and "severity" in line
    )
    store = open_store(env["OPINION_STORE"])
    assert store.count("runs") == 0
    store.close()


@pytest.fixture
def broken_server() -> Iterator[DemoServer]:
    server = DemoServer(broken_pages=True)
    server.start()
    yield server
    server.stop()


def test_unreadable_pages_counted_crawl_goes_on_nothing_lost(
    tmp_path: Path, demo_url: str, broken_server: DemoServer
) -> None:
    env = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}", "OPINION_DEMO_URL": demo_url}
    run_opinion("crawl", "demo-forum", "demo-portal", env=env)
    store = open_store(env["OPINION_STORE"])
    before = store.count("posts")
    assert before > 0

    env["OPINION_DEMO_URL"] = broken_server.base_url
    run_opinion("crawl", "demo-forum", "demo-portal", "-s", "OPINION_FULL_RECRAWL=true", env=env)
    assert store.count("posts") >= before
    runs = {r["site"]: r for r in store.find_runs(limit=2)}
    for site in ("demo-forum", "demo-portal"):
        run = runs[site]
        assert run["finish_reason"] == "finished"
        assert run["parse_failures"], f"{site}: the broken page was not recorded"
        reasons = {f["reason"] for f in run["parse_failures"]}
        assert all(run["stats"][f"opinion/parse/failed/{r}"] >= 1 for r in reasons)
        assert run["stats"]["opinion/store/written"] > 0
    store.close()


def test_unreachable_site_is_not_a_finished_run(tmp_path: Path) -> None:
    """Nothing listens where the site should be: exit 1, the run says why, operators hear."""
    env = {
        "OPINION_STORE": f"embedded://{tmp_path / 'store'}",
        "OPINION_DEMO_URL": f"http://127.0.0.1:{free_port()}",
    }
    proc = run_opinion("crawl", "demo-forum", "-s", "RETRY_TIMES=0", env=env, check=False)
    assert proc.returncode == 1
    assert "done demo-forum: 0 pages" in proc.stderr and "— unreachable" in proc.stderr
    store = open_store(env["OPINION_STORE"])
    (run,) = store.find_runs(limit=1)
    assert run["finish_reason"] == "unreachable"
    assert [p["check"] for p in run["health"]] == ["unreachable"]
    assert run["stats"]["opinion/fetch/failed"] >= 1
    assert [a["_id"].rsplit(":", 1)[0] for a in store.find_alerts()] == [
        "health:demo-forum:unreachable"
    ]
    store.close()


def test_refused_mongodb_login_is_one_line_not_tracebacks(mongo_uri: str) -> None:
    """A real server refusing the credentials: crawl and report say so in one line (the
    password hidden) and exit 2, instead of a traceback from every crawler."""
    host = mongo_uri.split("://", 1)[1].split("/", 1)[0]
    uri = f"mongodb://bob:s3cret@{host}/opinion?authMechanism=SCRAM-SHA-256"
    for args in (("crawl", "demo-forum"), ("report",)):
        done = run_opinion(*args, env={"OPINION_STORE": uri}, check=False, timeout=120)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, done.stderr
        assert len(lines) == 1, done.stderr
        assert "OPINION_STORE: mongodb://bob:***@" in lines[0]
        assert "refused the credentials (AuthenticationFailed)" in lines[0]
        assert "s3cret" not in done.stderr and "Traceback" not in done.stderr


class _Faulty(BaseHTTPRequestHandler):
    """A news site with faults: a redirect loop, a body cut short, a missing page."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path
        if path.startswith("/loop"):
            nxt = "/loop-b" if path == "/loop-a" else "/loop-a"
            self.send_response(302)
            self.send_header("Location", nxt)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/news/2026/11/20/short.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "50000")
            self.end_headers()
            self.wfile.write(b"<html><body><h1>cut</h1><p>the body stops here")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/" or path.startswith("/news/2026/11/20/ok"):
            self._page(_FAULTY_HOME if path == "/" else _FAULTY_STORY)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _page(self, html: str) -> None:
        body = html.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


_FAULTY_LINKS = {
    "/news/2026/11/20/ok.html": "市政府发布新的供水价格听证安排",
    "/loop-a": "城管执法新规实施细则全文公布",
    "/news/2026/11/20/short.html": "区人大代表视察老旧小区改造工程",
    "/news/2026/11/20/gone.html": "市教育局回应学区划分调整的疑问",
}
_FAULTY_HOME = (
    "<html><head><title>城市日报</title></head><body><ul>"
    + "".join(f'<li><a href="{u}">{t}</a> 2026-11-20</li>' for u, t in _FAULTY_LINKS.items())
    + "</ul></body></html>"
)
_FAULTY_STORY = (
    "<html><head><title>市政府发布新的供水价格听证安排</title>"
    '<meta property="og:type" content="article"></head><body><h1>市政府发布新的供水价格听证安排'
    "</h1><div class='time'>2026-11-20 09:00</div><div class='article'><p>"
    + "市政府今天发布公告，新的供水价格将在下月举行听证会，市民可以报名参加并发表意见。" * 4
    + "</p></div></body></html>"
)


def test_redirect_loops_short_bodies_and_missing_pages_are_counted_by_reason(
    tmp_path: Path,
) -> None:
    httpd, base = serve(_Faulty)
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.faulty]\nkind = "portal"\nengine = "portal"\nstart_urls = ["{base}/"]\n'
        f'[sites.looping]\nkind = "portal"\nengine = "portal"\nstart_urls = ["{base}/loop-a"]\n',
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    try:
        proc = run_opinion(
            "crawl", "faulty", "looping", "-s", f"OPINION_SITES_FILES={sites}",
            "-s", "RETRY_TIMES=0", "-s", "REDIRECT_MAX_TIMES=3", env={"OPINION_STORE": uri},
            check=False, timeout=300,
        )  # fmt: skip
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert proc.returncode == 1, proc.stderr[-3000:]  # one of the two runs is unreachable
    store = open_store(uri)
    try:
        runs = {r["site"]: r for r in store.find_runs(limit=10)}
    finally:
        store.close()
    faulty, looping = runs["faulty"], runs["looping"]
    assert faulty["finish_reason"] == "finished"
    stats = faulty["stats"]
    assert stats["opinion/fetch/failed/redirect_loop"] == 1
    assert stats["opinion/fetch/failed/short_body"] == 1
    assert stats["opinion/fetch/http/404"] == 1
    assert stats["opinion/fetch/failed"] == 2 and stats["opinion/fetch/attempted"] == 4
    assert looping["finish_reason"] == "unreachable"
    assert looping["stats"]["opinion/fetch/failed/redirect_loop"] == 1
    assert "done looping: 0 pages" in proc.stderr and "— unreachable" in proc.stderr
    assert re.search(
        r"site faulty: no usable answer from \S+/loop-[ab] \(redirect_loop\)", proc.stderr
    )
