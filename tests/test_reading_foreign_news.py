"""News articles of other languages' sites, written by hand in the shape those sites print
them (``tests/reading_pages/written_*``): their legacy encodings and the way they show the
time of an article."""

from __future__ import annotations

import pytest

from opinion_spiders.reading import read_page
from opinion_spiders.reading.encoding import decode_html
from opinion_spiders.runtime import Runtime
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
KO_PRESS = "written_ko_press_euckr.html"
JA_NEWS = "written_ja_local_news_sjis.html"


def test_korean_press_page_labelled_euc_kr_is_read_in_cp949() -> None:
    """A 2010s Korean press page declares ``euc-kr`` and writes 똠 (a UHC syllable EUC-KR
    lacks): read as cp949, not as GB mojibake because a strict EUC-KR decoding failed."""
    html = (REAL / KO_PRESS).read_bytes()
    reading, decoded = read_page(
        html, "http://www.busanmaeil.co.kr/news/view.php?idx=48211", RUNTIME
    )
    assert (decoded.codec, decoded.corrected) == ("cp949", False)
    (post,) = reading.parsed.posts
    assert post.title == "부산 해운대 모래축제 개막…똠양꿍 푸드트럭도 등장"
    assert "태국의 똠양꿍, 베트남 쌀국수" in post.content
    assert post.author == "박정훈 기자"
    assert post.published_at is not None
    assert post.published_at.strftime("%Y-%m-%d %H:%M") == "2013-06-07 15:42"  # 오후 3:42:10


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"charset=euc-kr", b"charset=ks_c_5601-1987"),  # the label Korean Windows servers give
        (b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr" />', b""),
    ],
)
def test_korean_page_by_its_other_labels_or_none_is_read_in_cp949(old: bytes, new: bytes) -> None:
    html = (REAL / KO_PRESS).read_bytes().replace(old, new).replace(b"<html ", b'<html lang="ko" ')
    decoded = decode_html(html)
    assert decoded.codec == "cp949"
    assert "똠양꿍 푸드트럭도 등장" in decoded.text


def test_japanese_page_labelled_shift_jis_is_read_in_cp932() -> None:
    """A Japanese local paper's page declares ``Shift_JIS`` and writes ①, ㈱ (cp932's NEC
    rows): read as cp932, its declaration honoured rather than corrected."""
    html = (REAL / JA_NEWS).read_bytes()
    decoded = decode_html(html)
    assert (decoded.codec, decoded.corrected) == ("cp932", False)
    assert "手摘みは①一芯二葉を選ぶ②爪を立てずに折り取る" in decoded.text
    assert "茶園を営む㈱北遠製茶によると" in decoded.text


def test_japanese_dateline_in_hours_and_minutes_gives_the_clock() -> None:
    """``（2024年5月12日 10時14分）`` under the headline: the clock in 時 and 分 is read, not
    the day alone at midnight."""
    html = (REAL / JA_NEWS).read_bytes()
    url = "http://www.shizuoka-nichinichi.example.jp/news/local/20240512_03.html"
    reading, _ = read_page(html, url, RUNTIME)
    (post,) = reading.parsed.posts
    assert post.title == "浜松市の茶園で一番茶の手摘み始まる 今年は生育順調"
    assert post.published_at is not None
    assert post.published_at.strftime("%Y-%m-%d %H:%M") == "2024-05-12 10:14"


def test_teasers_dates_in_a_sidebar_list_do_not_date_the_article() -> None:
    """A Taiwanese agency's story in Big5: its time in ``div.updatetime`` (a class no info
    block is known by) and in its microdata; the 熱門新聞 sidebar lists other stories, each a
    link with a ``span.date`` beside it — that date is the teaser's, not the article's."""
    html = (REAL / "written_cna_big5.html").read_bytes()
    reading, decoded = read_page(
        html, "https://www.cna.com.tw/news/ahel/202405120056.aspx", RUNTIME
    )
    assert decoded.codec == "big5hkscs"
    (post,) = reading.parsed.posts
    assert post.title == "颱風艾維尼外圍環流影響 北部山區防豪雨"
    assert post.content.startswith("（中央社記者陳怡君台北12日電）中央氣象署表示")
    assert post.published_at is not None
    assert post.published_at.strftime("%Y-%m-%d %H:%M") == "2024-05-12 10:14"
