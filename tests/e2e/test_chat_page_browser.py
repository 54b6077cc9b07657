"""The residents' chat page in a real headless Chromium, against the running assistant.

Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) driven by Selenium; the
tests skip, saying why, where they are not installed. Screenshots at 390 px (a phone) and 1280 px
(a desktop) are written to tests/e2e/generated/ to be looked at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, free_port

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parent / "generated"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("no Chromium here: apt-get install chromium chromium-driver (.ci/run does)", allow_module_level=True)

from selenium import webdriver  # noqa: E402  (after the skip: only needed with a browser)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture()
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(390, 844)
    yield driver
    driver.quit()


def wait(driver, condition, seconds: float = 40):
    return WebDriverWait(driver, seconds).until(condition)


def ask(driver, text: str) -> None:
    before = len(driver.find_elements(By.CSS_SELECTOR, ".row.bot"))
    box = driver.find_element(By.ID, "input")
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".row.bot:not(.typing)")) > before
         and not d.find_elements(By.CSS_SELECTOR, ".typing"))


def bubbles(driver, who: str):
    return [b.text for b in driver.find_elements(By.CSS_SELECTOR, f".row.{who} .bubble")]


def stored(driver) -> str:
    return driver.execute_script("return window.localStorage.getItem('yibao-chat-v1') || ''")


def test_ask_tap_a_region_chip_get_the_answer_rate_it_and_screenshots(server, browser):
    SHOTS.mkdir(exist_ok=True)
    browser.get(server["web_url"])
    assert browser.find_element(By.ID, "intro").is_displayed()
    ask(browser, "生育津贴要什么材料")
    chips = browser.find_elements(By.CSS_SELECTOR, ".row.bot .chips .chip")
    assert [c.text for c in chips][:2] == ["郴州市", "湖南省"]
    next(c for c in chips if c.text == "郴州市").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".rating .chip"))
    answer = bubbles(browser, "bot")[-1]
    assert "【郴州市 · 生育津贴支付】" in answer and "\n1. " in answer  # line breaks kept
    source = browser.find_elements(By.CSS_SELECTOR, ".row.bot .bubble .source")[-1]
    assert source.text.startswith("来源：《郴州市") and source.is_displayed()
    assert bubbles(browser, "user")[-1] == "郴州市"  # the tapped chip, shown as the user's message
    browser.save_screenshot(str(SHOTS / "chat-390.png"))
    browser.set_window_size(1280, 900)
    time.sleep(0.3)
    browser.save_screenshot(str(SHOTS / "chat-1280.png"))
    width = browser.execute_script("return document.querySelector('.app').getBoundingClientRect().width")
    assert width <= 760  # a readable column on a desktop
    browser.find_element(By.CSS_SELECTOR, '.rating .chip[data-rating="4"]').click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".rated"))
    assert "已评价：满意" in browser.find_element(By.CSS_SELECTOR, ".rated").text
    sender = json.loads(stored(browser))["sender"]
    import sqlite3

    with sqlite3.connect(server["tracker_db"]) as db:
        rows = [json.loads(r[0]) for r in db.execute("select data from events where sender_id = ? and type_name = 'slot'", (sender,))]
    assert [r["value"] for r in rows if r.get("name") == "answer_rating"] == ["4"]


def test_a_lookup_masks_the_id_number_on_screen_and_in_storage(server, browser):
    row = next((r for r in server["demo"] if r["status"] == "办结"), None) or pytest.skip("no demo row in 办结")
    browser.get(server["web_url"])
    browser.find_element(By.ID, "restart").click()
    ask(browser, "查一下我的申请办到哪了")
    ask(browser, row["id_number"])
    assert "后四位" in bubbles(browser, "bot")[-1]
    ask(browser, row["phone_last4"])
    reply = bubbles(browser, "bot")[-1]
    assert row["number"] in reply and "办结" in reply
    shown = browser.find_element(By.ID, "log").text
    assert row["id_number"] not in shown and row["id_number"][:3] + "*" * 11 + row["id_number"][-4:] in shown
    assert "****" in bubbles(browser, "user")  # the phone tail, typed after its prompt
    kept = stored(browser)
    assert row["id_number"] not in kept and f'"{row["phone_last4"]}"' not in kept


def test_a_reload_keeps_the_conversation_and_new_conversation_clears_it(server, browser):
    browser.get(server["web_url"])
    browser.find_element(By.ID, "restart").click()
    ask(browser, "咸安区异地就医备案怎么办")
    before_bot, before_user = bubbles(browser, "bot"), bubbles(browser, "user")
    sender = json.loads(stored(browser))["sender"]
    browser.refresh()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".row.bot"))
    assert bubbles(browser, "bot") == before_bot and bubbles(browser, "user") == before_user
    assert not browser.find_element(By.ID, "intro").is_displayed()
    # a slow network: the typing indicator shows while the assistant works, and the send button waits
    browser.set_network_conditions(offline=False, latency=1500, download_throughput=1 << 20, upload_throughput=1 << 20)
    browser.find_element(By.ID, "input").send_keys("要多久")
    browser.find_element(By.ID, "send").click()
    assert browser.find_element(By.CSS_SELECTOR, ".row.typing").is_displayed()
    assert not browser.find_element(By.ID, "send").is_enabled()
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, ".typing"))
    # the same conversation went on: the follow-up keeps 咸安 and the item
    assert json.loads(stored(browser))["sender"] == sender
    assert "咸安" in bubbles(browser, "bot")[-1]
    browser.find_element(By.ID, "restart").click()
    assert bubbles(browser, "bot") == [] and browser.find_element(By.ID, "intro").is_displayed()
    assert json.loads(stored(browser) or "{}").get("sender") != sender


def test_errors_are_shown_in_words_with_a_retry(server, browser, tmp_path):
    port, dead = free_port(), free_port()  # a page whose assistant is unreachable
    env = dict(os.environ, WEB_RASA_URL=f"http://127.0.0.1:{dead}")
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "web", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        # CI's two cores are shared with Rasa and the action server: start-up can take well over 10 s
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, \
                    f"the page server did not come up: {log.read_text(errors='replace')[-2000:]}"
                time.sleep(0.2)
        browser.get(f"http://127.0.0.1:{port}/")
        browser.find_element(By.ID, "input").send_keys("生育津贴要什么材料")
        browser.find_element(By.ID, "send").click()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".row.error"))
        error = browser.find_element(By.CSS_SELECTOR, ".row.error .bubble").text
        assert "网络连接失败" in error
        assert browser.find_element(By.CSS_SELECTOR, ".row.error .retry").is_enabled()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # the assistant's own refusals are shown in its words too (a message over the size cap)
    browser.get(server["web_url"])
    browser.find_element(By.ID, "restart").click()
    browser.execute_script("document.getElementById('input').removeAttribute('maxlength')")
    ask(browser, "医保" * 200)
    assert "只读了前" in "\n".join(bubbles(browser, "bot"))
