"""Parser for guide 003: 咸安区 (湖北咸宁) 区、乡镇、村（社区）医疗保障经办窗口服务事项清单.

Layout of the file: a title line (政策解读), three 附件 with duty statements (区中心 / 乡镇窗口 /
村窗口), one FAQ-style heading (``五、《…服务事项清单》的内容什么？``), then a second set of
附件 1/2/3 whose numbering restarts: the 区级 (28), 街道/乡镇 (25) and 村/社区 (9) item lists.
Each item is ``N.名称`` followed by ten fields ``一、事项名称`` … ``十、评价渠道`` and the flattened
residue of its flowchart.

Traps handled:

* Item titles use mixed numbering (``1.单位参保登记``, `` 9、参保人员个人账户-次性支取``,
  ``2、指导…``), may carry a ``[bookmark: _GoBack]`` tag, and wrap over two or three lines
  (``27.基本医疗保险定点医疗机构`` + ``费用结算``; ``9. …支取`` + ``（初审）``). A numbered line only
  opens an item when its number is the next one of the level and ``一、事项名称`` follows within a
  few lines; the wrapped lines are joined into the title and kept in ``item.extra``.
* Field headings are recognised by field NAME after any numbering, because the numbering is
  glitchy (``5、 办理流程``, ``6、 办理流程``, leading spaces, ``五、办理流程 ： ``).
* ``九、咸安区医疗保障局监督电话：0715-8876622`` carries its value in the heading: the value becomes
  the supervision field's first line. ``内容：`` under ``一、事项名称`` becomes the ``content`` field.
* Flowchart residue (``…办理流程图`` titles, sometimes wrapped or without the word 流程图, and box
  words such as 补正 / 不予受理 / 受理 / 初审 / 上报 / 审核 / 拨付 / 办结 separated by runs of
  spaces and blank lines) follows ``十、评价渠道`` and goes to ``item.flowchart``.
* Township item 7 (参保单位参保信息查询) has its material line *before* the ``六、`` heading
  (l.865): an unnumbered line that follows a finished step of a numbered 办理流程 is kept in
  ``item.extra`` instead of being read as a process step.
* Village item 4 repeats item 3's title (copy-paste): when a title repeats an earlier one of the
  same level, the item's name is taken from its ``一、事项名称`` instead.
* ``（初审）`` stays in the title but is dropped from the name.
* The first 附件 set (duties) and the second (item lists) are told apart by their titles
  (``…工作职责`` versus ``…事项清单``), not by position.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from knowledge.parsers.base import (
    NATIONAL_HEADINGS,
    FieldBlock,
    ParsedDocument,
    ParsedGuide,
    ParsedItem,
    SourceLine,
    fold_width,
    generic_exclusion,
    strip_tags,
)

GUIDE_KEY = "003"

# "附件1" / " 附件 2" / "附件 1：" — an annex label standing alone on its line.
_ANNEX_RE = re.compile(r"^\s*附件\s*(\d+)\s*[:：]?\s*$")

# The single FAQ heading "五、《…》的内容什么？": a Chinese-numbered question at top level.
_FAQ_RE = re.compile(r"^\s*[一二三四五六七八九十]+、.*[？?]\s*$")

# An item title "1.单位参保登记" / " 9、参保…" / "8. 参保…" (bookmarks stripped first).
_ITEM_TITLE_RE = re.compile(r"^\s*(\d{1,2})\s*[.、．]\s*(\S.*?)\s*$")

# Numbering in front of a field name: Chinese numerals (一、) or glitchy digits (5、 / 6、).
# The field NAME decides the field, never the number.
_FIELD_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*[、.．]\s*"
    r"(?P<name>事项名称|受理单位|服务对象|办理渠道|办理流程|办理材料|办理时限|咨询方式"
    r"|(?:咸安区医疗保障局)?监督电话|评价渠道)"
    r"\s*[:：]?\s*(?P<value>.*?)\s*$"
)

# "内容：…" directly under 一、事项名称: the item's content description.
_CONTENT_RE = re.compile(r"^\s*内容\s*[:：]\s*(?P<value>.*?)\s*$")

# The "（初审）" label of township items: kept in the title, dropped from the name.
_FIRST_REVIEW_RE = re.compile(r"\s*[（(]初审[）)]\s*")

# A process step opened by a list marker (1. / (2. / （1） / ①); used to spot stray lines.
_STEP_RE = re.compile(r"^\s*(?:[（(]?\d{1,2}\s*[.、．)）]|[①-⑳])")

# A line that ends a sentence or clause (a following unnumbered line is not its continuation).
_CLAUSE_END_RE = re.compile(r"[。；;]\s*$")

# 咸安 asks 咨询方式 where the template has 查询方式, and names its 监督电话 heading after the bureau.
_FIELD_KEYS: Dict[str, str] = {
    **NATIONAL_HEADINGS,
    "咨询方式": "consult",
    "咸安区医疗保障局监督电话": "supervision",
}

#: How many non-blank lines a wrapped item title may span before 一、事项名称 (title included).
_MAX_TITLE_LINES = 4


def _clean(text: str) -> str:
    return strip_tags(text).strip()


def _level_of(heading: str) -> Optional[str]:
    """The administrative level an item-list heading announces."""
    if "区级" in heading:
        return "区级"
    if "乡镇" in heading or "街道" in heading:
        return "乡镇"
    if "村" in heading or "社区" in heading:
        return "村"
    return None


def _field_match(text: str) -> Optional[Tuple[str, str, str]]:
    """(key, heading name, value) when the line is a field heading, else None."""
    m = _FIELD_RE.match(fold_width(strip_tags(text)))
    if not m:
        return None
    name = m.group("name")
    # fold_width maps one character to one, so the match offsets slice the unfolded text too:
    # the stored value keeps the guide's own (full-width) characters.
    value = strip_tags(text)[m.start("value") : m.end("value")]
    return _FIELD_KEYS[name], name, value.strip()


def _title_start(lines: List[SourceLine], i: int, expected: int) -> Optional[int]:
    """If line ``i`` opens item number ``expected``, the index of its 一、事项名称 line, else None."""
    m = _ITEM_TITLE_RE.match(fold_width(_clean(lines[i][1])))
    if not m or int(m.group(1)) != expected or _field_match(lines[i][1]):
        return None
    seen = 1
    for j in range(i + 1, len(lines)):
        text = lines[j][1]
        if generic_exclusion(text):
            continue
        fm = _field_match(text)
        if fm:
            return j if fm[0] == "name" else None
        seen += 1
        if seen > _MAX_TITLE_LINES or _ANNEX_RE.match(text):
            return None
    return None


def _item_name(title: str) -> str:
    """The 子项 name: numbering and the （初审） label removed."""
    m = _ITEM_TITLE_RE.match(title)
    body = m.group(2) if m else title
    return _FIRST_REVIEW_RE.sub("", body).strip()


def parse(lines: List[SourceLine]) -> ParsedGuide:
    """Parse the 咸安 guide into documents and the 区级/乡镇/村 items.

    Args:
        lines: the (corrected) lines of ``003_*.txt`` as returned by ``read_lines``.

    Returns:
        The parsed guide: 62 items (seq restarting at 1 in each level), the title, duty, FAQ and
        annex-heading documents, and the blank/bookmark lines as exclusions.
    """
    guide = ParsedGuide(key=GUIDE_KEY)
    for n, text in lines:
        reason = generic_exclusion(text)
        if reason:
            guide.excluded[n] = reason

    level: Optional[str] = None
    expected = 1  # number of the next item of the current level
    item: Optional[ParsedItem] = None
    current: Optional[FieldBlock] = None
    after_fields = False  # past 十、评价渠道: what follows is flowchart residue
    titles_seen: Dict[str, List[str]] = {}
    i = 0
    total = len(lines)

    def finish() -> None:
        nonlocal item, current
        if item is not None:
            _finish_item(item, titles_seen.setdefault(item.level or "", []))
            guide.items.append(item)
        item, current = None, None

    while i < total:
        n, text = lines[i]
        if generic_exclusion(text):
            i += 1
            continue
        clean = _clean(text)

        # --- annex labels: duty statements or an item list heading ----------------------------
        if _ANNEX_RE.match(text) and (item is None or after_fields):
            finish()
            j, block = i + 1, [(n, strip_tags(text))]
            heading_parts: List[str] = []
            # title lines up to the first blank line / first item title / body text
            while j < total and len(heading_parts) < 3:
                nj, tj = lines[j]
                if generic_exclusion(tj):
                    if heading_parts:
                        break
                    j += 1
                    continue
                if _ITEM_TITLE_RE.match(fold_width(_clean(tj))) and _title_start(lines, j, 1) is not None:
                    break
                heading_parts.append(_clean(tj))
                block.append((nj, strip_tags(tj)))
                j += 1
                if "职责" in heading_parts[-1]:
                    break
            title = "".join(heading_parts)
            if "职责" in title:  # duty statements: everything up to the next annex / FAQ
                while j < total and not _ANNEX_RE.match(lines[j][1]) and not _FAQ_RE.match(lines[j][1]):
                    if not generic_exclusion(lines[j][1]):
                        block.append((lines[j][0], strip_tags(lines[j][1])))
                    j += 1
                guide.documents.append(ParsedDocument("duties", title, n, block[-1][0], block))
            else:
                guide.documents.append(ParsedDocument("heading", title, n, block[-1][0], block))
                level, expected, after_fields = _level_of(title), 1, True
            i = j
            continue

        # --- top level: the title line and the FAQ heading ------------------------------------
        if level is None and item is None:
            kind = "faq" if _FAQ_RE.match(text) else "heading"
            guide.documents.append(ParsedDocument(kind, clean, n, n, [(n, strip_tags(text))]))
            i += 1
            continue

        # --- a new item --------------------------------------------------------------------------
        name_at = _title_start(lines, i, expected)
        if name_at is not None and (item is None or after_fields or _looks_finished(item)):
            finish()
            parts = [clean]
            extra: List[SourceLine] = []
            for k in range(i + 1, name_at):
                nk, tk = lines[k]
                if not generic_exclusion(tk):
                    parts.append(_clean(tk))
                    extra.append((nk, strip_tags(tk)))
            item = ParsedItem(seq=expected, title="".join(parts), name="", start=n, end=n, level=level)
            item.extra.extend(extra)
            expected += 1
            after_fields = False
            i = name_at
            continue

        if item is None:  # content between a heading and the first item: keep it visible
            guide.documents.append(ParsedDocument("other", clean, n, n, [(n, strip_tags(text))]))
            i += 1
            continue

        # --- flowchart residue after the last field -------------------------------------------
        if after_fields:
            item.flowchart.append((n, strip_tags(text)))
            i += 1
            continue

        # --- fields -------------------------------------------------------------------------------
        fm = _field_match(text)
        cm = _CONTENT_RE.match(strip_tags(text)) if current is not None and current.key == "name" else None
        if fm:
            key, name, value = fm
            current = FieldBlock(key=key, heading=name, heading_line=n, lines=[(n, value)] if value else [])
            item.fields.append(current)
            if key == "evaluation":
                after_fields = True
        elif cm:
            value = cm.group("value")
            current = FieldBlock("content", "内容", n, [(n, value)] if value else [])
            item.fields.append(current)
        elif current is None:
            item.extra.append((n, strip_tags(text)))
        elif current.key == "process" and _is_stray_after_steps(current, text):
            item.extra.append((n, strip_tags(text)))
        else:
            current.lines.append((n, strip_tags(text)))
        i += 1

    finish()
    return guide


def _looks_finished(item: ParsedItem) -> bool:
    """An item without 十、评价渠道 still ends once it has its materials and time limit."""
    return item.field("materials") is not None and item.field("time_limit") is not None


def _is_stray_after_steps(process: FieldBlock, text: str) -> bool:
    """An unnumbered line after a finished step of a numbered 办理流程 is not a step (l.865)."""
    if not process.lines or _STEP_RE.match(fold_width(_clean(text))):
        return False
    has_steps = any(_STEP_RE.match(fold_width(_clean(t))) for _, t in process.lines)
    return has_steps and bool(_CLAUSE_END_RE.search(_clean(process.lines[-1][1])))


def _finish_item(item: ParsedItem, seen: List[str]) -> None:
    """Set the name and end line once all of an item's lines are known."""
    name = _item_name(item.title)
    if name in seen:  # copy-pasted title (village item 4): trust 一、事项名称 instead
        fb = item.field("name")
        if fb is not None and fb.lines:
            name = _FIRST_REVIEW_RE.sub("", _clean(fb.lines[0][1])).strip()
    seen.append(_item_name(item.title))
    item.name = name
    numbers = [item.start]
    numbers += [fb.end for fb in item.fields]
    numbers += [n for n, _ in item.flowchart] + [n for n, _ in item.extra]
    item.end = max(numbers)
