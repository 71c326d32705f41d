"""phpBB 3 boards: topic pages (``viewtopic.php``), forum topic lists (``viewforum.php``) and
the board index, in phpBB's two stock styles.

Each style is a page version (see :class:`opinion_spiders.adapters.VersionedAdapter`):
:class:`ProsilverPage` ("3": prosilver and its derivatives, ``div.post#pNNN`` floors and
``li.row`` topic rows) and :class:`Subsilver2Page` ("3-subsilver2": phpBB 3.0's table style,
still served by older boards and by 3.1/3.2 boards that kept it). A page is prosilver unless its
markup says subsilver2.

Times come from ``<time datetime>`` (UTC with offset) where the style has it, since the shown
text is in the reader's board time zone, which the crawler does not know; subsilver2 shows only
the text.
"""

from __future__ import annotations

import re

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, PageVersion, Parsed, VersionedAdapter
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import (
    absolute,
    node_text,
    powered_by,
    query_param,
    squash,
    to_int,
    without_fragment,
)
from plugins._notice import notices_first

BODY_NOISE = (
    ".//blockquote | .//div[contains(@class,'codebox')]/p"
    " | .//div[contains(@class,'signature')] | .//div[@class='notice']"
)
POSTER = ".topic-poster a.username, .topic-poster a.username-coloured, a.username"
_SHOWN_TIME = re.compile(r"»\s*(.+)$")
_POWERED = re.compile(r"Powered by\s*(?:<[^>]+>)*\s*phpBB", re.I)

#: subsilver2's own markup (with the style's image paths, :func:`subsilver2`): a post's
#: ``b.postauthor``, a topic row's ``p.topicauthor``, a board index's ``a.forumlink``.
_S2_CLASSES = re.compile(r"""class=["'](?:postauthor|topicauthor|forumlink)["']""")
#: Inside a subsilver2 message: a quote's "X wrote:" title and its text, a code box's title.
S2_BODY_NOISE = (
    ".//div[contains(@class,'quotetitle')] | .//div[contains(@class,'quotecontent')]"
    " | .//div[contains(@class,'codetitle')]"
)
_S2_AUTHORS = "//b[contains(concat(' ', normalize-space(@class), ' '), ' postauthor ')]"
#: The page after the current one (``<strong>N</strong>``) in subsilver2's "Goto page" block.
_S2_NEXT = "//td[contains(@class,'gensmall')]/b[a[@onclick]]/strong/following-sibling::a[1]/@href"
#: The text after a header cell's label ("Post subject:", "Posted:"), in any language.
_AFTER_LABEL = "{}/following-sibling::node()/descendant-or-self::text()"
_S2_STICKY = (
    ".//img[contains(@src,'/sticky_') or contains(@src,'/announce_') or contains(@src,'/global_')]"
)
#: ``jumpto()`` in the page's head: the posts a page holds and the page shown.
_PER_PAGE = re.compile(r"var per_page = '(\d+)'")
_ON_PAGE = re.compile(r"prompt\('(?:\\.|[^'\\])*',\s*'(\d+)'\)")


class PhpbbPage(PageVersion):
    """What both styles share: telling a topic, a forum's topic list and the board index apart
    (by the style's markers, else by the role the crawl gave the page)."""

    #: CSS of what only a topic page has, and of what only a topic list has.
    topic_mark = ""
    list_mark = ""
    #: CSS of a forum's link on the board index.
    forum_link = ""

    @notices_first
    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        if sel.css(self.topic_mark) or page.role == "thread":
            return self.parse_topic(page)
        if sel.css(self.list_mark) or page.role == "listing":
            return Parsed(links=self.topic_links(page))
        return Parsed(links=self.forum_links(page))

    def parse_topic(self, page: Page) -> Parsed:  # pragma: no cover - abstract
        raise NotImplementedError

    def topic_links(self, page: Page) -> list[Link]:  # pragma: no cover - abstract
        raise NotImplementedError

    def forum_links(self, page: Page) -> list[Link]:
        """The board index: one listing link per forum."""
        seen: dict[str, Link] = {}
        for a in page.selector.css(self.forum_link):
            url = absolute(page.url, a.attrib.get("href"))
            fid = query_param(url or "", "f")
            if url and fid and fid not in seen:
                seen[fid] = Link(
                    url, "listing", meta={"board": squash(a.xpath("string()").get()), "fid": fid}
                )
        return list(seen.values())


class ProsilverPage(PhpbbPage):
    """prosilver and the styles built on it: ``div.post#pNNN`` floors, ``li.row`` topic rows,
    ``a.forumtitle`` forums. The version a page is taken for unless it says otherwise."""

    name = "3"
    topic_mark = "div.post[id^=p] div.postbody"
    list_mark = "ul.topiclist li.row"
    forum_link = "a.forumtitle"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 0.5

    def parse_topic(self, page: Page) -> Parsed:
        """One post per ``div.post#pNNN``; the next page from the pagination block."""
        sel = page.selector
        title = squash(sel.css("h2.topic-title").xpath("string()").get())
        title = title or squash(sel.css("title::text").get()).split(" - ")[0]
        canonical = sel.css("link[rel=canonical]::attr(href)").get() or ""
        tid = query_param(canonical, "t") or query_param(page.url, "t")
        tid = tid or query_param(sel.css("h2.topic-title a::attr(href)").get() or "", "t")
        posts = [
            post
            for node in sel.xpath("//div[contains(@class,'post') and starts-with(@id,'p')]")
            if (post := self.post(page, node, title, tid)) is not None
        ]
        if not posts:
            raise ParseError("no_posts", f"no phpBB posts on {page.url}")
        nxt = absolute(
            page.url,
            sel.css(".pagination li.next a::attr(href), .pagination a[rel=next]::attr(href)").get(),
        )
        links = [Link(nxt, "thread", meta=dict(page.meta))] if nxt else []
        return Parsed(posts=posts, links=links)

    def post(self, page: Page, node: Selector, title: str, tid: str | None) -> Post | None:
        pid = node.attrib["id"][1:]
        body = node.css("div.content")
        if not pid.isdigit() or not body:
            return None
        author = node.css(
            "p.author a.username, p.author a.username-coloured, dl.postprofile a.username"
        )
        author = author or node.css("p.author strong, dl.postprofile dt a")
        href = (author.attrib.get("href") or "") if author else ""
        stamp = node.css("p.author time::attr(datetime)").get()
        shown = _SHOWN_TIME.search(squash(node.css("p.author").xpath("string()").get()))
        number = to_int(node.css("p.author span.posti a::text, p.author .post-number::text").get())
        return Post(
            site=page.site.name,
            kind=self.adapter.kind,
            url=f"{without_fragment(page.url)}#p{pid}",
            title=squash(node.css("h3 a::text").get()) or title,
            content=node_text(body[0], BODY_NOISE),
            author=squash(author[0].xpath("string()").get()) if author else "",
            author_id=query_param(href.replace("&amp;", "&"), "u"),
            thread_id=tid,
            post_id=pid,
            floor=number,
            published_text=stamp or (shown.group(1) if shown else ""),
            adapter=self.adapter.engine,
            adapter_version=self.name,
        )

    def topic_links(self, page: Page) -> list[Link]:
        """A forum's topic list: keyed by topic id, state = reply count; stickies flagged."""
        links = []
        for row in page.selector.css("ul.topiclist.topics li.row"):
            a = row.css("a.topictitle")
            url = absolute(page.url, a.attrib.get("href")) if a else None
            tid = query_param(url or "", "t")
            if not url or not tid:
                continue
            replies = to_int(squash(row.css("dd.posts").xpath("string()").get())) or 0
            meta = {
                "tid": tid,
                "title": squash(a.xpath("string()").get()),
                "replies": replies,
                "views": to_int(squash(row.css("dd.views").xpath("string()").get())),
                "author": squash(row.css(POSTER).xpath("string()").get()),
                "sticky": bool(
                    row.css("dl.sticky, dl.announce, dl.global-announce")
                    or "sticky" in row.attrib.get("class", "")
                ),
            }
            links.append(Link(url, "thread", key=f"thread:{tid}", state=str(replies), meta=meta))
        nxt = absolute(page.url, page.selector.css(".pagination li.next a::attr(href)").get())
        if nxt:
            links.append(Link(nxt, "listing"))
        return links


class Subsilver2Page(PhpbbPage):
    """phpBB 3.0's subsilver2 (and 3.1/3.2 ports of it): tables throughout. A post is four
    rows — a header (``b.postauthor``, ``a name="pNNN"``, the subject and "Posted: …" time),
    the profile and ``div.postbody`` message (the signature a ``span.postbody`` after it, or a
    second ``div.postbody`` in the ports), the profile/quote buttons (the poster's ``u=``) and
    a spacer. Posts are not numbered: a floor is its place on the page plus the posts of the
    pages before. A topic row has ``a.topictitle``, ``p.topicauthor`` and ``p.topicdetails``
    (replies, views, last post); the board index ``a.forumlink``."""

    name = "3-subsilver2"
    topic_mark = "b.postauthor"
    list_mark = "a.topictitle"
    forum_link = "a.forumlink"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 1.0 if subsilver2(text) else 0.0

    def parse_topic(self, page: Page) -> Parsed:
        sel = page.selector
        heading = sel.css("#pageheader h2 a.titles, h2 a.titles")
        title = squash(heading.xpath("string()").get()) if heading else ""
        title = title or squash(sel.css("title::text").get()).split(" - ", 1)[-1]
        href = heading.attrib.get("href", "") if heading else ""
        tid = query_param(page.url, "t") or query_param(href.replace("&amp;", "&"), "t")
        first = _first_floor(page)
        posts: list[Post] = []
        for author in sel.xpath(_S2_AUTHORS):
            post = self.post(page, author, title, tid, first + len(posts))
            if post is not None:
                posts.append(post)
        if not posts:
            raise ParseError("no_posts", f"no phpBB posts on {page.url}")
        nxt = absolute(page.url, sel.xpath(_S2_NEXT).get())
        links = [Link(nxt, "thread", meta=dict(page.meta))] if nxt else []
        return Parsed(posts=posts, links=links)

    def post(
        self, page: Page, author: Selector, title: str, tid: str | None, floor: int
    ) -> Post | None:
        """One post from its ``b.postauthor``: the header row around it, the rows after."""
        header = author.xpath("ancestor::tr[1]")
        anchor = header.xpath(".//a[starts-with(@name,'p')]/@name").re_first(r"^p(\d+)$")
        permalink = header.xpath(".//a[contains(@href,'p=')]/@href").get() or ""
        pid = anchor or query_param(permalink.replace("&amp;", "&"), "p")
        body = header.xpath("following-sibling::tr[1]//div[contains(@class,'postbody')][1]")
        if not pid or not body:
            return None
        buttons = header.xpath("following-sibling::tr[2]")
        profile = buttons.xpath(".//a[contains(@href,'mode=viewprofile')]/@href").get() or ""
        cells = header.xpath(".//td[contains(@class,'gensmall')]/div")
        subject = cells[0].xpath(_AFTER_LABEL.format("b[1]")).getall() if cells else []
        posted = cells[-1].xpath(_AFTER_LABEL.format("b[last()]")).getall() if cells else []
        return Post(
            site=page.site.name,
            kind=self.adapter.kind,
            url=f"{without_fragment(page.url)}#p{pid}",
            title=squash("".join(subject)) or title,
            content=node_text(body[0], S2_BODY_NOISE),
            author=squash(author.xpath("string()").get()),
            author_id=query_param(absolute(page.url, profile) or "", "u"),
            thread_id=tid,
            post_id=pid,
            floor=floor + 1,
            published_text=squash("".join(posted)),
            adapter=self.adapter.engine,
            adapter_version=self.name,
        )

    def topic_links(self, page: Page) -> list[Link]:
        """A forum's topic table, keyed and flagged as prosilver's list is (a sticky or an
        announcement by its folder image); the next page from the "Goto page" block."""
        links: list[Link] = []
        seen: set[str] = set()
        for a in page.selector.css("a.topictitle"):
            url = absolute(page.url, a.attrib.get("href"))
            tid = query_param(url or "", "t")
            if not url or not tid or tid in seen:
                continue
            seen.add(tid)
            row = a.xpath("ancestor::tr[1]")
            details = [squash(d.xpath("string()").get()) for d in row.css("p.topicdetails")]
            replies = to_int(details[0]) if details else None
            meta = {
                "tid": tid,
                "title": squash(a.xpath("string()").get()),
                "replies": replies or 0,
                "views": to_int(details[1]) if len(details) > 1 else None,
                "author": squash(row.css("p.topicauthor").xpath("string()").get()),
                "sticky": bool(row.xpath(_S2_STICKY)),
            }
            links.append(
                Link(url, "thread", key=f"thread:{tid}", state=str(replies or 0), meta=meta)
            )
        nxt = absolute(page.url, page.selector.xpath(_S2_NEXT).get())
        if nxt:
            links.append(Link(nxt, "listing"))
        return links


def subsilver2(text: str) -> bool:
    """Whether the markup is subsilver2's (``_S2_CLASSES``, or the style's image paths)."""
    return "/styles/subsilver2/" in text or _S2_CLASSES.search(text) is not None


def _first_floor(page: Page) -> int:
    """Posts on the topic's pages before this one: the URL's ``start``, else the page number
    and page size ``jumpto()`` carries (a ``?p=`` permalink opens on any page)."""
    start = to_int(query_param(page.url, "start"))
    if start is not None:
        return max(start, 0)
    per_page, on_page = _PER_PAGE.search(page.text), _ON_PAGE.search(page.text)
    if per_page and on_page:
        return max(int(on_page.group(1)) - 1, 0) * int(per_page.group(1))
    return 0


class PhpbbAdapter(VersionedAdapter):
    """phpBB 3.x: the engine answers "is this page phpBB?", its styles the rest."""

    engine = "phpbb"
    kind = "forum"
    version = "3"
    page_versions = (ProsilverPage, Subsilver2Page)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if "phpBB style name" in text[:20000] or powered_by(_POWERED, text):
            return 0.95
        if "viewtopic.php" in text and subsilver2(text):
            return 0.9
        if "viewtopic.php" in url or "viewforum.php" in url:
            return 0.4
        return 0.0


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [PhpbbAdapter]
