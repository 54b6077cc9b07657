"""The 公众号 message rules: signatures, freshness, safe-mode encryption, safe XML, passive replies."""

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.channels.wechat_crypto import (
    MAX_AGE_SECONDS,
    SafeMode,
    WeChatError,
    encrypted_envelope,
    fresh,
    parse_message,
    signature,
    signature_ok,
    text_reply,
)

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the platform issues them
APPID = "wx5823bf96d3bd56c7"


def test_the_signature_is_sha1_over_the_sorted_parts_compared_whole():
    import hashlib

    assert signature("token", "1409659813", "1372623149") == hashlib.sha1(b"13726231491409659813token").hexdigest()
    assert signature("b", "a", "c") == signature("c", "b", "a")  # order of the arguments does not matter
    good = signature("token", "1409659813", "1372623149")
    assert signature_ok(good, "token", "1409659813", "1372623149")
    assert signature_ok(good.upper(), "token", "1409659813", "1372623149")
    assert not signature_ok(good[:-1] + ("0" if good[-1] != "0" else "1"), "token", "1409659813", "1372623149")
    assert not signature_ok("", "token", "1", "2") and not signature_ok(None, "token", "1", "2")


def test_a_request_older_than_five_minutes_or_without_a_number_is_stale():
    now = 1_800_000_000
    assert fresh(str(now - MAX_AGE_SECONDS), now) and fresh(str(now + 10), now)
    assert not fresh(str(now - MAX_AGE_SECONDS - 1), now)
    assert not fresh("abc", now) and not fresh(None, now)


def test_safe_mode_round_trip_follows_the_platforms_layout():
    mode = SafeMode(KEY, APPID)
    message = "<xml><Content><![CDATA[生育津贴要啥材料]]></Content></xml>"
    encrypted = mode.encrypt(message, lambda n: b"R" * n)
    assert mode.decrypt(encrypted) == message
    # the layout by hand: 16 random bytes, 4-byte big-endian length, message, AppID, padded to 32
    key = base64.b64decode(KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    body = message.encode()
    assert len(plain) % 32 == 0 and plain[:16] == b"R" * 16
    assert struct.unpack(">I", plain[16:20])[0] == len(body) and plain[20 : 20 + len(body)] == body
    assert plain[20 + len(body) : 20 + len(body) + len(APPID)] == APPID.encode()
    assert mode.encrypt(message) != mode.encrypt(message)  # fresh random bytes each time


def test_another_accounts_tampered_or_broken_ciphertext_is_refused():
    encrypted = SafeMode(KEY, APPID).encrypt("你好")
    with pytest.raises(WeChatError, match="AppID"):
        SafeMode(KEY, "wx0000000000000000").decrypt(encrypted)
    raw = bytearray(base64.b64decode(encrypted))
    raw[-1] ^= 0xFF  # the last block no longer decrypts to valid padding
    with pytest.raises(WeChatError):
        SafeMode(KEY, APPID).decrypt(base64.b64encode(bytes(raw)).decode())
    for broken in ("not base64!", base64.b64encode(b"short").decode(), ""):
        with pytest.raises(WeChatError):
            SafeMode(KEY, APPID).decrypt(broken)
    with pytest.raises(WeChatError):
        SafeMode(KEY[:-1], APPID)


def test_messages_are_parsed_without_dtds_entities_or_oversize_bodies():
    msg = parse_message(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[openid-1]]></FromUserName>"
        b"<CreateTime>1800000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        b"<Content><![CDATA[\xe9\x80\x80\xe4\xbc\x91\xe4\xba\x86]]></Content><MsgId>123</MsgId></xml>"
    )
    assert msg["FromUserName"] == "openid-1" and msg["Content"] == "退休了" and msg["MsgId"] == "123"
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'
    external = b'<!DOCTYPE xml SYSTEM "http://example.com/x.dtd"><xml></xml>'
    for bad in (bomb, external, b"<xml><Content>", b"<html></html>", b"<xml>" + b"a" * 70_000 + b"</xml>"):
        with pytest.raises(WeChatError):
            parse_message(bad)


def test_a_passive_reply_and_its_safe_mode_envelope():
    reply = text_reply("openid-1", "gh_1", "材料如下]]>结束", 1_800_000_000)
    parsed = parse_message(reply.encode())
    assert parsed["ToUserName"] == "openid-1" and parsed["MsgType"] == "text"
    assert parsed["Content"] == "材料如下]]>结束"  # a "]]>" inside the text survives the CDATA
    mode = SafeMode(KEY, APPID)
    envelope = parse_message(encrypted_envelope(mode, "token", reply, 1_800_000_000, "nonce1").encode())
    assert signature_ok(envelope["MsgSignature"], "token", "1800000000", "nonce1", envelope["Encrypt"])
    assert mode.decrypt(envelope["Encrypt"]) == reply
