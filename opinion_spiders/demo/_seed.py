"""Fill a :class:`DemoStore` from the bundled ``content.json``.

Each thread gives its opening time and last-reply time in minutes before the anchor; floors
beyond the written ones are neutral replies picked by position, so the data is deterministic.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

from opinion_spiders.demo._model import DemoStore, DemoThread, minutes_ago


def load_content() -> dict[str, Any]:
    """The bundled demo content (read as package data, so an installed egg works too)."""
    text = files("opinion_spiders.demo").joinpath("content.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def seed_store(store: DemoStore, anchor: datetime, *, broken_pages: bool) -> None:
    """Create every forum thread, article and post-bar thread relative to ``anchor``."""
    data = load_content()
    pools = (data["users"], data["fillers"])
    for board in data["forum"]["boards"]:
        for spec in board["threads"]:
            _thread(store, "forum", str(board["fid"]), spec, anchor, pools)
    tid = int(data["tieba"]["first_tid"])
    for spec in data["tieba"]["threads"]:
        _thread(store, "postbar", data["tieba"]["bar"], spec, anchor, pools, tid=tid)
        tid += 1
    for spec in data["portal"]["articles"]:
        _article(store, spec, anchor)
    if broken_pages:
        spec = data["forum"]["broken"]
        _thread(store, "forum", str(spec["fid"]), spec, anchor, pools).broken = True
        _article(store, data["portal"]["broken"], anchor).broken = True


def _thread(
    store: DemoStore,
    target: str,
    board: str,
    spec: dict[str, Any],
    anchor: datetime,
    pools: tuple[list[str], list[str]],
    tid: int | None = None,
) -> DemoThread:
    thread = store.new_thread(target, board, spec["title"], tid=tid)
    thread.views = int(spec.get("views", 0))
    thread.sticky = bool(spec.get("sticky") or spec.get("top"))
    floors = int(spec["floors"])
    first, last = float(spec["ago"]), float(spec.get("last", spec["ago"]))
    users, fillers = pools
    for i in range(floors):
        ago = first - (first - last) * i / (floors - 1) if floors > 1 else first
        written = spec["posts"][i] if i < len(spec["posts"]) else None
        if written is None:
            n = thread.tid + i * 7
            written = [users[n % len(users)], fillers[n % len(fillers)]]
        _post(store, thread, written, minutes_ago(anchor, ago))
    return thread


def _post(store: DemoStore, thread: DemoThread, written: Any, when: datetime) -> None:
    if isinstance(written, list):
        store.append(thread, written[0], written[1], when)
        return
    post = store.append(thread, written["a"], written["t"], when)
    post.quote = (written["q"][0], written["q"][1]) if "q" in written else None
    post.sign = written.get("sign", "")
    post.edited = bool(written.get("edited"))
    for author, text, after in written.get("lzl", []):  # replies inside the floor, minutes on
        store.reply_in_floor(post, author, text, when + timedelta(minutes=float(after)))


def _article(store: DemoStore, spec: dict[str, Any], anchor: datetime) -> DemoThread:
    article = store.new_thread("portal", "news", spec["title"], tid=int(spec["id"]))
    article.source = spec["source"]
    store.append(
        article, spec["source"], "\n".join(spec["paragraphs"]), minutes_ago(anchor, spec["ago"])
    )
    return article
