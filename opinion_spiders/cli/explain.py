"""``opinion explain POST_ID``: why a stored post scored what it did — its fired rules with
their hits, and each contribution to the score."""

from __future__ import annotations

import argparse
import json

from opinion_spiders.cli._common import with_runtime
from opinion_spiders.errors import ConfigError
from opinion_spiders.runtime import Runtime


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("post_id")
    parser.add_argument("--json", action="store_true")


def explain(args: argparse.Namespace, runtime: Runtime) -> int:
    post = runtime.store.get_post(args.post_id)
    if post is None:
        raise ConfigError("opinion explain", args.post_id, "no such post id (see `opinion report`)")
    if args.json:
        keep = (
            "_id",
            "site",
            "kind",
            "url",
            "title",
            "author",
            "published_at",
            "score",
            "matches",
            "contributions",
        )
        print(json.dumps({k: post.get(k) for k in keep}, ensure_ascii=False, default=str, indent=1))
        return 0
    print(f"{post['_id']}  [{post['site']} {post['kind']}] {post.get('title') or ''}")
    print(f"  {post.get('url')}  published {post.get('published_at') or '-'}")
    for m in post.get("matches") or []:
        weight = f"severity {m['severity']} × weight {m['weight']}"
        print(f"  rule {m['rule']} ({m.get('name', '')}), {weight}")
        for hit in m.get("hits", []):
            context = " ".join(str(hit.get("context", "")).split())
            print(
                f"      「{hit['term']}」 {hit['field']}[{hit['start']}:{hit['end']}] …{context}…"
            )
    for c in post.get("contributions") or []:
        print(f"  {c['value']:+8.3f}  {c['source']}: {c['reason']}")
    print(f"  {post.get('score', 0):8.3f}  score (the sum)")
    return 0


run = with_runtime(explain)
