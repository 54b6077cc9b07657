#!/usr/bin/env python3
"""Play the attacker against a running assistant: guess a lookup's second factor, rotating sender ids.

For one target (an application number or an ID number) the script sends, from a new sender id each
time, "查申请进度" → the target → a guessed phone tail, and counts how many guesses the assistant
actually checked before it refused. Loopback only, bounded by ``--max-guesses`` and ``--max-seconds``.

    .venv/bin/python scripts/probe_lookups.py --target YBCZ202611030012 --max-guesses 30

Prints one JSON object: guesses checked, the first refusal, requests sent, requests per second.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from typing import List, Optional
from urllib.parse import urlparse

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class ProbeResult:
    """What the attacker got: how many guesses were checked before the lock, and at what rate."""

    checked: int = 0
    refused_at: Optional[int] = None
    disclosed: bool = False
    requests: int = 0
    seconds: float = 0.0
    replies: List[str] = field(default_factory=list)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _say(url: str, sender: str, message: str) -> str:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return "\n".join(m.get("text") or "" for m in json.loads(resp.read()))
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code}"


def probe(url: str, target: str, guesses: List[str], max_seconds: float = 300.0, start: str = "查申请进度") -> ProbeResult:
    """Try each guess from a fresh sender id; stop at the first refusal, a disclosure or the time limit."""
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to probe {host}: loopback only")
    result = ProbeResult()
    began = time.monotonic()
    for i, guess in enumerate(guesses):
        if time.monotonic() - began > max_seconds:
            break
        sender = f"probe-{uuid.uuid4().hex[:12]}"
        for message in (start, target):
            _say(url, sender, message)
        reply = _say(url, sender, guess)
        result.requests += 3
        result.replies.append(reply)
        if "信息核验未通过" in reply:
            result.checked += 1
        elif "锁定" in reply or "繁忙" in reply or "上限" in reply:
            result.refused_at = i
            break
        else:  # anything else is the status itself
            result.disclosed = True
            break
    result.seconds = time.monotonic() - began
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005/webhooks/rest/webhook")
    parser.add_argument("--target", required=True, help="application number or ID number to attack")
    parser.add_argument("--max-guesses", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args()
    guesses = [f"{n:04d}" for n in range(min(args.max_guesses, 10000))]
    result = probe(args.url, args.target, guesses, args.max_seconds)
    out = asdict(result)
    out.pop("replies")
    out["requests_per_second"] = round(result.requests_per_second, 1)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
