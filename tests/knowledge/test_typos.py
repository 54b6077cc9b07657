"""Homophone typos of the guides' words are read as the words ("备按" → 备案), nothing else is."""

from __future__ import annotations

import pytest

from knowledge.search import Tokenizer
from knowledge.typos import TypoFixer, sound


@pytest.fixture(scope="module")
def fixer():
    tokenize = Tokenizer()
    words = ["备案", "报销", "医保", "津贴", "现在", "区外", "全市", "缴纳", "格式"]
    return TypoFixer(words, is_word=tokenize.is_word, segment=tokenize.segment, frequency=tokenize.frequency)


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("出门前要备按吗", "出门前要备案吗"), ("报消要带什么", "报销要带什么"), ("医宝卡丢了", "医保卡丢了"),
        ("被案要交啥", "备案要交啥"),  # 被 is common, but 案 beside it is no word of its own
    ],
)
def test_a_homophone_typo_of_a_guide_word_is_read_as_the_word(fixer, typed, meant):
    assert fixer.fix(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "想在网上办",  # 想 is a word typed on purpose, not 现
        "出院全是自费",  # 是 likewise, not 全市
        "退休了去外地住",  # 去 likewise, not 区外
        "要交哪种证明",  # two characters differ from 缴纳: no slip of one key
        "帮女儿带娃",  # a run across words (女儿|带) is no typo
        "表上最后一格是啥意思",  # 是 is typed on purpose even beside a rare 格: no 格式
    ],
)
def test_everything_else_stays_as_typed(fixer, text):
    assert fixer.fix(text) == text


def test_fuzzy_sounds_of_input_methods():
    assert sound("jing") == sound("jin") and sound("zhang") == sound("zan") and sound("nan") == sound("lan")
