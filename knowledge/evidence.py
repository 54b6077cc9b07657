"""What the main answer leaves out: the guide's sentences that cover the rest of the question.

An answer first gives the asked aspects of a record (materials, time limit …). A question usually says
more than its aspect — "奶奶过世了，要在多少天之内去报停", "搞丢了怎么办", "承诺书里我属于哪一项" — and the
guide often answers that part elsewhere: in a note, a material's condition, another variant of the
item, a form's printed text or a notice. This module finds those sentences by *coverage*:

1. the question's words (jieba with the KB dictionary; place names and stopwords dropped), each with
   the guide's words for it (``colloquial.yml`` ``search_synonyms``: 过世 → 死亡);
2. those the answer already says, and those too common in the region's guide to point anywhere, are
   dropped; what is left is what the answer does not yet cover;
3. passages of the item, its forms and the region's notices are chosen greedily, each for the most
   uncovered words it adds (rare words count more), until nothing more is covered or the budget is
   spent.

Pure and Rasa-free: ``actions/routing.py`` calls :func:`supporting` with the text it will send.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace
from typing import Collection, Dict, FrozenSet, List, Optional, Sequence, Tuple

from knowledge.matching import NEGATION
from knowledge.passages import Passage, chinese_characters
from knowledge.search import SearchEngine

#: A word in more than this share of the region's passages (办理, 医保经办机构) points nowhere.
GENERIC_SHARE = 0.06
#: Passages that only name or label the item: they never answer anything.
NOT_EVIDENCE = frozenset({"title", "name", "evaluation", "supervision"})
#: …but a 事项名称 that goes on past the name says what the item covers (云南's 门诊慢特病 lists its
#: diseases there): that much longer, it is evidence.
NAME_WITH_MORE = 30
#: What the guide calls a field, said before a passage of it: it is matched ("受理单位、时限") and
#: quoted with the passage ("受理单位：咸安区医疗保障服务中心各级经办服务窗口").
FIELD_LABELS = {
    "unit": "受理单位", "target": "服务对象", "time_limit": "办理时限", "channels": "办理渠道",
    "query": "查询方式", "consult": "咨询方式", "contact": "联系方式", "legal_basis": "设定依据",
    "list_remarks": "清单备注",
}
#: Kinds of region text outside any item that may answer a question.
DOCUMENT_KINDS = frozenset({"duties", "preface", "faq", "notice", "cover_letter"})
#: How much a passage's coverage counts, by where it sits relative to the record answered.
PLACE_WEIGHT = {"variant": 1.0, "form": 0.9, "item": 0.75, "document": 0.6}
#: "多少天之内", "多久内": the question asks a period; the guide states one as "20个工作日内", "3个月内".
ASKS_PERIOD = re.compile(r"多久|多长时间|多少天|几天|几个月|多少个?工作日|期限|时间内|天内|之内")
PERIOD = re.compile(r"\d+\s*个?\s*(?:工作日|自然日|日|天|月|年)(?:内|之内|以内)")
#: A question about how many copies ("填几份"), and the guides' way of saying it ("一式二份").
ASKS_COPIES = re.compile(r"几份|多少份|几联|几张|一式几|(?:填|交|要|准备|打印)[一两二三四]份")
COPIES = re.compile(r"一式[一二两三四五六\d]+份|[一二两三四五六\d]+份")
#: Box labels joined by arrows or dashes ("费用对账-汇总-复核-拨付单"): a flowchart's shape, no rule.
_LABEL_CHAIN = re.compile(r"^(?:[^-—→>，。；;：:]{1,10}[-—→>]){2,}[^-—→>，。；;：:]{1,10}$")
#: Who brought the question ("群众来电反映", "来电人问"): the call, not what it asks.
ASKER_WORDS = frozenset({"群众", "来电人", "来电", "老百姓", "市民"})
#: "每月几号", "哪几天": the question asks days of the month; the guides print "每月1-5日", "25日前".
ASKS_DAY = re.compile(r"几号|哪天|哪几天|哪一天|每月几|每个月几")
DAYS = re.compile(r"\d+\s*[-—~至到]\s*\d+\s*[日号]|\d+\s*[日号](?:前|之前|以前|起)")
#: "第几条", "哪一条规定": the question asks which article; the guides cite "第十一条", "第三十一条".
ASKS_ARTICLE = re.compile(r"第几条|哪一?条(?:规定|的)?")
ARTICLE = re.compile(r"第[一二三四五六七八九十百零\d]+条")
#: "要他本人去申请不", "要自己去哪里申请吗": whether one applies oneself — the guides' 个人申请.
ASKS_SELF_APPLYING = re.compile(r"(?:自己|本人|亲自)[^，,。？?！!；;]{0,5}申请")
#: One-character Chinese numerals, which the guides print as digits ("怀孕满4个月").
_CN_DIGITS = "一二三四五六七八九"
_CN_PERIOD = re.compile(f"([{_CN_DIGITS}])(个?[月天日年周])")
#: The guides' note of what counts as an ID ("有效身份证件包括身份证、居住证、户口簿…等"): a definition,
#: which says nothing of where one lives or is registered ("户口在永兴，人住在北湖") — unless the
#: question asks which papers count as ID.
ID_DEFINITION = re.compile(r"有效身份证件包括[^；;。\n]*?等")
ASKS_ID = re.compile(r"证件|身份证|护照|通行证|居留证")
#: How much a sentence outside the item that says the item's own name words leads one that does not.
OWN_WORDS_LEAD = 1.25
#: A passage must say at least this much weight of the question's uncovered words to be quoted,
#: and add one not yet covered: one two-character word printed in about 1 % of the region's
#: passages weighs about 0.65, a rarer or longer one more, a common one less.
MIN_GAIN = 0.6


@dataclass(frozen=True)
class Term:
    """One uncovered word of the question and the guide's words that say the same."""

    word: str
    spellings: FrozenSet[str]
    weight: float
    pattern: Optional["re.Pattern[str]"] = None

    def found_in(self, text: str) -> bool:
        return any(s in text for s in self.spellings) or bool(self.pattern and self.pattern.search(text))


@dataclass(frozen=True)
class Support:
    """A passage quoted because it covers words the answer left out."""

    passage: Passage
    words: Tuple[str, ...]  # the question's words it covers
    other_variant: Optional[str] = None  # the variant label when it is not the record's own

    @property
    def text(self) -> str:
        """The passage as quoted: the field's name first where the text alone does not say it."""
        return labelled(self.passage)


def labelled(passage: Passage) -> str:
    label = FIELD_LABELS.get(passage.kind) if passage.item else None
    return f"{label}：{passage.text}" if label and not passage.text.startswith(label) else passage.text


def without_id_definition(text: str) -> str:
    """Text without the list of what counts as an ID (see :data:`ID_DEFINITION`)."""
    return ID_DEFINITION.sub("", text)


def uncovered_terms(engine: SearchEngine, question: str, region: str, covered: str) -> List[Term]:
    """The question's words that ``covered`` (the answer so far) does not say, rarest first."""
    text = engine.without_places(question, printed_in=region)
    # one-character words only where the thesaurus knows them (丢 → 遗失)
    words = [w for w in engine.tokenize.words(text) if len(w) >= 2 or w in engine.expansions]
    # colloquial keys jieba split apart ("交了几年") are words too
    words += [k for k in engine.expansions if len(k) >= 2 and k in text and k not in words]
    words = [w for w in words if w not in engine.chooser_words and w not in ASKER_WORDS]
    # "多长时间" is asked by the period term below, not matched as words ("缴费时间" says no period)
    words = [w for w in words if not ASKS_PERIOD.search(w)]
    words += [m.group() for m in _CN_PERIOD.finditer(text)]  # "四个月" (jieba may split it)
    n = max(len(engine.passages(region)), 1)
    terms: Dict[str, Term] = {}
    negated = _negated(text)
    for word in words:
        spellings = {word} if len(word) >= 2 else set()
        if word in negated:  # "还没认定成…" is the guide's case "未经认定的": said with its negation
            printed = {f"{neg}{word}" for neg in GUIDE_NEGATIONS if engine.text_share(region, f"{neg}{word}")}
            spellings = printed or spellings
        if _CN_PERIOD.search(word):  # "四个月" is printed "4个月"
            spellings.add(_CN_PERIOD.sub(lambda m: f"{_CN_DIGITS.index(m[1]) + 1}{m[2]}", word))
        for key, guide_words in engine.expansions.items():
            if key == word or (len(key) >= 2 and key in word):
                spellings |= {g for g in guide_words.split() if len(g) >= 2}
        if len(word) >= 3 and len(spellings) == 1 and not engine.text_share(region, word) and not _CN_PERIOD.search(word):
            # a word the guide never prints ("办手续") by the guide's words inside it ("手续"),
            # unless the thesaurus says how the guide prints it (第一次 → 初次, not 一次 of 一次性)
            spellings |= {word[i : i + 2] for i in range(len(word) - 1) if engine.text_share(region, word[i : i + 2])}
        if not spellings:
            continue
        if any(s in covered for s in spellings):
            continue
        shares = [engine.text_share(region, s) for s in spellings]
        present = [sh for sh in shares if sh > 0]
        if not present or min(present) > GENERIC_SHARE:
            continue  # the guide never says it, or says it everywhere
        rarity = math.log(1.0 + n / (min(present) * n + 1.0)) / math.log(1.0 + n)
        length = max(len(s) for s, sh in zip(spellings, shares) if sh > 0)
        terms[word] = Term(word, frozenset(spellings), min(length, 4) / 2.0 * rarity)
    if ASKS_PERIOD.search(text) and not PERIOD.search(covered):
        # the answer gives no period ("即时办结") where the question asks one: a deadline elsewhere may
        terms["期限"] = Term("期限", frozenset(), 0.8, PERIOD)
    if ASKS_DAY.search(text) and not DAYS.search(covered):
        # "每个月几号对账": the guides print the days of the month ("每月1-5日…完成费用对账")
        terms["日期"] = Term("日期", frozenset(), 0.8, DAYS)
    if ASKS_ARTICLE.search(text):
        # "第几条", "哪一条": an article of a law or rule, as the guides cite it ("无第十一条不予受理情形")
        terms["条款"] = Term("条款", frozenset(), 0.8, ARTICLE)
    if ASKS_SELF_APPLYING.search(text) and "个人申请" not in covered:
        terms["个人申请"] = Term("个人申请", frozenset({"个人申请"}), 1.0)
    if ASKS_COPIES.search(text) and not COPIES.search(covered):
        terms["份数"] = Term("份数", frozenset(), 0.8, COPIES)  # "要填几份" → "本表一式二份"
    return sorted(terms.values(), key=lambda t: -t.weight)


#: How people say a thing has not happened ("还没认定", "冇参加", "没被认定"), and how the guides print it.
_NEGATED = re.compile(f"(?:{NEGATION}|尚未|还没有|还没|不曾|不)(?:被|经过|经|予)?([\u4e00-\u9fff]{{2}})")
GUIDE_NEGATIONS = ("未经", "未", "没有", "尚未", "不予", "不")


def _negated(text: str) -> FrozenSet[str]:
    """The two-character words the text says have not happened ("还没认定" → 认定)."""
    return frozenset(m.group(1) for m in _NEGATED.finditer(text))


def names_more(passage: Passage) -> bool:
    """Whether a 事项名称 passage says more than the name (:data:`NAME_WITH_MORE`)."""
    return passage.kind == "name" and len(passage.text) >= len(passage.name or "") + NAME_WITH_MORE


def _only_title(p: Passage) -> bool:
    """Whether a form's passage is its own title and nothing more (sample number aside)."""
    return bool(p.title) and re.sub(r"[（(][^）)]*[）)]|\s", "", p.text) == re.sub(r"\s", "", p.title)


def names_another_item(engine: SearchEngine, region: str, item: str, passage: Passage) -> bool:
    """Whether a form's passage (outside items) names another item's business and not ``item``'s:
    such a form binds nobody here (the 异地长期居住 备案告知书's "6个月内补齐" is no rule of
    个人账户支取)."""
    names = engine.item_names(region)
    own = names.get(item, "")
    if own and own in passage.text:
        return False
    return any(k != item and names[k] not in own for k in engine.items_named_in(region, passage.text))


def own_name_words(engine: SearchEngine, region: str, item: str) -> List[str]:
    """The words of the item's name that point at it (零售, 药店; not 申请, 管理, printed everywhere)."""
    name = engine.item_names(region).get(item, "")
    return sorted(w for w in engine.name_words(name) if 0 < engine.text_share(region, w) <= GENERIC_SHARE)


def near_item(text: str, own_words: Sequence[str]) -> float:
    """How much nearer the item a text outside it is, by the share of the item's name words it says
    (up to :data:`OWN_WORDS_LEAD`): the pharmacy's promise says 零售, 药店 and 定点, the 医疗机构
    promise beside it only 定点."""
    if not own_words:
        return 1.0
    return 1.0 + (OWN_WORDS_LEAD - 1.0) * sum(w in text for w in own_words) / len(own_words)


def supporting(
    engine: SearchEngine,
    question: str,
    region: str,
    item: str,
    label: str,
    covered: str,
    form_titles: Sequence[str] = (),
    budget: int = 520,
    most: int = 4,
    level: Optional[str] = None,
    foreign_forms: Collection[str] = (),
    other_copies: Collection[str] = (),
) -> List[Support]:
    """Passages of the item (its own variant first), its forms and the region's notices that cover
    the question's words the answer ``covered`` leaves out, in the order chosen. ``level``: 咸安's
    window level of the record answered (another level's window is another office);
    ``foreign_forms``: titles of forms only other items refer to (their promises bind nobody here);
    ``other_copies``: sources of the copies of its forms printed for other items only."""
    asks_id = bool(ASKS_ID.search(question))
    terms = uncovered_terms(engine, question, region, covered if asks_id else without_id_definition(covered))
    if not terms:
        return []
    titles = set(form_titles)
    pool: List[Tuple[Passage, str]] = []
    for p in engine.item_and_loose_passages(region, item):
        if p.item == item and level and p.level and p.level != level:
            continue
        if p.kind in ("form", "form_title") and FORM_BLANKS.match(p.text):
            continue  # a line of blanks to fill in names fields, it says no rule
        if p.kind == "flowchart" and _LABEL_CHAIN.match(p.text):
            continue  # a chain of box labels ("医院对账-结算-推送-复核") says no rule either
        if p.item == item and (p.kind not in NOT_EVIDENCE or names_more(p)):
            pool.append((p, "variant" if p.label == label else "item"))
        elif p.item is None and p.title and _belongs(p.title, titles):
            if p.source not in other_copies:  # (its copy printed for another item says that item's promises)
                pool.append((p, "form"))
        elif p.item is None and (p.kind in DOCUMENT_KINDS or p.kind == "form" and _sentence(p.text)):
            if p.kind == "form" and (names_another_item(engine, region, item, p) or _only_title(p) or p.title in foreign_forms):
                continue  # (nor is another form's bare title line: "…申请表（表 14）" says no rule)
            pool.append((p, "document"))  # (another item's form: its rules, not its blanks "本人（被委托人）")
    said = labelled if asks_id else (lambda p: without_id_definition(labelled(p)))
    covers = [(p, place, [t for t in terms if t.found_in(said(p))]) for p, place in pool]
    covers = [(p, place, ts) for p, place, ts in covers if ts]
    # relevant: the passage says enough of the question (a sentence of a form or notice the item
    # does not link must say more than one everyday word: "□新生儿" is no answer to "生了孩子")
    covers = [(p, place, ts) for p, place, ts in covers if _relevance(place, ts) >= MIN_GAIN]
    boxes_asked = bool(ASKS_OPTION.search(question))
    # a sentence outside the item that says the item's own words (零售药店 in the pharmacy's promise)
    # is nearer it than one of the same kind for another (the 医疗机构 promise beside it)
    own_words = own_name_words(engine, region, item)

    def nearness(p: Passage, place: str) -> float:
        return near_item(p.text, own_words) if place in ("form", "document") else 1.0

    chosen: List[Support] = []
    left = {t.word for t in terms}
    seen_text = {covered}
    spent = 0
    while len(chosen) < most:
        fresh = [(p, place, ts) for p, place, ts in covers if any(t.word in left for t in ts)]
        if not fresh:
            break
        # the most new coverage per character, nearest the record first (a short sentence of its
        # own variant beats a long one of a notice)
        best = max(fresh, key=lambda e: _worth(e[0], e[1], boxes_asked) * nearness(e[0], e[1]) * _gain(e[2], left) / (1.0 + len(e[0].text) / 400.0))
        p, place, ts = best
        covers.remove(best)
        if any(p.text in s for s in seen_text):
            continue
        if spent + len(p.text) > budget:
            break
        whole = _with_section(p, pool, budget - spent)
        chosen.append(Support(whole, tuple(t.word for t in ts if t.word in left), p.label if place == "item" else None))
        seen_text.add(whole.text)
        spent += len(whole.text)
        left -= {t.word for t in ts}
        if not left:
            break
    return chosen


#: A numbered section of a notice that opens with its heading ("三、不实承诺的法律责任：依据…"): the
#: heading says what the section is about, the sentences after it (cut into passages of their own
#: when the paragraph is long) say the rule — "处骗取金额2倍以上5倍以下的罚款".
_SENTENCE_CLOSED = re.compile(r"[。；;！!？?]$")
SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、[^，。：:]{2,20}[：:]")


#: A label that opens what follows and says nothing alone ("单位缴纳部分费用：").
LABEL_ONLY = re.compile(r"^[^，,。；;：:]{1,20}[：:]$")


def _with_section(passage: Passage, pool: Sequence[Tuple[Passage, str]], room: int) -> Passage:
    """``passage``, and when it opens a section, the rest of that paragraph (the pool's next
    passages from the same lines) as far as ``room`` allows; a bare label, the sentence after it."""
    label_only = bool(LABEL_ONLY.match(passage.text))
    if not label_only and not SECTION_HEADING.match(passage.text):
        return passage
    order = [p for p, _ in pool]
    after = order[order.index(passage) + 1 :]
    if label_only:
        nxt = after[0] if after else None
        if nxt is not None and nxt.source == passage.source and nxt.title == passage.title and len(passage.text) + len(nxt.text) <= room:
            return replace(passage, text=passage.text + nxt.text)
        return passage
    text = passage.text
    for nxt in after:
        if nxt.source != passage.source or nxt.title != passage.title or len(text) + len(nxt.text) > room:
            break
        if not _SENTENCE_CLOSED.search(nxt.text):  # a signature or a blank after the section, not its rule
            break
        text += nxt.text
    return replace(passage, text=text)


#: A form's line of blanks to fill in ("经办人（签名）： 申领单位（盖章）："): names of fields, no rule.
FORM_BLANKS = re.compile(r"^(?:\s*[^，,。；;：:]{1,14}[：:])+\s*$")


#: A form's line with fewer Chinese characters is a blank to fill in ("本人（被委托人）"), not a rule.
FORM_SENTENCE_MIN = 10


#: A rule is said in clauses; a table's header row ("最新核编人数（含纪检、军转） 退休人数") is not.
_CLAUSE_MARK = re.compile(r"[，,。；;：:！!？?]")


def _sentence(text: str) -> bool:
    return chinese_characters(text) >= FORM_SENTENCE_MIN and bool(_CLAUSE_MARK.search(text))


def is_rule(text: str) -> bool:
    """Whether a form's line states something (a sentence, not a row of blanks to fill in)."""
    return _sentence(text.rstrip("：: ")) and not FORM_BLANKS.match(text)  # (a label awaiting its blank ends in "：")


#: A form's boxes to tick ("□退役军人") name a case; the form's notes say what that case needs. Boxes
#: count this much of a sentence unless the question asks which box is the asker's ("属于哪一项").
CHECKBOX_WEIGHT = 0.5
ASKS_OPTION = re.compile(r"哪一项|哪项|哪一类|哪类|勾|选哪")


def _worth(passage: Passage, place: str, boxes_asked: bool) -> float:
    weight = PLACE_WEIGHT[place]
    return weight * CHECKBOX_WEIGHT if "□" in passage.text and not boxes_asked else weight


def _gain(terms: Sequence[Term], left: set) -> float:
    return sum(t.weight for t in terms if t.word in left)


def _relevance(place: str, terms: Sequence[Term]) -> float:
    """How much of the question a passage says (weighted down for text the item does not link)."""
    total = sum(t.weight for t in terms)
    return total * PLACE_WEIGHT[place] if place == "document" else total


#: A notice whose title starts like a linked form's ("…申领承诺告知事项" with "…申领承诺书") goes with it.
SAME_PAPER_PREFIX = 8


def _belongs(title: str, form_titles: set) -> bool:
    """Whether a form or notice is one the item links (or the notice printed with such a form).
    The guide's boilerplate head (湖南省职工基本医疗保险…) says nothing: every form of a guide shares it."""
    own = _paper_core(title)
    return title in form_titles or any(
        len(_paper_core(f)) >= SAME_PAPER_PREFIX and own[:SAME_PAPER_PREFIX] == _paper_core(f)[:SAME_PAPER_PREFIX]
        and (("承诺" in title) == ("承诺" in f))
        for f in form_titles
    )


@functools.lru_cache(maxsize=4096)
def _paper_core(title: str) -> str:
    """A form's title without the guide's boilerplate head (a guide has a few hundred titles)."""
    return _PAPER_HEAD.sub("", title)


#: The head many of a guide's form titles share: the region, and the scheme (职工基本医疗保险).
_PAPER_HEAD = re.compile(r"^(?:[\u4e00-\u9fff]{1,4}?[省市州区县])?(?:城镇)?(?:职工|城乡居民)?(?:基本)?(?:医疗保险|医疗保障|医保)?")
