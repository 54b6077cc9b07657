"""Simulated users over REST, for ``scripts/bench.py`` and ``scripts/loadtest.py`` (loopback only).

Each user is one sender id with its own region: it asks the development set's single-turn KB questions
about that region one after another (the next when the reply came, as a person does), all users at once. Every reply
is checked to be this user's: addressed to its sender id, and not headed with another user's region
(a reply crossed between users would be).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: Each simulated user's region (the development set's region key) and the heading its answers carry.
REGIONS: Dict[str, str] = {"chenzhou": "郴州市", "hunan": "湖南省", "yunnan": "云南省", "xianan": "咸安区",
                           "guizhou": "贵州省"}
#: The channel's reply when the action server failed or was too slow: counted apart from errors.
RETRY_LATER = "稍后再试"


def kb_cases() -> List[Tuple[str, str]]:
    """(region, question) of the development set's single-turn KB questions, in the set's order."""
    cases = yaml.safe_load((ROOT / "tests/dev/dev_set.yml").read_text(encoding="utf-8"))["cases"]
    return [(c["expect"].get("region"), c["turns"][0]) for c in cases if c["expect"].get("item") and len(c["turns"]) == 1]


def kb_questions() -> Dict[str, List[str]]:
    """The development set's single-turn KB questions by the region they ask about."""
    found: Dict[str, List[str]] = {key: [] for key in REGIONS}
    for region, question in kb_cases():
        if region in found:
            found[region].append(question)
    return found


#: Which process is which part of the topology, by its command line (the client is this process).
PARTS = [("rasa", "rasa run"), ("actions", "bot.action_server"), ("nginx", "nginx"), ("postgresql", "postgres"),
         ("redis", "redis-server"), ("web", "web serve")]


def _parts() -> Dict[int, str]:
    """pid → part, for every process of the topology running now."""
    found: Dict[int, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        part = "client" if int(proc.name) == os.getpid() else next((p for p, word in PARTS if word in cmdline), None)
        if part:
            found[int(proc.name)] = part
    return found


def memory_line() -> str:
    """Resident memory of each replica process (the largest of each part), in MB."""
    largest: Dict[str, float] = {}
    for pid, part in _parts().items():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        largest[part] = max(largest.get(part, 0.0), kb / 1024)
    shown = ", ".join(f"{part} {largest[part]:.0f}" for part in ("rasa", "actions", "web") if part in largest)
    return f"   resident memory per process: {shown} MB"


def cpu_seconds() -> Dict[str, float]:
    """CPU seconds used so far by each part of the topology (all its processes), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used: Dict[str, float] = {}
    for pid, part in _parts().items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        used[part] = used.get(part, 0.0) + (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return used


def cpu_line(before: Dict[str, float], after: Dict[str, float], messages: int, seconds: float) -> str:
    """CPU milliseconds per message by part, and what the machine's cores allow at that cost."""
    per = {part: (after.get(part, 0.0) - before.get(part, 0.0)) * 1000 / max(1, messages) for part in after}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    parts = ", ".join(f"{part} {ms:.1f}" for part, ms in sorted(per.items(), key=lambda kv: -kv[1]) if ms >= 0.05)
    return (f"   CPU per message: {parts} ms (total {total:.1f} ms; the cores were busy "
            f"{total * messages / 1000 / seconds / cores:.0%}; {cores} cores at this cost allow "
            f"{cores * 1000 / total:.0f} msg/s)")


def cycle(texts: Sequence[str], start: int, n: int) -> List[str]:
    return [texts[(start + i) % len(texts)] for i in range(n)]


def pct(values: Sequence[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


@dataclass
class Result:
    latencies_ms: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    misrouted: List[str] = field(default_factory=list)
    retry_later: int = 0
    seconds: float = 0.0

    @property
    def messages(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def line(self, label: str) -> str:
        lat = self.latencies_ms
        return (f"{label}: {self.messages} messages in {self.seconds:.1f} s = {self.per_second:.1f} msg/s; "
                f"latency median {statistics.median(lat) if lat else float('nan'):.0f} ms, p95 {pct(lat, 0.95):.0f} ms, "
                f"p99 {pct(lat, 0.99):.0f} ms; errors {len(self.errors)}, misrouted {len(self.misrouted)}, "
                f"稍后再试 {self.retry_later}")


async def ask(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Tuple[float, object]:
    started = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as resp:
        body = await resp.json(content_type=None) if resp.status == 200 else f"HTTP {resp.status}"
    return (time.perf_counter() - started) * 1000, body


def reply_text(body: List[Dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in body)


def check(body: List[Dict[str, Any]], sender: str, region_heading: str) -> Optional[str]:
    """None when the reply (a non-empty list of messages) is this user's; otherwise what is wrong."""
    if any(m.get("recipient_id") != sender for m in body):
        return "addressed to another sender"
    text = reply_text(body)
    others = [h for h in REGIONS.values() if h != region_heading and f"【{h}" in text]
    if others and f"【{region_heading}" not in text:
        return f"answers for {others[0]}"
    return None


async def user(session: aiohttp.ClientSession, url: str, sender: str, heading: str,
               texts: Sequence[str], result: Result) -> None:
    for text in texts:
        try:
            ms, body = await ask(session, url, sender, text)
        except Exception as exc:  # a refused or dropped connection is an error, not a crash of the test
            result.errors.append(f"{sender}: {exc.__class__.__name__}")
            continue
        if not isinstance(body, list) or not body:  # an HTTP error, or no message at all
            result.errors.append(f"{sender}: {body or 'no reply'}")
            continue
        result.latencies_ms.append(ms)
        wrong = check(body, sender, heading)
        if wrong:
            result.misrouted.append(f"{sender}: {wrong}")
        elif RETRY_LATER in reply_text(body):
            result.retry_later += 1


async def run_users(url: str, users: int, per_user: int, tag: str, timeout: float = 60.0) -> Result:
    """``users`` users at once, ``per_user`` questions each; senders are ``{tag}-{n}``."""
    questions = kb_questions()
    regions = list(REGIONS)
    result = Result()
    connector = aiohttp.TCPConnector(limit=users + 4)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(
            user(session, url, f"{tag}-{n}", REGIONS[regions[n % len(regions)]],
                 cycle(questions[regions[n % len(regions)]], n * 7, per_user), result)
            for n in range(users)
        ))
        result.seconds = time.perf_counter() - started
    return result


if __name__ == "__main__":  # quick manual runs: python scripts/loadgen.py URL USERS PER_USER
    import sys

    url, users, per_user = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(asyncio.run(run_users(url, users, per_user, "manual")).line(f"{users} users"))
