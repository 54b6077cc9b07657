"""An editor's change reaches the running assistant's answers within 2 seconds, over REST, without
restarting Rasa or the action server and without training: proposed, refused to its proposer,
approved by a reviewer, published, answered, reverted. The measured time is written to
tests/e2e/generated/publish-to-answer.txt."""

from __future__ import annotations

import subprocess
import sys
import json
import random
import string
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, say, text

pytestmark = pytest.mark.slow

QUESTION = "郴州异地安置退休人员备案要多久能办好"
GUIDE_LIMIT, NEW_LIMIT = "线上不超过2个工作日", "线上不超过1个工作日"
PASSWORD = "a-long-enough-password"
OUT = Path(__file__).resolve().parent / "generated" / "publish-to-answer.txt"


def run(server, *args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=server["env"], input=stdin, capture_output=True,
                          text=True, timeout=120)


def knowledge(server, *args) -> subprocess.CompletedProcess:
    return run(server, "-m", "knowledge", *args)


def first_answer_with(server, words: str, seconds: float) -> float:
    """Ask until the answer holds ``words``; the seconds it took (or fail after ``seconds``)."""
    started = time.perf_counter()
    while True:  # a new conversation each time (letters only: a digit run could read as a phone number)
        reply = text(say(server, "editorial-" + "".join(random.choices(string.ascii_lowercase, k=12)), QUESTION))
        elapsed = time.perf_counter() - started
        if words in reply:
            return elapsed
        assert elapsed < seconds, f"not in the answer after {elapsed:.2f} s: {reply}"
        time.sleep(0.05)


def test_a_published_change_is_in_the_bots_answer_within_two_seconds_and_a_revert_takes_it_back(server):
    for name, role in (("e2e-editor", "editor"), ("e2e-reviewer", "reviewer"), ("e2e-admin", "admin")):
        assert run(server, "-m", "web", "users", "add", name, "--role", role, stdin=PASSWORD + "\n").returncode == 0
    before = text(say(server, "editorial-before", QUESTION))
    assert GUIDE_LIMIT in before and "来源：《郴州市医保经办政务服务事项办事指南》" in before
    proposed = knowledge(server, "propose", "--region", "郴州", "--code", "002036004001", "--field", "time_limit",
                         "--text", f"{NEW_LIMIT}，线下即时办结。", "--by", "e2e-admin", "--reason", "e2e：时限缩短")
    assert proposed.returncode == 0, proposed.stderr
    change = proposed.stdout.strip()
    self_review = knowledge(server, "review", change, "--approve", "--by", "e2e-admin")
    assert self_review.returncode == 2 and "须由另一位审核人审核" in self_review.stderr
    wrong_role = knowledge(server, "publish", "--by", "e2e-editor")
    assert wrong_role.returncode == 2 and "没有发布的权限" in wrong_role.stderr
    assert knowledge(server, "review", change, "--approve", "--by", "e2e-reviewer").returncode == 0
    assert GUIDE_LIMIT in text(say(server, "editorial-approved", QUESTION))  # approved is not yet live
    assert knowledge(server, "publish", "--by", "e2e-reviewer").returncode == 0
    live_after = first_answer_with(server, NEW_LIMIT, 2.0)
    after = text(say(server, "editorial-after", QUESTION))
    assert f"医保部门{time.strftime('%Y-%m-%d', time.localtime())}更新（修改#{change}）" in after, after
    # reverted the same reviewed way: the guide's text and its lines come back
    undo = knowledge(server, "revert", change, "--by", "e2e-editor", "--reason", "e2e：恢复").stdout.strip()
    assert knowledge(server, "review", undo, "--approve", "--by", "e2e-reviewer").returncode == 0
    assert knowledge(server, "publish", "--by", "e2e-reviewer").returncode == 0
    back_after = first_answer_with(server, GUIDE_LIMIT, 2.0)
    mine = {int(change), int(undo)}  # (other tests of the session change other records)
    history = [r for r in json.loads(knowledge(server, "history", "--json").stdout) if r["change"] in mine]
    assert [(r["who"], r["action"]) for r in history] == [
        ("e2e-admin", "propose"), ("e2e-reviewer", "approve"), ("e2e-reviewer", "publish"),
        ("e2e-editor", "revert"), ("e2e-reviewer", "approve"), ("e2e-reviewer", "publish")]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(f"publish → answer over REST: {live_after:.2f} s; revert publish → answer: {back_after:.2f} s\n",
                   encoding="utf-8")
