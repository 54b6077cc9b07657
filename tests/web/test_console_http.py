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
               KB_DATABASE_URL=str(kb_engine.url), CASEWORK_DATABASE_URL=f"sqlite:///{tmp / 'casework.sqlite3'}",
               PII_HMAC_KEY="console-test-key-not-secret", TRACKER_DIALECT="sqlite", TRACKER_DB=str(tmp / "tracker.sqlite3"))
    assert cli(env, "users", "add", "agent-li", "--role", "agent", stdin=PASSWORD + "\n").returncode == 0
    assert cli(env, "users", "add", "editor-zhou", "--role", "editor", stdin=PASSWORD + "\n").returncode == 0
    subprocess.run([sys.executable, "-m", "casework", "demo", "--seed", "7"], cwd=ROOT, env=env, check=True, capture_output=True)
    listed = subprocess.run([sys.executable, "-m", "casework", "list", "--json"], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout
    demo = [json.loads(line) for line in listed.splitlines() if line.strip()]
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
    yield {"base": base, "env": env, "demo": demo, "staff_db": tmp / "staff.sqlite3", "tracker_db": tmp / "tracker.sqlite3"}
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


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def test_compare_print_and_walkthrough_pages_show_the_kb_with_sources(console):
    staff = Browser(console["base"])
    staff.login("agent-li", PASSWORD)
    status, _, page = staff.get("/console/compare/002036004001")
    assert status == 200 and page.count("<th><a href=\"/console/item/") == 5  # all five regions have it
    assert 'class="diff"' in page and "各地不同" in page
    status, _, body = staff.get("/api/compare?key=002036004001")
    data = json.loads(body)
    assert status == 200 and len(data["regions"]) == 5 and data["differs"]["channels"] is True
    status, _, page = staff.get("/console/print/guizhou/002036004001?v=0")
    assert status == 200 and "一次性告知单" in page and "《异地就医登记备案表》" in page and "004_6d45830b27820030.txt" in page
    status, _, page = staff.get("/console/walk/guizhou/002036004001?v=0")
    assert status == 200 and "贵州医保APP" in page and "第 1 步" in page
    status, _, page = staff.get("/console/item/guizhou/002036004001")
    assert "【贵州省(黔南州都匀市) · 异地安置退休人员备案】" in page and "来源：" in page  # the bot's words to copy
    assert staff.get("/console/print/guizhou/002036004001?v=9")[0] == 404
    assert staff.get("/console/compare/nonsense")[0] == 404


def test_a_case_look_up_needs_both_factors_is_masked_and_logged_and_editors_may_not(console):
    row = next(r for r in console["demo"] if r["status"] == "审核")
    editor = Browser(console["base"])
    editor.login("editor-zhou", PASSWORD)
    assert editor.get("/console/case")[0] == 403
    _, _, page = editor.get("/console")
    assert editor.post("/console/case", {"csrf": csrf_of(page), "number": row["number"], "last4": row["phone_last4"]})[0] == 403
    agent = Browser(console["base"])
    agent.login("agent-li", PASSWORD)
    _, _, page = agent.get("/console/case")
    assert agent.post("/console/case", {"csrf": "forged", "number": row["number"], "last4": row["phone_last4"]})[0] == 403
    wrong = "0000" if row["phone_last4"] != "0000" else "1111"
    _, _, page = agent.post("/console/case", {"csrf": csrf_of(page), "number": row["number"], "last4": wrong})
    assert "信息核验未通过" in page and row["item_name"] not in page
    _, _, page = agent.post("/console/case", {"csrf": csrf_of(page), "number": row["number"], "last4": row["phone_last4"]})
    assert row["number"] in page and "审核" in page and row["id_number"] not in page
    import sqlite3

    with sqlite3.connect(console["staff_db"]) as db:
        log = db.execute("select user_name, record, outcome from staff_lookups order by id").fetchall()
    assert log == [("agent-li", row["number"], "refused"), ("agent-li", row["number"], "shown")]
