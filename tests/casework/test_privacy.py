"""ID validation (stdnum.cn.ric), masking, keyed hashes."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from casework import privacy
from casework.privacy import hmac_of, mask_id, mask_name, mask_phone, validate_id

VALID = "431002199501011248"


def with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def test_valid_id():
    check = validate_id(VALID)
    assert check.valid and check.reason is None and check.normalized == VALID
    assert ric.is_valid(VALID)


def test_bad_checksum():
    wrong = VALID[:-1] + ("4" if VALID[-1] != "4" else "5")
    assert validate_id(wrong) == privacy.IdCheck(False, "校验码不对", wrong)


def test_bad_birth_date_even_with_matching_check_digit():
    number = with_check_digit("43100219950230123")  # 30 February
    assert validate_id(number).reason == "出生日期不对"
    future = with_check_digit("43100220990101123")
    assert validate_id(future, today=dt.date(2026, 11, 25)).reason == "出生日期不对"


def test_17_digits_and_19_digits():
    assert validate_id(VALID[:17]).reason == "位数不对（应为18位）"
    assert validate_id(VALID + "1").reason == "位数不对（应为18位）"


def test_lowercase_x_is_normalised():
    number = next(
        with_check_digit(f"43100219950101{n:03d}")
        for n in range(1000)
        if with_check_digit(f"43100219950101{n:03d}").endswith("X")
    )
    check = validate_id(number.lower())
    assert check.valid and check.normalized == number


def test_spaces_and_full_width_digits():
    spaced = f"{VALID[:6]} {VALID[6:14]} {VALID[14:]}"
    full = VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert validate_id(spaced).valid and validate_id(full).normalized == VALID


@pytest.mark.parametrize("text", ["43100219950101123A", "4310021990X1011233", "ABCDEFGHIJKLMNOPQR", "43100219950101x2"])
def test_letters_other_than_a_final_x(text):
    assert validate_id(text).reason == "格式不对"


def test_county_code_newer_than_birth_year_is_accepted():
    # 431002 (北湖区) exists since 1994; a card issued later carries it for someone born in 1960
    number = with_check_digit("43100219600101123")
    assert not ric.is_valid(number)
    assert validate_id(number).valid


def test_unknown_province():
    assert validate_id(with_check_digit("99100219950101123")).reason == "地区代码不对"


def test_masks():
    assert mask_id(VALID) == "431***********1248"
    assert len(mask_id(VALID)) == 18
    assert mask_id("43100219950101") == "431*******0101"
    assert mask_name("张三") == "张*"
    assert mask_name("王小明") == "王**"
    assert mask_name("欧阳娜娜") == "欧***"  # one character only, compound surnames too
    assert mask_name("欧阳") == "欧*"
    assert mask_name("李") == "*"
    assert mask_phone("13812345678") == "138****5678"


def test_hmac_is_stable_and_normalised():
    assert hmac_of(VALID) == hmac_of(VALID)
    assert len(hmac_of(VALID)) == 64 and VALID not in hmac_of(VALID)
    assert hmac_of("36042619910101007x") == hmac_of("36042619910101007X")
    assert hmac_of(f" {VALID[:6]} {VALID[6:]} ") == hmac_of(VALID)
    assert hmac_of("5678") != hmac_of("5679")


def test_hmac_depends_on_the_key(monkeypatch):
    before = hmac_of(VALID)
    monkeypatch.setenv("PII_HMAC_KEY", "another-key")
    assert hmac_of(VALID) != before


def test_key_file_is_created_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(privacy, "_file_key", None)
    path = tmp_path / "generated" / "pii.key"
    first = privacy._key_from_file(path)
    assert path.exists() and len(path.read_text().strip()) == 64
    monkeypatch.setattr(privacy, "_file_key", None)
    assert privacy._key_from_file(path) == first  # a second process reads the same key
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind
