"""No fact lost: how much of a guide's content landed in the knowledge base.

A content line is any line the parser did not exclude for a legitimate reason (blank, page number,
bookmark, table of contents, blank form cell, residue of a lost form, rotated-table header). It is
covered when its text (normalised: tags, full width and whitespace folded) occurs in some text the
KB holds for that guide. Exclusions are checked against their reason, so a parser cannot hide a
line it failed to place by calling it a page number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Tuple

from knowledge.extract import norm
from knowledge.parsers.base import ParsedGuide, SourceLine, generic_exclusion, is_page_number, strip_tags

_TOC_RE = re.compile(r"(\.{4,}|…{2,}|·{4,})\s*\d*\s*$|^\s*目\s*录\s*$")
_BLANK_CELL_RE = re.compile(r"^[\s\d□.、]*$")


def exclusion_is_valid(text: str, reason: str) -> bool:
    """Does the line really look like what its exclusion reason says?"""
    if reason in ("blank", "bookmark"):
        return generic_exclusion(text) in ("blank", "bookmark")
    if reason == "page_number":
        return is_page_number(text)
    if reason == "toc":
        return bool(_TOC_RE.search(text)) or len(norm(text)) <= 12
    if reason == "form_blank_cell":
        return bool(_BLANK_CELL_RE.match(strip_tags(text)))
    if reason == "lost_form_residue":
        return len(norm(text)) <= 2
    if reason == "table_header":
        return len(norm(text)) <= 4  # rotated-table header lines hold one or two characters
    return False


@dataclass
class CoverageReport:
    content_lines: int = 0
    covered_lines: int = 0
    excluded: dict = field(default_factory=dict)  # reason -> count
    invalid_exclusions: List[SourceLine] = field(default_factory=list)
    gaps: List[SourceLine] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.covered_lines / self.content_lines if self.content_lines else 1.0


def measure_coverage(lines: List[SourceLine], parsed: ParsedGuide, kb_texts: Iterable[str]) -> CoverageReport:
    """Coverage of one guide's (corrected) lines by the texts the KB holds for it."""
    blob = "\x00".join(norm(t) for t in kb_texts if t)
    headings = _heading_lines(parsed)
    report = CoverageReport()
    for n, text in lines:
        reason = parsed.excluded.get(n) or generic_exclusion(text)
        if reason:
            if exclusion_is_valid(text, reason):
                report.excluded[reason] = report.excluded.get(reason, 0) + 1
                continue
            report.invalid_exclusions.append((n, text))
        key = norm(text)
        if not key:
            continue
        report.content_lines += 1
        if n in headings:
            key = _value_after_heading(key, headings[n])
        if not key or key in blob:
            report.covered_lines += 1
        else:
            report.gaps.append((n, text))
    return report


def _heading_lines(parsed: ParsedGuide) -> Dict[int, str]:
    """Line number -> field heading, for the lines that open a field of some item."""
    return {fb.heading_line: norm(fb.heading) for item in parsed.items for fb in item.fields}


def _value_after_heading(key: str, heading: str) -> str:
    """What a heading line says beyond its heading: "六、办理时限：即时办结。" -> "即时办结。".

    The KB stores the heading as the field's heading and the value as its text, so a heading
    line is covered when its value is (its numbering, 一、 / （七） / 7、, carries no fact).
    """
    at = key.find(heading) if heading else -1
    if at < 0:
        return key
    return key[at + len(heading) :].lstrip("：:")


def summary(report: CoverageReport) -> Tuple[int, int, float]:
    return report.covered_lines, report.content_lines, report.ratio
