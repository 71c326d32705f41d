"""Engine functions without Scrapy: sites, post preparation, dedup, alerts, report helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opinion_spiders.alerting import alert_for, tier_for
from opinion_spiders.analysis.report import parse_since
from opinion_spiders.core.dedup import Deduplicator
from opinion_spiders.core.posts import InvalidPost, prepare_post
from opinion_spiders.errors import ConfigError
from opinion_spiders.items import Post
from opinion_spiders.sites import check_unique, load_sites_file

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def _sites(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sites_file_loads_and_substitutes_demo(tmp_path: Path) -> None:
    path = _sites(tmp_path, '[sites.a]\nkind="forum"\nengine="discuz"\nstart_urls=["{demo}/f"]\n')
    (site,) = load_sites_file(path, {"demo": "http://127.0.0.1:9"})
    assert site.start_urls == ("http://127.0.0.1:9/f",) and site.timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("body", "where", "fix"),
    [
        ('[sites.a]\nkind="blog"\nengine="x"\nstart_urls=["http://a"]', "[sites.a] kind", "forum"),
        ('[sites.a]\nkind="forum"\nstart_urls=["http://a"]', "[sites.a] engine", "name an engine"),
        ('[sites.a]\nkind="forum"\nengine="x"\nstart_urls=[]', "[sites.a] start_urls", "non-empty"),
        ('[sites.a]\nkind="forum"\nengine="x"\nstart_urls=["ftp://a"]', "start_urls", "http(s)"),
        (
            '[sites.a]\nkind="forum"\nengine="x"\nstart_urls=["http://a"]\ncolour=1',
            "[sites.a]",
            "unknown key",
        ),
        (
            '[sites.a]\nkind="forum"\nengine="x"\nstart_urls=["http://a"]\ntimezone="Mars/Base"',
            "timezone",
            "unknown time zone",
        ),
        ('[sites.a\nkind="forum"', "", "not valid TOML"),
    ],
)
def test_sites_file_errors_name_file_place_and_fix(
    tmp_path: Path, body: str, where: str, fix: str
) -> None:
    path = _sites(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        load_sites_file(path)
    message = str(err.value)
    assert message.startswith(str(path)) and where in message and fix in message


def test_sites_duplicate_names_rejected(tmp_path: Path) -> None:
    path = _sites(tmp_path, '[sites.a]\nkind="forum"\nengine="x"\nstart_urls=["http://a"]\n')
    sites = load_sites_file(path) * 2
    with pytest.raises(ConfigError, match="already declared"):
        check_unique(sites)


def _post(**kw: object) -> Post:
    base: dict[str, object] = {
        "site": "s", "kind": "forum", "url": "http://bbs.example.cn/t?tid=1&utm_source=x#pid9",
        "title": " 标题 ", "content": "内容\u200b 很长很长很长很长很长很长", "thread_id": "1",
        "post_id": "9", "published_text": "3分钟前", "crawled_at": NOW,
    }  # fmt: skip
    base.update(kw)
    return Post(**base)  # type: ignore[arg-type]


def test_prepare_post_resolves_relative_time_id_and_day() -> None:
    post = prepare_post(_post(), "Asia/Shanghai", NOW)
    assert post.published_at == NOW - timedelta(minutes=3)
    assert post.published_at.utcoffset() == timedelta(hours=8)
    assert post.id == "s:1:9" and post.day == "2026-11-25" and post.time == post.published_at
    assert post.canonical_url == "http://bbs.example.cn/t?tid=1"
    assert post.title == "标题" and "\u200b" not in post.content and len(post.content_hash) == 40


def test_prepare_post_rejects_empty_and_bad_url() -> None:
    with pytest.raises(InvalidPost) as err:
        prepare_post(_post(title="", content=" "), "Asia/Shanghai", NOW)
    assert err.value.reason == "empty"
    with pytest.raises(InvalidPost) as err:
        prepare_post(_post(url="javascript:void(0)"), "Asia/Shanghai", NOW)
    assert err.value.reason == "bad_url"


def test_prepare_post_future_time_is_dropped_not_stored() -> None:
    post = prepare_post(_post(published_text="2027-01-01 10:00"), "Asia/Shanghai", NOW)
    assert post.published_at is None and post.time == NOW


def test_dedup_same_id_and_same_text_on_one_site() -> None:
    dedup = Deduplicator()
    a = prepare_post(_post(), "Asia/Shanghai", NOW)
    b = prepare_post(_post(post_id="10"), "Asia/Shanghai", NOW)
    art = {"post_id": None, "thread_id": None}
    e = prepare_post(_post(**art, url="http://news.example.cn/a/1.html"), "Asia/Shanghai", NOW)
    f = prepare_post(_post(**art, url="http://m.news.example.cn/a/1.html"), "Asia/Shanghai", NOW)
    g = prepare_post(
        _post(**art, url="http://other.example.cn/1", site="other"), "Asia/Shanghai", NOW
    )
    h = prepare_post(
        _post(**art, url="http://news.example.cn/b/9", author="别人"), "Asia/Shanghai", NOW
    )
    assert dedup.duplicate_reason(a) is None
    assert dedup.duplicate_reason(a) == "id"
    assert dedup.duplicate_reason(b) is None  # its own floor, though the text is equal
    assert dedup.duplicate_reason(e) is None
    assert dedup.duplicate_reason(f) == "content"  # one article under a second URL
    assert dedup.duplicate_reason(g) is None  # a repost elsewhere is evidence of spread
    assert dedup.duplicate_reason(h) is None  # so is the same text from another author


def test_dedup_remembers_only_its_window() -> None:
    """The oldest id leaves first: a long run does not grow by a key per post."""
    dedup = Deduplicator(window=2)
    a, b, c = (prepare_post(_post(post_id=n), "Asia/Shanghai", NOW) for n in ("1", "2", "3"))
    assert [dedup.duplicate_reason(p) for p in (a, b, c)] == [None, None, None]
    assert dedup.duplicate_reason(c) == "id" and dedup.duplicate_reason(b) == "id"
    assert dedup.duplicate_reason(a) is None  # forgotten: the store writes it in place


def test_alert_for_threshold_tier_and_stable_id() -> None:
    post = {
        "_id": "s:1:9",
        "score": 60.0,
        "matches": [{"rule": "land", "hits": [{"term": "强拆"}]}],
    }
    alert = alert_for(post, 25.0, NOW)
    assert alert is not None
    assert (
        alert["_id"] == "post:s:1:9" and alert["tier"] == "warning" and alert["terms"] == ["强拆"]
    )
    assert alert_for({**post, "score": 24.9}, 25.0, NOW) is None
    assert alert_for(post, 0, NOW) is None
    assert [tier_for(s, 10) for s in (10, 25, 40)] == ["notice", "warning", "urgent"]


def test_parse_since_durations_and_errors() -> None:
    assert parse_since("24h", NOW) == NOW - timedelta(hours=24)
    assert parse_since("7d", NOW) == NOW - timedelta(days=7)
    assert parse_since(None) is None
    with pytest.raises(ValueError, match="duration like 24h"):
        parse_since("yesterday-ish", NOW)


def test_match_fields_title_only_for_opening_post() -> None:
    from opinion_spiders.core.posts import match_fields

    assert "title" in match_fields(_post(floor=1)) and "title" in match_fields(_post(floor=None))
    assert set(match_fields(_post(floor=2))) == {"content", "author"}
