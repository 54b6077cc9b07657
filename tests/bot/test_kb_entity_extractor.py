"""The KB entity extractor: who someone says they are not is no entity."""

from __future__ import annotations

import pytest

from bot.components.kb_entity_extractor import KBEntityExtractor
from knowledge.nlu_resources import DEFAULT_DIR, load_indexes


@pytest.fixture(scope="module")
def extractor():
    indexes, _ = load_indexes(DEFAULT_DIR / "entities.json")
    return KBEntityExtractor({}, indexes)


def test_who_someone_is_not_is_no_entity(extractor):
    assert "applicant_type" not in extractor.best_hits("在昆明开网约车，冇得单位，自己想参保")
    assert extractor.best_hits("单位帮我去办的")["applicant_type"].value == "单位"
    assert "personnel_category" not in extractor.best_hits("我不是退休人员，还在上班")


def test_an_item_said_not_to_have_happened_is_no_entity(extractor):
    hits = extractor.best_hits("冒住院，这钱能报不")
    assert hits.get("service_item") is None or hits["service_item"].value != "002036006002"


def test_leaving_the_army_is_no_retirement(extractor):
    assert extractor.best_hits("我是部队退下来那批人")["personnel_category"].value == "退役士兵"
    assert extractor.best_hits("我爸是厂里退下来的")["personnel_category"].value == "退休人员"


def test_a_small_business_of_ones_own_is_flexible_employment(extractor):
    assert extractor.best_hits("在曲靖开了个店，想给自己参保")["personnel_category"].value == "灵活就业人员"
