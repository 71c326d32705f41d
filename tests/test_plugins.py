"""The plugin system: built-ins through the hooks, outside packages through entry points."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import types
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pluggy
import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders import hookimpl, hookspecs
from opinion_spiders.adapters import Adapter
from opinion_spiders.core.scoring import Contribution, total
from opinion_spiders.errors import ConfigError
from opinion_spiders.items import Post
from opinion_spiders.plugin_manager import PluginFailure, build_plugin_manager, builtin_plugins
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from pipelines.score import ScorePipeline
from tests._docs import docs_text
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
    readme = docs_text()
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


def _plugin(name: str, **hooks: Callable[..., Any]) -> types.ModuleType:
    """An outside plugin as a module of its own, named ``name``, holding ``hooks``."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, function)
    return module


def _stage(*plugins: types.ModuleType) -> ScorePipeline:
    """The crawl's score stage, with the built-ins and then ``plugins`` registered."""
    crawler = get_crawler(settings_dict={"OPINION_ENTRYPOINTS_ENABLED": False})
    stage = ScorePipeline.from_crawler(crawler)
    for plugin in plugins:
        stage.runtime.plugins.register(plugin)
    return stage


def _score(stage: ScorePipeline) -> list[Contribution]:
    """The contributions the score stage keeps on a post with 3 replies (the built-in
    engagement rule gives log2(1+3) = 2 for it)."""
    post = Post(site="demo-forum", kind="forum", url="u", title="t", content="c", replies=3)
    stage.process_item(post)
    assert post.score == total(Contribution(**c) for c in post.contributions)
    return [Contribution(**c) for c in post.contributions]


PLAIN = Contribution("plain", 1.0, "a plain outside rule")


@hookimpl
def plain_score(post: Post, site: Site) -> list[Contribution]:
    return [PLAIN]


def _outside(results: list[Any]) -> list[Contribution]:
    """What a wrapper was sent, but the built-in engagement contribution."""
    return [c for result in results for c in result if c.source != "engagement"]


def test_plugin_manager_wrapper_sees_and_changes_results() -> None:
    """An outside ``wrapper=True`` implementation runs around every other one: it is sent the
    built-ins' and plain plugins' results and what it returns is the hook's result."""
    seen: list[list[Contribution]] = []

    @hookimpl(wrapper=True)
    def doubling(post: Post, site: Site) -> Generator[None, list[Any], list[Any]]:
        results = yield
        seen.append(_outside(results))
        return [[Contribution(c.source, c.value * 2, c.reason) for r in results for c in r]]

    stage = _stage(
        _plugin("doubling", opinion_score=doubling), _plugin("plain", opinion_score=plain_score)
    )
    assert total(_score(stage)) == (2.0 + 1.0) * 2
    assert seen == [[PLAIN]]
    assert stage.runtime.failures == []


def test_plugin_manager_old_style_hookwrapper_wraps_the_call() -> None:
    @hookimpl(hookwrapper=True)
    def old(post: Post, site: Site) -> Generator[None, pluggy.Result[Any], None]:
        outcome = yield
        results = outcome.get_result()
        outcome.force_result([*results, [Contribution("old", 0.5, f"{len(results)} seen")]])

    stage = _stage(_plugin("old", opinion_score=old), _plugin("plain", opinion_score=plain_score))
    contributions = _score(stage)
    assert [c.source for c in contributions] == ["plain", "engagement", "old"]
    assert total(contributions) == 2.0 + 1.0 + 0.5
    assert stage.runtime.failures == []


def test_plugin_manager_tryfirst_and_trylast_order_the_calls() -> None:
    """Without marks the last registered runs first; ``tryfirst``/``trylast`` move an
    implementation to the front or the back whatever the registration order."""
    calls: list[str] = []

    def calling(name: str, **marks: bool) -> types.ModuleType:
        def opinion_score(post: Post, site: Site) -> None:
            calls.append(name)

        return _plugin(name, opinion_score=hookimpl(**marks)(opinion_score))

    plugins = calling("first", tryfirst=True), calling("a"), calling("last", trylast=True)
    _score(_stage(*plugins, calling("b")))
    assert calls == ["first", "b", "a", "last"]


def test_plugin_manager_raising_impl_recorded_and_skipped() -> None:
    """The raising plugin is recorded once by name, however often it fails; the others'
    results still arrive, and a wrapper around them is sent those, not the error."""
    seen: list[list[Contribution]] = []

    @hookimpl
    def raising(post: Post, site: Site) -> list[Contribution]:
        raise RuntimeError("boom")

    @hookimpl(wrapper=True)
    def watching(post: Post, site: Site) -> Generator[None, list[Any], list[Any]]:
        results = yield
        seen.append(_outside(results))
        return results

    stage = _stage(
        _plugin("plain", opinion_score=plain_score),
        _plugin("raising", opinion_score=raising),
        _plugin("watching", opinion_score=watching),
    )
    for _ in range(2):
        assert total(_score(stage)) == 2.0 + 1.0
    assert seen == [[PLAIN], [PLAIN]]
    assert stage.runtime.failures == [PluginFailure("raising", "opinion_score: RuntimeError: boom")]


def _failing_wrappers() -> dict[str, Callable[..., Any]]:
    """Wrappers that fail in each way a wrapper can: raising before or after its yield (new
    and old style), not yielding, yielding twice, returning something not a list."""

    @hookimpl(wrapper=True)
    def before(post: Post, site: Site) -> Generator[None, Any, Any]:
        raise RuntimeError("before")
        yield

    @hookimpl(wrapper=True)
    def after(post: Post, site: Site) -> Generator[None, Any, Any]:
        results = yield
        results.append([Contribution("after", 9.0, "kept: the list was changed in place")])
        raise RuntimeError("after")

    @hookimpl(hookwrapper=True)
    def old(post: Post, site: Site) -> Generator[None, Any, None]:
        yield
        raise RuntimeError("old")

    @hookimpl(wrapper=True)
    def no_yield(post: Post, site: Site) -> Generator[None, Any, Any]:
        if post.site:
            return []
        yield

    @hookimpl(wrapper=True)
    def twice(post: Post, site: Site) -> Generator[None, Any, Any]:
        yield
        yield
        return []

    @hookimpl(wrapper=True)
    def no_list(post: Post, site: Site) -> Generator[None, Any, Any]:
        yield
        return None

    return {f.__name__: f for f in (before, after, old, no_yield, twice, no_list)}


def test_plugin_manager_failing_wrapper_recorded_and_results_passed_through() -> None:
    """A wrapper that fails is recorded against its plugin and counts as having passed on the
    results it was sent: the call still returns the plain implementations' results."""
    wrappers = [_plugin(name, opinion_score=f) for name, f in _failing_wrappers().items()]
    stage = _stage(_plugin("plain", opinion_score=plain_score), *wrappers)
    assert [c.source for c in _score(stage)] == ["plain", "engagement", "after"]
    assert {f.name: f.error for f in stage.runtime.failures} == {
        "before": "opinion_score: RuntimeError: before",
        "after": "opinion_score: RuntimeError: after",
        "old": "opinion_score: RuntimeError: old",
        "no_yield": "opinion_score: RuntimeError: the wrapper did not yield",
        "twice": "opinion_score: RuntimeError: the wrapper yielded twice",
        "no_list": "opinion_score: TypeError: the wrapper returned None, not a list of results",
    }


def test_plugin_manager_config_error_propagates_through_wrappers() -> None:
    """A ``ConfigError`` is the user's to fix: it ends the call, wrappers see it on its way."""
    seen: list[BaseException] = []

    @hookimpl
    def misconfigured(post: Post, site: Site) -> None:
        raise ConfigError("rules.toml", "rule r1", "bad weight")

    @hookimpl(wrapper=True)
    def watching(post: Post, site: Site) -> Generator[None, Any, Any]:
        try:
            return (yield)
        except ConfigError as exc:
            seen.append(exc)
            raise

    stage = _stage(
        _plugin("misconfigured", opinion_score=misconfigured),
        _plugin("watching", opinion_score=watching),
    )
    with pytest.raises(ConfigError, match="bad weight"):
        _score(stage)
    assert len(seen) == 1 and stage.runtime.failures == []


class _PickSpecs:
    """A hook local to these tests, whose spec says the first answer wins."""

    @pluggy.HookspecMarker("opinion_spiders")(firstresult=True)
    def opinion_test_pick(self, word: str) -> str | None:
        """Combined: the first non-None answer wins."""


def test_plugin_manager_firstresult_stops_at_first_answer() -> None:
    """A ``firstresult`` hook stops at the first non-None answer (one that raises is none),
    and a wrapper is sent that one answer, not a list."""
    calls: list[str] = []

    def answering(name: str, value: str | None, **marks: bool) -> types.ModuleType:
        def opinion_test_pick(word: str) -> str | None:
            calls.append(name)
            if value == "raise":
                raise RuntimeError("boom")
            return value

        return _plugin(name, opinion_test_pick=hookimpl(**marks)(opinion_test_pick))

    @hookimpl(wrapper=True)
    def quoting(word: str) -> Generator[None, Any, Any]:
        answer = yield
        return f"{word}: {answer}"

    manager = build_plugin_manager({"OPINION_ENTRYPOINTS_ENABLED": False})
    manager.add_hookspecs(_PickSpecs)
    for plugin in (
        answering("late", "late"), answering("second", "second"), answering("none", None),
        answering("raising", "raise", tryfirst=True), _plugin("quoting", opinion_test_pick=quoting),
    ):  # fmt: skip
        manager.register(plugin)
    assert manager.hook.opinion_test_pick(word="pick") == "pick: second"
    assert calls == ["raising", "none", "second"]
    assert [f.name for f in manager.failures] == ["raising"]


def test_runtime_names_the_plugin_of_each_adapter_through_wrappers() -> None:
    """An adapter clash names the plugin that returned each adapter; with a wrapper around the
    call, results the wrapper adds itself are named after the wrapper."""

    class NightBusAdapter(Adapter):
        engine = "night_bus"
        kind = "forum"

    @hookimpl
    def night_bus() -> list[type[Adapter]]:
        return [NightBusAdapter]

    @hookimpl(wrapper=True)
    def adding() -> Generator[None, Any, Any]:
        results = yield
        return [*results, [NightBusAdapter]]

    plugins = [_plugin(name, opinion_adapters=night_bus) for name in ("one", "two")]
    runtime = Runtime(
        {"OPINION_ENTRYPOINTS_ENABLED": False},
        extra_plugins=[*plugins, _plugin("adding", opinion_adapters=adding)],
    )
    clash = "engine 'night_bus' already provided by two"  # the last registered runs first
    assert [(f.name, f.error) for f in runtime.failures] == [("one", clash), ("adding", clash)]
    assert runtime.adapters["night_bus"] is NightBusAdapter


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

    readme = docs_text()
    plugin = ROOT / "tests" / "outside_plugins" / "opinion_extra" / "opinion_extra.py"
    assert code(readme) == code(plugin.read_text(encoding="utf-8"))


def test_builtin_plugin_that_fails_to_load_spares_the_sites_that_do_not_use_it() -> None:
    """A built-in plugin whose import fails (a missing dependency) takes its engine's sites
    out, with the reason, and leaves every other site to crawl — a job for the forum does not
    die because the post-bar plugin could not load."""
    names = [n for n in builtin_plugins() if n != "plugins.tieba"] + ["plugins.tieba_gone"]
    runtime = Runtime({"OPINION_PLUGINS": names, "OPINION_ENTRYPOINTS_ENABLED": False})
    assert runtime.site("demo-forum", "forum").engine == "discuz"
    assert "demo-bar" not in runtime.sites
    with pytest.raises(ConfigError, match=r"engine 'tieba' is not loaded .*plugins\.tieba_gone"):
        runtime.site("demo-bar")


def test_unknown_engine_with_every_plugin_loaded_is_an_error_at_once(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[sites.typo]\nkind = "forum"\nengine = "discuzz"\nstart_urls = ["http://127.0.0.1:1/"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"unknown engine 'discuzz'; known: .*discuz"):
        Runtime({"OPINION_SITES_FILES": [str(sites)], "OPINION_ENTRYPOINTS_ENABLED": False})


def test_chromium_keeps_its_sandbox_unless_run_as_root() -> None:
    from settings import chromium_args

    assert "--no-sandbox" in chromium_args(0)
    assert "--no-sandbox" not in chromium_args(1000)
    assert "--disable-gpu" in chromium_args(1000)
