"""The unanswered-questions report: read from a tracker store Rasa itself writes (SQLite, PostgreSQL).

Conversations are saved with ``rasa.core.tracker_store.SQLTrackerStore`` (no model, no server); the
bot's replies are worded by ``actions.answers`` as the running assistant words them. Items are found
by a small fake KB with the gateway's interface, so that counts do not move when the KB's ranking is
tuned.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text
from stdnum.cn import ric

from actions import answers
from actions.kb_gateway import KnowledgeGateway, RegionInfo
from knowledge import unanswered as un

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# -- personal data typed into questions ------------------------------------------------------------

ID_NUMBER = "43010219900307123" + ric.calc_check_digit("43010219900307123")
MOBILE = "13812345678"
LANDLINE = "0735-2223456"
NAME = "王建国"
TOKEN_HASH = "9f" * 32  # a hash the channel guard leaves in a token

# -- a fake KB with the gateway's interface --------------------------------------------------------

CHILDBIRTH, RELOCATION, INPATIENT = "002036007004", "002036004001", "002036006002"
CARD = "社会保障卡（加载金融功能）申办与管理"  # an item with no national code: its name is its key
NAMES = {CHILDBIRTH: "生育津贴支付", RELOCATION: "异地安置退休人员备案", INPATIENT: "住院费用报销", CARD: CARD}
WORDS = {CHILDBIRTH: ("生育", "津贴"), RELOCATION: ("异地", "安置"), INPATIENT: ("住院",)}


class FakeKB:
    """``regions``, ``region``, ``item_name``, ``knows_item``, ``evidence_items``, ``rank_items``, ``in_domain``."""

    def __init__(self) -> None:
        self._regions = [
            RegionInfo("chenzhou", "郴州市", None, "咨询电话：0735-2881234", "cz.txt:1-2", ("郴州市医疗保障经办服务指南",), "《郴州》第1–2行"),
            RegionInfo("yunnan", "云南省", None, "咨询电话：12393", "yn.txt:1-2", ("云南省医疗保障经办服务指南",), "《云南》第1–2行"),
        ]
        self.evidence_calls: List[Tuple[str, str]] = []

    def regions(self) -> List[RegionInfo]:
        return list(self._regions)

    def region(self, key: Optional[str]) -> Optional[RegionInfo]:
        return next((r for r in self._regions if r.key == key), None)

    def item_name(self, key: str) -> str:
        return NAMES.get(key, key)

    def knows_item(self, key: Optional[str]) -> bool:
        return bool(key) and key in NAMES

    def evidence_items(self, text: str, region_key: str, expand: bool = True, k: int = 5, level: Optional[str] = None):
        self.evidence_calls.append((text, region_key))
        scored = [(key, 10.0 * sum(w in text for w in words), None) for key, words in WORDS.items()]
        if region_key == "chenzhou":  # 住院 is only in 云南's guide here
            scored = [s for s in scored if s[0] != INPATIENT]
        scored = [s for s in scored if s[1] > 0]
        if not scored and not self.in_domain(text):  # everyday words share characters with some passage
            scored = [(CHILDBIRTH, 5.0, None)]
        return sorted(scored, key=lambda s: -s[1])[:k]

    def rank_items(self, text: str) -> List[Tuple[str, float]]:
        return [(RELOCATION, 12.0)] if "异地安置" in text else []

    def in_domain(self, text: str) -> bool:
        return any(w in text for words in WORDS.values() for w in words) or "医保" in text or "报销" in text


# -- conversations as Rasa stores them -------------------------------------------------------------

T0 = dt.datetime(2026, 11, 20, 9, 0).timestamp()
RECENT = dt.datetime(2026, 12, 2, 9, 0).timestamp()
CHENZHOU = RegionInfo("chenzhou", "郴州市", None, "咨询电话：0735-2881234", "cz.txt:1-2", ("郴州市医疗保障经办服务指南",), "《郴州》第1–2行")
GUIDE = "郴州市医疗保障经办服务指南"


def missing(name: str, label: str) -> str:
    """The reply when the guide does not state an aspect (``answers._missing``)."""
    return answers._missing({"name": name, "region": "郴州市", "guide_title": GUIDE}, label, CHENZHOU)


class Conversation:
    """Events of one sender, built turn by turn with increasing timestamps."""

    def __init__(self, sender: str, start: float = RECENT) -> None:
        self.sender = sender
        self.t = start
        self.events: List[Any] = [
            ActionExecuted("action_session_start", timestamp=self._tick()),
            SessionStarted(timestamp=self._tick()),
            ActionExecuted("action_listen", timestamp=self._tick()),
        ]

    def _tick(self) -> float:
        self.t += 1.0
        return self.t

    def turn(
        self,
        text: str,
        intent: str,
        action: str,
        replies: List[str],
        entities: Optional[Dict[str, str]] = None,
        slots: Optional[Dict[str, Any]] = None,
        response: Optional[str] = None,
    ) -> "Conversation":
        ents = [{"entity": k, "value": v, "start": 0, "end": 0} for k, v in (entities or {}).items()]
        self.events.append(UserUttered(text, intent={"name": intent, "confidence": 0.9}, entities=ents, timestamp=self._tick()))
        self.events += [SlotSet(k, v, timestamp=self._tick()) for k, v in (entities or {}).items() if k != "rating"]
        self.events.append(ActionExecuted(action, policy="RulePolicy", confidence=1.0, timestamp=self._tick()))
        meta = {"utter_action": response} if response else {}
        self.events += [BotUttered(r, metadata=meta, timestamp=self._tick()) for r in replies]
        self.events += [SlotSet(k, v, timestamp=self._tick()) for k, v in (slots or {}).items()]
        self.events.append(ActionExecuted("action_listen", timestamp=self._tick()))
        return self

    def new_session(self) -> "Conversation":
        self.events += [
            ActionExecuted("action_session_start", timestamp=self._tick()),
            SessionStarted(timestamp=self._tick()),
            ActionExecuted("action_listen", timestamp=self._tick()),
        ]
        return self


def rate(conv: Conversation, score: int, region: Optional[RegionInfo] = CHENZHOU) -> Conversation:
    return conv.turn(
        f'/rate{{"rating": "{score}"}}', "rate", "action_record_rating", [answers.rating_thanks(score, region)],
        entities={"rating": str(score)}, slots={"answer_rating": str(score)},
    )


GOOD_ANSWER = "【郴州市 · 生育津贴支付】\n办理材料（一次性告知）：\n1. 有效身份证件\n来源：《郴州市医疗保障经办服务指南》第10–12行"


def conversations() -> List[Conversation]:
    """Every outcome, good answers around them, and one old conversation (before 2026-12-01)."""
    convs = []
    # 1 two good answers, a poor rating of the second, a good rating of it again (no finding)
    c = Conversation("unans-test-1").turn(
        "郴州生育津贴多久能到账", "ask_time_limit", "action_answer", [GOOD_ANSWER],
        entities={"region": "chenzhou", "service_item": CHILDBIRTH}, slots={"service_item": CHILDBIRTH, "region": "chenzhou"},
    )
    c.turn("郴州生育津贴要什么材料", "ask_materials", "action_answer", [GOOD_ANSWER], slots={"service_item": CHILDBIRTH})
    rate(c, 1)
    rate(c, 5)
    convs.append(c)
    # 2 declined, with personal data in the question (as typed: another channel let it through)
    convs.append(
        Conversation("unans-test-2").turn(
            f"我叫{NAME}，身份证{ID_NUMBER}，电话{MOBILE}，座机{LANDLINE}，郴州住房公积金怎么取",
            "out_of_scope", "action_out_of_scope", [answers.decline("housing_fund")], entities={"region": "chenzhou"},
        )
    )
    # 3 declined, the channel's tokens in the text (masked form and hash)
    convs.append(
        Conversation("unans-test-3").turn(
            f"〔身份证号:430***********{ID_NUMBER[-4:]}:h={TOKEN_HASH}〕的养老金每个月几号发", "out_of_scope",
            "action_out_of_scope", [answers.decline("pension")],
        )
    )
    # 4 not understood (nlu_fallback → action_kb_search → rephrase), no region
    convs.append(Conversation("unans-test-4").turn("嗯嗯那个那个咋整啊", "nlu_fallback", "action_kb_search", [answers.REPHRASE]))
    # 5 Rasa's own fallback response
    convs.append(
        Conversation("unans-test-5").turn(
            "住院了那个单子咋弄", "nlu_fallback", "utter_ask_rephrase", ["Sorry, could you rephrase?"], response="utter_ask_rephrase"
        )
    )
    # 6 the guide does not state it (twice, the answer's own item: no word of it in the follow-ups),
    #   in 郴州; and the next guide quoted: answered
    c = Conversation("unans-test-6").turn(
        "郴州生育津贴要什么材料", "ask_materials", "action_answer", [GOOD_ANSWER],
        entities={"region": "chenzhou"}, slots={"service_item": CHILDBIRTH, "region": "chenzhou"},
    )
    c.turn("这个是按哪个文件规定的？", "ask_legal_basis", "action_answer", [missing("生育津贴支付", "设定依据")])
    c.turn("申请表在哪里下载", "ask_forms", "action_answer", [missing("生育津贴支付", "相关表格")])
    c.turn(
        "异地安置备案依据是什么", "ask_legal_basis", "action_answer",
        [f"【郴州市 · 异地安置退休人员备案】\n设定依据（《{GUIDE}》没有写明，以下摘自《湖南省医疗保障经办政务服务事项清单》）：\n《社会保险法》"],
        slots={"service_item": RELOCATION},
    )
    convs.append(c)
    # 7 a question asked before the region: the region reply brings "no such item in the region"
    c = Conversation("unans-test-7").turn(
        "生育津贴要交什么材料", "ask_materials", "action_answer", [answers.region_prompt()],
        slots={"pending_question": "生育津贴要交什么材料", "awaiting": "region", "service_item": CHILDBIRTH},
    )
    c.turn(
        "我在郴州市北湖区这边", "inform", "action_answer", [answers.no_item_in_region("生育津贴支付", CHENZHOU)],
        entities={"region": "chenzhou"}, slots={"pending_question": None, "service_item": CHILDBIRTH},
    )
    convs.append(c)
    # 8 转人工 with no region: asked for the region, then the channels: one handoff, the question before it
    c = Conversation("unans-test-8").turn("异地安置备案在网上怎么办", "ask_channel", "action_answer", [answers.region_prompt()])
    c.turn("转人工", "human_handoff", "action_human_handoff", [answers.HANDOFF_ASK_REGION], slots={"aspect": "human_handoff"})
    c.turn("郴州的", "inform", "action_answer", [answers.handoff(CHENZHOU)], entities={"region": "chenzhou"})
    convs.append(c)
    # 9 an old conversation (before 2026-12-01): a decline
    convs.append(
        Conversation("unans-test-9", start=T0).turn(
            "明天郴州会下雨吗", "out_of_scope", "action_out_of_scope", [answers.decline("weather")], entities={"region": "chenzhou"}
        )
    )
    # 10 a lookup form asked for a name; the reply fails: what was typed there is never shown
    c = Conversation("unans-test-10").turn(
        "查一下我的备案办好没有", "status_lookup", "action_personal_lookup", ["请输入申请人姓名。"],
        slots={"requested_slot": "person_name"},
    )
    c.turn("李小明", "inform", "action_answer", [answers.REPHRASE])
    convs.append(c)
    # 11 a second session starts afresh (no region, no question to read "咋整" with); "更多" then
    #    评价 2 rates the long answer's question (云南, 住院)
    c = Conversation("unans-test-11").turn(
        "云南异地安置备案要什么", "ask_materials", "action_answer", [GOOD_ANSWER],
        entities={"region": "yunnan"}, slots={"service_item": RELOCATION},
    )
    c.new_session()
    c.turn("咋整", "nlu_fallback", "action_kb_search", [answers.REPHRASE])
    c.turn(
        "云南住院报销要带哪些东西", "ask_materials", "action_answer", ["【云南省 · 住院费用报销】…" + answers.MORE_NOTE],
        entities={"region": "yunnan"}, slots={"service_item": INPATIENT, "region": "yunnan", "more_text": "其余"},
    )
    c.turn("/more", "more", "action_more", ["其余内容"], slots={"more_text": None})
    rate(c, 2, None)
    convs.append(c)
    # 12 the question of 3 again from another resident (another hash): one example, two conversations
    convs.append(
        Conversation("unans-test-12").turn(
            f"〔身份证号:430***********{ID_NUMBER[-4:]}:h={'7a' * 32}〕的养老金每个月几号发", "out_of_scope",
            "action_out_of_scope", [answers.decline("pension")],
        )
    )
    # 13 the answer's own item is one without a code; the question misspells it (社宝卡)
    convs.append(
        Conversation("unans-test-13").turn(
            "云南社宝卡掉了补卡要多久", "ask_time_limit", "action_answer", [missing(CARD, "办理时限")],
            entities={"region": "yunnan"}, slots={"service_item": CARD},
        )
    )
    return convs


async def save_all(store: SQLTrackerStore, domain: Domain, convs: List[Conversation]) -> None:
    for conv in convs:
        await store.save(DialogueStateTracker.from_events(conv.sender, conv.events, slots=domain.slots))


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


@pytest.fixture(autouse=True)
def pii_key(monkeypatch):
    monkeypatch.setenv("PII_HMAC_KEY", "unanswered-test-key-not-secret")


@pytest.fixture()
async def tracker_url(tmp_path, domain) -> str:
    db = tmp_path / "tracker.sqlite3"
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(db))
    await save_all(store, domain, conversations())
    store.engine.dispose()
    return f"sqlite:///{db}"


def counts(report: Dict[str, Any]) -> Dict[Tuple[Optional[str], Optional[str], str], int]:
    return {(g["region"], g["item"], g["outcome"]): g["count"] for g in report["groups"]}


def group(report: Dict[str, Any], region: Optional[str], item: Optional[str], outcome: str) -> Dict[str, Any]:
    (found,) = [g for g in report["groups"] if (g["region"], g["item"], g["outcome"]) == (region, item, outcome)]
    return found


EXPECTED = {
    ("chenzhou", CHILDBIRTH, "poor_rating"): 1,
    ("chenzhou", None, "decline"): 1,  # 公积金: no word of 医保, no item near
    (None, None, "decline"): 2,  # 养老金, no region, twice
    (None, None, "fallback"): 3,  # rephrase (no item near), the name typed into the lookup form, 咋整
    (None, INPATIENT, "fallback"): 1,  # utter_ask_rephrase; 住院 only in 云南's guide, found with no region
    ("chenzhou", CHILDBIRTH, "not_stated"): 3,  # 设定依据, 表格 not stated; no such item in 郴州
    ("chenzhou", RELOCATION, "handoff"): 1,
    ("yunnan", INPATIENT, "poor_rating"): 1,
    ("yunnan", CARD, "not_stated"): 1,
}


# -- the report ------------------------------------------------------------------------------------


def test_counts_by_region_item_and_outcome(tracker_url):
    report = un.unanswered(tracker_url, kb=FakeKB())
    assert counts(report) == {**EXPECTED, ("chenzhou", None, "decline"): 2}  # the old decline too
    assert report["totals"]["by_outcome"] == {"not_stated": 4, "decline": 4, "fallback": 4, "handoff": 1, "poor_rating": 2}
    assert report["totals"]["unanswered"] == 15
    assert report["totals"]["conversations"] == 13
    g = group(report, "chenzhou", CHILDBIRTH, "not_stated")
    assert (g["region_name"], g["item_name"], g["outcome_label"], g["conversations"]) == ("郴州市", "生育津贴支付", "指南未写明", 2)
    assert g["examples"] == ["申请表在哪里下载", "这个是按哪个文件规定的？", "生育津贴要交什么材料 / 我在郴州市北湖区这边"]  # latest first
    g = group(report, None, None, "decline")  # the same masked question twice: one example
    assert (g["count"], g["conversations"], len(g["examples"])) == (2, 2, 1)
    assert group(report, None, None, "fallback")["examples"] == ["咋整", "查一下我的备案办好没有", "嗯嗯那个那个咋整啊"]
    # regions in the KB's order, the unnamed region last
    assert list(report["regions"]) == ["chenzhou", "yunnan", un.NO_REGION]
    assert report["regions"]["chenzhou"]["unanswered"] == 7


def test_answers_quotes_from_the_next_guide_and_good_ratings_are_not_reported(tracker_url):
    report = un.unanswered(tracker_url, kb=FakeKB())
    examples = [e for g in report["groups"] for e in g["examples"]]
    assert not any("异地安置备案依据" in e or "多久能到账" in e or "你好" in e for e in examples)


def test_a_poor_rating_rates_the_answer_before_it(tracker_url):
    report = un.unanswered(tracker_url, kb=FakeKB())
    assert group(report, "chenzhou", CHILDBIRTH, "poor_rating")["examples"] == ["郴州生育津贴要什么材料"]
    # after "更多" the rated answer is the long one's question; the rating reply's channels are no handoff
    assert group(report, "yunnan", INPATIENT, "poor_rating")["examples"] == ["云南住院报销要带哪些东西"]
    assert [g["examples"] for g in report["groups"] if g["outcome"] == "handoff"] == [["异地安置备案在网上怎么办 / 郴州的"]]


def test_a_handoff_asked_for_the_region_counts_once_with_the_question_before_it(tracker_url):
    g = group(un.unanswered(tracker_url, kb=FakeKB()), "chenzhou", RELOCATION, "handoff")
    assert (g["count"], g["examples"]) == (1, ["异地安置备案在网上怎么办 / 郴州的"])


def test_nearest_item_without_a_region_and_outside_the_domain():
    kb = FakeKB()
    nearest = un._Nearest(kb)
    assert nearest("住院了那个单子咋弄", None) == INPATIENT  # every region's evidence: only 云南 has it
    assert {region for _, region in kb.evidence_calls} == {"chenzhou", "yunnan"}
    assert nearest("办异地安置要啥", None) == RELOCATION  # the phrase lists first
    assert nearest("住院了那个单子咋弄", "chenzhou") is None  # 郴州's guide has no such item here
    assert nearest("明天会下雨吗 生育", "chenzhou") == CHILDBIRTH
    assert nearest("明天会下雨吗", "chenzhou") is None  # no word of 医保: evidence is no nearness
    assert kb.evidence_items("明天会下雨吗", "chenzhou")  # (though the text shares characters)


def test_no_personal_data_in_the_report(tracker_url):
    report = un.unanswered(tracker_url, kb=FakeKB())
    out = json.dumps(report, ensure_ascii=False) + un.format_report(report)
    for secret in (ID_NUMBER, MOBILE, "2223456", NAME, "建国", TOKEN_HASH, "h=", "〔", "李小明", "unans-test"):
        assert secret not in out
    declined, _old = group(report, "chenzhou", None, "decline")["examples"]
    assert declined == f"我叫王**，身份证430***********{ID_NUMBER[-4:]}，电话138****5678，座机0735-*******，郴州住房公积金怎么取"
    assert group(report, None, None, "decline")["examples"] == [f"430***********{ID_NUMBER[-4:]}的养老金每个月几号发"]


def test_mask_personal():
    assert un.mask_personal(f"我的身份证是{ID_NUMBER}") == f"我的身份证是430***********{ID_NUMBER[-4:]}"
    assert un.mask_personal(f"手机 {MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}") == "手机 138****5678"
    assert un.mask_personal("姓名：欧阳娜娜，电话(0735)2223456") == "姓名：欧***，电话(0735)*******"
    assert un.mask_personal("医保卡号12345678901") == "医保卡号123********"
    assert un.mask_personal("生育津贴12月能到账吗") == "生育津贴12月能到账吗"


def test_since_keeps_questions_from_that_day_on(tracker_url):
    report = un.unanswered(tracker_url, since=dt.date(2026, 12, 1), kb=FakeKB())
    assert counts(report) == EXPECTED
    assert report["since"] == "2026-12-01" and report["totals"]["conversations"] == 12
    assert un.unanswered(tracker_url, since=dt.date(2026, 12, 3), kb=FakeKB())["groups"] == []


def test_json_and_text(tracker_url):
    report = un.unanswered(tracker_url, kb=FakeKB())
    assert json.loads(json.dumps(report, ensure_ascii=False)) == report
    textual = un.format_report(report)
    lines = textual.splitlines()
    assert lines[0] == "居民没有得到解答的问题（全部记录）"
    assert "未解答 15 次" in lines[1] and "指南未写明 4" in lines[1]
    assert lines.index("【郴州市】未解答 7 次") < lines.index("【云南省】未解答 2 次") < lines.index("【未指明地区】未解答 6 次")
    row = next(line for line in lines if line.startswith("生育津贴支付") and "指南未写明" in line)
    assert row.split()[-2:] == ["3", "2"]  # times, conversations
    assert "    例：申请表在哪里下载" in lines
    assert un.format_report(un.unanswered(tracker_url, since=dt.date(2030, 1, 1), kb=FakeKB())).endswith("没有未解答的问题。\n")


# -- the command -----------------------------------------------------------------------------------


def run_cli(argv: List[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m knowledge")
    sub = parser.add_subparsers(dest="command", required=True)
    un.add_command(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture()
def fake_gateway(monkeypatch):
    import actions.kb_gateway

    monkeypatch.setattr(actions.kb_gateway, "gateway", FakeKB)


def test_command_json_since_and_tracker(tracker_url, fake_gateway, capsys):
    assert run_cli(["unanswered", "--tracker", tracker_url, "--json", "--since", "2026-12-01"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {(g["region"], g["item"], g["outcome"]): g["count"] for g in report["groups"]} == EXPECTED


def test_command_default_tracker_from_the_environment(tracker_url, fake_gateway, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TRACKER_DIALECT", "sqlite")
    monkeypatch.setenv("TRACKER_DB", tracker_url[len("sqlite:///") :])
    assert run_cli(["unanswered"]) == 0
    assert capsys.readouterr().out.startswith("居民没有得到解答的问题（全部记录）\n会话 13 个")
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "none.sqlite3"))
    assert run_cli(["unanswered"]) == 2
    assert not (tmp_path / "none.sqlite3").exists()  # (no empty store created by looking)
    with pytest.raises(SystemExit):
        run_cli(["unanswered", "--since", "12/01/2026"])


def test_default_tracker_url_is_the_one_make_run_writes(monkeypatch):
    monkeypatch.delenv("TRACKER_DIALECT", raising=False)
    monkeypatch.delenv("TRACKER_DB", raising=False)
    assert un.default_tracker_url() == f"sqlite:///{ROOT / 'bot' / 'generated' / 'tracker.sqlite3'}"
    for name in ("TRACKER_HOST", "TRACKER_PORT", "TRACKER_USER", "TRACKER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_DIALECT", "postgresql")
    monkeypatch.setenv("TRACKER_DB", "rasa")
    assert un.default_tracker_url() == "postgresql:///rasa"


def test_default_tracker_url_is_the_one_make_run_scaled_writes(monkeypatch):
    """bot/endpoints-scaled.yml's server, user and password, as the scaled topology sets them."""
    for name, value in dict(TRACKER_DIALECT="postgresql", TRACKER_HOST="db.internal", TRACKER_PORT="5433",
                            TRACKER_USER="rasa", TRACKER_PASSWORD="s3cret", TRACKER_DB="yibao_tracker").items():
        monkeypatch.setenv(name, value)
    assert un.default_tracker_url() == "postgresql://rasa:s3cret@db.internal:5433/yibao_tracker"


# -- the markers follow the assistant's own wording ------------------------------------------------


def test_markers_match_what_the_actions_say():
    record = {"name": "生育津贴支付", "region": "郴州市", "guide_title": GUIDE}

    def outcome(*replies: str, action: str = "action_answer") -> Optional[str]:
        turn = un._Turn(0.0, "问题", "inform", {}, {}, actions=[action], bot=[(action, r, {}) for r in replies])
        return un._classify(turn)

    for topic in [None, *answers.OUT_OF_SCOPE_WHERE]:
        assert outcome(answers.decline(topic)) == "decline"
    assert outcome(answers.REPHRASE) == outcome(answers.INTERNAL_ERROR) == "fallback"
    assert outcome(answers._missing(record, "办理时限", CHENZHOU)) == "not_stated"
    assert outcome(answers.no_item_in_region("生育津贴支付", CHENZHOU)) == "not_stated"
    assert outcome(GOOD_ANSWER + f"\n《{GUIDE}》没有写明办理时限，可咨询当地医保经办机构：…") == "not_stated"
    assert outcome(f"设定依据（《{GUIDE}》没有写明，以下摘自《湖南省清单》）：\n《社会保险法》") is None
    assert outcome(answers.handoff(CHENZHOU)) == outcome(answers.HANDOFF_ASK_REGION) == "handoff"
    assert un.HANDOFF_ASK_REGION_RE.search(answers.HANDOFF_ASK_REGION)
    for reply in (GOOD_ANSWER, answers.region_prompt(), answers.OTHER_ITEMS, answers.DENY_ACK, answers.NO_MORE):
        assert outcome(reply) is None
    assert outcome(answers.rating_thanks(1, CHENZHOU), action="action_record_rating") is None
    assert outcome("好的", action="action_default_fallback") == "fallback"
    meta = un._Turn(0.0, "问题", "inform", {}, {}, actions=["action_x"], bot=[("action_x", "Sorry", {"utter_action": "utter_default"})])
    assert un._classify(meta) == "fallback"


def test_rating_constants_follow_the_actions():
    from actions.actions import RATED_ACTIONS, RecordRating

    assert un.RATED_ACTIONS == RATED_ACTIONS
    assert un.POOR_RATING == answers.POOR_RATING and set(answers.RATING_LABELS) == {1, 2, 3, 4, 5}
    assert RecordRating().name() == un.RATING_ACTION


def test_the_fake_kb_has_the_gateway_interface():
    for name in ("regions", "region", "item_name", "knows_item", "evidence_items", "rank_items", "in_domain"):
        real = list(inspect.signature(getattr(KnowledgeGateway, name)).parameters)
        assert list(inspect.signature(getattr(FakeKB, name)).parameters) == real, name


# -- PostgreSQL ------------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_report_from_a_postgres_tracker_store(domain):
    admin_url = PG_ADMIN_URL
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server here: say why instead of failing
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {exc.__class__.__name__}: {exc}".splitlines()[0])
    name = f"unanswered_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = None
    try:
        server = admin.url
        store = SQLTrackerStore(
            domain, dialect="postgresql", host=server.host, port=server.port, db=name, username=server.username,
            password=server.password,
        )
        await save_all(store, domain, conversations())
        url = server.set(database=name).render_as_string(hide_password=False)
        assert counts(un.unanswered(url, since=dt.date(2026, 12, 1), kb=FakeKB())) == EXPECTED
        report = un.unanswered(url, kb=FakeKB())
        assert report["totals"]["unanswered"] == 15 and ID_NUMBER not in json.dumps(report, ensure_ascii=False)
    finally:
        if store is not None:
            store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_only_conversations_active_since_the_day_are_read(tracker_url):
    engine = create_engine(tracker_url)
    try:
        read = dict(un._sender_events(engine, un._since_timestamp(dt.date(2026, 12, 1))))
        everything = dict(un._sender_events(engine, None))
    finally:
        engine.dispose()
    assert len(everything) == 13 and set(everything) - set(read) == {"unans-test-9"}
    # a conversation read is read whole, in the order Rasa stored it
    assert read["unans-test-11"] == everything["unans-test-11"]
    assert [e["event"] for e in read["unans-test-11"]][:3] == ["action", "session_started", "action"]
