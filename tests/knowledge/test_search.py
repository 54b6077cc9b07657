"""The answer engine's retrieval: passages cover all KB text; BM25 per region finds items in users' words."""

from __future__ import annotations

import re

import pytest

from knowledge.passages import MAX_PASSAGE_CHARS, Passage, build_passages, split_paragraphs
from knowledge.search import SearchEngine, Tokenizer


@pytest.fixture(scope="module")
def passages(kb_engine):
    from sqlalchemy.orm import Session

    with Session(kb_engine, future=True) as session:
        return build_passages(session)


@pytest.fixture(scope="module")
def engine(passages) -> SearchEngine:
    return SearchEngine(passages)


def test_passages_cover_fields_materials_forms_and_notices(passages):
    kinds = {p.kind for p in passages}
    assert {"title", "materials", "process", "time_limit", "channels", "form", "notice", "preface", "flowchart"} <= kinds
    assert {p.region_key for p in passages} == {"chenzhou", "hunan", "yunnan", "xianan", "guizhou"}
    assert all(p.source and ":" in p.source and p.text.strip() for p in passages)


def test_a_step_is_said_once_where_its_text_opens_with_its_title(passages):
    # 郴州 prints "1.申请。申请人按属地管理原则…": the step's title is not put before it again
    steps = [p.text for p in passages if p.kind == "process" and p.region_key == "chenzhou"]
    assert any(t.startswith("申请。申请人") for t in steps)
    assert not any(re.match(r"^(\w{2,4})。\1。", t) for t in steps)
    assert all(p.item for p in passages if p.kind in ("title", "materials", "time_limit"))


def test_long_paragraphs_are_cut_at_sentence_ends():
    text = "。".join(["这是一句比较长的说明文字，用来测试切分" * 2] * 12) + "。"
    parts = split_paragraphs(text)
    assert len(parts) > 1 and "".join(parts) == text
    assert all(len(p) <= MAX_PASSAGE_CHARS + 60 and p.endswith("。") for p in parts)


def test_tokens_include_words_bigrams_and_characters():
    tokens = Tokenizer()("断缴了几个月能补吗")
    assert "~缴" in tokens and "_断缴" in tokens and "吗" not in tokens


@pytest.mark.parametrize(
    "text, region, item_name",
    [
        ("退休了去外地住，看病怎么报？", "yunnan", "异地安置退休人员备案"),
        ("生育津贴要啥材料", "guizhou", "生育津贴支付"),
        ("遇到交通事故住进医院，出院后报销带哪些东西", "guizhou", "住院费用报销"),
        ("断缴了几个月能补吗", "hunan", "法定断档补缴"),
        ("村卫生室门诊费用结算要什么单据", "xianan", "辖区内村（社区）卫生室门诊费用结算"),
    ],
)
def test_items_ranked_from_users_words(engine, text, region, item_name):
    ranked = engine.rank_items(text, region)
    assert ranked and item_name in ranked[0][2].label


def test_search_stays_in_its_region_and_item(engine):
    hits = engine.search("异地就医备案材料", "guizhou", k=20)
    assert hits and all(h.passage.region_key == "guizhou" for h in hits)
    item = hits[0].passage.item
    assert all(h.passage.item == item for h in engine.search("材料", "guizhou", item=item))
    assert engine.search("材料", "nowhere") == [] and engine.search("！？", "guizhou") == []


def test_forms_and_notices_are_searchable(engine):
    hits = engine.search("承诺书 法律责任", "chenzhou", k=10)
    assert any(h.passage.kind in ("form", "notice") for h in hits)


def test_a_more_specific_sibling_leads_when_the_question_says_what_makes_it_specific(engine):
    # 改 is 变更 in the guide's words: the 变更 sibling of 城乡居民参保登记 leads
    ranked = engine.rank_items("城乡居民的参保登记，名字写错了想改一下", "chenzhou")
    assert ranked[0][2].name == "城乡居民参保信息变更登记"
    # without such a word the shorter name spelled out in full keeps the lead
    ranked = engine.rank_items("居民医保的登记要带什么", "chenzhou")
    assert ranked[0][2].name == "城乡居民参保登记"


def test_text_printed_one_character_per_line_is_one_text():
    from knowledge.passages import rejoin

    # 湖南's list table prints its 说明 down a column, a character per line (001 l.12421–12704)
    vertical = "\n\n".join("说明：1.委托办理业务的，应提供委托人及代理人身份证件原件。")
    assert rejoin(vertical) == "说明：1.委托办理业务的，应提供委托人及代理人身份证件原件。"
    assert rejoin("一、单位名称\n二、地址") == "一、单位名称\n二、地址"  # ordinary lines stay lines


def test_the_list_tables_notes_are_whole_sentences(passages):
    notes = [p for p in passages if p.region_key == "hunan" and p.source.endswith(":12421-12704")]
    assert notes and all(len(p.text) > 20 for p in notes)
    assert any("应提供参保人银行账户信息" in p.text for p in notes)


def test_a_message_is_read_in_mandarin_with_its_typos_corrected(engine):
    assert engine.normalize("医保交了好多年，咋个查") == "医保交了几年，怎么查"
    assert engine.normalize("冇得单位，要带么子") == "没有单位，要带什么"
    assert engine.normalize("出门前要备按吗") == "出门前要备案吗"
    assert engine.normalize("生育津贴要什么材料") == "生育津贴要什么材料"
    assert engine.normalize("帐户余额多少") == "账户余额多少"  # the old variant character
    assert engine.normalize("审核要几多天，要交几多钱") == "审核要几天，要交多少钱"  # 湖北's 几多
    # a verb-object word split by an aspect or measure word is joined again, the aspect kept
    assert engine.normalize("前年结了个扎，去年又住过一次院") == "前年结扎了，去年又住院过"
    # 鄂南's 么事 / 么样, but not inside the Mandarin words that hold them
    assert engine.normalize("办这个要准备么事，么样交") == "办这个要准备什么，怎么交"
    assert engine.normalize("有什么事要注意，怎么样才算办好") == "有什么事要注意，怎么样才算办好"
    # 湘's 冒 ("not"), not inside 感冒 or 冒名
    assert engine.normalize("冒得医保卡，感冒了") == "没有医保卡，感冒了"
    # 黔's 哪门 ("how"), not inside 哪门子
    assert engine.normalize("登记表哪门填") == "登记表怎么填" and engine.normalize("这是哪门子规定") == "这是哪门子规定"
    # of a parent or an elder, 走了 says they died; of anyone else it says they left
    assert engine.normalize("老爷子上个月走了，医保要停掉") == "老爷子上个月去世了，医保要停掉"
    assert engine.normalize("我走了两天路") == "我走了两天路"
    # …also in a later clause that opens with when, but not of a trip
    assert engine.normalize("我爷爷是退休干部，前几天走了，卡里还有钱") == "我爷爷是退休干部，前几天去世了，卡里还有钱"
    assert engine.normalize("我妈住城里，上周走了一趟医院") == "我妈住城里，上周走了一趟医院"



def test_an_item_whose_whole_text_says_the_question_leads_one_lucky_passage(engine):
    # 职工参保登记 has one line on 灵活就业 and 医保; 生育津贴支付 says 生育 and 津贴 throughout
    ranked = engine.rank_items("灵活就业人员自行缴费，生小孩后可以领取生育津贴么", "yunnan")
    assert ranked[0][2].name == "生育津贴支付"


def test_chenzhous_flowchart_boxes_are_secondary_passages(passages):
    # 郴州's text boxes say what the fields do not (the subsidy needs no application of one's own)
    boxes = [p for p in passages if p.region_key == "chenzhou" and p.kind == "flowchart"]
    assert any("不需个人申请" in p.text for p in boxes)
    assert not any(p.kind == "flowchart" for p in passages if p.region_key in ("hunan", "xianan", "guizhou"))


def _passage(kind, text, item, line):
    """A passage of a one-guide demo region, named after its item."""
    return Passage("demo", kind, text, f"g.txt:{line}-{line}", item=item, label=item, name=item)


def _other_items():
    """Thirty items of one step each, so that the demo region's words have document frequencies."""
    return [_passage("process", f"申请人向医保经办机构提出申请，办理第{i}步。", f"x{i}", 100 + i) for i in range(30)]


def test_list_table_remarks_answer_details_but_choose_no_item():
    # 湖南's list-table 备注 are searched within a known item, never as evidence of which item it is
    passages = [
        _passage("title", "生育医疗待遇支付", "birth", 1),
        _passage("list_remarks", "产前检查费和生育医疗费可合并支付，一次性提供材料", "birth", 2),
        _passage("title", "个人账户一次性支取", "account", 3),
        _passage("materials", "一次性支取申请表", "account", 4),
    ] + _other_items()
    engine = SearchEngine(passages, expansions={})
    assert [k for k, _, _ in engine.rank_items("一次性提供材料可以吗", "demo")][0] == "account"
    assert engine.search("可合并支付吗", "demo", item="birth")[0].passage.kind == "list_remarks"


def test_text_printed_alike_in_many_items_is_no_evidence_of_the_item(engine):
    index = engine._indexes["hunan"]
    query_lines = [p for p in index.passages if p.kind == "query" and "手机" in p.text]
    assert query_lines and all(id(p) in index.boilerplate for p in query_lines)
    # a family's shared line (贵州's reimbursements: 门（急）诊病历…) still tells the family
    shared = [p for p in engine._indexes["guizhou"].passages if p.item and "门（急）诊病历或出院小结" in p.text]
    assert shared and not any(id(p) in engine._indexes["guizhou"].boilerplate for p in shared)


def test_separable_words_joined_across_de():
    engine = SearchEngine([Passage("demo", "title", "退休", "g.txt:1-1", item="x", name="退休")])
    assert "退休" in engine.normalize("我妈在昆明退的休")
    assert engine.normalize("医生看的病历") == "医生看的病历"
    assert "挂号" in engine.normalize("明天去医院挂个号")  # so that the hospital's business is recognised


def test_a_place_the_guide_names_in_a_rule_of_its_own_is_kept_as_evidence():
    rule = Passage("demo", "channels", "遵义市转移通过邮寄纸质材料", "g.txt:1-1", item="x", name="转出")
    others = [Passage("demo", "materials", f"材料{i}", f"g.txt:{i}-{i}", item="y", name="登记") for i in range(2, 80)]
    engine = SearchEngine([rule, *others], place_names=["遵义", "凯里"])
    assert "遵义" not in engine.without_places("转遵义要多久")
    assert "遵义" in engine.without_places("转遵义要多久", printed_in="demo")


def test_a_wrapped_label_is_one_passage():
    # "申请人" / "或监护人" printed on two lines of a form cell: who signs, kept whole
    from knowledge.passages import rejoin

    assert "申请人或监护人" in rejoin("\t申请人\n或监护人\n\t以上信息填报真实。").splitlines()


def test_a_synonym_may_count_for_less_than_the_askers_own_word():
    # "交" stands for 缴 and 缴费: at full weight the two synonyms outweigh the word the asker said
    # (证明); counted at a share of a typed word, the asker's word decides
    passages = [
        _passage("title", "缴费登记", "pay", 1),
        _passage("materials", "缴费 缴 缴费 缴费基数", "pay", 2),
        _passage("title", "出具参保证明", "cert", 3),
        _passage("materials", "开具 证明 证明", "cert", 4),
    ] + _other_items()
    engine = SearchEngine(passages, expansions={"交": "缴 缴费"})
    question = "开个证明，我交过的"
    assert [k for k, _, _ in engine.rank_items(question, "demo")][0] == "pay"
    assert [k for k, _, _ in engine.rank_items(question, "demo", expand=0.3)][0] == "cert"
    assert [k for k, _, _ in engine.rank_items(question, "demo", expand=False)][0] == "cert"
