"""Page decoding on real saved pages: declared-GB2312-but-UTF-8, real GBK, undeclared, and a
wrong HTTP charset header."""

from __future__ import annotations

from pathlib import Path

import pytest

from opinion_spiders.encoding import decode_html, normalise_charset
from tests._proc import ROOT

PAGES = ROOT / "tests" / "pages"  # fixture folders: <engine>/<case>/page.html


def _page(name: str) -> bytes:
    path = PAGES / name
    assert path.exists(), f"missing fixture {path}"
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "header", "expect_codec", "expect_text"),
    [
        (
            "portal/news_people_finance_2024_gb2312decl/page.html",
            None,
            "utf-8",
            "在新时代中部地区崛起中争先出彩",
        ),
        ("portal/news_qq_2019_gb2312decl/page.html", "gb2312", "utf-8", "数据业大整顿"),
        ("discuz/x32_forumindex_chinaunix_gbk/page.html", None, "gb18030", "论坛-ChinaUnix.net"),
        ("discuz/x32_message_loginok_chinaunix_gbk/page.html", "utf-8", "gb18030", "提示信息"),
        (
            "portal/home_autohome_gb2312_bytes/page.html",
            "utf-8",
            "gb18030",
            "汽车之家_看车买车用车",
        ),
        ("portal/news_163_dy_2024/page.html", None, "utf-8", "资源占用费"),
    ],
)
def test_decode_html_real_pages(
    name: str, header: str | None, expect_codec: str, expect_text: str
) -> None:
    text, codec = decode_html(_page(name), header)
    assert codec == expect_codec
    assert expect_text in text
    assert "\ufffd" not in text[:20000]


def test_decode_html_site_override_wins() -> None:
    body = "繁體與简体：临江市".encode("gb18030")
    assert decode_html(body, "utf-8", override="gbk") == ("繁體與简体：临江市", "gb18030")


def test_normalise_charset_gb_family_reads_as_gb18030() -> None:
    for name in ("GB2312", "gbk", "x-gbk", '"gb18030"'):
        assert normalise_charset(name) == "gb18030"
    assert normalise_charset("no-such-charset") is None


def test_decode_html_gbk_bytes_with_wrong_meta(tmp_path: Path) -> None:
    body = '<meta charset="utf-8"><p>村干部不作为，群众反映强烈</p>'.encode("gbk")
    text, codec = decode_html(body, None)
    assert codec == "gb18030" and "村干部不作为" in text
