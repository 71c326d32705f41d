"""``opinion search`` and ``opinion export`` on a real store: the rules' folding, the filters,
and files that open again (CSV with its BOM, xlsx through openpyxl, JSON)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from opinion_spiders.analysis.export import ALERT_COLUMNS, POST_COLUMNS, alert_row, post_row, write
from opinion_spiders.analysis.search import marked, parse_query, search
from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import PostFilter, Store
from tests._proc import ROOT, run_opinion
from tests.test_store_contract import T0, match, post

SHANGHAI = "Asia/Shanghai"


def sample_posts() -> list[dict[str, Any]]:
    hour = timedelta(hours=1)
    return [
        post("forum-a", "7", "1", title="關於拆遷補償的帖子", content="村裡的拆遷補償款被截留了",
             published_at=T0, score=12.0, matches=[match("demolition")]),
        post("forum-a", "7", "2", title="關於拆遷補償的帖子", content="同意，必须公开账目",
             floor=2, published_at=T0 + hour),
        post("news-b", "9", "1", kind="portal", title="城管 打人 事件通报",
             content="城管执法人员与摊贩发生冲突，广告位招租", published_at=T0 + 2 * hour,
             score=30.0),
        post("news-b", "10", "1", kind="portal", title="天气预报",
             content="明天晴，气温回升", published_at=T0 + 3 * hour),
    ]  # fmt: skip


def _ids(store: Store, query: str, **filters: Any) -> list[str]:
    result = search(store, parse_query(query), PostFilter(**filters), limit=10)
    return [item.post["_id"] for item in result.found]


def test_search_folds_like_rules_and_keeps_replies_off_their_thread_title(
    any_store: Store,
) -> None:
    any_store.upsert_posts(sample_posts())
    # Traditional text in the store, simplified in the query (and the other way round).
    assert _ids(any_store, "拆迁") == ["forum-a:7:1"]  # the reply carries only the title
    assert _ids(any_store, "補償") == ["forum-a:7:1"]
    assert _ids(any_store, "公开 账目") == ["forum-a:7:2"]
    assert _ids(any_store, "拆迁|城管") == ["news-b:9:1", "forum-a:7:1"]
    assert _ids(any_store, "城管 -广告") == []
    assert _ids(any_store, '"城管 打人"') == ["news-b:9:1"]
    assert _ids(any_store, "拆迁", sites=("news-b",)) == []
    assert _ids(any_store, "拆迁|城管", min_score=20.0) == ["news-b:9:1"]
    assert _ids(any_store, "拆迁|城管", rules=("demolition",)) == ["forum-a:7:1"]
    # Strict words, as rules: 管打 is no word here; --substring finds it anyway.
    assert _ids(any_store, "管打") == []
    result = search(any_store, parse_query("管打", substring=True), PostFilter(), limit=10)
    assert [i.post["_id"] for i in result.found] == ["news-b:9:1"]


def test_search_hits_point_into_the_original_text(tmp_path: Path) -> None:
    from opinion_spiders.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path)
    try:
        store.upsert_posts(sample_posts())
        (found,) = search(store, parse_query("补偿款"), PostFilter(), limit=5).found
    finally:
        store.close()
    (hit,) = found.hits
    assert found.post["content"][hit["start"] : hit["end"]] == "補償款"
    assert (
        marked(found.post["content"], [(hit["start"], hit["end"])])
        == "村裡的拆遷【補償款】被截留了"
    )


def test_search_says_when_its_scan_bound_cut_it_short(embedded_store: Store) -> None:
    embedded_store.upsert_posts(sample_posts())
    result = search(embedded_store, parse_query("拆迁"), PostFilter(), limit=5, scan=2)
    assert result.scanned == 2 and result.cut_short and not result.found


@pytest.mark.parametrize(
    ("query", "problem"),
    [("-广告", "at least one word"), ('"城管', "close every quote"), ("a|", None)],
)
def test_search_query_errors_say_what_to_fix(query: str, problem: str | None) -> None:
    if problem is None:
        assert parse_query(query) is not None  # an empty alternative is simply dropped
        return
    with pytest.raises(ConfigError, match=problem):
        parse_query(query)


def test_export_writes_csv_xlsx_json_that_open_again(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    rows = [post_row(p, ZoneInfo(SHANGHAI)) for p in sample_posts()]
    for fmt in ("csv", "xlsx", "json", "jsonl"):
        assert write(rows, POST_COLUMNS, tmp_path / f"posts.{fmt}", fmt) == 4
    with (tmp_path / "posts.csv").open(encoding="utf-8") as f:
        assert f.read(1) == "\ufeff"  # Excel reads the Chinese text as UTF-8
    with (tmp_path / "posts.csv").open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.DictReader(f))
    assert [r["title"] for r in back][:1] == ["關於拆遷補償的帖子"]
    assert back[0]["time"] == "2026-11-25T16:00:00+08:00"
    assert back[0]["rules"] == "demolition"
    sheet = load_workbook(tmp_path / "posts.xlsx", read_only=True).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == list(POST_COLUMNS)
    assert table[3][POST_COLUMNS.index("content")] == "城管执法人员与摊贩发生冲突，广告位招租"
    assert table[3][POST_COLUMNS.index("score")] == 30.0
    data = json.loads((tmp_path / "posts.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data] == [p["_id"] for p in sample_posts()]
    lines = (tmp_path / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1])["floor"] == 2


def test_export_failure_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "alerts.json"
    target.write_text("[]\n", encoding="utf-8")
    alert = {"_id": "post:x", "created_at": datetime(2026, 1, 1, tzinfo=UTC), "title": object()}
    with pytest.raises(TypeError):
        write([alert_row(alert, UTC)], ALERT_COLUMNS, target, "json")
    assert target.read_text(encoding="utf-8") == "[]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["alerts.json"]


def test_cli_search_and_export_on_the_embedded_store(tmp_path: Path) -> None:
    from opinion_spiders.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "db")
    store.upsert_posts(sample_posts())
    store.close()
    uri = ["-s", f"OPINION_STORE=embedded://{tmp_path / 'db'}"]
    done = run_opinion("search", "拆迁", *uri, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "1 posts found in 4 searched (times in Asia/Shanghai)" in done.stdout
    assert "關於【拆遷】補償的帖子" in done.stdout
    out = tmp_path / "hits.xlsx"
    done = run_opinion("export", "posts", "拆迁|城管", "--since", "2026-11-25", "-o", str(out),
                       *uri, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote 2 posts" in done.stdout
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["news-b:9:1", "forum-a:7:1"]
    bad = run_opinion("export", "posts", "-o", str(tmp_path / "x.doc"), *uri, check=False)
    assert bad.returncode != 0 and "unknown format 'doc'" in bad.stderr
    bad = run_opinion("search", "拆迁", "--since", "yesterday", *uri, check=False)
    assert bad.returncode != 0 and "use a duration like 24h" in bad.stderr


def test_report_shows_every_time_in_the_analysts_zone(embedded_store: Store) -> None:
    from zoneinfo import ZoneInfo

    from opinion_spiders.analysis.report import build_report, format_report, parse_since

    embedded_store.upsert_posts(sample_posts())
    zone = ZoneInfo("America/New_York")
    since = parse_since("2026-11-25", tz=zone)
    assert since == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    report = build_report(embedded_store, since, settings={"OPINION_TIMEZONE": "America/New_York"})
    assert report["timezone"] == "America/New_York"
    assert report["since"].utcoffset() == timedelta(hours=-5)
    top = {p["_id"]: p for p in report["top_posts"]}
    assert top["forum-a:7:1"]["published_at"].isoformat() == "2026-11-25T03:00:00.123000-05:00"
    text = format_report(report)
    assert text.splitlines()[0].endswith("(since 2026-11-25 00:00) — times in America/New_York")
    with pytest.raises(ConfigError, match="not a time zone"):
        build_report(embedded_store, settings={"OPINION_TIMEZONE": "Mars/Olympus"})


def test_search_excerpt_is_one_windowing_for_the_terminal_and_the_web() -> None:
    """``marked`` (【…】) and the web's ``highlighted`` (<mark>) cut and mark alike."""
    from opinion_spiders.analysis.search import excerpt
    from opinion_spiders.web.pages import highlighted

    text = "甲乙丙拆遷丁戊己庚<b>辛壬癸"
    spans = [(3, 5), (9, 12), (4, 6)]  # the third overlaps the first: left unmarked
    assert excerpt(text, spans).runs == [
        ("甲乙丙", False), ("拆遷", True), ("丁戊己庚", False), ("<b>", True), ("辛壬癸", False),
    ]  # fmt: skip
    assert marked(text, spans, width=2) == "…乙丙【拆遷】丁戊…"
    assert highlighted(text, spans, 2) == "…乙丙<mark>拆遷</mark>丁戊…"
    assert highlighted(text, spans) == (
        "甲乙丙<mark>拆遷</mark>丁戊己庚<mark>&lt;b&gt;</mark>辛壬癸"
    )
    assert marked(text, [], width=3) == "甲乙丙拆遷丁…"  # no hit: the start
    assert excerpt(text, [(20, 25)]).runs == [(text, False)]  # beyond the text: unmarked


def test_report_lists_the_threads_found_taken_down(embedded_store: Store) -> None:
    """A thread a revisit found gone (``posts.removed``) is in the report, with when it was
    found gone and what its page said; nothing is listed where nothing was."""
    from opinion_spiders.analysis.report import build_report, format_report

    embedded_store.upsert_posts(sample_posts())
    assert "Taken down" not in format_report(build_report(embedded_store))
    found = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    notice = "根据相关法律法规和政策，该内容未予显示。"
    embedded_store.mark_removed({"forum-a:7:1": {"at": found, "notice": notice, "url": "u"}})
    report = build_report(embedded_store, settings={"OPINION_TIMEZONE": "Asia/Shanghai"})
    (gone,) = report["removed"]
    assert (gone["_id"], gone["notice"]) == ("forum-a:7:1", notice)
    assert gone["removed_at"].isoformat() == "2026-11-26T10:00:00+08:00"
    text = format_report(report)
    assert "Taken down: 1 (threads found gone on a revisit)" in text
    assert f"— {notice}" in text
