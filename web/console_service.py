"""What the staff console asks of the KB: search as a caller speaks, an item, an item across regions.

The service layer between the console's pages/API and the bot's own answer engine
(``actions.kb_gateway`` and ``actions.routing``): the item the bot would answer leads a search, then
the items the phrase lists name, then the items the passages' evidence ranks. Nothing here has rules
of its own about the guides; it arranges what the engine finds.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from actions import routing
from actions.kb_gateway import KnowledgeGateway
from actions.routing import Turn
from knowledge.matching import item_key

#: How many items a search lists per region and in all.
PER_REGION = 5
LIMIT = 10
WHY_CHARS = 80
#: The guides' headings for the passage kinds a reason quotes.
FIELD_NAMES = {
    "materials": "办理材料", "process": "办理流程", "channels": "办理渠道", "target": "服务对象", "title": "事项名称",
    "time_limit": "办理时限", "consult": "咨询方式", "query": "查询方式", "legal_basis": "设定依据", "form": "表格",
    "notice": "告知书", "conditions": "受理条件",
}


def _key(record: Dict[str, Any]) -> str:
    return item_key(record.get("code"), record["name"])


def bot_items(kb: KnowledgeGateway, text: str, region: str) -> List[str]:
    """The items the bot would answer ``text`` with in ``region`` (its choice first, then its offers)."""
    decision = routing.answer(Turn(text=text, intent="ask_materials", confidence=1.0, slots={"region": region}), kb)
    keys = [decision.item] if decision.item else []
    keys += [_key(r) for r in decision.records] + list(decision.candidates)
    return [k for k in dict.fromkeys(keys) if k and kb.has_item(region, k)]


def ranked_items(kb: KnowledgeGateway, text: str, region: str, k: int = PER_REGION) -> List[Tuple[str, str]]:
    """(item key, why it matched) for ``region``: the bot's choice, named items, then evidence."""
    evidence = {key: passage for key, _, passage in kb.evidence_items(text, region, k=k * 2)}
    reasons: Dict[str, List[str]] = {}
    for key in bot_items(kb, text, region):
        reasons.setdefault(key, []).append("助手会按此事项回答")
    named = [(key, None) for key, _ in kb.rank_items(text) if kb.has_item(region, key)]
    for key, passage in named + list(evidence.items()):
        if passage is None:
            reasons.setdefault(key, []).append("问题里的说法对应此事项名称")
            continue
        snippet = passage.text.replace("\n", " ")
        snippet = snippet[:WHY_CHARS] + ("…" if len(snippet) > WHY_CHARS else "")
        reasons.setdefault(key, []).append(f"指南原文（{FIELD_NAMES.get(passage.kind, passage.kind)}）：{snippet}")
    return [(key, "；".join(why)) for key, why in list(reasons.items())[:k]]


def summary(kb: KnowledgeGateway, region: str, key: str) -> Optional[Dict[str, Any]]:
    """One search row: region, code, name, variant(s), family and source of the item in the region."""
    records = kb.records(region, key)
    if not records:
        return None
    first = records[0]
    return {
        "region": first["region"],
        "region_key": region,
        "key": key,
        "code": first["code"],
        "name": first["name"],
        "variant": first["variant"],
        "variants": [r["variant"] for r in records if r.get("variant")],
        "family": first.get("main_name") or "",
        "family_code": first.get("main_code") or "",
        "source": first["source"],
        "guide": first["guide_title"],
    }


def search(kb: KnowledgeGateway, text: str, region: Optional[str] = None, family: Optional[str] = None,
           limit: int = LIMIT) -> List[Dict[str, Any]]:
    """Items for a caller's words, best first; ``region`` (a key) and ``family`` (a 主项 code) filter."""
    text = (text or "").strip()
    if not text:
        return []
    regions = [region] if region else [r.key for r in kb.regions()]
    per_region = [ranked_items(kb, text, r) for r in regions]
    rows: List[Dict[str, Any]] = []
    # round robin over the regions: each region's best item before any region's second
    for rank in range(max((len(p) for p in per_region), default=0)):
        for r, ranked in zip(regions, per_region):
            if rank >= len(ranked):
                continue
            key, why = ranked[rank]
            row = summary(kb, r, key)
            if row is None or (family and row["family_code"] != family):
                continue
            rows.append(dict(row, why=why, rank=rank + 1))
    return rows[:limit]


def families(kb: KnowledgeGateway) -> List[Tuple[str, str]]:
    """(主项 code, 主项 name) of every item family in the KB, for the search filter."""
    found: Dict[str, str] = {}
    for region in kb.regions():
        for key in kb.item_keys(region.key):
            for record in kb.records(region.key, key)[:1]:
                if record.get("main_code") and record.get("main_name"):
                    found.setdefault(record["main_code"], record["main_name"])
    return sorted(found.items())
