"""Parser for guide 001: 湖南省医疗保障经办政务服务事项清单 + 办事指南（2025年版）(湘医保办发〔2025〕11号).

The file has four parts:

* l.1–49: the cover letter of 湘医保办发〔2025〕11号 (it tells cities and counties to execute the
  provincial list directly and only add local addresses and phones) → ``cover_letter`` document.
* l.50–12709: the rotated landscape list table (Part A). It is parsed by
  :mod:`knowledge.parsers.hunan_table` (``parse_table``), imported lazily by :func:`parse`, whose
  list rows, exclusions and documents are merged into the result.
* the guide cover ("湖南省医疗保障经办政务服务事项办事指南（2025年版）", 湖南省医疗保障局, 2025年7月)
  → ``heading`` document, then the table of contents (目 录 + dot-leader lines) → excluded "toc".
* Part C, the guide text: ten parts "第X部分" + title lines (→ ``heading`` documents whose title is
  the items' ``main_name``; no main code is printed), 27 sub items "一、<子项>" and 39 items.

Traps handled:

* Two heading schemes share the marker （一）. A sub item split into 业务办理项 is followed by
  "（一）<业务办理项>" variant titles with fields "1.事项名称 … 10.评价渠道" and （1）（2） lists; an
  unsplit sub item is followed directly by "（一）事项名称 … （十）评价渠道" with 1. 2. lists. A line
  is a field heading only when the text after the marker is one of the ten field names AND the
  marker's ordinal is that field's position; a sub item is split when the line after it is a
  （一） that is not a field heading. Split sub item titles become ``heading`` documents; each variant
  is one ParsedItem(name=<子项>, variant=<业务办理项>).
* Sub item codes are not printed in Part C: ``code`` stays None (the build matches the names, which
  are printed exactly as the list table's 子项 names).
* PDF hard-wrapping (about 30 characters a line, a blank line between lines, words split as
  "“湘医" / "保”APP") and new pages starting with a leading space (" （4）办结。"): field lines are
  kept verbatim, blank lines are excluded, ``knowledge.extract`` rejoins the paragraphs.
* Page numbers "— 67 —" / "— 155 —" sit mid-item (l.17358 splits a sentence): excluded and left out
  of the field, so the two halves of the sentence rejoin.
* Every （十）/10.评价渠道 field ends with "…依法依规办理等。"; everything after it up to the next
  heading is the item's tail: flowchart residue (titled "…办理流程图", title split over two lines,
  a bare title, or box words printed before the title as for 医疗机构申请定点) → ``item.flowchart``,
  then the form templates.
* Forms 表1, 5, 7, 11, 13–20 are repeated after every related item; each occurrence is its own
  ParsedForm (label "表N", ``item_seq`` of the item it follows). A form title may wrap before
  "（表 N）" (表11, 14, 15, 16); 表13 starts with a "备案编号：" line above its title; the second
  "湖南省定点医疗机构申请表" line inside 表19/表20 (no label) does not open a new form. The extra
  templates 基本医疗保险异地就医备案个人承诺书 and 信用承诺书 are forms too; the 参保地异地就医备案告
  知书 heading inside the 个人承诺书 is a part of it (the promise below it "已阅读并知晓《备案告知书》",
  and "说明 本表由参保人员填写" closes the one table); the 表13 温馨提示 and 表17/18 notes (产假 days,
  一次性生育补助金 standards) stay in their forms.
* Lost forms (表2/3/4/6/8/9/10/12) left one-character lines (" 签", " 表", " ："; l.13663–13665,
  l.13783–13785) at the end of a tail without forms → excluded "lost_form_residue".
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

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

GUIDE_KEY = "001"

# Part A, the rotated list table, as agreed with knowledge.parsers.hunan_table: everything between
# the cover letter (ends "（此件主动公开）", l.49) and the guide cover (l.12710).
TABLE_FIRST = 50
TABLE_LAST = 12709

# "目 录" — the table of contents heading that ends the guide cover.
TOC_HEAD_RE = re.compile(r"^目\s*录$")

# "第一部分" — a part label alone on its line (the part title follows on one or two lines).
PART_LABEL_RE = re.compile(r"^第[一二三四五六七八九十]+部分$")

# "一、单位参保登记" — a sub item (子项) title.
SUB_ITEM_RE = re.compile(r"^[一二三四五六七八九十]+、\s*(?P<name>\S.*)$")

# "（一）灵活就业人员增加登记" — a variant (业务办理项) title, or an unsplit item's field heading.
VARIANT_RE = re.compile(r"^（(?P<ord>[一二三四五六七八九十]+)）\s*(?P<name>\S.*)$")

# The ten field names in their printed order; the marker's ordinal must equal the position.
FIELD_NAMES: Tuple[str, ...] = (
    "事项名称",
    "受理单位",
    "服务对象",
    "办理渠道",
    "办理流程",
    "办理材料",
    "办理时限",
    "查询方式",
    "监督电话",
    "评价渠道",
)

# The guide's field names onto the canonical FIELD_KEYS.
FIELD_MAP: Dict[str, str] = NATIONAL_HEADINGS

# "7.办理时限：…" (split scheme) or "（七）办理时限：…" (unsplit scheme); the value may follow the colon.
FIELD_HEADING_RE = re.compile(
    r"^\s*(?:(?P<num>\d{1,2})\s*[.．、]|（(?P<cn>[一二三四五六七八九十]{1,2})）)\s*"
    r"(?P<name>" + "|".join(FIELD_NAMES) + r")\s*[：:]?(?P<value>.*)$"
)

# The last words of every 评价渠道 field ("评价内容主要包括信息公开、办事效率、依法依规办理等。");
# whatever follows up to the next heading is flowchart residue and forms.
EVALUATION_END_RE = re.compile(r"办理等。$")

# "（表 13）" — the label closing a form title (spaces inside the label vary).
FORM_LABEL_RE = re.compile(r"（表\s*(?P<num>\d+)\s*）")

# A form title opens with the province name ("湖南省异地就医登记备案表（表 13）").
FORM_TITLE_RE = re.compile(r"^湖南省\S*")

# "备案编号：" — printed above the 表13 title; it opens the form.
FORM_PREAMBLE_RE = re.compile(r"^备案编号[：:]\s*$")

# Untitled-by-label templates printed after items: they are forms of their own.
TEMPLATE_TITLE_RE = re.compile(
    r"^(?:基本医疗保险异地就医备案个人承诺书|信用承诺书)$"
)

# "办理流程图" — the flowchart title (possibly the second half of a wrapped title).
FLOWCHART_TITLE_RE = re.compile(r"办理流程图$")

# A tail ending in one-character lines: the residue of a form lost in conversion (" 签", " ：").
RESIDUE_MAX_CHARS = 1

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12 (enough for field and variant ordinals)."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if len(text) == 2 and text.endswith("十"):
        return _CN_DIGITS[text[0]] * 10
    return _CN_DIGITS[text[0]]


def _clean(text: str) -> str:
    """Tag-stripped, trimmed text used for matching."""
    return strip_tags(text).strip()


def _squash(text: str) -> str:
    """Text with all whitespace removed (for end-of-paragraph tests across wrapped lines)."""
    return re.sub(r"\s+", "", text)


def field_heading(text: str) -> Optional[Tuple[str, str, str]]:
    """Recognise a field heading in either scheme.

    Args:
        text: a source line.

    Returns:
        ``(canonical key, printed field name, value after the colon)`` when the line is a field
        heading whose ordinal (7. or （七）) matches the field's position, else None.
    """
    m = FIELD_HEADING_RE.match(strip_tags(text))
    if not m:
        return None
    ordinal = int(m.group("num")) if m.group("num") else _cn_number(m.group("cn"))
    name = m.group("name")
    if FIELD_NAMES.index(name) + 1 != ordinal:
        return None
    return FIELD_MAP[name], name, m.group("value").strip()


def _is_variant_title(text: str) -> bool:
    """A （一）-style line that is not a field heading: a 业务办理项 title."""
    return bool(VARIANT_RE.match(_clean(text))) and field_heading(text) is None


# ---------------------------------------------------------------------------------------------
# Tails: flowchart residue, forms, lost-form residue


def _form_starts(tail: List[SourceLine]) -> List[Tuple[int, str, Optional[str]]]:
    """Where forms start in an item's tail.

    Returns:
        ``(index in tail, title, label)`` per form, in order.
    """
    starts: List[Tuple[int, str, Optional[str]]] = []
    skip = -1
    for i, (_, text) in enumerate(tail):
        if i <= skip:
            continue
        clean = _clean(text)
        nxt = _clean(tail[i + 1][1]) if i + 1 < len(tail) else ""
        if FORM_PREAMBLE_RE.match(clean) and FORM_TITLE_RE.match(nxt):
            title, label, used = _form_title(tail, i + 1)
            starts.append((i, title, label))
            skip = i + used
            continue
        if FORM_TITLE_RE.match(clean):
            title, label, used = _form_title(tail, i)
            if label:
                starts.append((i, title, label))
                skip = i + used - 1
            continue
        if TEMPLATE_TITLE_RE.match(clean):
            starts.append((i, clean, None))
    return starts


def _form_title(tail: List[SourceLine], i: int) -> Tuple[str, Optional[str], int]:
    """Title and label of a form whose title starts at ``tail[i]``.

    The title wraps before the label in four forms ("…门诊慢特病待遇资格认定" / "申请表（表 14）"),
    so the next line is joined when the first carries no label.

    Returns:
        ``(title without the label, "表N" or None, number of title lines used)``.
    """
    first = _clean(tail[i][1])
    m = FORM_LABEL_RE.search(first)
    if m:
        return first[: m.start()].strip(), f"表{m.group('num')}", 1
    if i + 1 < len(tail):
        joined = first + _clean(tail[i + 1][1])
        m = FORM_LABEL_RE.search(joined)
        if m and m.end() == len(joined.rstrip()):
            return joined[: m.start()].strip(), f"表{m.group('num')}", 2
    return first, None, 1


def _split_tail(
    tail: List[SourceLine], item_seq: int
) -> Tuple[List[SourceLine], List[ParsedForm], Dict[int, str]]:
    """Split an item's tail into flowchart residue, forms and lost-form residue.

    Args:
        tail: the item's content lines after its 评价渠道 field (no blank lines / page numbers).
        item_seq: seq of the item the forms follow.

    Returns:
        ``(flowchart lines, forms, exclusions)``.
    """
    starts = _form_starts(tail)
    first_form = starts[0][0] if starts else len(tail)
    flowchart = [(n, strip_tags(t)) for n, t in tail[:first_form]]
    excluded: Dict[int, str] = {}
    if not starts:
        while flowchart and len(_squash(_clean(flowchart[-1][1]))) <= RESIDUE_MAX_CHARS:
            excluded[flowchart[-1][0]] = "lost_form_residue"
            flowchart.pop()
    forms: List[ParsedForm] = []
    for k, (i, title, label) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(tail)
        body = [(n, strip_tags(t)) for n, t in tail[i:stop]]
        forms.append(
            ParsedForm(
                title=title, start=body[0][0], end=body[-1][0], lines=body, label=label, item_seq=item_seq
            )
        )
    return flowchart, forms, excluded


# ---------------------------------------------------------------------------------------------
# Items


def parse_item(
    block: List[SourceLine],
    seq: int,
    name: str,
    variant: Optional[str],
    main_name: Optional[str],
) -> Tuple[ParsedItem, List[ParsedForm], Dict[int, str]]:
    """Parse one item: its title line, ten fields, then flowchart residue and forms.

    Args:
        block: the item's content lines (title first; blank lines and page numbers removed).
        seq: 1-based order of the item in the guide.
        name: the sub item (子项) name.
        variant: the 业务办理项 name for split sub items, else None.
        main_name: the part title the item sits under.

    Returns:
        ``(item, forms following it, exclusions found in its tail)``.
    """
    title_n, title_text = block[0]
    item = ParsedItem(
        seq=seq,
        title=_clean(title_text),
        name=name,
        start=title_n,
        end=title_n,
        variant=variant,
        main_name=main_name,
    )
    current: Optional[FieldBlock] = None
    tail_from = len(block)
    for i in range(1, len(block)):
        n, text = block[i]
        head = field_heading(text)
        if head:
            key, printed, value = head
            first = [(n, value)] if value else []
            current = FieldBlock(key=key, heading=printed, heading_line=n, lines=first)
            item.fields.append(current)
        elif current is None:
            item.extra.append((n, strip_tags(text)))
        else:
            current.lines.append((n, strip_tags(text)))
        if current is not None and current.key == "evaluation":
            body = "".join(_clean(t) for _, t in current.lines)
            if EVALUATION_END_RE.search(body):
                tail_from = i + 1
                break
    forms: List[ParsedForm] = []
    excluded: Dict[int, str] = {}
    if tail_from < len(block):
        item.flowchart, forms, excluded = _split_tail(block[tail_from:], seq)
    placed = [item.start] + [n for f in item.fields for n in [f.heading_line] + [m for m, _ in f.lines]]
    placed += [n for n, _ in item.flowchart] + [n for n, _ in item.extra]
    item.end = max(placed)
    return item, forms, excluded


def _strip_end_punct(text: str) -> str:
    """Variant titles end with "。" in one place (单位参保登记（含…等业务）。)."""
    return text.rstrip("。．. ")


def _headings(content: List[SourceLine]) -> List[Tuple[int, str]]:
    """Structural headings of Part C as (index in content, kind).

    Kinds: ``part`` (第X部分), ``sub_split`` (子项 followed by variant titles), ``sub`` (unsplit
    子项, which is itself an item) and ``variant`` (业务办理项 under a split 子项).
    """
    found: List[Tuple[int, str]] = []
    in_split = False
    for i, (_, text) in enumerate(content):
        clean = _clean(text)
        if PART_LABEL_RE.match(clean):
            found.append((i, "part"))
            in_split = False
            continue
        nxt = content[i + 1][1] if i + 1 < len(content) else ""
        first_variant = VARIANT_RE.match(_clean(nxt))
        if SUB_ITEM_RE.match(clean) and first_variant and first_variant.group("ord") == "一":
            in_split = _is_variant_title(nxt)
            found.append((i, "sub_split" if in_split else "sub"))
            continue
        if in_split and _is_variant_title(text):
            found.append((i, "variant"))
    return found


def _parse_part_c(content: List[SourceLine], guide: ParsedGuide) -> None:
    """Parse the guide text (from the first 第X部分 on) into items, forms and heading documents."""
    heads = _headings(content)
    main_name: Optional[str] = None
    sub_name: Optional[str] = None
    seq = 0
    for k, (i, kind) in enumerate(heads):
        stop = heads[k + 1][0] if k + 1 < len(heads) else len(content)
        block = content[i:stop]
        clean = _clean(block[0][1])
        if kind == "part":
            main_name = "".join(_clean(t) for _, t in block[1:]) or None
            title = f"{clean} {main_name}" if main_name else clean
            guide.documents.append(
                ParsedDocument(kind="heading", title=title, start=block[0][0], end=block[-1][0], lines=block)
            )
            continue
        if kind == "sub_split":
            sub_name = SUB_ITEM_RE.match(clean).group("name").strip()
            guide.documents.append(
                ParsedDocument(kind="heading", title=clean, start=block[0][0], end=block[-1][0], lines=block)
            )
            continue
        seq += 1
        if kind == "sub":
            name, variant = SUB_ITEM_RE.match(clean).group("name").strip(), None
        else:
            name, variant = sub_name or "", _strip_end_punct(VARIANT_RE.match(clean).group("name").strip())
        item, forms, excluded = parse_item(block, seq, name, variant, main_name)
        guide.items.append(item)
        guide.forms.extend(forms)
        guide.excluded.update(excluded)


# ---------------------------------------------------------------------------------------------
# Whole guide


def _document(kind: str, title: str, content: List[SourceLine]) -> ParsedDocument:
    return ParsedDocument(kind=kind, title=title, start=content[0][0], end=content[-1][0], lines=content)


def _joined_title(content: List[SourceLine], first: str, last: str) -> str:
    """Join the content lines from the first one starting with ``first`` to the one containing ``last``."""
    out = ""
    for _, text in content:
        clean = _clean(text)
        if not out and not clean.startswith(first):
            continue
        out += clean
        if last in clean:
            break
    return out


def parse_guide_part(lines: List[SourceLine]) -> ParsedGuide:
    """Parse everything except the rotated list table (l.50–12709).

    Args:
        lines: the guide's lines from :func:`knowledge.parsers.base.read_lines` (all of them or
            any subset; lines inside the table range are ignored).

    Returns:
        The cover letter, guide cover, TOC exclusions and Part C (items, forms, part and sub item
        headings) with blank lines and page numbers excluded.
    """
    guide = ParsedGuide(key=GUIDE_KEY)
    own = [(n, t) for n, t in lines if not TABLE_FIRST <= n <= TABLE_LAST]
    for n, text in own:
        reason = generic_exclusion(text)
        if reason:
            guide.excluded[n] = reason
    content = [(n, strip_tags(t)) for n, t in own if n not in guide.excluded]

    letter = [(n, t) for n, t in content if n < TABLE_FIRST]
    if letter:
        title = _joined_title(letter, "关于", "通知") or _clean(letter[0][1])
        guide.documents.append(_document("cover_letter", title, letter))

    after = [(n, t) for n, t in content if n > TABLE_LAST]
    toc_at = next((i for i, (_, t) in enumerate(after) if TOC_HEAD_RE.match(_clean(t))), None)
    part_at = next((i for i, (_, t) in enumerate(after) if PART_LABEL_RE.match(_clean(t))), len(after))
    cover = after[: toc_at if toc_at is not None else part_at]
    if cover:
        title = _joined_title(cover, "湖南省", "办事指南") or _clean(cover[0][1])
        guide.documents.append(_document("heading", title, cover))
    if toc_at is not None:
        for n, _ in after[toc_at:part_at]:
            guide.excluded[n] = "toc"
    if part_at < len(after):
        _parse_part_c(after[part_at:], guide)
    return guide


def parse(lines: List[SourceLine]) -> ParsedGuide:
    """Parse guide 001: the guide part here, the rotated list table by ``hunan_table.parse_table``.

    Args:
        lines: the guide's (corrected) lines from :func:`knowledge.parsers.base.read_lines`.

    Returns:
        The merged ParsedGuide: items, forms and documents of the guide part plus the list rows,
        exclusions and documents of the table.
    """
    from knowledge.parsers.hunan_table import parse_table  # lazy: written as a separate module

    guide = parse_guide_part(lines)
    table = parse_table([(n, t) for n, t in lines if TABLE_FIRST <= n <= TABLE_LAST])
    guide.list_rows.extend(table.list_rows)
    guide.items.extend(table.items)
    guide.forms.extend(table.forms)
    guide.documents.extend(table.documents)
    guide.documents.sort(key=lambda d: d.start)
    for n, reason in table.excluded.items():
        guide.excluded.setdefault(n, reason)
    return guide
