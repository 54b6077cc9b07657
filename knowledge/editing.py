"""The editors' workflow wired to the KB and the staff accounts, for the CLI and the console.

:mod:`knowledge.editorial` keeps changes and their history; this module finds what a change is
about (a region by key, name or alias; an item by code or name; its variant), reads a field's live
text (the guide's, with published changes laid over) and asks the staff accounts for roles.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge import editions, editorial, query
from knowledge.editorial import Editorial, EditorialError, Target
from knowledge.matching import item_key
from knowledge.schema import Region, make_engine


def resolve_region(session: Session, text: str) -> Region:
    """A region by its key (chenzhou), name (郴州市) or alias (郴州), or a refusal naming the keys."""
    region = query.resolve_region(session, (text or "").strip())
    if region is None:
        keys = "、".join(r.key for r in query.regions(session))
        raise EditorialError(f"没有地区“{text}”：请用地区代码（{keys}）或地名。")
    return region


def resolve_target(kb_engine: Engine, region_text: str, code: str, variant: Optional[str] = None) -> Target:
    """The record a change is about: ``code`` a national code or (part of) the item's name."""
    with Session(kb_engine, future=True) as session:
        region = resolve_region(session, region_text)
        variants = query.variants_of_item(session, region, code)
        if not variants:
            found = query.find_variants(session, region, code)
            keys = {item_key(v.item.code, v.item.name) for v in found}
            if len(keys) > 1:
                names = "、".join(sorted({v.item.name for v in found})[:6])
                raise EditorialError(f"“{code}”在{region.name}对应多个事项（{names}），请用事项编码。")
            variants = [v for v in found]
        if not variants:
            raise EditorialError(f"{region.name}没有事项“{code}”。")
        names = [v.name or "" for v in variants]
        if variant:
            chosen = [n for n in names if n == variant] or [n for n in names if variant in n]
            if len(chosen) != 1:
                raise EditorialError(f"该事项没有办理情形“{variant}”；可选：{'、'.join(n for n in names if n) or '（无）'}。")
            name = chosen[0]
        elif len(names) > 1:
            raise EditorialError(f"该事项有多个办理情形（{'、'.join(names)}），请用 --variant 指明。")
        else:
            name = names[0]
        first = variants[0].item
        return Target(region.key, item_key(first.code, first.name), name, f"{region.name} · {first.name}", first.guide.key)


def live_record(kb_engine: Engine, editorial_engine: Engine, target: Target) -> Optional[dict]:
    """The target's record as answers see it: the guide's, with published changes laid over."""
    with Session(kb_engine, future=True) as session:
        region = query.region_by_key(session, target.region_key)
        if region is None:
            return None
        for v in query.variants_of_item(session, region, target.item_key):
            if (v.name or "") == target.variant:
                record = query.variant_record(v, query.region_of_guide(session, v.item.guide))
                changes = editorial.live_changes(editorial_engine).get((target.region_key, target.item_key, target.variant))
                return editorial.apply_changes(record, changes or {})
    return None


def staff_role(name: str) -> Optional[str]:
    """A staff member's role from the accounts (None for an unknown or disabled account)."""
    from web.staff import StaffStore  # the accounts live with the console

    return StaffStore().role_of(name)


def workflow(kb_engine: Optional[Engine] = None, editorial_engine: Optional[Engine] = None,
             role_of: Optional[editorial.RoleOf] = None) -> Editorial:
    """The reviewed-change workflow on the project's databases (``role_of``: the staff accounts')."""
    kb_engine = kb_engine or make_engine()
    editorial_engine = editorial_engine or editorial.make_engine()

    def live_value(target: Target, field: str) -> str:
        record = live_record(kb_engine, editorial_engine, target)
        if record is None:
            raise EditorialError("该记录已不在知识库中。")
        return str(record.get(field) or "")

    def rebuild_for_editions(published: List[dict]) -> None:
        if any(c["kind"] == editorial.EDITION for c in published):
            try:
                rebuild(kb_engine, editorial_engine)
            except Exception as failed:  # noqa: BLE001 — published all the same; the next `make kb` builds it
                raise EditorialError(f"已发布，但重建知识库失败（{failed.__class__.__name__}）：请运行 make kb。") from None

    return Editorial(editorial_engine, role_of=role_of or staff_role, live_value=live_value,
                     on_publish=rebuild_for_editions)


def rebuild(kb_engine: Engine, editorial_engine: Engine) -> None:
    """Build the KB again with every published edition (readers switch over in one step; running
    assistants notice the new build and reload it)."""
    from knowledge.build import build
    from knowledge.manifest import load_manifest

    build(kb_engine, editions.with_editions(load_manifest(), editorial.published_editions(editorial_engine)))


def import_guide(flow: Editorial, kb_engine: Engine, text: str, file_name: str, region_text: str, edition: str,
                 effective: str, by: str, reason: str = "") -> Tuple[int, dict]:
    """Parse a new edition of a region's guide with the region's parser, compare it item by item
    with what the assistant answers now, and propose it for review; returns the change id and diff."""
    from knowledge.manifest import load_manifest

    day = editions.check_effective(effective)
    if not (edition or "").strip():
        raise EditorialError("请写明版本（如“2026年版”）。")
    text = (text or "").replace("\r\n", "\n").lstrip("\ufeff")
    if len(text.strip()) < 200:
        raise EditorialError("文件内容过短，不像一份办事指南。")
    with Session(kb_engine, future=True) as session:
        region = resolve_region(session, region_text)
        region_key, region_name = region.key, region.name
        live = editorial.live_changes(flow.engine)
        old = []
        for v in query.variants(session, query.primary_guide(region)):
            record = query.variant_record(v, region)
            old.append(editorial.apply_changes(record, live.get((region_key, item_key(v.item.code, v.item.name), v.name or "")) or {}))
    flow.check_right(by, "propose")
    try:
        new = editions.parse_edition(load_manifest(), region_key, text)
    except Exception as failed:  # noqa: BLE001 — the region's parser met a text it cannot read
        raise EditorialError(f"按{region_name}指南的格式解析失败（{failed.__class__.__name__}）：请确认这是该地区办事指南的新版本。") from None
    if not new:
        raise EditorialError("未能从文件中解析出任何事项：请确认这是该地区办事指南的新版本（纯文本，UTF-8）。")
    difference = editions.diff(old, new)
    if not (difference["items_added"] or difference["items_removed"] or difference["items"]):
        raise EditorialError("新版本与现行内容相同，无需导入。")
    change = flow.propose_edition(region_key, edition.strip(), day, file_name, text, difference, by,
                                  reason or f"导入{region_name}办事指南{edition.strip()}", label=region_name)
    return change, difference

