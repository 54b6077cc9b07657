"""End to end: a resident's conversation over the 公众号 channel in safe mode, with the real Rasa and
action server behind it and the fake platform (tests/bot/fake_wechat.py) in front.

The conversation is written to tests/e2e/generated/wechat-transcript.txt as the user would see it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import List

import pytest

pytestmark = pytest.mark.slow

TRANSCRIPT = Path(__file__).resolve().parent / "generated" / "wechat-transcript.txt"


class Chat:
    """One user over the fake platform: every reply part, passive or through the customer-service API."""

    def __init__(self, platform, openid: str) -> None:
        self.platform, self.openid = platform, openid
        self.lines: List[str] = []

    def say(self, text: str) -> str:
        before = len(self.platform.sent_to(self.openid, timeout=0))
        answer = self.platform.say(self.openid, text)
        assert answer.status == 200 and not answer.problems, answer
        parts = [answer.content] if answer.content else []
        if answer.content is None:  # the slow path: all of it through the customer-service API
            parts += self.platform.sent_to(self.openid, before + 1, timeout=20)[before:]
        else:  # the rest of a long answer follows the passive reply at once
            time.sleep(1.0)
            parts += self.platform.sent_to(self.openid, timeout=0)[before:]
        reply = "\n".join(parts)
        self.lines += [f"用户：{text}", f"公众号（{'被动回复' if answer.content else '客服消息'}"
                       f"{' + 客服消息 %d 条' % (len(parts) - 1) if answer.content and len(parts) > 1 else ''}）：",
                       reply, ""]
        return reply


def test_a_resident_asks_picks_a_region_by_number_and_rates_the_answer(server):
    chat = Chat(server["wechat"], "oE2E_resident_0001")
    asked = chat.say("生育津贴要什么材料")
    assert "回复 1 选择 郴州市" in asked
    number = next(line.split()[1] for line in asked.splitlines() if line.endswith("云南省"))
    answer = chat.say(number)
    assert "【云南省 · 生育津贴支付】" in answer and "来源：" in answer
    assert all(len(p.encode("utf-8")) <= 2048 for p in server["wechat"].sent_to("oE2E_resident_0001", timeout=0))
    thanks = chat.say("评价 5")
    assert "非常满意" in thanks
    poor = chat.say("评价 1")
    assert "转人工" in poor and "云南" in poor
    TRANSCRIPT.parent.mkdir(exist_ok=True)
    TRANSCRIPT.write_text("\n".join(chat.lines), encoding="utf-8")
    with sqlite3.connect(server["tracker_db"]) as db:
        ratings = [
            json.loads(r[0])["value"]
            for r in db.execute("select data from events where sender_id = ? and type_name = 'slot'", ("oE2E_resident_0001",))
            if json.loads(r[0]).get("name") == "answer_rating"
        ]
    assert ratings == ["5", "1"]  # kept with the conversation


def test_a_lookup_over_wechat_masks_the_id_and_stores_no_raw_number(server):
    row = next((r for r in server["demo"] if r["status"] == "审核"), None) or pytest.skip("no demo row in 审核")
    chat = Chat(server["wechat"], "oE2E_lookup_0001")
    assert "身份证" in chat.say("查一下我的申请办到哪了")
    assert "后四位" in chat.say(row["id_number"])
    reply = chat.say(row["phone_last4"])
    assert row["number"] in reply and "审核" in reply
    assert row["id_number"] not in reply
    with sqlite3.connect(server["tracker_db"]) as db:
        stored = "\n".join(r[0] for r in db.execute("select data from events where sender_id = ?", ("oE2E_lookup_0001",)))
    assert stored and row["id_number"] not in stored


def test_the_welcome_and_a_picture_over_wechat(server):
    platform = server["wechat"]
    welcome = platform.deliver(platform.event("oE2E_new_0001", "subscribe"), "oE2E_new_0001").content
    assert "医保办事助手" in welcome and "评价 5" in welcome
    picture = platform.deliver(
        platform.message_xml("oE2E_new_0001", "image", PicUrl="http://x/y.jpg", MediaId="m", MsgId="77001"), "oE2E_new_0001"
    ).content
    assert "图片" in picture
