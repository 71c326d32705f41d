"""The adapter contract: a site engine turns one fetched page into posts and links.

Adapters are small and pure: no crawl policy (what to skip, when to stop, how fast) lives here.
The spiders decide that from the links' ``state`` and the stored bookmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from parsel import Selector

if TYPE_CHECKING:
    from opinion_spiders.items import Post
    from opinion_spiders.sites import Site

#: What a page is expected to be when it is requested (the role of the link that led to it);
#: "auto" (``opinion parse`` of a saved page) asks the adapter to tell from the page's markers.
ROLES = ("index", "listing", "thread", "feed", "article", "auto")

#: Kinds of pages that carry no content: login/redirect notices, captcha or verification
#: walls, deleted or hidden threads, permission notices.
NOTICE_KINDS = ("login", "redirect", "captcha", "deleted", "no_permission", "other")


@dataclass
class Page:
    """A decoded page handed to an adapter."""

    url: str
    text: str
    role: str
    site: Site
    crawled_at: datetime
    status: int = 200
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.text, base_url=self.url)


@dataclass
class Link:
    """A follow-up request an adapter found.

    ``key`` and ``state`` drive incremental crawling: when the stored bookmark for ``key``
    equals ``state`` the spider does not walk the link again (e.g. key = thread id,
    state = reply count). ``state=None`` means "always follow" (pagination of a thread).
    """

    url: str
    role: str
    key: str | None = None
    state: str | None = None
    render_js: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    """What an adapter read off one page. ``page_type`` is ``content`` or ``notice``; a notice
    page has a ``notice_kind`` (one of :data:`NOTICE_KINDS`) and its message in ``notice``."""

    posts: list[Post] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    page_type: str = "content"
    notice: str = ""
    notice_kind: str = ""


class Adapter:
    """Base class for site engines. Subclasses set ``engine``, ``kind`` and ``version``."""

    engine: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    #: Does the listing need a browser (scrapy-playwright) to show its content?
    render_js: ClassVar[bool] = False

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        """How sure (0–1) this engine is that it reads the page: generator meta, markup
        markers, URL shapes. ``opinion parse`` picks the adapter with the highest score."""
        return 0.0

    def parse(self, page: Page) -> Parsed:  # pragma: no cover - abstract
        """Read one page; raise :class:`opinion_spiders.errors.ParseError` when it cannot."""
        raise NotImplementedError
