"""The console's editing pages over real HTTP: an editor proposes, another person reviews, a
reviewer publishes, and the item page and API show the change with the bureau's date; roles and
CSRF refused in words. Same web app and fixture as test_console_http (a temporary staff database)."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import urllib.request

from tests.web.test_console_http import PASSWORD, Browser, cli, console  # noqa: F401  (the fixture)

ITEM = "/console/item/chenzhou/002036004001"
NEW_LIMIT = "线上不超过1个工作日，线下即时办结。"


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def signed_in(console, name: str, role: str) -> Browser:
    cli(console["env"], "users", "add", name, "--role", role, stdin=PASSWORD + "\n")
    browser = Browser(console["base"])
    assert browser.login(name, PASSWORD)[0] == 302
    return browser


def test_a_change_is_proposed_reviewed_by_another_and_published_through_the_pages(console):
    editor = signed_in(console, "editor-wu", "editor")
    reviewer = signed_in(console, "reviewer-qin", "reviewer")
    status, _, page = editor.get(ITEM)
    assert status == 200 and "/console/edit/new/chenzhou/002036004001?v=0" in page
    status, _, form = editor.get("/console/edit/new/chenzhou/002036004001?v=0")
    assert status == 200 and "线上不超过2个工作日" in form
    proposal = {"region": "chenzhou", "key": "002036004001", "v": "0", "field": "time_limit", "text": NEW_LIMIT,
                "reason": "郴医保发〔2026〕3号"}
    assert editor.post("/console/edit/propose", dict(proposal, csrf="forged"))[0] == 403
    status, headers, _ = editor.post("/console/edit/propose", dict(proposal, csrf=csrf_of(form)))
    assert status == 302
    change = int(re.search(r"#(\d+)", urllib.parse.unquote(headers["Location"]))[1])
    # the editor may not approve (no right), the reviewer may
    _, _, listing = editor.get("/console/edit")
    status, _, refused = editor.post(f"/console/edit/{change}/review", {"csrf": csrf_of(listing), "verdict": "approve"})
    assert status == 400 and "没有审核的权限" in html.unescape(refused)
    _, _, listing = reviewer.get("/console/edit")
    assert f"change-{change}" in listing and "批准" in listing
    assert reviewer.post(f"/console/edit/{change}/review", {"csrf": csrf_of(listing), "verdict": "approve"})[0] == 302
    assert NEW_LIMIT not in editor.get(ITEM)[2]  # approved, not yet published
    _, _, listing = reviewer.get("/console/edit")
    status, headers, _ = reviewer.post("/console/edit/publish", {"csrf": csrf_of(listing)})
    assert status == 302 and "已发布 1 项修改" in reviewer.get(headers["Location"])[2]
    _, _, page = editor.get(ITEM)
    assert NEW_LIMIT in page and f"修改#{change}" in page and "医保部门" in page
    status, _, body = editor.get("/api/item?region=chenzhou&key=002036004001")
    record = json.loads(body)["records"][0]
    assert record["time_limit"] == NEW_LIMIT and record["fields"]["time_limit"]["source"].startswith(f"edit:{change}:")
    _, _, history = editor.get("/console/edit/history")
    assert history.count(f"#{change}") >= 3 and "郴医保发〔2026〕3号" in history
    # reverted the same reviewed way
    _, _, listing = editor.get("/console/edit")
    status, headers, body = editor.post(f"/console/edit/{change}/revert", {"csrf": csrf_of(listing), "reason": "通知废止"})
    assert status == 302, re.findall(r"class=\"error\"[^<]*", html.unescape(body))
    undo = int(re.search(r"已提交撤回 #(\d+)", urllib.parse.unquote(headers["Location"]))[1])
    _, _, listing = reviewer.get("/console/edit")
    reviewer.post(f"/console/edit/{undo}/review", {"csrf": csrf_of(listing), "verdict": "approve"})
    reviewer.post("/console/edit/publish", {"csrf": csrf_of(listing)})
    assert "线上不超过2个工作日" in editor.get(ITEM)[2]


def test_agents_do_not_see_the_editing_pages_and_a_self_review_is_refused(console):
    agent = Browser(console["base"])
    agent.login("agent-li", PASSWORD)
    assert agent.get("/console/edit")[0] == 403
    assert "内容维护" not in agent.get("/console")[2]
    admin = signed_in(console, "admin-he", "admin")
    _, _, form = admin.get("/console/edit/new/chenzhou/002036004001?v=0")
    status, headers, _ = admin.post("/console/edit/propose", {"csrf": csrf_of(form), "region": "chenzhou", "key": "002036004001",
                                                              "v": "0", "field": "consult", "text": "咨询电话：0735-0000000",
                                                              "reason": "新号码"})
    change = int(re.search(r"#(\d+)", urllib.parse.unquote(headers["Location"]))[1])
    _, _, listing = admin.get("/console/edit")
    assert "本人提出的修改须由另一位审核人审核" in listing
    status, _, refused = admin.post(f"/console/edit/{change}/review", {"csrf": csrf_of(listing), "verdict": "approve"})
    assert status == 400 and "须由另一位审核人审核" in html.unescape(refused)
    status, _, bad = admin.post("/console/edit/propose", {"csrf": csrf_of(form), "region": "chenzhou", "key": "002036004001",
                                                          "v": "0", "field": "colour", "text": "x", "reason": "y"})
    assert status == 400 and "未知字段" in html.unescape(bad)


def test_the_unanswered_report_page_reads_the_assistants_conversations_without_personal_data(console):
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from tests.knowledge.test_unanswered import ROOT, conversations, save_all

    editor = signed_in(console, "editor-lu", "editor")
    status, _, page = editor.get("/console/unanswered")
    assert status == 200 and "还没有对话记录" in page
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(console["tracker_db"]))
    asyncio.run(save_all(store, domain, conversations()))
    store.engine.dispose()
    status, _, page = editor.get("/console/unanswered")
    assert status == 200 and "未解答 <strong>" in page and "郴州市" in page and "指南未写明" in page
    assert not re.search(r"\d{11}", page) and not re.search(r"h=[0-9a-f]{6}", page)  # no phone, ID number or token hash
    status, _, page = editor.get("/console/unanswered?since=" + urllib.parse.quote("昨天"))
    assert status == 200 and "日期须写成 YYYY-MM-DD" in page
    agent = Browser(console["base"])
    agent.login("agent-li", PASSWORD)
    assert agent.get("/console/unanswered")[0] == 403


def test_a_new_edition_uploaded_in_the_console_shows_its_per_item_diff_for_review(console):
    from tests.knowledge.test_editions import edited_copy

    editor = signed_in(console, "editor-gao", "editor")
    _, _, form = editor.get("/console/edit/import")
    fields = {"csrf": csrf_of(form), "region": "guizhou", "edition": "2026年版", "effective": "2026-12-01", "reason": ""}
    boundary = "----yibao-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="guizhou-2026.txt"\r\n'
                 f"Content-Type: text/plain\r\n\r\n".encode() + edited_copy().encode("utf-8") + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(console["base"] + "/console/edit/import", data=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    status, headers, _ = editor._open(req)
    assert status == 302, headers
    _, _, listing = editor.get(headers["Location"])
    assert "已导入新版指南" in listing and "2026年版" in listing
    assert "门诊费用报销：新增材料 门诊病历" in listing and "门诊费用报销：办理时限改为 20个工作日。" in listing
    # a file that is not UTF-8 text is refused in words
    bad = body.replace(edited_copy().encode("utf-8"), edited_copy().encode("gb18030"))
    _, _, form = editor.get("/console/edit/import")
    req = urllib.request.Request(console["base"] + "/console/edit/import", data=bad.replace(fields["csrf"].encode(), csrf_of(form).encode()),
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    status, _, page = editor._open(req)
    assert status == 400 and "UTF-8" in html.unescape(page)
