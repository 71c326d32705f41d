"""How an alert or a digest reads: its headline, the facts an analyst reads, as plain text or
as the Markdown the group robots render, and the digest of alerts held in quiet hours. Pure
functions, shared by every channel (built-in or an outside plugin's); each channel's wire
format — robot bodies and signatures, the email message — lives with its channel plugin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from opinion_spiders.events.stories import story_line

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIER_LABELS = {"notice": "关注", "warning": "警告", "urgent": "紧急"}
#: Digests list at most this many alerts (highest score first); the rest are counted.
DIGEST_MAX_ITEMS = 20


def tier_label(tier: str | None) -> str:
    return TIER_LABELS.get(tier or "", tier or "")


def headline(alert: Mapping[str, Any]) -> str:
    """``【舆情预警·警告】title`` — the first line, subject and robot title of an alert;
    ``【舆情预警·警告·升级】`` when a story or event escalated, ``【舆情事件·…】`` for a burst."""
    title = alert.get("title") or alert.get("url") or alert.get("_id")
    kind = "舆情事件" if alert.get("type") == "event" else "舆情预警"
    step = "·升级" if alert.get("escalated_at") else ""
    return f"【{kind}·{tier_label(alert.get('tier'))}{step}】{title}"


def _when(value: Any, tz: tzinfo) -> str:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return "未知"


#: What an alert says when its post is not in the store yet (``durable``, see pipelines.alert).
NOT_STORED = {
    "spooled": "数据库暂不可用，帖子已暂存磁盘，恢复后补入库",
    "unwritten": "帖子写入数据库失败，详见采集日志",
}


def alert_fields(alert: Mapping[str, Any], tz: tzinfo = SHANGHAI) -> list[tuple[str, str]]:
    """The labelled facts an analyst reads, in order (and how far the story grew)."""
    facts = [("规模", story_line(alert))] if story_line(alert) else []
    if alert.get("durable") in NOT_STORED:
        facts.append(("入库", NOT_STORED[alert["durable"]]))
    return facts + [
        ("站点", f"{alert.get('site') or ''}（{alert.get('kind') or ''}）"),
        ("分数", f"{float(alert.get('score') or 0):.1f}"),
        ("规则", "、".join(str(r) for r in alert.get("rules") or []) or "无"),
        ("命中", "、".join(alert.get("terms") or []) or "无"),
        ("作者", str(alert.get("author") or "未知")),
        ("发布", _when(alert.get("published_at"), tz)),
    ]


def alert_text(alert: Mapping[str, Any], tz: tzinfo = SHANGHAI) -> str:
    lines = [headline(alert)]
    lines += [f"{label}：{value}" for label, value in alert_fields(alert, tz)]
    lines.append(f"链接：{alert.get('url') or ''}")
    return "\n".join(lines)


def alert_markdown(alert: Mapping[str, Any], tz: tzinfo = SHANGHAI) -> str:
    """Markdown both DingTalk and WeCom render: a heading, bold labels, a link."""
    lines = [f"### {headline(alert)}"]
    lines += [f"**{label}**：{value}  " for label, value in alert_fields(alert, tz)]
    if alert.get("url"):
        lines.append(f"[查看原文]({alert['url']})")
    return "\n".join(lines)


def digest_title(alerts: Sequence[Mapping[str, Any]]) -> str:
    return f"【舆情预警·静默时段摘要】{len(alerts)} 条预警"


def digest_items(
    alerts: Sequence[Mapping[str, Any]], tz: tzinfo = SHANGHAI
) -> tuple[list[str], int]:
    """One line per alert, highest score first, at most DIGEST_MAX_ITEMS; and how many more."""
    ranked = sorted(alerts, key=lambda a: -float(a.get("score") or 0))
    lines = [
        f"[{tier_label(a.get('tier'))}] {float(a.get('score') or 0):.1f} "
        f"{a.get('site') or ''} {a.get('title') or ''}{_grown(a)} "
        f"（{_when(a.get('created_at'), tz)}）{a.get('url') or ''}"
        for a in ranked[:DIGEST_MAX_ITEMS]
    ]
    return lines, max(0, len(ranked) - DIGEST_MAX_ITEMS)


def digest_text(alerts: Sequence[Mapping[str, Any]], tz: tzinfo = SHANGHAI) -> str:
    lines, more = digest_items(alerts, tz)
    out = [digest_title(alerts), *(f"{i}. {line}" for i, line in enumerate(lines, 1))]
    if more:
        out.append(f"……另有 {more} 条，见 opinion report")
    return "\n".join(out)


def digest_markdown(alerts: Sequence[Mapping[str, Any]], tz: tzinfo = SHANGHAI) -> str:
    ranked = sorted(alerts, key=lambda a: -float(a.get("score") or 0))
    out = [f"### {digest_title(alerts)}"]
    for i, a in enumerate(ranked[:DIGEST_MAX_ITEMS], 1):
        title = a.get("title") or a.get("url") or a.get("_id")
        link = f"[{title}]({a['url']})" if a.get("url") else str(title)
        out.append(
            f"{i}. **{tier_label(a.get('tier'))}** {float(a.get('score') or 0):.1f} "
            f"{a.get('site') or ''} {link}{_grown(a)}"
        )
    if len(ranked) > DIGEST_MAX_ITEMS:
        out.append(f"……另有 {len(ranked) - DIGEST_MAX_ITEMS} 条，见 opinion report")
    return "\n".join(out)


def _grown(alert: Mapping[str, Any]) -> str:
    line = story_line(alert)
    return f"（{line}）" if line else ""
