"""End to end: identity-checked lookups over the REST channel with the demo case data.

Both factors or nothing; three failures lock; cancel and topic switch; masked replies; and no raw
ID number or name in the tracker store or the logs afterwards.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.e2e.conftest import say, text

pytestmark = pytest.mark.slow


def pick(server, **want):
    for row in server["demo"]:
        if all(row.get(k) == v for k, v in want.items()):
            return row
    pytest.skip(f"no demo row with {want}")


def test_status_by_id_needs_the_phone_digits(server):
    row = pick(server, status="材料不全")
    assert "申请编号" in text(say(server, "lk-1", "查一下我的申请办到哪了"))
    reply = text(say(server, "lk-1", row["id_number"]))
    assert "后四位" in reply
    reply = text(say(server, "lk-1", row["phone_last4"]))
    assert row["number"] in reply and "材料不全" in reply
    assert row["missing_materials"][0] in reply and "补交方式" in reply
    assert row["id_number"] not in reply


def test_wrong_second_factor_reveals_nothing_and_three_failures_lock(server):
    row = pick(server, status="审核")
    wrong = "0000" if row["phone_last4"] != "0000" else "1111"
    replies = []
    for _ in range(3):
        say(server, "lk-2", "查申请进度")
        say(server, "lk-2", row["number"])
        replies.append(text(say(server, "lk-2", wrong)))
    assert "信息核验未通过" in replies[0] and row["item_name"] not in replies[0]
    assert "锁定" in replies[2]
    assert "锁定" in text(say(server, "lk-2", "查申请进度"))
    # an unknown application number gets the very same words as a wrong phone
    say(server, "lk-2b", "查申请进度")
    say(server, "lk-2b", "YBXX20990101" + "0001")
    assert "信息核验未通过" in text(say(server, "lk-2b", "1234"))


def test_enrollment_by_id_and_name_is_masked(server):
    row = pick(server)
    assert "身份证" in text(say(server, "lk-3", "我的医保还在交吗"))
    assert "姓名" in text(say(server, "lk-3", row["id_number"]))
    reply = text(say(server, "lk-3", row["name"]))
    assert row["masked_id"] in reply and row["name"] not in reply and row["id_number"] not in reply
    assert row["name"][0] + "*" in reply


def test_malformed_id_gets_a_specific_reprompt(server):
    say(server, "lk-4", "我的医保还在交吗")
    assert "位数不对" in text(say(server, "lk-4", "43010219900307"))
    row = pick(server)
    bad = row["id_number"][:-1] + ("0" if row["id_number"][-1] != "0" else "1")
    assert "校验码" in text(say(server, "lk-4", bad))


def test_cancel_and_topic_switch_leave_the_form(server):
    say(server, "lk-5", "查申请进度")
    assert "已取消" in text(say(server, "lk-5", "算了不查了"))
    say(server, "lk-6", "查申请进度")
    reply = text(say(server, "lk-6", "昆明生育津贴要什么材料"))
    assert "【云南省 · 生育津贴支付】" in reply


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def test_no_raw_personal_data_in_tracker_store_or_logs(server):
    # runs last in this module (pytest keeps file order): the lookups above have happened
    with sqlite3.connect(server["tracker_db"]) as db:
        events = [json.loads(r[0]) for r in db.execute("select data from events")]
    stored = "\n".join(s for e in events for s in _strings(e))  # decoded: \\u escapes cannot hide a name
    logs = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in server["logs"] if p.exists())
    with sqlite3.connect(server["tracker_db"]) as db:
        senders = {r[0] for r in db.execute("select distinct sender_id from events")}
    assert {"lk-1", "lk-3"} <= senders  # the lookups above were stored, so the search below means something
    for row in server["demo"]:
        assert row["id_number"] not in stored and row["id_number"] not in logs
        assert row["name"] not in logs
    asked = [r for r in server["demo"] if r["name"]]
    looked_up_names = {r["name"] for r in asked}
    assert not any(f"\n{n}\n" in f"\n{stored}\n" for n in looked_up_names)  # no message was a bare name
