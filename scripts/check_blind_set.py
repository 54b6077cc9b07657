#!/usr/bin/env python3
"""Check the blind test set against the guides: schema, verbatim facts, coverage, and the fixed split.

Every fact of every case must appear verbatim in the guide the file names (whitespace and line
breaks ignored), inside the case's cited line range. Prints counts per region, persona, aspect and
split; exits 1 on any problem. Needs only the standard library and PyYAML.

    python scripts/check_blind_set.py [--seeds ../shared/seeds] [tests/blind/*.yml]

The split is fixed: a case is *frozen* when sha256("blind-split-2026:" + id) mod 100 < 60, else
*tune*. Nobody reads frozen failures while tuning (``make eval`` prints frozen figures only).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("chenzhou", "hunan", "yunnan", "xianan", "guizhou")
PERSONAS = ("resident", "agent", "village")
ASPECTS = (
    "ask_materials",
    "ask_process",
    "ask_time_limit",
    "ask_channel",
    "ask_eligibility",
    "ask_contact",
    "ask_legal_basis",
    "ask_forms",
    "ask_fees",
    "status_lookup",
)
KINDS = ("kb", "out_of_scope")
SPLIT_SEED = "blind-split-2026:"


def split_of(case_id: str) -> str:
    """``frozen`` (60 %) or ``tune`` (40 %), fixed by the case id."""
    digest = hashlib.sha256((SPLIT_SEED + case_id).encode("utf-8")).hexdigest()
    return "frozen" if int(digest, 16) % 100 < 60 else "tune"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def load_cases(paths: List[Path]) -> List[dict]:
    """All cases of the given files, each with its file's region and guide added."""
    cases = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data.get("cases") or []:
            cases.append(dict(case, region=case.get("region") or data.get("region"), guide=data.get("guide"), file=path.name))
    return cases


def problems_of(case: dict, guides: Dict[str, List[str]]) -> List[str]:
    out = []
    cid = case.get("id") or "?"
    kind = case.get("kind", "kb")
    turns = case.get("turns")
    if kind not in KINDS:
        out.append(f"{cid}: kind {kind!r} not in {KINDS}")
    if case.get("persona") not in PERSONAS:
        out.append(f"{cid}: persona {case.get('persona')!r} not in {PERSONAS}")
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns) or len(turns) > 3:
        out.append(f"{cid}: turns must be a list of 1–3 non-empty strings")
    if kind == "out_of_scope":
        return out
    if case.get("region") not in REGIONS:
        out.append(f"{cid}: region {case.get('region')!r} not in {REGIONS}")
    aspects = case.get("aspects") or []
    if not aspects or any(a not in ASPECTS for a in aspects):
        out.append(f"{cid}: aspects {aspects!r} must be a non-empty list from {ASPECTS}")
    if not case.get("family"):
        out.append(f"{cid}: family (the item as the guide names it) is missing")
    facts = case.get("facts")
    if not isinstance(facts, list) or not facts:
        out.append(f"{cid}: facts must be a non-empty list of verbatim guide snippets")
        return out
    lines = guides.get(case.get("guide") or "")
    if lines is None:
        out.append(f"{cid}: guide {case.get('guide')!r} not found")
        return out
    m = re.fullmatch(r"(\d+)-(\d+)", str(case.get("source") or ""))
    if not m:
        out.append(f"{cid}: source must be 'START-END' line numbers (1-based) in {case.get('guide')}")
        return out
    start, end = int(m[1]), int(m[2])
    if not 1 <= start <= end <= len(lines) or end - start > 150:
        out.append(f"{cid}: source {start}-{end} is outside the guide or wider than 150 lines")
        return out
    window = squash("".join(lines[start - 1 : end]))
    whole = squash("".join(lines))
    for fact in facts:
        f = squash(str(fact))
        if len(f) < 2:
            out.append(f"{cid}: fact {fact!r} is too short to mean anything")
        elif f not in whole:
            out.append(f"{cid}: fact {fact!r} is not verbatim in {case['guide']}")
        elif f not in window:
            out.append(f"{cid}: fact {fact!r} is in the guide but not in lines {start}-{end}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "tests" / "blind").glob("*.yml"))
    guides = {p.name: p.read_text(encoding="utf-8").splitlines(keepends=True) for p in args.seeds.glob("*.txt")}
    cases = load_cases(files)
    problems = [p for case in cases for p in problems_of(case, guides)]
    ids = Counter(c.get("id") for c in cases)
    problems += [f"{cid}: id used {n} times" for cid, n in ids.items() if n > 1]
    counts: Dict[str, Counter] = {k: Counter() for k in ("region", "persona", "aspect", "split", "kind", "turns")}
    for c in cases:
        counts["region"][c.get("region") if c.get("kind", "kb") == "kb" else "—"] += 1
        counts["persona"][c.get("persona")] += 1
        for a in c.get("aspects") or ["—"]:
            counts["aspect"][a] += 1
        counts["split"][split_of(str(c.get("id")))] += 1
        counts["kind"][c.get("kind", "kb")] += 1
        counts["turns"][len(c.get("turns") or [])] += 1
    print(f"{len(cases)} cases in {len(files)} files")
    for name, counter in counts.items():
        print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in sorted(counter.items(), key=lambda kv: str(kv[0]))))
    for p in problems:
        print("✗", p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
