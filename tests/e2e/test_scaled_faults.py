"""End to end: the scaled topology (``make run-scaled``) survives the failure of any one part.

PostgreSQL tracker, Redis locks and channel state, two Rasa and two action-server replicas behind
nginx, started on ports and databases of its own with the session's small-epoch model. Then:

- a Rasa replica killed mid-conversation: the next message, on the other replica, goes on with the
  same form; a half-finished lookup form survives the killed replica's restart;
- the action servers stopped (slow) or killed (down): "稍后再试" within 2 s, the message kept;
- PostgreSQL and Redis restarted: service resumes without restarting the bot.

Redis is a server of the test's own on a spare port (so that it can be stopped and started again
without touching the machine's); PostgreSQL is the machine's, restarted with pg_ctlcluster.
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
from tests.e2e.conftest import ROOT, VENV, free_port, say, text
from tests.postgres import ADMIN_URL

sys.path.insert(0, str(ROOT / "scripts"))

from topology import TOPOLOGIES, Topology  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SPEC = TOPOLOGIES["faults"]
PREFIX = SPEC["env"]["SCALED_DB_PREFIX"]


def services_or_skip() -> None:
    try:
        create_engine(ADMIN_URL, connect_args={"connect_timeout": 3}).connect().close()
    except Exception as exc:
        pytest.skip(f"the scaled topology needs PostgreSQL on loopback: {exc}".splitlines()[0])
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        pytest.skip("the scaled topology needs nginx (apt-get install nginx-light)")


def fresh_state() -> None:
    """This topology's databases dropped: each run starts clean."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for purpose in ("tracker", "kb", "casework", "staff"):
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{PREFIX}_{purpose}"'))
    admin.dispose()


class OwnRedis:
    """A Redis server of the test's own on a spare loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            pytest.skip("the scaled topology's tests need redis-server (Debian's redis-server)")
        self.cmd = [binary, "--port", str(free_port()), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.port = int(self.cmd[2])
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=1)
        wait_until(lambda: _answers(client), 10, "the test's Redis")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


def _answers(client: "redis.Redis") -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def scaled(server):
    services_or_skip()
    fresh_state()
    own_redis = OwnRedis()
    # the e2e session's model, keys and lookup limits; its own ports, databases and Redis databases
    env = {name: server["env"][name] for name in ("PII_HMAC_KEY", "ACTION_SERVER_TOKEN", "LOOKUP_GLOBAL_FAILURES")}
    env["MODELS_DIR"] = str(server["models"])
    env["REDIS_PORT"] = str(own_redis.port)
    try:
        top = Topology("faults", **env)
    except RuntimeError as exc:
        own_redis.stop()
        pytest.fail(str(exc))
    run_env = dict(top.env, CASEWORK_DATABASE_URL=f"{ADMIN_URL.rsplit('/', 1)[0]}/{PREFIX}_casework")
    listed = subprocess.run([str(VENV / "bin/python"), "-m", "casework", "list", "--json"], cwd=ROOT, env=run_env,
                            check=True, capture_output=True, text=True).stdout
    yield {"url": top.url, "top": top, "redis": own_redis,
           "demo": [json.loads(line) for line in listed.splitlines() if line.strip()]}
    top.stop()
    own_redis.stop()


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


def restart_postgres() -> None:
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()
    if os.geteuid() != 0 or len(clusters) < 2:
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster (Debian's postgresql-common)")
    subprocess.run(["pg_ctlcluster", clusters[0], clusters[1], "restart"], check=True, capture_output=True,
                   timeout=120)


def test_postgres_and_redis_restarts_need_no_restart_of_the_bot(scaled):
    before = {name: r["pid"] for name, r in replicas(scaled).items()}
    for name, restart in (("postgres", restart_postgres), ("redis", scaled["redis"].restart)):
        restart()
        wait_until(lambda: healthy(f"http://127.0.0.1:{SPEC['port']}/"), 30, "Rasa behind nginx")
        # the first message after the restart is answered: pooled connections are tested before use
        assert "【郴州市" in text(say(scaled, f"sf-3-{name}", "郴州生育津贴要什么材料"))
    # a form started after both restarts runs to its end
    row = row_with(scaled, "材料不全")
    say(scaled, "sf-3b", "查一下我的申请办到哪了")
    say(scaled, "sf-3b", row["id_number"])
    reply = text(say(scaled, "sf-3b", row["phone_last4"]))
    assert row["number"] in reply and "材料不全" in reply
    assert {name: r["pid"] for name, r in replicas(scaled).items()} == before, "a part of the bot was restarted"
