"""An outside plugin, shipped as its own package with an entry point: one site, one scoring
rule, and one site adapter (the README's plugin example)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.items import Post


class ExtraBoardAdapter(Adapter):
    """A board whose thread pages hold ``div.post[data-pid]`` floors and whose listings hold
    ``li.thread`` rows with the reply count they show."""

    engine = "extra_board"
    kind = "forum"
    version = "1"

    def parse(self, page: Page) -> Parsed:
        sel = page.selector
        title = sel.css("h1::text").get("").strip()
        tid = re.search(r"/t/(\d+)", page.url)
        posts = []
        for floor, block in enumerate(sel.css("div.post[data-pid]"), start=1):
            posts.append(
                Post(
                    site=page.site.name, kind=self.kind, url=page.url, title=title,
                    content=" ".join(block.css(".content ::text").getall()).strip(),
                    author=block.css(".author::text").get("").strip(),
                    published_text=block.css(".time::text").get(""),
                    thread_id=tid.group(1) if tid else None,
                    post_id=block.attrib["data-pid"],  # the floor's own id: its own _id
                    floor=floor, adapter=self.engine, adapter_version=self.version,
                )
            )  # fmt: skip
        links = [
            Link(
                urljoin(page.url, row.css("a::attr(href)").get("")), role="thread",
                key=f"thread:{row.attrib['data-tid']}",
                state=row.css(".replies::text").get(),  # grows with the thread: walk it again
            )
            for row in sel.css("li.thread[data-tid]")
        ]  # fmt: skip
        return Parsed(posts=posts, links=links)


@hookimpl
def opinion_adapters():
    return [ExtraBoardAdapter]


@hookimpl
def opinion_sites(settings):
    base = settings.get("OPINION_DEMO_URL")
    return [
        {
            "name": "extra-forum",
            "kind": "forum",
            "engine": "discuz",
            "start_urls": [f"{base}/forum/forum.php"],
            "weight": 1.0,
        }
    ]


@hookimpl
def opinion_score(post, site):
    from opinion_spiders.core.scoring import Contribution

    if site.name == "extra-forum":
        return [Contribution("extra", 1.5, "outside plugin: every extra-forum post")]
    return []
