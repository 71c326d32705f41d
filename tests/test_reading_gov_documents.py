"""A government portal's information-disclosure page (政府信息公开): the document under its
disclosure header (索引号, 主题分类, 发文机关, 成文日期, 发文字号, 发布日期 …), signed by the
body that issued it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opinion_spiders.adapters import Page
from opinion_spiders.items import Post
from opinion_spiders.reading import read_page
from opinion_spiders.sites import Site
from plugins.portal import PortalAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
URL = "https://www.linjiang.gov.cn/zwgk/zcwj/202405/t20240513_4567890.html"


def _article(name: str) -> Post:
    html = (REAL / name).read_text("utf-8")
    site = Site(name="linjiang-gov", kind="portal", engine="portal", start_urls=(URL,))
    page = Page(URL, html, "article", site, datetime(2026, 12, 5, tzinfo=UTC))
    (post,) = PortalAdapter().parse(page).posts
    return post


@pytest.mark.parametrize(
    "name",
    [
        "written_gov_policy_document.html",  # the header a table of label and value cells
        "written_gov_policy_document_inline.html",  # label lines atop the document's own text
    ],
)
def test_the_document_is_read_without_its_disclosure_header(name: str) -> None:
    post = _article(name)
    assert post.content.startswith("各区人民政府，市各委办局，市各直属单位：")
    assert "索" not in post.content.split("\n")[0] and "11320500014123456Q" not in post.content
    assert post.content.endswith("定期对工作推进情况进行督查通报。")
    assert post.author == "临江市人民政府办公室"  # 发文机关 / 发布机构: who issued it
    assert (
        post.title == "临江市人民政府办公室关于印发临江市电动自行车充电设施建设三年行动方案的通知"
    )
    assert post.published_at is not None and post.published_at.date().isoformat() == "2024-05-13"


def test_label_lines_in_the_text_stay_where_they_name_no_disclosure_labels() -> None:
    """An event notice opening with its time and place (时间：, 地点：) keeps them: they are the
    notice, not a disclosure header."""
    html = """<html><head><title>关于举办社区消防安全讲座的通知_临江市应急管理局</title></head><body>
<h1>关于举办社区消防安全讲座的通知</h1><div class="info">发布时间：2024-05-20 09:00</div>
<div id="zoom"><p>时间：2024年5月25日上午9:00</p><p>地点：南湖社区文化中心二楼</p>
<p>主讲：市消防救援支队宣传科</p><p>为提高居民消防安全意识，预防电动自行车火灾，现举办社区消防安全讲座，欢迎居民参加。</p>
<p>讲座内容包括电动自行车安全充电、家庭火灾逃生和灭火器使用等。</p></div></body></html>"""
    reading, _ = read_page(html.encode(), URL, role="article")
    assert reading.parsed.posts[0].content.startswith("时间：2024年5月25日上午9:00")
