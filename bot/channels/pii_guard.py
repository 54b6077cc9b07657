"""Personal data never enters Rasa: the channel swaps it for tokens before NLU sees the text.

- An 18-digit resident ID (or a digit run that looks like a mistyped one) becomes
  ``〔身份证号:430***********1234:h=<hmac>〕`` when valid (GB 11643 checksum and birth date via
  ``stdnum.cn.ric``) or ``〔身份证号无效:校验码不对:430***********1234〕`` when not.
- A mobile number becomes ``〔手机号:138****5678:h=<hmac>〕``.
- When the bot has just asked for a name or the phone's last four digits (its reply carried
  ``custom.pii_expect``), the sender's next message becomes ``〔姓名:张*:h=<hmac>〕`` /
  ``〔手机后四位:h=<hmac>〕`` (or an ``无效`` token when it does not look like one).

So the tracker store, the logs and the NLU never hold the raw value; the actions compare keyed
hashes (``casework.privacy.hmac_of``) against the case store and show masked forms.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Dict, Optional, Tuple

from casework.privacy import hmac_of, mask_id, mask_name, mask_phone, validate_id

#: A digit run of ID length (17 digits + digit/X) or close to it (15–19 characters): checked, never kept.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{14,18}[0-9Xx]?)(?![0-9A-Za-z])")
#: A mainland mobile number anywhere in the text: kept only masked with a keyed hash.
_MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d{9})(?![0-9])")
_NAME_PREFIX = re.compile(r"^(?:我叫|我是|姓名(?:是|为)?[:：]?|名字(?:是|叫)?[:：]?|本人)")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,8}$")
_LAST4 = re.compile(r"^(?:尾号|后四位(?:是)?[:：]?)?\s*(\d{4})\s*$")

#: How long a "the next message is a name" expectation lasts.
EXPECT_SECONDS = 600


def tokenize_ids(text: str) -> str:
    """Replace every ID-like number with a token (valid or invalid, masked, keyed hash)."""

    def swap(m: re.Match) -> str:
        raw = m.group(1)
        check = validate_id(raw)
        if check.valid:
            return f"〔身份证号:{mask_id(check.normalized)}:h={hmac_of(check.normalized)}〕"
        return f"〔身份证号无效:{check.reason}:{mask_id(raw)}〕"

    text = _ID_LIKE.sub(swap, text)
    return _MOBILE.sub(lambda m: f"〔手机号:{mask_phone(m.group(1))}:h={hmac_of(m.group(1))}〕", text)


def tokenize_expected(kind: str, text: str) -> Optional[str]:
    """The token for an expected name / phone-last-4 reply, or None when the text is something else."""
    t = text.strip()
    if kind == "name":
        name = _NAME_PREFIX.sub("", t).strip("。.！! ")
        if _NAME.match(name):
            return f"〔姓名:{mask_name(name)}:h={hmac_of(name)}〕"
        return None
    if kind == "phone_last4":
        m = _LAST4.match(t)
        if m:
            return f"〔手机后四位:h={hmac_of(m.group(1))}〕"
        if re.fullmatch(r"\d{1,11}", t):
            return "〔手机后四位无效〕"
        return None
    return None


class Expectations:
    """Per-sender "the next message is a name / phone-last-4" notes, in this process's memory.

    The REST channel runs in the single Rasa process (one Sanic worker), so memory is enough; notes
    expire after EXPECT_SECONDS.
    """

    def __init__(self) -> None:
        self._notes: Dict[str, Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def set(self, sender: str, kind: str) -> None:
        with self._lock:
            self._notes[sender] = (kind, time.monotonic() + EXPECT_SECONDS)

    def pop(self, sender: str) -> Optional[str]:
        with self._lock:
            kind, until = self._notes.pop(sender, (None, 0.0))
        return kind if kind and until > time.monotonic() else None


def protect(text: str, expected: Optional[str]) -> str:
    """The text Rasa may see: expected name/phone replies and every ID number tokenised."""
    if expected:
        token = tokenize_expected(expected, text)
        if token:
            return token
    return tokenize_ids(text)
