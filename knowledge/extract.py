"""Structure inside a field: paragraphs, list entries, conditions, notes, time limits, phones.

Parsers hand over fields as physical lines; this module rebuilds paragraphs (PDF hard-wrapping),
splits numbered lists (1. / （1） / ① / A.), keeps the condition each entry sits under
(``1.灵活就业人员：`` → entries below it), separates 备注 notes, and reads time limits and phone
numbers. All regular expressions about list markers and limits live here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from knowledge.parsers.base import SourceLine, fold_width, strip_tags

# ---------------------------------------------------------------------------------------------
# Normalisation (for matching and search only; stored text stays as the guide wrote it)

_WS_RE = re.compile(r"\s+")


def norm(text: str) -> str:
    """Matching form: tags removed, full-width folded, all whitespace dropped."""
    return _WS_RE.sub("", fold_width(strip_tags(text)))


# ---------------------------------------------------------------------------------------------
# Paragraphs

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_MARKER_RE = re.compile(
    r"^\s*(?:"
    r"(?P<num>\d{1,2})\s*[.、．](?!\d)"  # 1. 2、 (not 1.1 or 2.5万)
    r"|[（(](?P<paren>\d{1,2})[）)]"  # （1） (1)
    rf"|(?P<circ>[{_CIRCLED}])"  # ①
    r"|(?P<letter>[A-HＡ-Ｈ])\s*[.、．]"  # A. B、
    r"|(?P<way>方式[一二三四五])"  # 方式一（窗口办）
    r")"
)
_NOTE_RE = re.compile(r"^\s*(?:备注|注|说明)\s*[：:]")
_SENTENCE_END = tuple("。；;：:！？!?")


def starts_entry(text: str) -> bool:
    """Does this line open a new list entry or note (rather than continue a wrapped line)?"""
    return bool(_MARKER_RE.match(text) or _NOTE_RE.match(text))


@dataclass
class Paragraph:
    text: str
    start: int
    end: int


def paragraphs(lines: Sequence[SourceLine]) -> List[Paragraph]:
    """Rejoin hard-wrapped lines into paragraphs.

    A line continues the previous one unless the previous ended a sentence or clause
    (。；：…) or this one opens a list entry. Chinese needs no space at the seam.
    """
    result: List[Paragraph] = []
    for n, raw in lines:
        text = strip_tags(raw).strip()
        if not text:
            continue
        if result and not result[-1].text.endswith(_SENTENCE_END) and not starts_entry(text):
            prev = result[-1]
            prev.text += text
            prev.end = n
        else:
            result.append(Paragraph(text, n, n))
    return result


def join_text(lines: Sequence[SourceLine]) -> str:
    """A field's text with paragraphs rebuilt, one paragraph per line."""
    return "\n".join(p.text for p in paragraphs(lines))


# ---------------------------------------------------------------------------------------------
# List entries

_INLINE_SPLIT_RE = re.compile(
    rf"(?=[{_CIRCLED}])"  # ①…②… inside a line
    r"|(?<=[；;。：:])\s*(?=(?:\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[）)]))"  # …；2.… / …：1.…
)


@dataclass
class Entry:
    """One list entry (or unnumbered paragraph) of a field."""

    marker_type: Optional[str]  # num / paren / circ / letter / way / None
    text: str  # without its marker
    start: int
    end: int
    level: int = 0
    condition: Optional[str] = None
    is_note: bool = False
    is_header: bool = False


def without_marker(text: str) -> str:
    """A list entry without its number (1. （1） ①), as in the guides' numbered lists."""
    return _split_marker(text)[1]


def _split_marker(text: str) -> Tuple[Optional[str], str]:
    m = _MARKER_RE.match(text)
    if not m:
        return None, text.strip()
    kind = next(k for k, v in m.groupdict().items() if v)
    if kind == "way":  # 方式一（窗口办）：… keeps its label: it is the condition itself
        return kind, text.strip()
    return kind, text[m.end() :].strip()


def marker_type(marker: str) -> Optional[str]:
    """The style of a list marker (num / paren / circ / letter / way), None when it is none."""
    return _split_marker(marker)[0]


#: A list marker as a guide prints it, just before an entry: ① · 1. · 2、 · （1） · (2)
_MARKER_BEFORE = re.compile(r"(?:[①-⑳]|\d{1,2}\s*[.、．]|[（(]\d{1,2}[）)]|(?<![A-Za-z])[A-H]\s*[.、．])\s*$")


def guide_markers(verbatim: str, texts: Sequence[str]) -> List[Optional[str]]:
    """Each entry's list marker as the guide prints it (①, （1）), found just before the entry in
    the field's verbatim text (None where the guide prints none), so a reply can list the entries
    as the guide wrote them."""
    found: List[Optional[str]] = []
    at = 0
    for text in texts:
        pos = verbatim.find(text, at)
        m = _MARKER_BEFORE.search(verbatim[max(0, pos - 6) : pos]) if pos >= 0 else None
        found.append(re.sub(r"\s+", "", m.group(0)) if m else None)
        at = pos + len(text) if pos >= 0 else at
    return found


def entries(lines: Sequence[SourceLine]) -> List[Entry]:
    """Split a field into entries with levels, conditions and notes.

    Levels follow the order in which marker styles first appear (the first style seen is level 1),
    because guides nest 1./（1）/① differently. An entry ending in a colon that is followed by
    deeper entries is a header: its text becomes the condition of the entries under it. Everything
    from a ``备注：`` paragraph on is a note.
    """
    pieces: List[Entry] = []
    for para in paragraphs(lines):
        for chunk in _INLINE_SPLIT_RE.split(para.text):
            chunk = chunk.strip()
            if not chunk:
                continue
            kind, body = _split_marker(chunk)
            if body:  # a bare "备注：" before ①② keeps its meaning through is_note below
                pieces.append(Entry(kind, body, para.start, para.end))
            elif _NOTE_RE.match(chunk):
                pieces.append(Entry(None, chunk, para.start, para.end))

    style_order: List[str] = []
    for e in pieces:
        if e.marker_type and e.marker_type not in style_order:
            style_order.append(e.marker_type)
    in_notes = False
    headers: List[Tuple[int, str]] = []  # stack of (level, condition)
    for i, e in enumerate(pieces):
        if _NOTE_RE.match(e.text) and e.marker_type is None:
            in_notes = True
            headers = []
            e.text = _NOTE_RE.sub("", e.text).strip()
        e.is_note = in_notes
        e.level = style_order.index(e.marker_type) + 1 if e.marker_type else 0
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        deeper_follows = nxt is not None and (nxt.level if nxt.marker_type else 0) != e.level
        if nxt is not None and nxt.marker_type:
            deeper_follows = style_order.index(nxt.marker_type) + 1 > e.level
        while headers and headers[-1][0] >= e.level and e.marker_type:
            headers.pop()
        if not e.marker_type and e.text.endswith(("：", ":")):
            headers = []  # an unnumbered header (方式一… / 单位职工：) opens a new group
        e.condition = "；".join(c for _, c in headers) or None
        if e.text.endswith(("：", ":")) and deeper_follows and not in_notes:
            e.is_header = True
            headers.append((e.level, e.text.rstrip("：:").strip()))
        elif e.marker_type == "way":
            e.is_header = True
            label = re.split(r"[：:]", e.text, maxsplit=1)
            headers = [(e.level, label[0].strip())]
            if len(label) > 1 and label[1].strip():
                e.is_header = False
                e.text = label[1].strip()
                e.condition = label[0].strip()
    return [e for e in pieces if e.text]


def clean_entry(text: str) -> str:
    """Entry text for display: trailing list punctuation removed."""
    return text.rstrip("；;，,。 ").strip()


# ---------------------------------------------------------------------------------------------
# Time limits

_DAYS_RE = re.compile(r"(\d+)\s*个?\s*(工作日|工作目|工作天|自然日|日|天)")
_IMMEDIATE_RE = re.compile(r"即时办结|当场办结|即办")
_SEGMENT_SPLIT_RE = re.compile(r"[；;，,。]")


@dataclass
class LimitSegment:
    segment: str
    condition: Optional[str]
    mode: Optional[str]  # online / offline / None
    unit: str  # working_days / natural_days / immediate / other
    days: Optional[int]


def parse_time_limit(text: str) -> List[LimitSegment]:
    """Read a time-limit text into segments, e.g. 线上不超过2个工作日，线下即时办结 → two segments.

    ``工作日`` counts working days; ``自然日``/``天``/``日`` count natural days. A segment with no
    duration and no 即时办结 (e.g. 每月1-15日受理) is kept with unit ``other``.
    """
    folded = fold_width(text).replace(" ", "").replace("\u3000", "")
    result: List[LimitSegment] = []
    for seg in _SEGMENT_SPLIT_RE.split(folded):
        seg = seg.strip()
        if not seg:
            continue
        mode = None
        if re.search(r"线上|网上|网办", seg):
            mode = "online"
        elif re.search(r"线下|现场|窗口|经办点", seg):
            mode = "offline"
        days_m = _DAYS_RE.search(seg)
        imm = _IMMEDIATE_RE.search(seg)
        if days_m and not re.search(r"每月\d+-\d+日", seg):
            unit = "working_days" if days_m.group(2).startswith("工作") else "natural_days"
            days: Optional[int] = int(days_m.group(1))
            head = seg[: days_m.start()]
        elif imm:
            unit, days, head = "immediate", None, seg[: imm.start()]
        else:
            result.append(LimitSegment(seg, None, mode, "other", None))
            continue
        condition = re.sub(r"不超过|不得超过|办理时限|线上|线下|现场|网上", "", head)
        condition = condition.strip("：:，, ") or None
        result.append(LimitSegment(seg, condition, mode, unit, days))
    return result


# ---------------------------------------------------------------------------------------------
# Phones, names of channels

_PHONE_RE = re.compile(r"(?<!\d)(?:0\d{2,3}-\d{7,8}|12333|12393|1[3-9]\d{9})(?!\d)")
_URL_RE = re.compile(r"https?://[A-Za-z0-9./#:_?=&%-]+[A-Za-z0-9/#]")
_NAMED_CHANNEL_RE = re.compile(
    r"[“\"]([^”\"“]{2,20})[”\"“]\s*(APP|App|app|微信公众号|公众号)"
    r"|([\u4e00-\u9fa5]{2,12}(?:APP|App))"
    r"|([\u4e00-\u9fa5]{2,20}(?:网上服务大厅|网上办事大厅|服务平台|政务服务网|信息平台|公众号|门户网站|网站))"
    r"|((?:\d+、)*\d+号窗口?)"
)


def phones(text: str) -> List[str]:
    """Phone numbers named in a text, in order, without duplicates."""
    seen: List[str] = []
    for p in _PHONE_RE.findall(fold_width(text)):
        if p not in seen:
            seen.append(p)
    return seen


def channel_names(text: str) -> List[str]:
    """Apps, 公众号, websites, windows, URLs and phones named in a channel text."""
    names: List[str] = []
    for m in _NAMED_CHANNEL_RE.finditer(text):
        if m.group(1):
            name = f"“{m.group(1)}”{m.group(2)}"
        else:
            name = next(g for g in m.groups()[2:] if g).lstrip("或和及与、")
        if name not in names:
            names.append(name)
    for url in _URL_RE.findall(text):
        if url not in names:
            names.append(url)
    for p in phones(text):
        if p not in names:
            names.append(p)
    return names


def channel_kind(text: str) -> str:
    """Classify one channel entry: onsite, online, app, wechat, website, phone, mail, institution."""
    t = fold_width(text)
    if re.search(r"APP|App|app", t):
        return "app"
    if "公众号" in t:
        return "wechat"
    if re.search(r"https?://|网站|网上服务大厅|网上办事大厅|服务平台|政务服务网", t):
        return "website"
    if re.search(r"邮寄", t):
        return "mail"
    if re.search(r"^(?:\S{0,4})?(?:电话|传真)", t) or (_PHONE_RE.search(t) and "窗口" not in t):
        return "phone"
    if re.search(r"线上|网上|网办|掌上", t):
        return "online"
    if re.search(r"医疗机构|医院|药店", t) and not re.search(r"经办机构", t):
        return "institution"
    return "onsite"
