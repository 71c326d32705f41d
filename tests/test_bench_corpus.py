"""``bench.corpus``'s report (the bench itself reads ``../shared``; its report does not)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import report


def _row(seconds: float, t_seconds: float, f1: float) -> dict[str, Any]:
    return {
        "set": "forum", "id": f"p{seconds}", "url": "https://x/t", "posts": 2, "seconds": seconds,
        "reader": "generic/thread", "precision": f1, "recall": f1, "f1": f1,
        "magic_html_f1": None, "a_precision": f1, "a_recall": f1, "a_f1": f1, "a_posts": 2,
        "a_seconds": seconds, "a_reader": "generic/thread", "t_precision": 0.5,
        "t_recall": 0.5, "t_f1": 0.5, "t_seconds": t_seconds,
    }  # fmt: skip


def test_report_sets_the_readings_time_over_a_set_against_trafilaturas() -> None:
    """The median a page hides a heavy tail; the time over the whole set is what a crawl of
    such pages spends: 0.1 + 0.5 s against 0.05 + 0.15 s is 3×."""
    text = report([_row(0.1, 0.05, 0.9), _row(0.5, 0.15, 0.7)], worst=0)
    assert "reading's time over the set against trafilatura's: 3.0× (0.6 s against 0.2 s)" in text
    assert "trafilatura" in text.splitlines()[3]


def test_corpus_variants_change_the_declaration_and_the_names_not_the_text() -> None:
    from bench.corpus_variants import declaring, opaque, opaque_names, undeclared

    page = (
        '<html><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
        '<body><div class="post main" id="p1">帖子</div><div class=\'post\'>回复</div></body>'
        "</html>"
    )
    assert declaring(page, "gbk").count("charset=gbk") == 1
    assert 'charset="gbk"' in declaring(page, "gbk") and "UTF-8" not in declaring(page, "gbk")
    assert "charset" not in undeclared(page) and "帖子" in undeclared(page)
    hashed = opaque_names(page)
    assert "post" not in hashed and "main" not in hashed and 'id="p1"' not in hashed
    assert re.search(r'id="c[a-p]{6}1"', hashed)  # the number kept, after letters only
    assert (
        opaque("loop-item-3")[-2:] == "-3"
        and opaque("loop-item-3")[:-2] == opaque("loop-item-4")[:-2]
    )
    assert opaque("windowbg2") == opaque("windowbg") + "2" and opaque("42") == "42"
    names = re.findall(r'class="([^"]*)"', hashed)
    assert len(names) == 2 and names[0].split()[0] == names[1]  # one name, one hash
    assert re.sub(r'\s(?:class|id)="[^"]*"', "", hashed) == re.sub(
        r"\s(?:class|id)=(?:\"[^\"]*\"|'[^']*')", "", page
    )


def test_corpus_variants_write_sectioning_elements_as_divs() -> None:
    from bench.corpus_variants import plain_tags

    page = (
        '<body><header class="top">站名</header><main><article id="a1"><section>正文</section>'
        '</article><aside class="side"><nav>菜单</nav></aside></main><footer>©</footer>'
        "<headline>不是</headline><p>段落</p></body>"
    )
    plain = plain_tags(page)
    assert plain == (
        '<body><div class="top">站名</div><div><div id="a1"><div>正文</div>'
        '</div><div class="side"><div>菜单</div></div></div><div>©</div>'
        "<headline>不是</headline><p>段落</p></body>"
    )


def test_corpus_variants_read_a_chinese_thread_the_same_in_every_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bench end to end on a corpus of one page written here (``../shared`` not read):
    every encoding variant of a GBK-able Chinese thread reads to the F1 of the page as given."""
    import bench.corpus as corpus
    import bench.corpus_variants as variants

    posts = [
        ("张三", "2024-05-10 10:21", "区里这次的拆迁补偿标准到底怎么算，有没有人知道具体的文件？"),
        ("李四", "2024-05-10 11:02", "文件在街道办公告栏贴过，按照评估价加百分之十，另外有搬迁奖励。"),
        ("王五", "2024-05-10 12:45", "我们小区去年就是这么算的，签约早的还能多拿一笔临时安置费。"),
    ]  # fmt: skip
    blocks = "".join(
        f'<div class="post"><div class="author">{a}</div><div class="time">{t}</div>'
        f'<div class="content">{body}</div></div>'
        for a, t, body in posts
    )
    page = (
        '<html><head><meta charset="utf-8"><title>拆迁补偿标准怎么算 - 本地论坛</title></head>'
        f'<body><h1>拆迁补偿标准怎么算</h1><div class="thread">{blocks}</div></body></html>'
    )
    (tmp_path / "forum").mkdir()
    (tmp_path / "forum" / "p1.html").write_text(page, encoding="utf-8")
    truth = {"url": "https://bbs.example.cn/thread-1-1-1.html",
             "content": "\n".join(["拆迁补偿标准怎么算", *(body for *_, body in posts)])}  # fmt: skip
    (tmp_path / "forum" / "truth.json").write_text(json.dumps({"p1": truth}), encoding="utf-8")
    monkeypatch.setattr(corpus, "CORPUS", tmp_path)
    monkeypatch.setattr(variants, "CORPUS", tmp_path)
    assert variants.main(["--set", "forum", "--variants", "encodings", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("forum ")]
    assert len(rows) == len(variants.VARIANTS["encodings"])
    given = {row[-3] for row in rows}
    assert len(given) == 1 and float(given.pop()) > 0.8, out
    assert all(row[-2] == row[-3] and row[-1] == "0" for row in rows), out
