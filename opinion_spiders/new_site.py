"""``opinion new-site``: declare a site for a known engine, or scaffold a custom adapter with a
test that runs it on a saved page of the site."""

from __future__ import annotations

import json
import re
import string
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from opinion_spiders.adapters import Page
from opinion_spiders.encoding import decode_html
from opinion_spiders.errors import ConfigError
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site, load_sites_file

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


@dataclass
class NewSite:
    name: str
    engine: str
    url: str
    kind: str | None
    sites_file: Path
    root: Path
    page: Path | None = None


def create(runtime: Runtime, req: NewSite) -> list[Path]:
    """Write the site (and for ``--engine custom`` the adapter, page and test); return paths."""
    if not _NAME.match(req.name):
        raise ConfigError(
            "opinion new-site", req.name, "use a-z, 0-9 and '-', starting with a letter"
        )
    if req.name in runtime.sites:
        raise ConfigError(
            "opinion new-site", req.name, f"already declared in {runtime.sites[req.name].source}"
        )
    if req.engine == "custom":
        return _custom(req)
    if req.engine not in runtime.adapters:
        known = ", ".join(sorted(runtime.adapters))
        raise ConfigError(
            "opinion new-site",
            "--engine",
            f"unknown engine {req.engine!r}; known: {known} or custom",
        )
    kind = req.kind or runtime.adapters[req.engine].kind
    return [_append_site(req, req.engine, kind)]


def _append_site(req: NewSite, engine: str, kind: str) -> Path:
    table = (
        f'\n[sites.{req.name}]\nkind = "{kind}"\nengine = "{engine}"\n'
        f"start_urls = [{json.dumps(req.url, ensure_ascii=False)}]\n"
    )
    before = req.sites_file.read_text(encoding="utf-8") if req.sites_file.exists() else ""
    req.sites_file.parent.mkdir(parents=True, exist_ok=True)
    req.sites_file.write_text(before + table, encoding="utf-8")
    try:
        load_sites_file(req.sites_file)
    except ConfigError:
        req.sites_file.write_text(before, encoding="utf-8")
        raise
    return req.sites_file


def _custom(req: NewSite) -> list[Path]:
    module = req.name.replace("-", "_")
    kind = req.kind or "forum"
    cls = "".join(part.capitalize() for part in module.split("_")) + "Adapter"
    values = {"name": req.name, "engine": module, "module": module, "kind": kind, "cls": cls}
    plugin = req.root / "plugins" / f"{module}.py"
    test = req.root / "tests" / f"test_adapter_{module}.py"
    pages = req.root / "tests" / "pages" / module
    for path in (plugin, test):
        if path.exists():
            raise ConfigError("opinion new-site", str(path), "exists already; pick another name")
    plugin.write_text(_template("adapter.py.tmpl", values), encoding="utf-8")
    test.write_text(_template("test_adapter.py.tmpl", values), encoding="utf-8")
    pages.mkdir(parents=True, exist_ok=True)
    body = req.page.read_bytes() if req.page else _download(req.url)
    (pages / "page.html").write_bytes(body)
    _write_expected(plugin, cls, body, req, kind, pages / "expected.json")
    return [
        _append_site(req, module, kind),
        plugin,
        test,
        pages / "page.html",
        pages / "expected.json",
    ]


def _template(name: str, values: dict[str, str]) -> str:
    text = (
        resources.files("opinion_spiders").joinpath("templates", name).read_text(encoding="utf-8")
    )
    return string.Template(text).substitute(values)


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            body: bytes = resp.read()
            return body
    except OSError as exc:
        raise ConfigError(
            "opinion new-site", url, f"cannot fetch it ({exc}); save the page and pass --page FILE"
        ) from None


def _write_expected(
    plugin: Path, cls: str, body: bytes, req: NewSite, kind: str, out: Path
) -> None:
    """What the fresh skeleton reads — a starting point to correct by eye."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_new_{plugin.stem}", plugin)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = decode_html(body).text
    site = Site(name=req.name, kind=kind, engine=plugin.stem, start_urls=(req.url,))
    parsed = getattr(module, cls)().parse(Page(req.url, text, "auto", site, datetime.now(UTC)))
    fields = ("title", "author", "published_text", "content", "floor")
    posts = [{f: getattr(p, f) for f in fields} for p in parsed.posts]
    doc = {"url": req.url, "role": "auto", "posts": posts}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
