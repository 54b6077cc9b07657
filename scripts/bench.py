"""Speed figures for the assistant, measured on this machine.

1. NLU parse in-process: the newest model loaded once with ``Agent.load``, then every development
   question parsed once (warm-up excluded); median and p95.
2. REST round trip for a KB answer: the action server and Rasa started on spare ports (SQLite
   tracker store in a temp folder), then single-turn KB questions with their region, sequentially
   from one client; median and p95. Then one conversation of 200 such turns from one sender:
   median and p95 at turns 1–10 and at turns 191–200 (does a turn cost more as it grows?).
3. The answer engine's retrieval in-process (``knowledge/search.py``): index build time, then every
   development question searched in each region; median and p95 per query.
4. The last full ``rasa train`` time, as recorded by scripts/train-if-stale.

Usage: python scripts/bench.py [--n 200] [--skip-rest]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import List

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the model names our components by module path


def pct(values: List[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def questions(n: int) -> List[str]:
    cases = yaml.safe_load((ROOT / "tests/dev/dev_set.yml").read_text(encoding="utf-8"))["cases"]
    kb = [c["turns"][0] for c in cases if c["expect"].get("item") and len(c["turns"]) == 1]
    return (kb * (n // max(1, len(kb)) + 1))[:n]


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no model in models/: run `make train` first")
    return models[-1]


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
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as resp:
        json.loads(resp.read())
    return (time.perf_counter() - started) * 1000


def bench_rest(texts: List[str]) -> List[float]:
    tmp = tempfile.mkdtemp(prefix="bench-")
    env = dict(
        os.environ,
        ACTION_PORT="15155",
        RASA_PORT="15105",
        ACTION_ENDPOINT_URL="http://127.0.0.1:15155/webhook",
        TRACKER_DB=f"{tmp}/tracker.sqlite3",
    )
    proc = subprocess.Popen(
        [str(ROOT / "scripts/run-assistant")], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("ready"):
                break
            if proc.poll() is not None:
                sys.exit("servers failed to start: see logs/")
        url = "http://127.0.0.1:15105/webhooks/rest/webhook"
        for t in texts[:5]:
            post(url, "bench-warm", t + " 郴州")
        out = []
        for i, t in enumerate(texts):
            region = ["郴州", "长沙", "昆明", "咸安", "都匀"][i % 5]
            out.append(post(url, f"bench-{i}", f"{region}{t}"))
        long_conversation(url, texts)
        return out
    finally:
        os.killpg(proc.pid, 2)
        proc.wait(timeout=30)


#: The turns of one long conversation whose cost is compared (issue 12: flat per-turn cost).
EARLY, LATE, TURNS = range(0, 10), range(190, 200), 200


def long_conversation(url: str, texts: List[str]) -> None:
    """One conversation of 200 KB questions from one sender: does a turn cost more as it grows?"""
    times = []
    for turn in range(TURNS):
        region = ["郴州", "长沙", "昆明", "咸安", "都匀"][turn % 5]
        times.append(post(url, "bench-long-conversation", f"{region}{texts[turn % len(texts)]}"))
    early, late = [times[i] for i in EARLY], [times[i] for i in LATE]
    print(f"one conversation of {TURNS} turns: turns 1–10 median {statistics.median(early):.0f} ms, "
          f"p95 {pct(early, 0.95):.0f} ms; turns 191–200 median {statistics.median(late):.0f} ms, "
          f"p95 {pct(late, 0.95):.0f} ms ({statistics.median(late) / statistics.median(early):.2f}×)")


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
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    texts = questions(args.n)
    model = newest_model()
    nlu = bench_nlu(model, texts)
    print(f"NLU parse in-process ({len(nlu)} messages, {model.name}): median {statistics.median(nlu):.1f} ms, p95 {pct(nlu, 0.95):.1f} ms")
    search = bench_search(texts)
    print(f"answer engine rank_items in-process ({len(search)} queries): median {statistics.median(search):.2f} ms, p95 {pct(search, 0.95):.2f} ms")
    if not args.skip_rest:
        rest = bench_rest(texts)
        print(f"REST round trip, KB answers ({len(rest)} requests, one client): median {statistics.median(rest):.0f} ms, p95 {pct(rest, 0.95):.0f} ms")
    seconds = ROOT / "models/.train_seconds"
    if seconds.exists():
        print(f"last full rasa train: {seconds.read_text().strip()} s (scripts/train-if-stale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
