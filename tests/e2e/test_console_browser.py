"""The staff console in headless Chromium against the running assistant (demo accounts of make run).

Login, a refused page without login, search as a caller speaks, the item page; screenshots at 390 px
and 1280 px in tests/e2e/generated/.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_chat_page_browser import SHOTS, browser, wait  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.slow

from selenium.webdriver.common.by import By  # noqa: E402


def demo_password(server, name: str) -> str:
    for line in server["demo_accounts"].read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if parts[0] == name:
            return parts[2]
    raise AssertionError(f"no demo account {name}")


def test_the_console_is_refused_without_login_then_finds_the_callers_item(server, browser):  # noqa: F811
    SHOTS.mkdir(exist_ok=True)
    base = server["web_url"].rstrip("/")
    browser.get(base + "/console")
    assert "/console/login" in browser.current_url and "工作人员登录" in browser.page_source
    browser.find_element(By.NAME, "name").send_keys("demo-agent")
    browser.find_element(By.NAME, "password").send_keys("wrong-password")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".error"))
    assert "用户名或密码不正确" in browser.find_element(By.CSS_SELECTOR, ".error").text
    browser.find_element(By.NAME, "password").send_keys(demo_password(server, "demo-agent"))
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait(browser, lambda d: d.find_elements(By.ID, "q"))
    browser.find_element(By.ID, "q").send_keys("退休了去外地住看病咋报")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".result"))
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".result-name")]
    assert names[0] == "异地安置退休人员备案"
    assert "助手会按此事项回答" in browser.find_element(By.CSS_SELECTOR, ".why").text
    browser.save_screenshot(str(SHOTS / "console-search-390.png"))
    browser.set_window_size(1280, 900)
    browser.save_screenshot(str(SHOTS / "console-search-1280.png"))
    browser.find_elements(By.CSS_SELECTOR, ".result-name")[0].click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".checklist"))
    assert "办理材料（一次性告知）" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, ".checklist input[type=checkbox]")
    browser.save_screenshot(str(SHOTS / "console-item-1280.png"))
    browser.set_window_size(390, 844)
    browser.save_screenshot(str(SHOTS / "console-item-390.png"))


def login(server, browser, name: str = "demo-agent") -> str:  # noqa: F811
    base = server["web_url"].rstrip("/")
    browser.get(base + "/console/login")
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(demo_password(server, name))
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait(browser, lambda d: d.find_elements(By.ID, "q"))
    return base


def shots(browser, name: str) -> None:  # noqa: F811
    for width, height in ((1280, 900), (390, 844)):
        browser.set_window_size(width, height)
        browser.save_screenshot(str(SHOTS / f"{name}-{width}.png"))


def test_copy_compare_print_and_walk_through(server, browser):  # noqa: F811
    import base64

    base = login(server, browser, "demo-village")
    browser.get(base + "/console/item/guizhou/002036004001")
    text = browser.find_element(By.CSS_SELECTOR, ".handover-text").get_attribute("value")
    assert text.startswith("【贵州省(黔南州都匀市) · 异地安置退休人员备案】") and "来源：" in text
    browser.find_element(By.CSS_SELECTOR, ".handover .copy").click()
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".copied").text)
    assert "复制" in browser.find_element(By.CSS_SELECTOR, ".copied").text

    browser.get(base + "/console/compare/002036004001")
    regions = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".compare thead th a")]
    assert len(regions) == 5 and browser.find_elements(By.CSS_SELECTOR, ".compare td.diff")
    # every row's cells side by side, one column per region (a highlighted cell laid out as a grid
    # of its own once stacked a row's cells under one region)
    rows = browser.execute_script(
        "return [...document.querySelectorAll('.compare tbody tr')].map(tr => [...tr.children].map("
        "c => [getComputedStyle(c).display, Math.round(c.getBoundingClientRect().top)]))"
    )
    assert rows and all(len(r) == 6 and {d for d, _ in r} == {"table-cell"} and len({t for _, t in r}) == 1 for r in rows)
    shots(browser, "console-compare")

    browser.get(base + "/console/print/guizhou/002036004001?v=0")
    assert "医疗保障业务一次性告知单" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, ".boxes li")
    shots(browser, "console-print")
    pdf = base64.b64decode(browser.print_page())  # Chromium's own print path, A4 by the page's @page rule
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 2

    browser.get(base + "/console/walk/guizhou/002036004001?v=0")
    visible = [s for s in browser.find_elements(By.CSS_SELECTOR, ".step") if s.is_displayed()]
    assert len(visible) == 1 and "第 1 步" in visible[0].text
    visible[0].find_element(By.CSS_SELECTOR, ".done-box").click()
    visible = [s for s in browser.find_elements(By.CSS_SELECTOR, ".step") if s.is_displayed()]
    assert "第 2 步" in visible[0].text and "已完成 1 /" in browser.find_element(By.ID, "progress").text
    shots(browser, "console-walk")
    assert "查办件" in browser.find_element(By.CSS_SELECTOR, ".top nav").text  # village staff may look cases up
