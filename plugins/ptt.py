"""PTT (批踢踢實業坊) as its web gateway serves it (``www.ptt.cc/bbs/<board>/…``).

A board's pages (``index.html``, ``index<N>.html``) list its articles newest last, one
``div.r-ent`` row each: the title link (``M.<time>.A.<id>.html``), the poster, the day
(``5/12``) and ``nrec``, the article's push score (推 less 噓; ``爆`` past 99, ``X1``… below
−10). A row is keyed by its article with the score as its state, so a recrawl reads again an
article whose score moved; ``‹ 上頁`` leads to the older page. Rows of deleted articles
(``(本文已被刪除)``) link nowhere and are passed by.

An article is one ``#main-content`` block in the telnet board's own layout: four label lines
(作者 ``id (nickname)``, 看板, 標題, 時間 ``Sun May 12 10:20:33 2024``), the text, ``--`` and
the poster's signature, then the station's lines (``※ 發信站: …``, ``※ 文章網址: …``,
``※ 編輯: …``) and the pushes. The article is floor 1 — its text without the quoted lines of
the article it answers (``※ 引述《…》之銘言：``, ``: …``), the signature and the station's
lines; its votes are its push score, its replies its pushes. Each push (``div.push``: tag
推/噓/→, poster, ``: text``, ``[IP] MM/DD HH:MM``) is a post answering the article
(``reply_to``), its day in the article's year (the next year when the day comes before the
article's).

Boards for adults (八卦 Gossiping among them) answer with a consent page until the client sends
the ``over18=1`` cookie, which this engine sends with every request; a consent page still
reached is a notice, not an empty board.
"""

from __future__ import annotations

import re
from datetime import datetime

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from plugins._html import absolute, node_text, squash, without_fragment
from plugins._notice import notices_first

_ARTICLE = re.compile(r"/bbs/([^/]+)/(M\.\d+\.A\.[0-9A-Fa-f]+)\.html")
_ASCTIME = "%a %b %d %H:%M:%S %Y"
_PUSH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})(?:\s+(\d{1,2}:\d{2}))?\s*$")
#: Lines of the quoted article (``: text``) and of the station (``※ 發信站``, ``※ 編輯``,
#: ``※ 引述《…》之銘言``): not the poster's words.
_NOT_OWN = re.compile(r"^(?::\s|:$|※)")
_META_NOISE = (
    ".//div[contains(@class,'article-metaline')] | .//div[contains(@class,'push')]"
    " | .//div[contains(@class,'richcontent')]"
)
_SCORE = re.compile(r"^(爆|X[X\d]|-?\d+)$")


class PttAdapter(Adapter):
    """PTT's web gateway ("web"): board pages and articles with their pushes."""

    engine = "ptt"
    kind = "forum"
    version = "web"
    versions = ("web",)
    #: The consent adult boards ask for, sent with every request of the site.
    cookies = {"over18": "1"}

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if "article-metaline" in text and "main-content" in text:
            return 0.95
        if ("r-ent" in text or "b-ent" in text or "over18-notice" in text) and "批踢踢" in text:
            return 0.95
        return 0.5 if "ptt.cc/bbs/" in url else 0.0

    @notices_first
    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        if sel.css("div.over18-notice, form[action='/ask/over18']"):
            message = squash(sel.css("div.over18-notice").xpath("string()").get())
            return Parsed(page_type="notice", notice_kind="no_permission",
                          notice=message or "PTT asks for the over-18 consent")  # fmt: skip
        if sel.css("#main-content div.article-metaline") or (
            page.role == "thread" and _ARTICLE.search(page.url)
        ):
            return self.parse_article(page)
        links = self.board_links(page)
        if not links:
            raise ParseError("no_links", f"no PTT articles or boards on {page.url}")
        return Parsed(links=links)

    def parse_article(self, page: Page) -> Parsed:
        sel = page.selector
        main = sel.css("#main-content")
        if not main:
            raise ParseError("no_posts", f"no PTT article on {page.url}")
        labels = {
            squash(line.css(".article-meta-tag").xpath("string()").get()): squash(
                line.css(".article-meta-value").xpath("string()").get()
            )
            for line in main.css("div.article-metaline, div.article-metaline-right")
        }
        found = _ARTICLE.search(page.url)
        aid = found.group(2) if found else None
        title = labels.get("標題") or squash(sel.css("title::text").get()).split(" - 看板")[0]
        poster, _, nickname = labels.get("作者", "").partition(" (")
        written = labels.get("時間", "")
        pushes = main.css("div.push")
        url = without_fragment(page.url)
        article = Post(
            site=page.site.name, kind=self.kind, url=url, title=title,
            content=article_text(main[0]), author=poster.strip() or nickname.rstrip(")"),
            author_id=poster.strip() or None, thread_id=aid, post_id=aid, floor=1,
            published_text=written, replies=len(pushes), votes=push_score(pushes),
            adapter=self.engine, adapter_version=self.version,
        )  # fmt: skip
        posts = [article]
        posted = _asctime(written)
        for number, push in enumerate(pushes, 1):
            text = squash(push.css(".push-content").xpath("string()").get())
            text = text[1:].strip() if text.startswith(":") else text
            who = squash(push.css(".push-userid").xpath("string()").get())
            if not text or not who:
                continue
            posts.append(Post(
                site=page.site.name, kind=self.kind, url=f"{url}#push-{number}", title=title,
                content=text, author=who, author_id=who, thread_id=aid,
                post_id=f"{aid}.{number}" if aid else None, reply_to=aid,
                published_text=push_time(push, posted),
                adapter=self.engine, adapter_version=self.version,
            ))  # fmt: skip
        if not article.content and len(posts) == 1:
            raise ParseError("no_posts", f"an empty PTT article on {page.url}")
        return Parsed(posts=posts)

    def board_links(self, page: Page) -> list[Link]:
        """A board page's articles (keyed by article, state = push score) and its older
        page; on a page of boards (``div.b-ent``), the boards."""
        sel = page.selector
        links = []
        for row in sel.css("div.r-ent"):
            href = row.css("div.title a::attr(href)").get()
            url = absolute(page.url, href)
            found = _ARTICLE.search(url or "")
            if not url or not found:
                continue
            score = squash(row.css("div.nrec").xpath("string()").get())
            meta = {
                "title": squash(row.css("div.title a").xpath("string()").get()),
                "author": squash(row.css("div.author").xpath("string()").get()),
                "board": found.group(1),
                # the board's pinned articles stand below a separator at the foot of its page
                "sticky": bool(row.xpath("preceding-sibling::div[contains(@class,'r-list-sep')]")),
            }
            links.append(Link(url, "thread", key=f"article:{found.group(2)}",
                              state=score or "0", meta=meta))  # fmt: skip
        for a in sel.css("div.btn-group-paging a"):
            older = absolute(page.url, a.attrib.get("href"))
            if older and "上頁" in a.xpath("string()").get(""):
                links.append(Link(older, "listing"))
        for a in sel.css("div.b-ent a.board"):
            if board := absolute(page.url, a.attrib.get("href")):
                name = squash(a.css(".board-name").xpath("string()").get())
                links.append(Link(board, "listing", meta={"board": name}))
        return links


def article_text(main: Selector) -> str:
    """What the poster wrote: the article's lines up to the signature (the last ``--`` line
    before the station's ``※ 發信站``), without the quoted article and the station's lines."""
    lines = node_text(main, _META_NOISE).split("\n")
    end = next((i for i, line in enumerate(lines) if line.startswith("※ 發信站")), len(lines))
    cut = max((i for i in range(end) if lines[i] == "--"), default=end)
    return "\n".join(line for line in lines[:cut] if not _NOT_OWN.match(line))


def push_score(pushes: list[Selector]) -> int:
    """推 less 噓: the score PTT's board pages show for an article."""
    tags = [squash(p.css(".push-tag::text").get()) for p in pushes]
    return tags.count("推") - tags.count("噓")


def _asctime(written: str) -> datetime | None:
    try:
        return datetime.strptime(" ".join(written.split()), _ASCTIME)
    except ValueError:
        return None


def push_time(push: Selector, posted: datetime | None) -> str:
    """A push's day and clock (``05/12 10:22``, after the poster's IP on some boards) with the
    article's year — the next one for a day before the article's (a push in January on a
    December article)."""
    shown = squash(push.css(".push-ipdatetime").xpath("string()").get())
    found = _PUSH_DAY.search(shown)
    if not found or posted is None:
        return shown
    month, day, clock = int(found[1]), int(found[2]), found[3] or ""
    year = posted.year + ((month, day) < (posted.month, posted.day))
    return f"{year}/{month:02d}/{day:02d} {clock}".strip()


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [PttAdapter]
