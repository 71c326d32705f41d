"""The adapter contract: a site engine turns one fetched page into posts and links.

Adapters are small and pure: no crawl policy (what to skip, when to stop, how fast) lives here.
The spiders decide that from the links' ``state`` and the stored bookmarks.

An engine whose pages come in generations (a redesign, a mobile site, server HTML beside the
DOM a browser built) is a :class:`VersionedAdapter`: one :class:`PageVersion` page object per
generation, each with its own ``sniff``, and the engine hands every page to the version that
recognises it best — the way Fundus keeps one parser class per layout of a site, the old one
staying with its ``valid_until`` date when a redesign adds a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from parsel import Selector

from opinion_spiders.errors import ParseError

if TYPE_CHECKING:
    from opinion_spiders.items import Post
    from opinion_spiders.sites import Site

#: What a page is expected to be when it is requested (the role of the link that led to it);
#: "auto" (``opinion parse`` of a saved page) asks the adapter to tell from the page's markers.
ROLES = ("index", "listing", "thread", "feed", "article", "auto")

#: Kinds of pages that carry no content: login/redirect notices, captcha or verification
#: walls, deleted or hidden threads, permission notices.
NOTICE_KINDS = ("login", "redirect", "captcha", "deleted", "no_permission", "other")

#: The ``adapter_version`` of posts the generic reader found standing alone — one or two
#: posts, no group of like blocks beside them (a thread with no reply yet) —, which the
#: reading chain weighs against the page's main text apart from a group's posts.
LONE_VERSION = "lone-1"


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
    #: The role the page was reached as, where a reader asks for it as another (the reading
    #: chain tries the generic thread reader on a page of no known role, ``auto``); '' where
    #: it is ``role``.
    reached_as: str = ""

    @cached_property
    def selector(self) -> Selector:
        # type="html": parsel would take a body that parses as JSON for JSON, and every
        # css()/xpath() of the readers would raise on it
        return Selector(text=self.text, base_url=self.url, type="html")


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
    #: The version a post records when its reader set none (``Post.adapter_version``).
    version: ClassVar[str] = "1"
    #: Every page version the engine reads (a :class:`VersionedAdapter` fills it in).
    versions: ClassVar[tuple[str, ...]] = ()
    #: Does the listing need a browser (scrapy-playwright) to show its content?
    render_js: ClassVar[bool] = False
    #: Cookies the engine's sites expect with every request, where a site asks a visitor's
    #: consent once before it shows anything (PTT's adult boards: ``over18=1``).
    cookies: ClassVar[dict[str, str]] = {}

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        """How sure (0–1) this engine is that it reads the page: generator meta, markup
        markers, URL shapes. ``opinion parse`` picks the adapter with the highest score."""
        return 0.0

    def parse(self, page: Page) -> Parsed:  # pragma: no cover - abstract
        """Read one page; raise :class:`opinion_spiders.errors.ParseError` when it cannot."""
        raise NotImplementedError


class PageVersion:
    """One generation of an engine's pages, as a page object: how to recognise it
    (:meth:`sniff`) and how to read it (:meth:`parse`).

    ``name`` is what its posts record as ``adapter_version``. ``valid_from`` / ``valid_until``
    say when the site served this layout, where known: they break ties between versions that
    sniff alike (the one current when the page was fetched wins) and tell a reader of the
    code which layout is history. A version is built for one page by its engine
    (``version(adapter)``) and reaches the engine's ``engine``, ``kind`` and shared helpers
    through ``self.adapter``.
    """

    name: ClassVar[str] = ""
    valid_from: ClassVar[date | None] = None
    valid_until: ClassVar[date | None] = None

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        """How sure (0–1) this version is that the page, already known to be its engine's, is
        of its generation; 0 means "not mine"."""
        return 0.0

    @classmethod
    def valid_at(cls, when: date) -> bool:
        """Was this layout served on ``when``? (Open ends count as always.)"""
        return (cls.valid_from is None or cls.valid_from <= when) and (
            cls.valid_until is None or when <= cls.valid_until
        )

    def parse(self, page: Page) -> Parsed:  # pragma: no cover - abstract
        """Read one page of this version; raise ``ParseError`` when it cannot."""
        raise NotImplementedError


class VersionedAdapter(Adapter):
    """An engine made of page versions: ``page_versions`` lists them, and :meth:`parse` reads
    each page with the one :meth:`pick` chooses.

    The engine's own ``sniff`` still answers "is this page mine?" (``opinion parse`` and the
    reading chain ask it); each version's ``sniff`` answers "which generation is it?". The
    highest version score wins; a tie goes to the version valid when the page was fetched, then
    to the one listed first. Every post records the name of the version that read it.
    """

    page_versions: ClassVar[tuple[type[PageVersion], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = [version.name for version in cls.page_versions]
        if len(set(names)) != len(names) or not all(names):
            raise TypeError(f"{cls.__name__}: page versions need distinct names, got {names}")
        if names:
            cls.versions = tuple(names)

    @classmethod
    def pick(cls, text: str, url: str, when: datetime | None = None) -> type[PageVersion] | None:
        """The version that reads the page, or None when no version recognises it."""
        best: type[PageVersion] | None = None
        best_rank: tuple[float, bool] = (0.0, False)
        for version in cls.page_versions:
            score = version.sniff(text, url)
            rank = (score, when is None or version.valid_at(when.date()))
            if score > 0 and rank > best_rank:
                best, best_rank = version, rank
        return best

    def parse(self, page: Page) -> Parsed:
        version = self.pick(page.text, page.url, page.crawled_at)
        if version is None:
            raise ParseError("unknown_version", f"no {self.engine} page version reads {page.url}")
        parsed = version(self).parse(page)
        for post in parsed.posts:
            post.adapter_version = post.adapter_version or version.name
        return parsed
