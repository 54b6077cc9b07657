"""casework.kb: items per region, the time-limit segment that sets the date, material texts."""

from __future__ import annotations

from casework.kb import KbReader

from .conftest import kb_item


def test_items_per_region(kb_reader: KbReader):
    assert kb_reader.region_names()["chenzhou"] == "郴州市"
    counts = {r: len(kb_reader.items(r)) for r in ("chenzhou", "hunan", "yunnan", "xianan", "guizhou")}
    assert counts == {"chenzhou": 33, "hunan": 39, "yunnan": 31, "xianan": 62, "guizhou": 28}
    assert kb_reader.items("atlantis") == []


def test_limit_prefers_the_unconditional_segment(kb_reader):
    item = kb_item(kb_reader, "chenzhou", "职工参保登记")  # 不超过5个工作日；灵活就业人员即时办结。
    assert (item.limit().unit, item.limit().days) == ("working_days", 5)
    assert "有效身份证件" in item.materials and len(item.materials) == len(set(item.materials))


def test_limit_follows_the_channel(kb_reader):
    item = kb_item(kb_reader, "chenzhou", "异地安置退休人员备案")  # 线上不超过2个工作日，线下即时办结。
    assert item.limit(online=False).unit == "immediate"
    assert (item.limit(online=True).unit, item.limit(online=True).days) == ("working_days", 2)


def test_other_unit_means_no_date(kb_reader):
    assert kb_item(kb_reader, "yunnan", "职工参保登记").limit() is None  # 每月1-15日受理,即时办结。


def test_find(kb_reader):
    item = kb_item(kb_reader, "hunan", "异地安置退休人员备案")
    assert kb_reader.find("hunan", item.code, item.name, item.variant) == item
    assert kb_reader.find("hunan", "000000000000", item.name, None) is None


def test_one_code_on_two_items_is_told_apart_by_name(kb_reader):
    out_, in_ = kb_item(kb_reader, "guizhou", "医疗保险关系转出"), kb_item(kb_reader, "guizhou", "医疗保险关系转入")
    assert out_.code == in_.code
    assert kb_reader.find("guizhou", in_.code, in_.name, None) == in_
    distinct = kb_reader.distinct_items("xianan")
    assert len(distinct) < len(kb_reader.items("xianan"))
    assert all(kb_reader.find("xianan", i.code, i.name, i.variant) == i for i in distinct)
