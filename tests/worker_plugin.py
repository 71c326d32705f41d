"""A plugin for the page-worker tests: a forum engine whose reading of a page with ``crash``
in its URL ends the process it runs in (as a segfaulting parser or the OOM killer would), and
of a page with ``hang`` in it takes a minute (a pathological page), and one site of it."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter, Page, Parsed
from opinion_spiders.items import Post


class CrashingAdapter(Adapter):
    engine = "crashing"
    kind = "forum"

    def parse(self, page: Page) -> Parsed:
        if "crash" in page.url:
            os._exit(7)
        if "hang" in page.url:
            time.sleep(60)
        title = page.selector.css("title::text").get("")
        text = " ".join(page.selector.css("p::text").getall())
        return Parsed(posts=[Post(site=page.site.name, kind="forum", url=page.url, title=title,
                                  content=text, post_id=page.url.rsplit("/", 1)[-1])])  # fmt: skip


@hookimpl
def opinion_adapters() -> Sequence[type[Adapter]]:
    return [CrashingAdapter]


@hookimpl
def opinion_sites(settings: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return [{"name": "crashing", "kind": "forum", "engine": "crashing",
             "start_urls": ["http://127.0.0.1:9/"]}]  # fmt: skip
