"""How answers read: one module, so every channel shows the same facts the same way.

Every fact comes from a KB record (``knowledge.query.variant_record``) and every answer ends with
its source (guide title and line range). Where the guide is silent, the answer says so and gives
the region's consult channel instead of guessing.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from actions.kb_gateway import RegionInfo
from knowledge import editorial
from knowledge.extract import marker_type, without_marker
from knowledge.passages import FLOWCHART_GUIDES
from knowledge.render import book

ASPECT_LABELS: Dict[str, str] = {
    "ask_materials": "办理材料（一次性告知）",
    "ask_process": "办理流程",
    "ask_time_limit": "办理时限",
    "ask_channel": "办理渠道",
    "ask_eligibility": "服务对象（谁可以办）",
    "ask_contact": "咨询与监督电话",
    "ask_legal_basis": "设定依据",
    "ask_forms": "相关表格",
    "ask_fees": "待遇支付方式",
    "ask_query": "怎么查询",
    "overview": "办事要点",
}

#: Sentences that say how money is paid out (拨付至银行账户 …), for "钱怎么给".
_PAYMENT = re.compile(r"拨付|支付至|发放|汇入|转账|银行账户|银行卡|社会保障卡账户|打入|划入|账户资料|银行账号|储蓄卡|存折|资金支付")

#: A process this short goes with the channels: it says who goes where ("参保人或单位到医保经办机构办理").
SHORT_PROCESS = 120
#: A section this short (a time limit, a phone number) is said before long ones in a reply to be split.
SHORT_SECTION_CHARS = 80
#: A form cell this short that ends a sentence is the wrapped end of a printed note ("设兵团。", "规定执行。").
SENTENCE_TAIL_CHARS = 8
#: How many of a form's fields an answer about forms names.
FORM_FIELDS_SHOWN = 24
#: A field's printed heading longer than this is a sentence, not a name for the field.
HEADING_MAX = 20
#: A process this short goes with a materials answer too.
WITH_MATERIALS_PROCESS = 250

#: Process steps that say how the applicant learns the result (反馈, 告知, 通知 …).
_RESULT = re.compile(r"结果|反馈|告知申请人|通知申请人")

_SOURCE_RE = re.compile(r"^(?P<file>[^:]+):(?P<start>\d+)-(?P<end>\d+)$")


def source_line(record: Dict[str, Any], sources: Iterable[Optional[str]]) -> str:
    """来源：《guide title》第a–b行 (several ranges joined), from "file:a-b" sources; a field an editor
    changed ("edit:id:date") is named as the bureau's update instead of the guide's lines."""
    ranges: List[str] = []
    edits: List[str] = []
    for src in sources:
        m = _SOURCE_RE.match(src or "")
        if m:
            r = f"第{m['start']}–{m['end']}行" if m["start"] != m["end"] else f"第{m['start']}行"
            if r not in ranges:
                ranges.append(r)
        elif editorial.cited(src or "") and editorial.cited(src or "") not in edits:
            edits.append(editorial.cited(src or ""))
    if not ranges and not edits:
        ranges = [f"第{record['source'].rsplit(':', 1)[-1].replace('-', '–')}行"]
    parts = ([f"{book(record['guide_title'])}{'、'.join(ranges)}"] if ranges else []) + edits
    return "来源：" + "；".join(parts)


def _field(record: Dict[str, Any], key: str) -> Optional[Dict[str, str]]:
    f = record["fields"].get(key)
    return f if f and f.get("text", "").strip() else None


def heading(record: Dict[str, Any]) -> str:
    name = record["name"] + (f" · {record['variant']}" if record.get("variant") else "")
    # what the guide's own title adds to the name, e.g. 咸安 乡镇 "18.住院费用报销（初审）": the town only pre-checks
    added = [m for m in re.findall(r"（[^（）]+）", record.get("title") or "") if not re.fullmatch(r"（[\dA-Z]+）", m) and m not in name]
    level = f"（{record['level']}窗口）" if record.get("level") else ""
    return f"【{record['region']} · {name}{''.join(added)}{level}】"


def _missing(record: Dict[str, Any], label: str, region: RegionInfo) -> str:
    consult = region.consult.replace("\n", " ")
    return (
        f"{heading(record)}\n{book(record['guide_title'])}没有写明{label}。"
        f"建议咨询当地医保经办机构：{consult}\n来源：{region.consult_cited}"
    )


#: An entry that opens with its own section number ("（一）新参保、续保").
_OWN_HEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
#: A materials group heading that names a part of the list rather than a situation.
_LIST_PART = re.compile(r"相关材料[：:]?$")


def _printed_ends(record: Dict[str, Any]) -> Dict[int, str]:
    """Per material (by its place in the list), the list punctuation the guide prints after it
    ("①有效身份证件；"): entries are quoted as printed, not cut short. Found in the guide's order,
    each after the one before (单位职工's "有效身份证件。" is not 灵活就业人员's "有效身份证件；")."""
    printed = re.sub(r"\s+", "", record.get("materials") or "")
    ends: Dict[int, str] = {}
    cursor = 0
    for i, m in enumerate(record["structured"]["materials"]):
        key = re.sub(r"\s+", "", m["text"])
        at = printed.find(key, cursor) if key else -1
        if at < 0:
            continue
        cursor = at + len(key)
        end = printed[cursor : cursor + 1]
        if end in ("；", ";", "。") and not key.endswith(end):
            ends[i] = end
    return ends


def materials_lines(record: Dict[str, Any], focus: Sequence[str] = ()) -> List[str]:
    """The full materials list, conditions and notes kept (一次性告知).

    When ``focus`` words (e.g. 灵活就业) pick out condition groups, those groups come first and
    the other groups are named, so the list stays complete without burying the asker's case.
    """
    mats = record["structured"]["materials"]
    ends = _printed_ends(record)
    groups: List[tuple] = []  # (condition, [(text, the guide's marker, its printed end)])
    notes: List[str] = []
    for i, m in enumerate(mats):
        if m["kind"] == "note":
            notes.append(m["text"])
            continue
        if not groups or groups[-1][0] != m["condition"]:
            groups.append((m["condition"], []))
        groups[-1][1].append((m["text"], m.get("marker"), ends.get(i, "")))
    if not groups:
        text = record.get("materials_marker") or record.get("materials") or ""
        return [text] if text else []
    # a group that is a part of one list ("服役相关材料", "个人相关材料": both are handed in) is no
    # situation to pick: it is always shown
    picked = [g for g in groups if g[0] and not _LIST_PART.search(g[0]) and any(w and w in g[0] for w in focus)]
    shown = picked + [g for g in groups if not g[0] or _LIST_PART.search(g[0])] if picked else groups
    lines: List[str] = []
    for condition, entries in shown:
        if condition:
            lines.append(f"{condition.rstrip('：:')}：")
        # the guide's own markers where it prints one for every entry (a heading "（一）新参保" carries
        # its own), nested lists and "任选其一" letters kept as printed; else our numbers
        # (a group mixing ① with 1. is one list numbered inconsistently: numbered by the reply)
        own = [marker if marker else ("" if _OWN_HEADING.match(t) else None) for t, marker, _ in entries]
        styles = {marker_type(m) for m in own if m}
        if any(m is None for m in own) or not any(own) or len(styles) > 1 and "circ" in styles:
            own = [f"{i}." for i in range(1, len(entries) + 1)]
        lines += [f"{m} {t}{end}".strip() for m, (t, _, end) in zip(own, entries)]
    if picked:
        others = [g[0].rstrip("：:") for g in groups if g not in picked and g[0]]
        if others:
            lines.append(f"（其他情形另有材料：{'；'.join(others)}。如需要请告诉我。）")
    if notes:
        lines.append("备注：" + "；".join(notes))
    return lines


#: A contact label the guide leaves empty (单位地址：, 监督电话：): nothing to say, so it is not said.
BLANK_CONTACT = re.compile(r"^[ \t]*(?:单位地址|地址|咨询电话|监督电话|联系电话|电话)[：:][ \t]*(?:\n|$)", re.M)


Section = Tuple[str, List[str], List[Optional[str]]]  # label, body lines, sources


def _section(
    record: Dict[str, Any], aspect: str, region: RegionInfo, focus: Sequence[str], asked: Sequence[str] = ()
) -> Optional[Section]:
    """One aspect's part of an answer, or None where the guide says nothing about it (``asked``:
    every aspect of the reply, so that one section does not repeat another)."""
    label = ASPECT_LABELS.get(aspect, ASPECT_LABELS["overview"])
    body: List[str] = []
    sources: List[Optional[str]] = []

    def add_field(key: str, title: Optional[str] = None) -> bool:
        f = _field(record, key)
        if f and BLANK_CONTACT.search(f["text"]):  # 云南 prints "单位地址：" and "监督电话：" with nothing after
            text = BLANK_CONTACT.sub("", f["text"]).strip()
            f = {**f, "text": text} if text else None
        if not f:
            return False
        # the guide's own heading where it says more than ours ("咸安区医疗保障局监督电话": whose phone)
        heading = f.get("heading") or ""
        title = heading if title and heading.endswith(title) and len(heading) <= HEADING_MAX else title
        body.append(f"{title}：{f['text']}" if title else f["text"])
        sources.append(f["source"])
        return True

    if aspect == "ask_materials":
        lines = materials_lines(record, focus)
        if not lines:
            return None
        body += lines
        f = record["fields"].get("materials")
        sources.append(f["source"] if f else None)
        if record["forms"] and "ask_forms" not in asked:  # (asked, they have a section of their own)
            body.append("相关表格：" + "；".join(_form_label(f) for f in record["forms"]))
        process = _field(record, "process")
        if process and "ask_process" not in asked and len(process["text"]) <= WITH_MATERIALS_PROCESS:
            body.append("办理流程：" + process["text"])  # 一次性告知: where the materials go, and what happens
            sources.append(process["source"])
        # 云南's flowcharts re-list the materials, sometimes with more than the field (INVENTORY
        # §2, §4.5): what only the flowchart asks for is shown, said to be from it
        said = _bare(record.get("materials") or "")
        extra = _flowchart_lines(record, lambda line: _is_material(line) and _bare(line) not in said)
        if extra:
            body.append("流程图另列的材料（与办理材料不一致时请向经办机构确认）：\n" + "\n".join(extra[:FLOWCHART_STEPS]))
            sources += [chart["source"] for chart in record.get("flowcharts") or []]
    elif aspect == "ask_time_limit":
        if not add_field("time_limit"):
            return None
        said = _bare("".join(body))
        extra = _flowchart_lines(record, lambda line: bool(_TIME.search(line)) and _bare(line) not in said)
        if extra:  # "如材料审核通过，完成备案,即时办结。", "收件后30天之内完成拨付"
            body.append("流程图中的说明：\n" + "\n".join(extra[:FLOWCHART_STEPS]))
            sources += [chart["source"] for chart in record.get("flowcharts") or []]
        # the steps' own deadlines ("在10个工作日内生成并发出《信息表》") say how long each part takes
        # and what happens when; not when the reply gives the whole process anyway
        timed = [] if "ask_process" in asked else [
            step for step in record["structured"]["steps"] if _STEP_TIME.search(step["text"]) and _bare(step["text"]) not in said
        ]
        if len(timed) >= 2:
            body.append("各环节时限（办理流程）：\n" + "\n".join(step["text"] for step in timed[:FLOWCHART_STEPS]))
            sources += [step["source"] for step in timed[:FLOWCHART_STEPS]]
        for c in record["structured"]["conflicts"]:
            body.append(f"注意：同一文件的清单表格写的是“{c['other']}”（{c['other_source']}），以办事指南正文为准请向经办机构确认。")
    elif aspect == "ask_process":
        if not add_field("process"):
            return None
        # 云南's flowcharts tell the steps in full where the 办理流程 field is a line or two (who
        # hands in what, how, what comes back): a secondary source, said to be one
        said = _bare("".join(body) + (record.get("materials") or ""))
        steps = _flowchart_lines(record, lambda line: _bare(line) not in said and not _is_material(line))[:FLOWCHART_STEPS]
        if steps:
            body.append("流程图中的说明：\n" + "\n".join(steps))
            sources += [chart["source"] for chart in record.get("flowcharts") or []]
        if "ask_channel" not in asked:  # how to do it is also where to do it (unless said apart)
            add_field("channels", "办理渠道")
        mats = materials_lines(record, focus) if "ask_materials" not in asked else []
        if mats:  # 一次性告知: what to bring goes with how to do it
            body.append("办理材料：\n" + "\n".join(mats))
            f = record["fields"].get("materials")
            sources.append(f["source"] if f else None)
        if "ask_time_limit" not in asked:  # … and how long it takes
            add_field("time_limit", "办理时限")
    elif aspect == "ask_channel":
        if not add_field("channels"):
            return None
        process = _field(record, "process")
        # (not when another section of the reply gives the process: the process or materials one)
        told = "ask_process" in asked or bool("ask_materials" in asked and process and len(process["text"]) <= WITH_MATERIALS_PROCESS)
        if not told and process and len(process["text"]) <= SHORT_PROCESS:  # where, and who goes: 参保人或单位到…办理
            add_field("process", "办理流程")
        elif not told and record["structured"]["steps"]:  # a long process: its first step says where one applies
            first = record["structured"]["steps"][0]
            body.append(f"办理流程（第一步）：{first['text']}")
            sources.append(first["source"])
        add_field("query", "查询方式")
    elif aspect == "ask_eligibility":
        if not add_field("target"):
            return None
        add_field("content", "事项内容")
        add_field("unit", "受理单位")
    elif aspect == "ask_contact":
        found = [add_field(k, t) for k, t in (("contact", None), ("consult", "咨询方式"), ("supervision", "监督电话"))]
        add_field("evaluation", "评价渠道")
        if not any(found):
            return None
        if not record["phones"]:
            body.append(f"指南未列出具体电话号码。当地咨询渠道：{region.consult}".replace("\n", " "))
            sources.append(region.consult_source)
    elif aspect == "ask_fees":  # how the money arrives: the guide's own sentences about paying out
        parts = [*record["structured"]["steps"], *record["structured"]["materials"]]
        for key in ("time_limit", "channels"):
            f = _field(record, key)
            if f:
                parts += [{"text": line.strip(), "source": f["source"]} for line in f["text"].splitlines() if line.strip()]
        if record.get("guide") in FLOWCHART_GUIDES:  # a secondary source, said to be one
            parts += [
                {"text": f"（流程图）{line.strip()}", "source": chart["source"]}
                for chart in record.get("flowcharts") or []
                for line in chart["text"].splitlines()
                if len(line.strip()) >= FLOWCHART_LINE_MIN
            ]
        seen = set()
        for part in parts:
            if _PAYMENT.search(part["text"]) and part["text"] not in seen:
                seen.add(part["text"])
                body.append(part["text"])
                sources.append(part["source"])
        if not body:
            return None
        del body[6:], sources[6:]
    elif aspect == "ask_query":  # how to learn the result: 查询方式 (else where one applies), and the steps that give it
        if not add_field("query", "查询方式"):
            add_field("channels", "办理渠道")
        for step in record["structured"]["steps"]:
            if _RESULT.search(step["text"]):
                body.append(f"{step['title']}。{step['text']}" if step.get("title") else step["text"])
                sources.append(step["source"])
        if not body:
            return None
    elif aspect == "ask_legal_basis":
        lb = record["structured"]["legal_basis"]
        if not lb:
            return None
        body += [x["text"] for x in lb]
        sources += [x["source"] for x in lb]
    elif aspect == "ask_forms":
        if not record["forms"]:
            named = sorted(set(re.findall(r"《[^》]*(?:表|书|单|卡)》", record.get("materials") or "")))
            if not named:
                return None
            body.append("办理材料中要求的表格：" + "、".join(named))
            body.append("本指南未附这些表格的样式，可到办理窗口领取。")
            f = record["fields"].get("materials")
            sources.append(f["source"] if f else None)
        else:
            for form in record["forms"]:
                fields = "、".join(_blanks(form)[:FORM_FIELDS_SHOWN])
                body.append(_form_label(form) + (f"（主要填写：{fields}）" if fields else ""))
                sources.append(form["source"])
    else:  # overview: what someone needs to go and do it
        label = ASPECT_LABELS["overview"]
        add_field("target", "服务对象")
        add_field("channels", "办理渠道")
        mats = materials_lines(record, focus)
        if mats:
            body.append("办理材料：\n" + "\n".join(mats))
            f = record["fields"].get("materials")
            sources.append(f["source"] if f else None)
        add_field("time_limit", "办理时限")
        if not body:
            return None
    return label, body, sources


#: A flowchart line shorter than this is a box label ("审核：", "进行好差评"), not a step.
FLOWCHART_LINE_MIN = 8
#: How many of a flowchart's lines a process answer adds.
FLOWCHART_STEPS = 6
#: A flowchart line that names something to hand in, or a time.
_MATERIAL = re.compile(r"^.{0,50}(?:材料|证明|证件|复印件|原件|承诺书|票据|发票)[^，,]{0,12}$")
#: … unless it says what happens to them (a step, not a material)
_OUTCOME = re.compile(r"审核|办结|受理|收件|反馈|开具|寄往|打印|手续")
_TIME = re.compile(r"办结|工作日|天之内|天内|日内|个月|次月|当月|时限")
#: Items that pay money out (待遇支付, 报销, 津贴, 补助, 支取): the only ones whose silence on how it is
#: paid is worth saying.
_PAYS_OUT = re.compile(r"支付|报销|津贴|补助|补贴|支取|领取|资助|救助")
#: A step's own deadline (a number of days), not a step merely named "办结".
_STEP_TIME = re.compile(r"\d+\s*个?(?:工作日|日|天)(?:之?内)?")


def _is_material(line: str) -> bool:
    """Whether a flowchart line names something to hand in (the materials section's, not a step)."""
    return bool(_MATERIAL.search(line)) and not _OUTCOME.search(line)


def _bare(text: str) -> str:
    """Text without spaces and punctuation, to tell whether one passage repeats another."""
    return re.sub(r"[\s；;。，,、：:（）()]+|见附件\d+", "", text)


def _flowchart_lines(record: Dict[str, Any], keep: Callable[[str], bool]) -> List[str]:
    """The distinct step lines of the record's flowcharts (guides whose flowcharts tell more than
    their fields, INVENTORY §4.5), without its title and without what ``keep`` rejects."""
    if record.get("guide") not in FLOWCHART_GUIDES:
        return []
    seen, lines = set(), []
    for chart in record.get("flowcharts") or []:
        for line in chart["text"].splitlines()[1:]:  # the first line is the chart's title
            core = without_marker(line.strip())
            if len(core) >= FLOWCHART_LINE_MIN and not core.endswith(("流程图", "：", ":")) and core not in seen and keep(core):
                seen.add(core)
                lines.append(core)
    return lines


def states(record: Dict[str, Any], aspect: str, region: RegionInfo) -> bool:
    """Whether the record's guide says anything about the aspect."""
    return _section(record, aspect, region, ()) is not None


def answer(record: Dict[str, Any], aspect: str, region: RegionInfo, focus: Sequence[str] = ()) -> str:
    """The reply text for one aspect of one record."""
    return answer_many(record, [aspect], region, focus)


def answer_many(
    record: Dict[str, Any],
    aspects: Sequence[str],
    region: RegionInfo,
    focus: Sequence[str] = (),
    evidence: Sequence[Tuple[str, str]] = (),
    decided_by: Sequence[str] = (),
    next_guide: Optional[Dict[str, Any]] = None,
    brief_rest: bool = False,
) -> str:
    """Every asked aspect of one record in one reply, then the guide's other sentences that match.

    Args:
        aspects: the aspects asked, in the order the answer gives them (materials *and* time limit).
        evidence: (verbatim text, "file:a-b" source) passages from the item, its forms or notices
            that match the question and that the sections do not already say.
        decided_by: what the asker said about themselves (退休人员, 职工医保) when it chose the variant.
        next_guide: the same item in the region's next guide (郴州 → the Hunan provincial list): an
            aspect the record's guide does not state is given from it, under its own title and source.
        brief_rest: after the asked part, what it takes, where and how long (一次性告知) when the
            reply stays short enough to read in a chat.
    """
    sections: List[Section] = []
    borrowed: List[Optional[str]] = []  # the next guide's sources, for its own source line
    said_by_next = f"{book(record['guide_title'])}没有写明，以下摘自{book(next_guide['guide_title'])}" if next_guide else ""
    silent: List[str] = []
    for aspect in dict.fromkeys(aspects):  # each once, in order
        section = _section(record, aspect, region, focus, aspects)
        other = _section(next_guide, aspect, region, focus, aspects) if section is None and next_guide else None
        if other is not None:
            label, body, srcs = other
            sections.append((f"{label}（{said_by_next}）", body, []))
            borrowed += srcs or [None]
        elif section is None and aspect == "ask_fees" and not _PAYS_OUT.search(record.get("name") or ""):
            continue  # money words said of an item that pays nothing out ("账户的钱跟过来吗"): no 待遇 to be silent on
        elif section is None:
            silent.append(ASPECT_LABELS.get(aspect, ASPECT_LABELS["overview"]).replace("（一次性告知）", ""))
        else:
            sections.append(section)
    if not sections and not evidence:
        return _missing(record, "、".join(silent) or "这一项", region)
    pieces = [(f"{label}：\n" + "\n".join(body), list(srcs)) for label, body, srcs in sections]
    said = re.sub(r"\s+", "", "\n".join(p for p, _ in pieces))
    extra = [(t, src) for t, src in evidence if re.sub(r"\s+", "", t) not in said]
    quoted = [("指南中的相关规定（原文）：\n" + "\n".join(f"· {t}（{_line_ref(src)}）" for t, src in extra), [src for _, src in extra])] if extra else []
    size = len(heading(record)) + sum(len(p) + 1 for p, _ in pieces + quoted)
    if size + len(source_line(record, [src for _, srcs in pieces + quoted for src in srcs])) > MAX_REPLY_CHARS:
        # too long for one chat message (the first part keeps the heading and the source line): what
        # answers in a line goes first — the short sections ("网上多久办好"), then the guide's sentences
        # for the question's own words —, the long lists after, where "更多" may take them
        is_short = [sum(len(b) for b in body) <= SHORT_SECTION_CHARS for _, body, _ in sections]
        pieces = [p for p, s in zip(pieces, is_short) if s] + quoted + [p for p, s in zip(pieces, is_short) if not s]
    else:
        pieces += quoted
    parts: List[str] = [p for p, _ in pieces]
    sources: List[Optional[str]] = [src for _, srcs in pieces for src in srcs]
    if silent:
        consult = region.consult.replace("\n", " ")
        parts.append(f"{book(record['guide_title'])}没有写明{'、'.join(silent)}，可咨询当地医保经办机构：{consult}")
        sources.append(region.consult_source)
    if brief_rest and sections:
        rest = _rest_in_brief(record, aspects, region, "\n".join(parts), BRIEF_REST_CHARS - sum(len(p) + 1 for p in parts))
        if rest:
            parts.append(rest[0])
            sources += rest[1]
    head = heading(record) + (f"（按您说的“{'、'.join(decided_by)}”）" if decided_by else "")
    text = head + ("\n" if len(sections) != 1 or not parts[0].startswith(sections[0][0]) else "") + "\n".join(parts)
    notes = _notes(record, region, "\n".join(parts))
    # the record's own source line unless every word of the reply came from the next guide
    only_borrowed = bool(borrowed) and not any(sources) and all(said_by_next in label for label, _, _ in sections)
    cited = "" if only_borrowed else source_line(record, sources)
    if borrowed and next_guide:  # what the next guide said, cited under its own title
        cited = "\n".join(x for x in (cited, source_line(next_guide, borrowed)) if x)
    return text + ("\n" + notes if notes else "") + "\n" + cited


#: Every aspect a section may add beside its own: said as asked, so that none is added.
_ALL_ASKED = ("ask_materials", "ask_process", "ask_channel", "ask_time_limit")


def _section_alone(record: Dict[str, Any], aspect: str, region: RegionInfo) -> Optional[Section]:
    """One aspect's section without what it adds of the others (the process beside the materials …)."""
    return _section(record, aspect, region, (), _ALL_ASKED)


#: What a reply adds unasked, each in brief (其他要点), while the whole stays under BRIEF_REST_CHARS.
REST_ASPECTS = ("ask_materials", "ask_time_limit", "ask_channel")
BRIEF_REST_CHARS = 900


def _rest_in_brief(
    record: Dict[str, Any], aspects: Sequence[str], region: RegionInfo, said: str, room: int
) -> Optional[Tuple[str, List[Optional[str]]]]:
    """The unasked essentials (materials, time limit, channels) not yet said, as one part, when
    they fit in ``room`` characters; each section alone (none adds another)."""
    if "overview" in aspects:
        return None
    flat = re.sub(r"\s+", "", said)
    lines: List[str] = []
    sources: List[Optional[str]] = []
    for aspect in REST_ASPECTS:
        if aspect in aspects:
            continue
        section = _section_alone(record, aspect, region)
        if section is None:
            continue
        label, body, srcs = section
        body = [line for line in body if re.sub(r"\s+", "", line) not in flat]
        if body:
            lines.append(f"{label}：\n" + "\n".join(body))
            sources += srcs
    text = "其他要点：\n" + "\n".join(lines)
    return (text, sources) if lines and len(text) <= room else None


_SILENCE = re.compile(r"《[^》\n]*》没有写明[^\n]*")


def without_silence(text: str) -> str:
    """An answer without its "the guide does not say X" sentence (which says nothing of X)."""
    return _SILENCE.sub("", text)


#: (to the end of the line: the field names have brackets of their own, "（参考样表 19）")
_FORM_FIELDS = re.compile(r"（主要填写：[^\n]*）(?=\n|$)")


def without_form_fields(text: str) -> str:
    """An answer without the field lists of its forms ("（主要填写：…）")."""
    return _FORM_FIELDS.sub("", text)


def _line_ref(source: str) -> str:
    m = _SOURCE_RE.match(source or "")
    if not m:
        return source
    return f"第{m['start']}–{m['end']}行" if m["start"] != m["end"] else f"第{m['start']}行"


#: The field an aspect's answer is made of, for telling whether several records answer alike.
_ASPECT_FIELDS = {
    "ask_materials": ("materials",),
    "ask_time_limit": ("time_limit",),
    "ask_channel": ("channels", "process", "query"),
    "ask_process": ("process", "channels", "materials"),
    "ask_eligibility": ("target",),
    "ask_contact": ("contact", "consult", "supervision"),
    "ask_legal_basis": ("legal_basis",),
    "ask_forms": ("forms",),
    "ask_query": ("query", "process"),
}


def same_answer(records: Sequence[Dict[str, Any]], aspect: str) -> bool:
    """Do all these records give the same answer to this aspect (so no need to ask which)?"""
    keys = _ASPECT_FIELDS.get(aspect)
    if not keys or len(records) < 2:
        return False

    def body(r: Dict[str, Any]) -> str:
        if aspect == "ask_legal_basis":
            return r.get("legal_basis") or ""
        if aspect == "ask_forms":
            return "|".join(f["title"] for f in r.get("forms") or [])
        return "|".join(re.sub(r"\s+", "", (r["fields"].get(k) or {}).get("text", "")) for k in keys)

    first = body(records[0])
    return bool(first.strip("|")) and all(body(r) == first for r in records[1:])


def alike_note(labels: Sequence[str]) -> str:
    return f"（{'、'.join(labels)}的这一项相同。）"


def _blanks(form: Dict[str, Any]) -> List[str]:
    """The cells of a form that name what to fill in, not a note's wrapped end."""
    return [
        f for f in form["fields"]
        if not (len(_bare(f)) < SENTENCE_TAIL_CHARS and f.rstrip().endswith("。"))
    ]


def _form_label(form: Dict[str, Any]) -> str:
    """A form's name as the guides print it in their materials (《…登记表》), then its sample number."""
    title = form["title"] if form["title"].startswith("《") else f"《{form['title']}》"
    return title + (f"（{form['label']}）" if form.get("label") else "")


def _notes(record: Dict[str, Any], region: RegionInfo, body: str) -> str:
    notes = []
    if "XX" in body:
        notes.append("注：原文中的“XX”为各地名称占位，请以当地实际名称为准。")
    if region.caveat:
        notes.append(f"提示：{region.caveat}")
    return "\n".join(notes)


#: Where to go instead, per out-of-scope topic (who handles it, never a made-up phone number).
OUT_OF_SCOPE_WHERE = {
    "housing_fund": "住房公积金的缴存、提取和贷款由当地住房公积金管理中心办理",
    "pension": "养老保险和退休金的计算、发放由当地人力资源和社会保障部门（社保局）办理",
    "unemployment": "失业保险、工伤保险由当地人力资源和社会保障部门办理",
    "traffic": "驾驶证、车辆和交通违法由公安交通管理部门办理",
    "police": "户口和证件由公安机关办理",
    "vaccine": "疫苗接种请咨询当地社区卫生服务中心或疾控部门",
    "study": "学习和写作类问题不在我的服务范围",
    "school": "学籍、转学和入学由学校或当地教育部门办理",
    "township": "请咨询当地乡镇（街道）或相关主管部门",
    "tax": "税务问题请咨询当地税务部门",
    "commercial": "商业保险的理赔请联系您投保的保险公司",
    "medical": "看病和用药请咨询医院或医生",
    "weather": "天气请查看天气预报",
}


def decline(topic: Optional[str]) -> str:
    where = OUT_OF_SCOPE_WHERE.get(topic or "")
    return (
        "这个问题不在医保经办服务范围内，我答不了。" + (f"{where}。" if where else "")
        + "我可以帮您查医保参保登记、异地就医备案、门诊慢特病、报销、生育保险、医疗救助、定点申请等办事指南。"
    )


_PHONE_RE = re.compile(r"0\d{2,3}-\d{7,8}|\b12333\b")
HANDOFF_ASK_REGION = "好的，为您转人工咨询。请问您在哪个地区？"
WHICH_ITEM = "您想了解的是下面哪项业务？"
LOOKUP_CANCELLED = "好的，已取消查询，您填写的信息没有保存。"


def handoff(region: RegionInfo) -> str:
    """The region's consult and supervision phones (people, not a bot, answer there)."""
    consult = region.consult.replace("\n", " ")
    lines = [f"{region.name}人工咨询渠道（以当地指南为准）：{consult}"]
    if not _PHONE_RE.findall(region.consult):
        lines.append("指南中没有列出具体电话号码，请到当地医保经办机构窗口咨询。")
    if region.caveat:
        lines.append(f"提示：{region.caveat}")
    lines.append(f"来源：{region.consult_cited}")
    return "\n".join(lines)


def choose_variant_prompt(item_name: str, names: Sequence[str]) -> str:
    return f"“{item_name}”在当地分为几种情况，请问您要办的是哪一种？"


#: At most this many variants are answered side by side when the question does not say which.
EACH_MOST = 3


def answer_each(records: Sequence[Dict[str, Any]], aspects: Sequence[str], region: RegionInfo, item_name: str) -> Optional[str]:
    """Every variant's answer in one reply ("分两种情况"), when they are few and short enough to
    read in a chat; None when they are not (then the asker picks one)."""
    if not 2 <= len(records) <= EACH_MOST:
        return None
    head = f"“{item_name}”在当地分为{len(records)}种情况，分别是：\n"
    text = head + "\n\n".join(answer_many(r, aspects, region) for r in records)
    if len(text) <= MAX_REPLY_CHARS:
        return text
    # too long with what each answer adds (the process beside the materials …): the asked sections only
    compact = [_asked_only(r, aspects, region) for r in records]
    text = head + "\n\n".join(c for c in compact if c)
    return text if all(compact) and len(text) <= MAX_REPLY_CHARS else None


def _asked_only(record: Dict[str, Any], aspects: Sequence[str], region: RegionInfo) -> Optional[str]:
    """One variant's asked sections and nothing they would add, with its source (None when the
    guide says none of them)."""
    sections = [s for s in (_section_alone(record, a, region) for a in dict.fromkeys(aspects)) if s]
    if not sections:
        return None
    body = "\n".join(f"{label}：\n" + "\n".join(lines) for label, lines, _ in sections)
    return heading(record) + "\n" + body + "\n" + source_line(record, [src for _, _, srcs in sections for src in srcs])


EACH_PICK = "只想看其中一种，可以点选："


REPHRASE = (
    "抱歉，我没听明白。能换个说法吗？比如“生育津贴要什么材料”“异地就医备案在哪办”“门诊慢特病多久办好”。"
)


INTERNAL_ERROR = "抱歉，这个问题我这边处理时出了错，已记录下来。请换个说法再问一次，或打电话问当地的医保窗口。"

DENY_ACK = "好的。您可以重新说一下想办的业务和所在地区。"

EMPTY = "您好像没有输入内容。请直接说您要办的医保业务，比如“异地就医备案要什么材料”。"


def region_noted(region: RegionInfo) -> str:
    return f"好的，按{region.name}的办事指南为您解答。请问想了解哪项医保业务？比如参保登记、异地就医备案、生育津贴、门诊慢特病、报销等。"


#: A reply longer than this is given in parts: the asked part first, the rest on "更多".
MAX_REPLY_CHARS = 1200
MORE_NOTE = "（内容较长，以上是前一部分。回复“更多”查看其余内容。）"
NO_MORE = "这条答复已经全部发完了。您可以继续问其他医保业务。"

#: The guides' five 评价 levels, "评价 5" to "评价 1"; the last two are 差评 (poor).
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
POOR_RATING = 2
RATING_NOTHING_YET = "还没有可以评价的回答。请先提问，看完回答后回复“评价 5”（非常满意）到“评价 1”（非常不满意）。"


def rating_thanks(score: int, region: Optional[RegionInfo]) -> str:
    """The reply to "评价 N": thanks, and for a poor rating where people can help instead."""
    text = f"已收到您的评价：{RATING_LABELS[score]}。谢谢！"
    if score > POOR_RATING:
        return text
    text += "很抱歉这次回答没能帮到您。您可以换个说法再问我一次，或说“转人工”。"
    return text + "\n" + handoff(region) if region is not None else text


def split_long(text: str, limit: int = MAX_REPLY_CHARS) -> Tuple[str, Optional[str]]:
    """A chat-sized first part (cut at a line end, source line kept) and the rest, if any."""
    if len(text) <= limit:
        return text, None
    lines = text.split("\n")
    source = lines[-1] if lines[-1].startswith("来源：") else ""
    body = lines[:-1] if source else lines
    head: List[str] = []
    size = 0
    for i, line in enumerate(body):
        if head and size + len(line) + 1 > limit - len(source) - len(MORE_NOTE):
            rest = body[i:]
            break
        head.append(line)
        size += len(line) + 1
    else:
        return text, None
    first = "\n".join(head + [MORE_NOTE] + ([source] if source else []))
    return first, "\n".join(rest + ([source] if source else []))


_ANNEX_LABEL = re.compile(r"^\s*附件\s*\d+\s*[:：]?\s*$")


def document_answer(region: RegionInfo, title: str, passages: Sequence[Tuple[str, str]]) -> str:
    """Sentences from the guide's text outside the items (e.g. what a village service point does)."""
    guide = region.guide_titles[0] if region.guide_titles else region.name
    # the list's own heading lines ("附件3", its title) are the reply's heading, not its content
    passages = [(t, src) for t, src in passages if t.strip() != title and not _ANNEX_LABEL.match(t)] or list(passages)
    lines = [f"【{region.name} · {title}】按指南原文："] + [f"· {t}（{_line_ref(src)}）" for t, src in passages]
    refs = "、".join(dict.fromkeys(_line_ref(src) for _, src in passages))
    return "\n".join(lines) + f"\n来源：{book(guide)}{refs}"


#: What a way to check can also be asked about ("到柜台查询需带哪些证件", "多久能查到"); channels are said anyway.
_CHECK_ALSO = ("ask_materials", "ask_time_limit", "ask_fees", "ask_contact")


#: A query item's materials (its time limit) at most this long go with its official way to check unasked.
CHECK_MATERIALS_CHARS = 120
CHECK_TIME_CHARS = 40


def official_check(record: Dict[str, Any], region: RegionInfo, also: Sequence[str] = ()) -> Optional[str]:
    """The guide's own way to check (查询方式, else the item's channels), said before an in-chat lookup;
    ``also``: other aspects the message asks of that item (what to bring to the window), said after it."""
    f = _field(record, "query")
    label = "查询方式"
    if not f:
        f, label = _field(record, "channels"), "办理（查询）渠道"
    if not f:
        return None
    lines, sources = [f"{label}：{f['text']}"], [f["source"]]
    # a query item's own 办理渠道 are the ways to query ("“湘医保”APP…"), and where the guide prints no
    # 查询方式, its 办理流程 says them ("在自助终端机或窗口查询打印"; elsewhere it is 申请-受理-办结)
    if "查询" in (record.get("name") or ""):
        wanted = [("channels", "办理（查询）渠道")]
        if label != "查询方式":
            wanted.append(("process", "办理流程"))
        for key, more in wanted:
            g = _field(record, key)
            if g and not any(g["text"] in line for line in lines):
                lines.append(f"{more}：{g['text']}")
                sources.append(g["source"])
    for aspect in (a for a in also if a in _CHECK_ALSO):
        section = _section(record, aspect, region, ())
        if section:
            label, body, srcs = section
            lines += [f"{label}：", *body]
            sources += srcs
    # what to show when checking at a window and how long it takes (即时办结): said too, when short
    for aspect, most in (("ask_materials", CHECK_MATERIALS_CHARS), ("ask_time_limit", CHECK_TIME_CHARS)):
        if aspect in also:
            continue
        section = _section_alone(record, aspect, region)
        if section and sum(len(line) for line in section[1]) <= most:
            label, body, srcs = section
            lines += [f"{label}：", *body]
            sources += srcs
    return (
        f"{heading(record)}按指南，可通过以下方式自行查询：\n" + "\n".join(lines) + f"\n{source_line(record, sources)}\n"
        "也可以在这里直接查询，需要先核验身份。"
    )


OTHER_ITEMS = "以上是按您的描述最接近的一项。如果您问的不是它，可以点选下面的业务："
NEXT_STEPS = "这一项办好后，通常还要接着办理下面的业务，可点选查看："


def choose_evidence_prompt(region: RegionInfo) -> str:
    return f"按{region.name}的办事指南，您问的可能是下面几项业务，请选择一项："


def choose_item_prompt(group: str, region: RegionInfo) -> str:
    return f"“{group}”在{region.name}分为以下几项，请问您要办的是哪一项？"


def region_prompt() -> str:
    return "各地的办理材料、时限和窗口不同，请问您在哪个地区办理？"


def no_item_in_region(item_name: str, region: RegionInfo) -> str:
    consult = region.consult.replace("\n", " ")
    return (
        f"{region.name}的办事指南中没有“{item_name}”这项业务。"
        f"建议咨询当地医保经办机构：{consult}\n来源：{region.consult_cited}"
    )


# -- identity-checked lookups (masked values only) ---------------------------------------------

LOOKUP_FAILED = "信息核验未通过，无法查询。"
ASK_PHONE_TAIL_AGAIN = "请输入预留手机号码的后四位数字（4位）。"


def bad_lookup_key(masked: str, reason: str) -> str:
    shown = f"（{masked}）" if masked else ""
    return f"您输入的号码{shown}{reason}。请重新输入申请编号（如 YBCZ…）或18位身份证号码。"


def bad_id_number(masked: str, reason: str) -> str:
    shown = f"（{masked}）" if masked else ""
    return f"身份证号码{shown}{reason}，请重新输入18位身份证号码。"


def lookup_failed(remaining: Optional[int]) -> str:
    """The same words whatever failed (never which factor, never whether the case exists)."""
    return f"{LOOKUP_FAILED}请核对后重新发起查询（还可尝试{remaining}次）。如有疑问请联系参保地医保经办机构。"


def lookup_refusal(reason: Optional[str], until: Optional[Any], region: Optional[RegionInfo]) -> str:
    """Why no lookup now (the lock's kind and end), and whom to call instead."""
    when = until.strftime("%m月%d日 %H:%M") if until else ""
    if reason == "global_busy":
        head = f"查询服务暂时繁忙，请在{when}之后再试"
    elif reason == "sender_rate":
        head = f"您的查询次数已达上限，请在{when}之后再试"
    else:
        head = f"身份核验失败次数过多，该查询已暂时锁定，请在{when}之后再试"
    consult = (
        f"{region.name}医保经办机构：{region.consult}".replace("\n", " ")
        if region
        else "参保地医保经办机构窗口（告诉我您所在的地区，我可以给出当地的咨询电话）"
    )
    return f"{head}，或直接联系{consult}。"


def _d(value: Optional[Any]) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def application_status(app: Any, hand_in: str = "") -> str:
    """One application's status: step, dates, expected completion, overdue, missing materials."""
    lines = [
        f"申请编号 {app.number}：{app.item_name}" + (f" · {app.variant}" if app.variant else ""),
        f"当前状态：{app.status}（{app.region_name}，{app.channel}提交于 {_d(app.submitted_at)}）",
    ]
    if app.status == "不予受理" and app.reason:
        lines.append(f"不予受理原因：{app.reason}")
    if app.status not in ("办结", "不予受理"):
        if app.expected_completion:
            estimate = "（预计，节假日安排未发布，按周末推算）" if app.completion_is_estimate else ""
            lines.append(f"预计办结：{_d(app.expected_completion)}{estimate}；时限依据：{app.time_limit_text}")
            if app.overdue:
                lines.append("提示：已超过承诺办结时限，建议联系经办机构催办或拨打监督电话。")
        elif app.time_limit_text:
            lines.append(f"办理时限：{app.time_limit_text}")
    if app.status == "材料不全" and app.missing_materials:
        lines.append("需补齐的材料（一次性告知）：")
        lines += [f"{i}. {m}" for i, m in enumerate(app.missing_materials, 1)]
        if hand_in:
            lines.append(f"补交方式：{hand_in}")
    if app.history:
        lines.append("办理记录：" + "；".join(f"{_d(h.at)} {h.status}" for h in app.history[-4:]))
    return "\n".join(lines)


def more_applications(count: int) -> str:
    return f"另有{count}件申请，可提供申请编号逐件查询。"


def hand_in_line(record: Dict[str, Any], channels: Dict[str, str]) -> str:
    """Where to hand in missing materials: the item's channels with their source."""
    return channels["text"].replace("\n", "；") + "（" + source_line(record, [channels["source"]]) + "）"


def enrollment_status(masked_name: str, masked_id: str, enrollments: Sequence[Any]) -> str:
    head = f"参保人 {masked_name}（身份证号 {masked_id}）的参保情况："
    if not enrollments:
        return head + "\n系统中没有参保记录。如有疑问请联系参保地医保经办机构。"
    lines = [head]
    for e in enrollments:
        parts = [f"{e.region_name} {e.insurance_type}（{e.personnel_category}）：{e.status}", f"自 {_d(e.since)} 起"]
        if e.unit:
            parts.append(f"参保单位：{e.unit}")
        if e.last_paid_month:
            parts.append(f"最近缴费月份：{e.last_paid_month}")
        lines.append("，".join(parts))
    return "\n".join(lines)
