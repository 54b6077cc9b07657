"""Reviewed typo fixes (knowledge/corrections.yml), applied to guide lines before parsing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

from knowledge.parsers.base import SourceLine

CORRECTIONS_PATH = Path(__file__).resolve().parent / "corrections.yml"


@dataclass(frozen=True)
class Correction:
    file: str
    line: int
    wrong: str
    right: str
    reason: str


class CorrectionError(ValueError):
    """A correction no longer fits its guide (the line changed): review it."""


def load_corrections(path: Path = CORRECTIONS_PATH) -> List[Correction]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result = []
    for c in data.get("corrections") or []:
        missing = {"file", "line", "wrong", "right", "reason"} - set(c)
        if missing:
            raise CorrectionError(f"correction {c} lacks {sorted(missing)}")
        if not str(c["reason"]).strip():
            raise CorrectionError(f"correction {c} gives no reason")
        result.append(Correction(str(c["file"]), int(c["line"]), str(c["wrong"]), str(c["right"]), str(c["reason"])))
    return result


def apply_corrections(
    file: str, lines: List[SourceLine], corrections: List[Correction]
) -> List[SourceLine]:
    """Lines of ``file`` with its corrections applied; line numbers never change.

    Raises:
        CorrectionError: when ``wrong`` does not occur exactly once on its line.
    """
    by_line: Dict[int, List[Correction]] = {}
    for c in corrections:
        if c.file == file:
            by_line.setdefault(c.line, []).append(c)
    if not by_line:
        return lines
    result = []
    for n, text in lines:
        for c in by_line.pop(n, []):
            count = text.count(c.wrong)
            if count != 1:
                raise CorrectionError(
                    f"{file}:{n}: expected “{c.wrong}” once, found it {count} times in “{text}”"
                )
            text = text.replace(c.wrong, c.right)
        result.append((n, text))
    if by_line:
        raise CorrectionError(f"{file}: corrections point past the end: lines {sorted(by_line)}")
    return result


def carry_over(corrections: List[Correction], old_file: str, old_lines: List[SourceLine], new_file: str,
               new_lines: List[SourceLine]) -> List[Correction]:
    """The reviewed fixes of ``old_file`` moved to a new edition (``new_file``): a line the new
    edition prints unchanged keeps its fix at its new line number; a changed line gets none (its
    new text is what the bureau issued, to be reviewed anew)."""
    old_text = dict(old_lines)
    where: Dict[str, List[int]] = {}
    for n, text in new_lines:
        where.setdefault(text, []).append(n)
    moved = []
    for c in corrections:
        if c.file != old_file or c.line not in old_text:
            continue
        for n in where.get(old_text[c.line], []):
            fix = Correction(new_file, n, c.wrong, c.right, c.reason)
            if fix not in moved:  # the same line printed twice in the old edition, fixed twice
                moved.append(fix)
    return moved
