"""Run the development set against the running REST channel and print accuracy tables.

A case passes when the reply to its last turn contains every expected fact (whitespace-insensitive),
names the expected region (for KB answers), and, for answers without facts, carries the marker of
the expected kind of reply (declined, not stated in the guide, greeting, ...).

Usage: python scripts/eval_dev.py [--url http://localhost:5005] [--cases tests/dev/dev_set.yml]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

REGION_NAMES = {
    "chenzhou": "郴州市",
    "hunan": "湖南省",
    "yunnan": "云南省",
    "xianan": "咸安区",
    "guizhou": "贵州省",
}

#: What a reply of each non-KB kind must contain.
MARKERS = {
    "out_of_scope": "不在医保经办服务范围",
    "greet": "您好",
    "goodbye": "再见",
    "thanks": "不客气",
    "bot_challenge": "机器人",
    "affirm": "好的",
    "deny": "好的",
    "human_handoff": "人工咨询",
    "status_lookup": "申请编号",
    "enrollment_lookup": "身份证号码",
}
NOT_STATED = "没有写明"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def send(url: str, sender: str, message: str) -> Tuple[str, float]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        replies = json.loads(response.read().decode())
    elapsed = time.perf_counter() - started
    text = "\n".join(
        (r.get("text") or "") + "".join(f"\n[{b.get('title')}]" for b in r.get("buttons") or []) for r in replies
    )
    return text, elapsed


def check(case: dict, reply: str) -> List[str]:
    """Reasons the reply fails the case (empty when it passes)."""
    expect = case["expect"]
    aspect = expect.get("aspect")
    flat = squash(reply)
    problems = [f"missing fact “{f}”" for f in expect.get("facts") or [] if squash(f) not in flat]
    region = expect.get("region")
    if region and aspect not in MARKERS and REGION_NAMES[region] not in reply:
        problems.append(f"region {REGION_NAMES[region]} not named")
    if aspect in MARKERS and MARKERS[aspect] not in reply:
        problems.append(f"no “{MARKERS[aspect]}” ({aspect})")
    if aspect and aspect.startswith("ask_") and not expect.get("facts") and NOT_STATED not in reply:
        if "指南未列出具体电话" not in reply:
            problems.append("no fact expected but the reply does not say the guide is silent")
    if aspect and aspect.startswith("ask_") and "来源" not in reply:
        problems.append("no source")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--cases", default=str(Path(__file__).resolve().parents[1] / "tests/dev/dev_set.yml"))
    parser.add_argument("--show", type=int, default=15, help="failures to print")
    args = parser.parse_args()
    cases = yaml.safe_load(Path(args.cases).read_text(encoding="utf-8"))["cases"]

    per: Dict[str, Dict[str, List[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    failures = []
    latencies: List[float] = []
    for case in cases:
        sender = f"eval-{case['id']}-{uuid.uuid4().hex[:6]}"
        reply = ""
        for turn in case["turns"]:
            reply, elapsed = send(args.url, sender, turn)
            latencies.append(elapsed)
        problems = check(case, reply)
        ok = not problems
        expect = case["expect"]
        for table, key in (
            ("region", expect.get("region") or "—"),
            ("aspect", expect.get("aspect") or "—"),
            ("item", str(expect.get("item") or "—")),
            ("persona", case.get("persona") or "—"),
            ("turns", "multi-turn" if len(case["turns"]) > 1 else "single"),
        ):
            per[table][key][0] += ok
            per[table][key][1] += 1
        if not ok:
            failures.append((case, reply, problems))

    passed = sum(1 for c in cases) - len(failures)
    print(f"overall: {passed}/{len(cases)} = {passed / len(cases):.1%} answered with every required fact")
    for table in ("region", "aspect", "persona", "turns", "item"):
        print(f"\nby {table}:")
        for key, (good, total) in sorted(per[table].items()):
            print(f"  {key:<28} {good:>4}/{total:<4} {good / total:.0%}")
    latencies.sort()
    if latencies:
        print(
            f"\nREST round trips: {len(latencies)}, median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms"
        )
    for case, reply, problems in failures[: args.show]:
        print(f"\n✗ {case['id']} {case['turns']}: {'; '.join(problems)}\n  → {reply[:300]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
