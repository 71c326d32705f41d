"""The reading chain: every page yields the best reading there is, and says how it was read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from parsel import Selector

from opinion_spiders.adapters import Page
from opinion_spiders.core.posts import prepare_post
from opinion_spiders.items import Post
from opinion_spiders.reading import read, read_page
from opinion_spiders.reading.chain import thread_coverage
from opinion_spiders.reading.main_text import (
    card,
    coverage,
    extracted,
    main_text,
    merged,
    page_title,
    shingles,
)
from opinion_spiders.reading.story import (
    BOARD_APPARATUS,
    element_text,
    furniture,
    story_element,
    within_story,
    without_apparatus,
    without_link_runs,
)
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.discuz import DiscuzAdapter
from tests._proc import ROOT

PAGES = ROOT / "tests" / "pages"
#: Real pages no engine knows (sources in its README).
REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
PARAGRAPH = (
    "The county council met on Tuesday to discuss the new water policy, which residents have "
    "criticised for months because the price rose twice in one year without a public hearing. "
)

#: A news article on no known engine or CMS: a headline over a dated body, related links below.
ARTICLE = f"""<html><head><title>Council debates water policy - City Daily</title></head><body>
<div class="top"><a href="/">Home</a> <a href="/news">News</a></div>
<div class="story"><h1>Council debates water policy</h1><div class="when">2024-05-12 09:30</div>
<p>{PARAGRAPH}</p><p>{PARAGRAPH.replace("Tuesday", "Wednesday")}</p>
<p>Officials promised a hearing next month and a review of how prices are set.</p></div>
<ul class="more">{"".join(f'<li><a href="/news/2024/05/1{i}/{i}.html">Another story number {i} about the city</a></li>' for i in range(6))}</ul>
</body></html>"""  # noqa: E501

#: A discussion whose markup no engine knows: three posts, each with author, time and body.
THREAD = """<html><head><title>Water price rise again? - Town Board</title></head><body>
<h1>Water price rise again?</h1><div class="thread">{posts}</div></body></html>"""
POST = """<div class="entry" id="post_{n}"><div class="meta"><a href="/user/{who}">{who}</a>
<span class="date">2024-05-1{n} 10:0{n}</span></div><div class="message"><p>{body}</p></div></div>"""


def _thread(bodies: list[str]) -> str:
    who = ("alice", "bob", "carol", "dave")
    posts = "".join(
        POST.format(n=i + 1, who=who[i % 4], body=body) for i, body in enumerate(bodies)
    )
    return THREAD.format(posts=posts)


BODIES = [
    "My bill doubled this year and nobody from the water company explains why, is this legal?",
    "Same here, the council approved it without any hearing, we should write to the mayor.",
    "I called the hotline twice and they told me to wait for the review next month, useless.",
]


def test_reading_unknown_article_is_an_article_not_its_related_links() -> None:
    reading, _ = read_page(ARTICLE.encode(), "https://news.example.com/2024/05/12/water.html")
    assert reading.kind == "article"
    assert reading.reader in ("portal", "main_text")
    (post,) = reading.parsed.posts
    assert "criticised for months" in post.content and "review of how prices" in post.content
    assert "Another story number" not in post.content
    assert post.kind == "portal"


@pytest.mark.parametrize(
    ("html", "url", "role"),
    [
        (ARTICLE, "https://news.example.com/2024/05/12/water.html", "article"),
        (_thread(BODIES), "https://board.example.org/t/77", "thread"),
        (_thread(BODIES), "https://board.example.org/t/77", "auto"),
    ],
)
def test_reading_parses_the_page_once(
    html: str, url: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain's readers share the page's parsed markup, and the caches keyed by it."""
    import opinion_spiders.adapters

    made: list[str] = []

    class Counted(Selector):
        def __init__(self, *args: object, **kwargs: object) -> None:
            if "text" in kwargs:  # a parse, not a part of a parsed page
                made.append(str(kwargs.get("base_url")))
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(opinion_spiders.adapters, "Selector", Counted)
    reading, _ = read_page(html.encode(), url, RUNTIME, role=role)
    assert reading.parsed.posts
    assert made == [url]


def test_reading_unknown_thread_gives_every_post_with_author_and_time() -> None:
    html = _thread(BODIES)
    reading, _ = read_page(html.encode(), "https://board.example.org/t/77")
    assert (reading.kind, reading.reader) == ("thread", "generic")
    posts = reading.parsed.posts
    assert [p.author for p in posts] == ["alice", "bob", "carol"]
    assert [p.published_text for p in posts] == [
        "2024-05-11 10:01",
        "2024-05-12 10:02",
        "2024-05-13 10:03",
    ]
    assert [p.content for p in posts] == BODIES
    assert reading.confidence >= 0.9


def test_reading_never_empty_where_text_can_be_read() -> None:
    """A page with neither posts nor article markers still yields its text, marked unsure."""
    html = f"<html><head><title>Notes</title></head><body><div><div>{PARAGRAPH * 3}</div></div></body></html>"  # noqa: E501
    reading, _ = read_page(html.encode(), "https://example.net/notes")
    (post,) = reading.parsed.posts
    assert "new water policy" in post.content
    assert reading.confidence < 0.5 and post.confidence < 0.5
    assert reading.reader in ("main_text", "portal")


def test_reading_site_engine_that_misses_falls_back_and_says_why() -> None:
    """A Discuz site whose thread page lost its Discuz markup: the chain still reads the
    posts, and the reading lists what the site's engine said."""
    site = Site(name="city", kind="forum", engine="discuz", start_urls=("https://bbs.x.cn/",))
    page = Page(
        "https://bbs.x.cn/thread-9-1-1.html", _thread(BODIES), "thread", site, datetime.now(UTC)
    )
    reading = read(page, [DiscuzAdapter()], RUNTIME.adapters)
    assert reading.reader == "generic"
    assert any(why.startswith("discuz:") for why in reading.tried)
    assert [p.kind for p in reading.parsed.posts] == ["forum"] * 3
    assert [p.site for p in reading.parsed.posts] == ["city"] * 3


def test_reading_named_engine_wins_on_its_own_page() -> None:
    folder = PAGES / "discuz" / "x33_viewthread_csolbbs_tid38672"
    url = "http://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38672"
    reading, _ = read_page((folder / "page.html").read_bytes(), url)
    assert (reading.reader, reading.kind, reading.confidence) == ("discuz", "thread", 1.0)
    assert [p.floor for p in reading.parsed.posts] == [1, 2, 3, 4]


def test_reading_listing_page_gives_links() -> None:
    folder = PAGES / "portal" / "home_autohome_gb2312_bytes"
    reading, _ = read_page((folder / "page.html").read_bytes(), "https://www.autohome.com.cn/")
    assert reading.kind == "listing" and not reading.parsed.posts
    assert len(reading.parsed.links) > 20


def test_reading_generic_ids_keep_threads_apart() -> None:
    """Two boards whose pages reuse block ids (``post_1`` …) keep all six posts."""
    now = datetime.now(UTC)
    ids = set()
    for url in ("https://board.example.org/t/1", "https://board.example.org/t/2"):
        reading, _ = read_page(_thread(BODIES).encode(), url)
        for post in reading.parsed.posts:
            post.site = "board"
            ids.add(prepare_post(post, "Asia/Shanghai", now).id)
    assert len(ids) == 6


def test_reading_coverage_measures_share_of_main_text() -> None:
    assert coverage("abcdef", "abcdef") == 1.0
    assert coverage("", "abcdef") == 0.0
    assert 0.3 < coverage("abc", "abcdef") < 0.5
    assert coverage("anything", "") == 1.0


def test_reading_prepare_post_without_thread_id_uses_the_page() -> None:
    post = Post(
        site="s", kind="forum", url="https://x.org/t/5#p9", content="hello there", post_id="9"
    )
    prepared = prepare_post(post, "Asia/Shanghai", datetime.now(UTC))
    assert prepared.id is not None and prepared.id.startswith("s:u") and prepared.id.endswith(":9")


def test_reading_generic_posts_lose_board_template_and_header_lines() -> None:
    """A line every post repeats (a button, a signature) and a body that opens with its own
    "by <author> · <time>" header are the board's, not what was said."""
    bodies = [
        f"by {who} · 2024-05-1{i} 10:00\n{body}\nQuote\nReport"
        for i, (who, body) in enumerate(zip(("alice", "bob", "carol"), BODIES, strict=True), 1)
    ]
    html = _thread([b.replace("\n", "<br>") for b in bodies])
    reading, _ = read_page(html.encode(), "https://board.example.org/t/78")
    assert reading.reader == "generic"
    assert [p.content for p in reading.parsed.posts] == BODIES


def test_reading_generic_posts_lose_headers_and_board_lines_inside() -> None:
    """A body that holds its edit time or the board's counts and log-in line in the middle
    loses those lines too."""
    extra = ["edited Sep 18, 2017", "3 replies · 120 views", "You must be logged in to reply"]
    bodies = [f"{body}\n{line}" for body, line in zip(BODIES, extra, strict=True)]
    html = _thread([b.replace("\n", "<br>") for b in bodies])
    reading, _ = read_page(html.encode(), "https://board.example.org/t/79")
    assert reading.reader == "generic"
    assert [p.content for p in reading.parsed.posts] == BODIES


#: A story with a discussion under it, on no known engine: the opening story stands in a
#: block of its own kind, each comment is signed and dated.
STORY_WITH_COMMENTS = """<html><head><title>Water price rise again? - Town Board</title></head>
<body><h1>Water price rise again?</h1>
<div class="topic"><div class="topic-body"><p>{opener}</p></div></div>
<div class="comments">{comments}</div></body></html>"""
COMMENT = """<div class="comment"><a class="nick" href="/user/{who}">{who}</a>
<time>2024-05-1{n} 10:0{n}</time><div class="comment-content"><p>{body}</p></div></div>"""
OPENER = "The water company raised the price again this month, the second rise this year."


def _story(comments: list[str]) -> str:
    who = ("alice", "bob", "carol", "dave")
    return STORY_WITH_COMMENTS.format(
        opener=OPENER,
        comments="".join(
            COMMENT.format(n=i + 1, who=who[i % 4], body=b) for i, b in enumerate(comments)
        ),
    )


def _reached_as(role: str, html: str, url: str) -> Page:
    site = Site(name="town", kind="forum", engine="generic", start_urls=(url,))
    return Page(url, html, role, site, datetime.now(UTC))


def _main_text_thread(html: str, thread: int) -> Post:
    """The one post of a page reached as a thread and read as its main text."""
    url = f"https://board.example.org/t/{thread}"
    reading = read(_reached_as("thread", html, url), [], RUNTIME.adapters)
    (post,) = reading.parsed.posts
    assert (reading.reader, reading.kind) == ("main_text", "thread")
    return post


def test_reading_thread_role_reads_the_opening_post_the_blocks_leave_out() -> None:
    """Reached as a thread, a page whose signed comments stand apart from its opening story
    gives the story as floor 1 and every comment after it, in page order."""
    bodies = [*BODIES, "The review next month will not lower anything, it never does here."]
    url = "https://board.example.org/topic/81"
    reading = read(_reached_as("thread", _story(bodies), url), [], RUNTIME.adapters)
    assert (reading.kind, reading.reader) == ("thread", "generic")
    posts = reading.parsed.posts
    assert OPENER in posts[0].content
    assert not any(body in posts[0].content for body in bodies)
    assert [p.content for p in posts[1:]] == bodies
    assert [p.floor for p in posts] == [1, 2, 3, 4, 5]
    assert [p.author for p in posts[1:]] == ["alice", "bob", "carol", "dave"]


def test_reading_thread_role_keeps_main_text_when_blocks_are_elsewhere() -> None:
    """Signed blocks that the main text does not hold (a sidebar of latest posts) are not the
    thread: the page reached as a thread is read as its main text."""
    sidebar = "".join(
        COMMENT.format(n=i + 1, who=w, body=f"Latest post {i} about parking fees in the city")
        for i, w in enumerate(("erin", "frank", "gina"))
    )
    html = (
        "<html><head><title>Notes</title></head><body>"
        f"<div class='main'><p>{PARAGRAPH * 4}</p></div>"
        f"<aside class='latest'>{sidebar}</aside></body></html>"
    )
    post = _main_text_thread(html, 5)
    assert "new water policy" in post.content and "parking fees" not in post.content


def test_reading_article_role_leaves_readers_comments_out() -> None:
    """Reached as an article, the story is the post; its readers' comments are not."""
    html = ARTICLE.replace(
        '<ul class="more">',
        '<div class="comments">'
        + "".join(
            COMMENT.format(n=i + 1, who=w, body=b)
            for i, (w, b) in enumerate(zip(("alice", "bob", "carol"), BODIES, strict=True))
        )
        + '</div><ul class="more">',
    )
    url = "https://news.example.com/2024/05/12/water.html"
    reading = read(_reached_as("article", html, url), [], RUNTIME.adapters)
    (post,) = reading.parsed.posts
    assert reading.kind == "article"
    assert "criticised for months" in post.content
    assert not any(body[:30] in post.content for body in BODIES)


def test_reading_main_text_post_takes_the_page_title_without_site_suffix() -> None:
    html = (
        "<html><head><title>Why did the water price rise? - Town Board | Support</title></head>"
        f"<body><h1>Why did the water price rise?</h1><div><p>{PARAGRAPH * 3}</p></div></body>"
        "</html>"
    )
    post = _main_text_thread(html, 9)
    assert post.title == "Why did the water price rise?"
    assert not post.content.startswith("Why did the water")


def test_reading_main_text_keeps_what_a_form_with_no_field_shows() -> None:
    """old Reddit wraps each post's text in a ``form.usertext`` (hidden inputs only), which
    the extractor drops as a form: the main text keeps it; a search form stays out."""
    html = (REAL / "written_oldreddit_comments.html").read_text(encoding="utf-8")
    html = html.replace(
        "</body>",
        '<form action="/search"><input name="q"> Search tips: use '
        "quotes for phrases and a minus sign to leave a word out.</form></body>",
    )
    text = main_text(html, "https://old.reddit.com/r/Cooking/comments/1cq4z8k/x/")
    for said in (
        "A bench scraper. It cost me four dollars",
        "A Microplane. Lemon zest",
        "Baking went from a coin flip",
    ):
        assert said in text, said
    assert "Search tips" not in text


def test_reading_main_text_merge_keeps_sure_lines_and_missed_prose() -> None:
    """The precise reading vouches for lines; a run-on line of the full one gives way to the
    sure lines inside it; other prose of the full reading stays, runs of links do not."""
    reply = "I had the same problem after the update and reinstalling the driver fixed it"
    full = [
        "Home › Support › Drivers › Printer offline 0 Vote Up Vote Down alice asked 2 years ago"
        " My printer shows offline since Monday, what can I do? Share Report",
        reply,
        "Home Support Drivers",
        "Votes",
    ]
    sure = ["My printer shows offline since Monday, what can I do?"]
    links = ["Home", "Support", "Drivers"]
    assert merged(full, sure, links) == [sure[0], reply]


def test_reading_main_text_merge_keeps_a_run_on_line_that_holds_missed_prose() -> None:
    """A run-on line whose rest, besides its sure lines, is a run of prose stays whole."""
    story = " ".join(
        f"The council met on day {i} and voted on the water budget again." for i in range(8)
    )
    full = [f"Short lede here. {story}"]
    assert merged(full, ["Short lede here."], []) == full


def test_reading_shingles_tell_latin_text_apart() -> None:
    """Two unrelated English lines share character pairs but hardly any word pairs."""
    a, b = shingles("the water price rose twice"), shingles("there was a rise in the river")
    assert not a & b
    assert shingles("国务院发布") >= {("国", "务"), ("发", "布")}


def test_reading_real_question_page_without_its_widgets() -> None:
    """A single-question page (WordPress DW Q&A) whose full main text runs breadcrumbs, vote
    buttons and the asker's card into one line with the question: the question comes out."""
    html = (REAL / "dwqa_single_question.html").read_bytes()
    url = "http://demo.designwall.com/dwqa/question/can-i-custom-the-page-template-of-single-question/"
    reading, _ = read_page(html, url, RUNTIME, role="thread")
    (post,) = reading.parsed.posts
    assert post.title == "Can I custom the page template of single question?"
    assert post.content.startswith("is there a way to create a custom template")
    assert "Vote Up" not in post.content and "Category:" not in post.content


def test_reading_real_topic_page_without_its_sidebar() -> None:
    """A Simple:Press topic beside a sidebar of other topics and member cards: the post's text
    comes out, the sidebar's topic titles and the poster's card do not."""
    html = (REAL / "simplepress_topic_sidebar.html").read_bytes()
    url = (
        "https://www.speakoutwireless.ca/speak/7-eleven-rates-and-plans/"
        "july-august-2023-25-account-bonus-with-100-top-up/"
    )
    reading, _ = read_page(html, url, RUNTIME, role="thread")
    text = "\n".join(p.content for p in reading.parsed.posts)
    assert "$25 account bonus offer valid with purchase of a $100 SpeakOut top up" in text
    for junk in ("Select Forum", "New/Recently Updated Topics", "Forum Posts:", "Member Since"):
        assert junk not in text


def _teaser_column(more: str) -> str:
    rows = "".join(
        f"<li>Exhibition {i}: the painter shows forty landscapes of the lake in the spring "
        f'light, and talks about ink and paper ... <a href="/show/artist{i}/">{more}</a></li>'
        for i in range(6)
    )
    return (
        f"<html><head><title>Collectors' digest</title></head><body><ul>{rows}</ul></body></html>"
    )


def test_reading_teaser_column_reached_as_article_is_a_listing() -> None:
    """A page reached by an article link whose text is teasers that each end in "[详细]" is
    a column of other articles: no post, and the teasers' links as article links."""
    reading, _ = read_page(_teaser_column("[详细]").encode(), "http://art.example.cn/?id=5", RUNTIME,
                           role="article")  # fmt: skip
    assert (reading.kind, reading.parsed.posts) == ("listing", [])
    links = reading.parsed.links
    assert [link.url for link in links] == [
        f"http://art.example.cn/show/artist{i}/" for i in range(6)
    ]
    assert {link.role for link in links} == {"article"}
    assert links[0].meta["title"].startswith("Exhibition 0: the painter shows")


def test_reading_teasers_need_their_more_links() -> None:
    """The same rows whose links say something else are read as the page's text."""
    reading, _ = read_page(_teaser_column("the artist").encode(), "http://art.example.cn/?id=5",
                           RUNTIME, role="article")  # fmt: skip
    assert reading.kind == "article" and len(reading.parsed.posts) == 1


STREAMED = [
    "Shares in the harbour company fell sharply on Monday after it reported lower freight "
    "volumes for the third quarter in a row and warned of weaker demand ahead.",
    "A new ferry line to the islands opens in June; tickets go on sale next week, and "
    "residents of the islands travel at half price during the first summer season.",
    "Heavy rain is expected across the north of the province this weekend, and the weather "
    "service advises drivers to avoid mountain roads until Sunday evening at the earliest.",
]
#: A story page that streams the next stories under the article, outside its <article>.
STREAM = f"""<html><head><title>Council debates water policy</title>
<meta property="og:type" content="article"></head><body><main>
<article><header><h1>Council debates water policy</h1><time>2024-05-12 09:30</time></header>
<div class="body"><p>{PARAGRAPH}</p></div></article>
<div class="stream">{"".join(f"<div><p>{story}</p></div>" for story in STREAMED)}</div>
</main></body></html>"""  # noqa: E501


def test_reading_article_is_held_to_the_article_element_of_its_headline() -> None:
    """The lines of an article reading outside the ``<article>`` around the headline (the
    next stories a portal streams below) are not the article's."""
    reading, _ = read_page(STREAM.encode(), "https://news.example.org/2024/05/12/water.html",
                           RUNTIME, role="article")  # fmt: skip
    (post,) = reading.parsed.posts
    assert post.content == PARAGRAPH.strip()
    assert not any(story[:30] in post.content for story in STREAMED)


def test_reading_story_element_needs_the_headline_inside() -> None:
    """An ``<article>`` that is a teaser card elsewhere on the page bounds nothing."""
    page = STREAM.replace("<article>", "<div>").replace("</article>", "</div>")
    page = page.replace(
        '<div class="stream">', '<div class="stream"><article><a>Other</a></article>'
    )
    sel = Selector(text=page)
    assert story_element(sel, "Council debates water policy") is None
    assert within_story("a\nb", sel, "Council debates water policy") == "a\nb"


@pytest.mark.parametrize(
    "heading", ["你可能還想看", "相关阅读", "Related Stories", "More from the newsroom"]
)
def test_reading_article_without_an_article_element_leaves_out_the_stories_it_heads_as_others(
    heading: str,
) -> None:
    """The stream under a story printed without ``<article>`` (older templates): a section
    headed as other stories (related, recommended, more from …) is not the article's, its
    stories' paragraphs though they are; the heading is no line of it either."""
    page = (
        STREAM.replace("<article>", '<div class="wrap">').replace("</article>", "</div>")
        .replace('<div class="stream">', f'<div class="stream"><div class="hd"><h2>{heading}</h2></div>')
    )  # fmt: skip
    reading, _ = read_page(page.encode(), "https://news.example.org/2024/05/12/water.html",
                           RUNTIME, role="article")  # fmt: skip
    (post,) = reading.parsed.posts
    assert post.content == PARAGRAPH.strip()


def test_reading_related_heading_inside_the_story_cuts_nothing_after_it() -> None:
    """A "相关阅读" heading inside the story, after its first paragraphs, heads no section:
    the story's paragraphs after it stay."""
    more = "The council meets again next month, when the water board presents its figures."
    page = (
        STREAM.replace("<article>", "<div>")
        .replace("</article>", "</div>")
        .replace(f"<p>{PARAGRAPH}</p>", f"<p>{PARAGRAPH}</p><h3>相关阅读</h3><p>{more}</p>")
    )
    sel = Selector(text=page)
    text = f"{PARAGRAPH.strip()}\n相关阅读\n{more}"
    assert within_story(text, sel, "Council debates water policy") == text


def test_reading_main_text_drops_post_headers() -> None:
    """A short line whose time is its point is a post's header, not what was said; a
    sentence that names a time is not."""
    from opinion_spiders.reading.main_text import header_line

    for line in ("Sep 18, 2017", "asked 2 years ago by Benturk", "10:07 am", "Mar 12",
                 "my38778570 的个人博客 / 37 / 0 / 创建于 11个月前"):  # fmt: skip
        assert header_line(line), line
    for line in ("The meeting is on May 5 at 10:00.", "Hello Mattia,",
                 "2024年5月12日，市政府召开新闻发布会，宣布水价调整。"):  # fmt: skip
        assert not header_line(line), line


def test_reading_main_text_drops_the_boards_own_lines() -> None:
    """Counts of a thread and invitations to log in are the board's lines, not a post's."""
    from opinion_spiders.reading.main_text import board_line

    for line in ("- This topic has 4 replies, 2 voices, and was last updated 1 year ago by Kenny.",
                 "Viewing 4 posts - 1 through 4 (of 4 total)", "交流 5 浏览 (640) 点赞 (5) 收藏",
                 "- You must be logged in to reply to this topic.", "您需要登录后才可以回帖 登录 | 立即注册",
                 "共 3 页 共 45 条"):  # fmt: skip
        assert board_line(line), line
    for line in ("Thanks, that fixed it!", "I had 3 posts deleted last week.", "回复楼上：同意"):
        assert not board_line(line), line


def test_reading_unknown_role_holds_articles_to_their_story_and_knows_teasers() -> None:
    """``opinion parse`` without a role reads the streamed story and the teaser column as a
    crawl that knows the role does."""
    reading, _ = read_page(STREAM.encode(), "https://news.example.org/2024/05/12/water.html",
                           RUNTIME)  # fmt: skip
    assert [p.content for p in reading.parsed.posts] == [PARAGRAPH.strip()]
    reading, _ = read_page(
        _teaser_column("[详细]").encode(), "http://art.example.cn/?id=5", RUNTIME
    )
    assert (reading.kind, reading.parsed.posts, len(reading.parsed.links)) == ("listing", [], 6)


def test_reading_article_leaves_the_sites_promotions_out() -> None:
    """Invitations to a newsletter, a podcast or an official account are the site's, not the
    article's; a sentence about subscriptions is the article's."""
    promo = (
        "<p>Get more local news delivered straight to your inbox. Sign up for free newsletters.</p>"
        "<p>Listen to our show on Spotify, Apple Podcasts and Google Podcasts.</p><p>欢迎关注微信公众号：城市日报</p>"
        "<p>Streaming services lost subscribers this spring as prices went up again.</p>"
    )
    page = ARTICLE.replace("<p>Officials promised", f"{promo}<p>Officials promised")
    reading, _ = read_page(page.encode(), "https://news.example.org/2024/05/12/water.html",
                           RUNTIME, role="article")  # fmt: skip
    (post,) = reading.parsed.posts
    assert "Streaming services lost subscribers" in post.content
    for junk in ("inbox", "Spotify", "公众号"):
        assert junk not in post.content


#: The apparatus a real article page carries around its story: a video player's controls, a
#: list of related videos (cards of category, title and duration, each one link), references,
#: readers' comments, the footer — and a code listing whose comments are the story's.
APPARATUS = f"""<html><head><title>Council debates water policy - City Daily</title></head><body>
<div class="story"><h1>Council debates water policy</h1><div class="when">2024-05-12 09:30</div>
<div class="video-player"><ul class="playerControl"><li>倍速</li><li>2.0X</li><li>1.5X</li></ul>
<p>00:00 / 01:45</p><p>很抱歉，当前视频播放失败</p></div>
<p>{PARAGRAPH}</p><p>{PARAGRAPH.replace("Tuesday", "Wednesday")}</p>
<pre><code><span class="hljs-comment"># the old tariff, kept for the record</span>
price = 3.5</code></pre>
<p>Officials promised a hearing next month and a review of how prices are set.</p>
<div class="lemma-reference"><ul><li>1. Water tariff notice. City Gazette. 2024-05-09</li>
<li>2. Council minutes, 7 May 2024. City Council</li></ul></div>
<div id="user-comments"><div class="user-thread"><p>So the council raises prices again and
again while the pipes in our street still leak every single winter, unbelievable.</p></div></div>
<div class="related">{"".join(f'<a href="/videos/{i}"><p>Cities</p><p>A short film about the river number {i} and its bridges</p><p>{i} minutes</p></a>' for i in range(5))}</div>
<p>Copyright © 2000 - 2024 CITY DAILY All Rights Reserved. 京ICP备11039383号-6</p></div>
</body></html>"""  # noqa: E501


def test_reading_article_leaves_the_apparatus_around_the_story_out() -> None:
    """A player's controls, a list of related videos, references, readers' comments and the
    footer are the page's, not the story's; a code listing's comment is the story's."""
    reading, _ = read_page(APPARATUS.encode(), "https://news.example.org/2024/05/12/water.html",
                           RUNTIME, role="article")  # fmt: skip
    (post,) = reading.parsed.posts
    assert "residents have criticised" in post.content
    assert "Officials promised a hearing" in post.content
    assert "the old tariff, kept for the record" in post.content
    for junk in ("倍速", "2.0X", "00:00", "播放失败", "river number", "minutes", "Water tariff notice",
                 "Council minutes", "pipes in our street", "Copyright", "ICP"):  # fmt: skip
        assert junk not in post.content, junk


def test_reading_link_runs_need_three_links_in_a_row() -> None:
    """Lines inside links are dropped only as a run (a list of other pages); a story's line that
    happens to be a link's text, between its prose, stays."""
    page = Selector(text='<body><a href="/a">Council debates water policy</a><a href="/b">B story'
                         '</a><a href="/c">C story</a><a href="/d">D story</a></body>')  # fmt: skip
    story = f"{PARAGRAPH}\nCouncil debates water policy\n{PARAGRAPH}"
    assert without_link_runs(story, page) == story
    listed = f"{PARAGRAPH}\nB story\n5 minutes\nC story\nD story"
    assert without_link_runs(listed, page) == PARAGRAPH


def test_reading_furniture_is_short_footer_and_button_lines() -> None:
    for line in ("Copyright © 2000 - 2024 HE.NEWS.CN All Rights Reserved.", "版权所有：新华网股份有限公司",
                 "建议以IE8.0以上版本浏览器浏览本页面京ICP备11039383号-6", "查看更多"):  # fmt: skip
        assert furniture(line), line
    assert not furniture("查看更多评论的网友认为，这次调价缺少听证。")
    assert not furniture("法院认定，被告未经许可复制作品，侵犯了原告的著作权。" * 5 + "版权所有")


def test_reading_thread_leaves_the_sites_announcement_out() -> None:
    """A board's announcement box above every thread is no opening post: the posts are the
    thread's, and the announcement is in none of them (nor in a main-text reading)."""
    notice = ("<div class='alert alert-info' id='announcement205'><h4>Board 6.3.1 released</h4>"
              "<p>The team has announced the arrival of version 6.3.1, which fixes most of the "
              "issues found in 6.2 and 6.3. Please update your installation.</p></div>")  # fmt: skip
    html = _thread(BODIES).replace('<div class="thread">', f'{notice}<div class="thread">')
    url = "https://board.example.org/topic/205"
    reading = read(_reached_as("thread", html, url), [], RUNTIME.adapters)
    assert [p.content for p in reading.parsed.posts] == BODIES
    story = " ".join(BODIES)  # one long post: the page is read as its main text
    lone = _thread([story]).replace('<div class="thread">', f'{notice}<div class="thread">')
    (post,) = read(_reached_as("thread", lone, url), [], RUNTIME.adapters).parsed.posts
    assert story in post.content and "6.3.1" not in post.content


#: Post blocks whose author profile, above the post's own time, gives dates of the author's.
PROFILED_POST = """<div class="entry" id="post_{n}"><div class="profile">
<a href="/user/{who}">{who}</a><span>Joined: 4 months ago</span>
<dl><dt>注册时间</dt><dd>2019-03-0{n}</dd></dl></div>
<div class="meta"><span class="date">2024-05-1{n} 10:0{n}</span></div>
<div class="message"><p>{body}</p></div></div>"""


def _generic_posts(block: str, who: Sequence[str], thread: int) -> list[Post]:
    """The posts the generic reader reads off a thread of ``block``s by ``who`` (``{slug}``:
    the name as a URL path)."""
    posts = "".join(
        block.format(n=n, who=name, slug=quote(name), body=body)
        for n, (name, body) in enumerate(zip(who, BODIES, strict=True), 1)
    )
    url = f"https://board.example.org/t/{thread}"
    reading, _ = read_page(THREAD.format(posts=posts).encode(), url, RUNTIME)
    assert reading.reader == "generic"
    return reading.parsed.posts


def test_reading_generic_post_time_is_not_its_authors_join_date() -> None:
    """``Joined: 4 months ago`` and a date under 注册时间 in the profile beside each post are
    the author's: the post's time is the one after them."""
    posts = _generic_posts(PROFILED_POST, ("alice", "bob", "carol"), 80)
    assert [p.published_text for p in posts] == [f"2024-05-1{n} 10:0{n}" for n in (1, 2, 3)]


def test_reading_main_text_post_carries_the_time_the_page_declares() -> None:
    """The page as one post is dated by its metas or schema.org's data, as an article's body
    would be: a JSON-LD DiscussionForumPosting here (its site's WebSite date is not it)."""
    data = (
        '{"@graph": [{"@type": "WebSite", "datePublished": "2001-01-01"},'
        ' {"@type": "DiscussionForumPosting", "datePublished": "2024-05-12T09:30:00+08:00"}]}'
    )
    html = (
        "<html><head><title>Notes</title>"
        f'<script type="application/ld+json">{data}</script></head>'
        f"<body><div class='main'><p>{PARAGRAPH * 4}</p></div></body></html>"
    )
    post = _main_text_thread(html, 6)
    assert post.published_text == "2024-05-12T09:30:00+08:00"
    prepared = prepare_post(post, "Asia/Shanghai", datetime.now(UTC))
    assert prepared.published_at == datetime(2024, 5, 12, 1, 30, tzinfo=UTC)


#: Post blocks whose author card holds, beside the name, the author's rank, place and post
#: count and a Reply button, all in classes that say "user" or "author".
CARD_POST = """<div class="entry" id="post_{n}"><div class="user-section">
<span class="spPostUserRank">Member</span><div class="user-location">Canada</div>
<div class="author-posts">Posts: 2{n}</div><div class="author-name">{who}</div>
<span class="author-tag">OP</span></div>
<div class="meta"><span class="date">2024-05-1{n} 10:0{n}</span></div>
<div class="message"><p>{body}</p></div>
<span class="wpf-action not_reg_user">Reply</span></div>"""


def test_reading_generic_author_is_the_name_not_the_rest_of_the_card() -> None:
    """A rank, a place, a post count, a badge or a button is no author, however short: the
    element whose class names a name is."""
    who = ("alice_w", "bob_the_builder", "carol88")
    assert [p.author for p in _generic_posts(CARD_POST, who, 82)] == list(who)


#: Post blocks that name their poster only by a link to their page, in utility classes.
SLUG_POST = """<div class="entry" id="post_{n}"><div class="flex items-center text-sm">
<a class="font-bold hover:underline" href="/{slug}">{who}</a><span>・</span>
<p class="text-xs">2024-05-1{n} 10:0{n}</p></div><div class="prose"><p>{body}</p></div>
<a href="/report/?link=https://board.example.org/t/83">Report</a></div>"""


def test_reading_generic_author_is_the_link_named_as_its_page() -> None:
    """``<a href="/bobbyiliev">bobbyiliev</a>``: a link whose address ends in its own text is
    the poster's page (a Report link with a query is not)."""
    who = ("haleemhosein", "bobbyiliev", "小明")  # /%E5%B0%8F%E6%98%8E
    assert [p.author for p in _generic_posts(SLUG_POST, who, 83)] == list(who)


def test_page_title_leaves_out_the_site_after_any_separator() -> None:
    """A site's name after " - ", " | ", " • ", " » " or " · " is left out of the title."""
    for sep in ("-", "|", "•", "»", "·", "_", "—"):
        html = (
            f"<html><head><title>Top 3 mentalists? {sep} Magicians and Magic</title></head></html>"
        )
        assert page_title(Selector(text=html)) == "Top 3 mentalists?"
    assert page_title(Selector(text="<title>Smith·Jones duo</title>")) == "Smith·Jones duo"


def test_page_title_is_the_headline_after_a_section_name() -> None:
    """``BBL news - <headline> | ESPNcricinfo``, the headline an ``h1``: the headline, not the
    section before the first separator nor the site's banner heading."""
    headline = "Seccombe and McKay join Renegades and Stars as high performance managers"
    html = (
        f"<html><head><title>BBL news - {headline} | ESPNcricinfo</title></head><body>"
        f"<h2>ESPNcricinfo</h2><h1>{headline}</h1></body></html>"
    )
    assert page_title(Selector(text=html)) == headline
    banner_only = html.replace(f"<h1>{headline}</h1>", "")
    assert page_title(Selector(text=banner_only)) == "BBL news"


def test_page_title_ignores_markup_written_into_the_title() -> None:
    """``<title>News Forum - RFK Jr. vows … $5 &lt;br/&gt;BILLION …``: the ``<br/>`` a CMS wrote
    as text does not keep the headline from matching the title."""
    html = (
        "<html><head><title>News Forum - RFK Jr. vows to give farmers $5 &lt;br/&gt;BILLION in"
        " reparations</title></head><body><h1>News Forum</h1>"
        "<h2>RFK Jr. vows to give farmers $5 BILLION in reparations</h2></body></html>"
    )
    assert (
        page_title(Selector(text=html)) == "RFK Jr. vows to give farmers $5 BILLION in reparations"
    )


def test_reading_main_text_post_is_dated_by_the_line_under_its_title() -> None:
    """No time declared: the date in the short lines under the thread's heading (the opening
    post's), not one in the body."""
    html = (
        "<html><head><title>Design colors - Support Forum</title></head><body>"
        "<div class='main'><h1>Design colors</h1><p>Quote from klwild on March 29, 2024, 10:35 am</p>"
        f"<p>{PARAGRAPH * 4} The hearing is set for April 2, 2025.</p></div></body></html>"
    )
    post = _main_text_thread(html, 7)
    assert post.published_text == "March 29, 2024, 10:35 am"


def test_reading_a_consent_bar_is_apparatus_a_feature_flag_naming_gdpr_is_not() -> None:
    """The cookie-consent bar (named by its class, id or role: ``cookieConsentBar``) is the
    site's, not the story's or the discussion's; a class that only has such a word inside
    (a feature flag, ``filterNonGdprEmbeds``) names no consent bar."""
    page = Selector(
        text=f'<body><div class="story"><p>{PARAGRAPH}</p><div class="embed filterNonGdprEmbeds">'
        "<p>Officials promised a hearing next month.</p></div></div>"
        '<div id="elGuestTerms" data-role="cookieConsentBar"><p>We have placed cookies on your'
        " device.</p></div></body>"
    )
    story = f"{PARAGRAPH}\nOfficials promised a hearing next month."
    text = f"{story}\nWe have placed cookies on your device."
    assert without_apparatus(text, page, BOARD_APPARATUS) == story
    assert without_apparatus(text, page) == story


@pytest.mark.parametrize(
    "name", ["reddit_comments_without_the_post.html", "simplepress_topic_sidebar.html"]
)
def test_reading_a_pages_two_readings_share_one_shown_tree_and_leave_it_as_it_was(
    name: str,
) -> None:
    """A page with forms is handed to trafilatura as one tree for both its readings (the full
    and the precise): each reading, done again from scratch afterwards, finds the same lines,
    so neither changed the tree the other reads."""
    html = (ROOT / "tests" / "reading_pages" / name).read_bytes().decode("utf-8")
    assert "<form" in html
    url = "https://example.org/t/1"
    first = [extracted(html, url, comments=True, precise=p) for p in (False, True, False)]
    extracted.cache_clear()
    again = [extracted(html, url, comments=True, precise=p) for p in (True, False)]
    assert first[0] and first[1]
    assert (first[1], first[0]) == tuple(again) and first[2] == first[0]


def test_reading_a_side_column_is_apparatus_a_layout_with_one_is_not() -> None:
    """A side column named as one (``widget-area sidebar``, ``is-left-sidebar``, a lone
    ``widget-area``) is the site's, not the story's or the discussion's — a main-text
    extractor that took its prose for the page's leaves it out —; a wrapper named after the
    layout it has (``content-sidebar-wrap``, ``has-sidebar``, ``no-sidebar``) is no column."""
    said = [
        "Our volunteers keep this board running; please read the rules before you post.",
        "The board is closed for maintenance on Sunday night, from ten until midnight.",
        "Members who joined this month: welcome, and say hello in the newcomers' thread.",
    ]
    columns = ("widget-area sidebar", "is-left-sidebar", "widget-area")
    for wrapper in ("content-sidebar-wrap", "has-sidebar", "no-sidebar"):
        page = Selector(
            text=f'<body><div class="{wrapper}"><div class="story"><p>{PARAGRAPH}</p>'
            "<p>Officials promised a hearing next month.</p></div>"
            + "".join(
                f'<div class="{c}"><p>{line}</p></div>'
                for c, line in zip(columns, said, strict=True)
            )
            + "</div></body>"
        )
        story = f"{PARAGRAPH}\nOfficials promised a hearing next month."
        text = "\n".join([story, *said])
        assert without_apparatus(text, page, BOARD_APPARATUS) == story, wrapper
        assert without_apparatus(text, page) == story, wrapper


def test_reading_apparatus_is_a_block_outside_code_named_in_any_case() -> None:
    """What names apparatus, in any case (``CommentList``), is a block outside code: not a
    ``span`` (a highlighter's ``hljs-comment``), nor a block inside a ``pre``; a box named for
    the comments around the whole story (``has-comments``) wraps it, however much script and
    style text the page carries (the visible text is what the story's share is of)."""
    code = "x = 1  # keep the water board's minutes"
    page = Selector(
        text=f"<body><script>{'var sponsor = 1; ' * 400}</script><style>{'p{margin:0} ' * 300}"
        f"</style><noscript>{'Enable JavaScript to read this page. ' * 60}</noscript>"
        f'<div class="has-comments"><p>{PARAGRAPH}</p><pre><div class="comment">{code}</div>'
        '</pre><p><span class="hljs-comment">Council notes follow.</span></p></div>'
        '<div class="CommentList"><p>First! Great reporting.</p></div></body>'
    )
    text = f"{PARAGRAPH}\n{code}\nCouncil notes follow.\nFirst! Great reporting."
    assert without_apparatus(text, page) == f"{PARAGRAPH}\n{code}\nCouncil notes follow."


def test_reading_an_elements_text_leaves_out_scripts_styles_and_noscript() -> None:
    page = Selector(
        text="<body><div id='a'>Water <script>var x = 1;</script>board<style>p{}</style>"
        "<noscript>Enable <b id='b'>JavaScript</b></noscript> minutes</div>"
        "<p id='c'>The <em>minutes</em> are out.</p></body>"
    )
    root = page.root
    assert element_text(root.get_element_by_id("a")) == "Water board minutes"
    assert element_text(root.get_element_by_id("b")) == ""
    assert element_text(root.find(".//script")) == ""
    assert element_text(root.get_element_by_id("c")) == "The minutes are out."


def test_reading_a_posters_signature_is_a_boards_apparatus_not_a_storys() -> None:
    """A poster's signature under each post (``div.signature``, Discuz!'s ``sign``) is what a
    board's reader leaves out of the posts, so the main text a thread reading is held to
    leaves it out too; a story's sign-off stays in the story."""
    page = Selector(
        text=f'<body><div class="post"><p>{PARAGRAPH}</p><div class="signature">Three-time'
        " chairman of the residents' committee, write to me.</div></div>"
        '<div class="post"><p>Officials promised a hearing next month.</p>'
        '<div class="sign">签名：业主维权群，欢迎加入</div></div></body>'
    )
    posts = f"{PARAGRAPH}\nOfficials promised a hearing next month."
    text = (
        f"{PARAGRAPH}\nThree-time chairman of the residents' committee, write to me.\n"
        "Officials promised a hearing next month.\n签名：业主维权群，欢迎加入"
    )
    assert without_apparatus(text, page, BOARD_APPARATUS) == posts
    assert without_apparatus(text, page) == text


def test_reading_a_posts_header_in_the_main_text_is_not_text_the_posts_miss() -> None:
    """A main text that keeps a reply's header line (``Reply 2 - Posted by: Rand Al'Thor
    5/21/2024 4:50:13 AM (No. 1721837)``) holds the poster and time the reader put in the
    post's fields: the posts are held to the rest."""
    shown = [("Rand Al'Thor", "5/21/2024 4:50:13 AM"), ("Old Army Vet", "5/21/2024 10:06:59 AM")]
    bodies = ["RFK has jumped the shark, and the farmers know it.", "Out of his own pocket?"]
    posts = [
        Post(site="s", kind="forum", url=f"https://x.org/t/5#p{i}", content=body, author=who,
             published_text=when)
        for i, ((who, when), body) in enumerate(zip(shown, bodies, strict=True))
    ]  # fmt: skip
    text = "\n".join(
        f"Reply {i} - Posted by: {who} {when} (No. 17218{i})\n{body}"
        for i, ((who, when), body) in enumerate(zip(shown, bodies, strict=True), 2)
    )
    assert coverage("\n".join(bodies), text) < 0.75
    assert thread_coverage(posts, text) >= 0.9


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Full Member Join Date: Jun 2008 Location: Leeds Posts: 1,234", True),
        ("等级：二级 文章：312 积分：1045 注册：2009-5-1", True),
        ("来源：新华社 作者：张三 发布时间：2024-05-12 10:21:33", True),
        ("Note: the bus leaves at 10:21. Bring a coat: it is cold.", False),
        ("发表于 2024-05-12 10:21:33 只看该作者", False),
        ("楼主说得对：我们小区也是这样，物业根本不管。", False),
    ],
)
def test_reading_card_is_labelled_facts_not_prose(text: str, facts: bool) -> None:
    """Two ``label: value`` pairs and no sentence make a card (a poster's, an info line); a
    clock's colons, or a sentence with a colon, do not."""
    assert card(text) is facts


def test_reading_a_story_written_as_loose_text_between_empty_paragraphs_keeps_its_start() -> None:
    """An Urdu news story (UrduPoint) whose body is loose text in a `div` — after an ad's
    banner, between empty `<p></p>`s, keywords linked inline —: the main-text extractor
    dropped its first two paragraphs (the dateline's paragraph among them) where each run of
    loose text was no paragraph of its own. Now every run reads, and in one line."""
    url = "https://www.urdupoint.com/daily/livenews/2024-05-12/news-4014900.html"
    page = (REAL / "urdupoint_story_loose_text.html").read_bytes()
    reading, _ = read_page(page, url, RUNTIME, role="article")
    lines = reading.parsed.posts[0].content.split("\n")
    first = next((line for line in lines if line.startswith("ڈبلن (اردو پوائنٹ")), "")
    assert "پاکستان نے آئرلینڈ کو 7 وکٹوں سے شکست" in first  # the linked word inside its line
    assert any(line.startswith("آئر لینڈ کے بلے بازوں نے میچ کا آغاز") for line in lines)


def test_reading_loose_text_with_inline_links_is_one_paragraph_a_run() -> None:
    """A story written as loose text after an ad's banner, runs between empty paragraphs,
    keywords linked inline: each run is one line, the linked words inside it — not a line
    broken at every link."""
    said = [
        "（本报讯 记者 王小明）市交通运输局今天发布通知，自下月一日起，全市公交线路将进行优化调整，"
        "涉及线路共计二十三条，市民出行请提前关注。",
        "据介绍，此次调整主要针对新建小区和产业园区的出行需求，新开通公交线路六条，延伸线路九条，"
        "撤销重复线路三条，市民热线将解答疑问。",
    ]

    def linked(text: str) -> str:
        return text.replace(
            "公交线路", '<a target="_blank" class="txt_link" href="/tag/bus.html">公交线路</a>'
        ).replace("市民热线", '<a class="txt_link" href="/tag/12345.html">市民热线</a>')

    banner = (
        '<div class="txt_banner"><div class="ad_wrap"><div id="gpt-center" style="display: none;">'
        "<script>googletag.cmd.push(function() {});</script></div></div></div>\n"
    )
    page = (
        '<html><head><meta charset="utf-8"><title>全市公交线路下月起优化调整_城市日报</title></head>'
        '<body><div class="nav"><a href="/">首页</a> <a href="/news/">新闻中心</a></div>'
        '<div class="main"><h1>全市公交线路下月起优化调整</h1>'
        '<div class="info">2024-05-12 10:14 来源：城市日报</div><div class="detail_txt">'
        f'{banner}{linked(said[0])}<p style="margin-top: 5px;"></p>{linked(said[1])}<p></p>'
        '<div class="clear"></div></div></div><div class="footer">版权所有 © 城市日报社</div>'
        "</body></html>"
    )
    reading, _ = read_page(page.encode(), "https://news.example.cn/2024/05/12/art_1.html", RUNTIME,
                           role="article")  # fmt: skip
    lines = reading.parsed.posts[0].content.split("\n")
    assert said[0] in lines and said[1] in lines


def test_reading_a_players_controls_under_hashed_names_are_no_part_of_the_story() -> None:
    """A video news story whose player is named by hashes only (``div.qX3a``), so no class
    says "player": the lines its controls print in a row — the speed menu (``倍速``, ``-
    2.0X`` …), the clock (``00:00``), its error (``很抱歉，当前视频播放失败``, ``错误代码：…``)
    — are left out of the story; a lone clock in the story's text stays."""
    story = [
        "本报讯 5月20日22点起，《城市影像》栏目将推出系列访谈节目，五位导演将讲述他们的成长故事和"
        "艺术生涯，用电影人的艺术探索记录城市的变化。",
        "节目首期将于周一晚间播出，重播时间为次日下午。",
        "15:30",
        "栏目组表示，访谈节目共十期，每期约四十五分钟，观众也可以在电影网观看完整版。",
    ]
    player = (
        '<div class="qX3a"><div class="wT8b"><span>倍速</span><ul>'
        + "".join(f"<li>{s}X</li>" for s in ("2.0", "1.5", "1.0", "0.75"))
        + '</ul></div><div class="mN2c">00:00</div><div class="pL9d"><p>很抱歉，当前视频播放失败</p>'
        "<p>错误代码：QVS.4100</p></div></div>"
    )
    page = (
        '<html><head><meta charset="utf-8"><title>《城市影像》访谈节目5月20日起播出_电影网</title>'
        '</head><body><div class="hK1z"><a href="/">首页</a> <a href="/news/">新闻</a></div>'
        '<div class="zR4t"><h1>《城市影像》访谈节目5月20日起播出</h1><div class="cV7e">'
        "2024-05-20 09:12 来源：电影网</div>"
        f'{player}<div class="bY6u">{"".join(f"<p>{line}</p>" for line in story)}</div></div>'
        "</body></html>"
    )
    reading, _ = read_page(
        page.encode(), "https://www.example.com/news/20240520/1676288.shtml", RUNTIME,
        role="article",
    )  # fmt: skip
    lines = reading.parsed.posts[0].content.split("\n")
    assert [line for line in story if line not in lines] == []
    assert not {"倍速", "- 2.0X", "00:00", "很抱歉，当前视频播放失败"} & {x.strip() for x in lines}
    assert not any("错误代码" in line for line in lines)
