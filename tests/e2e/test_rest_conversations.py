"""End to end: train a small-epoch model, start the real action server and Rasa, talk over HTTP.

Slow (training ≈1–2 min, server start ≈40 s): marked `slow`, run by `make test`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest

from tests.e2e.conftest import ROOT, VENV

pytestmark = pytest.mark.slow


from tests.e2e.conftest import buttons, post, say, text


def test_region_clarification_then_follow_ups(server):
    first = say(server, "e2e-1", "退休了去外地跟儿子住，要办什么备案，要带什么材料")
    assert "哪个地区" in text(first)
    yunnan = next(b for b in buttons(first) if b["title"] == "云南省")
    second = say(server, "e2e-1", yunnan["payload"])
    assert "【云南省 · 异地安置退休人员备案】办理材料" in text(second)
    assert "来源：《云南省医疗保障经办政务服务办事指南》" in text(second)
    third = say(server, "e2e-1", "郴州呢？")
    assert "【郴州市 · 异地安置退休人员备案】办理材料" in text(third)
    fourth = say(server, "e2e-1", "那要多久能办好")
    assert "线上不超过2个工作日，线下即时办结" in text(fourth)


def test_variant_choice_with_buttons(server):
    first = say(server, "e2e-2", "湖南医保关系转移要多久")
    titles = [b["title"] for b in buttons(first)]
    assert "基本医疗保险关系转入" in titles and "基本医疗保险关系转出" in titles
    payload = next(b["payload"] for b in buttons(first) if b["title"] == "基本医疗保险关系转出")
    assert "不超过 10个工作日" in text(say(server, "e2e-2", payload))
    assert "不超过 5个工作日" in text(say(server, "e2e-2", "转入呢？"))


def test_out_of_scope_and_handoff(server):
    assert "不在医保经办服务范围" in text(say(server, "e2e-3", "公积金怎么提取"))
    assert "0715-8339438" in text(say(server, "e2e-3", "我在咸安，帮我转人工"))


def test_bad_input_gets_specific_answers(server):
    assert "没有输入内容" in text(say(server, "e2e-4", "   "))
    long = "生育津贴要什么材料，" + "我想问一下" * 400
    replies = say(server, "e2e-4", long)
    assert "只读了前300个字" in text(replies)
    assert say(server, "e2e-4", "😀😀👍 医保 abc ①②")  # emoji and mixed script: a reply, no crash
    status, body = post(server, None, raw=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = post(server, {"message": "你好"})
    assert status == 400 and "sender" in body["error"]
    status, body = post(server, None, raw=json.dumps({"sender": "x", "message": "长" * 20000}).encode())
    assert status == 413


def test_conversations_persist_in_the_sqlite_tracker_store(server):
    say(server, "e2e-5", "你好")
    with sqlite3.connect(server["tracker_db"]) as db:
        senders = {row[0] for row in db.execute("select distinct sender_id from events")}
    assert "e2e-5" in senders


def test_rasa_data_validate_is_clean():
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [str(VENV / "bin/rasa"), "data", "validate", "--domain", "bot/domain", "--data", "data", "--config", "config.yml", "--fail-on-warnings"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
