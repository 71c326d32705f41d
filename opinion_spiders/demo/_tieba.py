"""Pages of the demo post bar, after Baidu Tieba's PC site.

The bar page (``f?kw=``) is a script shell: its thread list comes from a JSON call made in the
browser, so only a JS-rendering crawl can read it. Thread pages (``p/TID``) are server HTML
with the ``data-field`` JSON Tieba puts on every floor; a floor's replies (楼中楼) are not in
it, only their count (``content.comment_num``): they come ten a page from ``p/comment?tid=
&pid=&pn=``, an HTML fragment of ``li.lzl_single_post`` items and a pager, as on Tieba.
"""

# ruff: noqa: E501 - HTML templates keep the real engines' markup one element per line

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from opinion_spiders.demo import _timefmt as tf
from opinion_spiders.demo._model import DemoPost, DemoStore, DemoThread

THREADS_PER_PAGE = 10
POSTS_PER_PAGE = 10
REPLIES_PER_PAGE = 10
FORUM_ID = 2609001


def _frame(title: str, page_data: dict[str, Any], body: str) -> str:
    data = json.dumps(page_data, ensure_ascii=False)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{escape(title)}</title>
<script>var PageData = {data};</script>
</head>
<body>
{body}
</body>
</html>
"""


def _bar_link(kw: str) -> str:
    return f'<a class="card_title_fname" href="/tieba/f?kw={quote(kw)}&amp;ie=utf-8">{escape(kw)}吧</a>'


def bar_page(store: DemoStore, kw: str, pn: int) -> str | None:
    """``f?kw=NAME&pn=P``: the shell; ``tieba_frs.js`` fetches and builds the thread list."""
    if not store.listing("postbar", kw):
        return None
    body = f"""<div id="head" class="search_bright clearfix"><div class="card_top_wrap clearfix"><div class="card_top">
{_bar_link(kw)}</div></div></div>
<div id="content" class="content clearfix"><div id="pagelet_frs-list/pagelet/thread_list">
<ul id="thread_list" class="threadlist_bright j_threadlist_bright"></ul>
<div class="thread_list_bottom clearfix"><div id="frs_list_pager" class="pagination-default clearfix"></div></div>
</div></div>
<noscript>请开启浏览器的 JavaScript 以浏览本吧。</noscript>
<script src="/tieba/static/tieba_frs.js"></script>"""
    return _frame(
        f"{kw}吧-百度贴吧", {"forum": {"name": kw, "id": FORUM_ID}, "pn": pn, "page": "frs"}, body
    )


def api_threads(store: DemoStore, kw: str, pn: int, now: datetime) -> dict[str, Any] | None:
    """``api/threads?kw=NAME&pn=P``: one page of threads (``pn`` is an offset, as on Tieba)."""
    rows = store.listing("postbar", kw)
    if not rows or pn < 0:
        return None
    shown = rows[pn : pn + THREADS_PER_PAGE]
    return {
        "forum": {"name": kw, "id": FORUM_ID},
        "pn": pn,
        "total": len(rows),
        "next_pn": pn + THREADS_PER_PAGE if pn + THREADS_PER_PAGE < len(rows) else None,
        "threads": [_thread_json(t, now) for t in shown],
    }


def _thread_json(thread: DemoThread, now: datetime) -> dict[str, Any]:
    first, last = thread.posts[0], thread.last
    return {
        "id": thread.tid,
        "title": thread.title,
        "author_name": first.author,
        "first_post_id": first.pid,
        "reply_num": thread.replies,
        "is_top": thread.sticky,
        "create_time": tf.tieba_list_date(first.time, now),
        "last_replyer": last.author,
        "last_reply_time": tf.tieba_list_date(last.time, now),
        "abstract": first.text.split("\n")[0][:60],
    }


def _pager(tid: int, current: int, pages: int) -> str:
    links = []
    for n in range(1, pages + 1):
        links.append(
            f'<span class="tP">{n}</span>'
            if n == current
            else f'<a href="/tieba/p/{tid}?pn={n}">{n}</a>'
        )
    if current < pages:
        links.append(f'<a href="/tieba/p/{tid}?pn={current + 1}">下一页</a>')
        links.append(f'<a href="/tieba/p/{tid}?pn={pages}">尾页</a>')
    return f'<li class="l_pager pager_theme_4 pb_list_pager">{"".join(links)}</li>'


def thread_page(store: DemoStore, tid: int, number: int, now: datetime) -> str | None:
    """``p/TID?pn=P``: ``h3.core_title_txt`` and ten ``div.l_post`` floors a page."""
    thread = store.threads["postbar"].get(tid)
    pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE)) if thread else 0
    if thread is None or not 1 <= number <= pages:
        return None
    shown = thread.posts[(number - 1) * POSTS_PER_PAGE : number * POSTS_PER_PAGE]
    floors = [floor_html(thread, p, now) for p in shown]
    if number == 1 and len(floors) > 2:
        floors.insert(2, AD_FLOOR)
    info = (
        f'<ul class="l_posts_num">{_pager(tid, number, pages)}<li class="l_reply_num" style="margin-left:8px">'
        f'<span class="red" style="margin-right:3px">{thread.replies}</span>回复贴，共'
        f'<span class="red">{pages}</span>页</li></ul>'
    )
    title = escape(thread.title)
    body = f"""<div class="card_top_wrap clearfix"><div class="card_top">{_bar_link(thread.board)}</div></div>
<div class="left_section">
<div id="j_core_title_wrap" class="core_title_wrap_bright clearfix"><h3 class="core_title_txt pull-left text-overflow" title="{title}" style="width: 416px">{title}</h3></div>
<div class="p_thread thread_theme_5" id="thread_theme_5"><div class="l_thread_info">{info}</div></div>
<div class="p_postlist" id="j_p_postlist">
{chr(10).join(floors)}
</div>
<div class="p_thread thread_theme_7" id="thread_theme_7"><div class="l_thread_info">{info}</div></div>
</div>"""
    page_data = {
        "forum": {"name": thread.board, "id": FORUM_ID},
        "thread": {"thread_id": tid, "title": thread.title},
    }
    return _frame(f"{thread.title}【{thread.board}吧】_百度贴吧", page_data, body)


def comment_page(store: DemoStore, tid: int, pid: int, number: int) -> str | None:
    """``p/comment?tid=&pid=&pn=``: ten replies of one floor and the fragment's pager."""
    thread = store.threads["postbar"].get(tid)
    floor = next((p for p in thread.posts if p.pid == pid), None) if thread else None
    pages = -(-len(floor.lzl) // REPLIES_PER_PAGE) if floor else 0
    if floor is None or not 1 <= number <= pages:
        return None
    shown = floor.lzl[(number - 1) * REPLIES_PER_PAGE : number * REPLIES_PER_PAGE]
    items = "\n".join(_reply_item(reply) for reply in shown)
    field = json.dumps({"total_num": len(floor.lzl), "total_page": pages})
    more = f'<a href="#{number + 1}">下一页</a>' if number < pages else ""
    return (  # a fragment: Tieba gives its charset in its header, the demo in a meta too
        f'<meta charset="utf-8">\n{items}\n'
        f"<li class=\"lzl_li_pager j_lzl_l_p lzl_li_pager_s\" data-field='{field}'>"
        f'<p class="j_pager l_pager pager_theme_2">{more}</p></li>'
    )


def _reply_item(reply: DemoPost) -> str:
    field = {"spid": reply.pid, "showname": reply.author, "user_name": reply.author}
    home = f"/tieba/home/main?un={quote(reply.author)}&amp;fr=pb"
    when = f"{reply.time.year}-{reply.time.month}-{reply.time.day} {reply.time:%H:%M}"
    return f"""<li class="lzl_single_post j_lzl_s_p" data-field='{escape(json.dumps(field, ensure_ascii=False), quote=False)}'>
<a class="j_user_card lzl_p_p" href="{home}" username="{escape(reply.author)}"></a>
<div class="lzl_cnt"><a class="at j_user_card" href="{home}" username="{escape(reply.author)}">{escape(reply.author)}</a>:&nbsp;<span class="lzl_content_main">{escape(reply.text)}</span>
<div class="lzl_content_reply"><span class="lzl_time">{when}</span><a href="#" class="lzl_s_r">回复</a></div></div></li>"""


AD_FLOOR = """<div class="l_post l_post_bright j_l_post clearfix" data-field="">
<div class="d_post_content_main"><div class="p_content"><div class="d_post_content">本地生活服务，一键预约上门。</div></div>
<div class="core_reply_tail"><span class="label_text">广告</span></div></div></div>"""


def floor_html(thread: DemoThread, post: DemoPost, now: datetime) -> str:
    """One floor with the ``data-field`` JSON of the author and the post."""
    field = {
        "author": {"user_id": post.uid, "user_name": post.author, "props": None},
        "content": {
            "post_id": post.pid, "is_anonym": False, "forum_id": FORUM_ID,
            "thread_id": thread.tid, "post_no": post.floor, "type": "0",
            "comment_num": len(post.lzl),
        },
    }  # fmt: skip
    text = "<br>".join(escape(line) for line in post.text.split("\n"))
    device = (
        '<span class="tail-info">来自<a href="#" target="_blank">Android客户端</a></span>'
        if post.pid % 3 == 0
        else ""
    )
    return f"""<div class="l_post l_post_bright j_l_post clearfix" data-field="{escape(json.dumps(field, ensure_ascii=False))}">
<div class="d_author"><ul class="p_author"><li class="d_name" data-field='{{"user_id":{post.uid}}}'>
<a class="p_author_name j_user_card" href="/tieba/home/main?un={quote(post.author)}&amp;ie=utf-8" target="_blank">{escape(post.author)}</a></li></ul></div>
<div class="d_post_content_main"><div class="p_content"><cc><div id="post_content_{post.pid}" class="d_post_content j_d_post_content " style="display:;">            {text}</div><br></cc></div>
<div class="core_reply j_lzl_wrapper"><div class="core_reply_tail clearfix"><div class="post-tail-wrap">{device}<span class="tail-info">{post.floor}楼</span><span class="tail-info">{tf.tieba_tail(post.time, now)}</span></div></div></div>
</div></div>"""
