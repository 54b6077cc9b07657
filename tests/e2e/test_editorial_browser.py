"""One change through the console in headless Chromium: the demo editor proposes it from the item
page, the demo reviewer approves and publishes it, the item page shows it with the bureau's date,
and it is reverted the same way. Screenshots (edit-*-390/1280.png) in tests/e2e/generated/."""

from __future__ import annotations

import pytest

from tests.e2e.test_chat_page_browser import SHOTS, browser, wait  # noqa: F401  (the browser fixture)
from tests.e2e.test_console_browser import login, shots

pytestmark = pytest.mark.slow

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

ITEM = "/console/item/xianan/002036004001"
NEW = "咨询电话：0715-0000000（测试用，随后撤回）"


def notice_says(words: str):
    """A wait condition: the page's notice holds ``words`` (the page may still be the one before
    the form was sent, its notice gone from under the driver: ask again)."""
    def check(driver) -> bool:
        try:
            return any(words in e.text for e in driver.find_elements(By.CSS_SELECTOR, ".notice"))
        except StaleElementReferenceException:
            return False
    return check


def logout(browser):  # noqa: F811
    browser.find_element(By.CSS_SELECTOR, "form[action='/console/logout'] button").click()
    wait(browser, lambda d: "/console/login" in d.current_url)


def approve_and_publish(server, browser, change_id: str) -> None:  # noqa: F811
    base = login(server, browser, "demo-reviewer")
    browser.get(base + "/console/edit")
    card = browser.find_element(By.ID, change_id)
    card.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    wait(browser, notice_says("已批准"))
    browser.find_element(By.ID, "publish").click()
    wait(browser, notice_says("已发布 1 项修改"))


def test_an_editor_proposes_a_reviewer_publishes_and_the_item_page_shows_it(server, browser):  # noqa: F811
    SHOTS.mkdir(exist_ok=True)
    base = login(server, browser, "demo-editor")
    browser.get(base + ITEM)
    browser.find_element(By.LINK_TEXT, "提出修改").click()
    wait(browser, lambda d: d.find_elements(By.ID, "field"))
    Select(browser.find_element(By.ID, "field")).select_by_value("consult")
    box = browser.find_element(By.ID, "text")
    box.clear()
    box.send_keys(NEW)
    browser.find_element(By.NAME, "reason").send_keys("咸医保函〔2026〕1号：新设咨询电话")
    shots(browser, "edit-form")
    browser.find_element(By.CSS_SELECTOR, ".edit-form button.primary").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"))
    notice = browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert "已提交修改 #" in notice and "待另一位审核人审核" in notice
    change = notice.split("#", 1)[1].split("，", 1)[0]
    card = browser.find_element(By.ID, f"change-{change}")
    assert NEW in card.text and "批准" not in card.text  # an editor has no approve button
    shots(browser, "edit-list")
    logout(browser)
    approve_and_publish(server, browser, f"change-{change}")
    browser.get(base + ITEM)
    page = browser.find_element(By.TAG_NAME, "main").text
    assert NEW in page and f"修改#{change}" in page and "医保部门" in page
    shots(browser, "edit-item")
    browser.get(base + "/console/edit/history")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.history tbody tr")
    assert len(rows) >= 3 and "发布" in rows[0].text
    shots(browser, "edit-history")
    # undone the same reviewed way
    logout(browser)
    login(server, browser, "demo-editor")
    browser.get(base + "/console/edit")
    card = browser.find_element(By.ID, f"change-{change}")
    card.find_element(By.NAME, "reason").send_keys("测试结束，撤回")
    card.find_element(By.CSS_SELECTOR, "form[action$='/revert'] button").click()
    wait(browser, notice_says("已提交撤回"))
    undo = browser.find_element(By.CSS_SELECTOR, ".notice").text.split("#", 1)[1].split("（", 1)[0]
    logout(browser)
    approve_and_publish(server, browser, f"change-{undo}")
    browser.get(base + ITEM)
    assert NEW not in browser.find_element(By.TAG_NAME, "main").text
