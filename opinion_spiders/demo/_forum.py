"""Discuz! X3-style pages of the demo forum (markup after the real templates; served as GBK)."""

# ruff: noqa: E501 - HTML templates keep the real engines' markup one element per line

from __future__ import annotations

from datetime import datetime
from functools import cache
from html import escape

from opinion_spiders.demo import _timefmt as tf
from opinion_spiders.demo._model import DemoPost, DemoStore, DemoThread
from opinion_spiders.demo._seed import load_content

THREADS_PER_PAGE = 10
POSTS_PER_PAGE = 10
FORUM_NAME = "临江论坛"


@cache
def boards() -> dict[str, tuple[str, str]]:
    """Board id -> (name, description), from the bundled content."""
    data = load_content()["forum"]["boards"]
    return {str(b["fid"]): (b["name"], b["description"]) for b in data}


def page(title: str, body_class: str, crumbs: str, body: str) -> str:
    """The Discuz! page frame: GBK meta, header, breadcrumb (``div#pt``) and footer."""
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="gbk" />
<meta http-equiv="Content-Type" content="text/html; charset=gbk" />
<title>{escape(title)} - {FORUM_NAME} - Powered by Discuz!</title>
<meta name="generator" content="Discuz! X3.4" />
<script type="text/javascript">var STYLEID = '1', IMGDIR = 'static/image/common', VERHASH = 'Kx3';</script>
</head>
<body id="nv_forum" class="{body_class}" onkeydown="if(event.keyCode==27) return false;">
<div id="hd"><div class="wp"><div class="hdc cl"><h2><a href="./" title="{FORUM_NAME}">{FORUM_NAME}</a></h2></div></div></div>
<div id="wp" class="wp">
<div id="pt" class="bm cl"><div class="z"><a href="./" class="nvhm" title="首页">{FORUM_NAME}</a> <em>&rsaquo;</em> <a href="forum.php">论坛</a>{crumbs}</div></div>
{body}
</div>
<div id="ft" class="wp cl"><div id="flk" class="y"><p>Powered by <strong><a href="http://www.discuz.net" target="_blank">Discuz!</a></strong> <em>X3.4</em></p></div></div>
</body>
</html>
"""


def board_crumb(fid: str) -> str:
    name = boards().get(fid, ("", ""))[0]
    return f' <em>&rsaquo;</em> <a href="forum.php?mod=forumdisplay&amp;fid={fid}">{name}</a>'


def user_link(post: DemoPost, cls: str = "xw1") -> str:
    uid = post.uid
    return f'<a href="home.php?mod=space&amp;uid={uid}" target="_blank" class="{cls}">{escape(post.author)}</a>'


def time_span(t: datetime, now: datetime, absolute: str) -> str:
    """A relative time with the absolute one in ``title`` (as Discuz! does), else absolute."""
    relative = tf.discuz_relative(t, now)
    return f'<span title="{absolute}">{relative}</span>' if relative else absolute


def pager(base: str, current: int, pages: int) -> str:
    """Discuz!'s ``div.pg``; empty for one page."""
    if pages <= 1:
        return ""
    parts = (
        [f'<a href="{base}&amp;page={current - 1}" class="prev">&nbsp;&nbsp;</a>']
        if current > 1
        else []
    )
    for n in range(1, pages + 1):
        parts.append(
            f"<strong>{n}</strong>" if n == current else f'<a href="{base}&amp;page={n}">{n}</a>'
        )
    parts.append(
        f'<label><input type="text" name="custompage" class="px" size="2" value="{current}" />'
        f'<span title="共 {pages} 页"> / {pages} 页</span></label>'
    )
    if current < pages:
        parts.append(f'<a href="{base}&amp;page={current + 1}" class="nxt">下一页</a>')
    return f'<div class="pg">{"".join(parts)}</div>'


def index_page(store: DemoStore) -> str:
    """``forum.php``: the board index."""
    rows = []
    for fid, (name, desc) in boards().items():
        threads = store.listing("forum", fid)
        posts = sum(len(t.posts) for t in threads)
        rows.append(
            f'<tr><td class="fl_icn"><a href="forum.php?mod=forumdisplay&amp;fid={fid}">'
            f'<img src="static/image/common/forum.gif" alt="{name}" /></a></td>\n'
            f'<td><h2><a href="forum.php?mod=forumdisplay&amp;fid={fid}">{name}</a></h2>'
            f'<p class="xg2">{desc}</p></td>\n'
            f'<td class="fl_i"><span class="xi2">{len(threads)}</span><span class="xg1"> / {posts}</span></td></tr>'
        )
    body = (
        '<div id="ct" class="wp cl"><div class="mn"><div class="fl bm"><div class="bm bmw cl">'
        '<div class="bm_h cl"><h2><a href="forum.php?gid=1">临江社区</a></h2></div>'
        '<div id="category_1" class="bm_c"><table cellspacing="0" cellpadding="0" class="fl_tb">\n'
        + "\n".join(rows)
        + "\n</table></div></div></div></div></div>"
    )
    return page("论坛", "pg_index", "", body)


def listing_page(store: DemoStore, fid: str, number: int, now: datetime) -> str | None:
    """``forum.php?mod=forumdisplay&fid=N&page=P``; None for an unknown board or page."""
    if fid not in boards():
        return None
    threads = store.listing("forum", fid)
    sticky = [t for t in threads if t.sticky]
    normal = [t for t in threads if not t.sticky]
    pages = max(1, -(-len(normal) // THREADS_PER_PAGE))
    if not 1 <= number <= pages:
        return None
    shown = normal[(number - 1) * THREADS_PER_PAGE : number * THREADS_PER_PAGE]
    rows = [thread_row(t, "stickthread", now) for t in (sticky if number == 1 else [])]
    if rows:
        rows.append(
            '<tbody id="separatorline"><tr class="ts"><td>&nbsp;</td>'
            '<th><a href="javascript:;" class="forumrefresh">版块主题</a></th>'
            "<td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td></tr></tbody>"
        )
    rows += [thread_row(t, "normalthread", now) for t in shown]
    name = boards()[fid][0]
    pg = pager(f"forum.php?mod=forumdisplay&amp;fid={fid}", number, pages)
    body = f"""<div id="ct" class="wp cl"><div class="mn">
<div class="bm bml pbn"><div class="bm_h cl"><h1 class="xs2"><a href="forum.php?mod=forumdisplay&amp;fid={fid}">{name}</a>
<span class="xs1 xw0 i">主题: <strong class="xi1">{len(threads)}</strong></span></h1></div></div>
<div id="pgt" class="bm bw0 pgs cl"><span id="fd_page_top">{pg}</span></div>
<div id="threadlist" class="tl bm bmw"><div class="bm_c"><form method="post" name="moderate" id="moderate">
<table summary="forum_{fid}" cellspacing="0" cellpadding="0" id="threadlisttableid">
{chr(10).join(rows)}
</table></form></div></div>
<div class="bm bw0 pgs cl"><span id="fd_page_bottom">{pg}</span></div>
</div></div>"""
    return page(name, "pg_forumdisplay", board_crumb(fid), body)


def thread_row(thread: DemoThread, kind: str, now: datetime) -> str:
    """One ``tbody#stickthread_TID`` / ``tbody#normalthread_TID`` row of a thread list."""
    first, last, tid = thread.posts[0], thread.last, thread.tid
    url = f"forum.php?mod=viewthread&amp;tid={tid}"
    created = time_span(first.time, now, tf.discuz_minute(first.time))
    if created == tf.discuz_minute(first.time):
        created = tf.discuz_date(first.time)
    return f"""<tbody id="{kind}_{tid}">
<tr>
<td class="icn"><a href="{url}" title="新窗口打开" target="_blank"><img src="static/image/common/folder_common.gif" /></a></td>
<th class="common">
<a href="{url}" onclick="atarget(this)" class="s xst">{escape(thread.title)}</a>
</th>
<td class="by">
<cite><a href="home.php?mod=space&amp;uid={first.uid}" c="1">{escape(first.author)}</a></cite>
<em><span>{created}</span></em>
</td>
<td class="num"><a href="{url}" class="xi2">{thread.replies}</a><em>{thread.views}</em></td>
<td class="by">
<cite><a href="home.php?mod=space&amp;uid={last.uid}" c="1">{escape(last.author)}</a></cite>
<em><a href="forum.php?mod=redirect&amp;tid={tid}&amp;goto=lastpost#lastpost">{time_span(last.time, now, tf.discuz_minute(last.time))}</a></em>
</td>
</tr>
</tbody>"""
