#!/usr/bin/env python
"""The scaled topology on one machine (``make run-scaled``): what a bureau runs on several.

- PostgreSQL (``PG_URL``, default 127.0.0.1:5432, trust auth) holds the Rasa tracker store, the KB,
  the case store and the staff/editorial database, each in its own database (``SCALED_DB_PREFIX``);
- Redis (``REDIS_HOST``:``REDIS_PORT``) holds Rasa's conversation locks (db ``LOCK_REDIS_DB``) and
  the channels' per-conversation state (``STATE_REDIS_URL``: privacy-guard expectations, offered
  buttons, WeChat dedup and pending replies);
- ``REPLICAS`` Rasa replicas and as many action-server replicas, each a plain process on its own
  loopback port, behind nginx on the same URLs as ``make run``: Rasa on :5005, the action server on
  :5055; the chat page and staff console on :8000.

A replica that dies is started again (as an orchestrator would); its conversations go on meanwhile on
the other replicas, since none of their state is in a process. Ctrl-C (or SIGTERM) stops everything.
``scripts/run_scaled.py --prepare-only`` sets the databases up and exits.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from topology import newest_model  # (scripts/, this script's folder)

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("VENV", ROOT / ".venv"))
PY = str(VENV / "bin" / "python")
RASA = str(VENV / "bin" / "rasa")
GENERATED = ROOT / "bot" / "generated" / "scaled"
#: Where the running replicas' pids are written (the fault tests kill one by name).
STATE_FILE = "replicas.json"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclass
class Settings:
    replicas: int = field(default_factory=lambda: env_int("REPLICAS", 2))
    rasa_port: int = field(default_factory=lambda: env_int("RASA_PORT", 5005))
    action_port: int = field(default_factory=lambda: env_int("ACTION_PORT", 5055))
    web_port: int = field(default_factory=lambda: env_int("WEB_PORT", 8000))
    pg_url: str = field(default_factory=lambda: os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432"))
    db_prefix: str = field(default_factory=lambda: os.environ.get("SCALED_DB_PREFIX", "yibao"))
    redis_host: str = field(default_factory=lambda: os.environ.get("REDIS_HOST", "127.0.0.1"))
    redis_port: int = field(default_factory=lambda: env_int("REDIS_PORT", 6379))
    lock_db: int = field(default_factory=lambda: env_int("LOCK_REDIS_DB", 1))
    state_db: int = field(default_factory=lambda: env_int("STATE_REDIS_DB", 2))
    log_dir: Path = field(default_factory=lambda: Path(os.environ.get("LOG_DIR", ROOT / "logs" / "scaled")))
    generated: Path = field(default_factory=lambda: Path(os.environ.get("SCALED_DIR", GENERATED)))

    def database(self, purpose: str) -> str:
        return f"{self.pg_url.rstrip('/')}/{self.db_prefix}_{purpose}"

    @property
    def state_redis_url(self) -> str:
        return os.environ.get("STATE_REDIS_URL") or f"redis://{self.redis_host}:{self.redis_port}/{self.state_db}"

    def rasa_ports(self) -> List[int]:
        return [self.rasa_port + 1 + i for i in range(self.replicas)]

    def action_ports(self) -> List[int]:
        return [self.action_port + 1 + i for i in range(self.replicas)]


def fail(message: str) -> "None":
    print(message, file=sys.stderr)
    sys.exit(1)


# -- the services the topology needs -----------------------------------------------------------------


def check_services(s: Settings) -> None:
    """PostgreSQL and Redis answer, or one clear sentence on what to start."""
    import psycopg2
    import redis

    try:
        psycopg2.connect(f"{s.pg_url.rstrip('/')}/postgres", connect_timeout=3).close()
    except Exception as exc:
        fail(f"make run-scaled needs PostgreSQL at {s.pg_url} (PG_URL): {str(exc).strip().splitlines()[0]}")
    try:
        redis.Redis(host=s.redis_host, port=s.redis_port, socket_timeout=2).ping()
    except Exception as exc:
        fail(f"make run-scaled needs Redis at {s.redis_host}:{s.redis_port} (REDIS_HOST, REDIS_PORT): {exc}")
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        fail("make run-scaled needs nginx as its load balancer: apt-get install nginx-light (or nginx)")


def ensure_databases(s: Settings) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{s.pg_url.rstrip('/')}/postgres", connect_timeout=3)
    conn.autocommit = True
    with conn.cursor() as cur:
        for purpose in ("tracker", "kb", "casework", "staff"):
            name = f"{s.db_prefix}_{purpose}"
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}")
    conn.close()


def action_token(s: Settings) -> str:
    token = os.environ.get("ACTION_SERVER_TOKEN")
    if token:
        return token
    path = ROOT / "bot" / "generated" / "action-server.token"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or not path.read_text().strip():
        old = os.umask(0o077)
        try:
            path.write_text(secrets.token_hex(32) + "\n")
        finally:
            os.umask(old)
    return path.read_text().strip()


def environment(s: Settings) -> Dict[str, str]:
    """What every process of the topology reads (bot/endpoints-scaled.yml, the stores, the channels)."""
    from urllib.parse import urlparse

    pg = urlparse(s.pg_url)
    return dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3", SQLALCHEMY_SILENCE_UBER_WARNING="1",
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{s.action_port}/webhook",
        ACTION_SERVER_TOKEN=action_token(s),
        TRACKER_DIALECT="postgresql", TRACKER_HOST=pg.hostname or "127.0.0.1", TRACKER_PORT=str(pg.port or 5432),
        TRACKER_USER=pg.username or "postgres", TRACKER_PASSWORD=pg.password or "",
        TRACKER_DB=f"{s.db_prefix}_tracker",
        LOCK_REDIS_HOST=s.redis_host, LOCK_REDIS_PORT=str(s.redis_port), LOCK_REDIS_DB=str(s.lock_db),
        STATE_REDIS_URL=s.state_redis_url,
        KB_DATABASE_URL=s.database("kb"), CASEWORK_DATABASE_URL=s.database("casework"),
        STAFF_DATABASE_URL=s.database("staff"),
        # the accounts of this topology's staff database are not make run's: their passwords apart
        STAFF_DEMO_FILE=str(s.generated / "demo-accounts.txt"),
        RASA_PORT=str(s.rasa_port), ACTION_PORT=str(s.action_port), WEB_PORT=str(s.web_port),
    )


def prepare(s: Settings, env: Dict[str, str]) -> None:
    """The databases, the KB in PostgreSQL, the demo cases and accounts, the tracker table."""
    check_services(s)
    ensure_databases(s)
    steps = [
        ("the KB in PostgreSQL", [PY, "-m", "knowledge", "build", "--if-stale"]),
        ("demo cases", [PY, "-m", "casework", "demo", "--if-empty"]),
        ("staff accounts", [PY, "-m", "web", "users", "demo"]),
        # the replicas would otherwise race to create the same table on their first start
        ("the tracker table", [PY, "-c", "import sys; sys.path.insert(0, '.');"
                               "from bot.windowed_tracker_store import create_tables; create_tables()"]),
    ]
    for what, cmd in steps:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"preparing {what} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        out = done.stdout.strip()
        if out:
            print(out.splitlines()[-1])


# -- the load balancer -----------------------------------------------------------------------------


def nginx_config(s: Settings) -> str:
    """nginx in front of the replicas: least-connections, a refused or failed replica skipped."""
    prefix = s.generated / "nginx"

    def upstream(name: str, ports: List[int]) -> str:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in ports)
        return f"    upstream {name} {{\n        least_conn;\n{servers}\n        keepalive 64;\n    }}"

    def server(port: int, name: str) -> str:
        return f"""    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{name};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            # a replica that refuses the connection or is gone (its kept-alive connection broken)
            # before answering: the next one takes the message. POSTs too (non_idempotent): a
            # message is better answered twice than lost; a slow reply (a timeout) is not re-sent
            proxy_next_upstream error http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 1s;
            proxy_read_timeout 120s;
        }}
    }}"""

    return f"""# generated by scripts/run_scaled.py: rebuilt on every start, not edited by hand
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {s.log_dir}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_max_body_size 1m;
    # bodies in memory: Rasa's tracker posted to the action server is larger than the default 16 KB
    # buffer, and a body spooled to a temp file cost 50 ms a message
    client_body_buffer_size 1m;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{upstream("rasa_replicas", s.rasa_ports())}
{upstream("action_replicas", s.action_ports())}
{server(s.rasa_port, "rasa_replicas")}
{server(s.action_port, "action_replicas")}
}}
"""


# -- the processes -----------------------------------------------------------------------------------


@dataclass
class Process:
    """One supervised process: started again when it dies, unless we are stopping."""

    name: str
    cmd: List[str]
    health: str
    env: Dict[str, str]
    log: Path
    popen: Optional[subprocess.Popen] = None
    restarts: int = 0

    def start(self) -> None:
        handle = open(self.log, "ab")
        self.popen = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        handle.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health, timeout=2) as resp:
                return resp.status == 200
        except Exception:
            return False

    def stop(self) -> None:
        if self.alive():
            assert self.popen is not None
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def processes(s: Settings, env: Dict[str, str], model: str, conf: Path) -> List[Process]:
    log = s.log_dir
    procs = []
    for i, port in enumerate(s.action_ports(), 1):
        procs.append(Process(f"actions-{i}", [PY, "-m", "bot.action_server", "--actions", "actions",
                                              "--host", "127.0.0.1", "--port", str(port)],
                             f"http://127.0.0.1:{port}/health", env, log / f"actions-{i}.log"))
    for i, port in enumerate(s.rasa_ports(), 1):
        procs.append(Process(f"rasa-{i}", [RASA, "run", "--model", model, "--endpoints", "bot/endpoints-scaled.yml",
                                           "--credentials", "bot/credentials.yml", "--interface", "127.0.0.1",
                                           "--port", str(port), "--cors",
                                           f"http://localhost:{s.web_port}", f"http://127.0.0.1:{s.web_port}"],
                             f"http://127.0.0.1:{port}/", env, log / f"rasa-{i}.log"))
    procs.append(Process("web", [PY, "-m", "web", "serve", "--host", "127.0.0.1", "--port", str(s.web_port)],
                         f"http://127.0.0.1:{s.web_port}/healthz", env, log / "web.log"))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    procs.append(Process("nginx", [nginx, "-p", str(s.generated / "nginx"), "-c", str(conf)],
                         f"http://127.0.0.1:{s.rasa_port}/", env, log / "nginx.log"))
    return procs


def write_state(s: Settings, procs: List[Process]) -> None:
    state = {p.name: {"pid": p.popen.pid if p.popen else None, "health": p.health, "restarts": p.restarts}
             for p in procs}
    tmp = s.generated / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(s.generated / STATE_FILE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare-only", action="store_true", help="set the databases up and exit")
    args = parser.parse_args()
    s = Settings()
    s.log_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("nginx", "nginx/logs"):
        (s.generated / sub).mkdir(parents=True, exist_ok=True)
    env = environment(s)
    prepare(s, env)
    if args.prepare_only:
        return 0
    conf = s.generated / "nginx" / "nginx.conf"
    conf.write_text(nginx_config(s))
    model = str(newest_model())
    procs = processes(s, env, model, conf)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"starting {s.replicas} action-server and {s.replicas} Rasa replicas ({Path(model).name}), "
          f"the chat page and nginx; logs in {s.log_dir}/ …", flush=True)
    for p in procs:
        p.start()
    write_state(s, procs)
    ready = False
    started = time.monotonic()
    try:
        while not stopping:
            for p in procs:
                if not p.alive():
                    if not ready and p.restarts >= 2:
                        print(f"{p.name} failed to start; see {p.log}", file=sys.stderr)
                        print(p.log.read_text(errors="replace")[-2000:], file=sys.stderr)
                        return 1
                    p.restarts += 1
                    print(f"{p.name} stopped (exit {p.popen.returncode if p.popen else '?'}): starting it again",
                          flush=True)
                    p.start()
                    write_state(s, procs)
            if not ready and all(p.healthy() for p in procs):
                ready = True
                print(f"ready: {s.replicas} Rasa replicas behind nginx · REST: POST http://localhost:{s.rasa_port}"
                      f"/webhooks/rest/webhook · chat page http://localhost:{s.web_port}/ · "
                      f"started in {time.monotonic() - started:.0f} s; Ctrl-C stops all", flush=True)
            if not ready and time.monotonic() - started > 300:
                print(f"timed out waiting for the servers; see {s.log_dir}/", file=sys.stderr)
                return 1
            time.sleep(0.5)
    finally:
        print("stopping…", flush=True)
        for p in procs:
            p.stop()
        deadline = time.monotonic() + 15
        for p in procs:
            while p.alive() and time.monotonic() < deadline:
                time.sleep(0.1)
            if p.alive() and p.popen is not None:
                os.killpg(p.popen.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
