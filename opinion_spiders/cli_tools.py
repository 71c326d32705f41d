"""``opinion parse``, ``opinion explain``: tools for the people who add sites and read scores."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opinion_spiders.adapters import Link
from opinion_spiders.errors import ConfigError, ParseError
from opinion_spiders.items import Post
from opinion_spiders.reading import Reading, read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import parse_datetime
from opinion_spiders.text.normalize import clean_text

_COUNTS = ("replies", "views")


def fetch(source: str) -> tuple[bytes, str | None, str]:
    """Bytes, HTTP charset and URL of a saved file or of a URL."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as resp:
            return resp.read(), resp.headers.get_content_charset(), resp.geturl()
    path = Path(source)
    if not path.is_file():
        raise ConfigError(
            "opinion parse", source, "no such file; give a saved page or an http(s) URL"
        )
    return path.read_bytes(), None, path.resolve().as_uri()


def parse_page(runtime: Runtime, args: argparse.Namespace) -> tuple[Site, Reading, datetime]:
    """Read the page through the reading chain: the named engine (``--engine``, or the
    ``--site``'s), else the engines that recognise it, then the generic thread reader, the
    article reader and the main text — whichever reads it best."""
    body, charset, fetched_url = fetch(args.source)
    url = args.url or fetched_url
    declared = runtime.site(args.site) if args.site else None
    try:
        reading, decoded = read_page(
            body, url, runtime, role=args.role, site=declared, engine=args.engine,
            charset=charset,
        )  # fmt: skip
    except ParseError as exc:
        where = "--engine" if exc.reason == "unknown_engine" else args.source
        raise ConfigError("opinion parse", where, f"cannot read it — {exc.detail}") from None
    if decoded.corrected or not decoded.confident:
        how = "its declared charset is wrong" if decoded.corrected else "unsure"
        if not decoded.confident:
            how += ", may be mojibake"
        print(
            f"note: the page declares {decoded.declared or 'no charset'}, read as "
            f"{decoded.codec} ({how}); a site's `encoding` pins it",
            file=sys.stderr,
        )
    engine = runtime.adapters.get(reading.reader)
    kind = engine.kind if engine else ("portal" if reading.kind == "article" else "forum")
    site = declared or Site(name="parse", kind=kind, engine=reading.reader, start_urls=(url,))
    return site, reading, datetime.now(UTC)


def _when(text: str, value: datetime | None, now: datetime, tz: str) -> str | None:
    resolved = value or (parse_datetime(text, now, tz) if text else None)
    return resolved.isoformat() if resolved else None


def post_row(post: Post, site: Site, now: datetime) -> dict[str, Any]:
    published = _when(post.published_text, post.published_at, now, site.timezone)
    row: dict[str, Any] = {
        "type": "post", "kind": post.kind, "url": post.url, "title": clean_text(post.title),
        "author": clean_text(post.author), "published_at": published,
        "published_text": post.published_text, "content": clean_text(post.content),
        "thread_id": post.thread_id, "post_id": post.post_id, "floor": post.floor,
        "author_id": post.author_id, "source": post.source, "adapter": post.adapter,
        "adapter_version": post.adapter_version, "confidence": post.confidence,
    }  # fmt: skip
    row.update({k: getattr(post, k) for k in _COUNTS})
    return row


def link_row(link: Link, site: Site, now: datetime) -> dict[str, Any]:
    """A link to follow; thread entries of a listing carry what the listing shows of them."""
    meta = link.meta
    text = str(meta.get("published_text") or meta.get("last_reply_text") or "")
    return {
        "type": "thread" if link.key else "link", "kind": site.kind, "role": link.role,
        "url": link.url, "key": link.key, "state": link.state,
        "title": str(meta.get("title") or ""), "author": str(meta.get("author") or ""),
        "published_at": _when(text, None, now, site.timezone), "content": "",
        "replies": meta.get("replies"), "views": meta.get("views"),
        "sticky": bool(meta.get("sticky") or meta.get("is_top") or False),
    }  # fmt: skip


def cmd_parse(args: argparse.Namespace, runtime: Runtime) -> int:
    site, reading, now = parse_page(runtime, args)
    parsed = reading.parsed
    page = {"page_kind": reading.kind, "reader": reading.reader,
            "page_confidence": reading.confidence}  # fmt: skip
    rows = [post_row(p, site, now) | page for p in parsed.posts] + [
        link_row(lk, site, now) for lk in parsed.links
    ]
    if parsed.page_type == "notice":
        rows = [{"type": "notice", "kind": site.kind, "notice_kind": parsed.notice_kind,
                 "url": args.url or args.source, "title": "", "author": "", "published_at": None,
                 "content": parsed.notice} | page]  # fmt: skip
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    versions = sorted({p.adapter_version for p in parsed.posts if p.adapter_version})
    version = ", ".join(versions) or "-"
    print(f"engine {reading.reader} (version {version}), {reading.kind} page "
          f"(confidence {reading.confidence:.2f}): {len(parsed.posts)} posts, "
          f"{len(parsed.links)} links")  # fmt: skip
    for why in reading.tried:
        print(f"  (not read by {why})")
    for row in rows:
        _print_row(row)
    return 0


def _print_row(row: dict[str, Any]) -> None:
    counts = " ".join(f"{k}={row[k]}" for k in _COUNTS if row.get(k) is not None)
    if row["type"] == "post":
        when = row["published_at"] or row["published_text"]
        print(f"- [{row['floor'] or '-'}] {row['author']} {when} {counts}")
        print(f"  {row['title']}\n  {row['content'][:160]}")
    elif row["type"] == "notice":
        print(f"- notice ({row['notice_kind']}): {row['content'][:200]}")
    else:
        print(f"- {row['type']} {row['role']}: {row['title'] or ''} {counts} {row['url']}")


def cmd_explain(args: argparse.Namespace, runtime: Runtime) -> int:
    post = runtime.store.get_post(args.post_id)
    if post is None:
        raise ConfigError("opinion explain", args.post_id, "no such post id (see `opinion report`)")
    if args.json:
        keep = (
            "_id",
            "site",
            "kind",
            "url",
            "title",
            "author",
            "published_at",
            "score",
            "matches",
            "contributions",
        )
        print(json.dumps({k: post.get(k) for k in keep}, ensure_ascii=False, default=str, indent=1))
        return 0
    print(f"{post['_id']}  [{post['site']} {post['kind']}] {post.get('title') or ''}")
    print(f"  {post.get('url')}  published {post.get('published_at') or '-'}")
    for m in post.get("matches") or []:
        weight = f"severity {m['severity']} × weight {m['weight']}"
        print(f"  rule {m['rule']} ({m.get('name', '')}), {weight}")
        for hit in m.get("hits", []):
            context = " ".join(str(hit.get("context", "")).split())
            print(
                f"      「{hit['term']}」 {hit['field']}[{hit['start']}:{hit['end']}] …{context}…"
            )
    for c in post.get("contributions") or []:
        print(f"  {c['value']:+8.3f}  {c['source']}: {c['reason']}")
    print(f"  {post.get('score', 0):8.3f}  score (the sum)")
    return 0


def cmd_new_site(args: argparse.Namespace, runtime: Runtime) -> int:
    from opinion_spiders.new_site import NewSite, create
    from opinion_spiders.settings_util import setting_list

    root = Path(args.root)
    configured = setting_list(runtime.settings, "OPINION_SITES_FILES")
    sites_file = Path(
        args.sites_file or (configured[0] if configured else root / "settings" / "sites.toml")
    )
    req = NewSite(args.name, args.engine, args.url, args.kind, sites_file, root,
                  Path(args.page) if args.page else None)  # fmt: skip
    for path in create(runtime, req):
        print(f"wrote {path}")
    return 0


def register(add: Any) -> None:
    """Add ``parse`` and ``explain`` to the ``opinion`` parser (``add`` is cli.py's helper)."""
    parse = add("parse", with_runtime(cmd_parse), "parse one saved page or URL with an adapter")
    parse.add_argument("source", help="a saved page (FILE) or an http(s) URL")
    group = parse.add_mutually_exclusive_group()
    group.add_argument("--engine", help="the adapter engine (default: chosen from the page)")
    group.add_argument("--site", help="a declared site: its engine, encoding and time zone")
    parse.add_argument("--url", help="the page's address, for a saved file (resolves links)")
    parse.add_argument("--role", default="auto", help="listing|thread|article|feed|index|auto")
    parse.add_argument("--json", action="store_true", help="JSON Lines, one object per post/link")
    new = add(
        "new-site", with_runtime(cmd_new_site), "declare a site, or scaffold a custom adapter"
    )
    new.add_argument("name")
    new.add_argument(
        "--engine", required=True, help="a known engine, or 'custom' for a new adapter"
    )
    new.add_argument("--url", required=True, help="the site's start URL")
    new.add_argument("--kind", choices=["forum", "portal", "postbar"], help="default: the engine's")
    new.add_argument(
        "--sites-file", help="default: first OPINION_SITES_FILES, else settings/sites.toml"
    )
    new.add_argument("--root", default=".", help="project checkout to write plugins/ and tests/ in")
    new.add_argument("--page", help="a saved page of the site for the custom adapter's test")
    explain = add("explain", with_runtime(cmd_explain), "why a stored post scored what it did")
    explain.add_argument("post_id")
    explain.add_argument("--json", action="store_true")


def with_runtime(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from opinion_spiders.cli import overrides
        from opinion_spiders.settings_util import project_values

        runtime = Runtime(project_values(overrides(args.set)))
        try:
            code: int = func(args, runtime)
            return code
        finally:
            runtime.close()
            sys.stdout.flush()

    return run
