"""Command line: ``python -m knowledge build | export | show | stats``, and the reviewed changes of
the content editors: ``propose | review | publish | revert | holidays | import-guide | history | changes``."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge import editorial, query
from knowledge.matching import item_key
from knowledge.render import render_record
from knowledge.parsers.base import FIELD_KEYS
from knowledge.schema import CoverageGap, Guide, ServiceItem, Variant, make_engine
from knowledge.unanswered import add_command as add_unanswered_command

#: Fields every variant should have; ``stats`` lists the variants missing one.
EXPECTED_FIELDS = ("target", "channels", "process", "materials", "time_limit", "supervision", "evaluation")


def cmd_build(args: argparse.Namespace) -> int:
    from knowledge.build import build, is_stale  # imported here: only `build` needs the parsers

    engine = make_engine()
    if args.if_stale and not is_stale(engine):
        print("knowledge base is up to date")
        return 0
    report = build(engine)
    for key, cov in report.coverage.items():
        print(f"{key}: {report.counts[key]} items, coverage {cov.covered_lines}/{cov.content_lines} = {cov.ratio:.2%}")
    print(f"built in {report.seconds:.2f} s")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with Session(make_engine(), future=True) as session:
        for guide in session.scalars(select(Guide).order_by(Guide.key)):
            region = query.region_of_guide(session, guide)
            if args.region and query.resolve_region(session, args.region) is not region:
                continue
            lines = [query.variant_record(v, region) for v in query.variants(session, guide)]
            lines += query.text_records(session, guide, region)
            for line in lines:
                try:
                    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                except BrokenPipeError:  # `export | head`: the reader has had enough
                    sys.stderr.close()
                    return 0
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with Session(make_engine(), future=True) as session:
        region = query.resolve_region(session, args.region)
        if region is None:
            names = "、".join(r.name for r in query.regions(session))
            print(f"未找到地区“{args.region}”。知识库覆盖：{names}", file=sys.stderr)
            return 2
        found = query.find_variants(session, region, args.item)
        if not found:
            print(f"{region.name}的指南中没有与“{args.item}”匹配的事项。", file=sys.stderr)
            return 1
        live = _published_changes()
        for i, v in enumerate(found):
            if i:
                print("\n" + "─" * 40 + "\n")
            record = query.variant_record(v, query.region_of_guide(session, v.item.guide))
            record = editorial.apply_changes(record, live.get((region.key, item_key(v.item.code, v.item.name), v.name or "")) or {})
            print(render_record(record))
            for u in record.get("updated") or []:  # what answers now say instead of the guide's text
                print(f"（{u['field_name']}已由医保部门于{u['date']}更新，修改#{u['change']}）")
        if region.caveat:
            print(f"\n提示：{region.caveat}")
    return 0


def _published_changes() -> dict:
    """The editors' published changes (none where their database cannot be read)."""
    try:
        return editorial.live_changes(editorial.make_engine())
    except Exception:  # noqa: BLE001 — `show` still prints the guide's text
        return {}


def cmd_nlu(args: argparse.Namespace) -> int:
    from pathlib import Path

    from knowledge import nlu_resources

    out = Path(args.out) if args.out else nlu_resources.DEFAULT_DIR
    with Session(make_engine(), future=True) as session:
        for path, changed in nlu_resources.write(session, out):
            print(f"{'written ' if changed else 'unchanged'} {path}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with Session(make_engine(), future=True) as session:
        print("地区 / 指南                         子项  业务办理项  材料  表格  覆盖率")
        for region in query.regions(session):
            guide = query.primary_guide(region)
            items = session.scalar(select(func.count()).select_from(ServiceItem).where(ServiceItem.guide_id == guide.id))
            vs = query.variants(session, guide)
            mats = sum(1 for v in vs for m in v.materials if m.kind == "material")
            forms = len({vf.form_id for v in vs for vf in v.forms})
            levels = Counter(v.item.level for v in vs if v.item.level)
            extra = f"  ({'、'.join(f'{k}{n}' for k, n in levels.items())})" if levels else ""
            also = "、".join(rg.guide.key for rg in region.guides[1:])
            also = f"  另依 {also}" if also else ""
            print(
                f"{region.name:<12}{guide.key}  {items:>5}  {len(vs):>9}  {mats:>5}  {len(guide_forms(session, guide)):>4}"
                f"  {guide.coverage:.2%}{extra}{also}"
            )
        print()
        print("缺少字段的事项（指南整体没有的栏目单列一行）：")
        missing_any = False
        for guide in session.scalars(select(Guide).order_by(Guide.key)):
            vs = query.variants(session, guide)
            per_variant = [(v, _missing_fields(v)) for v in vs]
            never = [k for k in EXPECTED_FIELDS if vs and all(k in m for _, m in per_variant)]
            if never:
                missing_any = True
                names = "、".join(f"{k}（{FIELD_KEYS.get(k, k)}）" for k in never)
                print(f"  {guide.key} 全部 {len(vs)} 项均无：{names}")
            for v, missing in per_variant:
                missing = [k for k in missing if k not in never]
                if missing:
                    missing_any = True
                    print(f"  {guide.key} #{v.seq} {v.title}: {'、'.join(missing)}")
        if not missing_any:
            print("  无")
        print()
        print("来源覆盖（内容行落入知识库的比例）：")
        for guide in session.scalars(select(Guide).order_by(Guide.key)):
            gaps = list(session.scalars(select(CoverageGap).where(CoverageGap.source_file == guide.file)))
            print(f"  {guide.key} {guide.file}: {guide.coverage:.2%}，未落入 {len(gaps)} 行")
            for gap in gaps[: args.gaps]:
                print(f"      l.{gap.line}: {gap.text.strip()[:60]}")
    return 0


def guide_forms(session: Session, guide: Guide) -> List[int]:
    from knowledge.schema import Form

    return list(session.scalars(select(Form.id).where(Form.guide_id == guide.id)))


def _missing_fields(v: Variant) -> List[str]:
    have = {f.key for f in v.fields}
    missing = []
    for key in EXPECTED_FIELDS:
        if key == "materials" and (v.materials_marker or any(m.kind == "material" for m in v.materials)):
            continue
        if key == "supervision" and ("supervision" in have or any(c.kind == "supervision" for c in v.contacts)):
            continue
        if key not in have:
            missing.append(key)
    return missing


# ---------------------------------------------------------------------------------------------
# Editors' reviewed changes (knowledge.editorial): every refusal exits 2 with one Chinese sentence


def _editing(run):
    """Run an editing command; an :class:`EditorialError` prints its sentence and exits 2."""
    from knowledge.editorial import EditorialError

    def command(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except EditorialError as refused:
            print(str(refused), file=sys.stderr)
            return 2
    return command


def _text_arg(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


@_editing
def cmd_propose(args: argparse.Namespace) -> int:
    from knowledge import editing

    flow = editing.workflow()
    target = editing.resolve_target(make_engine(), args.region, args.code, args.variant)
    change = flow.propose(target, args.field, _text_arg(args.text), args.by, args.reason)
    print(change)
    return 0


@_editing
def cmd_review(args: argparse.Namespace) -> int:
    from knowledge import editing

    editing.workflow().review(args.id, args.approve, args.by, args.note or "")
    print(f"修改 #{args.id} {'已批准，发布后生效' if args.approve else '已驳回'}")
    return 0


@_editing
def cmd_publish(args: argparse.Namespace) -> int:
    from knowledge import editing

    published = editing.workflow().publish(args.by)
    print(f"已发布 {len(published)} 项修改：{', '.join(f'#{i}' for i in published)}" if published else "没有待发布的已批准修改")
    return 0


@_editing
def cmd_revert(args: argparse.Namespace) -> int:
    from knowledge import editing

    print(editing.workflow().propose_revert(args.id, args.by, args.reason))
    return 0


@_editing
def cmd_holidays(args: argparse.Namespace) -> int:
    from knowledge import editing

    parse = editorial.parse_dates
    print(editing.workflow().propose_holidays(args.year, parse(args.holidays), parse(args.workdays), args.by, args.reason))
    return 0


@_editing
def cmd_import_guide(args: argparse.Namespace) -> int:
    from pathlib import Path

    from knowledge import editing, editions
    from knowledge.editorial import EditorialError

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as bad:
        raise EditorialError(f"读不了文件 {path.name}：须为 UTF-8 编码的纯文本（{bad.__class__.__name__}）。") from None
    change, difference = editing.import_guide(editing.workflow(), make_engine(), text, path.name, args.region,
                                              args.edition, args.effective, args.by, args.reason or "")
    print("\n".join(editions.summary(difference)), file=sys.stderr)
    print(change)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from knowledge import editorial

    rows = editorial.Editorial(editorial.make_engine()).history()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        change = f"#{r['change']}" if r["change"] else ""
        print(f"{r['at']}  {r['who']:<14} {r['action']:<8} {change:<5} {r['target']}  {r['why'] or ''}")
        if r["action"] in ("propose", "revert", "publish") and r["after"] is not None:
            print(f"    原：{(r['before'] or '')[:80]}\n    新：{r['after'][:80]}")
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    from knowledge import editorial

    rows = editorial.Editorial(editorial.make_engine()).changes(args.status)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(f"#{r['id']:<4} {r['status_name']:<8} {r['target']}  提出：{r['proposed_by']} {r['proposed_at']}  理由：{r['reason']}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="医保办事指南知识库")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="parse the guides into the KB database (idempotent)")
    p.add_argument("--if-stale", action="store_true", help="skip when the KB matches sources and code")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("export", help="JSON lines: one record per service item / business variant per region, then its guide's forms and notices")
    p.add_argument("--region", help="only this region (name or alias)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("show", help="one item in readable Chinese")
    p.add_argument("region", help="region name or alias, e.g. 郴州 / 昆明 / 都匀")
    p.add_argument("item", help="item code or (part of) its name, e.g. 002036004001 / 异地安置")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("nlu", help="generate the assistant's language resources from the KB")
    p.add_argument("--out", default=None, help="output folder (default data/nlu/generated)")
    p.set_defaults(func=cmd_nlu)
    p = sub.add_parser("stats", help="counts per region, items missing a field, source coverage")
    p.add_argument("--gaps", type=int, default=5, help="uncovered lines to list per guide")
    p.set_defaults(func=cmd_stats)
    _add_editing_commands(sub)
    add_unanswered_command(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def _add_editing_commands(sub) -> None:
    from knowledge.editorial import EDITABLE_FIELDS

    p = sub.add_parser("propose", help="propose a change to one field of one item (reviewed before it goes live); prints its id")
    p.add_argument("--region", required=True, help="region key (chenzhou) or name/alias (郴州)")
    p.add_argument("--code", required=True, help="item code or (part of) its name")
    p.add_argument("--variant", help="the item's variant (办理情形) when it has several")
    p.add_argument("--field", required=True, help="one of: " + ", ".join(EDITABLE_FIELDS))
    p.add_argument("--text", required=True, help="the new text ('-' reads it from stdin)")
    p.add_argument("--by", required=True, help="the proposing editor's account")
    p.add_argument("--reason", required=True, help="why (the notice or document it follows)")
    p.set_defaults(func=cmd_propose)
    p = sub.add_parser("review", help="approve or reject a proposed change (not by its proposer)")
    p.add_argument("id", type=int)
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    p.add_argument("--by", required=True, help="the reviewer's account")
    p.add_argument("--note", help="the reviewer's remark")
    p.set_defaults(func=cmd_review)
    p = sub.add_parser("publish", help="make every approved change live (in answers within seconds)")
    p.add_argument("--by", required=True)
    p.set_defaults(func=cmd_publish)
    p = sub.add_parser("revert", help="propose undoing a published change (reviewed the same way); prints its id")
    p.add_argument("id", type=int)
    p.add_argument("--by", required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_revert)
    p = sub.add_parser("holidays", help="propose a year's official holiday schedule (for years chinese-calendar lacks)")
    p.add_argument("year", type=int)
    p.add_argument("--holidays", required=True, help="days off, YYYY-MM-DD,YYYY-MM-DD,…")
    p.add_argument("--workdays", default="", help="weekend days worked (调休上班), YYYY-MM-DD,…")
    p.add_argument("--by", required=True)
    p.add_argument("--reason", required=True, help="the State Council notice")
    p.set_defaults(func=cmd_holidays)
    p = sub.add_parser("import-guide", help="propose a new edition of a region's guide: prints its per-item diff (stderr) and the change id")
    p.add_argument("file", help="the new edition as UTF-8 text")
    p.add_argument("--region", required=True)
    p.add_argument("--edition", required=True, help="e.g. 2026年版")
    p.add_argument("--effective", required=True, help="YYYY-MM-DD: answers use it from this day on")
    p.add_argument("--by", required=True)
    p.add_argument("--reason", help="why (default: the edition imported)")
    p.set_defaults(func=cmd_import_guide)
    p = sub.add_parser("history", help="the audit: every proposal, review, publish, revert and import")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)
    p = sub.add_parser("changes", help="changes and their state")
    p.add_argument("--status", choices=("proposed", "approved", "rejected", "published", "reverted"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_changes)
