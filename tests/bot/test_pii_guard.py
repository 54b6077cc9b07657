"""Personal data is tokenised at the channel: Rasa, its tracker store and logs never see it."""

from stdnum.cn import ric

from bot.channels.pii_guard import Expectations, protect, tokenize_expected, tokenize_ids


def valid_id() -> str:
    base = "43010219900307123"
    return base + ric.calc_check_digit(base + "0")


def test_valid_id_becomes_a_masked_hashed_token():
    raw = valid_id()
    out = tokenize_ids(f"查一下 {raw} 的进度")
    assert raw not in out and "〔身份证号:430***********" in out and ":h=" in out


def test_invalid_ids_say_why_without_the_number():
    raw = valid_id()
    wrong_check = raw[:-1] + ("0" if raw[-1] != "0" else "1")
    for text, reason in ((wrong_check, "校验码"), (raw[:16], "位数"), ("43010219901399123" + "4", "")):
        out = tokenize_ids(text)
        assert "〔身份证号无效:" in out and text not in out
        assert reason in out


def test_expected_name_and_phone_are_tokenised():
    assert tokenize_expected("name", "我叫张三").startswith("〔姓名:张*:h=")
    assert tokenize_expected("name", "欧阳娜娜").startswith("〔姓名:欧***:h=")
    assert tokenize_expected("name", "生育津贴要什么材料呢请问") is None  # a new question, not a name
    assert tokenize_expected("phone_last4", "5678").startswith("〔手机后四位:h=")
    assert tokenize_expected("phone_last4", "567") == "〔手机后四位无效〕"


def test_expectations_are_per_sender_and_used_once():
    notes = Expectations()
    notes.set("a", "name")
    assert notes.pop("b") is None
    assert notes.pop("a") == "name" and notes.pop("a") is None


def test_protect_keeps_ordinary_text():
    assert protect("异地就医备案要什么材料", None) == "异地就医备案要什么材料"
    out = protect("我的手机13800138000", None)
    assert "13800138000" not in out and "138****8000" in out
