"""Homophone typos of the guides' words, corrected before a message is matched ("备按" → 备案).

People type Chinese by pinyin, so their typos are mostly other characters with the same sound
("生育经贴", "医保备按"), often with the sounds southern speakers do not tell apart (in/ing, en/eng,
an/ang, z/zh, c/ch, s/sh, l/n: the fuzzy pinyin of Chinese input methods). A two-character run of a
message that the guides never print and that is no word of the general dictionary is replaced by
the one word of the guides that sounds the same, if there is exactly one. Nothing else changes:
words the guides print, real words they do not ("带娃"), and anything that sounds like several of
the guides' words stay as typed.

    fixer = TypoFixer(guide_words)          # start-up: the guides' two-character words by sound
    fixer.fix("去上海住要先备按不")           # per message → "去上海住要先备案不"
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from pypinyin import Style, lazy_pinyin

_CJK2 = re.compile(r"^[\u4e00-\u9fff]{2}$")
#: A character used this often as a word of its own (是, 在, 去, 想 …) is typed on purpose…
COMMON_CHARACTER = 30000
#: …unless the character beside it is this rare alone: "被案" is 备案 mistyped (案 is no word of its
#: own), "全是" is no 全市 (全 is).
RARE_CHARACTER = 5000
#: …and a character used this often (是, 在, 的, 有) is typed on purpose whatever stands beside it:
#: "那格是谁签" is no 格式.
ON_PURPOSE = 300000
#: Sounds that input-method users (and southern speakers) do not tell apart, folded to one.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def sound(syllable: str) -> str:
    """A toneless pinyin syllable with the fuzzy pairs folded (jing → jin, zhang → zan)."""
    for a, b in _FUZZY_INITIALS:
        if syllable.startswith(a):
            syllable = b + syllable[len(a):]
            break
    for a, b in _FUZZY_FINALS:
        if syllable.endswith(a):
            syllable = syllable[: -len(a)] + b
            break
    return syllable


def sounds(text: str) -> Tuple[str, ...]:
    return tuple(sound(s) for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


class TypoFixer:
    """The guides' two-character words by sound; replaces a message's homophone typos of them."""

    def __init__(
        self,
        guide_words: Iterable[str],
        is_word: Optional[Callable[[str], bool]] = None,
        printed: Iterable[str] = (),
        segment: Optional[Callable[[str], List[str]]] = None,
        frequency: Optional[Callable[[str], int]] = None,
    ) -> None:
        """``guide_words``: the guides' words (only two-character ones are used); ``is_word``: whether
        a run is a word of the general dictionary; ``printed``: every two-character run the guides
        print (a run they print is never a typo); ``segment``: the message's words — a typo breaks
        a word into single characters, so a run across or inside a longer word ("女儿|带") is none;
        ``frequency``: how often a character is used as a word of its own (jieba's counts)."""
        by_sound: Dict[Tuple[str, ...], Set[str]] = {}
        for word in guide_words:
            if _CJK2.match(word):
                by_sound.setdefault(sounds(word), set()).add(word)
        self._by_sound = by_sound
        self._printed = frozenset(printed) | {w for ws in by_sound.values() for w in ws}
        self._is_word = is_word or (lambda w: False)
        self._segment = segment
        self._frequency = frequency or (lambda ch: 0)

    def _one_slip(self, run: str, word: str) -> bool:
        """One character typed for another, and not a word everyone types on purpose: "备按" for
        备案, never "全是" for 全市 or "想在" for 现在 (是, 在, 想 are words of their own)."""
        slips = [(a, b) for a, b in zip(run, word) if a != b]
        if len(slips) != 1:
            return False
        kept = next(a for a, b in zip(run, word) if a == b)
        if self._frequency(slips[0][0]) >= ON_PURPOSE:
            return False
        return self._frequency(slips[0][0]) < COMMON_CHARACTER or self._frequency(kept) < RARE_CHARACTER

    def fix(self, text: str) -> str:
        """``text`` with each unambiguous homophone typo of a guide word replaced by that word."""
        if not text:
            return text
        out: List[str] = list(text)
        single = [True] * len(text)
        if self._segment:
            pos = 0
            for word in self._segment(text):
                for j in range(pos, pos + len(word)):
                    single[j] = len(word) == 1
                pos += len(word)
        i = 0
        while i < len(text) - 1:
            run = text[i : i + 2]
            if single[i] and single[i + 1] and _CJK2.match(run) and run not in self._printed and not self._is_word(run):
                found = [w for w in self._by_sound.get(sounds(run), ()) if self._one_slip(run, w)]
                if len(found) == 1:
                    out[i : i + 2] = list(found[0])
                    i += 2
                    continue
            i += 1
        return "".join(out)
