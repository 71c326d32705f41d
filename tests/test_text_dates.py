"""Publication dates as Chinese sites print them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_spiders.text.dates import full_date, month_day, parse_datetime

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 5, 10, 10, 0, 0, tzinfo=SH)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-4-5 23:20:45", sh(2024, 4, 5, 23, 20, 45)),
        ("发表于 2024-4-5 23:20", sh(2024, 4, 5, 23, 20)),
        ("2024年05月10日06:58", sh(2024, 5, 10, 6, 58)),
        ("2024年5月2日 21:44", sh(2024, 5, 2, 21, 44)),
        ("2024-05-10", sh(2024, 5, 10)),
        ("2024/05/10 08:00", sh(2024, 5, 10, 8, 0)),
        ("2024-05-10, 08:15 PM", sh(2024, 5, 10, 20, 15)),  # MyBB's and vBulletin's comma
        ("05-09 12:30", sh(2024, 5, 9, 12, 30)),
        ("05-10 12:30", sh(2023, 5, 10, 12, 30)),  # later today would be the future
        ("12-31 23:00", sh(2023, 12, 31, 23, 0)),
        ("刚刚", NOW),
        ("30秒前", NOW - timedelta(seconds=30)),
        ("5分钟前", NOW - timedelta(minutes=5)),
        ("3小时前", NOW - timedelta(hours=3)),
        ("2天前", NOW - timedelta(days=2)),
        ("2 天前", NOW - timedelta(days=2)),
        ("昨天 12:30", sh(2024, 5, 9, 12, 30)),
        ("前天 08:00", sh(2024, 5, 8, 8, 0)),
        ("今天 09:15", sh(2024, 5, 10, 9, 15)),
        ("09:15", sh(2024, 5, 10, 9, 15)),
        ("18:58", sh(2024, 5, 9, 18, 58)),  # later than now: yesterday
        ("2024-05-10T05:54:20+08:00", sh(2024, 5, 10, 5, 54, 20)),
        ("2024-05-09T21:54:20Z", sh(2024, 5, 10, 5, 54, 20)),
        ("2024-05-10T00:54:20+03:00", sh(2024, 5, 10, 5, 54, 20)),
        ("1715291660000", sh(2024, 5, 10, 5, 54, 20)),
        ("1715291660", sh(2024, 5, 10, 5, 54, 20)),
        ("发布时间：2024-05-10&nbsp;08:00", sh(2024, 5, 10, 8, 0)),
        ("发表于\xa02024-5-1 8:00", sh(2024, 5, 1, 8, 0)),
        ("  发表于  2024-05-10 08:00:00  ", sh(2024, 5, 10, 8, 0, 0)),
        # 12-hour clocks: the part of the day before the time, or AM/PM after it
        ("2024-05-09 下午 3:20", sh(2024, 5, 9, 15, 20)),
        ("2024年5月9日 晚上8:05", sh(2024, 5, 9, 20, 5)),
        ("2024-05-09 凌晨 12:30", sh(2024, 5, 9, 0, 30)),
        ("2024-05-09 上午 11:59", sh(2024, 5, 9, 11, 59)),
        ("2024-05-09 中午 12:10", sh(2024, 5, 9, 12, 10)),
        ("2024-05-09 中午1:10", sh(2024, 5, 9, 13, 10)),
        # Japanese, Korean and Russian sites' datelines
        ("2024年5月9日 10時14分", sh(2024, 5, 9, 10, 14)),
        ("2024年5月9日(木) 午後3時5分", sh(2024, 5, 9, 15, 5)),
        ("5/9(木) 10:14配信", sh(2024, 5, 9, 10, 14)),
        ("2024.05.09. 오전 10:14", sh(2024, 5, 9, 10, 14)),
        ("2013-06-07 오후 3:42:10", sh(2013, 6, 7, 15, 42, 10)),
        ("9 мая 2024, 10:14", sh(2024, 5, 9, 10, 14)),
        ("1 марта 2023", sh(2023, 3, 1)),
        ("2024-05-09 07:42 AM", sh(2024, 5, 9, 7, 42)),
        ("2024-05-09 07:42 PM", sh(2024, 5, 9, 19, 42)),
        ("2024-05-09 12:05 a.m.", sh(2024, 5, 9, 0, 5)),
        ("2024-05-09 12:05 pm", sh(2024, 5, 9, 12, 5)),
        ("昨天 下午 3:20", sh(2024, 5, 9, 15, 20)),
        ("05-09 晚上 9:00", sh(2024, 5, 9, 21, 0)),
        ("上午 9:15", sh(2024, 5, 10, 9, 15)),
        ("下午 3:20", sh(2024, 5, 9, 15, 20)),  # later than now: yesterday
        ("2024-05-09 8点30", sh(2024, 5, 9, 8, 30)),
        ("2024-05-09 21:44", sh(2024, 5, 9, 21, 44)),  # a 24-hour clock is left alone
        # relative forms in words, and calendar months and years
        ("半小时前", NOW - timedelta(minutes=30)),
        ("两天前", NOW - timedelta(days=2)),
        ("十二小时前", NOW - timedelta(hours=12)),
        ("二十分钟前", NOW - timedelta(minutes=20)),
        ("3个小时前", NOW - timedelta(hours=3)),
        ("1个星期前", NOW - timedelta(days=7)),
        ("3个月前", sh(2024, 2, 10, 10, 0)),
        ("十四个月前", sh(2023, 3, 10, 10, 0)),
        ("1年前", sh(2023, 5, 10, 10, 0)),
        ("半年前", sh(2023, 11, 10, 10, 0)),
        ("半个月前", NOW - timedelta(days=15)),
        ("大前天 08:00", sh(2024, 5, 7, 8, 0)),
        # boards and feeds in English: the month by its name, or counted back
        ("on March 29, 2024, 10:35 am", sh(2024, 3, 29, 10, 35)),
        ("Quote from klwild on March 29, 2024, 10:35 pm", sh(2024, 3, 29, 22, 35)),
        ("Sat Dec 05, 2026 10:35 am", sh(2026, 12, 5, 10, 35)),
        ("May 16, 2024 at 8:16 PM", sh(2024, 5, 16, 20, 16)),
        ("Sept. 3rd, 2023", sh(2023, 9, 3)),
        ("Posted: Jan 2 2024 - 08:16", sh(2024, 1, 2, 8, 16)),
        ("29 March 2024", sh(2024, 3, 29)),
        ("12th of May, 2023 07:05", sh(2023, 5, 12, 7, 5)),
        ("Mon, 06 May 2024 08:16:00 GMT", sh(2024, 5, 6, 16, 16)),
        ("Mon, 06 May 2024 08:16:00 +0800", sh(2024, 5, 6, 8, 16)),
        ("Mon, 06 May 2024 08:16:00 -05:00", sh(2024, 5, 6, 21, 16)),
        ("May 9", sh(2024, 5, 9)),
        ("May 11 10:00", sh(2023, 5, 11, 10, 0)),  # later this year would be the future
        ("3 Dec 8:00", sh(2023, 12, 3, 8, 0)),
        ("5 minutes ago", NOW - timedelta(minutes=5)),
        ("an hour ago", NOW - timedelta(hours=1)),
        ("Updated 2 days ago", NOW - timedelta(days=2)),
        ("2h ago", NOW - timedelta(hours=2)),
        ("3 weeks ago", NOW - timedelta(days=21)),
        ("a month ago", sh(2024, 4, 10, 10, 0)),
        ("2 yrs ago", sh(2022, 5, 10, 10, 0)),
        ("just now", NOW),
        ("Yesterday at 8:16 PM", sh(2024, 5, 9, 20, 16)),
        ("Today, 09:15", sh(2024, 5, 10, 9, 15)),
        # the year last: the number that can be the month is; both can: the day first, as
        # in Hong Kong (the month first in the Americas: see below)
        ("05-16-2023, 08:16 PM", sh(2023, 5, 16, 20, 16)),
        ("16/05/2023 08:16", sh(2023, 5, 16, 8, 16)),
        ("08/05/2024 9:58 pm", sh(2024, 5, 8, 21, 58)),
        ("06.05.2023 08:16", sh(2023, 5, 6, 8, 16)),
        ("05/09/2024", sh(2024, 5, 9)),  # 5 September is still to come: the 9th of May
        # the year after the clock and its zone: Weibo's and Twitter's created_at, asctime
        ("Fri May 13 17:07:25 +0800 2022", sh(2022, 5, 13, 17, 7, 25)),
        ("Sat Dec 03 01:02:03 +0000 2022", sh(2022, 12, 3, 9, 2, 3)),
        ("Sun Jun  5 08:00:00 2022", sh(2022, 6, 5, 8, 0)),
        # a year of two digits, first (Weibo's day of an earlier year), with its clock
        ("24-5-3 17:08", sh(2024, 5, 3, 17, 8)),
        ("23-12-31 23:59 来自北京", sh(2023, 12, 31, 23, 59)),
        ("23/12/01 08:00", sh(2023, 12, 1, 8, 0)),
        # a month and day split by a dot, a clock after them (DC Inside's comments)
        ("05.08 10:31:07", sh(2024, 5, 8, 10, 31, 7)),
    ],
)
def test_parse_datetime_reads_site_formats(text: str, expected: datetime) -> None:
    result = parse_datetime(text, NOW)
    assert result == expected
    assert result is not None and result.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "未知",
        "hello",
        "2024-13-01",
        "2024-02-30 10:00",
        "25:61",
        "99999个月前",
        "下午 25:00",
        "Feb 30, 2024",
        "the decade 5 years on",
        "13/13/2023",
    ],
)
def test_parse_datetime_returns_none_when_unparseable(text: str) -> None:
    assert parse_datetime(text, NOW) is None


def test_parse_datetime_converts_now_into_the_site_zone() -> None:
    """At 2024-05-09 23:30 UTC it is already 05-10 07:30 in Shanghai."""
    now_utc = datetime(2024, 5, 9, 23, 30, tzinfo=UTC)
    result = parse_datetime("今天 07:00", now_utc)
    assert result == sh(2024, 5, 10, 7, 0)
    assert result is not None and result.tzinfo == SH


def test_parse_datetime_uses_the_given_zone() -> None:
    result = parse_datetime("2024-05-10 08:00", NOW, tz="Europe/Berlin")
    assert result == datetime(2024, 5, 10, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_parse_datetime_year_last_puts_the_month_first_in_the_americas() -> None:
    """05/08/2024 is 5 August in Hong Kong and 8 May in New York; a date still to come in the
    zone's order is read in the other."""
    new_york = ZoneInfo("America/New_York")
    now = datetime(2024, 9, 10, 10, 0, tzinfo=new_york)
    assert parse_datetime("05/08/2024", now, "America/New_York") == datetime(
        2024, 5, 8, tzinfo=new_york
    )
    assert parse_datetime("05/08/2024", sh(2024, 9, 10, 10, 0)) == sh(2024, 8, 5)
    assert parse_datetime("05/08/2024", sh(2024, 5, 10, 10, 0)) == sh(2024, 5, 8)


def test_parse_datetime_short_year_is_first_in_east_asia_and_last_elsewhere() -> None:
    """``13-05-24 17:08`` is 24 May 2013 in Shanghai, 13 May 2024 in Berlin; an order that
    gives no date yields to one that does."""
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2024, 9, 10, 10, 0, tzinfo=berlin)
    assert parse_datetime("13-05-24 17:08", NOW) == sh(2013, 5, 24, 17, 8)
    assert parse_datetime("13-05-24 17:08", now, "Europe/Berlin") == datetime(
        2024, 5, 13, 17, 8, tzinfo=berlin
    )
    assert parse_datetime("24-5-13 17:08", now, "Europe/Berlin") == datetime(
        2013, 5, 24, 17, 8, tzinfo=berlin
    )
    assert parse_datetime("05-13-24 17:08", NOW) == sh(2024, 5, 13, 17, 8)  # no 13th month


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/05/12(日) 10:14:33.12", sh(2024, 5, 12, 10, 14, 33)),  # 2ch/5ch
        ("24/05/12(日)10:14:33", sh(2024, 5, 12, 10, 14, 33)),  # Futaba
        ("2024.05.12(일) 10:14", sh(2024, 5, 12, 10, 14)),
        ("2024-05-12 (周日) 10:14", sh(2024, 5, 12, 10, 14)),
        ("Tue, 05/03/2024 - 10:14", sh(2024, 3, 5, 10, 14)),  # Drupal's default
        ("12.05.2024 - 10:14", sh(2024, 5, 12, 10, 14)),
    ],
)
def test_parse_datetime_keeps_the_clock_past_the_weekday_or_a_dash(
    text: str, expected: datetime
) -> None:
    """The day of the week in brackets or a dash between a day and its clock leaves the clock
    the day's, not a day at midnight."""
    assert parse_datetime(text, NOW) == expected


def test_parse_datetime_weekday_shown_says_which_number_is_the_month() -> None:
    """4chan's ``05/12/24(Sun)``: 12 May 2024 (a Sunday) even in Shanghai, where a year of two
    digits is first; ``04/05/2024(Fri)`` is 5 April, ``(Sat)`` 4 May, whatever the zone."""
    assert parse_datetime("05/12/24(Sun)10:14:33", NOW) == sh(2024, 5, 12, 10, 14, 33)
    assert parse_datetime("04/05/2024(Fri) 10:14", NOW) == sh(2024, 4, 5, 10, 14)
    assert parse_datetime("04/05/2024(Sat) 10:14", NOW) == sh(2024, 5, 4, 10, 14)


def test_parse_datetime_months_back_land_on_the_last_day_of_a_shorter_month() -> None:
    assert parse_datetime("3个月前", sh(2024, 5, 31, 9, 0)) == sh(2024, 2, 29, 9, 0)
    assert parse_datetime("1个月前", sh(2023, 3, 31, 9, 0)) == sh(2023, 2, 28, 9, 0)


def test_parse_datetime_month_day_leap_day_falls_back_to_a_valid_year() -> None:
    now = sh(2025, 3, 1, 12, 0)
    assert parse_datetime("02-29 10:00", now) == sh(2024, 2, 29, 10, 0)


moments = st.datetimes(
    min_value=datetime(2002, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(SH)
).map(lambda d: d.replace(microsecond=0))

NUMERIC_FORMS = [
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S"),
    lambda d: f"{d.year}-{d.month}-{d.day} {d.hour}:{d.minute:02d}:{d.second:02d}",
    lambda d: d.strftime("%Y/%m/%d %H:%M:%S"),
    lambda d: d.strftime("%Y年%m月%d日 %H:%M:%S"),
    lambda d: d.strftime("发表于 %Y-%m-%d %H:%M:%S"),
    lambda d: d.isoformat(),
    lambda d: d.astimezone(UTC).isoformat(),
    lambda d: f"{d:%y}-{d.month}-{d.day} {d:%H:%M:%S}",
    lambda d: str(int(d.timestamp())),
    lambda d: str(int(d.timestamp()) * 1000),
]


@given(moments, st.sampled_from(NUMERIC_FORMS))
def test_parse_datetime_numeric_forms_round_trip(moment: datetime, form: object) -> None:
    text = form(moment)  # type: ignore[operator]
    assert parse_datetime(text, NOW) == moment


RELATIVE_FORMS = st.one_of(
    st.just("刚刚"),
    st.builds("{}秒前".format, st.integers(0, 10**6)),
    st.builds("{}分钟前".format, st.integers(0, 10**5)),
    st.builds("{}小时前".format, st.integers(0, 10**4)),
    st.builds("{} 天前".format, st.integers(0, 3000)),
    st.builds("{}个月前".format, st.integers(0, 240)),
    st.builds("{}年前".format, st.integers(0, 20)),
    st.builds(
        "{} {}:{:02d}".format,
        st.sampled_from(["上午", "下午", "晚上", "凌晨", "中午"]),
        st.integers(1, 12),
        st.integers(0, 59),
    ),
    st.builds(
        "{} {:02d}:{:02d}".format,
        st.sampled_from(["今天", "昨天", "前天"]),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
    st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
    st.builds("{:02d}-{:02d} 12:00".format, st.integers(1, 12), st.integers(1, 28)),
    st.builds("{} minutes ago".format, st.integers(0, 10**5)),
    st.builds("{} months ago".format, st.integers(0, 240)),
    st.builds(
        "{} at {}:{:02d} {}".format,
        st.sampled_from(["Today", "Yesterday"]),
        st.integers(1, 12),
        st.integers(0, 59),
        st.sampled_from(["AM", "PM"]),
    ),
    st.builds(
        "{} {} 12:00".format,
        st.sampled_from(["Jan", "Feb", "March", "April", "May", "Jun", "July", "Sept", "Dec"]),
        st.integers(1, 28),
    ),
)


@given(st.datetimes(min_value=datetime(2002, 1, 1), timezones=st.just(SH)), RELATIVE_FORMS)
def test_parse_datetime_relative_forms_never_in_the_future(now: datetime, text: str) -> None:
    result = parse_datetime(text, now)
    assert result is not None
    assert result <= now


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("发布时间：2024年5月2日 21:44 来源：新华社", "2024年5月2日 21:44"),
        ("Quote from klwild on March 29, 2024, 10:35 am", "March 29, 2024, 10:35 am"),
        ("Posted 05/16/2024, 08:16 PM by bob", "05/16/2024, 08:16 PM"),
        ("Posted 2024-05-16, 08:16 PM by bob", "2024-05-16, 08:16 PM"),
        ("2024-05-12T08:00:00+08:00", "2024-05-12T08:00:00+08:00"),
        ("24-5-13 17:08 来自福建", "24-5-13 17:08"),
        ('"created_at": "Mon May 13 17:07:25 +0800 2024"', "May 13 17:07:25 +0800 2024"),
        ("2024/05/12(日) 10:14:33.12 ID:Xk3Pq9aB0", "2024/05/12(日) 10:14:33"),
        ("Submitted by bob on Sun, 05/12/2024 - 10:14", "05/12/2024 - 10:14"),
        ("<I>Sun May 12 10:14:33 EDT 2024</I>", "May 12 10:14:33 EDT 2024"),
        ("20240512T1014", "20240512T1014"),
        ("3分钟前", ""),
        ("May 16 10:35", ""),
        ("18:58", ""),
        ("", ""),
    ],
)
def test_full_date_is_a_date_that_gives_its_year(text: str, found: str) -> None:
    assert full_date(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("发布时间：05-20", (5, 20, "")),
        ("05-20 10:12 北京", (5, 20, "10:12")),
        ("5月20日 下午 3:20", (5, 20, "下午 3:20")),
        ("2024-05-20", None),
        ("18:58", None),
    ],
)
def test_month_day_is_a_day_without_its_year_and_its_clock(
    text: str, found: tuple[int, int, str] | None
) -> None:
    assert month_day(text) == found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun May 12 10:14:33 EDT 2024", datetime(2024, 5, 12, 14, 14, 33, tzinfo=UTC)),
        ("Sun Jan 12 10:14:33 EST 2025", datetime(2025, 1, 12, 15, 14, 33, tzinfo=UTC)),
        ("May 12, 2024, 10:14 am PDT", datetime(2024, 5, 12, 17, 14, tzinfo=UTC)),
        ("20240512T101433+0300", datetime(2024, 5, 12, 7, 14, 33, tzinfo=UTC)),
        ("20240512T1014", sh(2024, 5, 12, 10, 14)),
    ],
)
def test_parse_datetime_reads_american_zone_names_and_iso_basic_format(
    text: str, expected: datetime
) -> None:
    """A pipermail archive's ``Sun May 12 10:14:33 EDT 2024`` is in that zone, not the site's;
    RIA's ``article:published_time`` ``20240512T1014`` is ISO 8601 without separators."""
    assert parse_datetime(text, NOW) == expected


def test_month_and_day_split_by_a_dot_only_before_a_clock() -> None:
    """``05.08 10:31`` is the 8th of May at 10:31; a dot without a clock after it is a
    decimal, and one after a letter a version (``v1.5 10:30`` is a clock alone)."""
    assert month_day("05.08 10:31:07") == (5, 8, "10:31:07")
    assert month_day("3.14 is pi") is None
    assert month_day("v1.5 10:30") is None
    assert parse_datetime("v1.5 10:30", NOW) == sh(2024, 5, 9, 10, 30)  # the latest past 10:30
