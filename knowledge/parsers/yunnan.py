"""Parser for guide 002, 云南省医疗保障经办政务服务办事指南 (31 items + 附件1–9 forms).

Layout: a header ("附件" / guide title) and a three-paragraph preface, then ten part headings
``一、``…``十、`` (the national main items, no codes printed). Under each part, every item title
stands alone on one or two lines, followed by the fields ``一、事项名称`` ``二、服务对象``
``三、办理方式`` ``四、办理流程`` ``五、申办材料`` ``六、办理时限`` ``七、单位地址及监督电话``
``八、满意度测评`` ``九、<X>流程图`` and the flattened flowchart boxes. The nine form templates
(附件1–9) follow the last item as tab-separated cell dumps without their labels.

Traps handled:

* Part headings and field headings share the numerals ``一、`` ``二、`` …: a numbered line is a field
  heading only when its text is a known field name (or ends in 流程图); a part heading is found by
  position, as the numbered line right before an item title.
* The item title is found by position too: the run of non-blank lines (one or two, the title is
  hard-wrapped twice: l.1273–1274, l.1763–1764) before the blank line preceding ``一、事项名称``.
* Field headings stand alone with the value on the next line(s); a value on the heading line after a
  colon is still kept as the field's first line.
* Word auto-numbering leaks (``9、 转移接续手续办理流程图``, ``6、 单位地址及监督电话``) and full-width
  digits (``１.医保经办机构``) are matched on :func:`fold_width` text; stored text stays verbatim.
* The fee-settlement items (#30, #31) have no 申办材料 and renumber their fields (五、办理时限,
  八、…流程图): headings are matched by name, never by numeral.
* Item #4 (灵活就业、自谋职业人员参保登记) has no ``九、…流程图`` heading: the first line after
  the 满意度测评 answer that is not that answer opens the flowchart.
* Flowchart residue (narrative boxes that repeat and sometimes differ from the fields, the garbage
  line l.906 with its run of tabs) goes into ``item.flowchart`` in full.
* The forms have no ``附件N`` labels: they are recognised by their titles, in the order of the
  guide's ``（见附件N）`` references, and labelled 附件1–附件9; a form title may be wrapped
  (``XX基本医疗保险参保人员`` / ``特殊病慢性病申报表``). The page number ``- 8 -`` inside 附件1 and
  cells holding only row numbers / check boxes are excluded.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from knowledge.parsers.base import (
    FieldBlock,
    ParsedDocument,
    ParsedForm,
    ParsedGuide,
    ParsedItem,
    SourceLine,
    fold_width,
    generic_exclusion,
    strip_tags,
)

GUIDE_KEY = "002"

#: Field names as printed (after the numeral) -> canonical FIELD_KEYS key.
FIELD_NAMES: Dict[str, str] = {
    "事项名称": "name",
    "服务对象": "target",
    "办理方式": "channels",
    "办理流程": "process",
    "申办材料": "materials",
    "办理时限": "time_limit",
    "单位地址及监督电话": "contact",
    "满意度测评": "evaluation",
}

# A numbered line: Chinese numeral (part or field heading) or a leaked Word auto-number "9、 ".
# Matched on fold_width text so that full-width digits count as digits.
_NUMBERED_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*、\s*(?P<rest>\S.*?)\s*$")

# A field heading: the numbering, a known field name, optionally "：value" on the same line.
_FIELD_HEADING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*、\s*"
    r"(?P<name>" + "|".join(FIELD_NAMES) + r")"
    r"\s*(?:[：:]\s*(?P<value>.*?))?\s*$"
)

# The flowchart heading closing the fields: "九、单位参保登记流程图", "9、 转移接续手续办理流程图",
# "八、基本医疗保险定点医疗机构费用结算流程图" (fee-settlement items renumber).
_FLOWCHART_HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*、\s*\S.*流程图\s*$")

# Leading numbering to drop from an item title to get its name (the guide prints none, kept for safety).
_TITLE_NUMBER_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*[、.．]\s*")

# The 满意度测评 answer "非常满意、满意、一般、不满意。": every evaluation line mentions 满意.
_EVALUATION_WORD = "满意"

# A form line holding only empty cells, row numbers or check boxes (coverage's form_blank_cell test).
_BLANK_CELL_RE = re.compile(r"^[\s\d□.、]*$")

#: An item title is at most this many hard-wrapped lines.
_MAX_TITLE_LINES = 2

#: The nine form templates in order, as (label, title lines). The labels are not printed; the order
#: and titles follow the guide's "（见附件N）" references (INVENTORY §4.1).
FORM_TITLES: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("附件1", ("基本医疗保险单位参保信息登记表",)),
    ("附件2", ("XX城镇职工医疗保险参保人员变动表",)),
    ("附件3", ("XX城乡居民医疗保险参保登记表",)),
    ("附件4", ("基本医疗保险参保单位信息变更登记表",)),
    ("附件5", ("基本医疗保险参保人员信息变更登记表",)),
    ("附件6", ("职工基本医疗保险个人账户一次性支取申请表",)),
    ("附件7", ("XX省内异地就医登记备案表",)),
    ("附件8", ("XX基本医疗保险参保人员", "特殊病慢性病申报表")),
    ("附件9", ("生育保险待遇申报表",)),
)


# ---------------------------------------------------------------------------------------------
# Line classification


def _content(text: str) -> str:
    """Text without tags and surrounding whitespace ("" for blank lines)."""
    return strip_tags(text).strip()


def field_heading(text: str) -> Optional[Tuple[str, str, Optional[str]]]:
    """Classify a field heading line.

    Args:
        text: one source line.

    Returns:
        ``(key, heading, value)`` where ``heading`` is the printed field name and ``value`` the
        verbatim text after a colon on the same line (None when the heading stands alone), or None
        when the line is not a field heading.
    """
    raw = strip_tags(text)
    m = _FIELD_HEADING_RE.match(fold_width(raw))
    if not m:
        return None
    value: Optional[str] = None
    if m.group("value"):
        # fold_width maps one character to one character, so offsets are valid on the raw text.
        value = raw[m.start("value") : m.end("value")]
    return FIELD_NAMES[m.group("name")], m.group("name"), value


def is_flowchart_heading(text: str) -> bool:
    """Is this the numbered ``九、<X>流程图`` heading that ends an item's fields?"""
    return bool(_FLOWCHART_HEADING_RE.match(fold_width(strip_tags(text))))


def _part_title(text: str) -> Optional[str]:
    """The title of a numbered line that is neither a field nor a flowchart heading, else None."""
    if field_heading(text) or is_flowchart_heading(text):
        return None
    raw = strip_tags(text)
    m = _NUMBERED_RE.match(fold_width(raw))
    if not m:
        return None
    return raw[m.start("rest") : m.end("rest")]


# ---------------------------------------------------------------------------------------------
# Structure


def _prev_nonblank(lines: Sequence[SourceLine], idx: int) -> int:
    """Index of the last non-blank line before ``idx`` (-1 when none)."""
    j = idx - 1
    while j >= 0 and not _content(lines[j][1]):
        j -= 1
    return j


def _title_block(lines: Sequence[SourceLine], name_idx: int) -> Tuple[int, int]:
    """Indices (first, last) of the title lines standing before the ``一、事项名称`` at ``name_idx``."""
    last = _prev_nonblank(lines, name_idx)
    first = last
    while (
        first - 1 >= 0
        and last - first + 1 < _MAX_TITLE_LINES
        and _content(lines[first - 1][1])
        and _part_title(lines[first - 1][1]) is None
        and field_heading(lines[first - 1][1]) is None
    ):
        first -= 1
    return first, last


def _find_forms(lines: Sequence[SourceLine], after: int) -> List[Tuple[int, str, str]]:
    """Form starts after index ``after``: list of (index, label, title), matched in guide order."""
    found: List[Tuple[int, str, str]] = []
    k = 0
    i = after + 1
    while i < len(lines) and k < len(FORM_TITLES):
        label, title_lines = FORM_TITLES[k]
        window = [_content(t) for _, t in lines[i : i + len(title_lines)]]
        if window == list(title_lines):
            found.append((i, label, "".join(title_lines)))
            i += len(title_lines)
            k += 1
        else:
            i += 1
    return found


def _parse_item_body(item: ParsedItem, lines: Sequence[SourceLine]) -> None:
    """Split an item's lines (after its title) into fields, flowchart and extra lines."""
    current: Optional[FieldBlock] = None
    in_flowchart = False
    for n, text in lines:
        body = _content(text)
        if not body:
            continue
        raw = strip_tags(text)
        if in_flowchart:
            item.flowchart.append((n, raw))
            continue
        heading = field_heading(text)
        if heading:
            key, name, value = heading
            current = FieldBlock(key=key, heading=name, heading_line=n)
            if value:
                current.lines.append((n, value))
            item.fields.append(current)
            continue
        if is_flowchart_heading(text) or (
            current is not None and current.key == "evaluation" and _EVALUATION_WORD not in body
        ):
            # "九、X流程图" or, without that heading (item #4), the first line after the answer.
            in_flowchart = True
            item.flowchart.append((n, raw))
            continue
        if current is None:
            item.extra.append((n, raw))
        else:
            current.lines.append((n, raw))


def parse(lines: List[SourceLine]) -> ParsedGuide:
    """Parse guide 002 (云南省) into items, forms and documents.

    Args:
        lines: the guide's (corrected) lines from :func:`knowledge.parsers.base.read_lines`.

    Returns:
        The parsed guide: 31 items with their fields and flowcharts, the nine 附件 forms, the preface
        and the ten part headings; blank lines, the page number and blank form cells are excluded.
    """
    guide = ParsedGuide(key=GUIDE_KEY)
    for n, text in lines:
        reason = generic_exclusion(text)
        if reason:
            guide.excluded[n] = reason

    name_idxs = [i for i, (_, t) in enumerate(lines) if (fh := field_heading(t)) and fh[0] == "name"]
    titles = [_title_block(lines, i) for i in name_idxs]

    # Part headings: the numbered non-field line right before an item title.
    parts: Dict[int, str] = {}  # index of the title's first line -> part heading index
    for first, _ in titles:
        p = _prev_nonblank(lines, first)
        if p >= 0 and _part_title(lines[p][1]) is not None:
            parts[first] = p

    forms = _find_forms(lines, name_idxs[-1] if name_idxs else -1)
    forms_start = forms[0][0] if forms else len(lines)

    # Preface: everything before the first part heading / item title.
    first_struct = min([*parts.values(), *(f for f, _ in titles)], default=forms_start)
    pre = [(n, strip_tags(t)) for n, t in lines[:first_struct] if _content(t)]
    if pre:
        title = next((t.strip() for _, t in pre if "办事指南" in t), pre[0][1].strip())
        guide.documents.append(ParsedDocument("preface", title, pre[0][0], pre[-1][0], pre))

    main_name: Optional[str] = None
    for k, (name_idx, (first, last)) in enumerate(zip(name_idxs, titles)):
        if first in parts:
            p = parts[first]
            main_name = _part_title(lines[p][1])
            n = lines[p][0]
            guide.documents.append(
                ParsedDocument("heading", main_name or "", n, n, [(n, strip_tags(lines[p][1]))])
            )
        if k + 1 < len(name_idxs):
            nxt_first = titles[k + 1][0]
            boundary = parts.get(nxt_first, nxt_first)
        else:
            boundary = forms_start
        end_idx = _prev_nonblank(lines, boundary)
        title = "".join(_content(t) for _, t in lines[first : last + 1])
        item = ParsedItem(
            seq=k + 1,
            title=title,
            name=_TITLE_NUMBER_RE.sub("", title),
            start=lines[first][0],
            end=lines[end_idx][0],
            main_name=main_name,
        )
        # Title continuation lines (wrapped titles) and anything between title and fields.
        item.extra.extend((n, strip_tags(t)) for n, t in lines[first + 1 : last + 1])
        _parse_item_body(item, lines[last + 1 : end_idx + 1])
        guide.items.append(item)

    for j, (idx, label, title) in enumerate(forms):
        nxt = forms[j + 1][0] if j + 1 < len(forms) else len(lines)
        end_idx = _prev_nonblank(lines, nxt)
        body: List[SourceLine] = []
        for n, text in lines[idx : end_idx + 1]:
            if n in guide.excluded:
                continue
            if _BLANK_CELL_RE.match(strip_tags(text)):
                guide.excluded[n] = "form_blank_cell"
                continue
            body.append((n, strip_tags(text)))
        # The form ends at its last content line (附件1's last line is the page number "- 8 -").
        end = body[-1][0] if body else lines[end_idx][0]
        guide.forms.append(ParsedForm(title=title, start=lines[idx][0], end=end, lines=body, label=label))
    return guide
