"""Whole crawls, as a user runs them (`opinion crawl`), of all three demo sites through every
pipeline into each store — the post bar through real Chromium — then incremental re-crawls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import site
from opinion_spiders.demo.server import DemoServer
from opinion_spiders.stores import Store, open_store
from tests._proc import run_opinion
from tests.fixtures_ferretdb import store_uri_on
from tests.receivers import WebhookReceiver

SITES = ("demo-forum", "demo-portal", "demo-bar")


@pytest.fixture(params=["embedded", "mongodb"])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_on(request, tmp_path, "crawl")


def _crawl(server: DemoServer, uri: str, webhook: WebhookReceiver) -> None:
    env = {
        "OPINION_STORE": uri,
        "OPINION_DEMO_URL": server.base_url,
        "OPINION_WEBHOOK_URL": webhook.url,
    }
    run_opinion("crawl", *SITES, env=env, timeout=300)


def _runs(store: Store, site: str) -> list[dict[str, Any]]:
    return [r for r in store.find_runs(limit=100) if r["site"] == site]


@pytest.fixture
def store_at(store_uri: str) -> Iterator[Store]:
    store = open_store(store_uri)
    yield store
    store.close()


def test_crawl_all_kinds_then_incremental(
    fresh_demo_server: DemoServer, store_uri: str, store_at: Store, webhook: WebhookReceiver
) -> None:
    _crawl(fresh_demo_server, store_uri, webhook)
    per_kind = {row["kind"]: row["count"] for row in store_at.count_posts(("kind",))}
    assert set(per_kind) == {"forum", "portal", "postbar"} and min(per_kind.values()) >= 5, per_kind
    total = store_at.count("posts")
    rules = {row["rule"] for row in store_at.rule_hits()}
    assert {"corruption", "land", "petition", "cadre", "safety"} <= rules

    posts = store_at.find_posts(sort="time", limit=10_000)
    false_cadre = [p for p in posts if "能干部分" in p["content"]]
    assert false_cadre, "the demo has a post with 能干部分"
    assert all("cadre" not in {m["rule"] for m in p["matches"]} for p in false_cadre)
    assert all(p["published_at"] is None or p["published_at"].tzinfo for p in posts)
    assert any(p["kind"] == "postbar" and p["published_at"] for p in posts)
    # the post bar's replies inside floors (楼中楼), fetched from each floor's fragment
    lzl = [p for p in posts if p["kind"] == "postbar" and p.get("reply_to")]
    assert len(lzl) == 12 + 3 and all(p["floor"] == 1 and p["published_at"] for p in lzl)

    alerts = store_at.find_alerts()
    assert alerts and all(a["status"] == "sent" for a in alerts)
    sent = [r["json"]["id"] for r in webhook.requests]
    assert sorted(set(sent)) == sorted(a["_id"] for a in alerts)
    escalations = sum(h["step"] == "escalated" for a in alerts for h in a.get("history", []))
    assert len(sent) == len(set(sent)) + escalations, "sent once, and once per escalation"
    assert {"score", "tier", "url", "title", "terms"} <= set(webhook.requests[0]["json"])

    # second run: nothing new, nothing alerted again, unchanged threads not walked
    _crawl(fresh_demo_server, store_uri, webhook)
    assert store_at.count("posts") == total
    assert len(webhook.requests) == len(sent) and store_at.count("alerts") == len(alerts)
    forum_runs = sorted(_runs(store_at, "demo-forum"), key=lambda r: r["started_at"])
    assert len(forum_runs) == 2
    first, second = (r["stats"] for r in forum_runs)
    assert second.get("opinion/store/new", 0) == 0
    assert second.get("opinion/incremental/skipped", 0) > 0
    assert second.get("opinion/pages/thread", 0) < first["opinion/pages/thread"]

    # a new reply in an existing thread grows its thread's story; a new post-bar thread alerts
    forum_post = next(p for p in posts if p["site"] == "demo-forum")
    fresh_demo_server.add_post(
        "forum",
        thread=forum_post["thread_id"],
        content="听说有人挪用公款，还收受贿赂，贪污问题严重。",
    )
    fresh_demo_server.add_post(
        "postbar",
        title="街道办强拆我家小院",
        content="昨晚街道办带人强拆，补偿款一分没见到，还有人索贿。",
    )
    _crawl(fresh_demo_server, store_uri, webhook)
    assert store_at.count("posts") == total + 2
    ledger = {a["_id"]: a for a in store_at.find_alerts(limit=1000)}
    new_ids = set(ledger) - {a["_id"] for a in alerts}
    new_stories = [ledger[i] for i in new_ids if ledger[i]["type"] == "post"]
    assert [(a["site"], a["title"]) for a in new_stories] == [("demo-bar", "街道办强拆我家小院")]
    story = ledger[f"thread:demo-forum:{forum_post['thread_id']}"]
    reply = next(
        p for p in store_at.find_posts(sort="time", limit=10) if "挪用公款" in p["content"]
    )
    assert reply["_id"] in story["post_ids"] and story["posts"] >= 2
    new_sent = [r["json"] for r in webhook.requests[len(sent) :] if r["json"]["type"] == "post"]
    assert {r["id"] for r in new_sent} <= {new_stories[0]["_id"], story["_id"]}
    assert [r["id"] for r in new_sent].count(new_stories[0]["_id"]) == 1


@pytest.mark.parametrize(("site", "browser"), [("demo-forum", False), ("demo-bar", True)])
def test_browser_started_only_for_sites_that_render(
    tmp_path: Path, demo_url: str, site: str, browser: bool
) -> None:
    """Scrapy's own HTTP handler for a site no page of which needs a browser — no Chromium
    driver started; scrapy-playwright for a post bar, whose thread list is drawn by script."""
    done = run_opinion("crawl", site, env={"OPINION_STORE": f"embedded://{tmp_path / 's'}",
                                           "OPINION_DEMO_URL": demo_url})  # fmt: skip
    assert ("Starting download handler" in done.stderr) is browser
    assert re.search(rf"done {site}: \d+ pages, [1-9]\d* posts", done.stderr)


#: Written into a folder on a crawl's PYTHONPATH: each of its processes leaves, at exit, the
#: heavy packages it imported that the crawl process itself has no use for.
_LOADED_AT_EXIT = """
import atexit, json, os, sys

def _dump():
    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"aiohttp", "redis", "jieba"})
    with open(os.path.join(os.environ["OPINION_TEST_LOADED"], f"{os.getpid()}.json"), "w") as f:
        json.dump({"argv": sys.argv, "loaded": loaded}, f)

atexit.register(_dump)
"""


def test_a_crawl_opens_no_console_and_no_code_server(tmp_path: Path) -> None:
    """Scrapy's telnet console and its remote control (an HTTP server that runs posted
    Python code) are off: neither is among the extensions a crawl enables. Nor does the crawl
    process import what it does not use: the remote control's aiohttp, redis-py without
    ``OPINION_REDIS_URL``, jieba where its page workers segment the text."""
    generated = site.generate(tmp_path / "site", 6, 5, "forum/utf-8=1")
    sites = tmp_path / "sites.toml"
    hook, loaded = tmp_path / "hook", tmp_path / "loaded"
    hook.mkdir()
    loaded.mkdir()
    (hook / "sitecustomize.py").write_text(_LOADED_AT_EXIT, encoding="utf-8")
    with site.served(tmp_path / "site") as port:
        sites.write_text(site.sites_toml(generated, port), encoding="utf-8")
        done = run_opinion("crawl", generated.specs[0].name, "-s", f"OPINION_SITES_FILES={sites}",
                           "-s", "LOG_LEVEL=INFO",
                           env={"OPINION_STORE": f"embedded://{tmp_path / 's'}",
                                "PYTHONPATH": str(hook), "OPINION_TEST_LOADED": str(loaded)})  # fmt: skip
    enabled = done.stderr[done.stderr.index("Enabled extensions:") :].split("]", 1)[0]
    assert "scrapy.extensions.corestats.CoreStats" in enabled
    assert "RemoteControl" not in enabled and "TelnetConsole" not in enabled
    dumps = [json.loads(f.read_text()) for f in loaded.glob("*.json")]
    by_role = {_role(d["argv"][0]): d["loaded"] for d in dumps}
    assert by_role["crawl"] == []
    assert "jieba" in by_role["worker"]  # the page worker segments: the hook saw it load


def _role(program: str) -> str:
    """Which of a crawl's processes ran ``program`` (its ``sys.argv[0]``)."""
    if "page_workers" in program:
        return "worker"
    return "crawl" if program.endswith("opinion") else "other"


def test_browser_not_started_for_a_post_bar_whose_pages_need_none(tmp_path: Path) -> None:
    """A post bar keeps scrapy-playwright's handler (its engine can render), but read from its
    server-rendered mobile list no page asks for a browser: no Playwright driver is started
    (scrapy-playwright's own handler starts one a scheme when the engine starts)."""
    generated = site.generate(tmp_path / "site", 12, 5, "postbar/utf-8=1")
    sites = tmp_path / "sites.toml"
    with site.served(tmp_path / "site") as port:
        sites.write_text(site.sites_toml(generated, port), encoding="utf-8")
        name = generated.specs[0].name
        done = run_opinion("crawl", name, "-s", f"OPINION_SITES_FILES={sites}",
                           "-s", "LOG_LEVEL=INFO",
                           env={"OPINION_STORE": f"embedded://{tmp_path / 's'}"})  # fmt: skip
    assert "Starting download handler" not in done.stderr  # scrapy-playwright's own logs it
    assert re.search(rf"done {name}: \d+ pages, [1-9]\d* posts", done.stderr)
