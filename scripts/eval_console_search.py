#!/usr/bin/env python
"""How often the staff console's search lists the caller's item in its top 3.

Reads the frozen caller phrasings (tests/console/blind_callers.yml, written blind from the guides;
``--callers`` blind_callers_2.yml to blind_callers_4.yml are three more sets written later by other
helpers from the guides alone; ``--callers tests/console/dev_callers.yml`` for the development set,
which may be tuned on, and dev_callers_2.yml),
searches each with its region as the agent's filter, and prints the count and the search latency.
Failures are not printed unless asked (``--show``): the set is measured on, never tuned on.
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.kb_gateway import gateway  # noqa: E402
from knowledge.extract import norm  # noqa: E402
from web.console_service import search  # noqa: E402

CALLERS = ROOT / "tests" / "console" / "blind_callers.yml"
TOP = 3


def item_of(kb, region: str, label: str):
    """The KB item a label names as the guide prints it. A guide may print an item's name several
    ways — its 事项名称 line saying more than its heading ("城乡居民医疗救助对象手工（零星）报销"),
    less ("村（社区）卫生室门诊费用结算" for 辖区内村（社区）卫生室门诊费用结算), or with a typo the KB
    corrects ("个人账户-次性支取") — so after the exact names come the item whose name the label holds,
    the one item whose name holds the label, and a near-identical name."""
    keys = kb.item_keys(region)
    label = norm(label)  # full- and half-width brackets alike: "（零星）" is "(零星)"
    for key in keys:
        if any(label in (norm(r["name"]), norm(r.get("variant") or ""), norm(r.get("title") or "")) for r in kb.records(region, key)):
            return key
    held = [k for k in keys if norm(kb.item_name(k)) in label]
    if held:
        return max(held, key=lambda k: len(kb.item_name(k)))
    holds = [k for k in keys if label in norm(kb.item_name(k))]
    if len(holds) == 1:
        return holds[0]
    names = {norm(kb.item_name(k)): k for k in keys}
    close = difflib.get_close_matches(label, list(names), n=1, cutoff=0.9)
    return names[close[0]] if close else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the misses (not while tuning)")
    parser.add_argument("--no-region", action="store_true", help="search all regions (no filter)")
    parser.add_argument("--callers", type=Path, default=CALLERS, help="another set (the development set)")
    args = parser.parse_args()
    callers = yaml.safe_load(args.callers.read_text(encoding="utf-8"))["callers"]
    kb = gateway()
    kb.warm_up()
    # a label the KB cannot resolve is a fault of the set (or the KB), not a miss of the search
    unresolved = [f"{c['id']} {c['region']} “{c['item']}”" for c in callers if item_of(kb, c["region"], c["item"]) is None]
    if unresolved:
        print("labels naming no item of their region:\n  " + "\n  ".join(unresolved))
        return 2
    hits, times = 0, []
    for case in callers:
        started = time.perf_counter()
        rows = search(kb, case["words"], None if args.no_region else case["region"])
        times.append((time.perf_counter() - started) * 1000)
        top = [r["key"] for r in rows if r["region_key"] == case["region"]][:TOP]
        ok = item_of(kb, case["region"], case["item"]) in top
        hits += ok
        if args.show and not ok:
            print(f"✗ {case['id']} {case['words']} → {[kb.item_name(k) for k in top]} (expected {case['item']})")
    print(f"top-{TOP}: {hits}/{len(callers)} caller phrasings found their item "
          f"({'all regions' if args.no_region else 'region filter'})")
    print(f"search latency: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms over {len(times)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
