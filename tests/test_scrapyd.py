"""Deploy the project to a real scrapyd as an egg and crawl the demo forum through it.

scrapyd runs here with the checkout hidden from Python (the editable install's import hook is
removed by a ``sitecustomize`` on ``PYTHONPATH``), so every module and data file a job uses
comes from the deployed egg, as on a production scrapyd host.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opinion_spiders.stores import open_store
from tests._scrapyd import ROOT, Scrapyd, ScrapydError, egg_names

PROJECT = "opinion_spiders"
VERSION = "r1"
PACKAGES = ("opinion_spiders", "plugins", "pipelines", "settings")
#: the data files the code reads at run time; must be in the egg
REQUIRED_DATA = (
    "settings/sites.toml",
    "settings/rules/default.toml",
    "opinion_spiders/text/data/domain_words.txt",
    "opinion_spiders/demo/content.json",
    "opinion_spiders/demo/tieba_frs.js",
)
#: variables that would override what the schedule call sets (env beats settings)
_SCRUBBED = ("OPINION_STORE", "OPINION_DATA_DIR", "OPINION_DEMO_URL", "SCRAPY_SETTINGS_MODULE",
             "SCRAPY_PROJECT", "PYTHONPATH")  # fmt: skip

_SITECUSTOMIZE = """\
# Written by tests/test_scrapyd.py: hide the checkout (editable install) from this Python.
import sys

_ROOT = {root!r}


def _editable(obj):
    return "__editable__" in (getattr(obj, "__module__", None) or type(obj).__module__ or "")


sys.meta_path[:] = [f for f in sys.meta_path if not _editable(f)]
sys.path_hooks[:] = [h for h in sys.path_hooks if not _editable(h)]
sys.path[:] = [p for p in sys.path if p.rstrip("/") != _ROOT and "__editable__" not in p]
sys.path_importer_cache.clear()
"""


def _isolated_env(workdir: Path) -> dict[str, str]:
    """The environment scrapyd (and so each job) runs with: no checkout, no store overrides."""
    hide = workdir / "hide-checkout"
    hide.mkdir(parents=True, exist_ok=True)
    (hide / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(root=str(ROOT)), "utf-8")
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["PYTHONPATH"] = str(hide)
    return env


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    """A real scrapyd with this project deployed by ``scrapyd-deploy``; fails, never skips."""
    workdir = tmp_path_factory.mktemp("scrapyd")
    env = _isolated_env(workdir)
    hidden = subprocess.run(
        [sys.executable, "-c", "import importlib.util as u; print(u.find_spec('settings'))"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert hidden.stdout.strip() == "None", (
        f"the checkout is still importable in scrapyd's environment: {hidden.stdout}{hidden.stderr}"
    )
    server = Scrapyd(workdir)
    try:
        server.start(env=env)
    except (ScrapydError, OSError) as exc:
        pytest.fail(f"scrapyd could not start: {exc}")
    try:
        try:
            server.deploy(PROJECT, VERSION)
        except ScrapydError as exc:
            pytest.fail(f"deploying the egg failed: {exc}\n--- scrapyd\n{server.log_tail()}")
        yield server
    finally:
        server.stop()


def _source_data_files() -> set[str]:
    """Every non-Python file inside the project's packages (what package-data must ship)."""
    out = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            rel = path.relative_to(ROOT)
            if (
                path.is_file()
                and path.suffix not in (".py", ".pyc")
                and "__pycache__" not in rel.parts
            ):
                out.add(rel.as_posix())
    return out


def test_egg_holds_the_code_and_the_bundled_data(scrapyd: Scrapyd) -> None:
    names = egg_names(scrapyd.deployed_egg(PROJECT, VERSION))
    missing = [f for f in REQUIRED_DATA if f not in names]
    assert not missing, f"data files missing from the egg: {missing}"
    missing_data = sorted(_source_data_files() - names)
    assert not missing_data, f"files in the packages but not in the egg: {missing_data}"
    sources = {
        p.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert not sorted(sources - names), f"modules missing from the egg: {sorted(sources - names)}"
    assert not any(n.startswith(("tests/", "bench/")) for n in names), "tests or bench in the egg"
    entry_points = "EGG-INFO/entry_points.txt"
    assert entry_points in names


def test_deployed_project_lists_its_spiders(scrapyd: Scrapyd) -> None:
    versions = scrapyd.get("listversions.json", project=PROJECT)["versions"]
    assert versions == [VERSION]
    spiders = scrapyd.get("listspiders.json", project=PROJECT)["spiders"]
    assert sorted(spiders) == ["forum", "portal", "postbar"]


def test_scheduled_forum_crawl_stores_posts_and_run(
    scrapyd: Scrapyd, demo_url: str, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    settings = {
        "OPINION_STORE": f"embedded://{store_dir}",
        "OPINION_DEMO_URL": demo_url,
        "OPINION_DATA_DIR": str(tmp_path / "data"),
    }
    job = scrapyd.schedule(PROJECT, "forum", settings, site="demo-forum")
    finished = scrapyd.wait_job(PROJECT, job, timeout=180)
    log = scrapyd.job_log(PROJECT, "forum", job)
    context = f"job {finished}\n--- job log (tail)\n{log[-6000:]}"
    if "Traceback" in log or "] ERROR:" in log:
        pytest.fail(f"the scrapyd job failed:\n{context}")

    store = open_store(settings["OPINION_STORE"])
    try:
        groups = store.count_posts(("site", "kind"))
        assert [(g["site"], g["kind"]) for g in groups] == [("demo-forum", "forum")], context
        posts = groups[0]["count"]
        assert posts >= 20, context

        runs = store.find_runs(limit=10)
        assert len(runs) == 1, runs
        run = runs[0]
        assert (run["spider"], run["site"], run["kind"]) == ("forum", "demo-forum", "forum")
        assert run["finish_reason"] == "finished", run
        assert run["started_at"] <= run["finished_at"]
        stats = run["stats"]
        assert stats.get("opinion/pages/thread", 0) > 0, stats
        assert stats.get("opinion/store/new") == posts, stats
        assert not run["parse_failures"], run["parse_failures"]

        matched = store.find_posts(matched_only=True, limit=5)
        assert matched and all(p["matches"] for p in matched), "no keyword rule fired"
    finally:
        store.close()
