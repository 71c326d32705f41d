"""The plugin system: built-ins through the hooks, outside packages through entry points."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opinion_spiders import hookspecs
from opinion_spiders.plugin_manager import build_plugin_manager, builtin_plugins
from opinion_spiders.runtime import Runtime
from tests._proc import ROOT, run_opinion

HOOKS = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("opinion_")
]


def test_hookspecs_all_prefixed_and_say_how_results_combine() -> None:
    assert len(HOOKS) >= 5
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Combined:" in doc, f"{name} docstring must say how results combine"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_documented_in_readme(hook: str) -> None:
    """The README's hook reference has a heading with the hook's exact signature."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert re.search(rf"^#### `{hook}\({re.escape(params)}\)`", readme, re.M), (
        f"README.md lacks a '#### `{hook}({params})`' heading in the hook reference"
    )


def test_plugin_manager_registers_builtins_through_hooks() -> None:
    manager = build_plugin_manager({"OPINION_ENTRYPOINTS_ENABLED": False})
    names = [name for name, _hooks in manager.plugins()]
    assert names == builtin_plugins()
    assert {"plugins.discuz", "plugins.portal", "plugins.tieba", "plugins.rules"} <= set(names)
    assert not any(n.startswith("plugins._") for n in names)
    hooks = dict(manager.plugins())
    assert "opinion_adapters" in hooks["plugins.discuz"]
    assert "opinion_score" in hooks["plugins.scoring"]
    assert manager.failures == []


def test_plugin_manager_reports_raising_hook_and_goes_on() -> None:
    import pluggy

    hookimpl = pluggy.HookimplMarker("opinion_spiders")

    class Raising:
        @hookimpl
        def opinion_alert_channels(self, settings: object) -> list[object]:
            raise RuntimeError("boom")

    runtime = Runtime({"OPINION_ENTRYPOINTS_ENABLED": False}, extra_plugins=[Raising()])
    assert [c.name for c in runtime.channels] == ["log"]
    assert any("boom" in f.error for f in runtime.failures)


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both outside plugin packages really installed (pip) into a folder of their own."""
    target = tmp_path_factory.mktemp("site-packages")
    for pkg in ("opinion_extra", "opinion_broken"):
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
             "--target", str(target), str(ROOT / "tests" / "outside_plugins" / pkg)],
            check=True, capture_output=True,
        )  # fmt: skip
    return target


def test_outside_plugin_loaded_broken_one_reported(plugin_path: Path, demo_url: str) -> None:
    env = {"PYTHONPATH": str(plugin_path), "OPINION_DEMO_URL": demo_url}
    out = run_opinion("plugins", env=env).stdout
    assert re.search(r"^extra\s+opinion_adapters, opinion_score, opinion_sites$", out, re.M), out
    assert re.search(
        r"^FAILED broken: ModuleNotFoundError: .*a_module_that_does_not_exist", out, re.M
    )
    sites = run_opinion("sites", env=env).stdout
    assert re.search(r"^extra-forum\s+forum\s+discuz\s+plugins\.discuz\.DiscuzAdapter", sites, re.M)


EXTRA_THREAD = """<html><body><h1>夜班公交停运</h1>
<div class="post" data-pid="9001"><span class="author">老周</span><span class="time">2024-05-01 22:10</span>
<div class="content">N12 停了，怎么回家？</div></div>
<div class="post" data-pid="9004"><span class="author">小林</span><span class="time">2024-05-01 22:30</span>
<div class="content">临时接驳车在站台北侧。</div></div></body></html>"""


def _extra_listing(replies: int) -> str:
    return (
        f'<ul><li class="thread" data-tid="12"><a href="/t/12">夜班公交停运</a>'
        f'<span class="replies">{replies}</span></li></ul>'
    )


def test_outside_plugin_adapter_as_in_the_readme(
    plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's worked plugin: its engine is registered from the entry point, its floors
    keep their own ids, and its listing links change state when a thread grows."""
    from opinion_spiders.adapters import Page
    from opinion_spiders.sites import Site
    from opinion_spiders.text.fingerprints import post_key

    monkeypatch.syspath_prepend(str(plugin_path))
    runtime = Runtime({"OPINION_DEMO_URL": "http://127.0.0.1:8077"})
    adapter = runtime.adapters["extra_board"]()
    site = Site(name="night-bus", kind="forum", engine="extra_board", start_urls=("x",))
    now = datetime.now(UTC)
    posts = adapter.parse(
        Page("https://bbs.example.cn/t/12", EXTRA_THREAD, "thread", site, now)
    ).posts
    assert [(p.author, p.published_text, p.floor) for p in posts] == [
        ("老周", "2024-05-01 22:10", 1), ("小林", "2024-05-01 22:30", 2),
    ]  # fmt: skip
    keys = [post_key(site.name, thread_id=p.thread_id, post_id=p.post_id) for p in posts]
    assert keys == ["night-bus:12:9001", "night-bus:12:9004"]
    listing = "https://bbs.example.cn/list"
    (before,) = adapter.parse(Page(listing, _extra_listing(1), "listing", site, now)).links
    (after,) = adapter.parse(Page(listing, _extra_listing(2), "listing", site, now)).links
    assert (before.url, before.key, before.state) == (
        "https://bbs.example.cn/t/12",
        "thread:12",
        "1",
    )
    assert (after.key, after.state) == ("thread:12", "2")


def test_outside_plugin_site_and_score_take_effect_in_crawl(
    plugin_path: Path, demo_url: str, tmp_path: Path
) -> None:
    from opinion_spiders.stores import open_store

    uri = f"embedded://{tmp_path / 'store'}"
    env = {"PYTHONPATH": str(plugin_path), "OPINION_DEMO_URL": demo_url, "OPINION_STORE": uri}
    run_opinion("crawl", "extra-forum", env=env)
    store = open_store(uri)
    try:
        posts = store.find_posts(sort="time", limit=1000)
        assert posts and {p["site"] for p in posts} == {"extra-forum"}
        for post in posts:
            extra = [c for c in post["contributions"] if c["source"] == "extra"]
            assert extra == [
                {
                    "source": "extra",
                    "value": 1.5,
                    "reason": "outside plugin: every extra-forum post",
                }
            ]
    finally:
        store.close()


def test_readme_plugin_example_is_the_tested_plugin() -> None:
    """The adapter shown in the README's "Writing a site adapter" is opinion_extra's, line for
    line (docstring and formatter comments aside), so the example is the one tested above."""

    def code(text: str) -> list[str]:
        start = text.index("class ExtraBoardAdapter")
        body = text[start : text.index("return [ExtraBoardAdapter]", start)]
        body = re.sub(r'\n    """.*?"""\n', "\n", body, flags=re.S)
        return [line.replace("  # fmt: skip", "") for line in body.splitlines() if line.strip()]

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    plugin = ROOT / "tests" / "outside_plugins" / "opinion_extra" / "opinion_extra.py"
    assert code(readme) == code(plugin.read_text(encoding="utf-8"))
