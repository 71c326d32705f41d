"""Bad input: rejected before the first request with file, place and fix; unreadable pages
counted with their reason while the crawl goes on; nothing already stored is lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opinion_spiders.demo.server import DemoServer
from opinion_spiders.stores import open_store
from opinion_spiders.stores.ferretdb import free_port
from tests._proc import run_opinion


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
