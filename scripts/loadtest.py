#!/usr/bin/env python
"""A bounded load test of the scaled topology (``make loadtest``), on loopback only.

Starts the scaled topology on ports and databases of its own (``scripts/topology.py``), then 50
simulated users (``scripts/loadgen.py``) send 10,000 KB questions in all, each user its next question
when the last reply came. Reports messages, errors, replies that went to the wrong user, messages/s
and latency p50/p95/p99; stops by itself (a deadline, then the servers). Exit status 0 only for
every message answered, no error and no misrouted reply.

Usage: python scripts/loadtest.py [--users 50] [--messages 10000] [--deadline 1200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
from topology import Topology  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--deadline", type=float, default=1200, help="seconds before the test gives up")
    args = parser.parse_args()
    per_user = -(-args.messages // args.users)
    print(f"starting the scaled topology for {args.users} users × {per_user} messages (loopback only) …", flush=True)
    top = Topology("loadtest")
    try:
        before = loadgen.cpu_seconds()
        try:
            result = asyncio.run(asyncio.wait_for(loadgen.run_users(top.url, args.users, per_user, "loadtest"),
                                                  args.deadline))
        except asyncio.TimeoutError:
            print(f"FAILED: not done within {args.deadline:.0f} s")
            return 1
        after = loadgen.cpu_seconds()
        memory = loadgen.memory_line()
    finally:
        top.stop()
    lat = result.latencies_ms
    print(f"messages {result.messages} from {args.users} users in {result.seconds:.0f} s "
          f"({result.per_second:.1f} msg/s); errors {len(result.errors)}; misrouted replies {len(result.misrouted)}; "
          f"稍后再试 {result.retry_later}")
    if lat:
        print(f"latency p50 {statistics.median(lat):.0f} ms, p95 {loadgen.pct(lat, 0.95):.0f} ms, "
              f"p99 {loadgen.pct(lat, 0.99):.0f} ms, max {max(lat):.0f} ms")
    print(loadgen.cpu_line(before, after, result.messages, result.seconds))
    print(memory)
    for problem in (result.errors + result.misrouted)[:10]:
        print(f"  {problem}")
    ok = result.messages >= args.messages and not result.errors and not result.misrouted
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
