"""One fetched page read into posts and links, and the posts' own work done ahead.

:func:`read_fetched` is what the spider did with an answer on the reactor thread: decode it,
read it with the site's engine and then the reading chain. It touches no stats and logs
nothing; the :class:`Outcome` says what happened, so the spider can count and log it where it
runs — in its own process, or with the answer read by a page worker (see
:mod:`opinion_spiders.crawling.page_workers`).

:func:`work_ahead` does, for each post read, what the first pipeline stages would do on their
own without the store: clean and key it (normalize), match the keyword rules and cut its
search terms (keywords), take its MinHash signature (cluster). The stages see the names in
``post.ahead`` and skip that work. A post that fails to normalise is left as read, so its stage
drops it and counts why as before.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opinion_spiders.adapters import Adapter, Page, Parsed
from opinion_spiders.clusters import signature
from opinion_spiders.core.posts import InvalidPost, match_and_cut, prepare_post
from opinion_spiders.errors import ParseError
from opinion_spiders.reading import read
from opinion_spiders.reading.encoding import content_type_charset, decode_html
from opinion_spiders.sites import timezone_of

if TYPE_CHECKING:
    from opinion_spiders.items import Post
    from opinion_spiders.runtime import Runtime
    from opinion_spiders.sites import Site

#: Content types that are no page to read (a link to an image, a PDF, an archive): counted as
#: ``opinion/parse/failed/not_html`` instead of being decoded as text and read as mojibake.
NOT_PAGES = (
    "image/", "audio/", "video/", "font/", "application/pdf", "application/octet-stream",
    "application/zip", "application/gzip", "application/x-rar", "application/x-7z",
    "application/msword", "application/vnd.ms-", "application/vnd.openxmlformats",
)  # fmt: skip
#: The stages whose per-post work :func:`work_ahead` does (the names in ``Post.ahead``).
AHEAD = ("normalize", "keywords", "signature")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def looks_html(body: bytes) -> bool:
    """Whether an answer of another declared type is a page all the same (servers that send
    ``.shtml`` pages as ``application/octet-stream``)."""
    return bool(_HTML_START.match(body[:2048].lstrip(b"\xef\xbb\xbf")))


@dataclass
class Fetched:
    """What the spider hands on of one answer: enough to read it anywhere."""

    site: str
    url: str
    role: str
    status: int
    content_type: str
    body: bytes
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What reading one answer came to. ``failure`` (reason, detail) when nothing was read;
    ``crash`` is the traceback of an engine that raised, for the log."""

    parsed: Parsed | None = None
    reader: str = ""
    tried: list[str] = field(default_factory=list)
    failure: tuple[str, str] | None = None
    crash: str = ""
    codec: str = ""
    declared: str | None = None
    corrected: bool = False
    confident: bool = True


def read_fetched(
    fetched: Fetched, site: Site, adapter: Adapter, adapters: dict[str, type[Adapter]]
) -> Outcome:
    """Decode and read one answer with the site's engine, then the chain; never raises for a
    bad page. The posts carry their crawl time and the engine that read them."""
    content_type = fetched.content_type.strip().lower()
    if content_type.startswith(NOT_PAGES) and not looks_html(fetched.body):
        return Outcome(failure=("not_html", fetched.content_type))
    decoded = decode_html(fetched.body, content_type_charset(fetched.content_type), site.encoding)
    out = Outcome(
        codec=decoded.codec, declared=decoded.declared, corrected=decoded.corrected,
        confident=decoded.confident,
    )  # fmt: skip
    crawled_at = datetime.now(UTC)
    page = Page(
        url=fetched.url, text=decoded.text, role=fetched.role, site=site, crawled_at=crawled_at,
        status=fetched.status, meta=dict(fetched.meta),
    )  # fmt: skip
    try:
        reading = read(page, [adapter], adapters, empty_falls_back=False)
    except ParseError as exc:
        out.failure = (exc.reason, exc.detail)
        return out
    except Exception as exc:  # noqa: BLE001 - one bad page must not end the crawl
        out.failure = ("adapter_error", f"{type(exc).__name__}: {exc}")
        out.crash = traceback.format_exc()
        return out
    out.parsed, out.reader, out.tried = reading.parsed, reading.reader, reading.tried
    for post in reading.parsed.posts:
        post.crawled_at = post.crawled_at or crawled_at
        post.adapter = post.adapter or adapter.engine
        post.adapter_version = post.adapter_version or adapter.version
    return out


def work_ahead(posts: list[Post], runtime: Runtime) -> None:
    """The per-post work of the normalize, keywords and cluster stages that needs no store,
    done here and named in each post's ``ahead``."""
    now = datetime.now(UTC)
    matcher, segmenter = runtime.matcher, runtime.segmenter
    for post in posts:
        try:
            prepare_post(post, timezone_of(runtime.sites, post.site), now)
        except InvalidPost:
            continue  # its stage drops it, and counts the reason
        match_and_cut(post, matcher, segmenter)
        sig = signature(post.content)
        if sig is not None:
            post.minhash, post.minhash_bands = sig.encoded, list(sig.bands)
        post.ahead = list(AHEAD)
