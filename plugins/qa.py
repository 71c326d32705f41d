"""Q&A threads: a question and its answers (StackExchange-style sites, and any Q&A page that
describes itself with schema.org ``QAPage`` data).

The question is the opening post (floor 1, ``replies`` = its answer count, ``views``), each
answer a post with its author, time, ``votes`` and ``accepted``, answering the question
(``reply_to``: a reply, not matched on the question's title). Answers have no floor: a Q&A
page orders them by votes, not by time. Comments under a post are left out — they are
short remarks by other people, and attaching them would sign their words with the post's
author.

Three page versions (see :class:`opinion_spiders.adapters.VersionedAdapter`):
:class:`StackExchangePage` reads the markup (``.question[data-questionid]``,
``.answer[data-answerid]``, ``.post-signature``, ``.js-vote-count``), and question lists keyed
by question id with the answer count; :class:`QaPageDataPage` reads the ``QAPage`` JSON-LD a
site embeds for search engines, where the markup is the site's own, and
:class:`QaMicrodataPage` the schema.org microdata a page marks its question and answers with
(Zhihu, Question2Answer). The thread id is the question's number in its address where the
data names none.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lxml import etree
from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, PageVersion, Parsed, VersionedAdapter
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._blocks import DATE_LIKE
from plugins._html import (
    STRING,
    absolute,
    html_text,
    node_text,
    own_text,
    squash,
    to_int,
    without_fragment,
)
from plugins._notice import notices_first
from plugins.generic_forum import author_of

BODY_NOISE = ".//script | .//div[contains(@class,'js-post-menu')]"
_SE_QUESTION = re.compile(r"""\bdata-questionid="\d+""")
_SE_BODY = re.compile(r"""class="[^"]*\b(?:js-post-body|post-text)\b""")
_SE_LIST = re.compile(r"""class="[^"]*\bs-post-summary\b[^"]*"[^>]*\bdata-post-id="\d+""")
_QAPAGE = re.compile(r""""@type"\s*:\s*\[?\s*"QAPage\"""")
_LD_JSON = re.compile(
    r"""<script[^>]*type=["']application/ld\+json["'][^>]*>(.*?)</script>""", re.S | re.I
)
#: A question's number in its address: ``/questions/58123/slug``, ``/question/640123456``,
#: ``/q/N``, and Question2Answer's ``/4521/slug`` (the number, then at most a slug: not a
#: dated path such as ``/2024/05/…``) or ``?qa=4521``.
_QUESTION_URL = re.compile(
    r"/(?:questions|question|q)/(\d+)"
    r"|^(?:https?://[^/?#]+)?/(\d+)(?:/(?!\d+(?:[/?#]|$))[^/?#]*)?/?(?:[?#]|$)"
    r"|[?&]qa=(\d+)"
)
#: Attribute names in any case, as HTML reads them: React's server render prints Zhihu's as
#: ``itemType``, ``itemProp``.
_MICRO_QUESTION = re.compile(r"""(?i:itemtype)=["']https?://schema\.org/Question["']""")
_MICRO_ANSWER = re.compile(r"""(?i:itemprop)=["'][^"']*\b(?:suggested|accepted)Answer\b""")
_ITEMTYPE = "(@itemtype='http://schema.org/{0}' or @itemtype='https://schema.org/{0}')"
_USER_URL = re.compile(r"/users/(-?\d+)")
#: Properties whose value is an address: a link's ``href``; any other property on a link
#: (Question2Answer's ``<a href="../user/X" itemprop="name">X</a>``) is its text.
_URL_PROPS = frozenset(["url", "sameAs", "image", "thumbnailUrl", "contentUrl", "mainEntityOfPage"])
#: What a question's own prose is not: controls, the site's frames, embedded media.
_NOT_PROSE = frozenset(
    ["script", "style", "noscript", "template", "button", "select", "textarea", "form", "nav",
     "header", "footer", "aside", "svg", "meta", "link"]
)  # fmt: skip
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_PROSE_BLOCKS = frozenset(
    ["p", "div", "li", "tr", "td", "blockquote", "table", "dd", "dt", "section", "article",
     "pre", "ul", "ol", "figcaption", *_HEADINGS]
)  # fmt: skip
_SENTENCE = re.compile(r"[。！？，；]|[.!?,;](?:\s|$)")
#: The time a post was published as its header shows it (Zhihu's ``发布于 2024-03-22 12:05``,
#: in a tooltip where the header prints its edit time), not the time it was edited.
_PUBLISHED = re.compile(r"(?:发布于|发表于)\s*([^・|·]+)")
_COUNT = re.compile(r"(\d[\d,.]*)\s*([kKm万]?)")


class StackExchangePage(PageVersion):
    """StackExchange markup (Stack Overflow and its sister sites, and their clones)."""

    name = "stackexchange"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        # a plain look for the markup's names first: the patterns try every position of
        # the page (~10 ms a page for the question's, whose word boundary hides its letters)
        if 'data-questionid="' in text and _SE_QUESTION.search(text) and _SE_BODY.search(text):
            return 0.95
        if "s-post-summary" in text and len(_SE_LIST.findall(text)) >= 3:
            return 0.9
        return 0.0

    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        question = sel.css(".question[data-questionid], #question[data-questionid]")
        if question:
            return self.parse_question(page, question[0])
        if sel.css(".s-post-summary[data-post-id]"):
            return Parsed(links=self.question_links(page))
        raise ParseError("no_posts", f"no question or question list on {page.url}")

    def parse_question(self, page: Page, node: Selector) -> Parsed:
        sel = page.selector
        title = squash(sel.css("#question-header h1").xpath("string()").get())
        title = title or squash(sel.css("meta[property='og:title']::attr(content)").get())
        qid = node.attrib["data-questionid"]
        base = without_fragment(page.url)
        question = self.post(page, node, title, qid, qid, base)
        question.floor = 1
        count = sel.css("#answers-header [data-answercount]::attr(data-answercount)").get()
        question.replies = to_int(count)
        viewed = sel.xpath("//div[@id='question-header']/following-sibling::div[1]//@title")
        question.views = next(
            (n for t in viewed.getall() if "iew" in t or "浏览" in t if (n := count_of(t))), None
        )
        posts = [question]
        for answer in sel.css(".answer[data-answerid]"):
            aid = answer.attrib["data-answerid"]
            post = self.post(page, answer, title, qid, aid, f"{base}#{aid}")
            classes = answer.attrib.get("class", "").split()
            post.accepted = "accepted-answer" in classes or (
                answer.attrib.get("itemprop") == "acceptedAnswer"
            )
            post.reply_to = qid
            posts.append(post)
        nxt = absolute(page.url, sel.css(".s-pagination a[rel=next]::attr(href)").get())
        return Parsed(posts=posts, links=[Link(nxt, "thread", meta=dict(page.meta))] if nxt else [])

    def post(self, page: Page, node: Selector, title: str, qid: str, pid: str, url: str) -> Post:
        """One question or answer: its body, its author's signature (the last one: an edit
        signs first), its time and its vote count."""
        body = node.css(".js-post-body, .post-text, [itemprop=text]")
        signed = node.css(".post-signature")
        owner = signed[-1] if signed else None
        user = owner.css(".user-details") if owner is not None else []
        link = user.css("a[href*='/users/']") if user else []
        name = user.css("[itemprop=name]").xpath("string()").get() if user else None
        name = name or (link[0].xpath("string()").get() if link else None)
        if not name and user:
            name = user[0].xpath("text()").get()
        uid = _USER_URL.search(link.attrib.get("href", "")) if link else None
        stamp = owner.css(".user-action-time [title]::attr(title)").get() if owner else None
        stamp = stamp or node.css("time[itemprop=dateCreated]::attr(datetime)").get()
        at = when(stamp or "")
        votes = node.css(".js-vote-count")
        return Post(
            site=page.site.name, kind=self.adapter.kind, url=url, title=title,
            content=node_text(body[0], BODY_NOISE) if body else "", author=squash(name),
            author_id=uid.group(1) if uid else None, thread_id=qid, post_id=pid,
            published_at=at, published_text="" if at else squash(stamp),
            votes=to_int(votes.attrib.get("data-value") or votes.xpath("string()").get())
            if votes else None,
            adapter=self.adapter.engine, adapter_version=self.name,
        )  # fmt: skip

    def question_links(self, page: Page) -> list[Link]:
        """A question list: keyed by question id, state = answer count."""
        links = []
        for row in page.selector.css(".s-post-summary[data-post-id]"):
            qid = row.attrib["data-post-id"]
            a = row.css(".s-post-summary--content-title a")
            url = absolute(page.url, a.attrib.get("href")) if a else None
            if not url or not qid.isdigit():
                continue
            stats = {
                squash(item.css(".s-post-summary--stats-item-unit::text").get()).lower(): to_int(
                    item.css(".s-post-summary--stats-item-number::text").get()
                )
                for item in row.css(".s-post-summary--stats-item")
            }
            answers = stats.get("answers", stats.get("answer", stats.get("回答"))) or 0
            meta = {
                "tid": qid,
                "title": squash(a[0].xpath("string()").get()),
                "replies": answers,
                "votes": stats.get("votes", stats.get("vote", stats.get("票"))),
                "tags": [squash(t) for t in row.css(".post-tag::text").getall()],
            }
            links.append(Link(url, "thread", key=f"thread:{qid}", state=str(answers), meta=meta))
        nxt = absolute(page.url, page.selector.css(".s-pagination a[rel=next]::attr(href)").get())
        return links + ([Link(nxt, "listing")] if nxt else [])


class QaPageDataPage(PageVersion):
    """The schema.org ``QAPage`` a page embeds as JSON-LD: ``mainEntity`` the ``Question``,
    its ``acceptedAnswer`` and ``suggestedAnswer``s.

    Only data that holds every answer it counts is read: forums describe their threads as a
    ``QAPage`` too, with the opening post cut short and no answers listed (Discourse:
    ``answerCount`` 0), and their markup reads better."""

    name = "qapage-jsonld"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if not _QAPAGE.search(text):
            return 0.0
        blocks = (m.group(1) for m in _LD_JSON.finditer(text))
        question = qa_question(blocks)
        return 0.9 if question is not None and complete(question) else 0.0

    def parse(self, page: Page) -> Parsed:
        blocks = page.selector.css("script[type='application/ld+json']::text").getall()
        question = qa_question(blocks)
        if question is None or not complete(question):
            raise ParseError("no_posts", f"no QAPage question on {page.url}")
        base = without_fragment(page.url)
        qid = str(question.get("@id") or question.get("identifier") or "") or question_id(base)
        title = squash(str(question.get("name") or ""))
        first = self.post(page, question, title, qid, qid, base)
        first.floor = 1
        first.replies = _int(question.get("answerCount"))
        posts = [first]
        answers = [(a, True) for a in _listed(question.get("acceptedAnswer"))]
        answers += [(a, False) for a in _listed(question.get("suggestedAnswer"))]
        for number, (answer, accepted) in enumerate(answers, start=1):
            url = str(answer.get("url") or "")
            aid = str(answer.get("@id") or "") or url.partition("#")[2] or f"{qid}-a{number}"
            post = self.post(page, answer, title, qid, aid, absolute(base, url) or base)
            if url and "#" in url:
                post.url = f"{post.url}#{url.partition('#')[2]}"
            post.accepted = accepted
            post.reply_to = qid
            posts.append(post)
        return Parsed(posts=said(posts))

    def post(
        self, page: Page, data: dict[str, Any], title: str, qid: str, pid: str, url: str
    ) -> Post:
        author = data.get("author")
        who = author[0] if isinstance(author, list) and author else author
        name = who.get("name") if isinstance(who, dict) else who
        stamp = str(data.get("dateCreated") or data.get("datePublished") or "")
        at = when(stamp)
        return Post(
            site=page.site.name, kind=self.adapter.kind, url=url, title=title,
            content=html_text(str(data.get("text") or "")), author=squash(str(name or "")),
            thread_id=qid, post_id=pid, published_at=at, published_text="" if at else stamp,
            votes=_int(data.get("upvoteCount")),
            adapter=self.adapter.engine, adapter_version=self.name,
        )  # fmt: skip


class QaMicrodataPage(PageVersion):
    """A question and its answers marked up with schema.org microdata (Zhihu's question page:
    a ``Question`` scope holding its ``name``, ``text``, ``dateCreated`` and ``answerCount``,
    each answer an ``Answer`` scope under ``suggestedAnswer`` or ``acceptedAnswer`` with its
    ``author`` — a ``Person`` and its ``name`` —, ``text``, ``dateCreated``, ``upvoteCount`` and
    ``url``), where the page embeds no ``QAPage`` data. A property belongs to the nearest scope
    around it: an answer's ``text`` is not the question's. A question asked by its title alone
    is kept (floor 1), as the other engines keep an opening post with an empty body."""

    name = "qa-microdata"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        # the type's address first: the case-blind attribute name hides the pattern's letters
        found = "schema.org/Question" in text and _MICRO_QUESTION.search(text)
        if found and _MICRO_ANSWER.search(text):
            return 0.9
        return 0.0

    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        scopes = sel.xpath(f"//*[@itemscope and {_ITEMTYPE.format('Question')}]")
        if not scopes:
            raise ParseError("no_posts", f"no schema.org Question on {page.url}")
        scope = scopes[0].root
        props = item_props(scope)
        base = without_fragment(page.url)
        qid = prop_value(props, "@id") or prop_value(props, "identifier") or question_id(base)
        title = prop_value(props, "name") or squash(sel.css("h1").xpath("string()").get())
        first = self.post(page, scope, props, title, qid, qid, base)
        first.floor = 1
        first.replies = to_int(prop_value(props, "answerCount"))
        posts = [first]
        accepted = set(props.get("acceptedAnswer", []))
        answers = accepted.union(props.get("suggestedAnswer", []))
        for answer in scope.iter():  # in page order
            if answer not in answers or answer.get("itemscope") is None:
                continue
            own = item_props(answer)
            address = prop_value(own, "url")
            url = absolute(base, address) or base
            aid = prop_value(own, "@id") or prop_value(own, "identifier")
            aid = aid or address.partition("#")[2]  # Question2Answer: ?show=4522#a4522
            aid = aid or (url.rstrip("/").rpartition("/")[2] if url != base else "")
            aid = aid or answer.get("name") or f"{qid}-a{len(posts)}"
            post = self.post(page, answer, own, title, qid, aid, url)
            post.accepted = answer in accepted
            post.reply_to = qid
            posts.append(post)
        return Parsed(posts=said(posts))

    def post(
        self,
        page: Page,
        scope: etree._Element,
        props: dict[str, list[etree._Element]],
        title: str,
        qid: str,
        pid: str,
        url: str,
    ) -> Post:
        """One question or answer from its scope's properties (``props``); an answer whose
        poster is not marked (AnsPress) signed by the poster's link in its scope — not the
        question, whose scope may hold the answers. A question with no ``text`` (Zhihu marks
        only its answers' bodies) says what its own prose says: see :func:`scope_prose`."""
        texts = props.get("text", [])
        if texts:
            content = node_text(Selector(root=texts[0]))
        else:
            content = scope_prose(scope, title) if pid == qid else ""
        person = props.get("author", [])
        name = prop_value(item_props(person[0]), "name") if person else ""
        if person and not name:
            name = squash(STRING(person[0]))
        if not person and pid != qid:  # unmarked: the poster's link in the scope
            name = author_of(scope, texts[0] if texts else None)
        stamp = prop_value(props, "dateCreated") or prop_value(props, "datePublished")
        at = when(stamp)
        return Post(
            site=page.site.name, kind=self.adapter.kind, url=url, title=title,
            content=content, author=name, thread_id=qid, post_id=pid, published_at=at,
            published_text=shown_time(scope) or ("" if at else stamp),
            votes=to_int(prop_value(props, "upvoteCount")),
            adapter=self.adapter.engine, adapter_version=self.name,
        )  # fmt: skip


def item_props(scope: etree._Element) -> dict[str, list[etree._Element]]:
    """The microdata properties of an ``itemscope`` element, by name, in page order: every
    ``itemprop`` below it whose nearest scope it is (a nested scope is a property's value,
    and its own properties are its own)."""
    found: dict[str, list[etree._Element]] = {}

    def walk(el: etree._Element) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            for name in (child.get("itemprop") or "").split():
                found.setdefault(name, []).append(child)
            if child.get("itemscope") is None:
                walk(child)

    walk(scope)
    return found


def prop_value(props: dict[str, list[etree._Element]], name: str) -> str:
    """A property's value as microdata gives it: a ``meta``'s ``content``, a ``time``'s
    ``datetime``, a link's address for an address (``url``, ``sameAs``), else its text — a
    ``name`` or ``text`` marked on a link is what the link says, not where it goes."""
    for el in props.get(name, []):
        if el.tag == "meta":
            value = el.get("content") or ""
        elif el.tag == "time":
            value = el.get("datetime") or STRING(el)
        elif el.tag in ("a", "link", "area") and name in _URL_PROPS:
            value = el.get("href") or ""
        else:
            value = STRING(el)
        if value := squash(value):
            return value
    return ""


def scope_prose(scope: etree._Element, title: str) -> str:
    """The prose a scope says itself, for a ``Question`` that marks no ``text``: its text
    outside every nested scope (the answers, the asker's ``Person``), the heading that reads
    as its ``title``, controls and the site's frames — from the smallest element holding every
    block of it that reads as prose (sentence punctuation, little link text: not a topic or
    related-questions list, a follower count or a sort menu). "" when it says nothing but its
    title."""
    root = copy.deepcopy(scope)
    drop = [
        el
        for el in root.iterdescendants()
        if isinstance(el.tag, str)
        and (
            el.get("itemscope") is not None
            or el.tag in _NOT_PROSE
            or (el.tag in _HEADINGS and squash(STRING(el)) == title)
        )
    ]
    for el in drop:
        parent = el.getparent()
        if parent is not None:  # not already gone with a dropped ancestor
            el.tail = None
            parent.remove(el)
    prose = []
    for el in root.iter():
        if not isinstance(el.tag, str) or (el.tag not in _PROSE_BLOCKS and el is not root):
            continue
        said, _ = own_text(el, _PROSE_BLOCKS)
        linked = sum(len(squash(STRING(a))) for a in el.iter("a"))
        if _SENTENCE.search(said) and linked < 0.3 * len(squash(STRING(el))):
            prose.append(el)
    if not prose:
        return ""
    holder = prose[0]
    while any(holder not in el.iterancestors() and el is not holder for el in prose[1:]):
        parent = holder.getparent()
        if parent is None:
            break
        holder = parent
    return node_text(holder)


def shown_time(scope: etree._Element) -> str:
    """The time a question or answer shows it was published — outside its nested scopes and
    its body —: a ``发布于 …`` label or tooltip (Zhihu prints the edit time and keeps the
    publish time in its tooltip), else ""."""
    for child in scope:
        if not isinstance(child.tag, str) or child.get("itemscope") is not None:
            continue
        if child.get("itemprop") == "text":
            continue
        for value in (child.get("data-tooltip"), child.get("aria-label"), child.get("title"),
                      child.text):  # fmt: skip
            m = _PUBLISHED.search(value or "")
            if m and DATE_LIKE.search(m.group(1)):
                return squash(m.group(1))
        if found := shown_time(child):
            return found
    return ""


class QaAdapter(VersionedAdapter):
    """Question-and-answer pages."""

    engine = "qa"
    kind = "forum"
    version = "stackexchange"
    page_versions = (StackExchangePage, QaPageDataPage, QaMicrodataPage)

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return max(version.sniff(text, url) for version in cls.page_versions)

    @notices_first
    def parse(self, page: Page) -> Parsed:
        return super().parse(page)


def qa_question(blocks: Iterable[str]) -> dict[str, Any] | None:
    """The ``Question`` of a ``QAPage`` among a page's JSON-LD blocks (``@graph`` too)."""
    for raw in blocks:
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        graph = isinstance(data, dict) and "@graph" in data
        for item in _listed(data["@graph"] if graph else data):
            kind = item.get("@type")
            if "QAPage" in (kind if isinstance(kind, list) else [kind]):
                main = item.get("mainEntity")
                if isinstance(main, dict):
                    return main
    return None


def question_id(url: str) -> str:
    """A question's number from its address (see :data:`_QUESTION_URL`), else the address."""
    m = _QUESTION_URL.search(url)
    return next((g for g in m.groups() if g), url) if m else url


def said(posts: list[Post]) -> list[Post]:
    """The posts that say something: the question by its title alone too (floor 1 stays the
    question, as the other engines keep an opening post whose body is empty)."""
    return [p for p in posts if p.content or (p.floor == 1 and p.title)]


def complete(question: dict[str, Any]) -> bool:
    """Does the data list an answer, and as many as it says the question has?"""
    listed = len(_listed(question.get("acceptedAnswer")))
    listed += len(_listed(question.get("suggestedAnswer")))
    return listed > 0 and listed >= (_int(question.get("answerCount")) or 0)


def _listed(value: object) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else to_int(str(value)) if value else None


def count_of(text: str) -> int | None:
    """ "Viewed 1,234 times" -> 1234, "Viewed 12k times" -> 12000, "浏览 3万 次" -> 30000."""
    m = _COUNT.search(text)
    if not m:
        return None
    scale = {"k": 1_000, "m": 1_000_000, "万": 10_000}.get(m.group(2).lower(), 1)
    return round(float(m.group(1).replace(",", "")) * scale)


def when(stamp: str) -> datetime | None:
    """ "2024-05-01 10:00:00Z" or an ISO time with its offset, else None."""
    try:
        found = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None
    return found if found and found.utcoffset() is not None else None


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [QaAdapter]
