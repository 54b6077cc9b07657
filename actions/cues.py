"""Words that show which aspect a message asks about.

DIET decides the intent; these cues only answer a narrower question: does a follow-up such as
"是新员工入职的" or "那灵活就业的呢？" ask something new, or does it keep the earlier aspect?
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

ASPECT_CUES = {
    "ask_materials": r"材料|资料|证件|证明|(?:哪些|什么|啥子?|哪样|么子|哪几个|几个)证|(?:带|拿)(?:些|点|上|个)?(?:什么|啥|哪|么子)|准备|提交|提供|交(?:些|点)?(?:什么|啥|哪些|哪几样|哪样|哪几个|么子)|复印件|原件|单据|发票|照片"
    # whether one paper is needed ("也要出院记录吗", "户口簿要不要带")
    r"|(?:要|需要)(?:不要)?[^，,。？?！!；;]{0,8}(?:记录|证|票|清单|表|书)(?:吗|不|么|嘛|没)"
    # "…能办吗，要什么": what it takes, said at a clause's end (not 要什么条件, 要什么时候)
    r"|要(?:些|点)?(?:什么|啥子?|哪些|么子|哪样)(?:东西)?(?=$|[，,。？?！!；;\s])",
    "ask_time_limit": r"多久|好久|几天|多长时间|多少时间|时限|多少天|几个工作日|什么时候|啥时候|哪(?:些|个)?时候|几时|到账|工作日|多快|当天|要等"
    r"|时间要求|时间限制|期限|几日内|多少日"
    # "每个月哪天能去办", "几号受理": the days it is taken in (每月1-15日受理)
    r"|哪天|哪几天|哪些天|几号|(?:什么|啥子?|哪个)时间|(?:每天|天天|随时|任何时候)都?(?:能|可以|可|受理|办|去)"
    # a day of the month said ("20号才招的人，还能办吗", "月底了来不来得及"): whether it is still taken in
    r"|(?<![\d楼栋室])\d{1,2}(?:号|日)(?![\d楼栋室])|月底|月初|月中|[上中下]旬|来不来得及|来得及"
    # "当场能办完吗", "去了当天搞得完不": whether it is done at once is the time limit (即时办结)
    r"|当场|立马|马上就?能|即时|办结|(?:搞|弄|办)得(?:完|好|下来)|能(?:办|搞|弄)(?:完|好)"
    # "线上跟窗口哪个快些": which way is quicker is what each takes (线下不超过20个工作日，线上…)
    r"|(?:哪个|哪种|哪样|哪边|哪条路)(?:更|要|会)?(?:快|慢)|快(?:一)?些|更快|快不快",
    "ask_channel": r"电话(?:能|可以|可不可以)?办|打电话办|电话办理|哪里|哪儿|在哪|去哪|窗口|网上|线上|线下|手机|APP|app|公众号|网站|小程序|跑|地点|地方|哪拿|哪领|到哪|哪交"
    # "能在县医院直接办不": whether a place handles it
    r"|(?:能|可以|可不可以|能不能)(?:在|去|到)[^，,。？?！!；;]{1,8}?(?:直接)?(?:办|申请|备案|弄|搞)"
    # "到了卫生院也可以申请吗": the place said first
    r"|(?:(?<![现正])在|到了?|去)[^，,。？?！!；;]{1,8}?(?:就|也)(?:能|可以)(?:直接)?(?:办|申请|备案|弄|搞)",
    "ask_process": r"流程|步骤|环节|怎么办|咋办|手续|程序|(?:怎么|怎样|咋个?|如何|啷个)(?:转|办|弄|搞|整|申请|操作|报|领|取|交|改|更正|变更|补)"
    # what the office does and in which order ("如何公示", "怎么跟医保结算", "挂失先打哪里", "是回
    # 原单位办还是在这边办")
    r"|(?:怎么|怎样|咋个?|如何|啷个)(?:跟[^，,。？?！!；;]{0,4})?(?:公示|反馈|结算|对账|签|挂失|通知|告知|认定|审核|审批|打印)"
    r"|先(?:去|克|到|打|找|交)哪|(?:办|交|去|报|弄|搞)[^，,。？?！!；;]{0,10}还是|是不是都要去|直接(?:批|办|转)(?:吗|不|么|嘛)"
    # who hands it in: the process says (参保人或单位到医保经办机构办理, 由单位经办人或参保人现场提交)
    r"|谁(?:去|来)?(?:办|交|报|申请|提交)|(?:自己|本人|单位|家属|家人|子女|别人)(?:去|来)?(?:办|交|报|提交|申请)?还是"
    r"|代办|代为|代领|代交|委托|亲自去|本人到场|要不要(?:自己|本人)?去?(?:申请|办)|(?:自己|本人|亲自)(?:去|来)?(?:申请|办理?|提交)(?:吗|不|么|嘛|没)|(?:单位|别人|家人|家属|子女)(?:能|可以)?(?:帮|替|代)(?:我|他|她)?去?办",
    "ask_eligibility": r"能不能|可不可以|能否|符合|条件|哪些人|什么人|谁可以|谁能|资格|享受|报多少|给多少"
    # "哪种情况能办", "什么样的情形可以转": which cases qualify
    r"|(?:什么|哪种|哪些|哪类|啥子?|么子|何种)样?的?(?:情况|情形|人)"
    # "这个钱能报不", "我能领吗", "我这里能领点钱不": whether it applies to them
    # ("这钱能取出来吗", "能用我的生育保险报吗": whether it can be had at all)
    r"|(?:能|可以)(?:(?:在|用)[^，,。？?！!\s]{1,6}?)?(?:一次性|一次|全部|全额|都|一起|直接|马上|手工|零星)?(?:报|领|取|提取|支取|享受|报销|申领|补贴|补助|资助|减免|参加|参保)(?:[^，,。？?！!\s]{0,8}(?:不|吗|么|嘛|没|啵))(?=$|[，,。？?！!\s])"
    r"|有(?:没有)?(?:补贴|补助|资助|减免)(?:吗|不|么|嘛|没)?"
    # "看病要不要备案", "需不需要申请": whether it applies to them at all (服务对象 says who)
    r"|(?:要不要|需不需要|需要不需要|用不用|得不得)(?:先)?(?:办|备案|申请|登记|认定|去办)"
    # "取得出来不", "报得到吗": the same asked with a potential complement
    r"|(?:报|领|取|提|支取|报销)得(?:出来|出|到|了|成)(?:不|吗|么|嘛|没|啵|冇)"
    # "还能备案不", "能申请补助吗", "对象范围怎么界定": whether it applies
    r"|(?:能|可以)(?:申请|备案)[^，,。？?！!\s]{0,8}(?:不|吗|么|嘛|没|啵)(?=$|[，,。？?！!\s])|范围(?:如何|怎么|怎样)?(?:确定|界定|划定)|界定"
    # "单位说我能领一笔钱，真的假的": whether what they heard applies to them
    r"|真的假的|是真的(?:吗|不|么|嘛|没)|是不是真的|算不算"
    # whether it applies, in dialect and in passing ("咯能报", "给能补缴", "可否", "还认不认",
    # "能补缴不", "能办门诊特殊病不", "像他这种能…")
    r"|咯(?:能|可以|得|行|算|要得)|给(?:能|可以)|可否|认不认|行不行|要得不|要得(?:吗|么)|有没有份"
    r"|(?:能|可以)(?:补缴|补交|走|纳入|办[^，,。？?！!；;]{2,8}?)[^，,。？?！!\s]{0,8}(?:不|吗|么|嘛|没|啵)(?=$|[，,。？?！!\s])"
    r"|(?:这种|这样|像我这种|像我这样|像他这种|像她这种)[^，,。？?！!；;]{0,6}(?:能|可以|行|算|咯|给)",
    "ask_contact": r"电话(?!(?:能|可以|可不可以)?办)|热线|投诉|举报|联系|(?<!身份证)(?<!证件)(?<!卡)(?<!账)号码|咨询|差评|评价",
    "ask_legal_basis": r"依据|法律|法规|文件规定|政策文件|哪个文件|什么文件|哪条规定|什么规定|处罚"
    r"|(?:按|根据|依照|照)(?:哪个|哪些|哪条|什么|啥子?|么子)(?:规定|文件|政策|法)",
    "ask_forms": r"表格|申请表|样表|模板|承诺书|下载|哪张表|什么表|啥表|怎么填|咋填|如何填"
    # the same in dialect and in passing ("要填么子表", "听说要先填个表", "申领表要盖章不")
    r"|(?:么子|啥子|哪样|哪个|哪种)表|填(?:个|张|一张|啥|么)表|表[^，,。？?！!；;]{0,4}(?:盖章|签字|签名)"
    # what goes on it and how many copies ("要交哪些表", "变动表交几份", "那栏填啥", "能勾几个")
    r"|哪些表|几张表|表[^，,。？?！!；;]{0,6}几份|勾选|勾几|栏[^，,。？?！!；;]{0,4}(?:填|写)|填(?:啥|什么|哪些|么子|哪样)|(?:如何|怎么)注明",
    "ask_fees": r"到账|打到|发到|打卡|现金|拨付|发放|怎么给|咋个给|钱.{0,8}(?:给|发|打|到|下来|拿)|发给"
    # how much, and who pays ("标准是好多", "领好多", "报销款如何支付", "单位那部分由哪个出")
    r"|标准(?:是)?(?:多少|好多|几多|怎么算)|领(?:好多|多少|几多)|(?:款|钱)[^，,。？?！!；;]{0,4}(?:如何|怎么|咋个?)(?:支付|发|给|收)"
    r"|由?(?:哪个|谁)(?:来)?(?:出(?!具)|承担|负担)",
    "ask_query": r"(?:怎么|咋个?|如何|哪里|在哪|去哪|到哪)(?:查|看结果)|怎么(?:知道|晓得)|咋(?:知道|晓得)|批下来|批没批|通过没|办好(?:了)?(?:没|冇|吗|没有)|审核结果|办理结果|办理进度",
}
#: Aspects that only ride along with another ("要多久，怎么查办好没"), never the single aspect asked.
RIDING = ("ask_fees", "ask_query")
_COMPILED = {k: re.compile(v) for k, v in ASPECT_CUES.items()}
#: How a hotline agent or village worker says who asked ("一位大爷打了电话，说…", "老人打电话来问",
#: "有个参保人打热线说…"): a call that brought the question, not a question about which number to call.
_CALL_FRAMING = re.compile(
    r"(?:有(?:个|位|人)|群众|市民|居民|村民|参保人|老人|家属|来电人|他|她)[^，,。？?！!；;]{0,4}?打(?:了)?(?:个|一个)?(?:电话|热线(?:电话)?)(?:来|过来|进来)?"
    r"|打来(?:的)?电话|来电话|打电话(?:来|过来|进来)|打(?:进|到)(?:了)?(?:我们)?(?:的)?热线"
)


def without_call_framing(text: str) -> str:
    """The text without the words that say a call brought it (their place kept as a clause break)."""
    return _CALL_FRAMING.sub("，", text)


def has_aspect_cue(text: str) -> bool:
    text = without_call_framing(text)
    return any(p.search(text) for p in _COMPILED.values())


def cued_aspect(text: str) -> Optional[str]:
    """The single aspect the words point to, when exactly one does (fees aside: they ride along)."""
    text = without_call_framing(text)
    found = [k for k, p in _COMPILED.items() if p.search(text) and k not in RIDING]
    return found[0] if len(found) == 1 else None


def names_channel(text: str, channels: Sequence[str]) -> bool:
    """Whether the text speaks of doing something on one of the guides' online channels ("在湘医保上",
    "用湘易办"), not of the scheme that shares its name ("郴州医保要什么材料")."""
    return any(
        re.search(f"(?:在|用|通过|下载|登录|打开){re.escape(n)}|{re.escape(n)}(?:上|里|APP|app|公众号|小程序)", text)
        for n in channels
    )


def cued_aspects(text: str) -> List[str]:
    """Every aspect the words point to, in the order the message asks them ("要带啥？多久能好？")."""
    text = without_call_framing(text)
    found = [(m.start(), k) for k, p in _COMPILED.items() for m in [p.search(text)] if m]
    return [k for _, k in sorted(found)]


#: Words of someone asking about THEIR OWN case (进度, 办好了没): a personal lookup, not a guide question.
_OWN_CASE = re.compile(r"查.{0,3}我(?:的|今年|家|妈|爸|自己)|(?:我|本人|自己|我家|我妈|我爸|我老[公婆]).{0,20}(?:交没交|交了没|交上没|交上冇|有没有断|断没断|断缴了?[吗没]|还在交|交没有|到账没|到账了没|办好没|办完没|通过没|批没批|批下来没)|(?:我|本人|我家|我妈|我爸|我老[公婆]).{0,24}(?:通过|批|办好|办完|受理|审核|结果).{0,3}(?:了没|没有|没|吗|呢|\?|？)|我的.{0,12}(?:办|备案|申请|报销)|我的(?:医保|社保).{0,6}(?:交|断|停)|办好了没|办好没|到哪了|到哪一步|进度|审核通过了吗|批下来了吗|批了没|我.{0,8}提交的")


#: Words that ask to look something up at all (查, 进度, 到哪了, 交上没 …): without them a question
#: the classifier calls a lookup ("中断过，如今补办行吗") asks about the guide.
_LOOKS_UP = re.compile(r"查|看看|看一下|看下|情况|进度|到哪|哪一步|状态|结果|记录|办好|办完|批下来|批了|通过了|交上|缴上|交没|缴没|交了没|到账|断没断|有没有断|几个月|几月份")


def asks_to_look_up(text: str) -> bool:
    return bool(_LOOKS_UP.search(text))


def asks_own_case(text: str) -> bool:
    return bool(_OWN_CASE.search(text)) and not asks_what_a_window_does(text)


#: Whether a service point can do something ("村医保窗口能帮他们查备案办好了没"): a question about its
#: duties, answered from the guide, not a request to look a case up.
_WINDOW_CAN = re.compile(
    r"(?:窗口|村里|村上|村委会|社区|乡里|乡上|镇上|便民服务中心|服务站)[^，,。？?！!]{0,4}"
    r"(?:能不能|能否|可不可以|可以|能|会不会)[^，,。？?！!]{0,3}(?:帮|代|办|查)"
)


def asks_what_a_window_does(text: str) -> bool:
    return bool(_WINDOW_CAN.search(text))


#: Words that point back at what the user said before ("咯种情况能领不？", "像我这样的要交什么").
REFERS_BACK = re.compile(r"[这咯那]种情况|[这那]个情况|[这那]情况|像我这样|我这样的|我这种|这样的话|那样的话")

#: Words that end a lookup or a topic whatever the classifier made of them ("算了不查了" contains 查).
CANCEL = re.compile(r"算了|不查了|不用查|取消|不用了|退出(?!现役|部队)|不办了|别查了")

#: Topics outside 医保经办, by the words that name them (answers.OUT_OF_SCOPE_WHERE says where to go).
OUT_OF_SCOPE_TOPICS = (
    ("housing_fund", ("公积金",)),
    ("pension", ("养老金", "养老保险", "退休金", "退休工资")),
    ("unemployment", ("失业金", "失业保险", "工伤")),
    # (words the guides print — 发票, 准生证 — or an accident's cause — 电动车 — are no such sign)
    ("traffic", ("驾照", "驾驶证", "违章", "车辆", "上牌")),
    ("police", ("上户口", "落户", "迁户口", "户口本丢", "户口怎么", "身份证办理", "补办身份证", "护照")),
    ("vaccine", ("疫苗",)),
    ("study", ("作文", "作业", "翻译", "志愿", "高考")),
    ("school", ("学籍", "转学", "入学手续", "升学")),
    ("township", ("修路", "补助怎么申请", "低保怎么申请")),
    ("tax", ("个税", "个人所得税")),
    ("commercial", ("商业保险", "理赔", "保险公司")),
    ("medical", ("挂号", "专家号", "普通号", "号源", "吃什么药", "症状", "怎么治", "哪个医院好", "医院哪家好")),
    ("weather", ("天气",)),
)


def out_of_scope_topic(text: str) -> Optional[str]:
    """The out-of-scope topic the words name, if any — unless what the message finally asks is
    something done with 医保 ("工伤住院医保能报吗", "领着失业金还能交职工医保吗"): the other office's
    word then only tells the situation."""
    topic, _ = _asked_topic(text)
    if topic is None:
        return None
    return None if asks_of_medical_insurance(text) else topic


#: A clause telling what is done already ("已迁入外省"): the situation, not the question.
_DONE_ALREADY = re.compile(r"已")


def _asked_topic(text: str) -> Tuple[Optional[str], Tuple[str, ...]]:
    """The first out-of-scope topic (and its words) one of whose words the message has outside a
    clause that says it is done already."""
    parts = clauses(text)
    for topic, keys in OUT_OF_SCOPE_TOPICS:
        if any(key in c and not (_DONE_ALREADY.search(c) or f"{key}了" in c) for key in keys for c in parts):
            return topic, keys
    return None, ()


#: Words that name 医保 itself or its business outright.
MEDICAL_INSURANCE = re.compile(r"医保|医疗保险|医疗保障|参保|报销|备案|慢特病|门特|生育医疗|生育津贴")


def out_of_scope_words(text: str) -> List[str]:
    """The words of the out-of-scope topic found in ``text`` (those that made it one)."""
    return [k for k in _asked_topic(text)[1] if k in text]


def without_out_of_scope_words(text: str) -> str:
    """``text`` with the out-of-scope topic's words blanked (what else the message says)."""
    for word in out_of_scope_words(text):
        text = text.replace(word, " ")
    return text


def clauses(text: str) -> List[str]:
    """The message's clauses, split at punctuation, empty ones dropped."""
    return [c for c in _CLAUSES.split(text) if c.strip()]


def asks_of_medical_insurance(text: str) -> bool:
    """Whether the message asks something done with 医保 itself: its last clause names it ("医保还能
    报吗"), or another clause asks it ("外籍来电人问可否在此缴职工医保，护照之外还需啥")."""
    parts = clauses(text)
    return bool(parts) and (
        bool(_ASKS_OF_MEDICAL_INSURANCE.search(parts[-1]))
        or any(_ASKS_OF_MEDICAL_INSURANCE.search(c) and _ASKING.search(c) for c in parts[:-1])
    )


#: Words that make a clause a question ("能不能", "要不要", "怎么" …).
_ASKING = re.compile(r"能不能|可不可以|可以不|能否|要不要|是不是|怎么|咋|吗|么样|如何")


_CLAUSES = re.compile(r"[，,。.！!？?；;]")
#: A clause asking something done with 医保 itself (报, 补, 交, 转, 参保 …).
_ASKS_OF_MEDICAL_INSURANCE = re.compile(
    r"(?:医保|医疗保险)[^，,。？?]{0,4}(?:报|补|交|缴|转|停|参保|备案)"
    r"|(?:交|缴|参加|上|报|转)[^，,。？?]{0,3}(?:医保|医疗保险)"
)


#: A field of a form asked about by its name: quoted ("“退休类型”怎么填") or before 栏 ("人员身份那栏").
_FIELD_QUOTED = re.compile(r"[“\"「]([\u4e00-\u9fff]{2,8})[”\"」]")
_FIELD_BEFORE_BOX = re.compile(r"([\u4e00-\u9fff]{2,6}?)(?:那一|这一|那|这|一)?栏")


def fields_asked(text: str) -> List[str]:
    """The names of the form fields a question about filling a form in names."""
    if not re.search(r"填|写", text):
        return []
    found = _FIELD_QUOTED.findall(text) + [w for w in _FIELD_BEFORE_BOX.findall(text) if not re.search(r"[哪那这几两]", w)]
    return list(dict.fromkeys(found))


#: A question about what a form says as a whole ("承诺书上写些什么内容", "那张表长什么样"; not
#: "表上要写啥意见", which asks one line).
ASKS_FORM_TEXT = re.compile(r"内容|长什么样|什么样子|样式|格式|原文|全文|(?:怎么|咋个?|如何|怎样)写|写(?:些|点)?(?:什么|啥|么子|哪些)")


#: Asking for a person rather than an answer (转人工).
WANTS_A_PERSON = re.compile(r"人工|客服|真人|活人|工作人员|转接|接线|坐席|找个人|找人|投诉|电话")
#: A message that opens with a greeting.
GREETING = re.compile(r"^(?:你好|您好|嗨|哈喽|hello|hi|在吗|在不在)", re.IGNORECASE)


#: A question about the guide itself (its basis, who wrote it), not about one of its items.
ABOUT_GUIDE = re.compile(
    r"(?:这套|这本|这个|这份|整套|你们的?|本)(?:医保)?(?:经办)?(?:政务服务)?(?:办事)?指南"
    r"|指南(?:是|都)?(?:按|根据|依据|依照)"
)


#: "转" said of a patient in hospital care (转诊, 转院) …
PATIENT_MOVED = re.compile(r"住院|医院|医生|病情|治疗|看病|转院|转诊|就医|病人")
#: … and of the insurance itself moving with a job or a home (转移接续).
INSURANCE_MOVED = re.compile(r"关系|工作|上班|单位|调动|调到|参保地|户口|定居|社保")


#: The 户籍 stays where it was ("户口没迁过去", "户籍还在老家") …
HUKOU_STAYS = re.compile(r"(?:户口|户籍)[^，,。？?！!；;]{0,3}(?:没|冇|未|不|还没|没有|不得|莫)[^，,。？?！!；;]{0,2}(?:迁|转|移|落)|(?:户口|户籍)(?:还|仍|都)(?:在|留在)")
#: … where a guide's 异地安置 is for those who moved it (退休后在异地定居并且户籍迁入定居地).
HUKOU_MOVED = re.compile(r"(?:户籍|户口)迁入")


#: An employer just founded ("刚办下执照的新厂", "单位头一回给职工参保") …
NEW_EMPLOYER = re.compile(
    r"(?:新开|新办|新成立|刚成立|新注册|刚注册|刚开(?!始)|才开(?!始)|才成立|才注册|新建)[^，,。？?！!；;卡保]{0,6}?"
    r"(?:公司|厂|企业|单位|店|门店|工作室|作坊)|(?:公司|厂|企业|单位)[^，,。？?！!；;]{0,4}(?:第一次|头一回|首次)"
)
#: … asking to insure its staff: it registers itself first (单位参保登记), then its staff.
INSURES_STAFF = re.compile(r"(?:上|交|买|办|缴)(?:医保|社保)|(?:医保|社保)[^，,。？?！!；;]{0,4}(?:上|交|买|缴|办)|五险|参保|开户|登记")


#: Words that bring an employer into the question (an item for 参保单位 needs one of them).
EMPLOYER_SAID = re.compile(r"单位|公司|企业|厂|老板|雇|机关|事业|团体|会计|人事|法人|法定代表人|营业执照|信用代码|员工|个体户|门面|餐馆")
#: A person's own data, kept on a person's record (not on an employer's).
PERSON_DATA = re.compile(r"身份证号|身份证件号|证件号码|姓名|名字|出生日期|出生年月|性别|民族")


#: The asker runs a clinic or a pharmacy ("我开了个诊所", "我们药店想…"): their questions are about
#: the institution's own items (申请定点, 费用结算), not a patient's.
_RUNS_INSTITUTION = re.compile(
    r"(?:开|办|经营|开办)了?(?:个|一个|家|一家|间|一间)?(?:诊所|药店|药房|卫生室|门诊部|民营医院)"
    r"|我(?:们|家)?(?:的|这)?(?:个|家)?(?:诊所|药店|药房|卫生室|门诊部)(?:想|要|准备|申请|打算|能不能|可以|怎么)"
)


def runs_institution(text: str) -> bool:
    return bool(_RUNS_INSTITUTION.search(text))


#: A question about what a service point or office does ("村里的服务点能帮我们做哪些事").
_DUTIES = re.compile(r"职责|负责(?:哪些|什么|啥)|能(?:帮|给)?(?:我们|大家|群众)?(?:做|办|干)(?:哪些|什么|啥)(?:事|业务)?|做哪些事|干什么的|管(?:哪些|什么)|有哪些服务|提供(?:哪些|什么)服务")


#: Which office is responsible for something ("这类人的结算是哪个单位负责"): the offices' duty lists say.
_WHOSE_DUTY = re.compile(r"(?:哪个|哪些|什么|哪一个|哪家)(?:单位|部门|机构|地方)(?:来)?(?:负责|管)|谁(?:来)?负责|归(?:哪个|哪里|谁)管")


def asks_duties(text: str) -> bool:
    return bool(_DUTIES.search(text) or _WHOSE_DUTY.search(text))


def asks_whose_duty(text: str) -> bool:
    """Whether the message asks which office is responsible (whatever item its words also name)."""
    return bool(_WHOSE_DUTY.search(text))


#: Someone who cannot produce a document ("冇得居住证", "结婚证网上查不到", "没有交警认定书").
_CANNOT_PRODUCE = re.compile(
    # (not the question's "…了没有", "有没有": whether something happened)
    r"(?<![有了过])没有(?![？?]|$)|没办|冇得|冇有|没得|无法提供|提供不了|丢了|找不到|查不到|拿不出|开不出|办不了"
    # someone else will not give it ("单位不肯开证明", "房东不给复印件"), or it cannot be had ("补不到")
    r"|(?:不肯|不愿意?|不给|不帮)(?:开|给|出|提供|盖|签)|走不通|(?:弄|搞|拿|开|补|要)不(?:到|出来)|补不了"
)


def cannot_produce(text: str) -> bool:
    return bool(_CANNOT_PRODUCE.search(text))


#: What a promise binds one to ("承诺了以后有啥要求", "承诺做不到会怎样"): the 告知承诺 notice's duties
#: and liabilities (补齐材料, 未履约的…, 不实承诺的法律责任).
PROMISE_DUTY = re.compile(
    r"承诺[^，,。？?！!；;]{0,8}(?:以后|之后|后|了)[^，,。？?！!；;]{0,8}(?:要求|义务|要做|还要|后果|会怎样|会咋样|会怎么样|责任)"
    r"|(?:没|不|未|没有)(?:履行|做到|兑现|补齐)[^，,。？?！!；;]{0,4}承诺|承诺[^，,。？?！!；;]{0,6}(?:做不到|没做到|不履行|没履行|的后果|的责任)"
    r"|不实承诺|虚假承诺|乱承诺|承诺假的"
    # "内容不实要担什么责任", "写假了要负啥责任": the liability of a false promise
    r"|(?:不实|虚假|不真实|假的|作假|造假)[^。？?！!；;]{0,8}(?:担|负|承担|追究)[^，,。？?！!；;]{0,4}责任"
    # "写了承诺书，后来核查发现不符会怎么处理": a promise found untrue, and what follows
    r"|承诺[^。？?！!]{0,24}(?:查出|查到|核查|发现|对不上|不一致|不符)[^。？?！!]{0,12}(?:怎么处理|咋处理|如何处理|怎么办|会怎样|会怎么样|后果|处罚|罚)"
    # "签了承诺书，后面还要补什么？不补会怎样": what is to be handed in later, and if it is not
    r"|承诺[^。？?！!]{0,20}(?:还要补|要补|补什么|补啥|补哪些)|不补(?:齐)?(?:会|的话|咋|怎|有)"
    # what using a promise asks of one ("用承诺书的话有啥要求", "写承诺书有什么条件")
    r"|承诺书?[^，,。？?！!；;]{0,6}(?:有|要)[^，,。？?！!；;]{0,4}(?:什么|啥|么子|哪样|哪些)[^，,。？?！!；;]{0,2}(?:要求|条件|义务|限制)"
)
#: A sentence of such a duty or liability.
#: Asking by when something must be handed in ("单位申报有没有时间限制", "最迟哪天要报"), not how long
#: the office takes.
ASKS_DEADLINE = re.compile(
    r"最迟|最晚|时间限制|期限|过期|逾期|过了[^，,。？?！!；;]{0,6}(?:还能|还可以|就不能|不能)|(?:几|多少|多长时间|多久)[^，,。？?！!；;]{0,3}(?:以内|之内)"
    r"|(?:之前|以前)[^，,。？?！!；;]{0,3}(?:要|得|必须)?(?:报|申报|交|提交|申请|办)"
)
#: …and the guide's sentences that set such a deadline ("由用人单位在一年内申报待遇", "于9月30日前将…报医保经办机构").
DEADLINE_RULE = re.compile(
    r"(?:\d+|[一二三两六十])\s*(?:个)?(?:月|年|日|天|工作日)(?:之?内)(?:申报|申请|提出|办理|提交|报|告知)"
    r"|在(?:\d+|[一二三两六十])\s*(?:个)?(?:月|年|日|天|工作日)之?内|之日起[^。]{0,12}内|逾期|\d+月\d+日(?:前|之前)"
)


PROMISE_RULE = re.compile(
    r"承诺[^。]*(?:履行|履约|补齐|责任|不实|虚假|追回|罚款|失信)|(?:履行|履约|补齐|不实|虚假)[^。]*承诺"
    # the promiser's own liability sentence ("由此产生的一切经济损失和法律责任均由本人承担")
    r"|(?:法律责任|经济损失)[^。]*(?:本人|本单位)?承担"
)


#: 咸安's window levels as people name them ("村医保窗口", "镇上的政务大厅").
_LEVELS = (
    # (a 村卫生室 is a clinic, not the village window: its 门诊费用结算 is the township's item; "村里有个
    # 婆婆", "村里一位大爷" say where someone lives, not which window)
    ("村", re.compile(r"村(?:里(?!有个|有位|有户|一个|一位|一户|的人|的老人|好多|几个)|委|医保|窗口|服务|（社区）(?!卫生室)|干部|协理)|居委|社区(?:窗口|医保|服务)")),
    ("乡镇", re.compile(r"乡镇|镇上|乡里|街道|[镇乡](?:窗口|政务|服务|医保|大厅)")),
)


def level_named(text: str) -> Optional[str]:
    """The window level a message names, if any (村 before 乡镇: "镇上村里" asks about the village)."""
    return next((level for level, pattern in _LEVELS if pattern.search(text)), None)


#: A level named as the window that would do it ("社区窗口能帮查吗", "乡镇能办不"), not as where the
#: asker lives or works ("帮村里一个五保老人问").
_WINDOW_ASKED = re.compile(
    r"(?:村|社区|乡镇|乡里|镇上|街道|[镇乡])(?:的|里的?)?(?:医保)?(?:(?:服务|经办)?窗口|服务点|服务站|便民服务|经办)"
    r"|(?:村委会?|居委会?|村|社区|乡镇|乡里|镇上|街道)(?:里|上)?(?:就|也|都)?(?:能|可以|可不可以|能不能)(?:帮|办|查|弄|问)"
)


def window_asked(text: str) -> bool:
    return bool(_WINDOW_ASKED.search(text))
