"""Typos are fixed only through corrections.yml, on the named line, and a stale entry fails loudly."""

import pytest

from knowledge.corrections import Correction, CorrectionError, apply_corrections, load_corrections
from knowledge.manifest import load_manifest
from knowledge.parsers.base import read_lines


def test_correction_applies_to_its_line_only():
    lines = [(1, "零屋报销"), (2, "零屋报销")]
    fix = Correction("a.txt", 2, "零屋", "零星", "OCR")
    assert apply_corrections("a.txt", lines, [fix]) == [(1, "零屋报销"), (2, "零星报销")]
    assert apply_corrections("b.txt", lines, [fix]) == lines


def test_correction_that_no_longer_fits_fails():
    with pytest.raises(CorrectionError):
        apply_corrections("a.txt", [(1, "零星报销")], [Correction("a.txt", 1, "零屋", "零星", "OCR")])
    with pytest.raises(CorrectionError):
        apply_corrections("a.txt", [(1, "x")], [Correction("a.txt", 9, "x", "y", "past the end")])


def test_every_reviewed_correction_fits_its_guide():
    manifest = load_manifest()
    corrections = load_corrections()
    files = {g.file for g in manifest.guides}
    for c in corrections:
        assert c.file in files, c
        assert c.reason.strip(), c
    for guide in manifest.guides:
        apply_corrections(guide.file, read_lines(guide.text()), corrections)  # raises when stale


def test_sources_are_verbatim_copies_of_the_seeds():
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"no seeds folder at {seeds}")
    for guide in load_manifest().guides:
        assert guide.path.read_bytes() == (seeds / guide.file).read_bytes(), guide.file
