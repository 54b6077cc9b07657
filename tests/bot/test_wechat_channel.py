"""The 公众号 channel over real HTTP, driven by the fake platform (tests/bot/fake_wechat.py).

Two channel servers (plain mode and safe mode) run tests/bot/wechat_harness.py in a subprocess; the
bot behind them is scripted so that slow answers can be made on purpose. The conversation with the
real Rasa and action server is tested in tests/e2e/test_wechat_e2e.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from bot.channels.wechat_crypto import signature
from tests.bot.fake_wechat import FakeWeChat, free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "harness-token"
APPID = "wx0123456789abcdef"
SECRET = "harness-secret"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"  # 43 characters, as the platform issues them
REPLY_SECONDS = 1.5  # the channel's "too slow for a passive reply" point, shortened for tests
PLATFORM_WAIT = 2.5  # the platform's wait per try, shortened in the same proportion as 4 s to 5 s


@contextmanager
def channel(mode: str, tmp_path_factory) -> Iterator[FakeWeChat]:
    """The channel in ``mode`` ("plain" or "safe") served by the harness, and its fake platform."""
    platform = FakeWeChat(TOKEN, APPID, SECRET, AES_KEY if mode == "safe" else "", wait_seconds=PLATFORM_WAIT)
    api = platform.start_api()
    port = free_port()
    env = dict(
        os.environ,
        WECHAT_TOKEN=TOKEN,
        WECHAT_APPID=APPID,
        WECHAT_APPSECRET=SECRET,
        WECHAT_ENCODING_AES_KEY=AES_KEY if mode == "safe" else "",
        WECHAT_API_BASE=api,
        WECHAT_REPLY_SECONDS=str(REPLY_SECONDS),
    )
    log = open(tmp_path_factory.mktemp(mode) / "harness.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bot.wechat_harness", "--port", str(port)], cwd=ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/ready", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("the channel harness did not start: " + Path(log.name).read_text())
                time.sleep(0.1)
        platform.callback = base + "/webhooks/wechat/webhook"
        platform.base = base
        yield platform
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        platform.stop_api()


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    with channel("plain", tmp_path_factory) as platform:
        yield platform


@pytest.fixture(scope="module")
def safe(tmp_path_factory):
    with channel("safe", tmp_path_factory) as platform:
        yield platform


def seen(platform) -> list:
    with urllib.request.urlopen(platform.base + "/seen", timeout=5) as resp:
        return json.loads(resp.read())


# -- the 服务器配置 check and refused requests --------------------------------------------------


def test_url_check_echoes_only_for_the_right_signature(plain):
    assert plain.verify_url("echo-123") == (200, "echo-123")
    assert plain.verify_url("echo-123", signature="0" * 40)[0] == 403
    assert plain.verify_url("echo-123", nonce="changed")[0] == 403  # signature no longer covers it
    assert plain.verify_url("echo-123", timestamp=str(int(time.time()) - 301))[0] == 403  # stale
    assert plain.verify_url("echo-123", signature="")[0] == 403


def test_bad_stale_or_tampered_posts_are_refused_and_reach_no_bot(plain):
    before = len(seen(plain))
    xml = plain.text("oUser_refused", "生育津贴要什么材料")
    query = plain.signed_query(xml)
    assert plain.post_raw(xml.encode(), dict(query, signature="f" * 40), 5)[0] == 403
    old = str(int(time.time()) - 400)
    stale = dict(query, timestamp=old, signature=signature(TOKEN, old, query["nonce"]))
    assert plain.post_raw(xml.encode(), stale, 5)[0] == 403
    assert plain.post_raw(xml.encode(), {k: v for k, v in query.items() if k != "signature"}, 5)[0] == 403
    assert plain.post_raw(b"<xml><oops", query, 5)[0] == 400  # signed, but not XML
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml>&e;</xml>'
    assert plain.post_raw(entity, query, 5)[0] == 400
    assert plain.post_raw(b"<xml>" + b"x" * 70000 + b"</xml>", query, 5)[0] == 413
    assert len(seen(plain)) == before


def test_safe_mode_refuses_a_tampered_envelope_and_another_accounts_message(safe):
    xml = safe.text("oUser_safe_bad", "你好")
    body = safe.envelope(xml)
    query = safe.signed_query(body)
    assert safe.post_raw(body.encode(), dict(query, msg_signature="0" * 40), 5)[0] == 403
    tampered = body.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AAAA")
    assert safe.post_raw(tampered.encode(), query, 5)[0] == 403  # msg_signature covers Encrypt
    from bot.channels.wechat_crypto import SafeMode

    other = SafeMode(AES_KEY, "wxANOTHERACCOUNT00")  # same key, another AppID
    foreign = f"<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[{other.encrypt(xml)}]]></Encrypt></xml>"
    assert safe.post_raw(foreign.encode(), safe.signed_query(foreign), 5)[0] == 403
    assert "你好" not in seen(safe)


# -- messages ------------------------------------------------------------------------------------


def test_a_text_message_gets_a_passive_reply(plain):
    answer = plain.say("oUser_plain_1", "生育津贴要什么材料")
    assert answer.status == 200 and answer.tries == 1 and not answer.problems
    assert answer.content == "收到：生育津贴要什么材料"


def test_safe_mode_round_trip(safe):
    answer = safe.say("oUser_safe_1", "异地就医备案怎么办")
    assert answer.status == 200 and not answer.problems  # decrypted, signature checked, addressed right
    assert answer.content == "收到：异地就医备案怎么办"
    assert "<Encrypt>" in answer.body and "异地就医" not in answer.body  # nothing in clear


def test_a_retried_message_runs_the_bot_once_and_gets_the_first_reply(plain):
    xml = plain.text("oUser_retry", "慢 0.8")  # answered within the passive window
    body = xml.encode()
    first = plain.post_raw(body, plain.signed_query(xml), 5)
    again = plain.post_raw(body, plain.signed_query(xml), 5)  # the platform's retry: same MsgId
    assert first == again and "慢的回答到了" in first[1]
    assert seen(plain).count("慢 0.8") == 1


def test_the_platforms_own_retries_after_its_wait_get_the_first_reply_and_run_the_bot_once(plain):
    plain.wait_seconds = 0.5  # a platform that gives up sooner than the bot answers
    try:
        answer = plain.say("oUser_retry_platform", "慢 1.2")
    finally:
        plain.wait_seconds = PLATFORM_WAIT
    assert answer.tries >= 3 and answer.content == "慢的回答到了。"  # a retry got the reply once ready
    assert seen(plain).count("慢 1.2") == 1
    assert plain.sent_to("oUser_retry_platform", timeout=0.5) == []  # and it was not sent twice


def test_a_retry_while_the_bot_is_still_working_waits_for_the_same_reply(safe):
    import threading

    xml = safe.text("oUser_retry_parallel", "慢 1.0")
    body = safe.envelope(xml)
    answers = []

    def post() -> None:
        answers.append(safe.post_raw(body.encode(), safe.signed_query(body), 5))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join()
    contents = {safe.read_reply(text, "oUser_retry_parallel", []) for _, text in answers}
    assert contents == {"慢的回答到了。"}
    assert seen(safe).count("慢 1.0") == 1


def test_a_slow_answer_goes_through_the_customer_service_api_once(plain):
    answer = plain.say("oUser_slow", "慢 3")  # longer than the channel's passive window
    assert answer.status == 200 and answer.body == "success" and answer.tries == 1  # no platform retry
    assert plain.sent_to("oUser_slow") == ["慢的回答到了。"]
    time.sleep(0.5)
    assert plain.sent_to("oUser_slow", timeout=0) == ["慢的回答到了。"]  # sent once
    # a late retry of the same message (the platform lost our "success") does not send it again
    assert seen(plain).count("慢 3") == 1


def test_the_token_is_cached_and_fetched_again_when_the_platform_expires_it(plain):
    from bot.channels.wechat_format import split_reply

    # what the harness answers "长 100" with: one passive part, the rest through the API
    later = len(split_reply("\n".join(f"第{i}行：带齐身份证件和申请表，到参保地经办窗口办理。" for i in range(1, 101)))) - 1
    assert later >= 2
    plain.say("oUser_tok", "长 100")
    assert len(plain.sent_to("oUser_tok", later)) == later
    fetches = plain.token_fetches
    assert fetches >= 1
    plain.say("oUser_tok", "长 100")
    assert len(plain.sent_to("oUser_tok", 2 * later)) == 2 * later
    assert plain.token_fetches == fetches  # cached
    plain.expire_tokens()
    plain.say("oUser_tok2", "长 100")
    assert len(plain.sent_to("oUser_tok2", later)) == later  # delivered after the refresh
    assert 42001 in plain.refused and plain.token_fetches == fetches + 1


def test_a_long_answer_is_split_at_line_ends_within_2048_bytes(safe):
    answer = safe.say("oUser_long", "长 150")
    assert not answer.problems and answer.content.startswith("第1行")
    lines = [f"第{i}行：带齐身份证件和申请表，到参保地经办窗口办理。" for i in range(1, 151)]
    rest = safe.sent_to("oUser_long", 3)
    while len("\n".join([answer.content] + rest)) < len("\n".join(lines)):  # the API parts still arriving
        more = safe.sent_to("oUser_long", len(rest) + 1, timeout=5)
        assert len(more) > len(rest), "a part never arrived"
        rest = more
    parts = [answer.content] + rest
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts)
    assert "\n".join(parts).split("\n") == lines  # whole, in order


def test_buttons_become_numbered_options_and_a_number_picks_one(plain):
    answer = plain.say("oUser_opts", "选地区")
    assert "回复 1 选择 郴州市" in answer.content and "回复 2 选择 云南省" in answer.content
    picked = plain.say("oUser_opts", "２")  # full-width digit, as Chinese keyboards type it
    assert picked.content == '已选择：/inform{"region": "yunnan"}'
    # the options were replaced by that reply: a bare number is text again
    assert plain.say("oUser_opts", "2").content == "收到：2"


def test_a_forged_payload_is_not_passed_to_the_bot(plain):
    answer = plain.say("oUser_forge", '/inform{"region": "nowhere", "x": 1}')
    assert "按钮已失效" in answer.content
    assert '/inform{"region": "nowhere", "x": 1}' not in seen(plain)


def test_id_numbers_never_reach_the_bot_raw_and_never_come_back(safe):
    answer = safe.say("oUser_pii", "我的身份证号110101199003071234查一下")
    assert "110101199003071234" not in json.dumps(seen(safe), ensure_ascii=False)
    assert "110101199003071234" not in answer.content and "110***********1234" in answer.content  # masked


def test_subscribe_gets_a_welcome_and_non_text_messages_a_specific_reply(plain):
    welcome = plain.deliver(plain.event("oUser_new", "subscribe"), "oUser_new").content
    assert "医保办事助手" in welcome and "评价 5" in welcome and "数字" in welcome
    image = plain.deliver(plain.message_xml("oUser_new", "image", PicUrl="http://x/y.jpg", MediaId="m1", MsgId="901"), "oUser_new")
    assert "图片" in image.content
    voice = plain.deliver(plain.message_xml("oUser_new", "voice", MediaId="m2", Format="amr", MsgId="902"), "oUser_new")
    assert "语音" in voice.content
    recognised = plain.deliver(
        plain.message_xml("oUser_new", "voice", MediaId="m3", Format="amr", Recognition="生育津贴怎么领", MsgId="903"),
        "oUser_new",
    )
    assert recognised.content == "收到：生育津贴怎么领"
    location = plain.deliver(plain.message_xml("oUser_new", "location", Location_X="25.8", Location_Y="113.0", MsgId="904"), "oUser_new")
    assert "地区" in location.content
    gone = plain.deliver(plain.event("oUser_new", "unsubscribe"), "oUser_new")
    assert gone.body == "success"


def test_an_event_retried_by_sender_and_time_runs_once(plain):
    xml = plain.event("oUser_evt", "subscribe", create_time=int(time.time()))
    first = plain.deliver(xml, "oUser_evt")
    second = plain.deliver(xml, "oUser_evt")
    assert first.content == second.content
    assert seen(plain).count("/greet") >= 1
    before = seen(plain).count("/greet")
    plain.deliver(xml, "oUser_evt")
    assert seen(plain).count("/greet") == before


def test_bot_failures_and_empty_messages_get_words(plain):
    assert plain.say("oUser_err", "出错").content == "服务暂时出错，请稍后再试。"
    assert "没有输入内容" in plain.say("oUser_err", "   ").content
