"""Personal data is tokenised at the channel: Rasa, its tracker store and logs never see it.

The guard normalises before it detects (NFKC, separators, +86, glued letters), finds names after
their introductions, strips titles before hashing, and cannot be fed forged tokens.
"""

import pytest
from stdnum.cn import ric

from bot.channels.pii_guard import (
    Expectations,
    cut,
    neutralise_brackets,
    protect,
    scrub_reply,
    tokenize_expected,
    tokenize_ids,
)
from casework.privacy import hmac_of


def valid_id(base: str = "43010219900307123") -> str:
    return base + ric.calc_check_digit(base + "0")


RAW_ID = valid_id()
MOBILE = "13812345678"


def test_valid_id_becomes_a_masked_hashed_token():
    out = tokenize_ids(f"查一下 {RAW_ID} 的进度")
    assert RAW_ID not in out and "〔身份证号:430***********" in out and f":h={hmac_of(RAW_ID)}〕" in out


def test_invalid_ids_say_why_without_the_number():
    wrong_check = RAW_ID[:-1] + ("0" if RAW_ID[-1] != "0" else "1")
    for text, reason in ((wrong_check, "校验码"), (RAW_ID[:16], "位数"), ("43010219901399123" + "4", "")):
        out = tokenize_ids(text)
        assert "〔身份证号无效:" in out and text not in out
        assert reason in out


@pytest.mark.parametrize(
    "typed",
    [
        " ".join([RAW_ID[:4], RAW_ID[4:8], RAW_ID[8:12], RAW_ID[12:16], RAW_ID[16:]]),
        "-".join([RAW_ID[:6], RAW_ID[6:14], RAW_ID[14:]]),
        RAW_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "sfz" + RAW_ID,
        "身份证号码:" + RAW_ID,
        "\u200b".join(RAW_ID),
        RAW_ID[:9] + "\u3000" + RAW_ID[9:],
    ],
)
def test_ids_are_found_however_they_are_typed(typed):
    out = tokenize_ids(f"我的号 {typed} 麻烦查下")
    assert f"h={hmac_of(RAW_ID)}" in out
    digits = "".join(c for c in out if c.isdigit())
    assert RAW_ID[3:14] not in digits  # the middle digits are gone, whatever the spacing


@pytest.mark.parametrize(
    "typed",
    [
        "１３８１２３４５６７８",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "86-13812345678",
        "0086 13812345678",
        "tel13812345678",
        "1\u200b3\u200b8\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8",
    ],
)
def test_mobiles_are_found_however_they_are_typed(typed):
    out = tokenize_ids(f"电话{typed}，打这个")
    assert f"h={hmac_of(MOBILE)}" in out and "138****5678" in out
    assert "12345678" not in "".join(c for c in out.split("〕")[-1] if c.isdigit())


def test_phone_tails_in_words():
    for typed in ("尾号是0589", "手机后四位 0589", "后4位是0589", "尾号 0589 哈"):
        out = tokenize_ids(typed)
        assert "0589" not in out and f"〔手机后四位:h={hmac_of('0589')}〕" in out


@pytest.mark.parametrize(
    "text, name",
    [
        ("你好我叫王建国，想问下生育津贴", "王建国"),
        ("我叫张三想查参保", "张三"),
        ("帮我妈问的，她名字是刘桂兰，1944年生的", "刘桂兰"),
        ("姓名：欧阳振华，电话见上", "欧阳振华"),
        ("我是吴美玲，帮我奶奶问的", "吴美玲"),
        ("我是郭桂浩本人", "郭桂浩"),
    ],
)
def test_introduced_names_are_tokenised(text, name):
    out = tokenize_ids(text)
    assert name not in out and f"h={hmac_of(name)}" in out


@pytest.mark.parametrize(
    "text",
    [
        "我是退休的，去外地住看病怎么报",
        "我是灵活就业人员想在郴州参保",
        "我是高龄老人",
        "我是江西的",
        "我是云南人",
        "我是农村的",
        "我是单位经办人",
        "我是个体户",
        "生育津贴要啥材料",
        "电话0735-2222222打不通",
        "申请号YBCZ202611030012办到哪了",
        "湘医保发〔2021〕12号文件",
    ],
)
def test_ordinary_questions_keep_their_words(text):
    assert protect(text) == neutralise_brackets(text)


@pytest.mark.parametrize(
    "reply, name",
    [
        ("郭桂浩，谢谢", "郭桂浩"),
        ("我是郭桂浩本人", "郭桂浩"),
        ("李秀英女士", "李秀英"),
        ("张伟的", "张伟"),
        ("杨海涛 都匀的", "杨海涛"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("姓名：陈志强", "陈志强"),
        ("赵淑芬，我自己的", "赵淑芬"),
    ],
)
def test_expected_names_are_hashed_without_titles(reply, name):
    out = tokenize_expected("name", reply)
    assert out is not None and name not in out and f"h={hmac_of(name)}" in out


def test_replies_to_the_name_prompt_that_are_no_names():
    for reply in ("算了", "我不想说", "生育津贴要什么材料呢请问", "咋个还要名字嘛 上次都没问", "异地就医备案"):
        assert tokenize_expected("name", reply, frozenset({"异地就医", "就医备案"})) is None


def test_expected_phone_tails():
    token = f"〔手机后四位:h={hmac_of('5678')}〕"
    assert tokenize_expected("phone_last4", "5678") == token
    assert tokenize_expected("phone_last4", "尾号是5678").endswith(token)
    assert tokenize_expected("phone_last4", "5678 谢谢") == token + " 谢谢"
    assert tokenize_expected("phone_last4", "１３８１２３４５６７８") == token  # the whole number: its tail only
    assert tokenize_expected("phone_last4", "567") == "〔手机后四位无效〕"
    assert tokenize_expected("phone_last4", "我忘了") is None


def test_user_text_cannot_carry_tokens():
    forged = f"〔身份证号无效:<img src=x onerror=alert(1)>:x〕 〔手机号:138****5678:h={'0' * 64}〕 ﹝姓名:张*:h=1﹞"
    out = protect(forged)
    assert out.startswith("[身份证号无效:<img") and "〔手机号" not in out and "〔姓名" not in out
    assert "〔身份证号无效:<" not in out


def test_replies_never_show_tokens_or_hashes():
    h = hmac_of(RAW_ID)
    assert scrub_reply(f"您输入的号码〔身份证号:430***********1234:h={h}〕有误") == "您输入的号码430***********1234有误"
    assert scrub_reply(f"〔手机后四位:h={h}〕") == ""
    assert h not in scrub_reply(f"debug h={h}")
    assert scrub_reply("湘医保发〔2021〕12号") == "湘医保发〔2021〕12号"  # a document number is no token


def test_cut_keeps_tokens_whole():
    text = "问" * 290 + tokenize_ids(RAW_ID)
    head, was_cut = cut(text, 300)
    assert was_cut and head.endswith("〕") and "〔身份证号:" in head
    assert cut("短", 300) == ("短", False)


def test_a_long_message_is_tokenised_before_the_cut():
    """The digits of an ID that straddles the cut must not survive as a shorter run."""
    text = protect("啊" * 295 + RAW_ID)
    head, _ = cut(text, 300)
    assert RAW_ID[:5] not in head and RAW_ID not in text


def test_expectations_are_per_sender_used_once_and_expire(monkeypatch):
    monkeypatch.delenv("STATE_REDIS_URL", raising=False)  # the memory store, on this clock
    now = [0.0]
    notes = Expectations(clock=lambda: now[0])
    notes.set("a", "name")
    assert notes.pop("b") is None
    assert notes.pop("a") == "name" and notes.pop("a") is None
    notes.set("a", "phone_last4")
    now[0] = 601.0
    assert notes.pop("a") is None
