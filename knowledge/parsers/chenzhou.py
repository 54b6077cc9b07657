"""Parser for guide 000: 郴州市医保经办政务服务事项办事指南 (33 items, 参考样表1–26, 参考样式27).

Layout: 10 parts "第X部分：" + main-item title + main code "（00203600X00Y）", each holding items
"一、<名称>（<12-digit code>）" with exactly ten fields （一）事项名称 … （十）评价渠道. After most items
come the flattened 办理流程图 and the 参考样表 form dumps (tab-indented cells).

Traps handled:

* ``[bookmark: _TocNNN]`` tags glued to headings and leading spaces before headings.
* Part labels are missing: 第七部分 and 第十部分 have a title and a main code but no "第X部分" line
  (the part-7 title even follows the truncated 住院费用报销 flowchart directly), and 第九部分 has a
  label but neither title nor main code (its main code is inferred from the item codes; the main
  name is left None because it is not printed).
* 常驻异地工作人员备案 numbers its first fields （1）…（4） and then （五）: field headings are
  recognised by the field NAME after the marker, not by the marker style.
* Everything after the （十）评价渠道 paragraph ("评价结果由…") up to the next item, form, notice or
  part heading is flowchart residue, with or without a "…办理流程图" title (医疗救助 报销 has none,
  门诊费用报销 is just " 拨付", the 零售药店 flowchart is printed twice, and the 门诊慢特病 title is
  split over two lines).
* Forms start at the line carrying "（参考样表N）"/"（参考样式27）"; when that label stands alone, the
  form's title is the line above. A form runs to the next structural boundary, so the 注/备注 lines
  under a form stay in the form. Rows holding only empty cells/row numbers are excluded.
* The 郴州市生育保险待遇申领承诺告知事项 (printed twice, under 生育津贴 and 一次性生育补助金) is kept
  as a ``notice`` document linked to the item it follows; its "一、…" paragraphs are not items
  because item titles must carry a 12-digit code.
* Page numbers ("— 70 —" sits between the part-5 main code and its first item), blank lines and
  tag-only lines are excluded everywhere.
* The time limit's trailing "备注：…" line (定点协议管理) stays in the time_limit field; materials
  lines with 1./①/方式一 are kept verbatim for ``knowledge.extract``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from knowledge.parsers.base import (
    NATIONAL_HEADINGS,
    FieldBlock,
    ParsedDocument,
    ParsedForm,
    ParsedGuide,
    ParsedItem,
    SourceLine,
    generic_exclusion,
    strip_tags,
)

GUIDE_KEY = "000"

# "第一部分：" — the part label (applied to the tag-stripped, trimmed line).
PART_LABEL_RE = re.compile(r"^第[一二三四五六七八九十]+部分[：:]\s*$")

# "（00203600100Y）" — a main-item code standing alone on its line, below the part title.
MAIN_CODE_RE = re.compile(r"^[（(]\s*(?P<code>\d{9}00Y)\s*[）)]$")

# "一、单位参保登记（002036001001）" — item title; the 12-digit code keeps the 告知事项's "一、根据…"
# paragraphs from being taken for items.
ITEM_TITLE_RE = re.compile(r"^[一二三四五六七八九十]+、\s*(?P<name>.+?)\s*[（(](?P<code>\d{12})[）)]$")

# Field headings, recognised by NAME: the marker may be （五） or, in 常驻异地工作人员备案, （1）.
FIELD_HEADING_RE = re.compile(
    r"^\s*[（(]\s*(?:[一二三四五六七八九十]{1,2}|\d{1,2})\s*[）)]\s*"
    r"(?P<name>事项名称|受理单位|服务对象|办理渠道|办理流程|办理材料|办理时限|查询方式|监督电话|评价渠道)"
    r"\s*[：:]?(?P<value>.*)$"
)

# The guide's field names onto the canonical FIELD_KEYS.
FIELD_MAP: Dict[str, str] = NATIONAL_HEADINGS

# "（参考样表 7）" / "（参考样式27）" at the end of a form's title line (or alone on its line).
FORM_LABEL_RE = re.compile(r"[（(]\s*(?P<kind>参考样[表式])\s*(?P<num>\d+)\s*[）)]\s*$")

# "郴州市生育保险待遇申领承诺告知事项" standing alone (the form text cites it inside 《…》).
NOTICE_TITLE_RE = re.compile(r"^郴州市\S{2,30}告知事项$")

# Flowchart residue starts with a "…办理流程图" title or, where the title is lost, with the box
# "材料不全的一次性告知需补齐的材料并重新提交".
FLOWCHART_TITLE_RE = re.compile(r"流程图\s*$")
FLOWCHART_BOX_RE = re.compile(r"^\s*材料不全的一次性")

# Words only flowchart boxes consist of; a tail without any of them is kept as item.extra instead.
FLOWCHART_WORD_RE = re.compile(r"^(?:申请|现场申请|受理|判断是否(?:受理)?|审核(?:结算)?|办结|拨付|否|考察评估|结果公示|签署协议)$")

# The last paragraph of every （十）评价渠道 field: "评价结果由省人民政府政务服务中心统一向社会公布…".
EVALUATION_END_RE = re.compile(r"^\s*评价结果")

# A form row holding only empty cells or row numbers (same test as knowledge.coverage).
BLANK_CELL_RE = re.compile(r"^[\s\d□.、]*$")

# A bookmark tag anywhere on the line (part titles carry them, flowchart residue does not).
TAG_RE = re.compile(r"\[(?:bookmark|image):[^\]]*\]")


@dataclass
class _Boundary:
    """Where a structural unit starts: an item, a form, a notice or a part heading."""

    line: int
    kind: str  # item / form / notice / part
    info: dict


def _clean(text: str) -> str:
    """Tag-stripped, trimmed text used for matching."""
    return strip_tags(text).strip()


def _find_parts(lines: List[SourceLine], excluded: Dict[int, str]) -> List[dict]:
    """Locate part headings: label (optional), title lines (optional) and main code (optional).

    Titles are found by walking back from each main-code line over blank/tag-only lines: a line
    is a title line when it carries a bookmark tag or directly follows a "第X部分" label. This
    catches 第七部分 (whose title follows flowchart residue without a blank line) and 第十部分
    (title after a form's 备注 line), and stops before content.
    """
    content = [(n, t) for n, t in lines if n not in excluded]
    pos = {n: i for i, (n, _) in enumerate(content)}
    parts: List[dict] = []
    used_labels = set()
    for n, text in lines:
        m = MAIN_CODE_RE.match(_clean(text))
        if not m or n in excluded:
            continue
        title_lines: List[SourceLine] = []
        label_line: Optional[int] = None
        i = pos[n] - 1
        while i >= 0 and len(title_lines) < 3:
            cn, ct = content[i]
            if PART_LABEL_RE.match(_clean(ct)):
                label_line = cn
                break
            prev_is_label = i > 0 and bool(PART_LABEL_RE.match(_clean(content[i - 1][1])))
            if TAG_RE.search(ct) or prev_is_label:
                title_lines.insert(0, (cn, _clean(ct)))
                i -= 1
                continue
            break
        start = label_line or (title_lines[0][0] if title_lines else n)
        if label_line:
            used_labels.add(label_line)
        parts.append(
            {
                "start": start,
                "end": n,
                "label": label_line,
                "main_code": m.group("code"),
                "main_name": "".join(t for _, t in title_lines) or None,
            }
        )
    for n, text in lines:
        if n in used_labels or n in excluded or not PART_LABEL_RE.match(_clean(text)):
            continue
        parts.append({"start": n, "end": n, "label": n, "main_code": None, "main_name": None})
    return sorted(parts, key=lambda p: p["start"])


def _find_boundaries(lines: List[SourceLine], excluded: Dict[int, str], parts: List[dict]) -> List[_Boundary]:
    """All structural starts in line order."""
    text_of = dict(lines)
    content_numbers = [n for n, _ in lines if n not in excluded]
    bounds: List[_Boundary] = [_Boundary(p["start"], "part", p) for p in parts]
    in_part = {n for p in parts for n in range(p["start"], p["end"] + 1)}
    for n, text in lines:
        if n in excluded or n in in_part:
            continue
        clean = _clean(text)
        m = ITEM_TITLE_RE.match(clean)
        if m:
            bounds.append(_Boundary(n, "item", {"name": m.group("name"), "code": m.group("code"), "title": clean}))
            continue
        f = FORM_LABEL_RE.search(clean)
        if f:
            label = f"{f.group('kind')}{f.group('num')}"
            title = clean[: f.start()].strip()
            start = n
            if not title:  # "（参考样表1）" alone: the title is the line just above
                k = content_numbers.index(n)
                if k > 0 and n - content_numbers[k - 1] <= 3:
                    start = content_numbers[k - 1]
                    title = _clean(text_of[start])
            bounds.append(_Boundary(start, "form", {"label": label, "title": title}))
            continue
        if NOTICE_TITLE_RE.match(clean):
            bounds.append(_Boundary(n, "notice", {"title": clean}))
    return sorted(bounds, key=lambda b: b.line)


def _parse_item(
    seq: int,
    info: dict,
    segment: List[SourceLine],
    excluded: Dict[int, str],
    part: Optional[dict],
) -> ParsedItem:
    """Split one item's lines into its ten fields, extra lines and the flowchart tail."""
    title_n = segment[0][0]
    code = info["code"]
    main_code = part["main_code"] if part else None
    if main_code is None:  # 第九部分 prints no main code: 002036009001 -> 00203600900Y
        main_code = code[:9] + "00Y"
    item = ParsedItem(
        seq=seq,
        title=info["title"],
        name=info["name"],
        start=title_n,
        end=title_n,
        code=code,
        main_code=main_code,
        main_name=part["main_name"] if part else None,
    )
    current: Optional[FieldBlock] = None
    tail: List[SourceLine] = []
    mode = "pre"  # pre -> field -> tail
    for n, raw in segment[1:]:
        if n in excluded:
            continue
        text = strip_tags(raw)
        if mode == "tail":
            tail.append((n, text))
            continue
        m = FIELD_HEADING_RE.match(text)
        if m:
            current = FieldBlock(key=FIELD_MAP[m.group("name")], heading=m.group("name"), heading_line=n)
            value = m.group("value").strip()
            if value:
                current.lines.append((n, value))
            item.fields.append(current)
            mode = "field"
            continue
        if FLOWCHART_TITLE_RE.search(text) or FLOWCHART_BOX_RE.match(text):
            mode = "tail"
            tail.append((n, text))
            continue
        if mode == "field" and current is not None:
            current.lines.append((n, text))
            if current.key == "evaluation" and EVALUATION_END_RE.match(text):
                mode = "tail"
        else:
            item.extra.append((n, text))
    if tail:
        is_flowchart = any(
            FLOWCHART_TITLE_RE.search(t) or FLOWCHART_BOX_RE.match(t) or FLOWCHART_WORD_RE.match(t.strip())
            for _, t in tail
        )
        if is_flowchart:
            item.flowchart = tail
        else:
            item.extra.extend(tail)
    numbers = [title_n] + [n for fb in item.fields for n in [fb.heading_line] + [x for x, _ in fb.lines]]
    numbers += [n for n, _ in item.flowchart] + [n for n, _ in item.extra]
    item.end = max(numbers)
    return item


def parse(lines: List[SourceLine]) -> ParsedGuide:
    """Parse the 郴州 guide into items, forms, notices and part headings.

    Args:
        lines: the guide's (corrected) lines as returned by ``read_lines``.

    Returns:
        A :class:`ParsedGuide` with 33 items, the 参考样表/参考样式 forms, the two copies of the
        生育保险待遇申领承诺告知事项 as ``notice`` documents, the part headings as ``heading``
        documents, and every blank/page-number/bookmark/blank-cell line excluded with its reason.
    """
    guide = ParsedGuide(key=GUIDE_KEY)
    for n, text in lines:
        reason = generic_exclusion(text)
        if reason:
            guide.excluded[n] = reason

    parts = _find_parts(lines, guide.excluded)
    bounds = _find_boundaries(lines, guide.excluded, parts)
    last_line = lines[-1][0] if lines else 0

    # Anything before the first boundary (nothing in this guide) is kept as an "other" document.
    first = bounds[0].line if bounds else last_line + 1
    lead = [(n, strip_tags(t)) for n, t in lines if n < first and n not in guide.excluded]
    if lead:
        guide.documents.append(ParsedDocument("other", _clean(lead[0][1]), lead[0][0], lead[-1][0], lead))

    by_number = {n: i for i, (n, _) in enumerate(lines)}
    text_of = dict(lines)
    part: Optional[dict] = None
    item_seq = 0
    for k, b in enumerate(bounds):
        stop = bounds[k + 1].line - 1 if k + 1 < len(bounds) else last_line
        segment = lines[by_number[b.line] : by_number[stop] + 1]
        content = [(n, strip_tags(t)) for n, t in segment if n not in guide.excluded]
        if b.kind == "part":
            part = b.info
            head = [(n, t) for n, t in content if n <= part["end"]]
            title = part["main_name"] or _clean(text_of[part["start"]])
            guide.documents.append(ParsedDocument("heading", title, part["start"], part["end"], head))
            rest = [(n, t) for n, t in content if n > part["end"]]
            if rest:  # stray text between a part heading and its first item (none expected)
                guide.documents.append(ParsedDocument("other", _clean(rest[0][1]), rest[0][0], rest[-1][0], rest))
        elif b.kind == "item":
            item_seq += 1
            guide.items.append(_parse_item(item_seq, b.info, segment, guide.excluded, part))
        elif b.kind == "form":
            form_lines: List[SourceLine] = []
            for n, t in content:
                if BLANK_CELL_RE.match(t):
                    guide.excluded[n] = "form_blank_cell"
                else:
                    form_lines.append((n, t))
            end = content[-1][0] if content else b.line
            guide.forms.append(
                ParsedForm(
                    title=b.info["title"],
                    start=b.line,
                    end=end,
                    lines=form_lines,
                    label=b.info["label"],
                    item_seq=item_seq or None,
                )
            )
        else:  # notice
            end = content[-1][0] if content else b.line
            guide.documents.append(
                ParsedDocument("notice", b.info["title"], b.line, end, content, item_seq=item_seq or None)
            )
    return guide

