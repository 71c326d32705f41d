"""The article reader's body and headline: what the extractor drops that is the article's —
a government notice's attachments, pictures' captions, a news page's standfirst — put back
without the boilerplate around it, and a government page's headline where its ``<title>``
is only the organisation's name."""

from __future__ import annotations

from opinion_spiders.items import Post
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})


def _article(name: str, url: str) -> Post:
    reading, _ = read_page((REAL / name).read_bytes(), url, RUNTIME, role="article")
    assert (reading.reader, reading.kind) == ("portal", "article")
    (post,) = reading.parsed.posts
    return post


def test_portal_gov_notice_keeps_its_attachments_and_its_headline() -> None:
    """附件 lines that are mostly a link stay in the notice, in place; the download box
    under it does not; the headline is ``div.detail_title``, not the ``<title>`` (the
    bureau's name) nor the sidebar's column title."""
    post = _article(
        "written_gov_notice_attachments.html",
        "http://sthjj.songchuan.gov.cn/tzgg/2024/06/0603_888.html",
    )
    assert post.title == "关于开展2024年度排污单位自行监测质量抽查的通知"
    lines = post.content.split("\n")
    at = lines.index("附件：1.2024年度自行监测质量抽查名单")
    assert lines[at - 1].startswith("联系人：马工")
    assert lines[at + 1 : at + 3] == ["2.自行监测质量抽查工作要求", "松川市生态环境局"]
    assert lines[-1] == "2024年6月3日"
    assert "附件下载" not in post.content and ".xlsx" not in post.content
    assert post.published_text == "2024-06-03"


def test_portal_body_keeps_captions_beside_pictures() -> None:
    """Sina's ``span.img_descr`` stays where the picture is; related news and the keyword and
    share rows stay out."""
    post = _article(
        "written_news_photo_captions.html",
        "https://news.sina.com.cn/c/2024-06-05/doc-inbxrivr5678901.shtml",
    )
    lines = post.content.split("\n")
    assert lines[1] == "6月4日，市民在新建成的沿江步道上散步。城市晨报记者 何清川 摄"
    assert lines[2].startswith("据介绍")
    assert not any(word in post.content for word in ("相关新闻", "城市绿道网络", "关键词", "反馈"))


def test_portal_body_keeps_an_english_standfirst_and_figcaption() -> None:
    """The standfirst (``p.article-summary``) above the body and the ``figcaption`` in it are
    the article's; the share rows, related stories and "Read more" are not."""
    post = _article(
        "written_news_standfirst_captions.html",
        "https://www.coastlineherald.example.com/news/2024/jun/04/harbour-floating-solar-farm",
    )
    lines = post.content.split("\n")
    assert lines[0].startswith("Ten thousand panels on a disused dock basin")
    assert lines[1].startswith("The city's port authority switched on")
    caption = lines.index(
        "Panels on the former ferry basin, which had been empty for fifteen years."
        " Photograph: Tomas Berg"
    )
    assert lines[caption - 1].startswith("The installation") and lines[caption + 1].startswith(
        "Engineers said"
    )
    for boilerplate in ("Share on", "Related stories", "Read more", "Offshore wind"):
        assert boilerplate not in post.content


def test_portal_body_keeps_a_poem_split_by_line_breaks() -> None:
    """A 古诗文 page's poem (``div.contson``, its lines set apart by ``<br>``, beside the poet's
    and dynasty's links) is the page's first text, over its translation; the poet signs it."""
    post = _article(
        "written_gushiwen_poem.html", "https://www.gushiwen.cn/shiwenv_c90ff9ea5a71.aspx"
    )
    lines = post.content.split("\n")
    assert lines[:5] == [
        "空山新雨后，天气晚来秋。", "明月松间照，清泉石上流。", "竹喧归浣女，莲动下渔舟。",
        "随意春芳歇，王孙自可留。", "译文",
    ]  # fmt: skip
    assert post.author == "王维"
    assert "猜您喜欢" not in post.content and "鸟鸣涧" not in post.content


def test_portal_body_keeps_a_short_poem_under_a_dynasty_and_author_line() -> None:
    """诗词名句网's shape: ``朝代：唐代　作者：王之涣`` under the title, a two-line poem, then the
    translation's card; the poet is the author, the hot poems beside it stay out."""
    post = _article(
        "written_shicimingju_poem.html", "https://www.shicimingju.com/chaxun/list/3498.html"
    )
    lines = post.content.split("\n")
    assert lines[:3] == [
        "白日依山尽，黄河入海流。", "欲穷千里目，更上一层楼。",
        "夕阳依傍着西山慢慢地沉没，滔滔黄河朝着东海汹涌奔流。",
    ]  # fmt: skip
    assert post.author == "王之涣"
    assert "静夜思" not in post.content and "海内存知己" not in post.content
