"""``bench.memory`` on a short stream: every post goes through the pipelines and each
checkpoint reports anonymous and file-backed memory (the bench itself runs for an hour)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import memory


def test_bench_memory_reports_rss_at_each_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert memory.main(["--posts", "1000", "--every", "250", "--json", str(out)]) == 0
    report = memory.load_report(out)
    assert json.loads(out.read_text(encoding="utf-8"))["posts"] == 1000
    assert [c.posts for c in report.checkpoints] == [0, 250, 500, 750, 1000]
    assert report.stored + report.dropped == 1000 and report.errors == 0
    for point in report.checkpoints:
        assert point.memory["RssAnon"] > 0 and point.memory["RssFile"] > 0
        assert point.heap["py_blocks"] > 0 and point.heap["malloc_used"] > 0
    assert report.checkpoints[-1].store_mb > 0
    assert report.early.posts == 250  # the first checkpoint past 10 % of the run
    assert report.ratio > 0 and report.stats["opinion/store/written"] == report.stored
