"""Shared end-to-end fixture: a small-epoch model, the KB, demo case data and both servers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List

import pytest

from tests.bot.fake_wechat import FakeWeChat

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("VENV", ROOT / ".venv"))
ACTION_TOKEN = "e2e-action-token-not-secret"
WECHAT = {
    "WECHAT_TOKEN": "e2e-wechat-token",
    "WECHAT_APPID": "wxe2e0000000000001",
    "WECHAT_APPSECRET": "e2e-wechat-secret-not-secret",
    "WECHAT_ENCODING_AES_KEY": "e2eWeChatAesKey0123456789abcdefghijklmnopqr"[:43],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([str(VENV / "bin/python"), "-m", "knowledge", "build", "--if-stale"], cwd=ROOT, env=env, check=True)
    subprocess.run([str(VENV / "bin/python"), "-m", "knowledge", "nlu"], cwd=ROOT, env=env, check=True)
    models = tmp / "models"
    subprocess.run(
        [str(ROOT / "scripts/train-if-stale")],
        cwd=ROOT,
        env=dict(env, CONFIG="tests/e2e/config_small.yml", OUT=str(models), FORCE="1"),
        check=True,
    )
    casework_url = f"sqlite:///{tmp / 'casework.sqlite3'}"
    env.update(
        CASEWORK_DATABASE_URL=casework_url,
        PII_HMAC_KEY="e2e-test-key-not-secret",
        ACTION_SERVER_TOKEN=ACTION_TOKEN,
        # many tests fail lookups on purpose within a minute; the global pause is unit-tested
        LOOKUP_GLOBAL_FAILURES="1000",
    )
    subprocess.run([str(VENV / "bin/python"), "-m", "casework", "demo", "--seed", "11"], cwd=ROOT, env=env, check=True)
    listed = subprocess.run(
        [str(VENV / "bin/python"), "-m", "casework", "list", "--json"], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout
    demo = [json.loads(line) for line in listed.splitlines() if line.strip()]
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    tracker_db = tmp / "tracker.sqlite3"
    # the 公众号 channel in safe mode, its API on the fake platform (tests/bot/fake_wechat.py)
    wechat = FakeWeChat(WECHAT["WECHAT_TOKEN"], WECHAT["WECHAT_APPID"], WECHAT["WECHAT_APPSECRET"],
                        WECHAT["WECHAT_ENCODING_AES_KEY"])
    run_env = dict(
        env,
        **WECHAT,
        WECHAT_API_BASE=wechat.start_api(),
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WEB_PORT=str(web_port),
        STAFF_DATABASE_URL=f"sqlite:///{tmp / 'staff.sqlite3'}",
        STAFF_DEMO_FILE=str(tmp / "demo-accounts.txt"),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_DB=str(tracker_db),
        MODELS_DIR=str(models),
        LOG_DIR=str(tmp / "logs"),
    )
    proc = subprocess.Popen(
        [str(ROOT / "scripts/run-assistant")], cwd=ROOT, env=run_env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    deadline = time.time() + 240
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.startswith("ready"):
            break
        if time.time() > deadline or proc.poll() is not None:
            pytest.fail(f"servers did not start: {line}")
    wechat.callback = f"http://127.0.0.1:{rasa_port}/webhooks/wechat/webhook"
    yield {
        "url": f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        "web_url": f"http://127.0.0.1:{web_port}/",
        "demo_accounts": tmp / "demo-accounts.txt",
        "wechat": wechat,
        "rasa_port": rasa_port,
        "action_port": action_port,
        "action_token": ACTION_TOKEN,
        "tracker_db": tracker_db,
        "demo": demo,
        "logs": [tmp / "logs/rasa.log", tmp / "logs/actions.log"],
        "env": run_env,  # the servers' environment: the CLIs act on the same databases
        "models": models,  # the small-epoch model (the scaled topology's tests start it too)
    }
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    wechat.stop_api()


def post(server, payload, raw: bytes = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    req = urllib.request.Request(server["url"], data=body, headers={"Content-Type": "application/json"})
    return fetch(req)


def fetch(req: urllib.request.Request):
    """(status, decoded JSON body) of a request; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def say(server, sender: str, message: str) -> List[Dict]:
    status, replies = post(server, {"sender": sender, "message": message})
    assert status == 200, replies
    return replies


def text(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies) -> List[Dict]:
    return [b for r in replies for b in r.get("buttons") or []]


