"""Page decoding: real saved pages (declared-GB2312-but-UTF-8, real GBK, undeclared) and pages
built here the way misconfigured sites serve them — Big5 under a GBK declaration, GBK under a
wrong ``charset=utf-8`` header, cp1252 under ``utf-8`` — with the codec used, whether the
declared charset was corrected and whether the decoder is sure."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from opinion_spiders.reading import encoding
from opinion_spiders.reading.encoding import (
    Decoded,
    content_type_charset,
    decode_html,
    normalise_charset,
)
from opinion_spiders.stores import open_store
from tests._proc import run_opinion
from tests.receivers import serve

PAGES = Path(__file__).parent / "pages"  # fixture folders of real pages, each with its source
REAL = [PAGES / name for name in (
    "portal/news_people_finance_2024_gb2312decl/page.html",
    "portal/news_qq_2019_gb2312decl/page.html",
    "discuz/x32_forumindex_chinaunix_gbk/page.html",
    "discuz/x32_message_loginok_chinaunix_gbk/page.html",
    "portal/home_autohome_gb2312_bytes/page.html",
    "portal/news_163_dy_2024/page.html",
)]  # fmt: skip

NEWS_TW = (
    "臺北市政府今日召開記者會，說明颱風過後的災情與復原進度。市長表示，各區公所已經開始清理"
    "街道，並且協助受災戶申請補助。民眾如有需要，可以撥打一九九九市民熱線查詢。"
)
NEWS_CN = (
    "村干部不作为，群众反映强烈。记者昨日走访了临江市几个乡镇，发现部分道路年久失修，村民出行"
    "十分不便。镇政府表示将尽快安排资金修缮，并公开账目接受监督。"
)
# Ordinary text with rare but real characters: names, place names, internet slang.
NEWS_CN_RARE = (
    "朱镕基当年视察亳州时说过的话，至今仍被村民记得。王喆、李堃、张赟三位村干部表示，浉河区"
    "和濉溪县的砼路面年底完工，‘囧’字招牌已经撤下。郏县、鄄城的网友在贴吧留言称赞。"
)
WESTERN = (
    "Le café de la gare était fermé. Les élèves ont dû attendre à l'extérieur, sous la pluie "
    "glacée. « Ça suffit ! » a déclaré le maître d'hôtel. Über die Straße — schöne Grüße aus "
    "München, sagte der Bürgermeister."
)


def _page(body: str, meta: str | None = None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<!DOCTYPE html><html><head>{head}<title>news</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("name", "header", "codec", "corrected", "expect_text"),
    [
        (
            "portal/news_people_finance_2024_gb2312decl/page.html",
            None,
            "utf-8",
            True,
            "在新时代中部地区崛起中争先出彩",
        ),
        ("portal/news_qq_2019_gb2312decl/page.html", "gb2312", "utf-8", True, "数据业大整顿"),
        (
            "discuz/x32_forumindex_chinaunix_gbk/page.html",
            None,
            "gb18030",
            False,
            "论坛-ChinaUnix.net",
        ),
        (
            "discuz/x32_message_loginok_chinaunix_gbk/page.html",
            "utf-8",
            "gb18030",
            False,
            "提示信息",
        ),
        (
            "portal/home_autohome_gb2312_bytes/page.html",
            "utf-8",
            "gb18030",
            False,
            "汽车之家_看车买车用车",
        ),
        ("portal/news_163_dy_2024/page.html", None, "utf-8", False, "资源占用费"),
    ],
)
def test_decode_html_real_pages(
    name: str, header: str | None, codec: str, corrected: bool, expect_text: str
) -> None:
    """Real pages: UTF-8 wins over a GB2312 declaration (a correction), GBK stays gb18030."""
    decoded = decode_html((PAGES / name).read_bytes(), header)
    assert (decoded.codec, decoded.corrected, decoded.confident) == (codec, corrected, True)
    assert expect_text in decoded.text
    assert "\ufffd" not in decoded.text


def test_decode_html_site_override_wins() -> None:
    body = "繁體與简体：临江市".encode("gb18030")
    decoded = decode_html(body, "utf-8", override="gbk")
    assert decoded == Decoded("繁體與简体：临江市", "gb18030", "utf-8", False, True)


def test_normalise_charset_gb_family_reads_as_gb18030() -> None:
    for name in ("GB2312", "gbk", "x-gbk", '"gb18030"'):
        assert normalise_charset(name) == "gb18030"
    assert normalise_charset("ISO-8859-1") == normalise_charset("us-ascii") == "cp1252"
    assert normalise_charset("no-such-charset") is None


def test_content_type_charset_reads_any_spelling() -> None:
    assert content_type_charset(b"text/html; Charset=GBK") == "GBK"
    assert content_type_charset('text/html;charset="utf-8"; x=1') == "utf-8"
    assert content_type_charset("text/html") is None and content_type_charset(None) is None


def test_decode_html_big5_declared_gbk_is_corrected() -> None:
    page = _page(NEWS_TW, meta="gbk")
    decoded = decode_html(page.encode("big5"), "gbk")
    assert decoded == Decoded(page, "big5hkscs", "gb18030", corrected=True, confident=True)


def test_decode_html_real_article_as_big5_under_its_gb2312_meta() -> None:
    """A real article (people.com.cn) in traditional script, Big5 bytes, its GB2312 meta kept."""
    real = (
        (PAGES / "portal/news_people_finance_2024_gb2312decl/page.html")
        .read_bytes()
        .decode("utf-8")
    )
    big5 = OpenCC("s2t").convert(real).encode("big5", errors="xmlcharrefreplace")
    decoded = decode_html(big5)
    assert (decoded.codec, decoded.declared, decoded.corrected) == ("big5hkscs", "gb18030", True)
    assert decoded.confident and decoded.text == big5.decode("big5")
    assert "在新時代中部地區崛起中爭先出彩" in decoded.text


def test_decode_html_gbk_declared_big5_is_corrected() -> None:
    page = _page(NEWS_CN, meta="big5")
    decoded = decode_html(page.encode("gbk"))
    assert (decoded.text, decoded.codec, decoded.corrected) == (page, "gb18030", True)


@pytest.mark.parametrize("meta", ["big5", None])
def test_decode_html_taiwanese_big5_with_the_euro_and_kana_it_adds(meta: str | None) -> None:
    """Taiwan's Big5 (Microsoft's cp950) writes € and a few kana at codes Big5-HKSCS lacks:
    a page that quotes a price in euros, or a shop's name in kana, is Big5 all the same,
    declared or not — not GB mojibake."""
    text = f"{NEWS_TW}歐洲團費每人約€3,200起。店名是「はにほ」。"
    page = _page(text, meta=meta)
    body = page.encode("cp950")
    assert b"\xa3\xe1" in body and b"\xc6\xdf" in body  # € and ほ where HKSCS has nothing
    decoded = decode_html(body)
    assert (decoded.text, decoded.codec, decoded.corrected) == (page, "big5hkscs", False)


def test_decode_html_gbk_with_wrong_utf8_header() -> None:
    """A server's ``charset=utf-8`` does not beat the page's correct meta; without a meta the
    header is corrected; an Apache-default Latin-1 header is corrected too."""
    with_meta = _page(NEWS_CN, meta="gbk")
    decoded = decode_html(with_meta.encode("gbk"), "utf-8")
    assert decoded == Decoded(with_meta, "gb18030", "gb18030", corrected=False, confident=True)

    bare = _page(NEWS_CN)
    for header, declared in (("utf-8", "utf-8"), ("ISO-8859-1", "cp1252")):
        decoded = decode_html(bare.encode("gbk"), header)
        assert decoded == Decoded(bare, "gb18030", declared, corrected=True, confident=True)

    traditional = _page(NEWS_TW, meta="big5")
    assert decode_html(traditional.encode("big5"), "utf-8").text == traditional


def test_decode_html_cp1252_declared_utf8_is_corrected() -> None:
    page = _page(WESTERN, meta="utf-8")
    for header in (None, "utf-8"):
        decoded = decode_html(page.encode("cp1252"), header)
        assert decoded == Decoded(page, "cp1252", "utf-8", corrected=True, confident=True)


def test_decode_html_utf8_declared_gb2312_is_corrected() -> None:
    page = _page(NEWS_CN, meta="gb2312")
    decoded = decode_html(page.encode("utf-8"), "gb2312")
    assert decoded == Decoded(page, "utf-8", "gb18030", corrected=True, confident=True)


@pytest.mark.parametrize(
    "text",
    [
        NEWS_CN_RARE,
        NEWS_CN + "引用原文：「繁體字與简体字並存」。" + NEWS_CN_RARE,
        NEWS_CN + "𠮷野家的招牌写着😀，" + NEWS_CN,  # beyond GBK: 4-byte gb18030
    ],
)
def test_decode_html_gbk_with_rare_characters_is_not_corrected(text: str) -> None:
    page = _page(text, meta="gbk")
    decoded = decode_html(page.encode("gb18030"))
    assert decoded == Decoded(page, "gb18030", "gb18030", corrected=False, confident=True)


def test_decode_html_dense_rare_characters_are_never_miscorrected() -> None:
    """A page about rare characters may look odd, but no other codec reads it better."""
    page = _page("生僻字大全：龘靐齉爩、䶮𪚥、囧槑犇、砼氹嘦。" * 3, meta="gbk")
    decoded = decode_html(page.encode("gb18030"))
    assert (decoded.text, decoded.codec, decoded.corrected) == (page, "gb18030", False)


def test_decode_html_short_pages() -> None:
    """Short pages decode plainly when nothing is wrong and say when the evidence is thin."""
    for text, codec in (("新闻", "gbk"), ("村干部", "gb2312")):
        page = _page(text, meta=codec)
        assert decode_html(page.encode(codec)) == Decoded(page, "gb18030", "gb18030")
    ascii_page = _page("Notice", meta="gbk")
    assert decode_html(ascii_page.encode()) == Decoded(ascii_page, "utf-8", "gb18030")

    big5 = decode_html(_page("新聞", meta="gbk").encode("big5"))
    assert not big5.confident
    cafe = decode_html(_page("Café", meta="utf-8").encode("cp1252"))
    assert cafe.corrected and not cafe.confident


def test_decode_html_utf8_with_a_broken_byte_stays_utf8() -> None:
    """One stray Latin-1 byte in a UTF-8 page loses one character, not the whole page."""
    page = _page(NEWS_CN + " café " + NEWS_CN, meta="utf-8")
    body = page.encode("utf-8").replace("é".encode(), b"\xe9")
    decoded = decode_html(body)
    assert (decoded.codec, decoded.corrected, decoded.confident) == ("utf-8", False, False)
    assert decoded.text == page.replace("é", "\ufffd")


def test_decode_html_ordinary_pages_never_ask_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path: valid UTF-8 and ordinary GB text are settled without charset-normalizer."""

    def detector_called(body: bytes) -> list[str]:
        raise AssertionError("the detector ran on an ordinary page")

    monkeypatch.setattr(encoding, "_detected_codecs", detector_called)
    for path in REAL:
        assert decode_html(path.read_bytes()).confident
    assert decode_html(_page(NEWS_CN_RARE, meta="gbk").encode("gbk")).codec == "gb18030"


_GB = encoding._pairs("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF)) + "，。：、“”"


@settings(max_examples=80, deadline=None)
@given(
    text=st.text(alphabet=_GB, min_size=1, max_size=400), header=st.sampled_from([None, "utf-8"])
)
def test_decode_html_any_gb_text_stays_gb18030(text: str, header: str | None) -> None:
    """Any run of GB2312 hanzi, however unlike prose, under a GBK meta is read as declared —
    or, when a few of them happen to be valid UTF-8 too, the decoder says it is unsure."""
    page = _page(text, meta="gbk")
    decoded = decode_html(page.encode("gbk"), header)
    if decoded.codec == "utf-8":
        assert len(text) < encoding.MIN_EVIDENCE and not decoded.confident
    else:
        assert decoded == Decoded(page, "gb18030", "gb18030")


class Big5Proxy:
    """The demo forum as a misconfigured Big5 site serves it: its GBK pages re-encoded as Big5
    (characters Big5 lacks as numeric references), still declared GBK in meta and header."""

    def __init__(self, upstream: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                try:
                    with urllib.request.urlopen(upstream + self.path, timeout=30) as answer:
                        status, body = answer.status, answer.read()
                        content_type = answer.headers.get("Content-Type", "")
                except urllib.error.HTTPError as exc:
                    status, body = exc.code, exc.read()
                    content_type = exc.headers.get("Content-Type", "")
                if "gbk" in content_type:
                    body = body.decode("gbk").encode("big5", errors="xmlcharrefreplace")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.url = serve(Handler)


@pytest.fixture
def big5_forum(demo_url: str) -> Iterator[Big5Proxy]:
    proxy = Big5Proxy(demo_url)
    yield proxy
    proxy.httpd.shutdown()
    proxy.httpd.server_close()


def test_crawl_big5_site_declared_gbk_is_read_counted_and_warned_once(
    demo_url: str, big5_forum: Big5Proxy, tmp_path: Path
) -> None:
    """Through `opinion crawl`: the Big5 copy of the demo forum yields the same posts as the
    forum itself, every page counts as corrected, and the operator is warned once."""
    sites = tmp_path / "sites.toml"
    sites.write_text(
        "".join(
            f'[sites.{name}]\nkind = "forum"\nengine = "discuz"\n'
            f'start_urls = ["{base}/forum/forum.php"]\nmax_listing_pages = 1\n\n'
            for name, base in (("gbk-forum", demo_url), ("big5-forum", big5_forum.url))
        ),
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    proc = run_opinion(
        "crawl", "gbk-forum", "big5-forum", "-s", f"OPINION_SITES_FILES={sites}",
        env={"OPINION_STORE": uri}, timeout=300,
    )  # fmt: skip
    store = open_store(uri)
    try:
        posts = store.find_posts(sort="time", limit=10_000)
        runs = {r["site"]: r["stats"] for r in store.find_runs(limit=10)}
    finally:
        store.close()

    def contents(site: str) -> list[tuple[str, str, str]]:
        return sorted(
            (urlsplit(p["url"]).path, p["title"], p["content"]) for p in posts if p["site"] == site
        )

    assert contents("gbk-forum") and contents("big5-forum") == contents("gbk-forum")
    big5, gbk = runs["big5-forum"], runs["gbk-forum"]
    assert big5["opinion/encoding/corrected"] == big5["opinion/pages"] > 1
    assert "opinion/encoding/unsure" not in big5
    assert not any(key.startswith("opinion/encoding/") for key in gbk)
    warnings = re.findall(r"site big5-forum: \S+ declares gb18030, read as big5", proc.stderr)
    assert len(warnings) == 1, proc.stderr[-3000:]


#: Hong Kong forum text in Cantonese: 佢哋, 啲, 嘅, 咗, 嚟 are in Big5-HKSCS, not in Big5.
HK_FORUM = (
    "政府話三年內將公屋輪候時間縮短到四年半，佢哋講咗好多年喇，啲人都唔信。"
    "我覺得簡約公屋建得快應該有幫助，不過地點太偏，返工唔方便，嘅確係咁。"
    "有冇人知道第一批幾時入伙？聽講下年先嚟得切。"
)


@pytest.mark.parametrize("meta", ["big5", "big5-hkscs", None])
def test_decode_html_hong_kong_cantonese_in_big5_hkscs(meta: str | None) -> None:
    """A Hong Kong page declares ``big5`` (or nothing) and writes Cantonese in HKSCS: read as
    big5hkscs, not "corrected" to gb18030 mojibake because Big5 cannot decode 哋."""
    page = _page(HK_FORUM, meta=meta)
    body = page.encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        body.decode("big5")
    decoded = decode_html(body)
    assert (decoded.text, decoded.codec, decoded.corrected) == (page, "big5hkscs", False)
    assert decoded.confident


@pytest.mark.parametrize(
    ("lang", "text", "codec"),
    [
        (
            '<html lang="ko">',
            "서울시는 오늘 대중교통 요금 인상안을 발표했다. 시민들의 반응은 엇갈렸다.",
            "cp949",
        ),
        (
            '<html lang="ja">',
            "東京都は本日、公共交通の運賃値上げ案を発表した。市民の反応は分かれた。",
            "euc_jp",
        ),
        (
            '<html lang="pl">',
            "Ratusz ogłosił dziś podwyżkę cen biletów. Reakcja mieszkańców jest mieszana.",
            "cp1250",
        ),
        (
            '<html><head><meta http-equiv="Content-Language" content="ko">',
            "서울시는 오늘 요금 인상안을 발표했다.",
            "cp949",
        ),
    ],
)
def test_decode_html_undeclared_legacy_page_read_in_its_languages_codec(
    lang: str, text: str, codec: str
) -> None:
    """A page that declares no charset but says its language is read in that language's
    legacy codec: EUC-KR Korean and EUC-JP Japanese read as plausible GB text, Polish as
    plausible Latin-1, so gb18030 and the detector's cp1252 came first before."""
    page = f"{lang}<head><title>t</title></head><body><p>{text}</p></body></html>"
    decoded = decode_html(page.encode(codec))
    assert (decoded.text, decoded.codec) == (page, codec)


@pytest.mark.parametrize("lang", ["ko", "ja", "pl"])
def test_decode_html_a_wrong_language_tag_does_not_unread_a_gbk_page(lang: str) -> None:
    """A Chinese page whose CMS says another language (``lang="ko"``) stays GB text: a
    language's codec is believed only where the text is in its script."""
    page = f'<html lang="{lang}"><head><title>t</title></head><body><p>{NEWS_CN}</p></body></html>'
    decoded = decode_html(page.encode("gbk"))
    assert (decoded.text, decoded.codec) == (page, "gb18030")
