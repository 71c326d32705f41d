"""``opinion new-site``: declare a site for a known engine, or scaffold a custom adapter with a
fixture folder (a saved page of the site and what the adapter should read off it).

Everything is checked before anything is written — the name, the engine, the sites file as
it will read with the new table, the files to create — and the files are then written each
through a temporary file and a rename; when one write fails, the ones already written are
removed and the sites file is put back as it was.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import string
import tempfile
import tomllib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from opinion_spiders.adapters import Adapter, Page
from opinion_spiders.errors import ConfigError, ParseError
from opinion_spiders.reading.encoding import decode_html
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site, site_from_mapping

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
_WHO = "opinion new-site"


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
    """Write the site (and for ``--engine custom`` the adapter and its fixture folder); return
    the paths written. Nothing is written when any check fails."""
    if not _NAME.match(req.name):
        raise ConfigError(_WHO, req.name, "use a-z, 0-9 and '-', starting with a letter")
    if req.name in runtime.sites:
        raise ConfigError(_WHO, req.name, f"already declared in {runtime.sites[req.name].source}")
    if req.engine == "custom":
        files = _custom(req)
        engine, kind = files.engine, files.kind
    else:
        if req.engine not in runtime.adapters:
            known = ", ".join(sorted(runtime.adapters))
            problem = f"unknown engine {req.engine!r}; known: {known} or custom"
            raise ConfigError(_WHO, "--engine", problem)
        engine, kind = req.engine, req.kind or runtime.adapters[req.engine].kind
        files = _Files(engine, kind)
    sites_text = _sites_text(req, engine, kind, runtime.site_substitutions())
    return _write_all([(req.sites_file, sites_text.encode("utf-8")), *files.contents])


@dataclass
class _Files:
    engine: str
    kind: str
    contents: tuple[tuple[Path, bytes], ...] = ()


def _sites_text(req: NewSite, engine: str, kind: str, subs: Mapping[str, str]) -> str:
    """The sites file with the new table appended, checked as the runtime will read it."""
    table = (
        f'\n[sites.{req.name}]\nkind = "{kind}"\nengine = "{engine}"\n'
        f"start_urls = [{json.dumps(req.url, ensure_ascii=False)}]\n"
    )
    try:
        before = req.sites_file.read_text(encoding="utf-8") if req.sites_file.exists() else ""
    except OSError as exc:
        raise ConfigError(_WHO, str(req.sites_file), f"cannot read it ({exc})") from None
    text = before + ("" if not before or before.endswith("\n") else "\n") + table
    source = str(req.sites_file)
    try:
        if req.name in tomllib.loads(before).get("sites", {}):
            raise ConfigError(_WHO, req.name, f"already declared in {source}")
        tables = tomllib.loads(text).get("sites", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML ({exc}); fix it first") from None
    for name, data in tables.items():
        site_from_mapping(name, data, source, subs)
    return text


def _custom(req: NewSite) -> _Files:
    module = req.name.replace("-", "_")
    kind = req.kind or "forum"
    cls = "".join(part.capitalize() for part in module.split("_")) + "Adapter"
    case = _case_name(req)
    values = {"name": req.name, "engine": module, "kind": kind, "cls": cls, "case": case}
    plugin = req.root / "plugins" / f"{module}.py"
    folder = req.root / "tests" / "pages" / module / case
    for path in (plugin, folder):
        if path.exists():
            raise ConfigError(_WHO, str(path), "exists already; pick another name")
    if not plugin.parent.is_dir():
        raise ConfigError(
            _WHO, str(req.root), "has no plugins/ folder; pass the checkout as --root"
        )
    code = _template("adapter.py.tmpl", values)
    if req.page:
        try:
            body = req.page.read_bytes()
        except OSError as exc:
            raise ConfigError(_WHO, str(req.page), f"cannot read it ({exc})") from None
        source = f"saved page {req.page.name} of {req.url}"
    else:
        body = _download(req.url)
        source = f"fetched from {req.url}"
    source += f" on {datetime.now(UTC):%Y-%m-%d} by opinion new-site"
    expected = _expected(code, module, cls, body, req, kind, source)
    return _Files(
        module,
        kind,
        (
            (plugin, code.encode("utf-8")),
            (folder / "page.html", body),
            (folder / "expected.json", expected.encode("utf-8")),
        ),
    )


def _case_name(req: NewSite) -> str:
    stem = req.page.stem if req.page else Path(req.url.split("?")[0].rstrip("/")).name
    case = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_")
    return case or "home"


def _template(name: str, values: dict[str, str]) -> str:
    text = (
        resources.files("opinion_spiders.scaffold")
        .joinpath("templates", name)
        .read_text(encoding="utf-8")
    )
    return string.Template(text).substitute(values)


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            body: bytes = resp.read()
            return body
    except OSError as exc:
        raise ConfigError(
            _WHO, url, f"cannot fetch it ({exc}); save the page and pass --page FILE"
        ) from None


def _expected(
    code: str, module: str, cls: str, body: bytes, req: NewSite, kind: str, source: str
) -> str:
    """expected.json from what the fresh skeleton reads — a starting point to correct by eye."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{module}.py"
        path.write_text(code, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(f"_new_site_{module}", path)
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        adapter: Adapter = getattr(loaded, cls)()
    text = decode_html(body).text
    site = Site(name=req.name, kind=kind, engine=module, start_urls=(req.url,))
    try:
        parsed = adapter.parse(Page(req.url, text, "auto", site, datetime.now(UTC)))
    except ParseError as exc:  # the skeleton's selectors miss: the user adapts them first
        where = str(req.page or req.url)
        raise ConfigError(_WHO, where, f"the skeleton cannot read it: {exc}") from None
    doc: dict[str, Any] = {
        "source": source,
        "note": "written by opinion new-site from what the new adapter reads: check every value "
        "against the page and correct it (tests/test_adapter_pages.py reads this folder)",
        "url": req.url,
        "engine": module,
        "roles": ["auto"],
        "page_type": parsed.page_type,
    }
    posts = parsed.posts
    if posts:
        fields = ("floor", "post_id", "author", "published_text")
        doc["posts"] = {
            "count": len(posts),
            "columns": {f: [getattr(p, f) for p in posts] for f in fields},
            "all": {"title": posts[0].title, "thread_id": posts[0].thread_id},
            "items": [{"index": i, "content_prefix": p.content[:30]} for i, p in enumerate(posts)],
        }
    threads = [lk for lk in parsed.links if lk.role == "thread"]
    if threads:
        doc["threads"] = {
            "count": len(threads),
            "columns": {"url": [lk.url for lk in threads], "key": [lk.key for lk in threads],
                        "state": [lk.state for lk in threads]},
        }  # fmt: skip
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _write_all(contents: list[tuple[Path, bytes]]) -> list[Path]:
    """Write every file through a temporary sibling and a rename; on a failure undo them all."""
    undo: list[tuple[Path, bytes | None]] = []
    made: list[Path] = []
    try:
        for path, data in contents:
            for parent in reversed(path.parents):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            undo.append((path, path.read_bytes() if path.exists() else None))
            _replace(path, data)
    except OSError as exc:
        for path, old in reversed(undo):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                _replace(path, old)
        for parent in reversed(made):
            parent.rmdir()
        raise ConfigError(
            _WHO, str(path), f"cannot write it ({exc}); nothing was changed"
        ) from None
    return [path for path, _data in contents]


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` in one rename, keeping the file's mode (a new file gets the
    usual mode under the umask, not mkstemp's 0600)."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
