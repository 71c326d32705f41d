"""``opinion parse``: one saved page or URL through the reading chain, as a crawl reads it:
its posts and links, and which reader read it."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opinion_spiders.adapters import Link
from opinion_spiders.cli._common import with_runtime
from opinion_spiders.errors import ConfigError, ParseError
from opinion_spiders.items import Post
from opinion_spiders.reading import Reading, read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import parse_datetime
from opinion_spiders.text.normalize import clean_text

_COUNTS = ("replies", "views")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="a saved page (FILE) or an http(s) URL")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--engine", help="the adapter engine (default: chosen from the page)")
    group.add_argument("--site", help="a declared site: its engine, encoding and time zone")
    parser.add_argument("--url", help="the page's address, for a saved file (resolves links)")
    parser.add_argument("--role", default="auto", help="listing|thread|article|feed|index|auto")
    parser.add_argument("--json", action="store_true", help="JSON Lines, one object per post/link")


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


def parse(args: argparse.Namespace, runtime: Runtime) -> int:
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


run = with_runtime(parse)
