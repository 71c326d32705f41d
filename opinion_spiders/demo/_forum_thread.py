"""Discuz! X3-style thread pages (``mod=viewthread``) and notice pages of the demo forum."""

# ruff: noqa: E501 - HTML templates keep the real engines' markup one element per line

from __future__ import annotations

from datetime import datetime
from html import escape

from opinion_spiders.demo import _timefmt as tf
from opinion_spiders.demo._forum import (
    POSTS_PER_PAGE,
    board_crumb,
    page,
    pager,
    time_span,
    user_link,
)
from opinion_spiders.demo._model import DemoPost, DemoStore, DemoThread

_FLOOR_NAMES = {1: "楼主", 2: "沙发", 3: "板凳", 4: "地板"}
NOT_FOUND = "抱歉，指定的主题不存在或已被删除或正在被审核"


def notice_page(message: str) -> str:
    """The Discuz! ``showmessage`` page (``div#messagetext``), served with HTTP 200 like the real one."""
    body = f"""<div id="ct" class="wp cl w"><div class="nfl"><div class="f_c altw">
<div id="messagetext" class="alert_error">
<p>{escape(message)}</p>
<script type="text/javascript">if(history.length > (BROWSER.ie ? 0 : 1)) {{ }}</script>
<p class="alert_btnleft"><a href="javascript:history.back()">[ 点击这里返回上一页 ]</a></p>
</div></div></div></div>"""
    return page("提示信息", "pg_viewthread", "", body)


def thread_page(store: DemoStore, tid: int, number: int, now: datetime) -> str | None:
    """``forum.php?mod=viewthread&tid=N&page=P``; a notice for an unknown thread, None past the end."""
    thread = store.threads["forum"].get(tid)
    if thread is None:
        return notice_page(NOT_FOUND)
    if thread.broken:
        return broken_page(thread)
    pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
    if not 1 <= number <= pages:
        return None
    shown = thread.posts[(number - 1) * POSTS_PER_PAGE : number * POSTS_PER_PAGE]
    pg = pager(f"forum.php?mod=viewthread&amp;tid={tid}", number, pages)
    floors = "\n".join(floor_html(thread, post, now) for post in shown)
    body = f"""<div id="ct" class="wp cl">
<div id="pgt" class="pgs mbm cl"><div class="pgt">{pg}</div></div>
<div id="postlist" class="pl bm">
<table cellspacing="0" cellpadding="0"><tr>
<td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">{thread.views}</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">{thread.replies}</span></div></td>
<td class="plc ptm pbn vwthd"><h1 class="ts"><span id="thread_subject">{escape(thread.title)}</span></h1>
<span class="xg1"><a href="forum.php?mod=viewthread&amp;tid={tid}">[复制链接]</a></span></td>
</tr></table>
{floors}
<div id="postlistreply" class="pl"><div id="post_new" class="viewthread_table" style="display: none"></div></div>
</div>
<div class="pgs mtm mbm cl">{pg}</div>
</div>"""
    crumbs = (
        board_crumb(thread.board)
        + f' <em>&rsaquo;</em> <a href="forum.php?mod=viewthread&amp;tid={tid}">{escape(thread.title)}</a>'
    )
    return page(thread.title, "pg_viewthread", crumbs, body)


def broken_page(thread: DemoThread) -> str:
    """A thread page cut off mid-markup: subject, then no floors (a half-written cache file)."""
    head = page(thread.title, "pg_viewthread", board_crumb(thread.board), "@@CUT@@")
    return head.split("@@CUT@@")[0] + (
        '<div id="ct" class="wp cl"><div id="postlist" class="pl bm">\n'
        '<table cellspacing="0" cellpadding="0"><tr><td class="plc ptm pbn vwthd"><h1 class="ts">'
        f'<span id="thread_subject">{escape(thread.title)}</span></h1></td></tr></table>\n'
        '<div id="post_"><table class="plhin"><tr><td class="pls">锟斤拷锟斤拷 烫烫烫\n'
    )


def floor_label(floor: int) -> str:
    return _FLOOR_NAMES.get(floor) or f"<em>{floor}</em><sup>#</sup>"


def floor_html(thread: DemoThread, post: DemoPost, now: datetime) -> str:
    """One floor: ``div#post_PID`` with author, ``em#authorpostonPID`` and ``td.t_f#postmessage_PID``."""
    pid, tid = post.pid, thread.tid
    posted = time_span(post.time, now, tf.discuz_full(post.time))
    sign = (
        f'<div class="sign" style="max-height:100px;">{escape(post.sign)}</div>'
        if post.sign
        else ""
    )
    return f"""<div id="post_{pid}"><table id="pid{pid}" class="plhin" summary="pid{pid}" cellspacing="0" cellpadding="0">
<tr>
<td class="pls" rowspan="2"><div id="favatar{pid}" class="pls favatar"><div class="pi"><div class="authi">{user_link(post)}</div></div>
<div class="avatar"><a href="home.php?mod=space&amp;uid={post.uid}" class="avtm" target="_blank"><img src="uc_server/images/noavatar_middle.gif" /></a></div></div></td>
<td class="plc"><div class="pi">
<strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid={tid}&amp;pid={pid}" id="postnum{pid}" onclick="setCopy(this.href, '帖子地址复制成功');return false;">{floor_label(post.floor)}</a></strong>
<div class="pti"><div class="authi"><img class="authicn vm" id="authicon{pid}" src="static/image/common/online_member.gif" />
<em id="authorposton{pid}">发表于 {posted}</em>
<span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;page=1&amp;authorid={post.uid}" rel="nofollow">只看该作者</a>
</div></div></div>
<div class="pct"><div class="pcb"><div class="t_fsz">
<table cellspacing="0" cellpadding="0"><tr><td class="t_f" id="postmessage_{pid}">
{message_html(post)}</td></tr></table>
</div><div id="comment_{pid}" class="cm"></div><div id="post_rate_div_{pid}"></div></div></div>
</td></tr>
<tr><td class="plc plm">{sign}</td></tr>
</table></div>"""


def message_html(post: DemoPost) -> str:
    """The post body as Discuz! stores it: ``<br />`` lines, an edit note, a quote block."""
    parts = []
    if post.edited:
        stamp = tf.discuz_minute(post.time)
        parts.append(
            f'<i class="pstatus"> 本帖最后由 {escape(post.author)} 于 {stamp} 编辑 </i><br />\n<br />\n'
        )
    if post.quote:
        who, said = post.quote
        parts.append(
            '<div class="quote"><blockquote><font size="2"><font color="#999999">'
            f"{escape(who)} 发表于 {tf.discuz_minute(post.time)}</font></font><br />\n"
            f"{escape(said)}</blockquote></div><br />\n"
        )
    parts.append("<br />\n".join(escape(line) for line in post.text.split("\n")))
    return "".join(parts) + "\n"
