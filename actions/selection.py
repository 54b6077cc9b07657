"""Which of a region's records fits the question: 咸安 level, business variant, similar items.

Pure functions over export-shaped records, so the dialogue logic is unit-testable without Rasa.
"""

from __future__ import annotations

import re

from typing import Any, Dict, List, Optional, Sequence

from knowledge.matching import fold, load_colloquial

Record = Dict[str, Any]
#: The personnel categories hints can name (colloquial.yml ``personnel_categories`` labels).
PERSONNEL = frozenset((load_colloquial().get("personnel_categories") or {}).keys())


def label(record: Record) -> str:
    """What tells a record apart from its siblings: the 业务办理项 name, else the item name."""
    return record.get("variant") or record["name"]


def by_level(records: Sequence[Record], level: Optional[str]) -> List[Record]:
    """咸安 has the same item at 区级, 乡镇 and 村 windows: the asked level, else 区级."""
    levels = {r.get("level") for r in records}
    if len(levels) <= 1:
        return list(records)
    wanted = level if level in levels else ("区级" if "区级" in levels else None)
    return [r for r in records if r.get("level") == wanted] or list(records)


def _bigrams(text: str) -> set:
    t = fold(text)
    return {t[i : i + 2] for i in range(len(t) - 1)} | ({t} if len(t) == 1 else set())


def expand(text: str, variant_words: Dict[str, str]) -> str:
    """The text plus the guide's words for what people say (转进来 → 转入), for variant choice."""
    return text + "".join(v for k, v in variant_words.items() if k in text)


def choose(
    records: Sequence[Record],
    text: str,
    variant: Optional[str] = None,
    hints: Sequence[str] = (),
    variant_words: Optional[Dict[str, str]] = None,
) -> List[Record]:
    """The records that fit best: one when the question decides it, several when it does not.

    ``variant`` is a label the user picked (button) or carried from earlier turns; ``hints`` are
    slot values of this message (personnel category, insurance type, applicant type).
    """
    if len(records) <= 1:
        return list(records)
    # "转入地"/"转出地" name a place, not the variant: "关系转出，由转入地受理的" asks about 转出
    text = _PLACE_OF.sub("地", text)
    named = [r for r in records if fold(label(r)) in fold(text)]
    if len(named) == 1:  # the question (or a button payload) names one variant outright
        return named
    # who they said they are counts as itself and through the records' tags: its guide words
    # ("职工医保" → 职工医保参保人员) would favour whichever label shares them (…人员参保登记)
    unsaid = text
    for hint in hints:
        unsaid = unsaid.replace(hint, " ")
    added = expand(unsaid, variant_words or {})[len(unsaid):]
    # (a variant kept from earlier turns yields only to this message's words for a variant, not to
    # a word that merely appears among a sibling's materials: "户口" after 灵活就业 was settled)
    scores = _scores(records, text + added, hints, text, material_cues=not variant)
    best = max(scores)
    winners = [r for r, s in zip(records, scores) if s == best]
    if best > 0 and len(winners) == 1:
        return winners  # this message's words decide, even against an earlier choice
    if variant:
        kept = [r for r in records if label(r) == variant]
        if kept:
            return kept[:1]
    if len(winners) == 1 and min(scores) < 0:  # the others are for people they said they are not
        return winners
    candidates = winners if best > 0 else list(records)
    return joining(candidates, text)


#: At most this much a sibling's own materials add to its score.
MATERIAL_CUES = 3
#: Words of the question's aspect, not of its case ("带些什么材料" says nothing about whose materials).
_ASPECT_GRAMS = {"材料", "资料", "证明", "表格", "办理", "提供", "复印", "原件"}
#: Words of an employer speaking for its staff (新招的员工, 给职工们办).
_FOR_STAFF = re.compile(r"员工|新招|招了|招的|新进|入职|(?:给|帮|替)(?:他们|她们|职工|工人)")
#: "转入地", "转出地": the place a transfer goes to or comes from.
_PLACE_OF = re.compile(r"(?:转入|转出)地")
#: A variant that ends or reduces something (减少登记, 注销登记, 暂停参保) …
_LEAVING = re.compile(r"减少|注销|暂停|终止|停保|退出|中断")
#: (unless it also covers joining: "单位参保登记（含新增、暂停…）")
_JOINING = re.compile(r"新增|增加|恢复")
#: … is not what a question means that says nothing about leaving.
_ASKS_LEAVING = re.compile(r"减少|注销|暂停|终止|停保|停交|停掉|不交|不想交|断交|转出|转走|退出|退保|取消|破产|关门|倒闭|去世|过世|死亡|离职|辞职|出国|移民|中断|减员|转到|转去")


def joining(records: Sequence[Record], text: str) -> List[Record]:
    """Without a word about leaving, a question about an item means joining or doing it, not ending it."""
    if len(records) < 2 or _ASKS_LEAVING.search(text):
        return list(records)
    kept = [r for r in records if not _LEAVING.search(label(r)) or _JOINING.search(label(r))]
    return kept if kept else list(records)


def _scores(
    records: Sequence[Record], asked_text: str, hints: Sequence[str], typed: Optional[str] = None, material_cues: bool = True
) -> List[int]:
    """How strongly the asked text points at each record, by what sets the records apart.

    Only words that differ between siblings count: bigrams/characters shared by every label, or
    part of the item's own name (职工参保登记), say nothing about which variant is meant.
    """
    labels = [label(r) for r in records]
    # The item's own name says nothing about the variant, unless siblings are separate items
    # (贵州 prints 医疗保险关系转出 and 医疗保险关系转入 as two items): only shared name parts count.
    own = set.intersection(*[_bigrams(r["name"]) for r in records])
    own_chars = set.intersection(*[set(fold(r["name"])) for r in records])
    grams = [_bigrams(lb) for lb in labels]
    common = set.intersection(*grams) | own
    chars = [set(fold(lb)) for lb in labels]
    common_chars = set.intersection(*chars) | own_chars
    # who they said they are, without the 人员 every group of people ends in ("退休人员" would
    # share it with 灵活就业、自谋职业人员参保登记)
    said = "".join(fold(h.replace("人员", "")) for h in hints)
    asked = fold(asked_text) + said
    # single characters count only as typed: the guide words added for colloquial ones ("职工医保" →
    # 职工医保参保人员) would otherwise favour whichever label shares their characters
    typed_text = fold(typed if typed is not None else asked_text)
    typed_chars = typed_text + said
    said_who = [fold(h) for h in hints]
    said_people = {h for h in hints if h in PERSONNEL}
    who_grams = set().union(*[_bigrams(h) for h in said_who]) if said_who else set()
    # what only one sibling's materials ask for says which case it is ("出国定居的，需提供护照" is
    # 终止参保's, not 暂停参保's): a bigram of them the question says counts a little
    mats = [_bigrams(re.sub(r"[^\u4e00-\u9fff]", "", r.get("materials") or "")) for r in records]
    shared_mats = set.union(*[a & b for i, a in enumerate(mats) for b in mats[i + 1 :]]) if len(mats) > 1 else set()
    scores = []
    for r, lb, g, c, m in zip(records, labels, grams, chars, mats):
        # who a label is for (灵活就业人员增加登记) counts once, as who is asking: were its bigrams
        # counted too, a mere "灵活就业" would outweigh what the question asks to do (转退休)
        whose = [h for h in said_who if h and h in fold(lb)]
        if whose:
            rest = fold(lb)
            for h in whose:
                rest = rest.replace(h, " ")
            g, c = _bigrams(rest) - {b for b in _bigrams(rest) if " " in b}, set(rest) - {" "}
        score = sum(2 for b in g - common if b in asked)
        score += sum(1 for ch in c - common_chars if ch in typed_chars)
        tags = set(r.get("personnel_categories") or []) | set(r.get("insurance_types") or [])
        score += sum(3 for h in hints if h in tags) + 3 * len(whose)  # a label naming them is surer than a tag
        # (as typed: who is asking counts through tags and labels)
        if material_cues:
            score += min(MATERIAL_CUES, sum(1 for b in m - shared_mats - common - who_grams - _ASPECT_GRAMS if b in typed_text))
        # a record for particular people (灵活就业人员) fits someone who says they are someone else
        # (港澳台人员, 在职职工) less than the general one
        people = set(r.get("personnel_categories") or [])
        if people and said_people and not people & said_people:
            score -= 3
        # an employer registering its staff ("公司刚招的人") has no 灵活就业人员 to register:
        # they have no employer by definition
        if "灵活就业人员" in people and _FOR_STAFF.search(typed_text) and "灵活" not in typed_text:
            score -= 3
        scores.append(score)
    return scores
