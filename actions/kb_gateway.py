"""The actions' one door to the knowledge base.

Start-up work (engine, phrase indexes) happens once per action-server process; per message the
gateway runs a few indexed queries, so an edited KB shows in the next answer without retraining.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge import query
from knowledge.matching import PhraseIndex
from knowledge.nlu_resources import build_indexes, item_names
from knowledge.schema import Region, make_engine


@dataclass(frozen=True)
class RegionInfo:
    key: str
    name: str
    caveat: Optional[str]
    consult: str  # the guide's own consult lines, verbatim
    consult_source: str
    guide_titles: Tuple[str, ...]


class KnowledgeGateway:
    """Read-only access to the KB for the actions (thread-safe lazy start-up)."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._indexes: Optional[Dict[str, PhraseIndex]] = None
        self._names: Dict[str, str] = {}
        self._regions: Dict[str, RegionInfo] = {}

    # -- start-up -------------------------------------------------------------------------------
    def _ensure(self) -> None:
        if self._indexes is not None:
            return
        with self._lock:
            if self._indexes is not None:
                return
            self._engine = self._engine or make_engine()
            with Session(self._engine, future=True) as session:
                indexes = build_indexes(session)
                self._names = {k: v[0] for k, v in item_names(session).items()}
                for region in session.scalars(select(Region).order_by(Region.id)):
                    self._regions[region.key] = RegionInfo(
                        key=region.key,
                        name=region.name,
                        caveat=region.caveat,
                        consult=query.consult_text(region),
                        consult_source="；".join(
                            f"{c.source_file}:{c.start_line}-{c.end_line}" for c in region.consult
                        ),
                        guide_titles=tuple(rg.guide.title for rg in region.guides),
                    )
            for index in indexes.values():
                index.hits("预热")  # build the phrase matchers now, not on the first message
            self._indexes = indexes

    def warm_up(self) -> None:
        self._ensure()

    # -- lookups --------------------------------------------------------------------------------
    @property
    def indexes(self) -> Dict[str, PhraseIndex]:
        self._ensure()
        assert self._indexes is not None
        return self._indexes

    def regions(self) -> List[RegionInfo]:
        self._ensure()
        return list(self._regions.values())

    def region(self, key: Optional[str]) -> Optional[RegionInfo]:
        self._ensure()
        return self._regions.get(key or "")

    def item_name(self, key: str) -> str:
        self._ensure()
        return self._names.get(key, key)

    def rank_items(self, text: str) -> List[Tuple[str, float]]:
        return self.indexes["service_item"].rank(text)

    def records(self, region_key: str, item_key: str) -> List[Dict[str, Any]]:
        """Export-shaped records of the item's variants in the region (guides by precedence)."""
        engine = self._engine or make_engine()
        with Session(engine, future=True) as session:
            region = query.region_by_key(session, region_key)
            if region is None:
                return []
            return [
                query.variant_record(v, query.region_of_guide(session, v.item.guide))
                for v in query.variants_of_item(session, region, item_key)
            ]

    def items_in_region(self, region_key: str) -> List[str]:
        """Item keys the region's guides hold (for "which items do you have" and search)."""
        self._ensure()
        engine = self._engine or make_engine()
        from knowledge.schema import ServiceItem

        with Session(engine, future=True) as session:
            region = query.region_by_key(session, region_key)
            keys: List[str] = []
            for rg in region.guides if region else []:
                for item in session.scalars(select(ServiceItem).where(ServiceItem.guide_id == rg.guide_id)):
                    key = item.code or item.name
                    if key not in keys:
                        keys.append(key)
            return keys


_default: Optional[KnowledgeGateway] = None


def gateway() -> KnowledgeGateway:
    """The process-wide gateway (KB_DATABASE_URL or the default SQLite file)."""
    global _default
    if _default is None:
        _default = KnowledgeGateway()
    return _default
