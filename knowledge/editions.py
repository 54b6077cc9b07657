"""New editions of a region's guide, imported by editors: parsed with the region's parser, compared
item by item with the live KB for review, and — once published — built into the KB beside the old
edition, which keeps answering until the new one's effective date.

An edition's text lives in the editorial database (``knowledge.editorial``), not in ``sources/``:
``make kb`` reads the published ones back (:func:`published`), so they survive every rebuild.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import logging
from pathlib import Path
from typing import Any, Dict, List, Sequence

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from knowledge.manifest import GuideInfo, Manifest

log = logging.getLogger(__name__)

#: The fields a reviewer sees compared (materials are compared entry by entry).
COMPARED_FIELDS = {
    "target": "服务对象", "channels": "办理渠道", "process": "办理流程", "time_limit": "办理时限",
    "consult": "咨询方式", "supervision": "监督方式", "contact": "联系方式", "legal_basis": "设定依据",
}
#: Two material entries this alike are one entry reworded, not one removed and one added.
REWORDED_RATIO = 0.6


def published() -> List[Dict[str, Any]]:
    """The editions editors published, oldest first; none where the editorial database cannot be
    read (a build from the guides alone still works)."""
    try:
        from knowledge import editorial

        return editorial.published_editions(editorial.make_engine())
    except Exception:  # noqa: BLE001
        log.warning("published editions unavailable; building from the guides alone", exc_info=True)
        return []


def base_guide(manifest: Manifest, region_key: str) -> GuideInfo:
    """The region's own guide (precedence 1): the one a new edition of the region replaces."""
    region = manifest.region(region_key)
    first = min(region.guides, key=lambda g: int(g["precedence"]))
    return manifest.guide(str(first["guide"]))


def edition_info(base: GuideInfo, edition: Dict[str, Any]) -> GuideInfo:
    """The guide entry of a published edition (key and file name carry its change number)."""
    number = edition["change"]
    return dataclasses.replace(
        base,
        key=f"{base.replaces or base.key}-e{number}",
        file=f"{Path(base.file).stem}-e{number}.txt",
        title=f"{base.title}（{edition['edition']}）",
        edition=str(edition["edition"]),
        date=str(edition["effective"]),
        covers=f"编辑导入的新版本，{edition['effective']}起施行，替代《{base.title}》",
        text_override=str(edition["text"]),
        replaces=base.key,
        effective=str(edition["effective"]),
    )


def with_editions(manifest: Manifest, editions: Sequence[Dict[str, Any]]) -> Manifest:
    """``manifest`` plus the editions, each listed just before the guide it replaces wherever that
    guide is listed (a later edition before an earlier one)."""
    if not editions:
        return manifest
    guides = list(manifest.guides)
    before: Dict[str, List[str]] = {}
    for edition in editions:
        info = edition_info(base_guide(manifest, edition["region_key"]), edition)
        guides.append(info)
        before.setdefault(info.replaces, []).insert(0, info.key)
    regions = []
    for region in manifest.regions:
        listed: List[str] = []
        for g in sorted(region.guides, key=lambda g: int(g["precedence"])):
            listed += before.get(str(g["guide"]), []) + [str(g["guide"])]
        regions.append(dataclasses.replace(region, guides=[{"guide": k, "precedence": i + 1} for i, k in enumerate(listed)]))
    return Manifest(guides, regions)


# ---------------------------------------------------------------------------------------------
# Reading an edition for review: its records and their differences from the live KB


def parse_edition(manifest: Manifest, region_key: str, text: str) -> List[Dict[str, Any]]:
    """The records the new text gives for the region's guide (built in memory with its parser)."""
    from knowledge import build, query

    base = base_guide(manifest, region_key)
    # under a name of its own: the reviewed typo fixes of the old edition's lines do not apply to it
    trial = dataclasses.replace(base, key=f"{base.key}-new", text_override=text, file=f"{Path(base.file).stem}-new.txt",
                                replaces=base.key)
    only = Manifest([base, trial], [dataclasses.replace(r, guides=[{"guide": trial.key, "precedence": 1}, {"guide": base.key, "precedence": 2}],
                                                  consult=[c for c in r.consult if c.guide == base.key])
                              for r in manifest.regions if r.key == region_key])
    engine = create_engine("sqlite://", future=True)
    build.build(engine, only)
    with Session(engine, future=True) as session:
        region = query.region_by_key(session, region_key)
        guide = query.guide_by_key(session, trial.key)
        return [query.variant_record(v, region) for v in query.variants(session, guide)]


def diff(old: Sequence[Dict[str, Any]], new: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Per item: added or removed; per variant of an item in both: materials added, removed or
    reworded, and each compared field changed (before / after)."""
    from knowledge.matching import item_key

    def by_item(records):
        out: Dict[str, Dict[str, Dict[str, Any]]] = {}
        for r in records:
            out.setdefault(item_key(r.get("code"), r["name"]), {})[r.get("variant") or ""] = r
        return out

    before, after = by_item(old), by_item(new)
    name = {k: next(iter(v.values()))["name"] for k, v in {**before, **after}.items()}
    result: Dict[str, Any] = {
        "items_added": [name[k] for k in after if k not in before],
        "items_removed": [name[k] for k in before if k not in after],
        "items": [],
    }
    for key in (k for k in after if k in before):
        for variant in sorted(set(before[key]) | set(after[key])):
            a, b = before[key].get(variant), after[key].get(variant)
            if a is None or b is None:
                result["items"].append({"key": key, "name": name[key], "variant": variant,
                                        "variant_added" if a is None else "variant_removed": True})
                continue
            change = _record_diff(a, b)
            if change:
                result["items"].append(dict(key=key, name=name[key], variant=variant, **change))
    return result


def _record_diff(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Any]:
    old = [m["text"] for m in a["structured"]["materials"] if m["kind"] == "material"]
    new = [m["text"] for m in b["structured"]["materials"] if m["kind"] == "material"]
    removed = [m for m in old if m not in new]
    added = [m for m in new if m not in old]
    reworded = []
    for m in list(removed):
        close = difflib.get_close_matches(m, added, n=1, cutoff=REWORDED_RATIO)
        if close:
            reworded.append([m, close[0]])
            removed.remove(m)
            added.remove(close[0])
    out: Dict[str, Any] = {}
    if added or removed or reworded:
        out["materials"] = {"added": added, "removed": removed, "reworded": reworded}
    fields = [{"field": f, "label": label, "before": a.get(f) or "", "after": b.get(f) or ""}
              for f, label in COMPARED_FIELDS.items() if (a.get(f) or "").strip() != (b.get(f) or "").strip()]
    if fields:
        out["fields"] = fields
    return out


def summary(result: Dict[str, Any]) -> List[str]:
    """The diff as lines a reviewer reads."""
    lines = [f"新增事项：{n}" for n in result["items_added"]] + [f"删除事项：{n}" for n in result["items_removed"]]
    for item in result["items"]:
        head = item["name"] + (f" · {item['variant']}" if item["variant"] else "")
        if item.get("variant_added") or item.get("variant_removed"):
            lines.append(f"{head}：{'新增' if item.get('variant_added') else '删除'}办理情形")
            continue
        m = item.get("materials") or {}
        lines += [f"{head}：新增材料 {x}" for x in m.get("added", [])]
        lines += [f"{head}：删除材料 {x}" for x in m.get("removed", [])]
        lines += [f"{head}：材料改写 {x} → {y}" for x, y in m.get("reworded", [])]
        lines += [f"{head}：{f['label']}改为 {f['after'][:60]}（原 {f['before'][:60]}）" for f in item.get("fields", [])]
    return lines or ["与现行内容相同"]


def check_effective(text: str) -> dt.date:
    from knowledge.editorial import EditorialError

    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise EditorialError("施行日期须写成 YYYY-MM-DD。") from None

