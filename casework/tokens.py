"""The personal-data token format, defined once: the channel guard writes tokens, the actions read them.

A token stands where the user typed a personal value; it holds only a masked form and a keyed hash
(``casework.privacy.hmac_of``), never the value:

    〔身份证号:430***********1234:h=<hmac>〕      a valid ID number
    〔身份证号无效:校验码不对:430***********1234〕  an ID number that fails a check (no hash)
    〔手机号:138****5678:h=<hmac>〕              a mobile number
    〔手机后四位:h=<hmac>〕  〔手机后四位无效〕       a phone's last four digits
    〔姓名:张*:h=<hmac>〕                       a name

Users cannot type the brackets (the guard turns them into [ ]), so a token always comes from the guard.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "〔", "〕"

ID, BAD_ID, MOBILE, TAIL, BAD_TAIL, NAME = "身份证号", "身份证号无效", "手机号", "手机后四位", "手机后四位无效", "姓名"
KINDS = (BAD_ID, ID, MOBILE, BAD_TAIL, TAIL, NAME)  # longer kinds first: they share prefixes

ID_TOKEN = re.compile(r"〔身份证号:(?P<masked>[0-9X*]+):h=(?P<h>[0-9a-f]+)〕")
BAD_ID_TOKEN = re.compile(r"〔身份证号无效:(?P<reason>[^:〕]+):(?P<masked>[0-9X*]*)〕")
MOBILE_TOKEN = re.compile(r"〔手机号:(?P<masked>[0-9*]+):h=(?P<h>[0-9a-f]+)〕")
TAIL_TOKEN = re.compile(r"〔手机后四位:h=(?P<h>[0-9a-f]+)〕")
BAD_TAIL_TOKEN = re.compile(r"〔手机后四位无效〕")
NAME_TOKEN = re.compile(r"〔姓名:(?P<masked>[^:〕]+):h=(?P<h>[0-9a-f]+)〕")
#: Any token (for scrubbing replies and telling whether a message carried personal data).
ANY_TOKEN = re.compile(r"〔(?:%s)(?::[^〔〕]*)?〕" % "|".join(KINDS))


def id_token(masked: str, h: str) -> str:
    return f"{OPEN}{ID}:{masked}:h={h}{CLOSE}"


def bad_id_token(reason: str, masked: str) -> str:
    return f"{OPEN}{BAD_ID}:{reason}:{masked}{CLOSE}"


def mobile_token(masked: str, h: str) -> str:
    return f"{OPEN}{MOBILE}:{masked}:h={h}{CLOSE}"


def tail_token(h: str) -> str:
    return f"{OPEN}{TAIL}:h={h}{CLOSE}"


BAD_TAIL_TEXT = f"{OPEN}{BAD_TAIL}{CLOSE}"


def name_token(masked: str, h: str) -> str:
    return f"{OPEN}{NAME}:{masked}:h={h}{CLOSE}"


def has_token(text: str) -> bool:
    """Whether the message carried personal data (the guard left a token in it)."""
    return bool(ANY_TOKEN.search(text or ""))
