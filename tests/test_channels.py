"""Each channel against a real receiver on loopback that checks format and signature the way
the platform documents it; message formats and signatures as tables."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import urllib.error
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.alerting.messages import (
    DIGEST_MAX_ITEMS,
    alert_markdown,
    alert_text,
    digest_text,
    headline,
)
from opinion_spiders.items import Post
from opinion_spiders.stores import open_store
from pipelines.alert import AlertPipeline
from plugins.channels import (
    DingTalkChannel,
    EmailChannel,
    FeishuChannel,
    LogChannel,
    RobotRefused,
    SmtpConfig,
    WebhookChannel,
    WeComChannel,
    dingtalk_sign,
    dingtalk_signed_url,
    feishu_sign,
    opinion_alert_channels,
    truncate_utf8,
    wecom_body,
)
from tests._docs import docs_text
from tests.receivers import (
    DingTalkReceiver,
    FeishuReceiver,
    SmtpReceiver,
    WebhookReceiver,
    WeComReceiver,
)

T0 = datetime(2024, 5, 1, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
ALERT: dict[str, Any] = {
    "_id": "post:demo-bar:88:1", "type": "post", "post_id": "demo-bar:88:1", "site": "demo-bar",
    "kind": "postbar", "url": "http://127.0.0.1:8077/bar/p/88", "title": "街道办强拆我家小院",
    "author": "路人甲", "score": 63.5, "tier": "warning", "rules": ["land", "corruption"],
    "terms": ["强拆", "索贿"], "published_at": T0, "crawled_at": T0, "created_at": T0,
    "status": "pending", "deliveries": {"log": {"status": "sent"}},
}  # fmt: skip


# -- formats and signatures (tables) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        (ALERT, "【舆情预警·警告】街道办强拆我家小院"),
        ({**ALERT, "tier": "urgent"}, "【舆情预警·紧急】街道办强拆我家小院"),
        (
            {**ALERT, "tier": "notice", "title": ""},
            "【舆情预警·关注】http://127.0.0.1:8077/bar/p/88",
        ),
        ({**ALERT, "tier": "红色"}, "【舆情预警·红色】街道办强拆我家小院"),
    ],
)
def test_channels_headline(alert: dict[str, Any], expected: str) -> None:
    assert headline(alert) == expected


def test_channels_text_and_markdown_show_the_evidence() -> None:
    text = alert_text(ALERT)
    assert "命中：强拆、索贿" in text and "发布：2024-05-01 14:30" in text and "分数：63.5" in text
    md = alert_markdown(ALERT)
    assert (
        md.startswith("### 【舆情预警·警告】")
        and "[查看原文](http://127.0.0.1:8077/bar/p/88)" in md
    )
    assert "发布：未知" in alert_text({**ALERT, "published_at": None})
    assert "入库" not in alert_text({**ALERT, "durable": "stored"})
    assert "入库：数据库暂不可用，帖子已暂存磁盘" in alert_text({**ALERT, "durable": "spooled"})


def test_channels_readme_example_is_what_an_alert_reads() -> None:
    readme = docs_text()
    example = readme.split("An alert reads:\n\n```text\n", 1)[1].split("```", 1)[0]
    assert example.rstrip("\n") == alert_text(ALERT)


def test_channels_digest_caps_its_list() -> None:
    alerts = [{**ALERT, "_id": f"post:{i}", "score": float(i)} for i in range(DIGEST_MAX_ITEMS + 5)]
    text = digest_text(alerts)
    assert text.splitlines()[0] == f"【舆情预警·静默时段摘要】{DIGEST_MAX_ITEMS + 5} 条预警"
    assert text.splitlines()[1].startswith(f"1. [警告] {DIGEST_MAX_ITEMS + 4:.1f}")
    assert text.endswith("……另有 5 条，见 opinion report")


@pytest.mark.parametrize(
    ("text", "limit"), [("舆情" * 3000, 4096), ("a" * 5000, 4096), ("短", 4096)]
)
def test_channels_truncate_utf8_counts_bytes(text: str, limit: int) -> None:
    cut = truncate_utf8(text, limit)
    assert len(cut.encode("utf-8")) <= limit and text.startswith(cut.rstrip("…"))
    assert len(wecom_body(text)["markdown"]["content"].encode()) <= 4096


@pytest.mark.parametrize("secret", ["SEC5a3ecf88f2b3", "this is secret", "x" * 64])
@pytest.mark.parametrize("ts", [1_577_808_000_000, 1_700_000_000_123])
def test_channels_dingtalk_sign_is_hmac_keyed_by_secret(secret: str, ts: int) -> None:
    msg = f"{ts}\n{secret}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()
    assert base64.b64decode(dingtalk_sign(secret, ts)) == digest
    query = urllib.parse.urlsplit(
        dingtalk_signed_url("http://h/robot/send?access_token=t", secret, ts)
    ).query
    assert "+" not in query and query.startswith("access_token=t&timestamp=")
    assert urllib.parse.parse_qs(query)["sign"] == [dingtalk_sign(secret, ts)]


@pytest.mark.parametrize("secret", ["qU8ZQmQcWrDRkGe0ivRcHd", "你的密钥"])
@pytest.mark.parametrize("ts", [1_599_360_473, 1_700_000_000])
def test_channels_feishu_sign_uses_the_string_as_key(secret: str, ts: int) -> None:
    key = f"{ts}\n{secret}".encode()
    assert base64.b64decode(feishu_sign(secret, ts)) == hmac.new(key, b"", hashlib.sha256).digest()
    swapped = hmac.new(secret.encode(), key, hashlib.sha256).digest()  # DingTalk's way round
    assert base64.b64decode(feishu_sign(secret, ts)) != swapped


# -- each channel against its receiver -------------------------------------------------------
def test_channels_webhook_posts_the_alert_json(webhook: WebhookReceiver) -> None:
    WebhookChannel(webhook.url).send(ALERT)
    (req,) = webhook.requests
    body = req["json"]
    assert {"id", "score", "tier", "url", "title", "terms", "site"} <= set(body)
    assert body["id"] == ALERT["_id"] and "deliveries" not in body and "_id" not in body
    assert body["published_at"] == "2024-05-01T06:30:00+00:00"
    assert req["content_type"] == "application/json; charset=utf-8"
    webhook.fail_next = 1
    with pytest.raises(urllib.error.HTTPError):
        WebhookChannel(webhook.url).send(ALERT)


def test_channels_dingtalk_signed_markdown(dingtalk: DingTalkReceiver) -> None:
    DingTalkChannel(dingtalk.url, dingtalk.secret).send(ALERT)
    (req,) = dingtalk.requests
    assert req["json"]["msgtype"] == "markdown"
    assert req["json"]["markdown"]["title"] == "【舆情预警·警告】街道办强拆我家小院"
    assert "**命中**：强拆、索贿" in req["json"]["markdown"]["text"]
    assert set(req["query"]) == {"timestamp", "sign"}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda r: DingTalkChannel(r.url, "SECwrong"), "310000"),  # wrong secret
        (lambda r: DingTalkChannel(r.url, r.secret, clock=lambda: 1e9), "310000"),  # stale time
        (lambda r: DingTalkChannel(r.url, ""), "310000"),  # unsigned, robot wants a signature
    ],
)
def test_channels_dingtalk_refusals_raise(dingtalk: DingTalkReceiver, make: Any, code: str) -> None:
    with pytest.raises(RobotRefused, match=code):
        make(dingtalk).send(ALERT)
    assert dingtalk.requests == [] and len(dingtalk.refused) == 1


def test_channels_wecom_markdown(wecom: WeComReceiver) -> None:
    WeComChannel(wecom.url).send(ALERT)
    # over 4096 bytes: cut, not refused
    WeComChannel(wecom.url).send({**ALERT, "title": "长" * 3000})
    first, long = wecom.requests
    assert first["json"]["msgtype"] == "markdown"
    assert first["json"]["markdown"]["content"].startswith(
        "### 【舆情预警·警告】街道办强拆我家小院"
    )
    assert len(long["json"]["markdown"]["content"].encode()) <= 4096
    with pytest.raises(RobotRefused, match="93000"):
        WeComChannel(wecom.url.replace(wecom.key, "not-the-key")).send(ALERT)
    wecom.fail_next = 1
    with pytest.raises(RobotRefused, match="45009"):
        WeComChannel(wecom.url).send_digest([ALERT])


def test_channels_feishu_signed_post(feishu: FeishuReceiver) -> None:
    FeishuChannel(feishu.url, feishu.secret).send(ALERT)
    (req,) = feishu.requests
    body = req["json"]
    assert body["msg_type"] == "post" and body["timestamp"].isdigit() and body["sign"]
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "【舆情预警·警告】街道办强拆我家小院"
    assert [{"tag": "text", "text": "命中：强拆、索贿"}] in post["content"]
    assert post["content"][-1] == [{"tag": "a", "text": "查看原文", "href": ALERT["url"]}]
    with pytest.raises(RobotRefused, match="19021"):
        FeishuChannel(feishu.url, "wrong-secret").send(ALERT)
    with pytest.raises(RobotRefused, match="19021"):
        FeishuChannel(feishu.url, feishu.secret, clock=lambda: 1e9).send(ALERT)
    FeishuChannel(feishu.url, feishu.secret).send_digest([ALERT, {**ALERT, "_id": "post:2"}])
    assert feishu.requests[-1]["json"]["content"]["post"]["zh_cn"]["title"].endswith("2 条预警")


def _smtp(server: SmtpReceiver) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, sender="舆情监测 <monitor@example.cn>",
                      recipients=("duty@example.cn", "chief@example.cn"))  # fmt: skip


def test_channels_email_utf8_chinese_subject(smtp_server: SmtpReceiver) -> None:
    EmailChannel(_smtp(smtp_server)).send(ALERT)
    (msg,) = smtp_server.messages
    assert msg["Subject"] == "【舆情预警·警告】街道办强拆我家小院"
    raw_headers = smtp_server.envelopes[0]["raw"].split(b"\r\n\r\n")[0].decode("ascii")
    assert "=?utf-8?" in raw_headers.lower(), "a non-ASCII subject travels RFC 2047-encoded"
    assert smtp_server.envelopes[0]["to"] == ["duty@example.cn", "chief@example.cn"]
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert "命中：强拆、索贿" in body and ALERT["url"] in body
    assert str(msg["From"]) == "舆情监测 <monitor@example.cn>"


def test_channels_email_digest_and_refusal(smtp_server: SmtpReceiver) -> None:
    channel = EmailChannel(_smtp(smtp_server))
    channel.send_digest([ALERT, {**ALERT, "_id": "post:2", "title": "第二条"}])
    assert smtp_server.messages[0]["Subject"] == "【舆情预警·静默时段摘要】2 条预警"
    smtp_server.fail_next = 1
    with pytest.raises(Exception, match="451"):
        channel.send(ALERT)
    assert len(smtp_server.messages) == 1


def test_channels_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="opinion_spiders.alerts"):
        LogChannel().send(ALERT)
        LogChannel().send_digest([ALERT])
    assert "ALERT 【舆情预警·警告】街道办强拆我家小院 | 站点：demo-bar（postbar）" in caplog.text
    assert "静默时段摘要" in caplog.text


# -- channels come from settings -------------------------------------------------------------
def test_channels_from_settings(webhook: WebhookReceiver) -> None:
    assert [c.name for c in opinion_alert_channels({})] == ["log"]
    settings = {
        "OPINION_WEBHOOK_URL": webhook.url,
        "OPINION_SMTP_HOST": "127.0.0.1", "OPINION_SMTP_TO": "a@x.cn,b@x.cn",
        "OPINION_DINGTALK_URL": "http://127.0.0.1:1/robot/send", "OPINION_DINGTALK_SECRET": "SECx",
        "OPINION_WECOM_URL": "http://127.0.0.1:1/cgi-bin/webhook/send?key=k",
        "OPINION_FEISHU_URL": "http://127.0.0.1:1/open-apis/bot/v2/hook/x", "OPINION_FEISHU_SECRET": "s",
    }  # fmt: skip
    channels = opinion_alert_channels(settings)
    assert [c.name for c in channels] == ["log", "webhook", "email", "dingtalk", "wecom", "feishu"]
    email_channel = channels[2]
    assert isinstance(email_channel, EmailChannel)
    assert email_channel.config.recipients == ("a@x.cn", "b@x.cn")


# -- the pipeline: a pending alert from an earlier run is never lost ----------------------------
@pytest.fixture
def crawler_settings(tmp_path: Path, webhook: WebhookReceiver) -> Iterator[dict[str, Any]]:
    yield {"OPINION_STORE": f"embedded://{tmp_path / 'store'}", "OPINION_WEBHOOK_URL": webhook.url,
           "OPINION_ALERT_TIERS": {"notice": 25, "warning": 50, "urgent": 100}}  # fmt: skip


def test_channels_pipeline_retries_pending_at_open_and_raises_once(
    crawler_settings: dict[str, Any], webhook: WebhookReceiver
) -> None:
    import asyncio

    store = open_store(crawler_settings["OPINION_STORE"])
    failed = {"status": "failed", "attempts": 1, "next_attempt_at": T0}
    store.insert_alert({**ALERT, "deliveries": {"log": {"status": "sent"}, "webhook": failed}})
    store.close()
    crawler = get_crawler(settings_dict=crawler_settings)
    pipeline = AlertPipeline.from_crawler(crawler)
    post = Post(site="demo-forum", kind="forum", url="http://x/t/1", title="强拆", id="demo-forum:1:1",
                score=120.0, published_at=T0, crawled_at=T0)  # fmt: skip

    async def run() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(post)
        await pipeline.process_item(post)
        await pipeline.close_spider()

    asyncio.run(run())
    assert [r["json"]["id"] for r in webhook.requests] == [ALERT["_id"], "post:demo-forum:1:1"]
    assert post.alert == {"id": "post:demo-forum:1:1", "tier": "urgent", "status": "sent"}
    assert all(a["status"] == "sent" for a in pipeline.runtime.store.find_alerts())
    stats = crawler.stats
    assert stats is not None and stats.get_value("opinion/alert/already_raised") == 1
    assert stats.get_value("opinion/alert/raised/urgent") == 1
    pipeline.runtime.close()
