"""A question page marked up with schema.org microdata whose attribute names are not
lower-case (Zhihu's answer page as React's server render prints it: ``itemType``,
``itemProp``), read by the ``qa`` engine. The page is written by hand in Zhihu's shape
(``tests/reading_pages/written_zhihu_answer_comments.html``)."""

from __future__ import annotations

from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})


def test_zhihu_answer_page_is_its_question_and_answer_not_the_comments() -> None:
    page = (REAL / "written_zhihu_answer_comments.html").read_bytes()
    url = "https://www.zhihu.com/question/654321098/answer/3218765432"
    reading, _ = read_page(page, url, RUNTIME)
    assert (reading.reader, reading.kind) == ("qa", "thread")
    question, answer = reading.parsed.posts
    assert question.title == "为什么现在的年轻人越来越喜欢去县城旅游？"
    assert question.content.startswith("最近身边好几个朋友五一都没去大城市")
    assert question.replies == 214
    assert answer.author == "县城观察员"
    assert answer.published_text == "2024-05-12 10:14"
    assert answer.content.startswith("作为一个在县城长大、又在大城市工作了十年的人")
    assert answer.content.endswith("它正好提供了另一种选择。")
    assert "山城小胖" not in answer.content and "第三点说到心里了" not in answer.content
