"""Replies shaped for the 公众号: at most 2,048 bytes a message, buttons as numbered options.

A passive reply carries at most 2,048 bytes of UTF-8 text (about 680 Chinese characters); a longer
answer is cut at line ends into parts of that size, the first sent as the passive reply and the rest
through the customer-service API. WeChat text has no buttons: each becomes a numbered line ("回复 1
选择 郴州市"), and a reply of just that number picks it.
"""

from __future__ import annotations

import unicodedata
from typing import Dict, List, Optional, Sequence

from knowledge.textcut import pack, sentences

#: The platform's limit for one text message's content, in UTF-8 bytes.
MAX_TEXT_BYTES = 2048


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut_line(line: str, limit: int) -> List[str]:
    """A single line longer than ``limit`` bytes, cut after sentence ends (else between characters)."""
    parts: List[str] = []
    for part in sentences(line):  # cut after sentence ends where it can be
        while _size(part) > limit:  # one sentence too long: cut between characters
            cut = len(part.encode("utf-8")[:limit].decode("utf-8", "ignore"))
            parts.append(part[:cut])
            part = part[cut:]
        parts.append(part)
    return pack(parts, limit, _size)


def split_reply(text: str, limit: int = MAX_TEXT_BYTES) -> List[str]:
    """``text`` in parts of at most ``limit`` UTF-8 bytes, cut at line ends where it can be."""
    parts: List[str] = []
    current = ""
    for line in text.split("\n"):
        for n, piece in enumerate(_cut_line(line, limit) if _size(line) > limit else [line]):
            # (the pieces of one cut line go on without a line break between them)
            candidate = current + ("\n" if n == 0 else "") + piece if current else piece
            if current and _size(candidate) > limit:
                parts.append(current)
                current = piece
            else:
                current = candidate
    if current.strip():
        parts.append(current)
    return parts


def with_options(text: str, buttons: Sequence[Dict[str, str]]) -> str:
    """A reply with its buttons as numbered lines to answer with."""
    if not buttons:
        return text
    options = [f"回复 {i} 选择 {b.get('title', '')}" for i, b in enumerate(buttons, start=1)]
    return "\n".join([text, *options]) if text else "\n".join(options)


def chosen_option(message: str, buttons: Sequence[Dict[str, str]]) -> Optional[str]:
    """The payload of the option a reply of just its number picks ("2", "２", " 2 "), else None."""
    number = unicodedata.normalize("NFKC", message or "").strip()
    if not number.isdigit() or not buttons:
        return None
    index = int(number)
    return buttons[index - 1].get("payload") if 1 <= index <= len(buttons) else None
