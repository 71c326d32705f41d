"""``python -m bench.cut_threads``: threads with few posts, made from the corpus's threads.

A thread with no reply yet, or one, and a later page of a thread that no longer shows its
opening post are common on every board, but the corpus's threads each hold several posts. So
each corpus thread the generic reader reads with three posts or more is cut — to its first
post (``one``), its first two (``two``), everything but the first (``later``) — by taking the
other posts' blocks out of the page, and what ``opinion parse --role thread`` reads off the cut
page is scored (the corpus's ROUGE-L, on the text ``bench.corpus`` scores: the thread's title,
then the bodies) against the full reading's title and its own posts that were kept.
It measures how the reading holds up on those kinds, not how right the full reading is; the
full reading's truth is ``bench.corpus``'s. Reads ``../shared/corpora/extraction/``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from lxml import etree
from parsel import Selector

from bench.corpus import CORPUS, rouge_l_summary, scored_text, thread_title

CUTS = ("one", "two", "later")
_CHARSET = re.compile(r"(?i)charset\s*=\s*[\"']?[\w-]+")


def _read(html: bytes, url: str, role: str = "thread") -> Any:
    from opinion_spiders.errors import ParseError
    from opinion_spiders.reading import read_page

    try:
        return read_page(html, url, None, role=role)
    except ParseError:
        return None, None


def _serialised(root: etree._Element) -> bytes:
    markup = _CHARSET.sub("charset=utf-8", etree.tostring(root, encoding="unicode", method="html"))
    return f"<!DOCTYPE html>{markup}".encode()


def cut_page(text: str, posts: Sequence[Any], cut: str) -> bytes | None:
    """The page with the blocks of the posts the ``cut`` leaves out taken out; None where a
    post's block cannot be told (its text is in no block)."""
    from plugins.generic_forum import opening_block, thread_blocks, thread_title, threaded

    sel = Selector(text=text)
    top, reply_kind, alone = thread_blocks(sel)
    opening = None if alone else opening_block(top, thread_title(sel))
    blocks = ([opening] if opening is not None else []) + threaded(top, reply_kind)
    texts = [" ".join("".join(b.itertext()).split()) for b in blocks]
    owners = []
    for post in posts:
        key = " ".join(post.content.split())[:40]
        owner = next((b for b, t in zip(blocks, texts, strict=True) if key and key in t), None)
        if owner is None:
            return None
        owners.append(owner)
    if cut == "later":
        if owners[0].getparent() is None:
            return None  # an opening post read off its box without the replies the box holds
        drop = [owners[0]]
    else:
        keep = owners[:1] if cut == "one" else owners[:2]
        drop = [
            b for b in blocks
            if b not in keep and not any(b in k.iterancestors() or k in b.iterancestors()
                                         for k in keep)
        ]  # fmt: skip
    for block in drop:  # a comment's copy without its replies goes with the comment
        if (parent := block.getparent()) is not None:
            parent.remove(block)
    return _serialised(sel.root)


def run(role: str = "thread") -> list[dict[str, Any]]:
    """Every cut of every thread, read with ``role`` (the full reading is ``thread``'s)."""
    truth = json.loads((CORPUS / "forum" / "truth.json").read_text())
    rows = []
    for page_id, page in truth.items():
        html = (CORPUS / "forum" / f"{page_id}.html").read_bytes()
        reading, decoded = _read(html, page["url"])
        if reading is None or reading.reader != "generic" or len(reading.parsed.posts) < 3:
            continue
        posts = reading.parsed.posts
        title = thread_title(posts, reading.kind)  # a later page shows the thread's title too
        for cut in CUTS:
            cut_html = cut_page(decoded.text, posts, cut)
            if cut_html is None:
                continue
            kept = {"one": posts[:1], "two": posts[:2], "later": posts[1:]}[cut]
            got, _ = _read(cut_html, page["url"], role)
            read = got.parsed.posts if got else []
            as_read = scored_text(thread_title(read, got.kind), read) if got else ""
            score = rouge_l_summary(scored_text(title, kept), as_read)
            rows.append({
                "cut": cut, "url": page["url"], "f1": score.f1, "posts": len(read),
                "kept": len(kept), "reader": f"{got.reader}/{got.kind}" if got else "none",
            })  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worst", type=int, default=5, help="list the N weakest of each cut")
    parser.add_argument(
        "--role", choices=("thread", "auto"), default="thread", help="read the cut pages so"
    )
    args = parser.parse_args(argv)
    if not (CORPUS / "forum" / "truth.json").exists():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    rows = run(args.role)
    print(f"corpus threads cut (generic reader), read with role {args.role}: mean F1 against")
    print("the full reading's title and kept posts")
    for cut in CUTS:
        of = [r for r in rows if r["cut"] == cut]
        mean = sum(r["f1"] for r in of) / len(of) if of else 0.0
        print(f"  {cut:<6} {mean:.3f}  ({len(of)} threads)")
        for r in sorted(of, key=lambda r: r["f1"])[: args.worst]:
            print(f"    {r['f1']:.2f} {r['kept']:>2} kept {r['posts']:>2} read  {r['reader']:<18}"
                  f" {r['url'][:80]}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
