"""Rebuild the rotated list table (清单) of guide 001, 湖南省 2025 (Part A, l.50–12709).

The table was printed landscape and converted portrait, so the file holds one or two characters per
line with blank lines between. Joining the non-blank lines in order (:func:`joined_text`, about
9 000 characters) gives readable text in which the columns 主项及编码 | 子项序号 | 子项及编码 |
业项序号 | 业务办理项 | 办理材料 | 办理时限 | 办理环节 | 备注 | 设定依据 are concatenated without
delimiters. :func:`parse_table` cuts that text back into 39 :class:`ListTableRow` records (one per
业务办理项); ``knowledge.parsers.hunan`` merges them into the full parse of the guide.

Traps handled:

* The header row (主项及编码…设定依据) is repeated on every page; its characters are removed from
  the row text and its lines excluded as ``table_header``. The page numbers ``— 8 —`` / ``— 10 —`` /
  ``— 11 —`` sit inside or next to it and are excluded as ``page_number``; blank lines as ``blank``.
* No column delimiters: a row is anchored on its 办理时限 + 办理环节 pair (``不超过N个工作日`` /
  ``即时办结…`` / ``从…不超过…`` followed by ``申请—受理—…—办结``, also with ``--`` dashes). The
  text before it holds the optional main header ``一、…（00203600100Y）``, the optional sub header
  ``<子项序号><子项>（002036001001）``, the printed 业项序号 and the 业务办理项 + 办理材料; the text
  after it (up to the next row) holds 备注 then 设定依据.
* Numbers inside the previous row's tail (``第259号``, ``〔2022〕``, ``2.``) are not taken for the next
  row's 业项序号: only the expected number (previous + 1; any number for the first row), not glued
  to ``第`` ``〔`` digits or ``.``. 子项序号 likewise.
* 业务办理项 vs 办理材料: the name is the 子项 name when the row starts with it, else it ends at the
  first material opener (``1.`` ``《`` ``医保电子凭证`` …).
* 备注 vs 设定依据: the legal basis opens with ``1.《…法/条例/办法/决定/意见/通知》`` at the tail
  start or after ``。；》``, or with an unnumbered ``《…》`` at the tail start or after ``。``; the
  remarks' own 《死亡医学证明》 / 《关于申请断档补缴的报告》 are not law titles.
* Cells cut by a page break: the next page's header lands mid-cell. A fragment stranded right after
  the header (``由相关部门认定后进行报销。``) is appended to the cut row's 备注 unless it reads like
  legal text; an unfinished 设定依据 (``…（国``) is completed by the leading legal text of the next
  row's tail (``办发〔2021〕42号）；4.…``), and the rejoined text goes to both rows (merged cell).
* Merged cells print once: a row with no 设定依据 (or no 办理材料, row 39) repeats the previous row's
  within the same 主项 (e.g. 001002's legal basis covers rows 3–11, 008002's rows 34–35).
* The table title before the first header becomes a ``heading`` document, the closing
  ``说明：… 备注：…`` note after the last row a ``notice`` document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from knowledge.parsers.base import (
    ListTableRow,
    ParsedDocument,
    ParsedGuide,
    SourceLine,
    is_blank,
    is_page_number,
)

GUIDE_KEY = "001"

#: The header row as it reads once joined; repeated at the top of every page of the table.
HEADER_TEXT = "主项及编码子项序号子项及编码业项序号业务办理项办理材料办理时限办理环节备注设定依据"

#: Main item header ``一、基本医疗保险参保和变更登记（00203600100Y）`` (name has no 。；、 or digits,
#: so a legal-basis tail like ``第六条、第十条`` never opens one).
MAIN_RE = re.compile(r"([一二三四五六七八九十]+)、([^。；、\d]{2,60}?)（(\d{11}Y)）")

#: 办理时限 immediately followed by 办理环节: the one anchor every row has exactly once. Time limits:
#: ``不超过5个工作日``, ``即时办结``, ``即时办结（现场），2个工作日（线上）``,
#: ``不超过20个工作日（线下），7个工作日（线上）``, ``从定点医疗机构申报截止次日到医保基金拨付不超过20个工作日``.
#: Steps: ``申请—受理—审核—办结``, ``申请--受理--审核--拨付—办结`` (row 34/35 use hyphens).
TIME_STEPS_RE = re.compile(
    r"(?P<time>(?:从[^。；《》从]{0,30}?)?(?:不超过\d+个(?:工作日|自然日)|即时办结)"
    r"(?:（[^）]{1,4}）)?(?:，(?:不超过)?\d+个工作日(?:（[^）]{1,4}）)?)?)"
    r"(?P<steps>申请(?:[—\-]+(?!办结)[\u4e00-\u9fff]{2})*[—\-]+办结)"
)

#: Where 办理材料 starts after the 业务办理项 name when the name is not the 子项 name itself.
MATERIALS_START_RE = re.compile(r"1[.．]|《|医保电子凭证|有效身份证件|单位有效证明文件|办理材料")

#: A law / regulation title: only these open a 设定依据 cell (remarks cite forms like 《死亡医学证明》).
_LAW_TITLE = r"《[^《》]{2,60}?(?:法|条例|办法|决定|意见|通知|规定)》"

#: Start of the 设定依据 cell inside a row's tail: numbered ``1.《…法》`` at the start or after the
#: remarks' closing ``。；》``, or an unnumbered ``《…办法》`` at the start or after ``。``.
LB_START_RE = re.compile(rf"(?:^|(?<=[。；》]))1[.．]{_LAW_TITLE}|(?:^|(?<=。)){_LAW_TITLE}")

#: Text that reads like a (piece of a) legal citation: used to place fragments cut by a page break.
LB_LIKE_RE = re.compile(rf"〔\d{{4}}〕|\d+号）|令第|第[一二三四五六七八九十百]+条|{_LAW_TITLE}")

#: Characters a finished 设定依据 cell ends with; anything else means the cell was cut (``…（国``).
_LB_TERMINALS = "。；）)》"

#: The closing note after the last row: ``说明：1.有效身份证件包括… 备注：已有规定…``.
NOTE_RE = re.compile(r"说明[：:]")


@dataclass
class _Stream:
    """The table's characters without headers and page numbers, each with its source line."""

    text: str = ""
    owner: List[int] = field(default_factory=list)  # owner[i] = line number of text[i]
    breaks: List[int] = field(default_factory=list)  # positions in text where a header was removed
    excluded: Dict[int, str] = field(default_factory=dict)


def joined_text(lines: List[SourceLine]) -> str:
    """Join the non-blank lines of a rotated-table slice in order, each stripped of outer whitespace.

    Args:
        lines: source lines, e.g. l.50–12709 of guide 001.

    Returns:
        The readable table text (headers and page numbers still in it), as in
        ``001_rotated_table_joined.txt``.
    """
    return "".join(t.strip() for _, t in lines if not is_blank(t))


def _build_stream(lines: List[SourceLine]) -> _Stream:
    """Classify blank / page-number / header lines and collect the remaining characters."""
    stream = _Stream()
    chars: List[str] = []
    owner: List[int] = []
    for n, t in lines:
        if is_blank(t):
            stream.excluded[n] = "blank"
        elif is_page_number(t):
            stream.excluded[n] = "page_number"
        else:
            for ch in t.strip():
                chars.append(ch)
                owner.append(n)
    raw = "".join(chars)
    keep = [True] * len(raw)
    header_lines: Dict[int, int] = {}  # line -> header characters on it
    breaks_raw: List[int] = []
    for m in re.finditer(re.escape(HEADER_TEXT), raw):
        breaks_raw.append(m.start())
        for i in range(m.start(), m.end()):
            keep[i] = False
            header_lines[owner[i]] = header_lines.get(owner[i], 0) + 1
    line_len: Dict[int, int] = {}
    for n in owner:
        line_len[n] = line_len.get(n, 0) + 1
    for n, count in header_lines.items():
        if count == line_len[n]:  # a line holding only header characters
            stream.excluded[n] = "table_header"
    # positions after removal: a header at raw position p becomes a break at the number of kept
    # characters before p
    kept_before = 0
    bi = 0
    out_chars: List[str] = []
    out_owner: List[int] = []
    for i, ch in enumerate(raw):
        while bi < len(breaks_raw) and breaks_raw[bi] == i:
            stream.breaks.append(kept_before)
            bi += 1
        if keep[i]:
            out_chars.append(ch)
            out_owner.append(owner[i])
            kept_before += 1
    stream.text = "".join(out_chars)
    stream.owner = out_owner
    return stream


def _split_tail(tail: str) -> Tuple[str, str]:
    """Split a row's tail (after 办理环节) into (备注, 设定依据)."""
    m = LB_START_RE.search(tail)
    if not m:
        return tail, ""
    return tail[: m.start()], tail[m.start() :]


def _lb_unfinished(lb: str) -> bool:
    """Was this 设定依据 cut by a page break (``…（国``)?"""
    lb = lb.rstrip()
    return bool(lb) and lb[-1] not in _LB_TERMINALS


def _doc(kind: str, title: str, lines: List[SourceLine], start: int, end: int) -> ParsedDocument:
    body = [(n, t) for n, t in lines if start <= n <= end and not is_blank(t)]
    return ParsedDocument(kind=kind, title=title, start=start, end=end, lines=body)


@dataclass
class _RowDraft:
    start_pos: int  # position in the stream of the row's first character (main/sub header or 业项序号)
    main_code: str
    main_name: str
    sub_code: str
    sub_name: str
    variant_seq: int
    variant_name: str
    materials: str
    time_limit: str
    steps: str
    steps_end: int
    remarks: str = ""
    legal_basis: str = ""
    end_pos: int = 0  # exclusive


def parse_table(lines: List[SourceLine]) -> ParsedGuide:
    """Rebuild the rows of guide 001's rotated list table.

    Args:
        lines: the table's source lines (l.50–12709 of ``001_e87ed86121f40618.txt``), as numbered
            by :func:`knowledge.parsers.base.read_lines`.

    Returns:
        A partial :class:`ParsedGuide` (key ``"001"``) holding ``list_rows`` (one per 业务办理项, in
        printed order), ``excluded`` (blank, page-number and header lines) and ``documents`` (the
        table title as a ``heading``, the closing 说明/备注 note as a ``notice``).
    """
    guide = ParsedGuide(key=GUIDE_KEY)
    stream = _build_stream(lines)
    guide.excluded.update(stream.excluded)
    text, owner = stream.text, stream.owner
    if not text:
        return guide

    # The first header closes the table title; it is not a page break.
    body_start = 0
    breaks = list(stream.breaks)
    if breaks:
        body_start = breaks.pop(0)
    if body_start > 0:
        title = text[:body_start]
        guide.documents.append(_doc("heading", title, lines, owner[0], owner[body_start - 1]))

    anchors = list(TIME_STEPS_RE.finditer(text, body_start))
    drafts: List[_RowDraft] = []
    main_code = main_name = sub_code = sub_name = ""
    sub_seq = 0
    pos = body_start
    for m in anchors:
        region = text[pos : m.start()]
        start_pos: Optional[int] = None
        search_from = 0
        mm = MAIN_RE.search(region)
        if mm:
            main_code, main_name = mm.group(3), mm.group(2)
            start_pos = pos + mm.start()
            search_from = mm.end()
        sub_num = str(sub_seq + 1) if sub_seq else r"\d{1,2}"  # any number opens an extract
        sub_re = re.compile(rf"(?<![\d.．〔第])({sub_num})(?![\d.．])([^。；\d]{{2,60}}?)（(\d{{12}})）")
        sm = sub_re.search(region, search_from)
        if sm:
            sub_seq = int(sm.group(1))
            sub_name, sub_code = sm.group(2), sm.group(3)
            if start_pos is None:
                start_pos = pos + sm.start()
            search_from = sm.end()
        var_num = str(drafts[-1].variant_seq + 1) if drafts else r"\d{1,2}"
        var_re = re.compile(rf"(?<![\d.．〔第])({var_num})(?![\d.．、个号条〕）年月日])(?=[\u4e00-\u9fff“《])")
        vm = var_re.search(region, search_from)
        if not vm:  # not a row: leave it to the previous row's tail
            continue
        seq = int(vm.group(1))
        if start_pos is None:
            start_pos = pos + vm.start()
        head = region[vm.end() :]
        if sub_name and head.startswith(sub_name) and not head[len(sub_name) :].startswith("（"):
            cut = len(sub_name)
        else:
            mat = MATERIALS_START_RE.search(head)
            cut = mat.start() if mat else len(head)
        drafts.append(
            _RowDraft(
                start_pos=start_pos,
                main_code=main_code,
                main_name=main_name,
                sub_code=sub_code,
                sub_name=sub_name,
                variant_seq=seq,
                variant_name=head[:cut],
                materials=head[cut:],
                time_limit=m.group("time"),
                steps=m.group("steps"),
                steps_end=m.end(),
            )
        )
        pos = m.end()

    if not drafts:
        return guide

    note = NOTE_RE.search(text, drafts[-1].steps_end)
    table_end = note.start() if note else len(text)
    for i, d in enumerate(drafts):
        d.end_pos = drafts[i + 1].start_pos if i + 1 < len(drafts) else table_end

    # 备注 / 设定依据 from each row's tail, with the page-break repairs.
    pending: Optional[int] = None  # index of the row whose 设定依据 was cut by a page break
    for i, d in enumerate(drafts):
        a, b = d.steps_end, d.end_pos
        cuts = [p for p in breaks if a < p < b]
        pieces = [text[s:e] for s, e in zip([a] + cuts, cuts + [b])]
        remarks, lb = _split_tail(pieces[0])
        if pending is not None and not lb and LB_LIKE_RE.search(remarks):
            # the tail is the rest of the previous row's cut (merged) 设定依据
            prev = drafts[pending]
            prev.legal_basis += remarks
            remarks, lb = "", prev.legal_basis
        elif pending is not None and lb and remarks and LB_LIKE_RE.search(remarks):
            prev = drafts[pending]
            prev.legal_basis += remarks
            remarks = ""
        pending = None
        for frag in pieces[1:]:
            f_rem, f_lb = _split_tail(frag)
            if f_rem:
                if _lb_unfinished(lb) and LB_LIKE_RE.search(f_rem):
                    lb += f_rem
                else:
                    remarks += f_rem
            if f_lb:
                lb += f_lb
        d.remarks, d.legal_basis = remarks, lb
        if cuts and _lb_unfinished(lb):
            pending = i

    # Merged cells: repeat the last printed 设定依据 / 办理材料 within the same 主项.
    for prev, d in zip(drafts, drafts[1:]):
        if d.main_code == prev.main_code:
            if not d.legal_basis:
                d.legal_basis = prev.legal_basis
            if not d.materials:
                d.materials = prev.materials
    for d in drafts:
        guide.list_rows.append(
            ListTableRow(
                main_code=d.main_code,
                main_name=d.main_name,
                sub_code=d.sub_code,
                sub_name=d.sub_name,
                variant_seq=d.variant_seq,
                variant_name=d.variant_name,
                materials=d.materials,
                time_limit=d.time_limit,
                steps=d.steps,
                remarks=d.remarks,
                legal_basis=d.legal_basis,
                start=owner[d.start_pos],
                end=owner[d.end_pos - 1],
                text=text[d.start_pos : d.end_pos],
            )
        )

    if note:
        guide.documents.append(
            _doc("notice", "说明", lines, owner[note.start()], owner[len(text) - 1])
        )
    return guide
