"""The inbound guard every channel shares: senders, payloads, metadata, the cut, safe replies."""

import json

import pytest

from bot.channels.inbound import (
    BAD_SENDER,
    EMPTY_REPLY,
    PII_SENDER,
    STALE_BUTTON,
    InboundGuard,
    KnownValues,
    parse_payload,
)
from casework.privacy import hmac_of

KNOWN = KnownValues(
    region=frozenset({"chenzhou", "yunnan"}),
    service_item=frozenset({"002036001002"}),
    variant=frozenset({"灵活就业人员增加登记"}),
    vocabulary=frozenset({"郴州", "灵活就业"}),
)


@pytest.fixture()
def guard() -> InboundGuard:
    return InboundGuard(300, KNOWN)


@pytest.mark.parametrize("sender", ["u1", "oABC-xyz_123", "web:3f2a.9", "a" * 64])
def test_good_senders(sender):
    assert InboundGuard.sender_error(sender) is None


@pytest.mark.parametrize("sender", ["", "a" * 65, "../etc", "a\x00b", "\u202eabc", "用户1", None, 5, "a b"])
def test_bad_senders(sender):
    assert InboundGuard.sender_error(sender) == BAD_SENDER


def test_senders_that_are_personal_data():
    assert InboundGuard.sender_error("13812345678") == PII_SENDER
    assert InboundGuard.sender_error("id430102199003071234") == PII_SENDER


def test_metadata_is_reduced_to_the_allow_list():
    raw = {"client": "web", "user_phone": "13812345678", "real_name": "张三", "page": "x" * 65, "lang": ["zh"]}
    assert InboundGuard.metadata(raw) == {"client": "web"}
    assert InboundGuard.metadata({"id_card": "430102199003071234"}) is None
    assert InboundGuard.metadata("not a dict") is None


def test_our_own_buttons_pass(guard):
    payload = '/inform{"region": "chenzhou"}'
    out = guard.outgoing("u1", [{"text": "请选择地区", "buttons": [{"title": "郴州市", "payload": payload}]}])
    assert out[0]["buttons"][0]["payload"] == payload
    assert guard.incoming("u1", payload).text == payload


def test_a_button_from_before_a_restart_passes_when_its_values_are_known(guard):
    text = '/inform{"service_item":"002036001002","variant":"灵活就业人员增加登记"}'
    assert guard.incoming("u2", text).text == '/inform{"service_item": "002036001002", "variant": "灵活就业人员增加登记"}'


@pytest.mark.parametrize(
    "text",
    [
        '/inform{"service_item":"<img src=x onerror=alert(1)>"}',
        '/inform{"region":"<script>alert(1)</script>"}',
        '/inform{"person_name":"张三"}',
        '/status_lookup{"lookup_key":"APP|YBCZ202611030012"}',
        "/affirm",
        '/inform{"region": ["chenzhou"]}',
        "/inform{not json}",
        '/inform{"region":"chenzhou"}@0.99',
    ],
)
def test_forged_payloads_are_refused(guard, text):
    assert guard.incoming("u3", text).stop == STALE_BUTTON


def test_a_question_starting_with_a_slash_is_a_question(guard):
    assert guard.incoming("u4", "/生育津贴要什么材料").text == "生育津贴要什么材料"


def test_payload_parser():
    assert parse_payload('/inform{"region": "yunnan"}') == ("inform", {"region": "yunnan"})
    assert parse_payload("/greet") == ("greet", {})
    assert parse_payload("/inform" + "[" * 3000) is None
    assert parse_payload('/inform{"a": ' + "[" * 3000 + "]" * 3000 + "}") is None


def test_empty_and_invisible_messages(guard):
    for text in ("", "   ", "\u200b\u200b", "\x00\x01"):
        assert guard.incoming("u5", text).stop == EMPTY_REPLY


def test_personal_data_is_tokenised_before_the_cut(guard):
    raw_id = "430102199003071234"  # checksum aside, 18 digits are never kept
    inbound = guard.incoming("u6", "啊" * 295 + raw_id)
    assert inbound.notes and raw_id[:5] not in inbound.text and len(inbound.text) < 400


def test_the_name_prompt_is_remembered_once(guard):
    guard.outgoing("u7", [{"text": "请输入姓名", "custom": {"pii_expect": "name"}}])
    first = guard.incoming("u7", "郭桂浩，谢谢").text
    assert "郭桂浩" not in first and hmac_of("郭桂浩") in first
    assert guard.incoming("u7", "郭桂浩").text == "郭桂浩"  # the prompt was used up (no strong cue left)


def test_replies_are_scrubbed_and_markers_dropped(guard):
    h = hmac_of("430102199003071234")
    out = guard.outgoing(
        "u8",
        [
            {"custom": {"pii_expect": "phone_last4"}},
            {"text": f"号码〔身份证号:430***********1234:h={h}〕", "buttons": [{"title": f"h={h}", "payload": "/x"}]},
        ],
    )
    assert len(out) == 1 and h not in json.dumps(out, ensure_ascii=False) and "〔" not in out[0]["text"]


@pytest.mark.parametrize("text,score", [("评价 5", "5"), ("评价5", "5"), ("评价：4", "4"), ("评价 ３ 分", "3"), ("评价1", "1")])
def test_a_rating_becomes_the_rate_payload_on_every_channel(guard, text, score):
    assert guard.incoming("u-rate", text).text == '/rate{"rating": "%s"}' % score


def test_a_rating_out_of_range_is_explained_and_a_question_about_evaluation_is_not_a_rating(guard):
    assert "1–5" in guard.incoming("u-rate", "评价 9").stop
    assert guard.incoming("u-rate", "评价 0").stop == guard.incoming("u-rate", "评价 7").stop
    assert guard.incoming("u-rate", "评价渠道有哪些").text == "评价渠道有哪些"
    assert guard.incoming("u-rate", '/rate{"rating": "5"}').stop == STALE_BUTTON  # typed, not a button
