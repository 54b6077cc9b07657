"""End to end: the scaled topology (``make run-scaled``) survives the failure of any one part.

PostgreSQL tracker, Redis locks and channel state, two Rasa and two action-server replicas behind
nginx, started on ports and databases of its own with the session's small-epoch model. Then:

- a Rasa replica killed mid-conversation: the next message, on the other replica, goes on with the
  same form; a half-finished lookup form survives the killed replica's restart;
- the action servers stopped (slow) or killed (down): "稍后再试" within 2 s, the message kept;
- PostgreSQL and Redis restarted: service resumes without restarting the bot.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import redis
from sqlalchemy import create_engine, text as sql

from bot.action_fallback import RETRY_LATER
from tests.e2e.conftest import ROOT, VENV, say, text
from tests.postgres import ADMIN_URL

sys.path.insert(0, str(ROOT / "scripts"))

from topology import TOPOLOGIES, Topology  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SPEC = TOPOLOGIES["faults"]
PREFIX = SPEC["env"]["SCALED_DB_PREFIX"]


def services_or_skip() -> None:
    try:
        create_engine(ADMIN_URL, connect_args={"connect_timeout": 3}).connect().close()
        redis.Redis(socket_timeout=2).ping()
    except Exception as exc:
        pytest.skip(f"the scaled topology needs PostgreSQL and Redis on loopback: {exc}".splitlines()[0])
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        pytest.skip("the scaled topology needs nginx (apt-get install nginx-light)")


def fresh_state() -> None:
    """This topology's databases dropped and its Redis databases emptied: each run starts clean."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for purpose in ("tracker", "kb", "casework", "staff"):
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{PREFIX}_{purpose}"'))
    admin.dispose()
    for db in (SPEC["env"]["LOCK_REDIS_DB"], SPEC["env"]["STATE_REDIS_DB"]):
        redis.Redis(db=int(db)).flushdb()


@pytest.fixture(scope="module")
def scaled(server):
    services_or_skip()
    fresh_state()
    # the e2e session's model, keys and lookup limits; its own ports, databases and Redis databases
    env = {name: server["env"][name] for name in ("PII_HMAC_KEY", "ACTION_SERVER_TOKEN", "LOOKUP_GLOBAL_FAILURES")}
    env["MODELS_DIR"] = str(server["models"])
    try:
        top = Topology("faults", **env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    run_env = dict(top.env, CASEWORK_DATABASE_URL=f"{ADMIN_URL.rsplit('/', 1)[0]}/{PREFIX}_casework")
    listed = subprocess.run([str(VENV / "bin/python"), "-m", "casework", "list", "--json"], cwd=ROOT, env=run_env,
                            check=True, capture_output=True, text=True).stdout
    yield {"url": top.url, "top": top, "demo": [json.loads(line) for line in listed.splitlines() if line.strip()]}
    top.stop()


def replicas(scaled) -> dict:
    return json.loads((scaled["top"].scaled_dir / "replicas.json").read_text())


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def kill(scaled, name: str, sig=signal.SIGKILL) -> int:
    pid = replicas(scaled)[name]["pid"]
    os.killpg(pid, sig)  # the replica and anything it started (each runs in a session of its own)
    return pid


def back(scaled, name: str, old_pid: int) -> None:
    """Wait until the topology has started ``name`` again and it answers its health check."""
    wait_until(lambda: replicas(scaled)[name]["pid"] != old_pid and healthy(replicas(scaled)[name]["health"]),
               180, f"{name} to be started again")


def tracker_texts(sender: str) -> list:
    engine = create_engine(f"{ADMIN_URL.rsplit('/', 1)[0]}/{PREFIX}_tracker")
    with engine.connect() as conn:
        rows = conn.execute(sql("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                            {"s": sender}).all()
    engine.dispose()
    return [json.loads(r[0]).get("text") for r in rows]


def row_with(scaled, status: str) -> dict:
    row = next((r for r in scaled["demo"] if r.get("status") == status), None)
    if row is None:
        pytest.skip(f"no demo case with status {status}")
    return row


def test_a_killed_replica_loses_neither_the_conversation_nor_a_half_finished_form(scaled):
    row = row_with(scaled, "审核")
    assert "申请编号" in text(say(scaled, "sf-1", "查一下我的申请办到哪了"))
    killed = kill(scaled, "rasa-1")
    # the next message reaches rasa-2: the form goes on where it was
    assert "后四位" in text(say(scaled, "sf-1", row["id_number"]))
    back(scaled, "rasa-1", killed)
    kill(scaled, "rasa-2")
    # the last answer of the form comes from the restarted rasa-1
    reply = text(say(scaled, "sf-1", row["phone_last4"]))
    assert row["number"] in reply and "审核" in reply and row["id_number"] not in reply


def test_slow_or_down_action_servers_get_a_retry_later_within_2_s_and_lose_nothing(scaled):
    question = "郴州生育津贴要什么材料"
    assert "【郴州市" in text(say(scaled, "sf-2", question))
    # slow: both action servers stopped (they accept the connection and never answer)
    pids = [replicas(scaled)[f"actions-{i}"]["pid"] for i in (1, 2)]
    for pid in pids:
        os.killpg(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        reply = text(say(scaled, "sf-2", "咸安住院报销要什么材料"))
        assert RETRY_LATER in reply and time.monotonic() - started < 2
    finally:
        for pid in pids:
            os.killpg(pid, signal.SIGCONT)
    # down: both killed (the topology starts them again)
    for name, pid in zip(("actions-1", "actions-2"), pids):
        kill(scaled, name)
    started = time.monotonic()
    reply = text(say(scaled, "sf-2", "昆明门诊慢特病要什么材料"))
    assert RETRY_LATER in reply and time.monotonic() - started < 2
    for name, pid in zip(("actions-1", "actions-2"), pids):
        back(scaled, name, pid)
    assert "【郴州市" in text(say(scaled, "sf-2", question))
    # nothing lost: every message is in the conversation, the ones answered 稍后再试 too
    assert tracker_texts("sf-2") == [question, "咸安住院报销要什么材料", "昆明门诊慢特病要什么材料", question]


def restart(command: list) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def postgres_restart_command() -> list:
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()
    if os.geteuid() != 0 or len(clusters) < 2:
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster (Debian's postgresql-common)")
    return ["pg_ctlcluster", clusters[0], clusters[1], "restart"]


def redis_restart_command() -> list:
    if os.geteuid() != 0 or not os.path.exists("/etc/init.d/redis-server"):
        pytest.skip("restarting Redis needs root and its init script")
    return ["/etc/init.d/redis-server", "restart"]


def test_postgres_and_redis_restarts_need_no_restart_of_the_bot(scaled):
    before = {name: r["pid"] for name, r in replicas(scaled).items()}
    for command in (postgres_restart_command(), redis_restart_command()):
        restart(command)
        wait_until(lambda: healthy(f"http://127.0.0.1:{SPEC['port']}/"), 30, "Rasa behind nginx")
        # the first message after the restart is answered: pooled connections are tested before use
        assert "【郴州市" in text(say(scaled, f"sf-3-{command[-1]}-{time.time():.0f}", "郴州生育津贴要什么材料"))
    # a form started after both restarts runs to its end
    row = row_with(scaled, "材料不全")
    say(scaled, "sf-3b", "查一下我的申请办到哪了")
    say(scaled, "sf-3b", row["id_number"])
    reply = text(say(scaled, "sf-3b", row["phone_last4"]))
    assert row["number"] in reply and "材料不全" in reply
    assert {name: r["pid"] for name, r in replicas(scaled).items()} == before, "a part of the bot was restarted"
