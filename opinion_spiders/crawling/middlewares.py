"""Downloader middleware: Scrapy's retries, with exponential backoff and ``Retry-After``;
redirect loops turned into failures the run counts; Scrapy's meta-refresh redirects without
decoding the pages that cannot hold one, and a page that asks to be reloaded kept.

Scrapy retries 429/5xx and connection errors at once; a site that is struggling or rate
limiting us deserves a pause first. The wait runs on the event loop, so other requests go on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response

from opinion_spiders.config import config_of

#: Never wait longer than this for one retry, whatever ``Retry-After`` says.
HARD_MAX = 600.0
#: Bytes of a page that may hold the first 4,096 characters, where Scrapy looks for a meta
#: refresh: 4 bytes a character at most in UTF-8 and GB18030, the widest encodings in which
#: ASCII letters are their own bytes.
REFRESH_WINDOW = 4096 * 4


def backoff_delay(retry_times: int, base: float, cap: float) -> float:
    """``base`` × 2^(n-1) for the n-th retry, at most ``cap``."""
    return min(cap, base * 2 ** max(0, retry_times - 1)) if base > 0 else 0.0


def retry_after(value: bytes | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds()) if when.tzinfo else None


class BackoffRetryMiddleware(RetryMiddleware):
    """``RETRY_*`` as usual, waiting ``OPINION_RETRY_BACKOFF_BASE`` × 2^(n-1) seconds (at most
    ``OPINION_RETRY_BACKOFF_MAX``) before the n-th retry, or what ``Retry-After`` asks."""

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            asked = retry_after(response.headers.get(b"Retry-After"), datetime.now(UTC))
            await self._wait(result, asked)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, retry: Request, asked: float | None) -> None:
        config = config_of(self.crawler.settings)
        delay = backoff_delay(
            int(retry.meta.get("retry_times", 1)),
            config.retry_backoff_base,
            config.retry_backoff_max,
        )
        if asked is not None:
            delay = max(delay, asked)
        delay = min(delay, HARD_MAX)
        if delay > 0:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("opinion/retry/backoff_ms", round(delay * 1000))
            await asyncio.sleep(delay)


class RedirectLoopMiddleware:
    """A redirect back to an address the request already passed through is a loop: Scrapy's
    duplicate filter would drop the next hop without a word, and the page would silently
    never come. Here the request fails instead (``IgnoreRequest("redirect loop …")``), so the
    spider's errback counts it (``opinion/fetch/failed/redirect_loop``) and the run says why.
    Sits just outside Scrapy's redirect middleware, so it sees each redirect first."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400 and location):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        if passed_through(request, target):
            raise IgnoreRequest(f"redirect loop: {request.url} → {target}")
        return response


def passed_through(request: Request, url: str) -> bool:
    """Whether ``url`` (its fragment aside) is the request's own address or one its redirects
    came through."""
    passed = {*request.meta.get("redirect_urls", ()), request.url}
    return urldefrag(url)[0] in {urldefrag(u)[0] for u in passed}


def may_refresh(body: bytes) -> bool:
    """Whether the first characters of a page may hold a ``<meta http-equiv="refresh">``:
    they do only where the word ``refresh`` is in them, in any case — and in an encoding in
    which ASCII letters are their own bytes (UTF-8, GBK, GB18030, Big5, Latin-1 …), it is
    then in the page's first :data:`REFRESH_WINDOW` bytes. A page with NUL bytes there may
    be UTF-16 or UTF-32, whose letters are not: it may always."""
    head = body[:REFRESH_WINDOW]
    return b"\x00" in head or b"refresh" in head.lower()


class LazyMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects (``METAREFRESH_*`` settings as usual), where a page's
    bytes cannot hold one answered without decoding it, and where a page refreshes to itself
    (or to an address its redirects came through) the page kept.

    Scrapy's middleware decodes every HTML page to look at its first 4,096 characters. A
    crawl process hands the page's bytes to a page worker, which decodes them itself, so that
    decoding was done for nothing: ~50 µs of the crawl process's CPU a page (a 10 KB page,
    half of it the decoding, the rest the regular expressions over its head).

    A refresh without an address (``<meta http-equiv="refresh" content="60">``: a portal's
    front page or a listing reloading itself every minute) is, since w3lib 2.6, a refresh to
    the page's own address, as a browser reads it, and Scrapy's middleware answers it with a
    request for that address — which the duplicate filter then drops, so the page that was
    fetched is never read. That request would only fetch the page again: the page is kept."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if isinstance(response, HtmlResponse) and not may_refresh(response.body):
            return response
        answer = super().process_response(request, response)
        if isinstance(answer, Request) and passed_through(request, answer.url):
            return response
        return answer
