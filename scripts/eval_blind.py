"""Score the running assistant on the blind test set: tune split in full, frozen split in figures only.

The blind set (``tests/blind/*.yml``) was written by writers who saw only the guides; see
``scripts/check_blind_set.py`` for its rules and the fixed 40/60 split. A KB case passes when the
reply to its last turn contains every fact (whitespace-insensitive), names the case's region and
gives a source; an out-of-scope case passes when the reply declines. Frozen failures are never
printed: nobody reads them while tuning (``--show`` applies to the tune split only).

Usage: python scripts/eval_blind.py [--url http://localhost:5005] [--split tune|frozen|all] [--batch 1|2|…|all] [--show 20]
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_blind_set import load_cases, split_of  # noqa: E402
from eval_dev import MARKERS, REGION_NAMES, send, squash  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from knowledge.corrections import load_corrections  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


#: The reviewed corrections (knowledge/corrections.yml) as (wrong, right): the KB holds the guide's
#: text with them applied, so a fact copied with a typo the bureau's reviewers corrected ("门（急）诊
#: 病例") is found in its corrected form ("门（急）诊病历") as well.
CORRECTED = [(squash(c.wrong), squash(c.right)) for c in load_corrections()]


def corrected(fact: str) -> str:
    for wrong, right in CORRECTED:
        fact = fact.replace(wrong, right)
    return fact


def batch_of(case: dict) -> str:
    """Which writing the case comes from: "N" for the files of the N-th (<region>-N.yml), else "1"."""
    m = re.search(r"-(\d+)\.yml$", str(case.get("file", "")))
    return m.group(1) if m else "1"


def check(case: dict, reply: str) -> List[str]:
    """Reasons the reply fails the case (empty when it passes)."""
    if case.get("kind") == "out_of_scope":
        return [] if MARKERS["out_of_scope"] in reply else ["not declined as out of scope"]
    flat = squash(reply)
    problems = [
        f"missing fact “{f}”" for f in case.get("facts") or []
        if squash(str(f)) not in flat and corrected(squash(str(f))) not in flat
    ]
    if REGION_NAMES[case["region"]] not in reply:
        problems.append(f"region {REGION_NAMES[case['region']]} not named")
    if "来源" not in reply:
        problems.append("no source")
    return problems


def run(url: str, cases: List[dict]) -> List[Tuple[dict, str, List[str]]]:
    results = []
    for case in cases:
        sender = f"blind-{case['id']}-{uuid.uuid4().hex[:6]}"
        reply = ""
        for turn in case["turns"]:
            reply, _ = send(url, sender, turn)
        results.append((case, reply, check(case, reply)))
    return results


def report(name: str, results: List[Tuple[dict, str, List[str]]], show: int) -> None:
    per: Dict[str, Dict[str, List[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for case, _, problems in results:
        ok = not problems
        oos = case.get("kind") == "out_of_scope"
        keys = (
            ("region", "out_of_scope" if oos else case["region"]),
            ("persona", case.get("persona") or "—"),
            ("aspect", "out_of_scope" if oos else "+".join(case.get("aspects") or [])),
            ("turns", "multi-turn" if len(case["turns"]) > 1 else "single"),
        )
        for table, key in keys:
            per[table][key][0] += ok
            per[table][key][1] += 1
    passed = sum(1 for _, _, p in results if not p)
    total = len(results) or 1
    print(f"\n== {name}: {passed}/{len(results)} = {passed / total:.1%} answered with every required fact")
    for table in ("region", "persona", "aspect", "turns"):
        print(f"  by {table}:")
        for key, (good, count) in sorted(per[table].items()):
            print(f"    {key:<40} {good:>4}/{count:<4} {good / count:.0%}")
    for case, reply, problems in [r for r in results if r[2]][:show]:
        print(f"\n✗ {case['id']} {case['turns']}: {'; '.join(problems)}\n  → {reply[:400]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--split", choices=("tune", "frozen", "all"), default="all")
    parser.add_argument("--show", type=int, default=20, help="tune-split failures to print")
    parser.add_argument("--batch", default="all",
                        help="one writing: 1 (tests/blind/<region>.yml) or N, written later by new writers (<region>-N.yml)")
    args = parser.parse_args()
    cases = load_cases(sorted((ROOT / "tests" / "blind").glob("*.yml")))
    if args.batch != "all":
        cases = [c for c in cases if batch_of(c) == args.batch]
    if not cases:
        print("no blind test set in tests/blind/")
        return 1
    for split in ("tune", "frozen"):
        if args.split in (split, "all"):
            chosen = [c for c in cases if split_of(str(c["id"])) == split]
            report(f"blind {split} split", run(args.url, chosen), args.show if split == "tune" else 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
