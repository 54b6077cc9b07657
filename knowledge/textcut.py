"""Cutting text into pieces of a bounded size: one greedy packer for passages and chat messages."""

from __future__ import annotations

import re
from typing import Callable, Iterable, List

#: Where a sentence ends: a long text is cut right after these, never inside a sentence.
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")


def sentences(text: str) -> List[str]:
    """``text`` cut after each sentence end (the pieces joined give ``text`` back)."""
    return _SENTENCE_END.split(text)


def pack(pieces: Iterable[str], limit: int, size: Callable[[str], int] = len) -> List[str]:
    """Consecutive ``pieces`` joined into chunks of at most ``limit`` (by ``size``); a piece larger
    than ``limit`` stays whole in a chunk of its own."""
    chunks: List[str] = []
    chunk = ""
    for piece in pieces:
        if chunk and size(chunk + piece) > limit:
            chunks.append(chunk)
            chunk = ""
        chunk += piece
    if chunk:
        chunks.append(chunk)
    return chunks
