"""Every example query in the README runs on a real MongoDB-wire server (FerretDB 1.24) and
answers from documents written the way the pipelines write them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from opinion_spiders.core.posts import prepare_post
from opinion_spiders.items import Post
from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.text.rules import Matcher, load_rule_file
from opinion_spiders.text.segment import Segmenter
from tests._docs import docs_text
from tests._proc import ROOT

README = docs_text()
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
TEXTS = [
    ("forum", "城东强拆引发不满", "城东片区强拆，补偿款迟迟不到位。"),
    ("forum", "举报村干部贪污", "村干部贪污扶贫款，还有人受贿。"),
    ("postbar", "小区停车难", "晚上回家找不到车位。"),
    ("portal", "关于征地补偿的通知", "征地补偿标准按照市政府文件执行。"),
]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def db(mongo_uri: str) -> Iterator[Database[dict[str, Any]]]:
    rules = load_rule_file(ROOT / "settings" / "rules" / "default.toml")
    matcher, seg = Matcher(list(rules.rules), Segmenter()), Segmenter()
    docs = []
    for i, (kind, title, content) in enumerate(TEXTS):
        post = Post(site=f"s-{kind}", kind=kind, url=f"http://example.cn/t/{i}", title=title,
                    content=content, thread_id=str(i), post_id=str(i), replies=i,
                    crawled_at=NOW - timedelta(days=i))  # fmt: skip
        prepare_post(post, "Asia/Shanghai", NOW)
        post.matches = matcher.match({"title": title, "content": content}, kind=kind)
        post.terms = seg.search_terms(f"{title}\n{content}")
        post.score = sum(m["severity"] * m["weight"] for m in post.matches)
        post.contributions = [{"source": "rules", "value": post.score, "reason": "test"}]
        docs.append(post.to_document())
    store = MongoStore(mongo_uri, "opinion")
    store.upsert_posts(docs)
    store.insert_alert({"_id": "post:x", "status": "pending", "title": "t", "tier": "notice"})
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    yield client["opinion"]
    client.drop_database("opinion")
    client.close()
    store.close()


_SHELL = re.compile(r"^db\.(\w+)\.(aggregate|find)\((.*?)\)((?:\.\w+\(.*?\))*)$")


def _run_shell_line(db: Database[dict[str, Any]], line: str) -> list[dict[str, Any]]:
    m = _SHELL.match(line)
    assert m, f"README mongosh example not in the tested form: {line}"
    coll, verb, args, chain = m.groups()
    parsed = json.loads(f"[{args}]")
    if verb == "aggregate":
        return list(db[coll].aggregate(parsed[0]))
    cursor = db[coll].find(*parsed)
    for name, arg in re.findall(r"\.(\w+)\((.*?)\)", chain):
        value = json.loads(arg)
        cursor = (
            cursor.sort(list(value.items())) if name == "sort" else getattr(cursor, name)(value)
        )
    return list(cursor)


def test_readme_mongosh_examples_run_on_ferretdb(db: Database[dict[str, Any]]) -> None:
    lines = [ln.strip() for block in _blocks("js") for ln in block.splitlines() if ln.strip()]
    assert len(lines) >= 4
    for line in lines:
        assert _run_shell_line(db, line), f"README example returned nothing: {line}"


def test_readme_pymongo_example_runs_on_ferretdb(
    db: Database[dict[str, Any]], mongo_uri: str
) -> None:
    (code,) = [b for b in _blocks("python") if "MongoClient" in b]
    scope: dict[str, Any] = {"uri": mongo_uri}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    assert [p["title"] for p in scope["top"]] == ["举报村干部贪污"]
    assert scope["per_day"] and all(isinstance(row["_id"], str) for row in scope["per_day"])
    assert scope["why"]["contributions"]
