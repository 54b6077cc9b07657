"""Start the default or the scaled topology on spare ports of its own, for benchmarks and load tests.

Each runs beside ``make run`` (other ports, a temp SQLite tracker, other PostgreSQL databases and
Redis databases for the scaled one), in a process session of its own that :meth:`Topology.stop` ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The two topologies, each started on spare ports of its own (both may run beside `make run`).
TOPOLOGIES = {
    "default": dict(cmd=["scripts/run-assistant"], port=15105,
                    env=dict(ACTION_PORT="15155", RASA_PORT="15105", WEB_PORT="15180",
                             ACTION_ENDPOINT_URL="http://127.0.0.1:15155/webhook")),
    "scaled": dict(cmd=[sys.executable, "scripts/run_scaled.py"], port=15205,
                   env=dict(ACTION_PORT="15255", RASA_PORT="15205", WEB_PORT="15280", SCALED_DB_PREFIX="yibao_bench",
                            LOCK_REDIS_DB="3", STATE_REDIS_DB="4")),
    # make loadtest: the scaled topology on ports and databases of its own
    "loadtest": dict(cmd=[sys.executable, "scripts/run_scaled.py"], port=15305,
                     env=dict(ACTION_PORT="15355", RASA_PORT="15305", WEB_PORT="15380", SCALED_DB_PREFIX="yibao_loadtest",
                              LOCK_REDIS_DB="5", STATE_REDIS_DB="6")),
    # tests/e2e/test_scaled_faults.py: the scaled topology whose parts the tests stop and kill
    "faults": dict(cmd=[sys.executable, "scripts/run_scaled.py"], port=16205,
                   env=dict(ACTION_PORT="16255", RASA_PORT="16205", WEB_PORT="16280", SCALED_DB_PREFIX="yibao_faults",
                            LOCK_REDIS_DB="7", STATE_REDIS_DB="8")),
}


def newest_model() -> Path:
    """The newest trained model (``MODELS_DIR``, default models/), or exit saying how to make one."""
    models = sorted((ROOT / os.environ.get("MODELS_DIR", "models")).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no trained model in models/: run make train")
    return models[-1]


class Topology:
    """One topology's servers, started in their own session and stopped with it."""

    def __init__(self, name: str, **env: str) -> None:
        spec = TOPOLOGIES[name]
        self.name, self.tmp = name, tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.env = {**os.environ, **spec["env"], "TRACKER_DB": f"{self.tmp}/tracker.sqlite3",
                    "LOG_DIR": f"{self.tmp}/logs", "SCALED_DIR": f"{self.tmp}/scaled", **env}
        self.scaled_dir = Path(self.env["SCALED_DIR"])
        self.url = f"http://127.0.0.1:{spec['port']}/webhooks/rest/webhook"
        self.proc = subprocess.Popen(spec["cmd"], env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        output = []
        for line in self.proc.stdout:  # type: ignore[union-attr]
            output.append(line)
            if line.startswith("ready"):
                return
        self.stop()
        raise RuntimeError(f"the {name} topology did not start: {''.join(output[-5:]).strip()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 2)
            self.proc.wait(timeout=60)


