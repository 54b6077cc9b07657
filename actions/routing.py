"""Routing as data: one turn in, one decision out — no Rasa, no wording, testable on its own.

A :class:`Turn` is what the message and the conversation say (text, intent, entities, slots); a
:class:`Decision` says what to do (answer these aspects of this record, ask the region, offer these
items, decline, start a lookup …) and which slots change. ``actions/actions.py`` only carries
decisions out and ``actions/answers.py`` words them.

How an item is found, in order of trust: a button or entity naming it; the phrase lists
(``colloquial.yml`` and KB names); with the region known, the KB's own text (BM25 evidence over
every passage, ``knowledge/search.py``) when the phrase lists find nothing, name an item the region
lacks, or are clearly contradicted. A family word (异地就医备案) is resolved by the evidence or asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from actions import answers, cues, selection
from actions.answers import same_answer
from actions.kb_gateway import WHO_KINDS, KnowledgeGateway
from knowledge import evidence

ASPECTS = (
    "ask_materials", "ask_process", "ask_time_limit", "ask_channel", "ask_eligibility",
    "ask_contact", "ask_legal_basis", "ask_forms", "ask_fees", "ask_query",
)
#: Below this classifier confidence, unambiguous aspect words (多久 / 材料 / 电话 …) decide.
CUE_OVERRIDES_BELOW = 0.99
#: …and above this, what the classifier heard is kept as one more aspect asked.
CLASSIFIER_SURE = 0.95
#: Slots that say who is asking; they choose variants and persist across turns.
HINT_SLOTS = WHO_KINDS
#: How far the evidence must lead the item under discussion for a follow-up to change the topic,
#: and how strong it must be at all.
TOPIC_SWITCH = 2.0
TOPIC_SWITCH_MIN = 12.0
#: A phrase-list hit at least this strong (a 4-character colloquial phrase, an official name) is
#: not overruled by the evidence unless the evidence ranks it far lower.
STRONG_PHRASE = 8.0
#: The phrase lists' best item replaces the classifier's entity when it scores this many times the
#: entity's own phrase score (a birth in hospital: 生育医疗费 over the 住院 the entity read in one word).
PHRASE_OVER_TYPED = 2.0
#: Phrase-list items this close to the best one are a tie that the KB's text decides.
PHRASE_TIE = 0.75
#: How far the best item's evidence must lead the next one for the KB text alone to pick it.
DECISIVE_LEAD = 1.3
#: Among the members of a family word (异地就医备案), how far the best must lead the next.
FAMILY_LEAD = 1.2
#: How far the evidence's item must lead a phrase-list item to overrule it.
OVERRULE = 2.0
#: … or this many times when only a bag of scattered words named it.
BAG_OVERRULE = 1.5
#: …and when only the evidence's item does what the question asks (转, 报销, 备案 …)
ACTION_OVERRULE = 1.3
#: How much of what was said about the item under discussion a follow-up's evidence search reads.
TOPIC_QUESTION_CHARS = 300
#: How much an item for one group of people (医疗救助对象) counts when nobody says the asker is one.
GROUP_UNSAID = 0.6
#: A word printed in at most this share of a region's passages is rare enough to name a record.
RARE_NAME_WORD = 0.01
#: An item that does what is asked replaces one that only tells the situation (a phrase lists' best,
#: or an item a word or two named) when the region's text scores it at least this share of that one
#: (or of its best item).
DOER_SHARE = 0.8
#: How much an item named in the reply to our question counts next to the kept question's items.
REPLY_WEIGHT = 0.5
#: Evidence that outweighs an out-of-scope word ("户口都迁过去了，要办什么备案").
OOS_OVERRULE = 12.0
#: Evidence below this is no reason to offer an item at all.
WEAK_EVIDENCE = 4.0
#: Evidence this strong answers its best item even when not decisive (the next ones as buttons).
GUESS_EVIDENCE = 12.0
#: How much an item counts when its name belongs to the other side of who is asking (a 单位 or
#: 职工 question and a 城乡居民 item, or the other way round).
OTHER_SIDE = 0.7
#: …and a patient's item for one who runs a clinic or pharmacy (their own items share few words with
#: how they ask: "开了个诊所，想让病人能刷医保" is a 定点 application).
NOT_THE_INSTITUTIONS = 0.3
#: At most so many characters of the guide's other sentences go with an answer (an asked form's
#: lines and its notes together; the reply is still split at MAX_REPLY_CHARS).
EVIDENCE_CHARS = 800
#: At most so many lines of a form answer how to fill it in.
FORM_LINES = 3
#: …and of one whose whole text is asked ("承诺书上写些什么"), so many in the guide's order.
FORM_TEXT_LINES = 12
#: At most so many passages that match the question as a whole (besides those that cover its other words).
BEST_MATCHES = 2
#: The national item "参保人员参保信息查询": where the guides say how to check one's own enrollment.
ENROLLMENT_QUERY_ITEM = "002036002002"
#: Small talk a low-confidence turn may still be (the classifier's best guess decides).
SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "bot_challenge": "utter_bot_challenge",
    "affirm": "utter_affirm_ack",
}
#: Kinds of passages outside any item that can answer a question on their own.
DOCUMENT_KINDS = evidence.DOCUMENT_KINDS

Record = Dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """What routing reads: the message, what NLU made of it, and the conversation's slots."""

    text: str
    intent: str = ""
    confidence: float = 0.0
    entities: Dict[str, str] = field(default_factory=dict)
    slots: Dict[str, Any] = field(default_factory=dict)
    ranking: Tuple[str, ...] = ()
    form: Optional[str] = None
    has_personal_data: bool = False

    @property
    def payload(self) -> bool:
        return self.text.startswith("/")

    def slot(self, name: str) -> Any:
        return self.slots.get(name)


@dataclass
class Decision:
    """What to do with a turn. ``kind`` names it; the other fields are what that kind needs.

    Kinds: answer · answer_alike · ask_region · choose_family · choose_variant · choose_items ·
    no_item_in_region · document · decline · deny_ack · region_noted · which_item · rephrase ·
    handoff · cancel_lookup · start_lookup · stay_in_form · small_talk · empty.
    """

    kind: str
    region: Optional[str] = None
    item: Optional[str] = None
    group: Optional[str] = None
    aspects: List[str] = field(default_factory=list)
    records: List[Record] = field(default_factory=list)
    candidates: List[str] = field(default_factory=list)
    evidence: List[Tuple[str, str]] = field(default_factory=list)
    decided_by: List[str] = field(default_factory=list)
    focus: List[str] = field(default_factory=list)
    document: Optional[Tuple[str, List[Tuple[str, str]]]] = None
    form: Optional[str] = None
    official: Optional[Record] = None
    next_guide: Optional[Record] = None  # the item in the region's next guide, for what the first leaves out
    next_steps: List[str] = field(default_factory=list)  # items done after this one (员工 after 单位参保登记)
    response: Optional[str] = None
    topic: Optional[str] = None
    leave_form: bool = False
    slots: Dict[str, Any] = field(default_factory=dict)


# -- places, items and their evidence ----------------------------------------------------------

#: A place followed by these words is where the asker is insured ("咸安的医保", "在昆明参保")…
_INSURED_AFTER = re.compile(r"^(?:的医保|医保|参保|的社保|交的|户口|户籍|那边的医保|这边的医保)")
#: …and preceded by these, where they go ("派到长沙", "转去贵阳").
_DESTINATION_BEFORE = re.compile(r"(?:去|到|转到|转去|派到|派往|调到|住到|搬到|迁到|往)$")
#: A place the asker calls "here" ("昆明这边", "在都匀这里") is where they ask, wherever it came from.
_HERE_AFTER = re.compile(r"^(?:这边|这里|这儿|本地)")
#: …but one gone back to is home, where the claim is made ("在贵州摔了，回益阳报销").
_HOME_BEFORE = re.compile(r"(?:回|回到|回来|返回)$")
#: Insurance moved in ("调到临沧工作了，医保关系想转进来") is taken in where the asker went: there they ask.
_MOVED_IN = re.compile(r"(?:转|迁|移|接续)(?:进来|过来|到这边|到这里)|转入")
#: Where one comes from ("老家湖南的，在曲靖上班", "户口是衡阳的") says who one is, not where one is insured or asks —
#: unless the message goes back there or speaks of the insurance there ("回老家交", "老家的医保").
_ORIGIN_BEFORE = re.compile(r"(?:老家|户口|户籍)(?:是|在)?$")
_BACK_HOME = re.compile(r"回老家|在老家(?:交|参保|办|报)|老家(?:那边)?的医保|老家(?:那边)?(?:交|参保)")


def insured_region(kb: KnowledgeGateway, text: str) -> Optional[str]:
    """When a message names places of different regions, the one the asker is insured in."""
    return _insured_of(_place_scores(kb, text))


def only_origin(kb: KnowledgeGateway, text: str) -> bool:
    """Whether every place the message names is where someone comes from or is not ("户口是衡阳祁东
    的，不在郴州"): it says who they are, not where the conversation now is."""
    return _only_origin_of(_place_scores(kb, text))


def _insured_of(score: Dict[str, float]) -> Optional[str]:
    return max(score, key=lambda k: score[k]) if len(score) >= 2 else None


def _only_origin_of(score: Dict[str, float]) -> bool:
    return bool(score) and all(s < 0 for s in score.values())


def _place_scores(kb: KnowledgeGateway, text: str) -> Dict[str, float]:
    """Each region the message names, by how surely it is where the asker is insured or asks."""
    hits = sorted((h for h in kb.indexes["region"].hits(text) if h.end > h.start), key=lambda h: h.start)
    score: Dict[str, float] = {}
    origin_end = -1  # a place right after an origin place is one too ("衡阳祁东")
    for h in hits:
        s = h.score
        if _INSURED_AFTER.match(text[h.end : h.end + 6]):
            s += 100.0
        if _HERE_AFTER.match(text[h.end : h.end + 3]):  # "转到昆明这边": where the asker is now
            s += 200.0
        before = text[max(0, h.start - 2) : h.start]
        if _HOME_BEFORE.search(before):
            s += 100.0
        elif _DESTINATION_BEFORE.search(before):
            s += 200.0 if _MOVED_IN.search(text[h.end :]) else -100.0
        elif (_ORIGIN_BEFORE.search(text[max(0, h.start - 3) : h.start]) or h.start == origin_end or before.endswith("不在")) \
                and not _BACK_HOME.search(text):
            s -= 50.0
            origin_end = h.end
        score[h.value] = max(score.get(h.value, float("-inf")), s)
    return score


#: How much of an item's name a question must spell out (characters, any order) to name it.
SPELLED_OUT = 0.9


def spells_out(name: str, question: str) -> bool:
    """Whether the question holds (nearly) every character of the item's name, in any order."""
    chars = set(re.sub(r"[^\u4e00-\u9fff]", "", name))
    return bool(chars) and len(chars & set(question)) >= SPELLED_OUT * len(chars)


def decisive(ranked: Sequence[Any]) -> bool:
    """Whether the best item's evidence clearly leads (so the KB text alone may pick it)."""
    if not ranked or ranked[0][1] < WEAK_EVIDENCE:
        return False
    return len(ranked) == 1 or ranked[0][1] >= DECISIVE_LEAD * ranked[1][1]


_EMPLOYEE_SIDE = {"职工医保", "单位", "在职职工", "灵活就业人员", "退休人员"}
_RESIDENT_SIDE = {"城乡居民医保"}
#: The names of the items a clinic or pharmacy does itself (定点 applications, fee settlement).
_FOR_INSTITUTIONS = re.compile(r"机构|药店")


def fits_who(kb: KnowledgeGateway, ranked: List[Any], hints: Sequence[str], question: str = "") -> List[Any]:
    """Evidence re-ranked by who is asking: an employee's question (职工医保, 单位, 灵活就业) away from
    城乡居民 items, a resident's (居民医保) away from 职工 and 单位 items; and away from items for one
    group of people (医疗救助对象, 退役士兵) that the question and the asker's hints never name."""
    # a person's own data (身份证号, 姓名 …) is on a person's record, never on the employer's
    person = bool(question) and bool(cues.PERSON_DATA.search(question))
    # one who runs a clinic or pharmacy asks of the institution's items, not a patient's
    institution = bool(question) and cues.runs_institution(question)

    # an employer's own item (参保单位参保信息查询) is not the asker's where nobody speaks of an employer
    no_employer = bool(question) and not cues.EMPLOYER_SAID.search(question) and "单位" not in hints

    def weight(key: str) -> float:
        name = kb.item_name(key)
        other = other_side(kb, key, hints) or (person or no_employer) and name.startswith(("单位", "参保单位"))
        unsaid = bool(question) and group_unsaid(kb, key, question, hints)
        patients = institution and not _FOR_INSTITUTIONS.search(name)
        return (OTHER_SIDE if other else 1.0) * (GROUP_UNSAID if unsaid else 1.0) * (NOT_THE_INSTITUTIONS if patients else 1.0)

    return sorted(((k, sc * weight(k), p) for k, sc, p in ranked), key=lambda r: -r[1])


#: 咸安's village-window duty records: they only publicise an item handled elsewhere.
_PUBLICITY_ONLY = re.compile(r"^查询、宣传、培训")
#: A question about that publicity itself.
_PUBLICITY_ASKED = re.compile(r"宣传|培训|政策")


def other_side(kb: KnowledgeGateway, key: str, hints: Sequence[str]) -> bool:
    """Whether the item's name is for the other side of who is asking: a 城乡居民 item for an
    employee (职工医保, 单位, 灵活就业), a 职工 or 单位 item for a resident (居民医保)."""
    employee, resident = bool(_EMPLOYEE_SIDE & set(hints)), bool(_RESIDENT_SIDE & set(hints))
    name = kb.item_name(key)
    return employee != resident and ("城乡居民" in name if employee else ("职工" in name or "单位" in name))


def group_unsaid(kb: KnowledgeGateway, key: str, question: str, hints: Sequence[str]) -> bool:
    """Whether the item is for one group of people (医疗救助对象) that neither the question nor who
    the asker said they are names."""
    return kb.for_group_unsaid(key, " ".join([question, *hints]))


def asked_aspects(aspect: str, question: str, channels: Sequence[str] = ()) -> List[str]:
    """The main aspect and every other one the question asks ("要带啥，多久能好" → materials + time);
    ``channels``: the online channels the guides name ("能不能在湘医保上改" asks where to do it)."""
    others = [a for a in cues.cued_aspects(question) if a != aspect and a in ASPECTS]
    if "ask_channel" not in others and aspect != "ask_channel" and cues.names_channel(question, channels):
        others.append("ask_channel")
    if aspect == "overview" and [a for a in others if a not in cues.RIDING]:
        return others  # "钱多久能到" alone is no reason to drop the overview
    return [aspect] + others


def _keeps_topic(kb: KnowledgeGateway, item: Optional[str], previous_item: Optional[str], text: str, region: str) -> bool:
    """A message that names no item ("到哪里去办这个") stays with the item under discussion unless
    its own words clearly point elsewhere."""
    if item or not previous_item:
        return False
    own = kb.evidence_items(text, region)
    if not decisive(own) or own[0][1] < TOPIC_SWITCH_MIN:
        return True
    previous_score = next((sc for k, sc, _ in own if k == previous_item), 0.0)
    return own[0][0] == previous_item or own[0][1] < TOPIC_SWITCH * previous_score


def variant_by_evidence(kb: KnowledgeGateway, records: List[Record], question: str, region: str, item: str) -> List[Record]:
    """The variant whose own text matches the question clearly better than its siblings', if any."""
    labels = [selection.label(r) for r in records]
    score = {label: 0.0 for label in labels}
    for hit in kb.evidence(question, region, item, k=20):  # each variant's best passage (a longer text is no evidence)
        if hit.passage.label in score and hit.passage.kind not in _NOT_EVIDENCE:
            score[hit.passage.label] = max(score[hit.passage.label], hit.score)
    ranked = sorted(labels, key=lambda lb: -score[lb])
    if score[ranked[0]] > 0 and score[ranked[0]] >= 1.5 * score[ranked[1]]:
        return [r for r in records if selection.label(r) == ranked[0]]
    return records


def supporting_evidence(
    kb: KnowledgeGateway, record: Record, question: str, region: str, item: str, aspects: Sequence[str],
    form: Optional[str] = None,
) -> List[Tuple[str, str]]:
    """The guide's sentences from elsewhere in the item, its forms or notices that say what the
    question asks beyond the answer's sections (``knowledge/evidence.py``: by coverage); ``form``:
    the form the question names (:func:`named_form`), whose lines answer it."""
    info = kb.region(region)
    label = selection.label(record)
    # a form's field names (配偶姓名 …) say what to fill in, not the rule the question asks about
    # (and "没有写明设定依据" says nothing: the question's 依据 is still to be found elsewhere)
    covered = answers.without_silence(answers.without_form_fields(answers.answer_many(record, aspects, info))) if info else ""
    own_forms = [f["title"] for f in record.get("forms") or []]
    # (the record's own key: 湖南 answers 一次性生育补助金 with its 生育津贴支付 record and forms)
    others = _others_copies(kb, region, record.get("code") or record.get("name") or item)
    found = evidence.supporting(
        kb.search, question, region, item, label, covered, own_forms, level=record.get("level"),
        foreign_forms=_foreign_forms(kb, region, item) - set(own_forms), other_copies=others,
    )
    chosen: List[Any] = [_Line(s.passage, s.other_variant, s.text) for s in found]
    # then the variant's passages that best match the question as a whole (BM25), not yet said
    hits = [
        h for h in kb.evidence(question, region, item, k=12)
        if h.passage.label == label and h.passage.kind not in _NOT_EVIDENCE and h.passage.level == record.get("level")
    ]
    best = max([h.score for h in hits] or [0.0])
    have = {line.passage.text for line in chosen}
    chosen += [_Line(h.passage) for h in hits if h.score >= 0.6 * best and h.passage.text not in have][:BEST_MATCHES]
    chosen += _own_form_sentences(kb, question, region, own_forms, others, {line.passage.text for line in chosen})
    if cues.cannot_produce(question):
        # what the guide allows instead (个人承诺书, 告知承诺): the item's and its notices' own words
        chosen = _rule_line(kb, f"{question} 承诺 无法提供", region, item, label, _INSTEAD, chosen, covered, own=own_forms) + chosen
    if cues.ASKS_DEADLINE.search(question):
        # by when it must be handed in: the item's or its forms' own deadline sentence
        deadline = f"{question} 内申报 之日起 逾期 之前"
        chosen = _rule_line(kb, deadline, region, item, label, cues.DEADLINE_RULE, chosen, covered, loose=30, own=own_forms) + chosen
    if cues.PROMISE_DUTY.search(question):
        # what the promise binds the asker to: the item's or its notices' own duty sentences
        duty = f"{question} 承诺 履行 履约 补齐 法律责任"
        chosen = _rule_line(kb, duty, region, item, label, cues.PROMISE_RULE, chosen, loose=30, own=own_forms) + chosen
    if "ask_materials" in aspects:  # the materials its own forms list for review (表18 "相关材料审核")
        have = {line.passage.text for line in chosen}
        listed = [line for title in own_forms for line in _checklist(kb, region, title, covered) + _form_materials(kb, region, title, covered)]
        chosen = [line for line in listed if line.passage.text not in have] + chosen
    notes = _field_notes(kb, question, region)
    if notes:  # how the fields it names are filled in: that sample's own notes, all of them
        have = {line.passage.text for line in notes}
        chosen = notes + [line for line in chosen if line.passage.text not in have]
    if form is None and "ask_forms" in aspects:  # how to fill a form in: the lines of the form that answer it
        docs = [h for h in kb.evidence(question, region, None, k=20) if h.passage.item is None and h.passage.kind in ("form", "form_title")]
        linked = [h for h in docs if h.passage.title in own_forms] or [h for h in docs if h.score >= WEAK_EVIDENCE * 2]
        form = linked[0].passage.title if linked else None
    if form:
        have = {line.passage.text for line in chosen}
        chosen = [line for line in _form_lines(kb, region, form, question, item) if line.passage.text not in have] + chosen
    out: List[Tuple[str, str]] = []
    total = 0
    said = set()
    for line in chosen:
        text = line.quoted or line.passage.text
        same = re.sub(r"\s+", "", text)  # 咸安 prints the same sentence for each window level, 湖南 a template
        if any(same in x for x in said):  # after each of its items (a copy may wrap a word: "起付标 准")
            continue
        if total + len(text) > EVIDENCE_CHARS:
            break
        said.add(same)
        total += len(text)
        text = f"（流程图）{text}" if line.passage.kind == "flowchart" else text
        text = _of_duty_list(line.passage, text)
        text = f"（{line.other_variant}）{text}" if line.other_variant else text
        out.append((text, line.passage.source))
    return out


#: A numbered note printed under a form ("3.退休类型填“正常退休”或“提前退休”；").
_NOTE_LINE = re.compile(r"^(?:注[：:]\s*)?\d+[.．、]")


def _field_notes(kb: KnowledgeGateway, question: str, region: str) -> List["_Line"]:
    """The notes of the form sample that say how a field the question names is filled in, in the
    guide's order (the other notes of that sample too: what to attach to it)."""
    out: List[_Line] = []
    for field_name in cues.fields_asked(question):
        hits = [
            h for h in kb.evidence(f"{field_name} 填写", region, None, k=20, kind="form")
            if field_name in h.passage.text and "填" in h.passage.text and _NOTE_LINE.match(h.passage.text)
        ]
        if not hits or any(line.passage.source == hits[0].passage.source for line in out):
            continue
        first = hits[0].passage
        out += [_Line(p) for p in kb.document(region, first.title) if p.source == first.source and p.kind == "form" and _NOTE_LINE.match(p.text)]
    return out


#: A numbered entry of a form's checklist ("（2）医院出具的费用发票（原件或电子发票）").
_CHECKLIST_ENTRY = re.compile(r"^[（(]\d+[）)]\S")
_CHECKLIST_NUMBER = re.compile(r"^[（(]\d+[）)]")
_WHICH_ENTRIES = re.compile(r"[（(]\d+[）)]项材料")


def _checklist(kb: KnowledgeGateway, region: str, title: str, covered: str = "") -> List["_Line"]:
    """The materials a form's review table (相关材料审核) lists and the answer does not say yet
    (``covered``), as one line quoted with the form's title: the guides print there what the bureau
    checks, sometimes in other words than the item's materials (医院出具的费用发票 where the item
    says 医院收费票据)."""
    lines = kb.document(region, title)
    start = next((i for i, p in enumerate(lines) if p.kind == "form" and "材料审核" in p.text), None)
    if start is None:
        return []
    said = re.sub(r"\s+", "", covered)
    entries: List[Any] = []
    for p in lines[start + 1:]:  # a sample printed twice is one document: its entries once
        text = p.text.strip()
        if p.kind == "form" and _CHECKLIST_ENTRY.match(text) and all(e.text.strip() != text for e in entries):
            entries.append(p)
    if all(re.sub(r"\s+", "", _CHECKLIST_NUMBER.sub("", e.text.strip())) in said for e in entries):
        return []
    # the sample's notes on which entries whom ("4.男职工填（1）、（5）项材料；")
    entries += [p for p in lines[start + 1:] if p.kind == "form" and _WHICH_ENTRIES.search(p.text) and p not in entries]
    text = " ".join(dict.fromkeys(p.text.strip() for p in entries))
    return [_Line(entries[0], quoted=f"《{_form_core(title)}》相关材料审核：{text}")]


def _own_form_sentences(
    kb: KnowledgeGateway, question: str, region: str, own_forms: Sequence[str], others: set, have: set
) -> List["_Line"]:
    """The sentences of the item's own forms that best match the question (the 温馨提示 of its 备案表,
    the notes of its 申领表): the item's rules too, in words its fields do not use. Searched among the
    forms' sentences (among all text, every item's fields would crowd them out); a template printed
    after each of its items is one sentence, whatever its copies' line breaks; not those in ``have``."""
    printed = [
        h for h in kb.evidence(question, region, None, k=30, kind="form")
        if h.passage.item is None and h.passage.kind == "form" and h.passage.title in own_forms and h.passage.source not in others
        and evidence.is_rule(h.passage.text)
    ]
    top = max([h.score for h in printed] or [0.0])
    copies = {re.sub(r"\s+", "", t) for t in have}
    room = len(have) + BEST_MATCHES  # (copies of what is had count against it once)
    out: List[_Line] = []
    for h in printed:
        same = re.sub(r"\s+", "", h.passage.text)
        if h.score >= max(0.6 * top, WEAK_EVIDENCE) and same not in copies and len(copies) < room:
            out.append(_Line(h.passage))
            copies.add(same)
    return out


def _foreign_forms(kb: KnowledgeGateway, region: str, item: str) -> set:
    """Titles of the region's forms that other items refer to and ``item`` does not: their rules
    and promises bind nobody asking about ``item``."""
    return {title for title, owners in kb.form_items(region).items() if item not in owners}


def _others_copies(kb: KnowledgeGateway, region: str, item: str) -> set:
    """Sources of the form copies printed for other items only (the 医疗机构's 信用承诺书 for a 零售药店)."""
    return {source for source, owners in kb.form_copy_items(region).items() if item not in owners}


#: A form's note that lists what goes with it ("2.需提供的材料：身份证复印件、…相关医疗文书；").
_FORM_MATERIALS = re.compile(r"(?:需|须|应)(?:要)?(?:提供|提交|附|携带)的?(?:材料|资料)[：:]")


def _form_materials(kb: KnowledgeGateway, region: str, title: str, covered: str = "") -> List["_Line"]:
    """The note of an item's own form that lists the materials to hand in with it, when the answer
    does not say it yet (its words may differ from the item's: 证明疾病及病情程度必需的相关医疗文书)."""
    said = re.sub(r"\s+", "", covered)
    return [
        _Line(p) for p in kb.document(region, title)
        if p.kind == "form" and _FORM_MATERIALS.search(p.text) and re.sub(r"\s+", "", p.text) not in said
    ][:1]


#: Lines opening with this many of the same characters are copies of one template.
TEMPLATE_HEAD = 8


def _rule_line(
    kb: KnowledgeGateway, query: str, region: str, item: str, label: str, rule: "re.Pattern[str]",
    chosen: Sequence["_Line"], covered: str = "", loose: int = 20, own: Sequence[str] = (),
) -> List["_Line"]:
    """The best match for ``query`` among the item's variant and the region's text outside items
    (its ``loose`` best) that states ``rule`` and is neither chosen already nor in ``covered``.
    A form outside items counts when it is one of the item's ``own`` or names no other item's
    business: another item's 告知书 binds nobody here."""
    pool = kb.evidence(query, region, item, k=20) + kb.evidence(query, region, None, k=loose)
    have = {line.passage.text for line in chosen}
    # another copy of a template line chosen already ("2.承诺已认真阅读《…》" of each 信用承诺书) is
    # another item's rule, not a second one of this item
    templates = {re.sub(r"\s+", "", line.passage.text)[:TEMPLATE_HEAD] for line in chosen}
    said = re.sub(r"\s+", "", covered)
    # (text outside the item that says its own name words — the pharmacy's promise for 零售药店 — first)
    name_words = evidence.own_name_words(kb.search, region, item)
    # (the answered record's own forms are never another item's, whichever item key the turn has:
    # 湖南 answers 一次性生育补助金 with its 生育津贴支付 record and that record's 表17/表18)
    foreign = _foreign_forms(kb, region, item) - set(own)

    def others_form(p: Any) -> bool:  # the form of other items only (生育津贴's 申领表 for a 备案)
        return p.item is None and p.kind in ("form", "form_title") and p.title in foreign

    def nearness(h: Any) -> float:
        return evidence.near_item(h.passage.text, name_words) if h.passage.item is None else 1.0

    for h in sorted(pool, key=lambda h: -h.score * nearness(h)):
        if rule.search(h.passage.text) and h.passage.kind not in _NOT_EVIDENCE | {"form_title"} and not others_form(h.passage) \
                and h.passage.text not in have and re.sub(r"\s+", "", h.passage.text) not in said \
                and re.sub(r"\s+", "", h.passage.text)[:TEMPLATE_HEAD] not in templates \
                and (h.passage.item is None or h.passage.label == label) \
                and (h.passage.item is not None or h.passage.kind not in ("form", "form_title") or _own_form(h.passage.title, own)
                     or not evidence.names_another_item(kb.search, region, item, h.passage)):
            return [_Line(h.passage)]
    return []


def _own_form(title: Optional[str], own: Sequence[str]) -> bool:
    """Whether a form outside items is one of the item's own (by its title without the sample number)."""
    core = _form_core(title or "")
    return bool(core) and any(core == _form_core(t) or core in t or _form_core(t) in core for t in own)


def next_guide_record(kb: KnowledgeGateway, record: Record, aspects: Sequence[str], region: str, item: str) -> Optional[Record]:
    """The item's record in the region's next guide when the record's own guide is silent on an
    asked aspect (郴州's guide prints no 设定依据; the Hunan list does): the same variant, else the
    first of the item's variants there that states it."""
    info = kb.region(region)
    if info is None or len(info.guide_titles) < 2:  # one guide: nothing comes after it
        return None
    silent = [a for a in aspects if not answers.states(record, a, info)]
    if not silent:
        return None
    others = kb.next_guide_records(region, item)
    same = [r for r in others if selection.label(r) == selection.label(record)]
    return next((r for r in same + others if any(answers.states(r, a, info) for a in silent)), None)


def _named_by_own_words(kb: KnowledgeGateway, records: Sequence[Record], question: str, region: str) -> Optional[Record]:
    """The one record whose name holds a rare word (生存认证, not 申请) no other record's name has and
    the question says."""
    words = [kb.search.name_words(r.get("name") or "") for r in records]
    found = []
    for i, r in enumerate(records):
        others = set().union(*(w for j, w in enumerate(words) if j != i)) if len(words) > 1 else set()
        if any(w in question and kb.search.text_share(region, w) <= RARE_NAME_WORD for w in words[i] - others):
            found.append(r)
    return found[0] if len(found) == 1 else None


def _same_doing_unsaid(kb: KnowledgeGateway, item: str, previous: str, text: str, region: str) -> bool:
    """Whether a follow-up names another item only by what both items do ("回来报销" for 住院费用报销
    after 门诊费用报销): both do what is asked, and the text says none of the words that set the
    other apart (住院)."""
    if not (does_asked(kb, item, text) and does_asked(kb, previous, text)):
        return False
    own = set(evidence.own_name_words(kb.search, region, item)) - set(evidence.own_name_words(kb.search, region, previous))
    return bool(own) and not any(w in text for w in own)


#: The item-name words of a claim ("能报不" → 报销, 支付).
_CLAIM_DOING = frozenset({"报销", "支付"})


def does_asked(kb: KnowledgeGateway, item: str, question: str, claims: bool = True) -> bool:
    """Whether the item's name does what the question asks to be done ("转回来" → 关系转入);
    ``claims=False``: what is asked other than a claim."""
    doing = [w for w in kb.search.asked_doing(question) if claims or w not in _CLAIM_DOING]
    return any(w in kb.item_name(item) for w in doing)


def acts_instead(kb: KnowledgeGateway, other: Optional[str], item: Optional[str], question: str) -> bool:
    """Whether ``other`` does what the question asks and ``item`` does not (a phrase of it told the
    situation: "在外地上班")."""
    return bool(other and item) and does_asked(kb, other, question) and not does_asked(kb, item, question)


#: The shortest end of a form's title that names it ("信息变更登记表"; not "登记表").
FORM_NAME_MIN = 6
#: …or of one of the answer's own forms, this many.
OWN_FORM_NAME_MIN = 4
#: …or the whole of a title this long.
FORM_TITLE_MIN = 4


def named_form(kb: KnowledgeGateway, text: str, region: str) -> Optional[str]:
    """The region's form the message names, by the longest end of its title it spells out
    ("参保人员信息变更登记表" names 基本医疗保险参保人员信息变更登记表)."""
    best: Tuple[int, Optional[str]] = (0, None)
    text = f"{text} {text.replace('的', '')}"  # "备案的个人承诺书" names 异地就医备案个人承诺书
    for title in kb.form_titles(region):
        core = _form_core(title)
        if len(core) >= FORM_TITLE_MIN and core in text and len(core) > best[0]:  # a short title said whole: "个人承诺书"
            best = (len(core), title)
            continue
        for start in range(0, len(core) - FORM_NAME_MIN + 1):
            if core[start:] in text:
                if len(core) - start > best[0]:
                    best = (len(core) - start, title)
                break
    return best[1]


#: Words about filling a form in or what is on it.
_FILLING_IN = re.compile(r"填|写|签|盖|上面|表上|书上|栏|意见")


def own_form_named(kb: KnowledgeGateway, record: Record, text: str, region: str) -> Optional[str]:
    """The answer's own form that the message names by a shorter end of its title ("那张申请审批表"
    for 郴州市医疗救助申请审批表): among one item's few forms a shorter end is already clear."""
    if not _FILLING_IN.search(text):  # "要一份参保凭证" names what the item yields, not a form to fill in
        return None
    titles = set(kb.form_titles(region))
    for f in record.get("forms") or []:
        core = _form_core(f["title"])
        if f["title"] in titles and any(core[start:] in text for start in range(0, len(core) - OWN_FORM_NAME_MIN + 1)):
            return f["title"]
    return None


def _cites(record: Record, form: str) -> bool:
    """Whether a record's materials or attached forms name the form."""
    return any(f.get("title") == form for f in record.get("forms") or []) or _form_core(form) in str(record.get("materials") or "")


def _form_core(title: str) -> str:
    """A form's title without its sample number ("（参考样表5）")."""
    return re.sub(r"[（(][^）)]*[）)]$", "", title)


def _form_lines(kb: KnowledgeGateway, region: str, title: str, question: str, item: Optional[str] = None) -> List[Any]:
    """The lines of one form that say what the question asks beyond the form's own title
    ("这个表要填一式几份" → "本表一式二份，…"): each line chosen for the asked words it adds; words
    printed all over the guide (单位, 医保) choose nothing."""
    def grams(t: str) -> set:
        return {t[i : i + 2] for i in range(len(t) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", t[i : i + 2])}

    lines = [p for p in kb.document(region, title) if p.kind == "form" and not grams(p.text) <= grams(title)]
    copies = list(dict.fromkeys(p.source for p in lines))  # in guide order: a tie goes to the first copy, not to hash order
    if item and len(copies) > 1:  # one title printed for several items (湖南's 信用承诺书): the item's own copy
        own = evidence.own_name_words(kb.search, region, item)
        said = {src: len({w for p in lines if p.source == src for w in own if w in p.text}) for src in copies}
        best = max(copies, key=lambda src: said[src])
        if said[best] > 0:
            lines = [p for p in lines if p.source == best]
    if cues.ASKS_FORM_TEXT.search(question):  # what the form says as a whole: its lines in order
        promised = [i for i, p in enumerate(lines) if "承诺" in p.text]
        if "承诺" in question and promised:  # what one promises: from the form's promise on, not its blanks
            lines = lines[promised[0]:]
        return [_Line(p) for p in lines[:FORM_TEXT_LINES]]
    # the question's words and the guide's words for them ("按手印" → 指印)
    asked = grams(kb.search.expand(question))
    left = {g for g in asked - grams(title) if kb.search.text_share(region, g) <= evidence.GENERIC_SHARE}
    if evidence.ASKS_COPIES.search(question):  # "要填几份": the guides say "一式二份"
        left.add("一式")
    order = list(lines)
    chosen: List[Any] = []
    while left and lines and len(chosen) < FORM_LINES:
        best = max(lines, key=lambda p: (len(grams(p.text) & left), -len(p.text)))
        if not grams(best.text) & left:
            break
        chosen.append(_Line(best))
        left -= grams(best.text)
        lines.remove(best)
    return _with_what_completes(chosen, order)


#: A form's blank for a signature ("（签字） 年 月 日").
_SIGNATURE = re.compile(r"^[（(]?(?:签字|签名|签章|盖章)[）)]?")
#: The cell label of who signs ("申请人或监护人"): short, no sentence.
_SIGNER_LABEL = re.compile(r"^[^，,。；;：:□\d]{2,12}$")


def _with_what_completes(chosen: List[Any], order: Sequence[Any]) -> List[Any]:
    """Lines of a form that say nothing alone, with what completes them: a signature blank with who
    signs and what is signed, printed just before it ("申请人或监护人 / 以上信息填报真实… /
    （签字）"); a field's label with the boxes printed under it ("财政补助对象 / □低保 □特困…").
    Lines added, all are given in the form's own order."""
    out = list(chosen)
    for line in chosen:
        if line.passage not in order:
            continue
        i = order.index(line.passage)
        if _SIGNATURE.match(line.passage.text.strip()):
            start = next((j for j in range(i - 1, max(-1, i - 3), -1) if _SIGNER_LABEL.match(order[j].text.strip())), None)
            completing = order[start:i] if start is not None else []
        elif _SIGNER_LABEL.match(line.passage.text.strip()) and i + 1 < len(order) and order[i + 1].text.strip().startswith("□"):
            completing = [order[i + 1]]
        else:
            continue
        out += [_Line(p) for p in completing if all(x.passage is not p for x in out)]
    if len(out) > len(chosen):
        out.sort(key=lambda x: order.index(x.passage) if x.passage in order else len(order))
    return out


@dataclass(frozen=True)
class _Line:
    """A passage chosen for an answer (and the sibling variant it belongs to, when not the record's)."""

    passage: Any
    other_variant: Optional[str] = None
    quoted: Optional[str] = None  # the text as quoted, when it differs from the passage's


#: Sentences that say what to do when a document cannot be produced.
_INSTEAD = re.compile(r"承诺|无法提供|不能提供|无法获得|无法通过")

#: Passages that only name or label the item (its title, 事项名称, 服务对象, 受理单位 …): no evidence
#: of which item or variant is meant, nor a match of the question as a whole (the coverage search
#: may still quote 服务对象 and 受理单位 for the words they say).
_NOT_EVIDENCE = evidence.NOT_EVIDENCE | {"target", "unit"}


def document_passages(kb: KnowledgeGateway, question: str, region: str, ranked_items: Sequence[Any]) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """(title, passages) of the guide's text outside the items, when it matches better than any item."""
    docs = [h for h in kb.evidence(question, region, None, k=15) if h.passage.item is None and h.passage.kind in DOCUMENT_KINDS]
    if not docs or docs[0].score < max(WEAK_EVIDENCE * 2, ranked_items[0][1] if ranked_items else 0.0):
        return None
    title = docs[0].passage.title or ""
    same = [h for h in docs if h.passage.title == docs[0].passage.title and h.score >= 0.5 * docs[0].score][:4]
    return title, [(h.passage.text, h.passage.source) for h in same]


#: A document number in a sentence (医保发〔2020〕18号): what a 依据 question asks for.
_DOCUMENT_NUMBER = re.compile(r"〔\d{4}〕|\[\d{4}\]|\d+号")


def about_the_guide(kb: KnowledgeGateway, question: str, region: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """(title, passages) of the guide's own preface or notice that the question's clause about the
    guide asks ("这本指南依据的是哪份文件"); a 依据 question gets the sentences citing a document first."""
    parts = cues.clauses(question)
    first = next((i for i, c in enumerate(parts) if cues.ABOUT_GUIDE.search(c)), 0)
    clause = "，".join(parts[first:]) or question  # from where the guide is named on
    found = document_passages(kb, clause, region, []) or document_passages(kb, question, region, [])
    if not found:
        return None
    title, passages = found
    if "ask_legal_basis" in cues.cued_aspects(clause):
        cited = [(p.text, p.source) for p in kb.document(region, title) if _DOCUMENT_NUMBER.search(p.text)]
        passages = cited[:2] + [p for p in passages if p not in cited]
    return title, passages[:4]


#: What the guides' own prefaces say when they name the document they follow.
_BASIS_WORDS = "指南 依据 按照 根据 文件 通知 要求"


def guide_basis(kb: KnowledgeGateway, region: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """(title, passages) of the sentences of the guide's own preface that cite the document it was
    written under (医保发〔2020〕18号), for an item that cites no basis of its own."""
    found = document_passages(kb, _BASIS_WORDS, region, [])
    if not found:
        return None
    cited = [(p.text, p.source) for p in kb.document(region, found[0]) if _DOCUMENT_NUMBER.search(p.text)]
    return (found[0], cited[:2]) if cited else None


def _duty_hits(kb: KnowledgeGateway, question: str, region: str) -> List[Any]:
    """The passages of the region's duty lists (outside items) that match the question: among the
    region's best passages, or, when the question names a service point ("社区服务点"),
    among the duty lists alone (the item words beside it are examples of its duties)."""
    if cues.window_asked(question):
        hits = kb.evidence(question, region, None, k=40, kind="duties")
    else:
        hits = [h for h in kb.evidence(question, region, None, k=40) if h.passage.kind == "duties"]
    return [h for h in hits if h.passage.item is None and h.passage.title]


def duty_list(kb: KnowledgeGateway, question: str, region: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """(title, every passage) of the region's duty list that the question points to, if it has any."""
    score: Dict[str, float] = {}
    for h in _duty_hits(kb, question, region):
        score[h.passage.title] = max(score.get(h.passage.title, 0.0), h.score)
    if not score:
        return None
    asked = {question[i : i + 2] for i in range(len(question) - 1)}
    for title in score:  # the title names the service point: 村（社区）, 乡镇（办）, 服务中心
        score[title] += 10.0 * len({title[i : i + 2] for i in range(len(title) - 1)} & asked)
    title = max(score, key=lambda t: score[t])
    return title, [(p.text, p.source) for p in kb.document(region, title)]


def window_duties(kb: KnowledgeGateway, question: str, region: str, level: str, record: Record) -> List[Tuple[str, str]]:
    """What the guide says a window level does, for "村里能帮…吗": the record's 受理单位 when it is
    that level's, then the lines of that level's duty list that best match the question."""
    out: List[Tuple[str, str]] = []
    unit = (record.get("fields") or {}).get("unit")
    if record.get("level") == level and unit and unit.get("text"):
        out.append((f"受理单位：{unit['text']}", unit["source"]))
    hits = [h for h in _duty_hits(kb, question, region) if level in h.passage.title]
    best = max([h.score for h in hits] or [0.0])
    out += [(_of_duty_list(h.passage, h.passage.text), h.passage.source) for h in hits if h.score >= 0.6 * best][:2]
    return out


def _of_duty_list(passage: Any, text: str) -> str:
    """A duty line quoted with whose duty it is: "（十）负责离休干部…" alone does not say which
    service point's list (区 centre, 乡镇, 村) prints it."""
    if passage.kind == "duties" and passage.title and passage.title not in text:
        return f"{passage.title}：{text}"
    return text


# -- the entry points ------------------------------------------------------------------------


def answer(turn: Turn, kb: KnowledgeGateway, intent: Optional[str] = None) -> Decision:
    """A guide question: find region, item, variant and aspects, or say what is missing."""
    intent = intent or turn.intent
    text = turn.text
    ents = turn.entities
    # the aspects the previous answer gave, "+"-joined in the slot ("ask_process+ask_channel")
    previous_aspects = [a for a in str(turn.slot("aspect") or "").split("+") if a]
    previous_aspect = previous_aspects[0] if previous_aspects else None
    previous_item = turn.slot("service_item") if kb.knows_item(turn.slot("service_item")) else None
    # A question asked before the region (item, variant) was known is read again with its reply.
    pending = turn.slot("pending_question") or ""
    question = f"{pending} {text}".strip() if pending and not turn.payload else text
    # the kept question carries the topic; a reply to our region question mostly says where and who
    # ("我在昆明，单位给我参保"), so the KB's text is searched for the kept question's words
    topic = pending if pending and not turn.payload and turn.slot("awaiting") == "region" and _substantive(kb, pending) else question

    places = _place_scores(kb, text)
    place = _insured_of(places)  # the insured place when the message names several
    region = place or ents.get("region") or turn.slot("region")
    if turn.slot("region") and _only_origin_of(places):  # "我户口是衡阳的，不在这边": still the conversation's place
        place, region = None, turn.slot("region")
    region = region if kb.region(region) else None
    item = ents.get("service_item") if kb.knows_item(ents.get("service_item")) else None
    if item in kb.done_items(text):  # "那个备案早办了，…": what was done is not what is asked
        item = None
    phrase_ranked = _phrase_items(kb, pending, text) if not turn.payload else []
    tied = [k for k, sc in phrase_ranked if sc >= PHRASE_TIE * phrase_ranked[0][1]]
    typed_score = next((sc for k, sc in phrase_ranked if k == item), 0.0)
    if item and phrase_ranked and item not in tied and (
        phrase_ranked[0][1] >= STRONG_PHRASE or acts_instead(kb, phrase_ranked[0][0], item, question)
        or 0 < typed_score * PHRASE_OVER_TYPED <= phrase_ranked[0][1]
    ):
        # the classifier's entity came from the words as typed ("退休职工"); the message as read
        # ("个人帐户" is 个人账户) names another item outright — or one that does what is asked, where
        # the entity's item only tells the situation ("看的是慢特病门诊，…能报不": 门诊费用报销)
        item = None
    if phrase_ranked and (not item or item in tied):  # a typed entity is the phrase lists' own pick
        item = item or phrase_ranked[0][0]
        if len(tied) > 1 and region:  # the phrase lists cannot tell: what is asked, then the KB's text decides
            tied = [k for k in tied if does_asked(kb, k, question)] or tied
            order = [k for k, _, _ in kb.evidence_items(topic, region, k=20)]
            item = min(tied, key=lambda k: order.index(k) if k in order else len(order))
    if item and previous_item and item != previous_item and not pending and region and _same_doing_unsaid(kb, item, previous_item, text, region):
        item = previous_item  # "那回来报销需带什么" after 门诊费用报销: the same claim, not 住院's
    if item and previous_item and item != previous_item and not pending and region and acts_instead(kb, previous_item, item, text):
        # a follow-up that asks what the item under discussion does ("余额也一起转走不" after a
        # transfer) names another item only by a thing both speak of (个人账户)
        item = previous_item
    # how strongly the phrase lists name it: a long official or colloquial name, or one short word
    phrase_strength = next((sc for k, sc in phrase_ranked if k == item), 0.0)
    # "异地就医备案" names five items and no single one: resolve it by evidence or ask which.
    group = kb.group(question) if not item and not turn.payload else None
    group = group or (turn.slot("item_group") if not item else None)
    cued = cues.cued_aspect(question)
    also_asked: Optional[str] = None  # what the classifier was sure of, where the words say more
    if intent in ASPECTS and cued and cued != intent and turn.confidence < CUE_OVERRIDES_BELOW:
        # the classifier hesitates and the words are unambiguous; when it was quite sure, what it
        # heard is asked too ("按哪个规定办的？材料要一次交齐吗": the basis and the materials)
        also_asked = intent if turn.confidence >= CLASSIFIER_SURE else None
        intent = cued
    # A follow-up without aspect words ("是新员工入职的", "那灵活就业的呢？", "郴州呢？") keeps the
    # earlier aspect; a new aspect word or a fresh question changes it.
    # (A reply that completes a pending question is that question's first answer, not a follow-up.)
    follow_up = bool(previous_aspect and not pending and not cues.has_aspect_cue(question))
    if intent == "human_handoff":
        aspect = "human_handoff"
    elif follow_up and (intent == "inform" or intent in ASPECTS or not item or item == previous_item):
        aspect = previous_aspect
    elif pending and previous_aspect and turn.slot("awaiting") == "region" and not cues.has_aspect_cue(text):
        # a reply to our region question ("人在西双版纳") asks nothing new: the kept question's aspect
        # stands, whatever the classifier makes of a place name alone
        aspect = previous_aspect
    elif intent in ASPECTS:
        aspect = intent
    else:
        aspect = cues.cued_aspect(question) or previous_aspect or "overview"
    # the classifier's level entity only where the words name a window level (its lookup takes "村里"
    # in "村里有个婆婆", which says where she lives)
    named_here, named_level = cues.level_named(text), cues.level_named(question)
    level = (named_here and ents.get("level")) or named_here or turn.slot("level")
    named_level = (named_level and ents.get("level")) or named_level
    # (the level kept is the one accepted: the classifier's entity fills the slot by itself)
    slots: Dict[str, Any] = {"aspect": aspect, "pending_question": None, "level": level}

    if aspect == "human_handoff":
        return Decision("handoff", region=region, slots={"aspect": None})
    # Out-of-scope words ("户口", "看病") decline only when the KB has no clear answer either, and
    # never when the message answers our question about the region ("我户口在嘉禾县").
    oos = cues.out_of_scope_topic(text)
    if oos and turn.slot("awaiting") == "region" and (place or ents.get("region")):
        oos = None
    if oos:
        # another office's word that the guides print themselves (护照 among a foreigner's materials,
        # 失业保险 as who issues a 失业证, 养老保险 on the 退休 form) is no sign of that office when the
        # rest of the message names 医保 or one of its items
        words = cues.out_of_scope_words(text)
        if not _speaks_of_medical_insurance(kb, text):
            # another office's word and no word of 医保 nor an item named ("公积金付租金", "养老金
            # 涨了多少"): everyday words the guides happen to print (取出来, 退休) are no reason to answer
            return Decision("decline", topic=oos, leave_form=True)
        if words and all(kb.printed(w) for w in words):
            oos = None
    evidence: List[Any] = []
    # Without a 医保 word the KB's text may pick an item only when it clearly matches
    # ("郴州孩子刚出生要办啥"), never by chance ("郴州去长沙的高铁几点").
    domain = kb.in_domain(question)
    hints = [h for h in (ents.get(k) or turn.slot(k) for k in HINT_SLOTS) if h]
    if region and not turn.payload and not follow_up:
        # (deeper for one who runs a clinic: their own items share few words with how they ask)
        evidence = fits_who(kb, kb.evidence_items(topic, region, k=20 if cues.runs_institution(question) else 8), hints, question)
        if item and phrase_strength < STRONG_PHRASE and other_side(kb, item, hints) and evidence and evidence[0][0] != item:
            # a few words named an item for the other side of who is asking ("出生日期…" for 城乡居民
            # 参保登记, asked by an employee): the evidence decides
            item = None
        if item and not group and phrase_ranked:
            # the phrase lists' best names the situation ("之前在外地上班"), another item they name does
            # what is asked (the insurance moved back: 关系转入) and the region's text ranks it higher
            order = [k for k, _, _ in evidence]
            doer = next((k for k, _ in phrase_ranked if k in order and acts_instead(kb, k, item, question)), None)
            scores = {k: sc for k, sc, _ in evidence}
            if doer and (item not in order or scores[doer] >= DOER_SHARE * scores[item]):
                item = doer
        if item and not group and evidence and phrase_strength < STRONG_PHRASE and not does_asked(kb, item, question):
            # a word or two named an item ("居民医保" for its 参保登记) that does not do what is asked
            # ("查下交上没有"): the region's text's near-best item that does it is the one asked (a
            # claim's 报 aside: "看病怎么报" is said of every situation a filing is for)
            near = [k for k, sc, _ in evidence[:3] if sc >= DOER_SHARE * evidence[0][1]]
            item = next((k for k in near if does_asked(kb, k, question, claims=False) and not group_unsaid(kb, k, question, hints)), item)
        if region == "xianan" and named_level and cues.window_asked(question):  # "村里能办不": that window's own items first
            at_level = fits_who(kb, kb.evidence_items(topic, region, k=8, level=named_level), hints, question)
            if at_level and at_level[0][1] >= WEAK_EVIDENCE:
                evidence = at_level
                if item and named_level not in {r.get("level") for r in kb.records(region, item)}:
                    item = None  # the asked window has no such item: that level's own items decide
        if oos and item and not _clearly_in_kb(kb, question, region, strict=True):
            # "养老保险交满15年能领多少", "新生儿怎么上户口": a phrase-list word is no reason to answer
            # what another office handles
            item, evidence = None, []
        if (oos or not domain) and not item and not _clearly_in_kb(kb, question, region, strict=bool(oos) or not domain):
            evidence = []
        elif (decisive(evidence) or bool(evidence) and acts_instead(kb, evidence[0][0], item, question)) \
                and evidence[0][0] != item and not _keeps_topic(kb, item, previous_item, text, region):
            top, top_score = evidence[0][0], evidence[0][1]
            if group:  # a family word: the member the evidence points to, or a clearly better item
                members = [(k, sc) for k, sc, _ in evidence if k in kb.groups.get(group, [])]
                best_member = members[0][1] if members else 0.0
                if top in kb.groups.get(group, []) or top_score >= OVERRULE * best_member:
                    item, group, oos = top, None, None
            else:
                # the evidence ranks the phrase item far lower, or cannot see it and the phrase was one short word
                phrase_score = next((sc for k, sc, _ in evidence if k == item), 0.0)
                # scattered words ("怎么查" … "医保") name an item less surely than a phrase does, and
                # a phrase less surely than a question that spells out the other item's whole name
                # ("查单位的参保信息" for 参保单位参保信息查询, where "单位参保" names 单位参保登记)
                surer = item in kb.named_outright(question) and not (
                    spells_out(kb.item_name(top), question) and not spells_out(kb.item_name(item or ""), question)
                )
                overrule = OVERRULE if surer else BAG_OVERRULE
                # the phrase names the situation ("在外地上班"), the evidence's item does what is asked
                # ("医保怎么转过来" → 关系转入): a smaller lead decides
                acts = acts_instead(kb, top, item, question)
                if acts:
                    # (a short phrase only told the situation — "灵活就业的，交上没有"
                    # asks the enrollment query — so any lead will do)
                    overrule = min(overrule, ACTION_OVERRULE if phrase_strength >= STRONG_PHRASE else 1.0)
                # (…or the text cannot see the phrase's item at all and a phrase names its best too:
                # "产检那次没直接结算" is the 产检 claim, whose text says 产前检查, not 住院费用报销)
                also_named = phrase_score == 0 and any(k == top for k, _ in phrase_ranked)
                weak_phrase = top_score >= overrule * phrase_score and (
                    phrase_score > 0 or phrase_strength < STRONG_PHRASE or acts or also_named
                )
                in_region = bool(item) and kb.has_item(region, item)
                # an item named outright that the region's guide lacks is said to be missing, not swapped
                # (unless an item of the region's own does what is asked: "在外地急诊住院了没备案，回来能报吗"
                # asks the claim, which a guide without the 急诊 filing still answers; "医保断了几年…退役的
                # 可以补缴" is 云南's 退役士兵补缴, though 云南 has no 法定断档补缴)
                doer = next((k for k, _, _ in evidence if does_asked(kb, k, question) and not group_unsaid(kb, k, question, hints)), None)
                named_elsewhere = bool(item) and not in_region and phrase_strength >= STRONG_PHRASE and (
                    doer is None or spells_out(kb.item_name(item), question))  # (its whole name: still missing)
                # …and the phrase's item that does what is asked is not overruled by one that does not
                # ("医保从深圳转回郴州": 转诊备案 shares 外地 and 转, the transfer item does the asking)
                weak_phrase = weak_phrase and not acts_instead(kb, item, top, question)
                if (in_region and weak_phrase) or (not in_region and not named_elsewhere):
                    # the item that does what is asked, where the text's best only shares the situation
                    # ("回厂里上班了，医保关系想迁回来": 关系转入, not 职工参保登记)
                    item, oos = (doer if doer and (not in_region or acts_instead(kb, doer, top, question)) else top), None
    if item and region and re.search(r"转移|转入|转出", kb.item_name(item)) and not re.search(r"转移|接续|转入|转出", question):
        # "转过去", said of a patient in hospital ("医生说要转到武汉去", now or earlier in the
        # conversation), moves the patient, not the insurance: 转诊, not 转移接续
        context = f"{turn.slot('topic_question') or ''} {question}"
        if cues.PATIENT_MOVED.search(context) and not cues.INSURANCE_MOVED.search(context):
            item = next((k for k in kb.referral_items() if kb.has_item(region, k)), item)
    lacking: Optional[str] = None  # an item the words named that the region's guide lacks
    because: List[str] = []  # what the asker said that chose the item over the one their words named
    if item and region and "安置" in kb.item_name(item) and cues.HUKOU_STAYS.search(f"{turn.slot('topic_question') or ''} {question}") \
            and any(cues.HUKOU_MOVED.search(r.get("target") or "") for r in kb.records(region, item)):
        # a retiree whose 户籍 did not move is no 异地安置退休人员 where the guide says those moved it
        # (咸安: 户籍迁入定居地): the long-stay filing fits them. Elsewhere a 个人承诺书 may stand in
        # for the 户口簿 (云南), and 安置 stays.
        stays = kb.item_named(region, "长期居住", whole=False)
        if stays:
            item, because = stays, ["户口未迁"]
    next_step: Optional[str] = None
    new_employer = bool(region) and not turn.payload and bool(cues.NEW_EMPLOYER.search(question) and cues.INSURES_STAFF.search(question))
    first = kb.item_named(region, "单位参保登记") if new_employer else None
    enrolment = bool(item) and kb.item_name(item).endswith("参保登记")
    if first and item != first and (item is None or phrase_strength < STRONG_PHRASE or enrolment):
        # a newly founded employer insuring its staff registers itself first (单位参保登记); the
        # staff's own registration is the next step, offered with the answer
        next_step = item if enrolment else None
        item, group = first, None
    if item and region and evidence and phrase_strength < STRONG_PHRASE and not kb.has_item(region, item) \
            and not kb.related_records(region, item):
        # a few words pointed at an item this region's guide lacks: the region's own text decides,
        # rather than saying the item is missing (an item named outright is still said to be missing).
        # The other items the words name that the region has come first, in its text's order (a
        # spouse's birth where 咸安 has no 一次性补助金: its 生育医疗费)
        lacking = item
        order = [k for k, _, _ in evidence]
        here = [k for k, _ in phrase_ranked if k != lacking and k in order]
        item = min(here, key=order.index) if here else None
    if group and not item and region and evidence:
        # the family word narrows the choice; among its members a smaller lead decides
        family, said = kb.groups.get(group, []), group
        members = [(k, sc) for k, sc, _ in kb.evidence_items(topic, region, k=20) if k in family]
        if members and members[0][1] >= WEAK_EVIDENCE and (len(members) == 1 or members[0][1] >= FAMILY_LEAD * members[1][1]):
            item, group = members[0][0], None
            said = kb.item_name(item)
        # (with a member chosen, any item that far ahead decides; with none, one outside the family)
        outside = group is None or evidence[0][0] not in family
        if outside and evidence[0][1] >= OVERRULE * (members[0][1] if members else 0.0) and not spells_out(said, question):
            # the family word only says what the asker is ("卫生室是医保定点的" asks its fee
            # settlement, not how to become 定点): the region's text, far surer elsewhere, decides
            item, group = None, None
    alternatives: List[str] = []
    form = named_form(kb, question, region) if region and not turn.payload else None
    if form and (group or not item):  # "参保人员信息变更登记表怎么填": the item whose text cites the form
        cited = kb.evidence_items(form, region, expand=False)
        if cited:
            item, group = cited[0][0], None
    variant = ents.get("variant") or (turn.slot("variant") if not item or item == previous_item else None)
    if region and cues.asks_duties(question) and (
        not phrase_ranked and not ents.get("service_item") or cues.window_asked(question) or cues.asks_whose_duty(question) and not item
    ):
        duties = duty_list(kb, question, region)
        # "村里的服务点能做哪些事": the guide's duty list of that service point (items the question
        # names beside a service point are examples of its duties: "村里窗口管哪些事，能帮查参保吗")
        if duties:
            return Decision("document", region=region, document=duties, slots={**slots, "region": region})
    # "这本指南依据的是什么文件": the guide's own preface or notices, alone or beside an item question
    about = about_the_guide(kb, question, region) if region and not turn.payload and cues.ABOUT_GUIDE.search(question) else None
    if about and not phrase_ranked and not ents.get("service_item"):  # …and no item asked: the guide's text alone
        return Decision("document", region=region, document=about, slots={**slots, "region": region})
    item = item or (previous_item if previous_item != lacking else None)  # (not the one just found lacking)

    if not item and group:
        if region is None:
            return Decision("ask_region", slots={**slots, "item_group": group, "awaiting": "region", "pending_question": question})
        present = [k for k in kb.groups[group] if kb.has_item(region, k)]
        family = [r for k in present for r in kb.records(region, k)]
        family = selection.by_level(family, level if region == "xianan" else None)
        done = {**slots, "region": region, "item_group": None}
        if family and same_answer(family, aspect):  # e.g. one phone for all 备案 items: just say it
            # (a form the question names is quoted too: "备案的个人承诺书怎么写")
            named = named_form(kb, question, region) if not turn.payload else None
            lines = [(line.passage.text, line.passage.source) for line in _form_lines(kb, region, named, question)] if named else []
            return Decision("answer_alike", region=region, aspects=[aspect], records=family, evidence=lines,
                            slots={**done, "awaiting": None})
        # (a few short answers are given side by side before the choice: 一次性告知)
        asked = asked_aspects(aspect, question, kb.search.channel_names) if aspect in ASPECTS else []
        return Decision(
            "choose_family", region=region, group=group, candidates=present, records=family, aspects=asked,
            slots={**done, "awaiting": "item", "pending_question": question},
        )
    if not item:
        if cues.CANCEL.search(text):  # "那算了" without a question: acknowledge, no rephrase request
            return Decision("deny_ack", slots=slots)
        if oos or (not domain and not group and _substantive(kb, text) and not _clearly_in_kb(kb, question, region, strict=True)):
            # out-of-scope words, or a message about something else that no guide answers by a wide
            # margin (a school's 小学 in one guide's 服务对象 list is no 医保 question)
            return Decision("decline", topic=oos, slots=slots)
        document = document_passages(kb, question, region, evidence) if region else None
        if document:  # the guide answers it outside any item (duties of service points, notices)
            return Decision("document", region=region, document=document, slots={**slots, "region": region})
        asks = _substantive(kb, question, who_too=True)  # more than "衡阳这边，参加的是职工医保"
        if region and evidence and evidence[0][1] >= GUESS_EVIDENCE and asks:
            # the KB's text points somewhere, if not decisively: answer the best, offer the next two —
            # the best among those about as good that does what is asked ("缴到几月份" is the
            # enrollment query, not the registration whose words it shares)
            near = [k for k, sc, _ in evidence[:3] if evidence[0][1] < DECISIVE_LEAD * sc]
            doer = next((k for k in near if does_asked(kb, k, question)), None)
            guess = doer if doer and not does_asked(kb, evidence[0][0], question) else evidence[0][0]
            item, alternatives = guess, [k for k, sc, _ in evidence[:3] if k != guess and sc >= WEAK_EVIDENCE][:2]
        elif region and evidence and evidence[0][1] >= WEAK_EVIDENCE and asks:
            # never a dead end once the region is known: the three best items as buttons
            return Decision(
                "choose_items", region=region, candidates=[k for k, _, _ in evidence[:3]],
                slots={**slots, "region": region, "awaiting": "item", "pending_question": question},
            )
        elif region and ents.get("region"):
            return Decision("region_noted", region=region, slots={**slots, "region": region})
        elif region is None and not turn.payload and len(question) >= 4:
            # the region decides everything: ask it first and keep the question for its reply
            return Decision("ask_region", slots={**slots, "awaiting": "region", "pending_question": question})
        else:
            return which_item(turn, kb, slots)
    slots["service_item"] = item
    if region is None:
        return Decision("ask_region", item=item, slots={**slots, "awaiting": "region", "pending_question": None if turn.payload else question})
    slots.update(region=region, item_group=None)

    records = kb.records(region, item) or kb.related_records(region, item)
    all_levels, records = records, selection.by_level(records, level if region == "xianan" else None)
    if variant and variant not in {selection.label(r) for r in records}:
        # a follow-up keeps the window the conversation settled on (the 区级 record chosen for a
        # village worker's question stays chosen for "要填么子表")
        records = [r for r in all_levels if selection.label(r) == variant] or records
    if not records:
        return Decision("no_item_in_region", region=region, item=item, slots={**slots, "variant": None})
    # a record only another window has, named by the words only its name says ("生存认证" of the
    # village window's 慢性病生存认证), is the one asked, whichever window the words also name
    named = _named_by_own_words(kb, all_levels, question, region) if len(all_levels) > len(records) else None
    if named is not None and named not in records and not turn.payload:
        records, level = [named], named.get("level")
    if form and len(records) > 1:  # "填…变动表，要附什么": the record whose text cites that form
        records = [r for r in records if _cites(r, form)] or records
    # who is asking (人员类别, 险种, 申请人) stays known for the conversation until they say otherwise
    # a variant kept from earlier turns was chosen with who they said they were then: only who they
    # say they are now may overrule it ("叫我表哥去帮我办" keeps 灵活就业…参保登记, "职工医保" or not)
    said_now = [h for h in (ents.get(k) for k in HINT_SLOTS) if h]
    kept = variant and not ents.get("variant") and variant in {selection.label(r) for r in records}
    chosen = selection.choose(records, question, variant, said_now if kept else hints, kb.variant_words)
    if len(chosen) == 1 and _PUBLICITY_ONLY.match(chosen[0].get("name") or "") and len(records) < len(all_levels) \
            and not cues.window_asked(question) and not _PUBLICITY_ASKED.search(question) \
            and chosen[0] is not named:
        # that window only publicises the policy ("村医保专干…想申请慢性病" asks to apply): the window
        # that handles the item answers, unless the question asks what that window does
        records = selection.by_level(all_levels, None)
        chosen = selection.choose(records, question, variant, said_now if kept else hints, kb.variant_words)
    unhinted = selection.choose(records, question, variant, [], kb.variant_words)
    decided_by = because + (hints if hints and len(chosen) < len(unhinted) else [])
    if follow_up and aspect == previous_aspect:
        aspects = previous_aspects  # "那灵活就业的呢": what was asked, all of it, for the new case
    else:
        aspects = [aspect] if follow_up else asked_aspects(aspect, question, kb.search.channel_names)
        if also_asked and also_asked not in aspects and not follow_up and not pending:
            aspects.append(also_asked)
    slots["aspect"] = "+".join(aspects)  # (what this turn asked; a later turn keeps it in view)
    if item == previous_item and not pending and not turn.payload:
        # a new question about the same item ("网上能弄不？" after "要咋个改") is answered first, and
        # what the conversation already asked of it stays in the reply: one reply says it all
        aspects = aspects + [a for a in previous_aspects if a in ASPECTS and a not in aspects]
    if form and "ask_forms" not in aspects:  # a form named is a form asked about
        aspects = ["ask_forms"] if aspects == ["overview"] else aspects + ["ask_forms"]
    if len(chosen) > 1 and not variant:
        chosen = variant_by_evidence(kb, chosen, question, region, item)
    if len(chosen) > 1 and all(same_answer(chosen, a) for a in aspects):
        extra = [] if follow_up else supporting_evidence(kb, chosen[0], question, region, item, aspects, form)
        return Decision("answer_alike", region=region, item=item, aspects=aspects, records=chosen, evidence=extra,
                        candidates=alternatives, slots={**slots, "variant": None, "awaiting": None})
    if len(chosen) > 1:
        return Decision("choose_variant", region=region, item=item, records=chosen, aspects=aspects,
                        slots={**slots, "variant": None, "awaiting": "variant", "pending_question": question})
    record = chosen[0]
    focus = list(hints) + [h.replace("人员", "") for h in hints]
    # what was said of this item in earlier turns ("我堂客冇上班…") is part of a follow-up's question
    # ("咯种情况能领不？要交么子？") when the evidence for it is searched
    refers = item == previous_item or cues.REFERS_BACK.search(text)
    earlier = (turn.slot("topic_question") or "") if refers and not pending and not turn.payload else ""
    said = f"{earlier} {question}".strip()[-TOPIC_QUESTION_CHARS:]
    form = form or own_form_named(kb, record, question, region)
    # a follow-up that only picks the case ("那灵活就业的呢", "郴州呢") gets the kept aspect's answer; one
    # that tells a situation ("爱人不上班，也一直没参加生育险") gets the guide's sentences about it as well
    situation = follow_up and not turn.payload and _substantive(kb, text, who_too=True)
    extra = [] if (follow_up and not situation) or turn.payload and not pending else supporting_evidence(kb, record, said, region, item, aspects, form)
    if not about and "ask_legal_basis" in aspects and not turn.payload and not answers.states(record, "ask_legal_basis", kb.region(region)):
        # the item cites no basis of its own ("这些要求依据的是什么"): the document the guide as a
        # whole was written under, from its own preface, is what the guide says of it
        about = guide_basis(kb, region)
    if about:  # "…带什么；这本指南依据的又是哪份文件": the guide's own text answers the second part
        extra = extra + [p for p in about[1][:2] if p not in extra]
        if not answers.states(record, "ask_legal_basis", kb.region(region)):
            aspects = [a for a in aspects if a != "ask_legal_basis"] or aspects
    if named_level and record.get("level") and not turn.payload and (cues.window_asked(question) or cues.asks_what_a_window_does(question)):
        # "村窗口能帮…吗", "是不是归我们社区管": who handles it there, and what that window's duties say
        duties = window_duties(kb, question, region, named_level, record)
        extra = duties + [e for e in extra if e not in duties]
    if form and extra and "ask_forms" in aspects and not answers.states(record, "ask_forms", kb.region(region)):
        # the form the question names is quoted from the guide's own text: neither "没有写明相关表格"
        # nor another guide's forms
        aspects = [a for a in aspects if a != "ask_forms"]
    return Decision(
        "answer", region=region, item=item, aspects=aspects, records=[record], evidence=extra,
        decided_by=decided_by, focus=focus, candidates=alternatives, next_guide=next_guide_record(kb, record, aspects, region, item),
        next_steps=[next_step] if next_step else [],
        slots={**slots, "variant": selection.label(record), "awaiting": None, "topic_question": None if turn.payload else said},
    )


def _phrase_items(kb: KnowledgeGateway, pending: str, text: str) -> List[Tuple[str, float]]:
    """Items the phrase lists find in the kept question and in its reply, each on its own: a bag
    of words must not be made of one word from each ("能查交了几年吗" + "职工医保，在衡阳")."""
    if not pending:
        return kb.rank_items(text)
    # the kept question carries the topic; the reply mostly says where and who ("我在昆明，单位给我
    # 参保"), so what its words name counts for less
    best: Dict[str, float] = {}
    for key, score in [*kb.rank_items(pending), *[(k, sc * REPLY_WEIGHT) for k, sc in kb.rank_items(text)]]:
        best[key] = max(best.get(key, 0.0), score)
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))


def which_item(turn: Turn, kb: KnowledgeGateway, slots: Optional[Dict[str, Any]] = None) -> Decision:
    """Items the words name, as buttons; else ask to rephrase."""
    ranked = kb.rank_items(turn.text)[:4]
    if ranked:
        return Decision("which_item", candidates=[k for k, _ in ranked], slots=slots or {})
    return Decision("rephrase", slots=slots or {})


def in_form(turn: Turn, kb: KnowledgeGateway) -> Decision:
    """A message while a lookup form runs: a place stays in the form, a guide question leaves it."""
    if not turn.entities.get("service_item") and not cues.has_aspect_cue(turn.text):
        # "德宏州参保的" while a lookup asks for the ID: note the place, stay in the lookup
        region = turn.entities.get("region")
        official = None
        if region and not turn.slot("region") and kb.region(region):
            # the place arrives after the lookup began: the guide's own way to check, for that place
            item = turn.slot("service_item") or (ENROLLMENT_QUERY_ITEM if turn.form == "enrollment_form" else None)
            records = kb.records(region, item) if item and kb.has_item(region, item) else []
            official = records[0] if records else None
        return Decision("stay_in_form", form=turn.form, region=region, official=official, slots={"region": region} if region else {})
    return replace(answer(turn, kb), leave_form=True)


def fallback(turn: Turn, kb: KnowledgeGateway) -> Decision:
    """A low-confidence turn: the KB's own evidence first, small talk next, then items or rephrase."""
    text = turn.text
    guess = next((i for i in turn.ranking if i and i != "nlu_fallback"), None)
    if not text.strip():
        return Decision("empty")
    if _answers_region_question(turn, kb):  # "我户口在嘉禾县" after "请问您在哪个地区"
        return answer(turn, kb, "inform")
    if cues.CANCEL.search(text) and not kb.rank_items(text):
        return Decision("cancel_lookup")
    if cues.out_of_scope_topic(text) and not kb.rank_items(text):
        return Decision("decline", topic=cues.out_of_scope_topic(text))
    # a follow-up about the item under discussion ("我帮他去代领行不行？告知书哪时候开？") goes on
    # with it, whatever it asks and however many things: never "please rephrase" mid-topic
    asked = cues.cued_aspects(text)
    continues = turn.slot("service_item") and (guess in (*ASPECTS, "inform") or asked or _substantive(kb, text))
    # something asked of 医保 by who is asking ("没单位，医保能自己交不"): answered, or the region asked first
    of_insurance = asked and (cues.MEDICAL_INSURANCE.search(text) or any(turn.entities.get(k) for k in HINT_SLOTS))
    if kb.rank_items(text) or kb.group(text) or turn.entities.get("region") or continues or of_insurance:
        intent = guess if guess in (*ASPECTS, "inform") else (asked[0] if asked else "inform")
        return answer(turn, kb, intent)
    if guess in SMALL_TALK and cues.cued_aspect(text) is None:
        return Decision("small_talk", response=SMALL_TALK[guess])
    if cues.GREETING.match(text) and not asked:  # "你好呀，医保的问题能问你吗": a greeting, then nothing to answer yet
        return Decision("small_talk", response=SMALL_TALK["greet"])
    return which_item(turn, kb)


def _asked_region(turn: Turn, kb: KnowledgeGateway) -> Optional[str]:
    """The region of a message outside the main answer path: where the asker is insured, the place
    named, else the conversation's (None when it is no region of the KB)."""
    region = insured_region(kb, turn.text) or turn.entities.get("region") or turn.slot("region")
    return region if kb.region(region) else None


def small_talk(turn: Turn, kb: KnowledgeGateway) -> Decision:
    """The classifier says greeting, goodbye, thanks …: say the short reply — unless the message
    asks about 医保 after all ("分级诊疗政策在村里能问到吗" read as a goodbye): then it is answered."""
    text = turn.text
    asks = _ASKS.search(text)  # ("谢谢，生育津贴的材料我知道了" thanks; it asks nothing again)
    # (what it asks must name an item, a family or an aspect, or the region's text must clearly point
    # at one: "你好，医保的问题能问你吗" is a greeting)
    region = _asked_region(turn, kb)
    clearly = bool(region) and decisive(kb.evidence_items(text, region))
    if asks and kb.in_domain(text) and (kb.rank_items(text) or kb.group(text) or cues.cued_aspect(text) or clearly):
        return fallback(turn, kb)
    return Decision("small_talk", response=SMALL_TALK.get(turn.intent, "utter_greet"))


#: A message that asks something (a question mark or a question word).
_ASKS = re.compile(r"[？?吗嘛么呢]|能不能|可不可以|怎么|咋|哪|什么|啥|多少|几|要不要")


def out_of_scope(turn: Turn, kb: KnowledgeGateway) -> Decision:
    """The classifier says out of scope: decline, unless the KB clearly answers it after all."""
    text = turn.text
    topic = cues.out_of_scope_topic(text)  # another office's words, if any
    asked = [a for a in cues.cued_aspects(text) if a in ASPECTS]
    if topic is None and kb.rank_items(text) and (asked or kb.named_outright(text)):
        # the words name a KB item and ask something of it (one aspect or several), or name the item
        # outright: the classifier's "out of scope" was wrong
        return answer(turn, kb, asked[0] if asked else "inform")
    if asked and topic is None and _about_current_item(turn, kb):
        # a follow-up on the item under discussion ("结婚证丢了补不到咋办"): its words are that
        # item's (a material of it), not another office's
        return answer(turn, kb, asked[0])
    if _answers_region_question(turn, kb):  # "我户口在嘉禾县" answers our region question
        return answer(turn, kb, "inform")
    region = _asked_region(turn, kb)
    if topic and not _speaks_of_medical_insurance(kb, text):
        return Decision("decline", topic=topic, leave_form=True)  # another office's word, no word of 医保 nor item
    if region and kb.in_domain(text) and _clearly_in_kb(kb, text, region):
        return answer(turn, kb, cues.cued_aspect(text) or "inform")  # the region's guide clearly answers it
    if region and cues.asks_of_medical_insurance(text) and kb.evidence_items(text, region):
        # "养老保险和医保一起交的，医保断了怎么补": another office's word, but what it asks is of 医保
        return answer(turn, kb, cues.cued_aspect(text) or "inform")
    return Decision("decline", topic=topic, leave_form=True)


def _speaks_of_medical_insurance(kb: KnowledgeGateway, text: str) -> bool:
    """Whether the message, its out-of-scope words aside, names 医保 or one of its items."""
    rest = cues.without_out_of_scope_words(text)
    return bool(cues.MEDICAL_INSURANCE.search(rest)) or bool(kb.named_outright(rest))


def _about_current_item(turn: Turn, kb: KnowledgeGateway) -> bool:
    """Whether the message's words are among the best matches of the item under discussion."""
    item, region = turn.slot("service_item"), turn.slot("region")
    if not (kb.knows_item(item) and kb.region(region)):
        return False
    return any(k == item and sc >= WEAK_EVIDENCE for k, sc, _ in kb.evidence_items(turn.text, region, k=3))


_FILLER = re.compile(r"[我你您他她们咱在是的呢啊吧了呀哈嘛哦喔这那边里儿住人家，,。.！!？?\s~～、]")


def _substantive(kb: KnowledgeGateway, text: str, who_too: bool = False) -> bool:
    """Whether the message says something besides naming a place ("我在郴州" says nothing more);
    ``who_too``: besides naming a place and who is asking ("衡阳这边，参加的是职工医保")."""
    for h in sorted(kb.indexes["region"].hits(text), key=lambda h: -h.start):
        if h.end > h.start:
            text = text[: h.start] + text[h.end :]
    for word in sorted(kb.who_words if who_too else (), key=len, reverse=True):
        text = text.replace(word, "")
    return len(_FILLER.sub("", text)) >= 3


def _clearly_in_kb(kb: KnowledgeGateway, question: str, region: Optional[str], strict: bool = False) -> bool:
    """Whether some guide (the region's, or any when it is unknown) clearly answers the words;
    ``strict`` (an out-of-scope word is present): by a wide margin."""
    regions = [region] if region else [r.key for r in kb.regions()]
    lead, floor = (2.0, 2 * OOS_OVERRULE) if strict else (DECISIVE_LEAD, OOS_OVERRULE)
    # the words as typed: synonyms ("钱" → 费用) would make anything look like a 医保 question
    for r in regions:
        ranked = kb.evidence_items(question, r, expand=False)
        if ranked and ranked[0][1] >= floor and (len(ranked) == 1 or ranked[0][1] >= lead * ranked[1][1]):
            return True
    return False


def _answers_region_question(turn: Turn, kb: KnowledgeGateway) -> bool:
    """The bot asked for the region and this message names one."""
    return turn.slot("awaiting") == "region" and bool(insured_region(kb, turn.text) or turn.entities.get("region"))


def handoff(turn: Turn, kb: KnowledgeGateway) -> Decision:
    """转人工: the region's consult phones — unless the message never asks for a person and names an
    item ("转诊备案谁来办" asks who files it, a question the guide answers)."""
    if not cues.WANTS_A_PERSON.search(cues.without_call_framing(turn.text)) and (kb.knows_item(turn.entities.get("service_item")) or kb.rank_items(turn.text)):
        return answer(turn, kb, cues.cued_aspect(turn.text) or "inform")
    region = turn.entities.get("region") or turn.slot("region")
    return Decision("handoff", region=region if kb.region(region) else None, leave_form=True, slots={"aspect": None})


#: The asked action (colloquial.yml ``asked_actions``) of looking one's own record up: no item's business.
LOOKING_UP = "参保信息查询"


def lookup(turn: Turn, kb: KnowledgeGateway) -> Decision:
    """A status / enrollment question: one's own case starts an identity-checked lookup (with the
    guide's own way to check); a question about the guide ("钱是咋个给到我手上的") is answered."""
    text = turn.text
    if cues.CANCEL.search(text):
        return Decision("cancel_lookup")
    ents = turn.entities
    cued = cues.cued_aspect(text)
    if not turn.has_personal_data and turn.slot("awaiting") and set(ents) & {
        "region", "variant", "service_item", "personnel_category", "insurance_type"
    }:
        return answer(turn, kb, "inform")  # a reply to our question, misread as a lookup
    region = _asked_region(turn, kb)
    asked = cues.cued_aspects(text)
    # (whether one can do something is a question about the guide when the words name an item:
    # "中断过，如今补办行吗")
    # (or when they ask whether they may do what an item does: "漏交了半年，还能补交吗" is 补缴's)
    eligible = cued == "ask_eligibility" and bool(
        ents.get("service_item") or kb.rank_items(text) or set(kb.search.asked_doing(text)) - {LOOKING_UP}
    )
    own_case = turn.has_personal_data or cues.asks_own_case(text) and not eligible
    if not own_case and (
        region or asked and (cued != "ask_eligibility" or eligible) or cues.asks_duties(text)
        or not cues.asks_to_look_up(text)
    ):
        # not one's own case: a question about the guide, misread as a lookup
        return answer(turn, kb, cued or (asked or ["inform"])[0])
    form = "enrollment_form" if turn.intent == "enrollment_lookup" else "status_form"
    official = _official_record(kb, text, region, turn.intent) if region and not turn.has_personal_data else None
    slots: Dict[str, Any] = {"aspect": None}
    ranked = kb.rank_items(text)
    if form == "enrollment_form":
        # the topic is now checking one's enrollment: "乡里能查不，手机上行不行" asks about that item
        slots["service_item"] = ENROLLMENT_QUERY_ITEM
    elif region is None and ranked:  # kept for the guide's way to check once the place is known
        slots["service_item"] = ranked[0][0]
    return Decision("start_lookup", region=region, form=form, official=official, slots=slots, aspects=asked)


def _official_record(kb: KnowledgeGateway, text: str, region: str, intent: str) -> Optional[Record]:
    """The record whose 查询方式 says how to check this case oneself: for whether one is enrolled
    and paid up, the enrollment query item (whatever scheme is named: "我今年缴上了没有"); for a
    case in progress, the item the words name."""
    item = ENROLLMENT_QUERY_ITEM if intent == "enrollment_lookup" and kb.has_item(region, ENROLLMENT_QUERY_ITEM) else None
    ranked = kb.rank_items(text)
    if item is None and ranked and kb.has_item(region, ranked[0][0]):
        item = ranked[0][0]
    if item is None:
        evidence = kb.evidence_items(text, region)
        item = evidence[0][0] if decisive(evidence) else None
    records = kb.records(region, item) if item else []
    return records[0] if records else None
