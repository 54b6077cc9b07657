"""The contract between a guide parser and the knowledge-base builder.

A parser turns the (corrected) lines of one guide into a :class:`ParsedGuide`: service items split
into canonical fields with their source line numbers, form templates, free-standing documents
(prefaces, duty lists, notices), Hunan's list-table rows, and the lines it deliberately drops
(page numbers, bookmarks, table of contents, ...), each with a reason. The parser never rewrites
text: typo fixes come only from ``knowledge/corrections.yml`` and are applied to the lines before
parsing; whitespace/full-width normalisation happens later, in ``knowledge.extract``.

Line numbers are 1-based, as ``sed -n`` and INVENTORY.md count them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

#: A source line: (1-based line number, text without the trailing newline).
SourceLine = Tuple[int, str]

#: Canonical field keys. Parsers map each guide's heading wording onto these.
FIELD_KEYS: Dict[str, str] = {
    "name": "事项名称",
    "content": "内容",
    "unit": "受理单位",
    "target": "服务对象",
    "channels": "办理渠道",
    "process": "办理流程",
    "materials": "办理材料",
    "time_limit": "办理时限",
    "query": "查询方式",
    "consult": "咨询方式",
    "supervision": "监督电话",
    "contact": "咨询与监督电话/单位地址",
    "evaluation": "评价渠道",
}

#: The ten field headings of the national guide template (郴州, 湖南 and, with local additions,
#: 咸安 print them word for word) onto FIELD_KEYS.
NATIONAL_HEADINGS: Dict[str, str] = {
    "事项名称": "name",
    "受理单位": "unit",
    "服务对象": "target",
    "办理渠道": "channels",
    "办理流程": "process",
    "办理材料": "materials",
    "办理时限": "time_limit",
    "查询方式": "query",
    "监督电话": "supervision",
    "评价渠道": "evaluation",
}

#: Reasons a line may be left out of the knowledge base (and so of the coverage denominator).
EXCLUSION_REASONS = (
    "blank",  # empty or whitespace-only
    "page_number",  # "— 24 —", "- 8 -"
    "bookmark",  # a line that is only [bookmark: ...] / [image: ...] tags
    "toc",  # table of contents entries with dot leaders
    "form_blank_cell",  # a form line holding only empty cells / row numbers
    "lost_form_residue",  # stray one-character lines left by forms lost in conversion
    "table_header",  # the repeated header row of Hunan's rotated table
)

_BOOKMARK_RE = re.compile(r"\[(?:bookmark|image):[^\]]*\]")
_PAGE_NUMBER_RE = re.compile(r"^\s*[—－\-–]\s*\d+\s*[—－\-–]\s*$")


@dataclass
class FieldBlock:
    """One field of an item, e.g. （六）办理材料, with its body lines.

    ``lines`` starts with the text after the heading's colon when the heading line carries a value
    (e.g. ``（七）办理时限：不超过5个工作日。`` gives ``(n, "不超过5个工作日。")``), then every body line
    up to the next field heading, bookmarks stripped, otherwise verbatim.
    """

    key: str
    heading: str
    heading_line: int
    lines: List[SourceLine] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.heading_line

    @property
    def end(self) -> int:
        return self.lines[-1][0] if self.lines else self.heading_line


@dataclass
class ParsedItem:
    """One service item (事项) or business variant (业务办理项) of one guide."""

    seq: int  # 1-based order within the guide (within the level for 咸安)
    title: str  # the item's heading text, cleaned of bookmarks and numbering kept
    name: str  # the sub item (子项) name, e.g. 职工参保登记
    start: int
    end: int
    fields: List[FieldBlock] = field(default_factory=list)
    variant: Optional[str] = None  # 业务办理项 name where the guide splits the sub item
    code: Optional[str] = None  # 12-digit code as printed in the guide, else None
    main_code: Optional[str] = None  # e.g. 00203600100Y, as printed, else None
    main_name: Optional[str] = None  # the part / main item title, e.g. 基本医疗保险参保和变更登记
    level: Optional[str] = None  # administrative level for 咸安: 区级 / 乡镇 / 村
    flowchart: List[SourceLine] = field(default_factory=list)  # flattened flowchart residue
    extra: List[SourceLine] = field(default_factory=list)  # item lines outside any field

    def field(self, key: str) -> Optional[FieldBlock]:
        """First field with this canonical key, or None."""
        return next((f for f in self.fields if f.key == key), None)


@dataclass
class ParsedForm:
    """A form template (参考样表 / 表N / 附件N) printed in the guide."""

    title: str
    start: int
    end: int
    lines: List[SourceLine] = field(default_factory=list)
    label: Optional[str] = None  # 参考样表1 / 表13 / 附件1 (inferred for 云南) ...
    item_seq: Optional[int] = None  # seq of the item it follows, when it belongs to one


@dataclass
class ParsedDocument:
    """Free-standing text that is not an item: cover letter, preface, duty list, notice, FAQ."""

    kind: str  # cover_letter / preface / duties / notice / heading / faq / other
    title: str
    start: int
    end: int
    lines: List[SourceLine] = field(default_factory=list)
    item_seq: Optional[int] = None


@dataclass
class ListTableRow:
    """One 业务办理项 row of Hunan's rotated list table (清单), rebuilt from the joined text."""

    main_code: str
    main_name: str
    sub_code: str
    sub_name: str
    variant_seq: int
    variant_name: str
    materials: str
    time_limit: str
    steps: str
    remarks: str
    legal_basis: str  # merged cells are repeated onto every row they cover
    start: int
    end: int
    text: str  # the row's joined text, headers and page numbers removed


@dataclass
class ParsedGuide:
    """Everything one parser extracted from one guide."""

    key: str  # "000".."004"
    items: List[ParsedItem] = field(default_factory=list)
    forms: List[ParsedForm] = field(default_factory=list)
    documents: List[ParsedDocument] = field(default_factory=list)
    list_rows: List[ListTableRow] = field(default_factory=list)
    excluded: Dict[int, str] = field(default_factory=dict)  # line number -> reason


# ---------------------------------------------------------------------------------------------
# Helpers shared by all parsers. They classify and clean, they never change the wording.


def read_lines(text: str) -> List[SourceLine]:
    """Split a guide into numbered lines the way ``sed``/``grep -n`` count them."""
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [(i + 1, line) for i, line in enumerate(parts)]


def strip_tags(text: str) -> str:
    """Remove ``[bookmark: ...]`` and ``[image: ...]`` tags (Word conversion residue)."""
    return _BOOKMARK_RE.sub("", text)


def is_blank(text: str) -> bool:
    return not text.strip()


def is_page_number(text: str) -> bool:
    """``— 24 —`` / ``- 8 -`` page footers."""
    return bool(_PAGE_NUMBER_RE.match(text))


def is_tag_only(text: str) -> bool:
    """A line that holds only bookmark/image tags."""
    return bool(_BOOKMARK_RE.search(text)) and not strip_tags(text).strip()


def fold_width(text: str) -> str:
    """Full-width ASCII (digits, letters, punctuation) to half-width: ``2５`` → ``25``.

    Used for matching only (headings, numbers); stored text keeps the guide's characters.
    """
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text
    )


def generic_exclusion(text: str) -> Optional[str]:
    """The exclusion reason every guide shares, or None when the line is content."""
    if is_blank(text):
        return "blank"
    if is_page_number(text):
        return "page_number"
    if is_tag_only(text):
        return "bookmark"
    return None


def accounted_lines(guide: ParsedGuide) -> Dict[int, str]:
    """Map each line number the parse placed somewhere to where it went (for coverage checks).

    A complete parse accounts for every line of the file: it is either excluded with a reason or
    lies inside an item (title, field, flowchart, extra), a form, a document or a list-table row.
    """
    where: Dict[int, str] = {}
    for item in guide.items:
        where.setdefault(item.start, f"item {item.seq} title")
        for fb in item.fields:
            where.setdefault(fb.heading_line, f"item {item.seq} {fb.key}")
            for n, _ in fb.lines:
                where.setdefault(n, f"item {item.seq} {fb.key}")
        for n, _ in item.flowchart:
            where.setdefault(n, f"item {item.seq} flowchart")
        for n, _ in item.extra:
            where.setdefault(n, f"item {item.seq} extra")
    for form in guide.forms:
        for n in range(form.start, form.end + 1):
            where.setdefault(n, f"form {form.title}")
    for doc in guide.documents:
        for n in range(doc.start, doc.end + 1):
            where.setdefault(n, f"document {doc.kind}")
    for row in guide.list_rows:
        for n in range(row.start, row.end + 1):
            where.setdefault(n, f"list row {row.sub_code}/{row.variant_seq}")
    return where


def unaccounted_lines(guide: ParsedGuide, lines: List[SourceLine]) -> List[SourceLine]:
    """Lines that are neither excluded nor placed in any record: facts the parse would lose."""
    where = accounted_lines(guide)
    return [
        (n, t)
        for n, t in lines
        if n not in where and n not in guide.excluded and generic_exclusion(t) is None
    ]
