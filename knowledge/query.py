"""Read API over the knowledge base: regions, items, and one flat record per business variant.

Everything that shows KB facts (CLI export/show, later the assistant's actions) goes through here,
so every channel sees the same facts with the same sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from knowledge.extract import guide_markers, norm
from knowledge.schema import (
    Document,
    Form,
    Guide,
    Region,
    RegionAlias,
    RegionGuide,
    ServiceItem,
    Variant,
    VariantForm,
)

_VARIANT_LOAD = (
    selectinload(Variant.item).selectinload(ServiceItem.guide),
    selectinload(Variant.fields),
    selectinload(Variant.steps),
    selectinload(Variant.materials),
    selectinload(Variant.channels),
    selectinload(Variant.time_limits),
    selectinload(Variant.contacts),
    selectinload(Variant.legal_bases),
    selectinload(Variant.conflicts),
    selectinload(Variant.forms).selectinload(VariantForm.form),
)


def resolve_region(session: Session, text: str) -> Optional[Region]:
    """The region a place name maps to (郴州/北湖区 → 郴州市, 昆明 → 云南省, 都匀 → 贵州省(黔南州都匀市))."""
    key = norm(text)
    region = session.scalars(select(Region).where((Region.key == key) | (Region.name == key))).first()
    if region:
        return region
    alias = session.scalars(select(RegionAlias).where(RegionAlias.alias == key)).first()
    return alias.region if alias else None


def regions(session: Session) -> List[Region]:
    return list(session.scalars(select(Region).order_by(Region.id)))


def guides_in_force(region: Region, on: Optional[date] = None) -> List[RegionGuide]:
    """The region's guides by precedence as they stand ``on`` a day (today): an imported edition
    before its effective date is left out, and from that date the guide it replaces is (the latest
    edition in force of a guide wins)."""
    day = (on or date.today()).isoformat()
    listed = [rg for rg in region.guides if not rg.guide.effective or rg.guide.effective <= day]
    newest: Dict[str, RegionGuide] = {}
    for rg in listed:
        if rg.guide.replaces:
            best = newest.get(rg.guide.replaces)
            if best is None or (rg.guide.effective, rg.guide.id) > (best.guide.effective, best.guide.id):
                newest[rg.guide.replaces] = rg
    return [rg for rg in listed if rg.guide.key not in newest
            and not (rg.guide.replaces and newest.get(rg.guide.replaces) is not rg)]


def guide_in_force(session: Session, guide: Guide, on: Optional[date] = None) -> bool:
    """Whether ``guide`` answers for its region ``on`` a day (see :func:`guides_in_force`)."""
    return any(rg.guide_id == guide.id for rg in guides_in_force(region_of_guide(session, guide), on))


def guide_by_key(session: Session, key: str) -> Optional[Guide]:
    return session.scalars(select(Guide).where(Guide.key == key)).first()


def primary_guide(region: Region) -> Guide:
    return guides_in_force(region)[0].guide


def region_of_guide(session: Session, guide: Guide) -> Region:
    """The region whose own guide this is (each guide has exactly one; an edition, its guide's)."""
    return session.scalars(select(Region).where(Region.key == guide.region_key)).one()


def variants(session: Session, guide: Optional[Guide] = None) -> List[Variant]:
    """All business variants (of one guide), in guide order, with everything they hold loaded."""
    stmt = select(Variant).join(ServiceItem).options(*_VARIANT_LOAD).order_by(ServiceItem.guide_id, Variant.seq)
    if guide is not None:
        stmt = stmt.where(ServiceItem.guide_id == guide.id)
    return list(session.scalars(stmt))


def variants_of_guide_item(session: Session, guide_id: int, key: str) -> List[Variant]:
    """Variants of the item known as ``key`` (national code, else printed name) in one guide."""
    stmt = (
        select(Variant)
        .join(ServiceItem)
        .options(*_VARIANT_LOAD)
        .where(ServiceItem.guide_id == guide_id)
        .where((ServiceItem.code == key) | ((ServiceItem.code.is_(None)) & (ServiceItem.name == key)))
        .order_by(Variant.seq)
    )
    return list(session.scalars(stmt))


def variants_of_item(session: Session, region: Region, key: str) -> List[Variant]:
    """Variants of the item known as ``key`` (national code, else printed name) in a region.

    The region's guides are tried in precedence order; the first guide that has the item answers
    (郴州's own guide before the Hunan provincial one).
    """
    for rg in guides_in_force(region):
        found = variants_of_guide_item(session, rg.guide_id, key)
        if found:
            return found
    return []


def region_by_key(session: Session, key: str) -> Optional[Region]:
    return session.scalars(select(Region).where(Region.key == key)).first()


def consult_text(region: Region) -> str:
    """Where the region's guide says to ask (its consult lines), with the source."""
    return "；".join(c.text for c in region.consult)


def find_variants(session: Session, region: Region, query: str) -> List[Variant]:
    """Variants of the region's guides (by precedence) whose code, name or title matches ``query``."""
    q = norm(query)
    found: List[Variant] = []
    for rg in guides_in_force(region):
        for v in variants(session, rg.guide):
            hay = [v.item.code or "", norm(v.item.name), norm(v.name or ""), norm(v.title)]
            if q and (q == hay[0] or any(q in h for h in hay[1:])):
                found.append(v)
        if found:
            return found
    return found


# ---------------------------------------------------------------------------------------------
# Flat records


@dataclass(frozen=True)
class Sourced:
    text: str
    source: str


def _numbered(variant: Variant) -> str:
    """The materials list as the guide orders it, conditions kept, notes after the list."""
    lines: List[str] = []
    condition = None
    n = 0
    for m in variant.materials:
        if m.kind != "material":
            continue
        if m.condition != condition:
            condition = m.condition
            if condition:
                lines.append(f"{condition}：")
            n = 0
        n += 1
        lines.append(f"{n}. {m.text}")
    notes = [m.text for m in variant.materials if m.kind == "note"]
    if notes:
        lines.append("备注：" + "；".join(notes))
    if not lines and variant.materials_marker:
        lines.append(variant.materials_marker)
    return "\n".join(lines)


def _materials_with_markers(variant: Variant) -> List[Dict[str, Any]]:
    """The materials as the export gives them, each with the list marker the guide prints before
    it (``marker``: ①, （1）, 1.; None for notes and unnumbered entries)."""
    texts = [m.text for m in variant.materials if m.kind == "material"]
    markers = iter(guide_markers(field_text(variant, "materials") or "", texts))
    return [
        {"kind": m.kind, "condition": m.condition, "text": m.text, "source": m.source,
         "marker": next(markers) if m.kind == "material" else None}
        for m in variant.materials
    ]


def field_text(variant: Variant, key: str) -> str:
    return "\n".join(f.text for f in variant.fields if f.key == key)


def variant_record(variant: Variant, region: Region) -> Dict[str, Any]:
    """One export record: identity, every field as text, the structured parts and their sources.

    The shape is an interface (``python -m knowledge export``): add keys, never rename them.
    """
    item = variant.item
    guide = item.guide
    tl = variant.time_limits
    record: Dict[str, Any] = {
        "region": region.name,
        "region_key": region.key,
        "guide": guide.key,
        "guide_title": guide.title,
        "source_file": variant.source_file,
        "source": f"{variant.source_file}:{variant.start_line}-{variant.end_line}",
        "level": item.level,
        "main_code": item.main_code,
        "main_name": item.main_name,
        "code": item.code,
        "code_inferred": item.code_inferred,
        "code_basis": item.code_basis,
        "name": item.name,
        "variant": variant.name,
        "title": variant.title,
        "target": variant.target or "",
        "unit": variant.unit or "",
        "applicant_types": (variant.applicant_types or "").split(",") if variant.applicant_types else [],
        "insurance_types": (variant.insurance_types or "").split(",") if variant.insurance_types else [],
        "personnel_categories": (variant.personnel_categories or "").split(",")
        if variant.personnel_categories
        else [],
        "channels": field_text(variant, "channels"),
        "process": field_text(variant, "process"),
        "materials": field_text(variant, "materials") or (variant.materials_marker or ""),
        "materials_numbered": _numbered(variant),
        "materials_marker": variant.materials_marker,
        "time_limit": tl[0].text if tl else "",
        "query": field_text(variant, "query"),
        "consult": field_text(variant, "consult"),
        "supervision": field_text(variant, "supervision")
        or "；".join(c.text for c in variant.contacts if c.kind == "supervision"),
        "contact": field_text(variant, "contact"),
        "evaluation": field_text(variant, "evaluation"),
        "legal_basis": "\n".join(lb.text for lb in variant.legal_bases),
        "phones": sorted({p for c in variant.contacts if c.phones for p in c.phones.split("|")}),
        "forms": [
            {
                "label": vf.form.label,
                "title": vf.form.title,
                "fields": vf.form.fields.split("|") if vf.form.fields else [],
                "reference": vf.reference,
                "source": vf.form.source,
            }
            for vf in variant.forms
        ],
        "structured": {
            "steps": [{"title": s.title, "text": s.text, "source": s.source} for s in variant.steps],
            "materials": _materials_with_markers(variant),
            "channels": [
                {"kind": c.kind, "names": c.names.split("|") if c.names else [], "text": c.text, "source": c.source}
                for c in variant.channels
            ],
            "time_limit": [
                {"segment": t.segment, "condition": t.condition, "mode": t.mode, "unit": t.unit, "days": t.days}
                for t in tl
            ],
            "contacts": [
                {"kind": c.kind, "text": c.text, "phones": c.phones.split("|") if c.phones else [], "source": c.source}
                for c in variant.contacts
            ],
            "legal_basis": [{"text": lb.text, "source": lb.source} for lb in variant.legal_bases],
            "conflicts": [
                {"field": c.field, "guide": c.this_text, "other": c.other_text, "other_source": c.other_source}
                for c in variant.conflicts
            ],
        },
        "fields": {
            f.key: {"heading": f.heading, "text": f.text, "source": f.source}
            for f in variant.fields
            if f.key not in ("flowchart", "extra")
        },
        "flowchart": field_text(variant, "flowchart"),
        "flowcharts": [{"text": f.text, "source": f.source} for f in variant.fields if f.key == "flowchart"],
    }
    return record


def text_records(session: Session, guide: Guide, region: Region) -> List[Dict[str, Any]]:
    """One export line per form and per notice/document of ``guide`` (headings left out).

    Keys: ``region``, ``region_key``, ``guide``, ``kind`` (``form`` or the document's kind:
    notice, preface, duties, faq, cover_letter), ``title``, ``text`` (verbatim), ``source``; forms
    also ``label`` and ``fields``. Item records have no ``kind`` key, so readers can tell them apart.
    """
    base = {"region": region.name, "region_key": region.key, "guide": guide.key}
    out: List[Dict[str, Any]] = []
    for form in session.scalars(select(Form).where(Form.guide_id == guide.id).order_by(Form.start_line)):
        out.append(
            dict(
                base,
                kind="form",
                label=form.label,
                title=form.title,
                fields=form.fields.split("|") if form.fields else [],
                text=form.text,
                source=form.source,
            )
        )
    documents = select(Document).where(Document.guide_id == guide.id, Document.kind != "heading")
    for doc in session.scalars(documents.order_by(Document.start_line)):
        out.append(dict(base, kind=doc.kind, title=doc.title, text=doc.text, source=doc.source))
    return out
