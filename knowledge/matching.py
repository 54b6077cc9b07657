"""Find service items, regions and personal situations in free text.

A :class:`PhraseIndex` maps phrases (and bags of words that must all occur) to values with a weight.
Indexes are built once from the KB (official item and variant names, region names and aliases) plus
``knowledge/colloquial.yml`` (how people say it), serialised into ``data/nlu/generated/entities.json``
by :mod:`knowledge.nlu_resources`, and loaded by the NLU entity component and the actions. Matching
runs on a spaCy blank-Chinese character doc with a PhraseMatcher, so hundreds of phrases cost one
pass over the message; offsets map back to the user's original text for Rasa entities.

Item values are national sub-item codes ("002036004001") where an item has one (printed or
inferred), else the item's printed name: one value means "the same service" in every region.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

COLLOQUIAL_FILE = Path(__file__).with_name("colloquial.yml")

#: Weights: an official name outranks a colloquial phrase of the same length, a phrase outranks a
#: bag of words; the score of a hit is weight × matched length (更具体的说法优先).
OFFICIAL, PHRASE, ALL_OF = 3.0, 2.0, 1.0

_SKIP = re.compile(r"[\s《》“”\"'‘’「」]")

#: How a message says something is not so, as typed (湘/西南 冇得, 冒) or as read in Mandarin: a
#: phrase right after one (没住院, 冇得单位, 不是退休人员) names nothing the asker is or asks.
NEGATION = r"没有|没得|冇得|冒得|没|冇|冒|未|无|不是"
NEGATED_BEFORE = re.compile(f"(?:{NEGATION})$")


def negated_at(text: str, start: int) -> bool:
    """Whether a negation ends right where ``start`` is."""
    return bool(NEGATED_BEFORE.search(text[max(0, start - 2) : start]))


def not_negated(hits: Sequence["Hit"], text: str) -> List["Hit"]:
    """The hits of values the text does not say are not so: a value negated once ("不是转诊") is
    named by none of its other phrases either ("去北京看病, 不是转诊" asks no 转诊 filing)."""
    said_not = {h.value for h in hits if negated_at(text, h.start)}
    return [h for h in hits if h.value not in said_not]


#: Who someone is (applicant, personnel category, scheme) or an item ("没住院"): not so when
#: negated right before.
NEGATABLE = frozenset({"applicant_type", "personnel_category", "insurance_type", "service_item"})


def best_hits(indexes: Dict[str, "PhraseIndex"], text: str) -> Dict[str, "Hit"]:
    """Per entity type, the best-ranked value (several hits for one value add up) and its
    strongest hit for the span; a type of :data:`NEGATABLE` skips what the text says is not so."""
    result: Dict[str, Hit] = {}
    for kind, index in indexes.items():
        hits = index.hits(text)
        if kind in NEGATABLE:  # "没得单位", "不是退休人员": who they are not
            hits = not_negated(hits, text)
        ranked = index.rank_hits(hits)
        if ranked:
            value = ranked[0][0]
            result[kind] = next(h for h in hits if h.value == value)
    return result


def fold(text: str) -> str:
    """Matching form of a phrase: full width folded, lower case, spaces and quotes dropped."""
    return _SKIP.sub("", unicodedata.normalize("NFKC", text)).lower()


def fold_with_offsets(text: str) -> Tuple[str, List[int]]:
    """:func:`fold` of ``text`` plus, for each kept character, its index in ``text``."""
    chars: List[str] = []
    offsets: List[int] = []
    for i, ch in enumerate(text):
        f = unicodedata.normalize("NFKC", ch).lower()
        for c in f:
            if not _SKIP.match(c):
                chars.append(c)
                offsets.append(i)
    return "".join(chars), offsets


@lru_cache(maxsize=1)
def _nlp():
    import spacy  # imported on first use: start-up work, never per message

    return spacy.blank("zh")  # character segmentation: every phrase matches at any position


@dataclass(frozen=True)
class Hit:
    """One match in a text: offsets are into the ORIGINAL text (end exclusive)."""

    value: str
    phrase: str
    start: int
    end: int
    score: float


@dataclass
class PhraseIndex:
    """Phrases → values (with weights) and bags of words → values, for one entity type."""

    phrases: Dict[str, List[Tuple[str, float]]] = field(default_factory=dict)
    all_of: List[Tuple[Tuple[str, ...], str]] = field(default_factory=list)
    _matcher: object = field(default=None, repr=False, compare=False)

    def add(self, phrase: str, value: str, weight: float = PHRASE) -> None:
        p = fold(phrase)
        if len(p) < 2 and not re.match(r"^[a-z]+$", p):
            return
        entries = self.phrases.setdefault(p, [])
        if all(v != value for v, _ in entries):
            entries.append((value, weight))
            self._matcher = None

    def add_bag(self, words: Sequence[str], value: str) -> None:
        bag = (tuple(fold(w) for w in words), value)
        if bag not in self.all_of:  # a bag listed twice is no stronger evidence
            self.all_of.append(bag)

    def _phrase_matcher(self):
        if self._matcher is None:
            from spacy.matcher import PhraseMatcher

            nlp = _nlp()
            matcher = PhraseMatcher(nlp.vocab)
            for phrase in self.phrases:
                matcher.add(phrase, [nlp.make_doc(phrase)])
            self._matcher = matcher
        return self._matcher

    def hits(self, text: str) -> List[Hit]:
        """Every phrase occurrence and satisfied bag, strongest first."""
        folded, offsets = fold_with_offsets(text)
        if not folded:
            return []
        nlp = _nlp()
        doc = nlp.make_doc(folded)
        found: List[Hit] = []
        strings = nlp.vocab.strings
        for match_id, s, e in self._phrase_matcher()(doc):
            phrase = strings[match_id]
            cs, ce = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
            for value, weight in self.phrases.get(phrase, []):
                found.append(Hit(value, phrase, offsets[cs], offsets[ce - 1] + 1, weight * len(phrase)))
        for words, value in self.all_of:
            # a bag's word may be alternatives ("老婆|爱人|媳妇"): any one of them will do
            said = [next((a for a in w.split("|") if a in folded), None) for w in words]
            if all(said):
                first = min(folded.find(a) for a in said)
                found.append(Hit(value, "+".join(said), offsets[first], offsets[first], ALL_OF * sum(map(len, said))))
        found.sort(key=lambda h: (-h.score, h.start))
        return found

    def rank(self, text: str) -> List[Tuple[str, float]]:
        """Values by summed score; a hit inside a longer kept hit does not count on its own."""
        return self.rank_hits(self.hits(text))

    @staticmethod
    def rank_hits(hits: List[Hit]) -> List[Tuple[str, float]]:
        """:meth:`rank` over hits already found (one matcher pass serves both)."""
        kept: List[Hit] = []
        for h in hits:
            # a hit inside a longer kept one, or crossing a kept one that is as strong and earlier
            # ("咸安乡镇": 咸安, not 湖南's 安乡 — a character belongs to one word)
            inside = h.start != h.end and any(
                k.start != k.end and k.start < h.end and h.start < k.end
                and ((k.end - k.start) > (h.end - h.start) or (k.score >= h.score and k.start < h.start))
                for k in kept
            )
            if not inside:
                kept.append(h)
        # Several independent hits for one value add up (城乡居民 + 暂停参保 beats 暂停参保 alone).
        scores: Dict[str, float] = {}
        for h in kept:
            scores[h.value] = scores.get(h.value, 0.0) + h.score
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))

    def best(self, text: str) -> Optional[str]:
        ranked = self.rank(text)
        return ranked[0][0] if ranked else None

    def entities(self, text: str) -> List[Hit]:
        """Non-overlapping hits (longest/strongest first), for NLU entities; bags excluded."""
        chosen: List[Hit] = []
        for h in self.hits(text):
            if h.start == h.end:
                continue
            if all(h.end <= c.start or h.start >= c.end for c in chosen):
                chosen.append(h)
        return sorted(chosen, key=lambda h: h.start)

    def to_dict(self) -> dict:
        return {
            "phrases": {p: [[v, w] for v, w in vs] for p, vs in sorted(self.phrases.items())},
            "all_of": [[list(ws), v] for ws, v in self.all_of],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "PhraseIndex":
        index = cls()
        for p, vs in (data.get("phrases") or {}).items():
            index.phrases[p] = [(str(v), float(w)) for v, w in vs]
        index.all_of = [(tuple(ws), str(v)) for ws, v in data.get("all_of") or []]
        return index


def load_colloquial(path: Path = COLLOQUIAL_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def label_words(colloquial: dict, tables: Iterable[str]) -> frozenset:
    """Every label of the named label tables (insurance_types, personnel_categories …) and every
    word people say for one."""
    return frozenset(
        str(w) for table in tables for label, spoken in (colloquial.get(table) or {}).items() for w in [label, *(spoken or [])]
    )


def item_key(code: Optional[str], name: str) -> str:
    """The value an item is known by across regions: its national code, else its printed name."""
    return code or name


def label_index(table: Dict[str, Iterable[str]]) -> PhraseIndex:
    """Index for a label table {label: [words]}; the label itself matches too."""
    index = PhraseIndex()
    for label, words in (table or {}).items():
        index.add(label, label, OFFICIAL)
        for w in words or []:
            index.add(str(w), label, PHRASE)
    return index
