"""The console search's fusion of the engine's rankings (no KB: the engine's lists are given)."""

from __future__ import annotations

from types import SimpleNamespace

from web import console_service


class Engine:
    """The gateway's ranking calls, answering with fixed lists and recording how evidence was asked."""

    def __init__(self, evidence, named=()):
        self.evidence, self.named, self.asked = evidence, list(named), []

    def evidence_items(self, text, region, k=5, expand=True, level=None):
        self.asked.append(expand)
        return [(key, 1.0, SimpleNamespace(text=f"{key}的原文", kind="materials")) for key in self.evidence[:k]]

    def rank_items(self, text):
        return [(key, 1.0) for key in self.named]

    def has_item(self, region, key):
        return True


def test_the_bots_other_offers_do_not_crowd_out_the_evidences_best(monkeypatch):
    # the bot answers with A and also offers B, C; the evidence puts E first: E is in the top 3
    monkeypatch.setattr(console_service, "bot_items", lambda kb, text, region: ["A", "B", "C"])
    monkeypatch.setattr(console_service, "action_items", lambda kb, text, region, k: [])
    ranked = [key for key, _ in console_service.ranked_items(Engine(["E", "A", "F"]), "问题", "demo")]
    assert ranked[0] == "A"  # the bot's own answer leads
    assert "E" in ranked[:3]


def test_the_evidence_counts_the_guides_synonyms_for_less_than_the_callers_words(monkeypatch):
    monkeypatch.setattr(console_service, "bot_items", lambda kb, text, region: [])
    monkeypatch.setattr(console_service, "action_items", lambda kb, text, region, k: [])
    engine = Engine(["E"])
    console_service.ranked_items(engine, "问题", "demo")
    assert engine.asked == [console_service.SYNONYM_WEIGHT] and 0 < console_service.SYNONYM_WEIGHT < 1


def test_a_reason_says_whether_the_bot_answers_with_the_item_or_only_offers_it(monkeypatch):
    monkeypatch.setattr(console_service, "bot_items", lambda kb, text, region: ["A", "B"])
    monkeypatch.setattr(console_service, "action_items", lambda kb, text, region, k: [])
    why = dict(console_service.ranked_items(Engine(["B"]), "问题", "demo"))
    assert why["A"].startswith("助手会按此事项回答")
    assert why["B"].startswith("助手会一并列出此事项") and "指南原文（办理材料）" in why["B"]


def test_the_search_reads_the_callers_words_as_the_bots_actions_do(monkeypatch):
    # dialect, split words ("上了个环") and homophone typos are read before ranking, as the bot reads them
    seen = []
    monkeypatch.setattr(console_service, "ranked_items", lambda kb, text, region: seen.append(text) or [])
    kb = SimpleNamespace(search=SimpleNamespace(normalize=lambda text: text.replace("上了个环", "上环了")))
    console_service.search(kb, "去医院上了个环，能报不", "demo")
    assert seen == ["去医院上环了，能报不"]
