"""End to end: what an attacker tries over HTTP is refused (lookups, tokens, payloads, servers, bodies)."""

from __future__ import annotations

import json
import socket
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from scripts.probe_lookups import probe
from tests.e2e.conftest import buttons, fetch, post, say, text

pytestmark = pytest.mark.slow


_USED = set()


def _row(server, status: str):
    """A demo application of a person no other test uses (locks here last a day)."""
    others = {r["id_number"] for r in server["demo"][:5]}  # the other modules pick from the front
    for r in reversed(server["demo"]):
        if r["status"] == status and r["id_number"] not in _USED | others:
            _USED.add(r["id_number"])
            return r
    pytest.skip(f"no unused demo row in {status}")


def _wrong_tails(right: str, n: int):
    return [f"{i:04d}" for i in range(100, 100 + n + 1) if f"{i:04d}" != right][:n]


# -- lookups --------------------------------------------------------------------------------------


def test_rotating_senders_does_not_help_against_one_application(server):
    row = _row(server, "受理")
    guesses = _wrong_tails(row["phone_last4"], 7) + [row["phone_last4"]]
    result = probe(server["url"], row["number"], guesses, max_seconds=240)
    assert result.checked == 5 and result.refused_at == 5 and not result.disclosed, result.replies
    # the owner, with the right phone digits and a new sender id, is refused as well until the lock ends
    say(server, "owner-1", "查申请进度")
    say(server, "owner-1", row["number"])
    reply = text(say(server, "owner-1", row["phone_last4"]))
    assert "锁定" in reply and row["item_name"] not in reply


def test_failures_add_up_on_the_person_whichever_key_is_used(server):
    row = _row(server, "审核")
    wrong = _wrong_tails(row["phone_last4"], 5)
    by_number = probe(server["url"], row["number"], wrong[:3], max_seconds=120)
    by_id = probe(server["url"], row["id_number"], wrong[3:] + [row["phone_last4"]], max_seconds=120)
    assert by_number.checked == 3 and by_id.checked == 2 and by_id.refused_at == 2 and not by_id.disclosed


def test_a_success_resets_nothing_for_the_sender(server):
    mine = _row(server, "办结")
    victim = _row(server, "申请")
    sender = "mixer-1"
    for target, tail in [(victim["number"], _wrong_tails(victim["phone_last4"], 1)[0]), (mine["number"], mine["phone_last4"])] * 2:
        say(server, sender, "查申请进度")
        say(server, sender, target)
        say(server, sender, tail)
    say(server, sender, "查申请进度")
    say(server, sender, victim["number"])
    assert "锁定" in text(say(server, sender, _wrong_tails(victim["phone_last4"], 2)[1]))


# -- forged tokens and payloads ---------------------------------------------------------------------


def test_forged_tokens_are_neither_reflected_nor_trusted(server):
    say(server, "forger-1", "查申请进度")
    reply = text(say(server, "forger-1", "〔身份证号无效:<img src=x onerror=alert(1)>:430***********1234〕"))
    assert "<img" not in reply and "h=" not in reply
    say(server, "forger-2", "查申请进度")
    say(server, "forger-2", "〔身份证号:430***********1234:h=" + "0" * 64 + "〕")
    reply = text(say(server, "forger-2", "〔手机号:138****5678:h=" + "a" * 64 + "〕"))
    assert "h=" not in reply and "a" * 16 not in reply


def test_payload_injection_is_refused_and_stores_nothing(server):
    for payload in (
        '/inform{"service_item":"<img src=x onerror=alert(1)>"}',
        '/inform{"region":"<script>alert(1)</script>"}',
        '/status_lookup{"lookup_key":"APP|YBCZ202611030012"}',
    ):
        reply = text(say(server, "injector-1", payload))
        assert "按钮已失效" in reply and "<" not in reply
    with sqlite3.connect(server["tracker_db"]) as db:
        stored = "\n".join(r[0] for r in db.execute("select data from events where sender_id = 'injector-1'"))
    assert "<img" not in stored and "<script" not in stored and "lookup_key" not in stored


def test_our_own_buttons_still_work(server):
    first = say(server, "buttons-1", "生育津贴要什么材料")
    yunnan = next(b for b in buttons(first) if b["title"] == "云南省")
    assert "【云南省 · 生育津贴支付】" in text(say(server, "buttons-1", yunnan["payload"]))


# -- servers ---------------------------------------------------------------------------------------


def _listening(port: int):
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6; no packet is sent)."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(addr)
    return found


def test_both_servers_listen_on_loopback_only(server):
    for port in (server["rasa_port"], server["action_port"]):
        assert _listening(port) == {"0100007F"}, f"port {port} listens on {_listening(port)}"


def test_the_action_server_refuses_calls_without_the_token(server):
    base = f"http://127.0.0.1:{server['action_port']}"
    tracker = {"next_action": "action_status_lookup", "sender_id": "victim", "tracker": {"sender_id": "victim"}, "domain": {}}
    body = json.dumps(tracker).encode()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic " + server["action_token"]}):
        req = urllib.request.Request(base + "/webhook", data=body, headers={"Content-Type": "application/json", **headers})
        status, answer = fetch(req)
        assert status == 401 and answer == {"error": "unauthorized"}
    status, _ = fetch(urllib.request.Request(base + "/actions"))
    assert status == 401
    status, _ = fetch(urllib.request.Request(base + "/health"))
    assert status == 200
    good = urllib.request.Request(base + "/actions", headers={"Authorization": f"Bearer {server['action_token']}"})
    status, listed = fetch(good)
    assert status == 200 and {"name": "action_status_lookup"} in listed


def test_cors_answers_only_the_project_origin(server):
    def allowed(origin: str):
        req = urllib.request.Request(server["url"], method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as err:
            return err.headers.get("Access-Control-Allow-Origin")

    page = "http://localhost:" + server["web_url"].rstrip("/").rsplit(":", 1)[1]  # the chat page's origin
    assert allowed("http://evil.example") is None
    assert allowed(page) == page
    assert allowed("http://localhost:1") is None  # another port of the same host is another origin


def test_malformed_bodies_and_senders_get_400(server):
    nested = ("[" * 3000 + "]" * 3000).encode()
    status, body = post(server, None, raw=b'{"sender": "x", "message": ' + nested + b"}")
    assert status == 400 and "JSON" in body["error"]
    status, body = post(server, None, raw=nested)
    assert status == 400
    for sender in ("a\x00b", "\u202eabc", "../../etc/passwd", "x" * 65):
        status, body = post(server, {"sender": sender, "message": "你好"})
        assert status == 400 and "sender" in body["error"] and sender not in json.dumps(body)
    status, body = post(server, {"sender": "13812345678", "message": "你好"})
    assert status == 400 and "手机号" in body["error"]


def test_the_name_prompt_strips_titles(server):
    row = next(r for r in server["demo"] if r["name"])
    say(server, "title-1", "我的医保还在交吗")
    say(server, "title-1", row["id_number"])
    reply = text(say(server, "title-1", f"我是{row['name']}本人"))
    assert "核验未通过" not in reply and row["name"][0] + "*" in reply
