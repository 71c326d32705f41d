"""Pages of the demo government news portal: index, column lists, articles and an RSS feed.

The markup follows Chinese government CMS templates (TRS/Hanweb): ``meta`` ``ArticleTitle`` /
``PubDate`` / ``ContentSource``, an info line with 发布时间 and 来源, the body in ``div#zoom``.
"""

# ruff: noqa: E501 - HTML templates keep the real engines' markup one element per line

from __future__ import annotations

from html import escape

from opinion_spiders.demo import _timefmt as tf
from opinion_spiders.demo._model import ZONE, DemoStore, DemoThread

SITE_NAME = "临江市人民政府门户网站"
COLUMN = "政务要闻"
PER_PAGE = 8


def _frame(title: str, head: str, body: str, prefix: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="www.linjiang.gov.cn">
<meta name="SiteIDCode" content="3309000001">
{head}<link rel="alternate" type="application/rss+xml" title="{COLUMN}" href="{prefix}rss.xml">
</head>
<body>
<div class="header"><div class="logo"><a href="{prefix}index.html"><img src="{prefix}images/logo.png" alt="{SITE_NAME}"></a></div>
<ul class="nav"><li><a href="{prefix}index.html">首页</a></li><li><a href="{prefix}list_1.html">{COLUMN}</a></li><li><a href="{prefix}rss.xml">RSS订阅</a></li></ul></div>
{body}
<div class="footer"><p>主办：临江市人民政府办公室　网站标识码：3309000001</p></div>
</body>
</html>
"""


def articles(store: DemoStore) -> list[DemoThread]:
    return store.listing("portal", "news")


def index_page(store: DemoStore) -> str:
    """``index.html``: the latest headlines and a link to the column list."""
    items = "\n".join(_item(a, "") for a in articles(store)[:5])
    body = f"""<div class="main"><div class="column-box"><div class="column-title"><h2>{COLUMN}</h2>
<a class="more" href="list_1.html">更多&gt;&gt;</a></div>
<ul class="news-list">
{items}
</ul></div></div>"""
    return _frame(SITE_NAME, "", body)


def _item(article: DemoThread, prefix: str) -> str:
    day = f"{article.created.astimezone(ZONE):%Y-%m-%d}"
    title = escape(article.title)
    return f'<li><a href="{prefix}article/{article.tid}.html" target="_blank" title="{title}">{title}</a><span class="date">{day}</span></li>'


def list_page(store: DemoStore, number: int) -> str | None:
    """``list_N.html``: one page of the column, newest first, with 上一页/下一页 links."""
    rows = articles(store)
    pages = max(1, -(-len(rows) // PER_PAGE))
    if not 1 <= number <= pages:
        return None
    shown = rows[(number - 1) * PER_PAGE : number * PER_PAGE]
    nav = [f'<a href="list_{number - 1}.html" class="prev">上一页</a>'] if number > 1 else []
    nav.append(f"<span>第{number}页 共{pages}页</span>")
    if number < pages:
        nav.append(f'<a href="list_{number + 1}.html" class="next">下一页</a>')
    body = f"""<div class="main"><div class="position">当前位置：<a href="index.html">首页</a> &gt; {COLUMN}</div>
<div class="list-box"><ul class="list">
{chr(10).join(_item(a, "") for a in shown)}
</ul>
<div class="page">{" ".join(nav)}</div></div></div>"""
    return _frame(f"{COLUMN} - {SITE_NAME}", "", body)


def article_page(store: DemoStore, tid: int) -> str | None:
    """``article/ID.html``; a broken article keeps the frame but loses headline and body."""
    article = store.threads["portal"].get(tid)
    if article is None:
        return None
    crumbs = f'<div class="position">当前位置：<a href="../index.html">首页</a> &gt; <a href="../list_1.html">{COLUMN}</a> &gt; 正文</div>'
    if article.broken:
        body = f'<div class="main">{crumbs}<div class="article"><p class="tips">页面正在维护，请稍后访问。</p></div></div>'
        return _frame(SITE_NAME, "", body, "../")
    post = article.posts[0]
    shown = tf.portal_time(post.time)
    head = f"""<meta name="ColumnName" content="{COLUMN}">
<meta name="ArticleTitle" content="{escape(article.title)}">
<meta name="PubDate" content="{shown}">
<meta name="ContentSource" content="{escape(article.source)}">
<meta property="article:published_time" content="{tf.iso(post.time)}">
"""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in post.text.split("\n"))
    body = f"""<div class="main">{crumbs}
<div class="article">
<h1>{escape(article.title)}</h1>
<div class="info">发布时间：{shown}　来源：{escape(article.source)}　<span class="font">字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span></div>
<div id="zoom" class="article-content">
{paragraphs}
</div>
<div class="editor">【打印本页】【关闭窗口】</div>
</div></div>"""
    return _frame(f"{article.title} - {SITE_NAME}", head, body, "../")


def rss(store: DemoStore, base_url: str) -> str:
    """``rss.xml``: RSS 2.0 with every article, ``pubDate`` in RFC 822."""
    items = []
    for a in articles(store):
        link = f"{base_url}/portal/article/{a.tid}.html"
        summary = a.posts[0].text.split("\n")[0] if a.posts[0].text else a.title
        items.append(
            f"<item><title>{escape(a.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid><pubDate>{tf.rfc822(a.created)}</pubDate>'
            f'<source url="{base_url}/portal/rss.xml">{escape(a.source)}</source>'
            f"<description>{escape(summary)}</description></item>"
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>{COLUMN} - {SITE_NAME}</title>
<link>{base_url}/portal/index.html</link>
<description>{SITE_NAME}{COLUMN}栏目</description>
<language>zh-cn</language>
{chr(10).join(items)}
</channel>
</rss>
"""
