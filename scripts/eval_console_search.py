#!/usr/bin/env python
"""How often the staff console's search lists the caller's item in its top 3.

Reads the frozen caller phrasings (tests/console/blind_callers.yml, written blind from the guides),
searches each with its region as the agent's filter, and prints the count and the search latency.
Failures are not printed unless asked (``--show``): the set is measured on, never tuned on.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.kb_gateway import gateway  # noqa: E402
from web.console_service import search  # noqa: E402

CALLERS = ROOT / "tests" / "console" / "blind_callers.yml"
TOP = 3


def found(rows, item: str) -> bool:
    """Whether the expected item (as the guide prints its name) is one of ``rows``."""
    return any(item == r["name"] or item in r["variants"] for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the misses (not while tuning)")
    parser.add_argument("--no-region", action="store_true", help="search all regions (no filter)")
    args = parser.parse_args()
    callers = yaml.safe_load(CALLERS.read_text(encoding="utf-8"))["callers"]
    kb = gateway()
    kb.warm_up()
    hits, times = 0, []
    for case in callers:
        started = time.perf_counter()
        rows = search(kb, case["words"], None if args.no_region else case["region"])
        times.append((time.perf_counter() - started) * 1000)
        top = [r for r in rows if r["region_key"] == case["region"]][:TOP]
        ok = found(top, case["item"])
        hits += ok
        if args.show and not ok:
            print(f"✗ {case['id']} {case['words']} → {[r['name'] for r in top]} (expected {case['item']})")
    print(f"top-{TOP}: {hits}/{len(callers)} caller phrasings found their item "
          f"({'all regions' if args.no_region else 'region filter'})")
    print(f"search latency: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms over {len(times)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
