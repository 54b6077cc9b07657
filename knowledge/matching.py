"""Find service items and regions in free text, from KB names and the colloquial phrase list.

The matcher is built once from the KB (official item and variant names, region names and aliases)
plus ``knowledge/colloquial.yml`` (how people say it), and then answers per message without touching
the database. It is what lets "退休了去外地跟儿子住，看病怎么报" land on 异地安置退休人员备案, and
it feeds the NLU entity component, the jieba user dictionary and the low-confidence KB search.

Item keys are national sub-item codes ("002036004001") where an item has one (printed or
inferred), else the item's printed name: one key means "the same service" in every region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.extract import norm
from knowledge.schema import Region, RegionAlias, ServiceItem, Variant

COLLOQUIAL_FILE = Path(__file__).with_name("colloquial.yml")

# Scores: an official name outranks a colloquial phrase of the same length, and a phrase outranks
# a bag of words; longer matches outrank shorter ones (更具体的说法优先).
_OFFICIAL, _PHRASE, _ALL_OF = 3.0, 2.0, 1.0


def item_key(item: ServiceItem) -> str:
    """The key an item is known by across regions: its national code, else its printed name."""
    return item.code or item.name


@dataclass(frozen=True)
class Hit:
    """One match of a phrase in a text."""

    key: str
    phrase: str
    start: int
    end: int
    score: float


@dataclass
class ItemMatcher:
    """Phrases (normalised) → item keys, and bags of words → item keys."""

    phrases: Dict[str, List[Tuple[str, float]]] = field(default_factory=dict)
    all_of: List[Tuple[Tuple[str, ...], str]] = field(default_factory=list)
    names: Dict[str, str] = field(default_factory=dict)  # key -> display name (official)

    def add_phrase(self, phrase: str, key: str, weight: float) -> None:
        p = norm(phrase)
        if len(p) < 2:
            return
        entries = self.phrases.setdefault(p, [])
        if all(k != key for k, _ in entries):
            entries.append((key, weight))

    def hits(self, text: str) -> List[Hit]:
        """Every phrase occurrence in ``text`` (normalised), longest and strongest first."""
        t = norm(text)
        found: List[Hit] = []
        for phrase, keys in self.phrases.items():
            at = t.find(phrase)
            if at < 0:
                continue
            for key, weight in keys:
                found.append(Hit(key, phrase, at, at + len(phrase), weight * len(phrase)))
        for words, key in self.all_of:
            if all(w in t for w in words):
                first = min(t.find(w) for w in words)
                found.append(Hit(key, "+".join(words), first, first, _ALL_OF * sum(len(w) for w in words)))
        found.sort(key=lambda h: (-h.score, h.start))
        return found

    def rank(self, text: str) -> List[Tuple[str, float]]:
        """Item keys by total score; a phrase contained in a longer matched phrase does not count."""
        hits = self.hits(text)
        kept: List[Hit] = []
        for h in hits:
            inside = any(
                k.start <= h.start and h.end <= k.end and (k.end - k.start) > (h.end - h.start) for k in kept
            )
            if not inside or h.start == h.end:
                kept.append(h)
        scores: Dict[str, float] = {}
        for h in kept:
            scores[h.key] = max(scores.get(h.key, 0.0), h.score)
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def best(self, text: str) -> Optional[str]:
        ranked = self.rank(text)
        return ranked[0][0] if ranked else None


def load_colloquial(path: Path = COLLOQUIAL_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def build_item_matcher(session: Session, colloquial: Optional[dict] = None) -> ItemMatcher:
    """Matcher over every item and variant name in the KB plus the colloquial phrases."""
    colloquial = load_colloquial() if colloquial is None else colloquial
    matcher = ItemMatcher()
    rows = session.execute(select(ServiceItem, Variant.name).join(Variant, Variant.item_id == ServiceItem.id))
    for item, variant_name in rows:
        key = item_key(item)
        matcher.names.setdefault(key, item.name if item.code is None else matcher.names.get(key, item.name))
        for text in (item.name, variant_name):
            if text:
                matcher.add_phrase(_strip_item_name(text), key, _OFFICIAL)
    for code, spec in (colloquial.get("items") or {}).items():
        _add_spec(matcher, str(code), spec or {})
    for name, spec in (colloquial.get("named_items") or {}).items():
        if any(k == name for k in matcher.names):
            _add_spec(matcher, name, spec or {})
    return matcher


def _add_spec(matcher: ItemMatcher, key: str, spec: dict) -> None:
    for phrase in spec.get("phrases") or []:
        matcher.add_phrase(phrase, key, _PHRASE)
    for words in spec.get("all_of") or []:
        matcher.all_of.append((tuple(norm(w) for w in words), key))


def _strip_item_name(name: str) -> str:
    """Names as people could type them: drop 《》 and quotes and the 基本医疗保险 prefix noise."""
    for ch in "《》“”\"'":
        name = name.replace(ch, "")
    return name


# ---------------------------------------------------------------------------------------------
# Regions


@dataclass
class RegionMatcher:
    """Region names and aliases (normalised) → region keys; longest match wins."""

    names: Dict[str, str] = field(default_factory=dict)

    def find(self, text: str) -> Optional[str]:
        t = norm(text)
        best: Optional[Tuple[int, str]] = None
        for name, key in self.names.items():
            if name in t and (best is None or len(name) > best[0]):
                best = (len(name), key)
        return best[1] if best else None

    def find_all(self, text: str) -> List[Tuple[str, str]]:
        """(surface, region key) for every name found, longest first."""
        t = norm(text)
        return sorted(((n, k) for n, k in self.names.items() if n in t), key=lambda nk: -len(nk[0]))


def build_region_matcher(session: Session) -> RegionMatcher:
    matcher = RegionMatcher()
    for region in session.scalars(select(Region)):
        for name in _region_surfaces(region.name, region.key):
            matcher.names.setdefault(name, region.key)
    for alias in session.scalars(select(RegionAlias)):
        matcher.names.setdefault(norm(alias.alias), alias.region.key)
    return matcher


def _region_surfaces(name: str, key: str) -> Iterable[str]:
    yield norm(name)
    base = name.split("(")[0].split("（")[0]
    yield norm(base)


def phrases_for_dictionary(matcher: ItemMatcher, regions: RegionMatcher, extra: Sequence[str] = ()) -> List[str]:
    """Words for the jieba user dictionary: item phrases, region names, extra terms; deduplicated."""
    words = set(matcher.phrases) | set(regions.names) | {norm(w) for w in extra}
    for bag, _ in matcher.all_of:
        words.update(bag)
    return sorted(w for w in words if len(w) >= 2)
