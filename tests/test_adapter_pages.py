"""Adapters on saved pages, one fixture folder per case (web-poet style).

Every ``tests/pages/<engine>/<case>/`` holds the page as it was served (``page.html``, or
``page.json`` / ``page.xml``), ``expected.json`` (the URL and role(s) to read it with and the
values read off the page by eye) and, where the page came from elsewhere, a ``source`` key
naming it. ``opinion new-site --engine custom`` writes such a folder too; this module finds
every folder and checks it field by field, so adding a case is adding a folder.

``expected.json`` keys (a typo is an error, never a silently skipped check):

- ``url``, ``engine`` (or ``engines``), ``roles`` (default ``["auto"]``), ``now`` (ISO time
  that relative dates resolve against), ``timezone``, ``page_meta`` (the link meta a crawl
  hands the page), ``per_role`` (keys that differ for one role), ``source``, ``note``;
- about the page: ``sniffed_as`` (the engine whose ``sniff`` scores highest),
  ``sniff_between`` ([low, high] for this engine's ``sniff``), ``page_contains``,
  ``page_xpath`` ({xpath: string}) — facts that say why an expectation holds;
- about the reading: ``page_type``, ``notice_kind``, ``notice_contains``, ``notice_prefix``,
  ``error`` (the ``ParseError`` reason), and the sections ``posts``, ``links`` and (links of one
  role) ``threads``, ``articles``, ``listings``. A section has ``count``, ``min_count``,
  ``columns`` ({field: [value per item]}), ``all`` ({field: value every item has}), ``items``
  (checks of single items, picked by ``index`` — negative counts from the end — or by ``url``),
  ``urls_include``, ``urls_exclude``, ``distinct_urls``.

A check is ``field: value`` (equal) or ``field_<op>: value`` with op ``prefix``, ``suffix``,
``contains``, ``excludes``, ``in``, ``min`` or ``similar_to`` ({"file", "ratio"}: difflib ratio
to a text file of the folder). Fields are the ``Post`` / ``Link`` attributes, ``meta.KEY`` on
links, ``content_first_line`` and ``content_length``; ``published_at`` is the time the post
carries, else its ``published_text`` (a link's ``meta.published_text``) resolved at ``now``.
Posts of one page must keep distinct ``_id``s (``post_key``), always.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.plugin_manager import build_plugin_manager
from opinion_spiders.reading.encoding import decode_html
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import parse_datetime
from opinion_spiders.text.fingerprints import post_key
from opinion_spiders.text.urls import canonicalize_url

PAGES = Path(__file__).resolve().parent / "pages"
CASES = sorted(path.parent for path in PAGES.glob("*/*/expected.json"))
DEFAULT_NOW = "2024-06-01T12:00:00+00:00"

SETUP_KEYS = {"source", "note", "url", "engine", "engines", "roles", "now", "timezone",
              "page_meta", "per_role", "sniffed_as", "sniff_between", "page_contains",
              "page_xpath"}  # fmt: skip
READ_KEYS = {"page_type", "notice_kind", "notice_contains", "notice_prefix", "error"}
SECTIONS: dict[str, Callable[[Parsed], list[Any]]] = {
    "posts": lambda parsed: parsed.posts,
    "links": lambda parsed: parsed.links,
    "threads": lambda parsed: [lk for lk in parsed.links if lk.role == "thread"],
    "articles": lambda parsed: [lk for lk in parsed.links if lk.role == "article"],
    "listings": lambda parsed: [lk for lk in parsed.links if lk.role == "listing"],
}
SECTION_KEYS = {"count", "min_count", "columns", "all", "items", "urls_include", "urls_exclude",
                "distinct_urls"}  # fmt: skip
OPS = ("prefix", "suffix", "contains", "excludes", "in", "min", "similar_to")
MISSING = object()


class Checker:
    """Collects every mismatch of one case, so a failure lists them all with where they are."""

    def __init__(self, folder: Path, now: datetime, timezone: str) -> None:
        self.folder = folder
        self.now = now
        self.timezone = timezone
        self.failures: list[str] = []

    def fail(self, where: str, problem: str) -> None:
        self.failures.append(f"{where}: {problem}")

    def value(self, obj: Post | Link, field: str) -> Any:
        if field == "published_at":
            return self.when(obj)
        if field == "content_first_line":
            return str(getattr(obj, "content", "")).split("\n")[0]
        if field == "content_length":
            return len(str(getattr(obj, "content", "")))
        if field.startswith("meta.") and isinstance(obj, Link):
            return obj.meta.get(field[5:], MISSING)
        return getattr(obj, field, MISSING)

    def when(self, obj: Post | Link) -> datetime | None:
        if isinstance(obj, Post):
            if obj.published_at is not None:
                return obj.published_at
            text = obj.published_text
        else:
            text = str(obj.meta.get("published_text") or "")
        return parse_datetime(text, self.now, self.timezone) if text else None

    def check(self, obj: Post | Link, where: str, key: str, want: Any) -> None:
        field, op = key, "eq"
        for name in OPS:
            if key.endswith("_" + name):
                field, op = key[: -len(name) - 1], name
        got = self.value(obj, field)
        if got is MISSING:
            self.fail(where, f"{type(obj).__name__} has no field {field!r} (key {key!r})")
            return
        if field == "published_at" and op == "eq":
            want = datetime.fromisoformat(want) if want is not None else None
            if got is not None and got.utcoffset() is None:
                self.fail(where, f"published_at {got} has no time zone")
        if not self.compare(op, got, want, where):
            self.fail(where, f"{key}: expected {_shown(want)}, got {_shown(got)}")

    def compare(self, op: str, got: Any, want: Any, where: str) -> bool:
        if op == "eq":
            return bool(got == want)
        if op == "prefix":
            return isinstance(got, str) and got.startswith(want)
        if op == "suffix":
            return isinstance(got, str) and got.endswith(want)
        if op == "contains":
            return all(part in got for part in _listed(want))
        if op == "excludes":
            return not any(part in got for part in _listed(want))
        if op == "in":
            return got in want
        if op == "min":
            return got is not None and got >= want
        text = (self.folder / want["file"]).read_text(encoding="utf-8")
        ratio = difflib.SequenceMatcher(None, got, text, autojunk=False).ratio()
        if ratio < want["ratio"]:
            self.fail(where, f"similarity to {want['file']} is {ratio:.3f} < {want['ratio']}")
        return True

    def section(self, name: str, items: list[Any], spec: dict[str, Any], where: str) -> None:
        where = f"{where} {name}"
        for key in sorted(set(spec) - SECTION_KEYS):
            self.fail(where, f"unknown key {key!r} in expected.json; known: {sorted(SECTION_KEYS)}")
        if "count" in spec and len(items) != spec["count"]:
            self.fail(where, f"count: expected {spec['count']}, got {len(items)}")
        if "min_count" in spec and len(items) < spec["min_count"]:
            self.fail(where, f"count: expected at least {spec['min_count']}, got {len(items)}")
        for field, want in spec.get("columns", {}).items():
            got = [self.value(item, field) for item in items]
            if field == "published_at":
                want = [datetime.fromisoformat(w) if w else None for w in want]
            if got != want:
                self.fail(where, f"column {field}: expected {want!r}, got {got!r}")
        for key, want in spec.get("all", {}).items():
            for i, item in enumerate(items):
                self.check(item, f"{where}[{i}]", key, want)
        for entry in spec.get("items", []):
            self.item(items, entry, where)
        urls = [item.url for item in items]
        for url in spec.get("urls_include", []):
            if url not in urls:
                self.fail(where, f"no item with url {url!r}")
        for url in spec.get("urls_exclude", []):
            if url in urls:
                self.fail(where, f"unexpected item with url {url!r}")
        if spec.get("distinct_urls") and len(set(urls)) != len(urls):
            self.fail(where, f"{len(urls) - len(set(urls))} repeated urls")

    def item(self, items: list[Any], entry: dict[str, Any], where: str) -> None:
        if "index" in entry:
            index = entry["index"]
            if not -len(items) <= index < len(items):
                self.fail(where, f"no item [{index}] (there are {len(items)})")
                return
            obj, at = items[index], f"{where}[{index}]"
        else:
            found = [item for item in items if item.url == entry["url"]]
            if not found:
                self.fail(where, f"no item with url {entry['url']!r}")
                return
            obj, at = found[0], f"{where}[url={entry['url']}]"
        for key, want in entry.items():
            if key != "index":
                self.check(obj, at, key, want)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _adapters() -> dict[str, type[Adapter]]:
    """The adapters a crawl would have, and a freshly scaffolded ``plugins/<engine>.py`` of the
    checkout these pages belong to (``opinion new-site`` run with another ``--root``)."""
    manager = build_plugin_manager({"OPINION_ENTRYPOINTS_ENABLED": False})
    found: dict[str, type[Adapter]] = {}
    for result in manager.hook.opinion_adapters():
        found.update({cls.engine: cls for cls in result})
    for engine_dir in sorted(path for path in PAGES.iterdir() if path.is_dir()):
        plugin = PAGES.parents[1] / "plugins" / f"{engine_dir.name}.py"
        if engine_dir.name not in found and plugin.is_file():
            spec = importlib.util.spec_from_file_location(f"_pages_{plugin.stem}", plugin)
            assert spec and spec.loader, plugin
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            found.update({cls.engine: cls for cls in module.opinion_adapters()})
    return found


ADAPTERS = _adapters()


def page_file(folder: Path) -> Path:
    """The one saved page of a case folder."""
    (path,) = sorted(folder.glob("page.*"))
    return path


def _run(
    check: Checker, folder: Path, spec: dict[str, Any], text: str, engine: str, role: str
) -> None:
    where = f"{engine} as {role}"
    cls = ADAPTERS.get(engine)
    if cls is None:
        check.fail(where, f"no adapter for engine {engine!r}; known: {sorted(ADAPTERS)}")
        return
    site = Site(name=f"fixture-{folder.name}", kind=cls.kind, engine=engine,
                start_urls=(spec["url"],), timezone=check.timezone)  # fmt: skip
    page = Page(spec["url"], text, role, site, check.now, meta=dict(spec.get("page_meta", {})))
    try:
        parsed = cls().parse(page)
    except ParseError as exc:
        if exc.reason != spec.get("error"):
            check.fail(where, f"ParseError {exc} (expected error: {spec.get('error')!r})")
        return
    if "error" in spec:
        check.fail(where, f"read the page; expected ParseError {spec['error']!r}")
        return
    facts = {"page_type": parsed.page_type, "notice_kind": parsed.notice_kind}
    for key, got in facts.items():
        if key in spec and spec[key] != got:
            check.fail(where, f"{key}: expected {spec[key]!r}, got {got!r}")
    for part in _listed(spec.get("notice_contains", [])):
        if part not in parsed.notice:
            check.fail(where, f"notice {parsed.notice!r} lacks {part!r}")
    if not parsed.notice.startswith(spec.get("notice_prefix", "")):
        check.fail(where, f"notice {parsed.notice!r} does not start {spec['notice_prefix']!r}")
    for name, select in SECTIONS.items():
        if name in spec:
            check.section(name, select(parsed), spec[name], where)
    keys = [
        post_key(site.name, thread_id=p.thread_id, post_id=p.post_id,
                 canonical_url=canonicalize_url(p.url))
        for p in parsed.posts
    ]  # fmt: skip
    if len(set(keys)) != len(keys):
        check.fail(where, f"posts share an _id: {keys}")


def _page_facts(check: Checker, spec: dict[str, Any], text: str, engine: str) -> None:
    url = spec["url"]
    if "sniffed_as" in spec:
        scores = {name: cls.sniff(text, url) for name, cls in ADAPTERS.items()}
        best = max(scores, key=lambda name: scores[name])
        if best != spec["sniffed_as"]:
            check.fail("sniff", f"expected {spec['sniffed_as']!r} to win, scores {scores}")
    if "sniff_between" in spec and engine in ADAPTERS:
        low, high = spec["sniff_between"]
        score = ADAPTERS[engine].sniff(text, url)
        if not low <= score <= high:
            check.fail("sniff", f"{engine} scores {score}, expected {low}..{high}")
    for part in spec.get("page_contains", []):
        if part not in text:
            check.fail("page", f"does not contain {part!r}")
    if "page_xpath" in spec:
        from parsel import Selector

        sel = Selector(text=text)
        for xpath, want in spec["page_xpath"].items():
            got = (sel.xpath(xpath).get() or "").strip()
            if got != want:
                check.fail("page", f"{xpath}: expected {want!r}, got {got!r}")


def check_case(folder: Path) -> list[str]:
    """Every mismatch between what the adapter reads from the folder's page and expected.json."""
    spec: dict[str, Any] = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    known = SETUP_KEYS | READ_KEYS | set(SECTIONS)
    unknown = sorted(set(spec) - known)
    per_role: dict[str, dict[str, Any]] = spec.get("per_role", {})
    unknown += sorted(k for extra in per_role.values() for k in set(extra) - known)
    if unknown:
        return [f"expected.json: unknown key(s) {unknown}; known: {sorted(known)}"]
    now = datetime.fromisoformat(spec.get("now", DEFAULT_NOW)).astimezone(UTC)
    check = Checker(folder, now, spec.get("timezone", "Asia/Shanghai"))
    text = decode_html(page_file(folder).read_bytes()).text
    engines: Iterable[str] = spec.get("engines") or [spec["engine"]]
    roles: list[str] = spec.get("roles", ["auto"])
    for role in set(per_role) - set(roles):
        check.fail("per_role", f"role {role!r} is not among roles {roles}")
    _page_facts(check, spec, text, next(iter(engines)))
    for engine in engines:
        for role in roles:
            _run(check, folder, spec | per_role.get(role, {}), text, engine, role)
    return check.failures


@pytest.mark.parametrize("folder", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_adapter_page_reads_as_expected(folder: Path) -> None:
    failures = check_case(folder)
    assert not failures, f"{folder.relative_to(PAGES)}:\n  " + "\n  ".join(failures)


def test_adapter_pages_every_folder_is_a_case() -> None:
    """A folder without expected.json or page.* would be skipped silently: not allowed."""
    folders = sorted(path for path in PAGES.glob("*/*") if path.is_dir())
    assert folders == CASES
    for folder in folders:
        assert len(list(folder.glob("page.*"))) == 1, folder
        spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        assert spec.get("source"), f"{folder}: say where the page came from (source)"
