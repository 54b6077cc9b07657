"""The staff console over real HTTP: accounts from the CLI, login, sessions, CSRF, lockout, the API.

The web app runs in a subprocess on a temporary staff database (``python -m web serve``), on the
session's KB; requests go through urllib with a cookie jar, as a browser's would.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.bot.fake_wechat import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"


class Browser:
    """A cookie-keeping client that does not follow redirects (so they can be checked)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def get(self, path: str):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form: dict):
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.base + path, data=data))

    def _open(self, req):
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read().decode("utf-8", "replace")

    def login(self, name: str, password: str):
        _, _, page = self.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page)[1]
        return self.post("/console/login", {"csrf": token, "name": name, "password": password, "next": "/console"})


def cli(env, *args, stdin: str = ""):
    return subprocess.run([sys.executable, "-m", "web", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def console(tmp_path_factory, kb_engine):
    tmp = tmp_path_factory.mktemp("console")
    env = dict(os.environ, STAFF_DATABASE_URL=f"sqlite:///{tmp / 'staff.sqlite3'}", STAFF_DEMO_FILE=str(tmp / "demo.txt"),
               KB_DATABASE_URL=str(kb_engine.url))
    assert cli(env, "users", "add", "agent-li", "--role", "agent", stdin=PASSWORD + "\n").returncode == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "web", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            assert proc.poll() is None, "the web app did not start"
            time.sleep(0.1)
    yield {"base": base, "env": env}
    proc.terminate()
    proc.wait(timeout=20)


def test_the_cli_adds_and_lists_accounts_and_refuses_bad_ones_in_words(console):
    env = console["env"]
    bad_role = cli(env, "users", "add", "x1", "--role", "boss", stdin=PASSWORD + "\n")
    assert bad_role.returncode == 2 and "角色须为" in bad_role.stderr
    short = cli(env, "users", "add", "x2", "--role", "agent", stdin="short\n")
    assert short.returncode == 2 and "密码至少" in short.stderr
    again = cli(env, "users", "add", "agent-li", "--role", "agent", stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "已存在" in again.stderr
    listed = cli(env, "users", "list").stdout
    assert "agent-li\tagent" in listed and PASSWORD not in listed and "argon2" not in listed
    demo = cli(env, "users", "demo")
    assert demo.returncode == 0 and "已有员工账号" in demo.stdout  # demo accounts only on an empty store


def test_the_console_and_its_api_are_refused_without_login(console):
    anon = Browser(console["base"])
    status, headers, _ = anon.get("/console")
    assert status == 302 and headers["Location"].startswith("/console/login")
    assert anon.get("/console/item/chenzhou/002036004001")[0] == 302
    status, _, body = anon.get("/api/search?q=" + urllib.parse.quote("生育津贴"))
    assert status == 401 and "登录" in json.loads(body)["error"]
    assert Browser(console["base"]).get("/")[0] == 200  # the residents' page never needs a login


def test_login_sets_a_strict_httponly_session_and_the_search_answers_fast(console):
    staff = Browser(console["base"])
    status, headers, _ = staff.login("agent-li", PASSWORD)
    assert status == 302 and headers["Location"] == "/console"
    cookie = headers["Set-Cookie"]
    assert "yb_staff=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    status, _, body = staff.get("/api/search?region=hunan&q=" + urllib.parse.quote("退休了去外地住看病咋报"))
    data = json.loads(body)
    assert status == 200 and data["ms"] < 1000
    first = data["results"][0]
    assert first["name"] == "异地安置退休人员备案" and first["region"] == "湖南省"
    assert {"region", "code", "name", "variant", "source", "why"} <= set(first)
    status, _, page = staff.get("/console/item/hunan/" + first["key"])
    assert status == 200 and "办理材料" in page and first["source"] in page


def test_a_login_without_its_csrf_token_or_with_a_wrong_password_is_refused(console):
    client = Browser(console["base"])
    client.get("/console/login")
    status, _, page = client.post("/console/login", {"csrf": "forged", "name": "agent-li", "password": PASSWORD})
    assert status == 403 and "页面已过期" in page
    status, _, page = client.login("agent-li", "wrong-password-1")
    assert status == 401 and "用户名或密码不正确" in page
    status, _, page = client.login("nobody-here", "wrong-password-1")
    assert status == 401 and "用户名或密码不正确" in page  # the same words: names cannot be probed


def test_five_failures_lock_the_account_even_against_the_right_password(console):
    env = console["env"]
    assert cli(env, "users", "add", "agent-wang", "--role", "agent", stdin=PASSWORD + "\n").returncode == 0
    client = Browser(console["base"])
    for _ in range(5):
        assert client.login("agent-wang", "not-the-password")[0] == 401
    status, _, page = client.login("agent-wang", PASSWORD)
    assert status == 401 and "锁定" in page


def test_logout_needs_the_sessions_csrf_token(console):
    staff = Browser(console["base"])
    staff.login("agent-li", PASSWORD)
    staff.post("/console/logout", {"csrf": "forged"})  # a cross-site form cannot sign the user out…
    assert staff.get("/console")[0] == 200
    _, _, page = staff.get("/console")
    token = re.search(r'name="csrf" value="([^"]+)"', page)[1]
    staff.post("/console/logout", {"csrf": token})  # …the console's own button can
    assert staff.get("/console")[0] == 302
