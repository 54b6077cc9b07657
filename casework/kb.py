"""The only place the case-work store reads the knowledge base.

Applications refer to KB service items by region, code (or printed name when the guide has no code)
and business variant. From the KB they take the verbatim time-limit text, one parsed time-limit
segment (to compute the expected completion date), and the exact material texts (a 材料不全 notice may
only name materials the item's guide lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge import query
from knowledge.schema import TimeLimit, Variant, make_engine

#: Units a date can be computed from; ``other`` (每月1-15日受理, 每年两次集中申报 …) cannot.
COMPUTABLE_UNITS = ("working_days", "natural_days", "immediate")


@dataclass(frozen=True)
class LimitSegment:
    """One parsed segment of an item's time limit (copied from the KB)."""

    segment: str
    condition: Optional[str]
    mode: Optional[str]  # online / offline / None (both)
    unit: str
    days: Optional[int]


@dataclass(frozen=True)
class KbItem:
    """A service item (business variant) of a region, as the store needs it."""

    region_key: str
    region_name: str
    code: Optional[str]
    name: str
    variant: Optional[str]
    time_limit_text: str
    segments: Tuple[LimitSegment, ...]
    materials: Tuple[str, ...]
    applicant_types: Tuple[str, ...]
    steps: Tuple[str, ...]
    source: str

    def limit(self, online: bool = False) -> Optional[LimitSegment]:
        """The segment that sets the expected completion date, or None when it cannot be computed.

        Segments for the channel's mode (online, or offline for windows) and for both modes come
        first, and among them one without a condition (不超过5个工作日 before 灵活就业人员即时办结);
        then the first segment of the matching modes, then the first of all. A chosen segment with
        unit ``other`` means: no expected date.
        """
        wanted = ("online", None) if online else ("offline", None)
        matching = [s for s in self.segments if s.mode in wanted]
        plain = [s for s in matching if not s.condition]
        chosen = (plain or matching or list(self.segments) or [None])[0]
        if chosen is None or chosen.unit not in COMPUTABLE_UNITS:
            return None
        return chosen


def _segment(t: TimeLimit) -> LimitSegment:
    return LimitSegment(t.segment, t.condition, t.mode, t.unit, t.days)


def _item(variant: Variant, region_key: str, region_name: str) -> KbItem:
    materials: List[str] = []
    for m in variant.materials:
        if m.kind == "material" and m.text not in materials:
            materials.append(m.text)
    tl = variant.time_limits
    return KbItem(
        region_key=region_key,
        region_name=region_name,
        code=variant.item.code,
        name=variant.item.name,
        variant=variant.name,
        time_limit_text=tl[0].text if tl else "",
        segments=tuple(_segment(t) for t in tl),
        materials=tuple(materials),
        applicant_types=tuple(a for a in (variant.applicant_types or "").split(",") if a),
        steps=tuple(s.title for s in variant.steps if s.title),
        source=variant.source,
    )


class KbReader:
    """Read-only access to the KB for the store and the demo generator.

    Args:
        engine: the KB engine (default: ``knowledge.schema.make_engine()``, i.e. KB_DATABASE_URL).
    """

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self.engine = engine or make_engine()
        self._items: Dict[str, List[KbItem]] = {}
        self._names: Optional[Dict[str, str]] = None

    def region_names(self) -> Dict[str, str]:
        """Region key → display name (chenzhou → 郴州市)."""
        if self._names is None:
            with Session(self.engine, future=True) as session:
                self._names = {r.key: r.name for r in query.regions(session)}
        return self._names

    def items(self, region_key: str) -> List[KbItem]:
        """The items of a region's own guide (precedence 1), in guide order; [] for an unknown region."""
        if region_key not in self._items:
            with Session(self.engine, future=True) as session:
                region = query.region_by_key(session, region_key)
                if region is None:
                    return []
                guide = query.primary_guide(region)
                self._items[region_key] = [
                    _item(v, region.key, region.name) for v in query.variants(session, guide)
                ]
        return self._items[region_key]

    def find(
        self, region_key: str, code: Optional[str], name: str, variant: Optional[str]
    ) -> Optional[KbItem]:
        """The item an application refers to: same code, name and variant.

        The name is compared too because guides print one code on differently named items (贵州
        医疗保险关系转出/转入); where a guide repeats an item (咸安 区级 and 乡镇), the first answers.
        """
        for item in self.items(region_key):
            if item.code == code and item.name == name and item.variant == variant:
                return item
        return None

    def distinct_items(self, region_key: str) -> List[KbItem]:
        """:meth:`items` without repeats: the items :meth:`find` can return."""
        seen = set()
        found: List[KbItem] = []
        for item in self.items(region_key):
            key = (item.code, item.name, item.variant)
            if key not in seen:
                seen.add(key)
                found.append(item)
        return found
