"""Language resources generated from the KB: item and region recognition from how people talk."""

import json

import pytest

from knowledge import nlu_resources
from knowledge.matching import PhraseIndex


@pytest.fixture(scope="module")
def indexes(kb_engine):
    from sqlalchemy.orm import Session

    with Session(kb_engine, future=True) as s:
        return nlu_resources.build_indexes(s)


@pytest.mark.parametrize(
    "text, code",
    [
        ("退休了去外地跟儿子住，看病怎么报", "002036004001"),
        ("生育经贴要啥材料", "002036007004"),
        ("个账里的钱怎么取", "002036002003"),
        ("灵活就业怎么交医保", "002036001002"),
        ("住院自己垫钱了回来怎么报", "002036006002"),
        ("城乡居民暂停参保要什么", "002036001003"),
        ("单位参保信息变更要提交啥", "002036001004"),
        ("社保卡丢了怎么补", "社会保障卡（加载金融功能）申办与管理"),
        ("长沙的双通道药品怎么认定", "002036005002"),
    ],
)
def test_items_from_colloquial_descriptions(indexes, text, code):
    assert indexes["service_item"].best(text) == code


@pytest.mark.parametrize("text, region", [("昆明的慢性病", "yunnan"), ("我在都匀", "guizhou"), ("咸宁市咸安区", "xianan"), ("北湖区的", "chenzhou"), ("长沙", "hunan")])
def test_regions_from_aliases(indexes, text, region):
    assert indexes["region"].best(text) == region


@pytest.mark.parametrize(
    "text, region",
    [("我们是汨罗的", "hunan"), ("户口在攸县", "hunan"), ("人在腾冲", "yunnan"), ("蒙自这边", "yunnan"),
     ("瓮安县参保", "guizhou"), ("嘉禾县", "chenzhou"), ("我们平浪镇", "guizhou"), ("官埠桥镇这边", "xianan"), ("我在温泉上班", "xianan"),
     ("在官渡租房子", "yunnan"), ("家住荷塘", "hunan")],
)
def test_a_county_names_its_region(indexes, text, region):
    # people name their county, not the city: every county of the provinces the guides cover
    assert indexes["region"].best(text) == region


def test_no_place_of_one_region_hides_inside_another_regions(indexes):
    import yaml

    from knowledge.manifest import MANIFEST_PATH

    regions = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))["regions"]
    places = [(a, r["key"]) for r in regions for a in r["aliases"]]
    assert not [(a, b) for a, ra in places for b, rb in places if ra != rb and a != b and a in b]


def test_entity_spans_point_into_the_original_text(indexes):
    text = "我在 昆明，生育 津贴要啥"
    hits = indexes["region"].entities(text)
    assert text[hits[0].start : hits[0].end] == "昆明"


def test_derived_names():
    assert nlu_resources.derived_names("单位参保信息变更登记") == ["单位参保信息变更"]
    assert "暂停参保" in nlu_resources.derived_names("职工减少登记（暂停参保）")


def test_generated_files_round_trip(kb_engine, tmp_path):
    from sqlalchemy.orm import Session

    with Session(kb_engine, future=True) as s:
        written = nlu_resources.write(s, tmp_path)
        again = nlu_resources.write(s, tmp_path)
    assert all(changed for _, changed in written) and not any(changed for _, changed in again)
    indexes, names = nlu_resources.load_indexes(tmp_path / "entities.json")
    assert names["002036004001"] == "异地安置退休人员备案"
    assert isinstance(indexes["service_item"], PhraseIndex)
    words = (tmp_path / "jieba" / "userdict.txt").read_text(encoding="utf-8").split("\n")
    assert "异地安置 2000" in words
    assert "lookup: region" in (tmp_path / "lookups.yml").read_text(encoding="utf-8")
    json.loads((tmp_path / "entities.json").read_text(encoding="utf-8"))


def test_the_name_of_a_regions_own_guide_names_the_region(indexes):
    # agents cite the Hunan list by its name: "事项清单里写的依据"
    assert indexes["region"].best("事项清单上这项的依据") == "hunan"


def test_a_character_belongs_to_one_place_name(indexes):
    # "咸安乡镇窗口": 咸安, not 湖南's county 安乡 in its middle
    assert indexes["region"].rank("咸安乡镇窗口能办门诊费用报销吗") == [("xianan", 6.0)]
    assert indexes["region"].best("我是安乡县的") == "hunan"


def test_a_bag_word_may_be_alternatives_and_a_bag_listed_twice_counts_once():
    index = PhraseIndex()
    index.add_bag(["老婆|爱人|媳妇", "生", "没工作|不上班"], "spouse")
    index.add_bag(["生小孩", "报"], "birth")
    index.add_bag(["生小孩", "报"], "birth")
    assert index.rank("爱人不上班，生小孩的费用怎么报")[0][0] == "spouse"
    assert [h.phrase for h in index.hits("爱人不上班，生小孩怎么报") if h.value == "spouse"] == ["爱人+生+不上班"]
    assert "spouse" not in dict(index.rank("女儿不上班，生小孩怎么报"))
