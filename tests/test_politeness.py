"""Politeness and blocking against real loopback servers: robots.txt obeyed unless a site's
definition overrides it; a site that answers 403/429 is paused and reported, not hammered."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.stores import open_store
from tests._proc import run_opinion
from tests.receivers import respond, serve


class FrontServer:
    """Serves the demo forum through a front that can forbid robots, or refuse thread pages
    with 403/429 as a site does when it blocks a crawler."""

    def __init__(self, upstream: str, mode: str) -> None:
        self.hits: list[str] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                front.hits.append(self.path)
                if self.path == "/robots.txt" and mode == "robots":
                    return respond(self, 200, b"User-agent: *\nDisallow: /\n", "text/plain")
                if mode == "blocked" and "viewthread" in self.path:
                    return respond(
                        self, 403 if len(front.hits) % 2 else 429, b"go away", "text/plain"
                    )
                with urllib.request.urlopen(upstream + self.path) as resp:
                    respond(self, resp.status, resp.read(), resp.headers["Content-Type"])

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.url = serve(Handler)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def front(request: pytest.FixtureRequest, demo_url: str) -> Iterator[FrontServer]:
    server = FrontServer(demo_url, request.param)
    yield server
    server.close()


def _site_file(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(
        f'[sites.front]\nkind = "forum"\nengine = "discuz"\nstart_urls = ["{url}/forum/forum.php"]\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("front", ["robots"], indirect=True)
def test_robots_obeyed_by_default_and_overridable_per_site(
    front: FrontServer, tmp_path: Path
) -> None:
    for obey, extra in ((True, ""), (False, "obey_robots = false\n")):
        uri = f"embedded://{tmp_path / f'store-{obey}'}"
        sites = _site_file(tmp_path, front.url, extra)
        proc = run_opinion(
            "crawl", "front", "-s", f"OPINION_SITES_FILES={sites}", env={"OPINION_STORE": uri}
        )
        store = open_store(uri)
        if obey:
            assert store.count("posts") == 0
            assert [h for h in front.hits if h != "/robots.txt"] == []
        else:
            assert store.count("posts") > 0
            assert "robots.txt is NOT obeyed for site front" in proc.stderr
            (run,) = store.find_runs(limit=1)
            assert run["stats"]["opinion/robots/ignored"] == 1
        store.close()


@pytest.mark.parametrize("front", ["blocked"], indirect=True)
def test_blocking_site_is_paused_and_reported(front: FrontServer, tmp_path: Path) -> None:
    uri = f"embedded://{tmp_path / 'store'}"
    sites = _site_file(tmp_path, front.url)
    args = ("crawl", "front", "-s", f"OPINION_SITES_FILES={sites}", "-s", "RETRY_TIMES=0")
    proc = run_opinion(*args, env={"OPINION_STORE": uri}, check=False)
    assert "done front: " in proc.stderr and ", 1 alerts," in proc.stderr, "the health alert"
    store = open_store(uri)
    (run,) = store.find_runs(limit=5)
    assert run["stats"]["opinion/site/blocked"] == 1 and run["finish_reason"] == "blocked"
    assert {p["check"] for p in run["health"]} >= {"blocked"}
    alerts = store.find_alerts()
    assert [a["_id"].rsplit(":", 1)[0] for a in alerts] == ["health:front:blocked"]
    assert "__paused_until__" in store.load_state("front")
    hits_before = len(front.hits)
    run_opinion(*args, env={"OPINION_STORE": uri}, check=False)
    assert len(front.hits) == hits_before, "a paused site must not be fetched"
    runs = store.find_runs(limit=5)
    assert runs[0]["stats"]["opinion/site/paused"] == 1
    store.close()
