"""Personal data helpers: keyed hashes for lookups, masked forms for replies, ID validation.

- :func:`hmac_of` turns an ID number, a name or a phone's last digits into a keyed hash
  (HMAC-SHA256). The key comes from ``PII_HMAC_KEY`` or, when unset, from
  ``casework/generated/pii.key``, created once; the Rasa process (channel) and the action server
  read the same file, so their hashes agree.
- ``mask_*`` give the only forms that may appear in replies and logs (430***********1234, 张*,
  138****5678).
- :func:`validate_id` checks an 18-digit resident ID with ``stdnum.cn.ric`` and says in Chinese
  what is wrong, so the assistant can re-prompt precisely.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from stdnum import numdb
from stdnum.cn import ric

from casework.schema import GENERATED_DIR

#: The shared key file (when ``PII_HMAC_KEY`` is not set).
KEY_FILE = GENERATED_DIR / "pii.key"

#: Everything a user may type between digits: spaces of any width, hyphens (after NFKC).
_SEPARATORS = re.compile(r"[\s\-]+")
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_HAS_BAD_LETTER = re.compile(r"[^\dX]|X(?=.)")  # a non-digit, or an X anywhere but last

_file_key: Optional[bytes] = None


def normalize(value: str) -> str:
    """The canonical form hashed and validated: NFKC (full-width digits), no spaces, upper-case X."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def _key_from_file(path: Path = KEY_FILE) -> bytes:
    """Read the key file, creating it once; safe when two processes start together."""
    global _file_key
    if _file_key is not None:
        return _file_key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32), encoding="ascii")
        os.chmod(tmp, 0o600)
        try:
            # link() fails if another process won the race: then its key is the one everybody uses
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    _file_key = path.read_text(encoding="ascii").strip().encode()
    return _file_key


def _key() -> bytes:
    env = os.environ.get("PII_HMAC_KEY")
    return env.encode() if env else _key_from_file()


def hmac_of(value: str) -> str:
    """HMAC-SHA256 (hex) of the normalised value under the deployment's PII key.

    Args:
        value: an ID number, a name, a phone's last four digits, or any other identifier.

    Returns:
        64 hex characters; equal inputs (up to spacing, width and the case of X) hash equally.
    """
    return hmac.new(_key(), normalize(value).encode("utf-8"), hashlib.sha256).hexdigest()


def _mask(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]


def mask_id(value: str) -> str:
    """``430***********1234``: first 3 and last 4 characters kept (any length, for invalid input too)."""
    return _mask(normalize(value), 3, 4)


def mask_name(value: str) -> str:
    """``张*`` / ``欧***``: the first character, then one ``*`` per remaining character.

    Compound surnames are not kept whole (欧阳娜娜 → 欧***): one character says less.
    """
    name = unicodedata.normalize("NFKC", value).strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_phone(value: str) -> str:
    """``138****5678``: first 3 and last 4 digits of a mobile number kept."""
    return _mask(normalize(value), 3, 4)


@dataclass(frozen=True)
class IdCheck:
    """Result of :func:`validate_id`: ``reason`` is a Chinese phrase when ``valid`` is False."""

    valid: bool
    reason: Optional[str]
    normalized: str


LENGTH = "位数不对（应为18位）"
CHECKSUM = "校验码不对"
BIRTH_DATE = "出生日期不对"
FORMAT = "格式不对"
REGION = "地区代码不对"


def _known_province(number: str) -> bool:
    return any("province" in props for _, props in numdb.get("cn/loc").info(number[:6]))


def validate_id(text: str, today: Optional[dt.date] = None) -> IdCheck:
    """Check an 18-digit resident ID number (GB 11643) with ``stdnum.cn.ric``.

    Order of checks: letters (only a final X is allowed) → length → birth date (a real date, not in
    the future) → check digit → province code. The date comes before the check digit because a typo
    in the date usually breaks both, and "出生日期不对" tells the user where to look.

    stdnum's own ``validate`` also rejects a county code that did not yet exist in the birth year
    (431002 for someone born in 1960); real cards carry the code of the place *at issue*, so such
    numbers are accepted here as long as the province is known.

    Args:
        text: what the user typed (spaces, full-width digits and a lower-case x are fine).
        today: the reference date for "birth date in the future" (default: today).

    Returns:
        IdCheck(valid, reason, normalized).
    """
    number = normalize(text)
    if not number or _HAS_BAD_LETTER.search(number):
        return IdCheck(False, FORMAT, number)
    if len(number) != 18 or not _ID_SHAPE.match(number):
        return IdCheck(False, LENGTH, number)
    try:
        birth = ric.get_birth_date(number)
    except Exception:  # stdnum raises InvalidComponent for 19900230 and friends
        return IdCheck(False, BIRTH_DATE, number)
    if not dt.date(1900, 1, 1) <= birth <= (today or dt.date.today()):
        return IdCheck(False, BIRTH_DATE, number)
    if number[-1] != ric.calc_check_digit(number):
        return IdCheck(False, CHECKSUM, number)
    if not _known_province(number):
        return IdCheck(False, REGION, number)
    return IdCheck(True, None, number)
