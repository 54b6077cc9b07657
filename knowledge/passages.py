"""Every piece of KB text as a retrievable passage: fields, materials, steps, forms, notices, prefaces.

A passage is one paragraph-sized piece of verbatim guide text with where it came from (guide file
and line range), the region whose first-precedence guide holds it, and — for item text — the item key
(``knowledge.matching.item_key``) and the variant label it belongs to. The answer engine
(``knowledge/search.py``) indexes them; nothing here changes the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import query
from knowledge.matching import item_key
from knowledge.schema import Document, Form, Guide
from knowledge.textcut import pack, sentences

#: Fields of a record that hold searchable text, and how much a hit in them counts.
FIELD_WEIGHTS: Dict[str, float] = {
    "title": 1.6,
    "target": 1.2,
    "materials": 1.0,
    "process": 1.0,
    "channels": 1.0,
    "time_limit": 1.0,
    "query": 0.9,
    "consult": 0.8,
    "supervision": 0.6,
    "contact": 0.8,
    "evaluation": 0.4,
    "legal_basis": 0.9,
    "unit": 0.6,
    "name": 0.3,
    "note": 1.0,
    "list_remarks": 1.0,  # 湖南's list table 备注 of the variant (no evidence of which item: search.NOT_ITEM_EVIDENCE)
    "form": 0.7,
    "form_title": 0.7,
    "flowchart": 0.6,
    "notice": 0.8,
    "preface": 0.8,
    "duties": 0.8,
    "faq": 0.8,
    "cover_letter": 0.5,
}
#: Guides whose flowchart text adds details to the fields (INVENTORY §4.5: 002's narrative boxes):
#: answers use their lines.
FLOWCHART_GUIDES = frozenset({"002"})
#: Guides whose flowchart boxes are indexed as secondary passages: 002's, and 000's text boxes,
#: "mostly intact" (INVENTORY §4.5), which now and then say what the fields do not ("不需个人申请").
FLOWCHART_INDEXED = FLOWCHART_GUIDES | {"000"}
#: A flowchart paragraph with fewer Chinese characters is a box label (申请, 判断是否受理).
FLOWCHART_MIN_CHARS = 6
#: Paragraphs longer than this are split at sentence ends, so one passage says one thing.
MAX_PASSAGE_CHARS = 160
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def chinese_characters(text: str) -> int:
    """How many Chinese characters ``text`` has (a box label or a blank to fill has few)."""
    return len(_CHINESE.findall(text or ""))


@dataclass(frozen=True)
class Passage:
    """One retrievable piece of verbatim KB text."""

    region_key: str
    kind: str  # a record field (materials, process, …), or form / notice / preface / duties / …
    text: str
    source: str  # guide file:start-end
    item: Optional[str] = None  # item key for item text
    label: Optional[str] = None  # the variant label (业务办理项 or item name)
    level: Optional[str] = None  # 咸安: 区级 / 乡镇 / 村
    title: Optional[str] = None  # the form's or document's title
    name: Optional[str] = None  # the item's name (label is the variant's, when it has one)

    @property
    def weight(self) -> float:
        return FIELD_WEIGHTS.get(self.kind, 0.8)


_ENDS_SENTENCE = re.compile(r"[。；;：:！!？?）)]$")
_STARTS_ITEM = re.compile(r"^(?:\d+[.、．]|[（(]\d+[)）]|[一二三四五六七八九十]+、|□|■|[①-⑳])")


#: A text printed one character per line (the vertical cells of 湖南's list table, its 说明) …
VERTICAL_SHARE = 0.6


#: A short line that goes on with the label above it ("或监护人" under "申请人").
_GOES_ON = re.compile(r"^(?:或|及|和|与|或者)\S")


def rejoin(text: str) -> str:
    """Hard-wrapped lines of a form or notice joined back into their sentences."""
    filled = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if filled and sum(len(line) <= 2 for line in filled) >= VERTICAL_SHARE * len(filled):
        return "".join(filled)  # … is one text: its sentences are found by split_paragraphs
    lines: List[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            lines.append("")
            continue
        heading = len(lines[-1]) <= 20 and not re.search(r"[，,。；;：:]", lines[-1]) if lines else False
        if lines and lines[-1] and heading and _GOES_ON.match(line) and len(line) <= 20:
            lines[-1] += line  # a cell's label wrapped: "申请人" / "或监护人" is who signs
        elif lines and lines[-1] and not heading and not _ENDS_SENTENCE.search(lines[-1]) and not _STARTS_ITEM.match(line) and "\t" not in line:
            lines[-1] += line
        else:
            lines.append(line)
    return "\n".join(lines)


def split_paragraphs(text: str) -> List[str]:
    """Lines of ``text``; long lines cut after sentence ends (never inside a sentence)."""
    out: List[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= MAX_PASSAGE_CHARS:
            out.append(line)
            continue
        out += pack(sentences(line), MAX_PASSAGE_CHARS)
    return out


def _record_passages(record: Dict) -> Iterator[Passage]:
    key = item_key(record.get("code"), record["name"])
    label = record.get("variant") or record["name"]
    common = dict(region_key=record["region_key"], item=key, label=label, level=record.get("level"), name=record["name"])
    head = " ".join(x for x in (record.get("name"), record.get("variant"), record.get("title")) if x)
    yield Passage(kind="title", text=head, source=record["source"], **common)
    structured = record.get("structured") or {}
    for m in structured.get("materials") or []:
        text = f"{m['condition']}：{m['text']}" if m.get("condition") else m["text"]
        yield Passage(kind="note" if m.get("kind") == "note" else "materials", text=text, source=m["source"], **common)
    for s in structured.get("steps") or []:
        # the step's title before its text, unless the text already opens with it ("申请。申请人…")
        titled = s.get("title") and not s["text"].startswith(s["title"])
        yield Passage(kind="process", text=f"{s['title']}。{s['text']}" if titled else s["text"], source=s["source"], **common)
    # The flowchart text is residue in most guides (INVENTORY §4.5), but 云南's long narrative boxes
    # and 郴州's text boxes add what the fields leave out (外伤 needs a 承诺书, a bank card for 灵活就业,
    # 不需个人申请): a secondary source, indexed for those guides only, quoted as from the flowchart.
    for chart in record.get("flowcharts") or [] if record.get("guide") in FLOWCHART_INDEXED else []:
        for para in split_paragraphs(rejoin(chart["text"])):
            if chinese_characters(para) >= FLOWCHART_MIN_CHARS and "流程图" not in para:
                yield Passage(kind="flowchart", text=para, source=chart["source"], **common)
    itemised = {"materials": bool(structured.get("materials")), "process": bool(structured.get("steps"))}
    for field, f in (record.get("fields") or {}).items():
        if itemised.get(field):
            continue  # already passage by passage above
        kind = field if field in FIELD_WEIGHTS else "note"
        for para in split_paragraphs(f.get("text") or ""):
            yield Passage(kind=kind, text=para, source=f["source"], **common)


def build_passages(session: Session) -> List[Passage]:
    """All passages of the KB: every variant's fields, every form and every document, by region."""
    passages: List[Passage] = []
    for guide in session.scalars(select(Guide).order_by(Guide.key)):
        if not query.guide_in_force(session, guide):  # an edition not yet in force, or one replaced
            continue
        region = query.region_of_guide(session, guide)
        for variant in query.variants(session, guide):
            passages.extend(_record_passages(query.variant_record(variant, region)))
        for form in session.scalars(select(Form).where(Form.guide_id == guide.id)):
            body = f"{form.title} " + " ".join((form.fields or "").split("|"))
            passages.append(Passage(region.key, "form_title", body.strip(), form.source, title=form.title))
            for para in split_paragraphs(rejoin(form.text)):
                if len(re.sub(r"[\s\d|]", "", para)) >= 6:  # skip empty cells and row numbers
                    passages.append(Passage(region.key, "form", para, form.source, title=form.title))
        for doc in session.scalars(select(Document).where(Document.guide_id == guide.id, Document.kind != "heading")):
            for para in split_paragraphs(rejoin(doc.text)):
                passages.append(Passage(region.key, doc.kind, para, doc.source, title=doc.title))
    return passages
