"""Build the knowledge base: sources → corrections → parsers → structured rows → SQL database.

The build is idempotent: it drops and recreates the schema, then writes everything in one
transaction, so a reader never sees half a KB. It ends by measuring coverage: the share of each
guide's content lines whose text landed in some record.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from knowledge import editions, extract
from knowledge.corrections import apply_corrections, carry_over, load_corrections
from knowledge.coverage import CoverageReport, measure_coverage
from knowledge.extract import clean_entry, norm
from knowledge.manifest import GuideInfo, Manifest, load_manifest
from knowledge.parsers import parser_for
from knowledge.parsers.base import (
    FieldBlock,
    ListTableRow,
    ParsedForm,
    ParsedGuide,
    ParsedItem,
    SourceLine,
    read_lines,
)
from knowledge.schema import (
    AppliedCorrection,
    Base,
    BuildInfo,
    Channel,
    Conflict,
    Contact,
    CoverageGap,
    Document,
    Form,
    Guide,
    ItemField,
    LegalBasis,
    ListRow,
    Material,
    ProcessStep,
    Region,
    RegionAlias,
    RegionConsult,
    RegionGuide,
    ServiceItem,
    TimeLimit,
    Variant,
    VariantForm,
    make_engine,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VOCABULARY_PATH = PACKAGE_DIR / "vocabulary.yml"
CODE_RULES_PATH = PACKAGE_DIR / "code_rules.yml"


@dataclass
class GuideBuild:
    """A guide after corrections and parsing, ready to be written."""

    info: GuideInfo
    lines: List[SourceLine]
    parsed: ParsedGuide


@dataclass
class BuildReport:
    seconds: float
    counts: Dict[str, int] = field(default_factory=dict)
    coverage: Dict[str, CoverageReport] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Inputs


def fingerprint(manifest: Manifest) -> str:
    """Hash of everything the KB is built from: sources, manifest, data files and this package."""
    h = hashlib.sha256()
    for g in manifest.guides:
        if g.text_override is not None:  # an imported edition: its text, where and when it applies
            h.update(f"{g.key}|{g.replaces}|{g.effective}|{g.edition}".encode())
            h.update(g.text_override.encode("utf-8"))
    paths = [g.path for g in manifest.guides if g.text_override is None]
    paths += sorted(PACKAGE_DIR.glob("*.py")) + sorted(PACKAGE_DIR.glob("*.yml"))
    paths += sorted((PACKAGE_DIR / "parsers").glob("*.py")) + [PACKAGE_DIR / "sources" / "manifest.yml"]
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def parse_guides(manifest: Manifest) -> List[GuideBuild]:
    """Read every guide, apply the reviewed corrections, run its parser."""
    corrections = load_corrections()
    result = []
    for info in manifest.guides:
        raw = read_lines(info.text())
        fixes = corrections
        if info.text_override is not None and info.replaces:  # an imported edition: the fixes of lines it kept
            base = manifest.guide(info.replaces) if any(g.key == info.replaces for g in manifest.guides) else None
            if base is not None:
                fixes = carry_over(corrections, base.file, read_lines(base.text()), info.file, raw)
        lines = apply_corrections(info.file, raw, fixes)
        result.append(GuideBuild(info, lines, parser_for(info.replaces or info.key)(lines)))
    return result


@lru_cache(maxsize=1)
def _vocabulary() -> Dict[str, Dict[str, List[str]]]:
    return yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _code_rules() -> List[Tuple[re.Pattern, Optional[str], str]]:
    data = yaml.safe_load(CODE_RULES_PATH.read_text(encoding="utf-8"))
    return [(re.compile(r["pattern"]), r["code"], r["reason"]) for r in data["rules"]]


def tags(table: str, text: str) -> List[str]:
    """Vocabulary labels of ``table`` whose keywords occur in ``text``."""
    return [label for label, words in _vocabulary()[table].items() if any(w in text for w in words)]


# ---------------------------------------------------------------------------------------------
# Variant content


def _field_rows(item: ParsedItem, file: str) -> List[ItemField]:
    rows = [
        ItemField(
            key=fb.key,
            heading=fb.heading.strip(),
            text=extract.join_text(fb.lines),
            source_file=file,
            start_line=fb.start,
            end_line=fb.end,
        )
        for fb in item.fields
    ]
    # Flowchart boxes and stray lines are secondary text: kept line by line, never rejoined.
    for key, lines in (("flowchart", item.flowchart), ("extra", item.extra)):
        text = "\n".join(t.strip() for _, t in lines if t.strip())
        if text:
            rows.append(
                ItemField(
                    key=key,
                    heading=text.split("\n", 1)[0],
                    text=text,
                    source_file=file,
                    start_line=lines[0][0],
                    end_line=lines[-1][0],
                )
            )
    return rows


def _steps(fb: Optional[FieldBlock], file: str) -> List[ProcessStep]:
    if fb is None:
        return []
    rows = []
    for e in extract.entries(fb.lines):
        if e.is_note or e.is_header:
            continue
        head = e.text.split("。", 1)[0]
        title = head if len(head) <= 8 and head != e.text.rstrip("。") else None
        rows.append(
            ProcessStep(
                seq=len(rows) + 1,
                title=title if title else (e.text.rstrip("。") if len(e.text) <= 6 else None),
                text=clean_entry(e.text),
                source_file=file,
                start_line=e.start,
                end_line=e.end,
            )
        )
    return rows


def _materials(fb: Optional[FieldBlock], file: str) -> List[Material]:
    if fb is None:
        return []
    rows = []
    for e in extract.entries(fb.lines):
        if e.is_header:
            continue
        rows.append(
            Material(
                seq=len(rows) + 1,
                kind="note" if e.is_note else "material",
                condition=e.condition,
                text=clean_entry(e.text),
                source_file=file,
                start_line=e.start,
                end_line=e.end,
            )
        )
    return rows


def _channels(fb: Optional[FieldBlock], file: str) -> List[Channel]:
    if fb is None:
        return []
    rows = []
    for e in extract.entries(fb.lines):
        if e.is_header or e.is_note:
            continue
        full = f"{e.condition or ''} {e.text}"
        rows.append(
            Channel(
                seq=len(rows) + 1,
                kind=extract.channel_kind(e.text if extract.channel_kind(e.text) != "onsite" else full),
                names="|".join(extract.channel_names(e.text)) or None,
                text=clean_entry(f"{e.condition}：{e.text}" if e.condition else e.text),
                source_file=file,
                start_line=e.start,
                end_line=e.end,
            )
        )
    return rows


def _time_limits(fb: Optional[FieldBlock], file: str) -> List[TimeLimit]:
    if fb is None:
        return []
    text = extract.join_text(fb.lines).replace("\n", "")
    # A 备注 after the limit explains it; its numbers are not limits.
    limit_part = re.split(r"备注[：:]", text, maxsplit=1)[0]
    return [
        TimeLimit(
            seq=i + 1,
            text=text,
            segment=s.segment,
            condition=s.condition,
            mode=s.mode,
            unit=s.unit,
            days=s.days,
            source_file=file,
            start_line=fb.start,
            end_line=fb.end,
        )
        for i, s in enumerate(extract.parse_time_limit(limit_part))
    ]


_CONTACT_PREFIXES = (("单位地址", "address"), ("咨询电话", "consult"), ("监督电话", "supervision"))


def _contacts(item: ParsedItem, file: str) -> List[Contact]:
    rows: List[Contact] = []

    def add(kind: str, text: str, start: int, end: int) -> None:
        text = clean_entry(text)
        if text:
            rows.append(
                Contact(
                    seq=len(rows) + 1,
                    kind=kind,
                    text=text,
                    phones="|".join(extract.phones(text)) or None,
                    source_file=file,
                    start_line=start,
                    end_line=end,
                )
            )

    for fb in item.fields:
        if fb.key in ("query", "consult", "supervision"):
            for e in extract.entries(fb.lines):
                if not e.is_header:
                    add(fb.key, f"{e.condition}：{e.text}" if e.condition else e.text, e.start, e.end)
            if fb.key == "supervision" and not fb.lines:
                add("supervision", re.split(r"[：:]", fb.heading, maxsplit=1)[-1], fb.start, fb.start)
        elif fb.key == "evaluation":
            add("evaluation", extract.join_text(fb.lines), fb.start, fb.end)
        elif fb.key == "contact":
            # 单位地址：… / 咨询电话：…；监督电话：… — split into labelled parts; empty labels stay out
            for para in extract.paragraphs(fb.lines):
                for part in re.split(r"[；;]", para.text):
                    label, _, value = part.partition("：") if "：" in part else part.partition(":")
                    kind = next((k for p, k in _CONTACT_PREFIXES if p in label), None)
                    if kind and value.strip():
                        add(kind, part, para.start, para.end)
                    elif not kind and part.strip():
                        add("consult" if extract.phones(part) else "address", part, para.start, para.end)
    return rows


_FORM_REF_RE = re.compile(r"(参考样表|参考样式|表|附件)\s*(\d{1,2})")
_TITLE_RE = re.compile(r"《([^》]{4,60})》")
_REGION_PREFIX_RE = re.compile(r"^(郴州市|湖南省|云南省|黔南州|贵州省|XX|咸安区)")


def _form_key(title: str) -> str:
    return _REGION_PREFIX_RE.sub("", norm(title).strip("《》"))


def _link_forms(variant: Variant, text: str, forms: Sequence[Form]) -> None:
    """Link the forms a variant names, by label (表13, 附件1, 参考样表5) or by similar title."""
    linked: Dict[int, str] = {}
    by_label: Dict[str, List[Form]] = {}
    for f in forms:
        if f.label:
            by_label.setdefault(norm(f.label), []).append(f)
    for m in _FORM_REF_RE.finditer(text):
        for f in by_label.get(f"{m.group(1)}{m.group(2)}", [])[:1]:
            linked.setdefault(f.id, m.group(0))
    for m in _TITLE_RE.finditer(text):
        want = _form_key(m.group(1))
        best, score = None, 0.0
        for f in forms:
            s = difflib.SequenceMatcher(None, want, _form_key(f.title)).ratio()
            if s > score:
                best, score = f, s
        if best is not None and score >= 0.8:
            linked.setdefault(best.id, f"《{m.group(1)}》")
    for form_id, ref in linked.items():
        variant.forms.append(VariantForm(form_id=form_id, reference=ref))


#: The shortest end of a form's title that names it in running text: "个人承诺书" names 基本医疗保险异地
#: 就医备案个人承诺书; "承诺书" alone names any promise.
NAMED_END_MIN = 5


def _named_end(title: str, text: str) -> Optional[str]:
    """The longest end of the form's title (region prefix off) that ``text`` spells out."""
    key = _form_key(title)
    return next((key[i:] for i in range(0, len(key) - NAMED_END_MIN + 1) if key[i:] in text), None)


def _link_printed_after(item: ServiceItem, seqs: Sequence[int], forms: Sequence[Form]) -> None:
    """Link the templates printed after an item that it names without quotes or label ("居住证或个人
    承诺书" → the 基本医疗保险异地就医备案个人承诺书 printed after it), and an unlabelled template
    printed right after one of its forms (湖南's 信用承诺书 after the 表14 申请表 it goes with): the
    guide prints them for it. An end of the title that a linked form's title holds names that form
    ("…门诊慢特病待遇资格认定申请表" of the 职工 form, not of the 居民 one printed beside it)."""
    tail = sorted((f for f in forms if f.item_seq in seqs), key=lambda f: f.start_line)
    for v in item.variants:
        have = {vf.form_id: vf.reference for vf in v.forms}
        titles = [f.title for f in forms if f.id in have]
        text = " ".join(f.text for f in v.fields if f.key in ("materials", "process", "flowchart", "channels"))
        for before, f in zip([None, *tail], tail):
            ref = _named_end(f.title, text)
            if f.id in have or (ref and any(ref in t for t in titles)):
                continue
            if ref is None and before is not None and before.id in have and not f.label:
                ref = have[before.id]  # (named as the form it goes with)
            if ref:
                v.forms.append(VariantForm(form_id=f.id, reference=ref))
                have[f.id] = ref
                titles.append(f.title)


def _form_fields(form: ParsedForm) -> List[str]:
    """Cell labels of a tab-dumped form, in order, without blanks, numbers and duplicates."""
    seen: List[str] = []
    for _, line in form.lines:
        for cell in line.split("\t"):
            cell = cell.strip()
            if cell and re.search(r"[\u4e00-\u9fa5]", cell) and len(cell) <= 30 and cell not in seen:
                seen.append(cell)
    return seen


# ---------------------------------------------------------------------------------------------
# Codes and the Hunan list table


def _printed_codes(builds: Sequence[GuideBuild]) -> Dict[str, str]:
    """name (normalised) → code, from every item or list row whose code the guide prints."""
    names: Dict[str, str] = {}
    for b in builds:
        for row in b.parsed.list_rows:
            names.setdefault(norm(row.sub_name), row.sub_code)
        for item in b.parsed.items:
            if item.code:
                names.setdefault(norm(item.name), item.code)
    return names


def infer_code(name: str, printed: Dict[str, str]) -> Tuple[Optional[str], str]:
    """National code for an item whose guide prints none: exact name match, else a reviewed rule."""
    if norm(name) in printed:
        return printed[norm(name)], "名称与已印编码事项一致"
    for pattern, code, reason in _code_rules():
        if pattern.search(norm(name)):
            return code, f"规则：{pattern.pattern}（{reason}）"
    return None, "无匹配"


#: Where a numbered rule starts after the one before it ("…出院记录；2.产前检查费…").
_NUMBERED_RULE = re.compile(r"(?<=[；;。])\s*(?=\d+[.．])")


def _list_row_for(item: ParsedItem, code: Optional[str], rows: Sequence[ListTableRow]) -> Optional[ListTableRow]:
    """The list-table row of a guide variant: same sub-item code, most similar 业务办理项 name."""
    candidates = [r for r in rows if code and r.sub_code == code]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    want = norm(item.variant or item.name)
    return max(candidates, key=lambda r: difflib.SequenceMatcher(None, want, norm(r.variant_name)).ratio())


def _limit_signature(text: str) -> List[Tuple[str, Optional[int]]]:
    return sorted((s.unit, s.days) for s in extract.parse_time_limit(text) if s.unit != "other")


# ---------------------------------------------------------------------------------------------
# Writing


def _write_guide(session: Session, b: GuideBuild, guide: Guide, printed: Dict[str, str]) -> None:
    file = b.info.file
    forms = [
        Form(
            guide_id=guide.id,
            label=f.label,
            title=f.title.strip(),
            fields="|".join(_form_fields(f)) or None,
            text="\n".join(t.rstrip() for _, t in f.lines if t.strip()),
            item_seq=f.item_seq,
            source_file=file,
            start_line=f.start,
            end_line=f.end,
        )
        for f in b.parsed.forms
    ]
    session.add_all(forms)
    for d in b.parsed.documents:
        session.add(
            Document(
                guide_id=guide.id,
                kind=d.kind,
                title=d.title.strip(),
                text="\n".join(t.strip() for _, t in d.lines if t.strip()),
                source_file=file,
                start_line=d.start,
                end_line=d.end,
            )
        )
    for r in b.parsed.list_rows:
        session.add(
            ListRow(
                guide_id=guide.id,
                main_code=r.main_code,
                main_name=r.main_name,
                sub_code=r.sub_code,
                sub_name=r.sub_name,
                variant_seq=r.variant_seq,
                variant_name=r.variant_name,
                materials=r.materials,
                time_limit=r.time_limit,
                steps=r.steps,
                remarks=r.remarks,
                legal_basis=r.legal_basis,
                text=r.text,
                source_file=file,
                start_line=r.start,
                end_line=r.end,
            )
        )
    session.flush()

    current: Optional[ServiceItem] = None
    printed_after: Dict[ServiceItem, List[int]] = {}  # item row → seqs of its parsed items (forms follow them)
    for seq, item in enumerate(b.parsed.items, start=1):
        same_item = (
            current is not None
            and item.variant is not None
            and current.name == item.name
            and current.level == item.level
        )
        if not same_item:
            code, inferred, basis = item.code, False, None
            if code:
                basis = "清单表格" if b.parsed.list_rows else "指南印有编码"
            else:
                code, basis = infer_code(item.name, printed)
                inferred = code is not None
            row = _list_row_for(item, code, b.parsed.list_rows)
            current = ServiceItem(
                guide_id=guide.id,
                seq=item.seq,
                level=item.level,
                main_code=item.main_code or (row.main_code if row else None),
                main_name=item.main_name or (row.main_name if row else None),
                code=code,
                code_inferred=inferred,
                code_basis=basis,
                name=item.name,
                source_file=file,
                start_line=item.start,
                end_line=item.end,
            )
            session.add(current)
        else:
            current.end_line = item.end
        current.variants.append(_variant(item, current.code, seq, file, forms, b.parsed.list_rows))
        printed_after.setdefault(current, []).append(item.seq)
    for row, seqs in printed_after.items():
        _link_printed_after(row, seqs, forms)
    session.flush()


def _variant(
    item: ParsedItem,
    code: Optional[str],
    seq: int,
    file: str,
    forms: Sequence[Form],
    rows: Sequence[ListTableRow],
) -> Variant:
    def text_of(key: str) -> str:
        fb = item.field(key)
        return extract.join_text(fb.lines) if fb else ""

    v = Variant(
        seq=seq,
        name=item.variant,
        title=item.title.strip(),
        target=text_of("target") or None,
        unit=text_of("unit") or None,
        source_file=file,
        start_line=item.start,
        end_line=item.end,
    )
    v.fields = _field_rows(item, file)
    v.steps = _steps(item.field("process"), file)
    v.materials = _materials(item.field("materials"), file)
    v.channels = _channels(item.field("channels"), file)
    v.time_limits = _time_limits(item.field("time_limit"), file)
    v.contacts = _contacts(item, file)

    name_text = f"{item.name} {item.variant or ''} {item.title}"
    scope = f"{name_text} {v.target or ''} {text_of('materials')}"
    v.insurance_types = ",".join(tags("insurance_types", scope)) or None
    v.personnel_categories = ",".join(tags("personnel_categories", f"{name_text} {v.target or ''}")) or None
    v.applicant_types = ",".join(tags("applicant_types", scope)) or None
    if not any(m.kind == "material" for m in v.materials) or (
        len(v.materials) == 1 and re.search(r"协议", v.materials[0].text)
    ):
        # No list, or a single "按…协议管理办法执行" sentence: say so explicitly.
        every = " ".join(f.text for f in v.fields)
        if re.search(r"按协议|按照协议|协议管理办法|协议约定|签订的协议执行", every):
            v.materials_marker = "按协议"
        elif re.search(r"无需(提供)?(任何)?材料|无需申请", every):
            v.materials_marker = "无需材料"

    row = _list_row_for(item, code, rows)
    if row is not None:
        if row.remarks:
            # the list table's 备注 say what the guide text may not (湖南: 产前检查费…可合并支付,
            # 未经认定的 …授权书): kept as the variant's field, one numbered rule per line
            v.fields.append(
                ItemField(
                    key="list_remarks",
                    heading="清单备注",
                    text=_NUMBERED_RULE.sub("\n", row.remarks),
                    source_file=file,
                    start_line=row.start,
                    end_line=row.end,
                )
            )
        if row.legal_basis:
            v.legal_bases.append(
                LegalBasis(text=row.legal_basis, source_file=file, start_line=row.start, end_line=row.end)
            )
        guide_limit = text_of("time_limit")
        if guide_limit and row.time_limit and _limit_signature(guide_limit) != _limit_signature(row.time_limit):
            v.conflicts.append(
                Conflict(
                    field="time_limit",
                    this_text=guide_limit,
                    other_text=row.time_limit,
                    other_source=f"清单表格 {file}:{row.start}-{row.end}",
                    source_file=file,
                    start_line=item.field("time_limit").start,
                    end_line=item.field("time_limit").end,
                )
            )
    _link_forms(v, " ".join(f.text for f in v.fields if f.key in ("materials", "process", "flowchart")), forms)
    return v


def _write_regions(session: Session, manifest: Manifest, builds: Dict[str, GuideBuild], guides: Dict[str, Guide]) -> None:
    for r in manifest.regions:
        region = Region(key=r.key, name=r.name, province=r.province, level=r.level, parent=r.parent, caveat=r.caveat)
        region.aliases = [RegionAlias(alias=a) for a in dict.fromkeys(r.aliases)]
        region.guides = [
            RegionGuide(guide=guides[str(g["guide"])], precedence=int(g["precedence"])) for g in r.guides
        ]
        for ref in r.consult:
            b = builds[ref.guide]
            lines = [(n, t) for n, t in b.lines if ref.start <= n <= ref.end]
            region.consult.append(
                RegionConsult(
                    text=extract.join_text(lines),
                    source_file=b.info.file,
                    start_line=ref.start,
                    end_line=ref.end,
                )
            )
        session.add(region)


def kb_texts(session: Session, guide: Guide) -> Iterable[str]:
    """Every text the KB holds for one guide (what coverage is measured against)."""
    file = guide.file
    yield from session.scalars(select(ItemField.text).where(ItemField.source_file == file))
    yield from session.scalars(select(ItemField.heading).where(ItemField.source_file == file))
    yield from session.scalars(select(Variant.title).where(Variant.source_file == file))
    yield from session.scalars(select(Form.title).where(Form.guide_id == guide.id))
    yield from session.scalars(select(Form.text).where(Form.guide_id == guide.id))
    yield from session.scalars(select(Document.title).where(Document.guide_id == guide.id))
    yield from session.scalars(select(Document.text).where(Document.guide_id == guide.id))
    yield from session.scalars(select(ListRow.text).where(ListRow.guide_id == guide.id))


def build(engine: Optional[Engine] = None, manifest: Optional[Manifest] = None) -> BuildReport:
    """Rebuild the whole KB from the sources and the editions editors published. Returns counts,
    coverage and the time taken.

    Readers never see half a KB: a SQLite file is built beside the live one and moved over it in one
    step (every read opens a new connection); a server database is rebuilt in one transaction."""
    started = time.perf_counter()
    engine = engine or make_engine()
    manifest = manifest or editions.with_editions(load_manifest(), editions.published())
    builds = parse_guides(manifest)
    database = engine.url.database or ""
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        beside = Path(database).with_name(Path(database).name + ".building")
        beside.unlink(missing_ok=True)
        building = create_engine(f"sqlite:///{beside}", future=True)
        with building.begin() as conn:
            report = _write_all(conn, manifest, builds, started)
        building.dispose()
        os.replace(beside, database)
    else:
        with engine.begin() as conn:
            report = _write_all(conn, manifest, builds, started)
    return report


def _write_all(conn: Connection, manifest: Manifest, builds: List[GuideBuild], started: float) -> BuildReport:
    by_key = {b.info.key: b for b in builds}
    printed = _printed_codes(builds)
    Base.metadata.drop_all(conn)
    Base.metadata.create_all(conn)
    report = BuildReport(seconds=0.0)
    with Session(bind=conn, future=True) as session:
        guides: Dict[str, Guide] = {}
        for b in builds:
            g = Guide(
                key=b.info.key,
                region_key=b.info.region,
                file=b.info.file,
                title=b.info.title,
                issuer=b.info.issuer,
                edition=b.info.edition,
                date=b.info.date,
                covers=b.info.covers,
                sha256=b.info.sha256(),
                line_count=len(b.lines),
                effective=b.info.effective,
                replaces=b.info.replaces,
            )
            session.add(g)
            guides[b.info.key] = g
        session.flush()
        _write_regions(session, manifest, by_key, guides)
        for c in load_corrections():
            session.add(AppliedCorrection(source_file=c.file, line=c.line, wrong=c.wrong, right=c.right, reason=c.reason))
        for b in builds:
            _write_guide(session, b, guides[b.info.key], printed)
        for b in builds:
            g = guides[b.info.key]
            cov = measure_coverage(b.lines, b.parsed, kb_texts(session, g))
            g.coverage = cov.ratio
            report.coverage[b.info.key] = cov
            session.add_all(CoverageGap(source_file=g.file, line=n, text=t) for n, t in cov.gaps)
        report.seconds = time.perf_counter() - started
        session.add(
            BuildInfo(
                built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                fingerprint=fingerprint(manifest),
                seconds=report.seconds,
            )
        )
        for b in builds:
            report.counts[b.info.key] = len(b.parsed.items)
        session.flush()
    return report


def is_stale(engine: Optional[Engine] = None) -> bool:
    """True when the KB is missing or was built from other sources/code than the current ones."""
    engine = engine or make_engine()
    try:
        with Session(engine, future=True) as session:
            info = session.scalars(select(BuildInfo)).first()
    except Exception:  # no table yet: never built
        return True
    return info is None or info.fingerprint != fingerprint(editions.with_editions(load_manifest(), editions.published()))
