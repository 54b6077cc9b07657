"""Speed figures for the assistant, measured on this machine.

1. NLU parse in-process: the newest model loaded once with ``Agent.load``, then every development
   question parsed once (warm-up excluded); median and p95.
2. Over REST, for each topology started on spare ports of its own (``scripts/topology.py``): the
   default (``make run``: one Rasa, one action server, SQLite) and the scaled one (``make run-scaled``:
   PostgreSQL tracker, Redis locks and channel state, two Rasa and two action-server replicas behind
   nginx):
   - single-turn KB questions with their region, one client, one after another: median and p95;
   - one conversation of 200 such turns from one sender: median and p95 at turns 1–10 and 191–200;
   - 1, 8 and 32 simulated users at once (``scripts/loadgen.py``): messages/s, median, p95, p99,
     errors and replies that went to the wrong user; at 32 users the CPU each part used per message;
   - the delay a maximum-size message (a 16 KB body) adds to another user's short question.
   Then the issue's targets beside what this run measured.
3. The answer engine's retrieval in-process (``knowledge/search.py``): index build time, then every
   development question searched in each region; median and p95 per query.
4. The last full ``rasa train`` time, as recorded by scripts/train-if-stale.

Usage: python scripts/bench.py [--n 200] [--skip-rest] [--topology default scaled]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Dict, List


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the model names our components by module path
sys.path.insert(0, str(ROOT / "scripts"))

import loadgen  # noqa: E402
from loadgen import pct  # noqa: E402
from topology import Topology, newest_model  # noqa: E402


def questions(n: int) -> List[str]:
    kb = [question for _, question in loadgen.kb_cases()]
    return (kb * (n // max(1, len(kb)) + 1))[:n]


def bench_nlu(model: Path, texts: List[str]) -> List[float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def go() -> List[float]:
        for t in texts[:5]:
            await agent.parse_message(t)
        out = []
        for t in texts:
            started = time.perf_counter()
            await agent.parse_message(t)
            out.append((time.perf_counter() - started) * 1000)
        return out

    return asyncio.run(go())


def post(url: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message}, ensure_ascii=False).encode()  # UTF-8, as clients send
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as resp:
        json.loads(resp.read())
    return (time.perf_counter() - started) * 1000


#: Simulated users at once, and questions each asks, for messages/s and latency under load.
CONCURRENCY = [(1, 100), (8, 30), (32, 15)]


def bench_topology(name: str, texts: List[str], run: str) -> Dict[str, float]:
    """Every REST figure of one topology; returns the ones the verdicts compare."""
    print(f"\n== {name} topology")
    try:
        top = Topology(name)
    except RuntimeError as exc:
        print(f"skipped: {exc}")
        return {}
    figures: Dict[str, float] = {}
    try:
        for t in texts[:5]:
            post(top.url, f"{run}-warm", t)
        single = [post(top.url, f"{run}-single-{i}", t) for i, t in enumerate(texts)]
        figures["kb_median"] = statistics.median(single)
        print(f"REST round trip, KB answers ({len(single)} requests, one client): median "
              f"{statistics.median(single):.0f} ms, p95 {pct(single, 0.95):.0f} ms")
        figures["growth"] = long_conversation(top.url, texts, f"{run}-long")
        for users, each in CONCURRENCY:
            before = loadgen.cpu_seconds()
            result = asyncio.run(loadgen.run_users(top.url, users, each, f"{run}-c{users}"))
            figures[f"mps_{users}"] = result.per_second
            print(result.line(f"{users:>2} users at once"))
            if users == CONCURRENCY[-1][0]:
                print(loadgen.cpu_line(before, loadgen.cpu_seconds(), result.messages, result.seconds))
                print(loadgen.memory_line())
        large_message_delay(top.url, run)
    finally:
        top.stop()
    return figures


def large_message_delay(url: str, run: str) -> None:
    """How much a maximum-size message (a 16 KB body, cut by the channel) delays another user's
    short question: the short questions' median alone, then while someone sends large ones."""
    short = loadgen.kb_questions()["chenzhou"][:20]
    alone = [post(url, f"{run}-short-alone", q) for q in short]
    large = "我想问一下医保报销的事情，" * 400  # about 15,600 bytes: the largest body the channel takes
    stop = threading.Event()

    def sender() -> None:
        while not stop.is_set():
            post(url, f"{run}-large", large)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    time.sleep(0.5)
    beside = [post(url, f"{run}-short-beside", q) for q in short]
    stop.set()
    thread.join(timeout=30)
    print(f"a short question's median alone {statistics.median(alone):.0f} ms; while another user sends "
          f"maximum-size messages {statistics.median(beside):.0f} ms "
          f"(+{statistics.median(beside) - statistics.median(alone):.0f} ms)")


#: The turns of one long conversation whose cost is compared (issue 12: flat per-turn cost).
EARLY, LATE, TURNS = range(0, 10), range(190, 200), 200


def long_conversation(url: str, texts: List[str], sender: str) -> float:
    """One conversation of 200 KB questions from one sender: does a turn cost more as it grows?"""
    times = [post(url, sender, texts[turn % len(texts)]) for turn in range(TURNS)]
    early, late = [times[i] for i in EARLY], [times[i] for i in LATE]
    growth = statistics.median(late) / statistics.median(early)
    print(f"one conversation of {TURNS} turns: turns 1–10 median {statistics.median(early):.0f} ms, "
          f"p95 {pct(early, 0.95):.0f} ms; turns 191–200 median {statistics.median(late):.0f} ms, "
          f"p95 {pct(late, 0.95):.0f} ms ({growth:.2f}×)")
    return growth


def verdicts(figures: Dict[str, Dict[str, float]]) -> None:
    """The issue's targets, side by side with what was measured in this run."""
    default, scaled = figures.get("default") or {}, figures.get("scaled") or {}
    print("\n== targets")
    if default:
        print(f"default: turn 191–200 / turn 1–10 = {default['growth']:.2f}× (target ≤ 1.3×); "
              f"KB answer median {default['kb_median']:.0f} ms (target ≤ 40 ms)")
    if default and scaled:
        print(f"scaled: {scaled['mps_32']:.1f} msg/s at 32 users = {scaled['mps_32'] / default['mps_32']:.2f}× "
              f"the default's {default['mps_32']:.1f} (target ≥ 1.7×); turn growth {scaled['growth']:.2f}×")


def bench_search(texts: List[str]) -> List[float]:
    from knowledge.search import SearchEngine

    started = time.perf_counter()
    engine = SearchEngine.from_database()
    print(f"answer engine index: {engine.passage_count} passages, "
          f"built in {time.perf_counter() - started:.2f} s")
    for t in texts[:5]:
        engine.search(t, "hunan")
    out = []
    for t in texts:
        for region in engine.regions:
            began = time.perf_counter()
            engine.rank_items(t, region)
            out.append((time.perf_counter() - began) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--skip-rest", action="store_true")
    parser.add_argument("--topology", nargs="+", choices=["default", "scaled"], default=["default", "scaled"])
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    texts = questions(args.n)
    model = newest_model()
    nlu = bench_nlu(model, texts)
    print(f"NLU parse in-process ({len(nlu)} messages, {model.name}): median {statistics.median(nlu):.1f} ms, p95 {pct(nlu, 0.95):.1f} ms")
    search = bench_search(texts)
    print(f"answer engine rank_items in-process ({len(search)} queries): median {statistics.median(search):.2f} ms, p95 {pct(search, 0.95):.2f} ms")
    if not args.skip_rest:
        run = f"bench{int(time.time())}"  # sender ids of this run only: no conversation goes on from another run
        figures = {name: bench_topology(name, texts, run) for name in args.topology}
        verdicts(figures)
    seconds = ROOT / "models/.train_seconds"
    if seconds.exists():
        print(f"last full rasa train: {seconds.read_text().strip()} s (scripts/train-if-stale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
