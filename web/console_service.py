"""What the staff console asks of the KB: search as a caller speaks, an item, an item across regions.

The service layer between the console's pages/API and the bot's own answer engine
(``actions.kb_gateway`` and ``actions.routing``): the item the bot would answer leads a search, then
the items the phrase lists name, then the items the passages' evidence ranks. Nothing here has rules
of its own about the guides; it arranges what the engine finds.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from actions import answers, routing
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


#: Reciprocal rank fusion: a list's item at rank r adds weight / (FUSION_K + r).
FUSION_K = 2
#: The item the bot would answer with counts most; the other items it offers count as much as the
#: items the words name and the passages' evidence (weighing its offers as its choice let them
#: crowd out the evidence's best).
BOT_WEIGHT, BOT_OFFER_WEIGHT, NAMED_WEIGHT, EVIDENCE_WEIGHT = 3.0, 1.0, 1.0, 1.0
#: In the passages' evidence each of the guide's synonyms for the caller's everyday words counts
#: for this share of a word the caller said: a synonym stands for the caller's word, and several
#: standing for one ("交" → 缴, 缴费) outweighed what the caller actually said. (The bot's own
#: choice keeps full synonyms: it answers with one item, the console lists several.)
SYNONYM_WEIGHT = 0.3
#: …and the items that do what the caller asks done, searched with the guide's word for it.
ACTION_WEIGHT = 1.0


def action_items(kb: KnowledgeGateway, text: str, region: str, k: int) -> List[str]:
    """The items whose names do what ``text`` asks done ("这边交的年限咋个带过去" asks 转移), found by
    the evidence of the words with the guide's names for that action added: a caller who says what
    to do in everyday words ("带过去") never says the guide's word (转出), which the evidence alone
    would then miss."""
    doing = kb.search.asked_doing(text)
    if not doing:
        return []
    found = kb.evidence_items(f"{text} {' '.join(doing)}", region, k=k)
    return [key for key, _, _ in found if any(w in kb.item_name(key) for w in doing)]


def ranked_items(kb: KnowledgeGateway, text: str, region: str, k: int = PER_REGION) -> List[Tuple[str, str]]:
    """(item key, why it matched) for ``region``, best first.

    Rankings fused by reciprocal rank: the item the bot would answer with and the others it would
    offer, the items the words name, the passages' evidence and the items that do what is asked —
    an item several put near the top leads one only the bot offers. (Searching each clause of a long question on its own was tried: no better on the
    development callers, and slower.)
    """
    evidence = kb.evidence_items(text, region, k=k * 2, expand=SYNONYM_WEIGHT)
    bot = bot_items(kb, text, region)
    named = [key for key, _ in kb.rank_items(text) if kb.has_item(region, key)][: k * 2]
    lists: List[Tuple[float, List[str]]] = [
        (BOT_WEIGHT, bot[:1]),
        (BOT_OFFER_WEIGHT, bot[1:]),
        (NAMED_WEIGHT, named),
        (EVIDENCE_WEIGHT, [key for key, _, _ in evidence]),
        (ACTION_WEIGHT, action_items(kb, text, region, k * 2)),
    ]
    passages = {key: passage for key, _, passage in evidence}
    score: Dict[str, float] = {}
    for weight, keys in lists:
        for rank, key in enumerate(dict.fromkeys(keys)):
            score[key] = score.get(key, 0.0) + weight / (FUSION_K + rank)
    best = sorted(score, key=lambda key: -score[key])[:k]
    return [(key, _why(key, bot, named, passages.get(key))) for key in best]


def _why(key: str, bot: List[str], named: List[str], passage: Any) -> str:
    reasons = []
    if bot[:1] == [key]:
        reasons.append("助手会按此事项回答")
    elif key in bot:
        reasons.append("助手会一并列出此事项")
    if key in named:
        reasons.append("问题里的说法对应此事项名称")
    if passage is not None:
        snippet = passage.text.replace("\n", " ")
        snippet = snippet[:WHY_CHARS] + ("…" if len(snippet) > WHY_CHARS else "")
        reasons.append(f"指南原文（{FIELD_NAMES.get(passage.kind, passage.kind)}）：{snippet}")
    return "；".join(reasons) or "与问题用词相近"


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
    # as the bot's actions read a message: dialect in Mandarin, split words joined ("上了个环"),
    # homophone typos of the guides' words corrected ("备按")
    text = kb.search.normalize(text)
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


_families: Dict[int, List[Tuple[str, str]]] = {}


def families(kb: KnowledgeGateway) -> List[Tuple[str, str]]:
    """(主项 code, 主项 name) of every item family in the KB, for the search filter.

    Read once per gateway: every item's records of every region take seconds to read, and the
    search page shows the list on each request.
    """
    if id(kb) not in _families:
        found: Dict[str, str] = {}
        for region in kb.regions():
            for key in kb.item_keys(region.key):
                for record in kb.records(region.key, key)[:1]:
                    if record.get("main_code") and record.get("main_name"):
                        found.setdefault(record["main_code"], record["main_name"])
        _families[id(kb)] = sorted(found.items())
    return _families[id(kb)]


# -- the same item in every region ---------------------------------------------------------------

#: The fields compared across regions, in the guides' order: (record key, heading).
COMPARED = [
    ("target", "服务对象"), ("channels", "办理渠道"), ("materials_numbered", "办理材料"), ("time_limit", "办理时限"),
    ("process", "办理流程"), ("query", "查询方式"), ("consult", "咨询方式"), ("legal_basis", "设定依据"),
]
_NOISE = re.compile(r"[\s，,。；;：:、“”\"'（）()《》【】·\-—\d.．]+")


def _same(text: str) -> str:
    """A field's words without spacing, punctuation and numbering (what counts as the same rule)."""
    return _NOISE.sub("", text or "")


def compare(kb: KnowledgeGateway, key: str) -> Dict[str, Any]:
    """The item's first record in each region that has it, and per field whether the regions differ.

    ``cells[field][i]`` is ``(text, differs)``: ``differs`` marks a region whose text is not the one
    most regions print (every cell when all differ); "" is a field the region's guide leaves out.
    """
    columns = []
    for region in kb.regions():
        records = kb.records(region.key, key) if kb.has_item(region.key, key) else []
        if records:
            columns.append({"region": region.name, "region_key": region.key, "record": records[0],
                            "variants": [r["variant"] for r in records if r.get("variant")]})
    cells: Dict[str, List[Tuple[str, bool]]] = {}
    differs: Dict[str, bool] = {}
    for field, _ in COMPARED:
        texts = [str(c["record"].get(field) or "") for c in columns]
        shapes = [_same(t) for t in texts]
        common = max(set(shapes), key=shapes.count) if shapes else ""
        alone = shapes.count(common) == 1
        cells[field] = [(t, len(set(shapes)) > 1 and (alone or s != common)) for t, s in zip(texts, shapes)]
        differs[field] = len(set(shapes)) > 1
    name = columns[0]["record"]["name"] if columns else kb.item_name(key)
    return {"key": key, "name": name, "columns": columns, "fields": COMPARED, "cells": cells, "differs": differs}


# -- what to hand over -----------------------------------------------------------------------------

#: The aspects of a complete 一次性告知 reply, as the bot words them.
HANDOVER_ASPECTS = ["ask_materials", "ask_time_limit", "ask_channel", "ask_contact"]


def handover_text(kb: KnowledgeGateway, region: str, record: Dict[str, Any]) -> str:
    """The reply to read out or send: the bot's own wording of the whole record, with its source
    (``actions.answers``: one voice on every channel)."""
    info = kb.region(region)
    return answers.answer_many(record, HANDOVER_ASPECTS, info) if info else ""


#: Channel kinds that are not a place or a phone: the online ways a village helper walks through.
OFFLINE_KINDS = {"onsite", "phone", "mail", "post"}
_ONLINE_WORDS = re.compile(r"线上|网上|网厅|APP|App|app|公众号|小程序|平台|网站|登录|注册|鄂汇办|湘医保|医保服务平台")


def walkthrough(record: Dict[str, Any]) -> Dict[str, Any]:
    """An online channel's steps as the guide gives them, with the materials to have ready.

    Only what the record says: the online channels verbatim, the process steps in order (each marked
    when it speaks of doing it online), and ``steps_said`` False when the guide gives no steps at all.
    """
    structured = record.get("structured") or {}
    online = [c for c in structured.get("channels") or [] if c.get("kind") not in OFFLINE_KINDS]
    steps = [s for s in structured.get("steps") or [] if (s.get("text") or "").strip()]
    if not steps and record.get("process"):
        steps = [{"title": None, "text": line, "source": record["source"]}
                 for line in str(record["process"]).splitlines() if line.strip()]
    materials = [m for m in structured.get("materials") or [] if m.get("kind") == "material"]
    return {
        "online": online,
        "steps": [dict(s, online=bool(_ONLINE_WORDS.search(s.get("text") or ""))) for s in steps],
        "steps_said": bool(steps),
        "online_steps_said": any(_ONLINE_WORDS.search(s.get("text") or "") for s in steps),
        "materials": materials,
    }
