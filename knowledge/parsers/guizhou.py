"""Parser for guide 004: 贵州省统一医疗保障经办服务办事指南（试行）, 都匀市 / 黔南州 edition.

Layout: a provincial preface "前言" (l.1–4), then parts ``一、…`` to ``九、…`` (no codes), optional
group lines ``1.基本医疗保险参保登记`` and items ``1.1单位参保登记`` / `` 2.住院费用报销`` /
``4.2男职工配偶生育的一次性补助金``. Each item has the fields 一、事项名称 二、服务对象 三、办理方式
四、办理流程 五、申办材料 六、办理时限 七、咨询电话与监督电话, followed by the title of a flowchart
whose boxes were lost in conversion (only ``[image: ]`` placeholders remain).

Traps handled:

* Field headings reuse the part numerals (``一、事项名称`` vs ``一、基本医疗保险参保和变更登记``): a
  ``X、`` line is a field heading only when its name is one of the seven field names.
* Item titles, group lines and numbered body entries all look like ``1.xxx``: a numbered line is an
  item title only when the next non-blank line is ``一、事项名称`` (or a verbatim repeat of itself that
  is), a group line only when the next non-blank line is an item title or a part heading.
* The contact heading varies: ``七、咨询电话与监督电话``, ``七、监督电话``, ``7、 咨询电话及监督电话``;
  all hold both numbers (→ ``contact``). A value written on the heading line becomes the field's
  first line.
* Duplicate headings: the item title ``2.2职工参保信息变更登记`` (l.87 and l.90) — the second copy
  goes to ``item.extra``; the part heading ``二、…`` (l.127 and l.130) — one heading document whose
  range reaches over the repeat (its lines hold the text once), so no item or document is doubled.
* Flowcharts: after the phone line, every line up to the next part/group/item heading is flowchart
  residue (the ``…流程图`` title, sometimes split over two lines as ``…费用结算`` / ``流程图``, and
  ``[image: …]`` placeholders) → ``item.flowchart``, kept verbatim.
* ``[bookmark: _GoBack]`` glued to a phone line (l.263): the line stays in its field, tags stripped.
* 六、办理时限 sometimes carries a ``备注：`` list (l.232–236) or the same list without the 备注 label
  (l.258–261): both stay in ``time_limit`` as printed.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from knowledge.parsers.base import (
    FieldBlock,
    ParsedDocument,
    ParsedGuide,
    ParsedItem,
    SourceLine,
    fold_width,
    generic_exclusion,
    is_blank,
    is_tag_only,
    strip_tags,
)

GUIDE_KEY = "004"

#: Field heading names of this guide → canonical FIELD_KEYS. The contact heading has three
#: spellings, all holding both the 咨询 and the 监督 number.
FIELD_NAMES: Dict[str, str] = {
    "事项名称": "name",
    "服务对象": "target",
    "办理方式": "channels",
    "办理流程": "process",
    "申办材料": "materials",
    "办理时限": "time_limit",
    "咨询电话与监督电话": "contact",
    "咨询电话及监督电话": "contact",
    "监督电话": "contact",
}

#: A field heading: Chinese or Arabic numeral 1–7 (``7、 咨询电话及监督电话`` at l.426), one of the
#: field names, optionally a value after a colon. Matched on the width-folded line.
_FIELD_RE = re.compile(
    r"^\s*(?:[一二三四五六七]|[1-7])\s*[、.]\s*"
    r"(?P<name>事项名称|服务对象|办理方式|办理流程|申办材料|办理时限|咨询电话[与及]监督电话|监督电话)"
    r"\s*(?:[：:]\s*(?P<value>.*))?$"
)

#: A part heading ``一、基本医疗保险参保和变更登记``; field headings share the numerals, so a line is
#: tested against _FIELD_RE first.
_PART_RE = re.compile(r"^\s*(?P<num>[一二三四五六七八九十]+)、\s*(?P<name>\S.*?)\s*$")

#: A numbered title candidate: ``1.1单位参保登记``, `` 1.2 职工参保登记``, ``2.医疗保险关系转移接续``.
#: Numbered body entries (``1.单位向…申报；``) match too; the look-ahead in :func:`_classify` decides.
_NUMBERED_RE = re.compile(r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2})?)\s*[.．、]?\s*(?P<name>[^\d\s.．、].*?)\s*$")

#: The preface heading " 前\t言" (letter-spaced with a tab).
_PREFACE_RE = re.compile(r"^\s*前\s*言\s*$")

#: A contact line: holds a phone label or a number (0854-8198115).
_PHONE_LINE_RE = re.compile(r"电话|\d{3,4}-\d{7,8}")


def _field_match(text: str) -> Optional[re.Match]:
    return _FIELD_RE.match(fold_width(strip_tags(text)))


def _key(text: str) -> str:
    """Comparison form of a heading line: tags and all whitespace removed, width folded."""
    return re.sub(r"\s+", "", fold_width(strip_tags(text)))


def _classify(lines: List[SourceLine]) -> Dict[int, str]:
    """Label the structural lines: ``field``, ``part``, ``item``, ``item_dup``, ``group``, ``preface``.

    Item titles and group lines are recognised by what follows them (see module docstring); a
    title repeated verbatim before its 一、事项名称 is ``item_dup`` for its first copy's item.
    """
    kinds: Dict[int, str] = {}
    for n, text in lines:
        if _PREFACE_RE.match(text):
            kinds[n] = "preface"
        elif _field_match(text):
            kinds[n] = "field"
        elif _PART_RE.match(strip_tags(text)):
            kinds[n] = "part"
    nonblank = [(n, t) for n, t in lines if not is_blank(strip_tags(t))]
    # Backwards, so a line's successor is already classified.
    for i in range(len(nonblank) - 1, -1, -1):
        n, text = nonblank[i]
        if n in kinds or not _NUMBERED_RE.match(strip_tags(text)):
            continue
        if i + 1 >= len(nonblank):
            continue
        nxt_n, nxt_text = nonblank[i + 1]
        nxt_kind = kinds.get(nxt_n)
        if nxt_kind == "field" and _field_match(nxt_text).group("name") == "事项名称":
            kinds[n] = "item"
        elif nxt_kind == "item" and _key(nxt_text) == _key(text):
            # 2.2职工参保信息变更登记 printed twice (l.87, l.90): the first copy is the title.
            kinds[n] = "item"
            kinds[nxt_n] = "item_dup"
        elif nxt_kind in ("item", "part"):
            kinds[n] = "group"
    return kinds


def _item_end(item: ParsedItem) -> int:
    last = item.start
    for fb in item.fields:
        last = max(last, fb.end)
    for n, _ in item.flowchart + item.extra:
        last = max(last, n)
    return last


def parse(lines: List[SourceLine]) -> ParsedGuide:
    """Parse guide 004 (贵州 / 都匀) into items, heading documents and the preface.

    Args:
        lines: The guide's numbered lines, as returned by ``read_lines``.

    Returns:
        The parsed guide: 28 items with their fields and flowchart residue, the preface and
        the part / group headings as documents, blank lines excluded.
    """
    guide = ParsedGuide(key=GUIDE_KEY)
    kinds = _classify(lines)

    part_name: Optional[str] = None
    part_doc: Optional[ParsedDocument] = None
    doc: Optional[ParsedDocument] = None  # the preface, while it runs
    item: Optional[ParsedItem] = None
    fb: Optional[FieldBlock] = None
    in_flowchart = False

    def close_item() -> None:
        nonlocal item, fb, in_flowchart
        if item is not None:
            item.end = _item_end(item)
            guide.items.append(item)
        item, fb, in_flowchart = None, None, False

    for n, text in lines:
        kind = kinds.get(n)
        clean = strip_tags(text)

        if kind == "preface":
            close_item()
            doc = ParsedDocument(kind="preface", title=_key(text), start=n, end=n, lines=[(n, text)])
            guide.documents.append(doc)
            continue

        if kind == "part":
            close_item()
            doc = None
            m = _PART_RE.match(clean)
            assert m is not None
            name = m.group("name")
            if part_doc is not None and part_name == name and not _items_since(guide, part_doc):
                # 二、… repeated (l.127, l.130) with no item between: stretch the range over it.
                part_doc.end = n
                continue
            part_name = name
            part_doc = ParsedDocument(kind="heading", title=clean.strip(), start=n, end=n, lines=[(n, text)])
            guide.documents.append(part_doc)
            continue

        if kind == "group":
            close_item()
            doc = None
            group = ParsedDocument(kind="heading", title=clean.strip(), start=n, end=n, lines=[(n, text)])
            guide.documents.append(group)
            continue

        if kind == "item":
            close_item()
            doc = None
            m = _NUMBERED_RE.match(clean)
            assert m is not None
            item = ParsedItem(
                seq=len(guide.items) + 1,
                title=clean.strip(),
                name=m.group("name"),
                start=n,
                end=n,
                main_name=part_name,
            )
            continue

        if generic_exclusion(text) == "blank":
            guide.excluded[n] = "blank"
            continue

        if doc is not None:  # preface body
            doc.lines.append((n, text))
            doc.end = n
            continue

        if item is None:  # nothing else lies outside items here; unaccounted_lines would show it
            reason = generic_exclusion(text)
            if reason:
                guide.excluded[n] = reason
            continue

        if kind == "item_dup":
            item.extra.append((n, clean))
            continue

        if kind == "field":
            m = _field_match(text)
            assert m is not None
            fb = FieldBlock(key=FIELD_NAMES[m.group("name")], heading=m.group("name"), heading_line=n)
            value = m.group("value")
            if value and value.strip():
                # fold_width keeps one character per character, so the offset holds on the original.
                fb.lines.append((n, clean[m.start("value") :]))
            item.fields.append(fb)
            in_flowchart = False
            continue

        if in_flowchart or fb is None:
            if fb is None:
                item.extra.append((n, clean))
            else:
                item.flowchart.append((n, text))
            continue

        if fb.key == "contact" and (is_tag_only(text) or not _PHONE_LINE_RE.search(clean)):
            # First line after the phone numbers that is no phone line: the flowchart title.
            in_flowchart = True
            item.flowchart.append((n, text))
            continue

        fb.lines.append((n, clean))

    close_item()
    return guide


def _items_since(guide: ParsedGuide, doc: ParsedDocument) -> bool:
    """Has an item been parsed after this document started?"""
    return any(it.start > doc.start for it in guide.items)
