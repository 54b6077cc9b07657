"""Personal data never enters Rasa: the channel swaps it for tokens before NLU sees the text.

Detection runs on a *view* of the message: every character NFKC-normalised (full-width digits, ＋86,
：), format characters (zero-width spaces, direction marks) dropped, and the separators people type
inside a number (spaces of any width, dashes) dropped where they stand between digits. Each view
character remembers where it came from, so the whole typed span is replaced. On that view:

- an ID number (17 digits + digit/X; letters glued in front are fine: "sfz4301…") becomes
  ``〔身份证号:430***********1234:h=<hmac>〕`` when valid (GB 11643 via ``stdnum.cn.ric``) or
  ``〔身份证号无效:校验码不对:430***********1234〕``; any other run of 14 or more digits (an ID
  mistyped, a bank card) becomes an invalid-ID token too;
- a mobile number, with or without +86/86/0086, becomes ``〔手机号:138****5678:h=<hmac>〕``;
- a phone tail in words ("尾号是0589", "后四位 7732") becomes ``〔手机后四位:h=<hmac>〕``;
- a name after 我叫 / 名字是 / 姓名 (anywhere), or after 我是 when it starts with a common surname,
  is no word the KB knows and ends at a boundary, becomes ``〔姓名:张*:h=<hmac>〕``; titles and
  particles (本人, 先生, 女士, 的) are stripped before the name is hashed;
- when the bot has just asked for a name or the phone's last four digits (``custom.pii_expect``),
  the reply is read as one first.

User text may not carry the token brackets: 〔〕 and every character NFKC folds into them become
[ ], so a token in the text Rasa sees can only have come from here; :func:`scrub_reply` makes sure
no reply shows a token or a hash.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable, FrozenSet, Iterable, List, Optional, Tuple

from bot.channels.shared_state import Store, open_store
from casework import tokens
from casework.privacy import hmac_of, mask_id, mask_name, mask_phone, validate_id

#: How long a "the next message is a name" expectation lasts.
EXPECT_SECONDS = 600
EXPECT_PREFIX = "pii:expect:"


Span = Tuple[int, int, str]  # (start, end) in the view, and the token that replaces it

# -- the detection view ----------------------------------------------------------------------------

_DIGITS = "0123456789"
_DASHES = "-‐‑‒–—―−﹣－_"


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def _is_separator(ch: str) -> bool:
    return ch in _DASHES or ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


@dataclass(frozen=True)
class _View:
    """The normalised text and, per view character, the index of the original character."""

    text: str
    origin: Tuple[int, ...]

    def span(self, start: int, end: int) -> Tuple[int, int]:
        """The original span covered by view characters ``start:end``."""
        return self.origin[start], self.origin[end - 1] + 1


def _view(text: str) -> _View:
    norm = [unicodedata.normalize("NFKC", ch) for ch in text]
    chars: List[str] = []
    origin: List[int] = []
    for i, ch in enumerate(text):
        if _is_format(ch):
            continue
        if _is_separator(ch) and chars and (chars[-1] in _DIGITS or chars[-1] == "+"):
            j = i + 1
            while j < len(text) and (_is_separator(text[j]) or _is_format(text[j])):
                j += 1
            if j < len(text) and norm[j][:1] in _DIGITS:
                continue  # "138 1234 5678", "4301-0219…", "+86 138…": one number
        for n in norm[i]:
            chars.append(n)
            origin.append(i)
    return _View("".join(chars), tuple(origin))


# -- numbers ---------------------------------------------------------------------------------------

_APPLICATION_NO = re.compile(r"YB[A-Z]{2,4}[0-9]{8,14}(?![0-9])", re.IGNORECASE)
_ID_LIKE = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx](?![0-9A-Za-z])|[0-9]{14,})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86)?(1[3-9][0-9]{9})(?![0-9])")
_TAIL = re.compile(r"(?:尾号|尾数|后四位|后4位|末四位|末4位)(?:号码)?\s*(?:是|为|:)?\s*([0-9]{4})(?![0-9])")
_TAIL_WORDS = re.compile(r"(?:尾号|后四位|后4位|手机|号码|是|为|:|[,.，。!])*")


def _id_token(raw: str) -> str:
    check = validate_id(raw)
    if check.valid:
        return tokens.id_token(mask_id(check.normalized), hmac_of(check.normalized))
    return tokens.bad_id_token(check.reason or "格式不对", mask_id(raw))


def _phone_token(mobile: str) -> str:
    return tokens.mobile_token(mask_phone(mobile), hmac_of(mobile))


def _tail_token(last4: str) -> str:
    return tokens.tail_token(hmac_of(last4))


def _name_token(name: str) -> str:
    return tokens.name_token(mask_name(name), hmac_of(name))


# -- names -----------------------------------------------------------------------------------------

#: Common surnames (百家姓 and the most frequent today); compound ones are tried first.
COMPOUND_SURNAMES = tuple(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 闻人".split()
)
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖萧田董潘袁蔡蒋余于杜叶程魏苏吕丁"
    "任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱"
    "戴严莫孔向常汤康易乔赖文施洪辛柯庄滕樊牛岳齐蓝殷葛季安单邢祝包焦柴聂冉骆尚申虞翁欧阮倪詹鲁卜甘"
    "左饶章谷耿关温鲍车管晏蒙符柏伍景毕凌阎窦贝裴巫舒苗涂卓麻隆戚吉游靳邝利牟屈米宁农鄢邬揭廉查敖竺"
    "仇栾鞠晁桂刁仲冷阳芦缪卫税敬官瞿"
)
#: After 我是, words that describe a person or a place but are no name (besides the KB's own words).
_NOT_NAMES = frozenset(
    "本人 本地 外地 外省 外出 学生 农民 个体 孕妇 家属 职工 退休 居民 老人 病人 患者 新生 贫困 低保 残疾 军人 "
    "教师 老师 医生 护士 司机 老板 单位 公司 企业 村民 社区 乡镇 家长 子女 儿子 女儿 父亲 母亲 妈妈 爸爸 "
    "爷爷 奶奶 老公 老婆 丈夫 妻子 代办 经办 工作 人员 咨询 第一 一个 他们 我们 你们 自己 外来 流动 务工 "
    "打工 上班 灵活 无业 失业 下岗 在职 在校 毕业 大学 本科 小学 中学 高中 初中 万一 方便 安心 金额 余额 "
    "于是 高龄 从事 常住 北京 天津 河北 山西 内蒙 辽宁 吉林 黑龙 上海 江苏 浙江 安徽 福建 江西 山东 河南 "
    "湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾 武汉 长沙 "
    "昆明 贵阳 郴州 咸宁 农村 城镇 城市 农业 乡下 山区".split()
)
#: Titles and particles around a name, stripped before hashing ("郭桂浩本人" is 郭桂浩).
_SUFFIXES = ("谢谢", "本人", "先生", "女士", "同志", "的", "啊", "呀", "哈", "嘛", "哦", "了")
#: A third character that more likely starts the next word than ends a two-character given name.
_STOP_AFTER_2 = frozenset("想要的是在从去来查问请帮办今现住刚已说和跟与给叫本先女身手电年岁啊呀哈呢吗")
#: Characters no name contains (questions, negations, pronouns).
_NOT_IN_NAMES = frozenset("我你他她它们吗么呢什怎哪没不算查问办啥谁嘛吧")
#: A reply to the name prompt that asks or refuses something is not a name.
_NOT_A_NAME_REPLY = re.compile(r"[?吗么呢啥哪怎]|什么|多久|材料|办理|查询|不查|算了|取消|不知道|忘了")
_STRONG_PREFIX = re.compile(r"(?:我的名字(?:是|叫)|名字(?:是|叫)|我叫|本人姓名(?:是|为)?|姓名(?:是|为)?):?")
_WEAK_PREFIX = re.compile(r"(?:我是|本人是|我就是)")
_CJK = re.compile(r"[\u4e00-\u9fff·]+")


def _split_surname(run: str) -> Tuple[str, str]:
    for compound in COMPOUND_SURNAMES:
        if run.startswith(compound):
            return compound, run[len(compound) :]
    if run[:1] in SURNAMES:
        return run[:1], run[1:]
    return "", run


def _strip_suffixes(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for s in _SUFFIXES:
            if name.endswith(s) and len(name) > len(s) + 1:
                name, changed = name[: -len(s)], True
    return name


def _name_at(run: str) -> str:
    """The name that starts ``run``: a surname and one or two characters (two or three without one)."""
    surname, rest = _split_surname(run)
    if not surname:  # "我叫小明": an unlisted surname after a strong prefix
        surname, rest = run[:1], run[1:]
    if not rest:
        return ""
    given = rest[:2] if len(rest) >= 2 and rest[1] not in _STOP_AFTER_2 else rest[:1]
    return _strip_suffixes(surname + given)


def _knows(word: str, vocabulary: FrozenSet[str]) -> bool:
    """Whether ``word`` holds a word that is not a name (built-in list or the KB's vocabulary)."""
    grams = {word[i : i + n] for n in (2, 3, 4) for i in range(len(word) - n + 1)}
    return bool(grams & _NOT_NAMES or grams & vocabulary)


def _name_spans(v: str, vocabulary: FrozenSet[str]) -> List[Span]:
    """Names after 我叫/姓名/名字是, and (carefully) after 我是, in view ``v``."""
    spans: List[Span] = []
    for m in _STRONG_PREFIX.finditer(v):
        run = _CJK.match(v, m.end())
        if run:
            name = _name_at(run.group())
            if len(name) >= 2 and not set(name) & _NOT_IN_NAMES:
                spans.append((run.start(), run.start() + len(name), _name_token(name)))
    for m in _WEAK_PREFIX.finditer(v):
        run = _CJK.match(v, m.end())
        if not run or not _split_surname(run.group())[0]:
            continue
        name = _name_at(run.group())
        after = v[run.start() + len(name) :]
        boundary = not _CJK.match(after) or after.startswith(("本人", "先生", "女士", "的", "啊", "呀", "哈"))
        if len(name) >= 2 and boundary and not _knows(name, vocabulary) and not set(name) & _NOT_IN_NAMES:
            spans.append((run.start(), run.start() + len(name), _name_token(name)))
    return spans


# -- putting it together ---------------------------------------------------------------------------


def neutralise_brackets(text: str) -> str:
    """User text may not hold the token brackets (nor characters NFKC folds into them)."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append("[" if tokens.OPEN in n else "]" if tokens.CLOSE in n else ch)
    return "".join(out)


def _replace(text: str, view: _View, found: Iterable[Span]) -> str:
    """Replace view spans in the original text; earlier entries win where spans overlap."""
    chosen: List[Span] = []
    for start, end, token in found:
        if not any(start < e and s < end for s, e, _ in chosen):
            chosen.append((start, end, token))
    for start, end, token in sorted(chosen, reverse=True):
        a, b = view.span(start, end)
        text = text[:a] + token + text[b:]
    return text


def _general_spans(v: str, vocabulary: FrozenSet[str]) -> List[Span]:
    """ID numbers, long digit runs, mobiles, phone tails and introduced names in view ``v``."""
    protected = [m.span() for m in _APPLICATION_NO.finditer(v)]  # YBCZ2026… is no personal data

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in protected)

    found: List[Span] = []
    for m in _MOBILE.finditer(v):  # a whole digit run that is a mobile (0086 138…) is a mobile, not an ID
        if free(*m.span()):
            found.append((m.start(), m.end(), _phone_token(m.group(1))))
    for m in _ID_LIKE.finditer(v):
        if free(*m.span(1)):
            found.append((m.start(1), m.end(1), _id_token(m.group(1))))
    for m in _TAIL.finditer(v):
        found.append((m.start(1), m.end(1), _tail_token(m.group(1))))
    return found + _name_spans(v, vocabulary)


def _expected_spans(kind: str, v: str, vocabulary: FrozenSet[str]) -> List[Span]:
    """The span of the name / phone tail the bot has just asked for, when the reply is one."""
    if kind == "name":
        if _NOT_A_NAME_REPLY.search(v):
            return []
        m = _STRONG_PREFIX.match(v) or _WEAK_PREFIX.match(v)
        start = m.end() if m else 0
        start += 1 if v[start : start + 1] == "是" else 0
        run = _CJK.match(v, start)
        if not run:
            return []
        word = run.group()
        name = _strip_suffixes(word)
        if len(name) > 4:  # "张伟想查一下" → the leading name only, when it starts with a surname
            if not _split_surname(word)[0]:
                return []
            name = word = _name_at(word)
        if not 2 <= len(name) <= 4 or set(name) & _NOT_IN_NAMES or _knows(name, vocabulary):
            return []
        return [(run.start(), run.start() + len(word), _name_token(name))]
    if kind == "phone_last4":
        digits = "".join(c for c in v if c in _DIGITS)
        words = re.sub(r"[0-9+\s]", "", v)
        if re.fullmatch(r"(?:(?:\+|00)?86)?1[3-9][0-9]{9}", digits) and _TAIL_WORDS.fullmatch(words):
            return [(0, len(v), _tail_token(digits[-4:]))]  # the whole number given: keep what was asked
        fours = list(re.finditer(r"(?<![0-9])[0-9]{4}(?![0-9])", v))
        if len(fours) == 1 and len(digits) == 4:  # "5678", "尾号是5678", "5678 谢谢"
            return [(fours[0].start(), fours[0].end(), _tail_token(digits))]
        if 0 < len(digits) <= 11 and _TAIL_WORDS.fullmatch(words):
            return [(0, len(v), tokens.BAD_TAIL_TEXT)]
    return []


def protect(text: str, expected: Optional[str] = None, vocabulary: FrozenSet[str] = frozenset()) -> str:
    """The text Rasa may see: token brackets neutralised, then every personal value tokenised.

    Args:
        text: the user's message as received (before any length cut).
        expected: ``name`` / ``phone_last4`` when the bot has just asked for one, else None.
        vocabulary: words the KB knows (item, region, category names): never taken for a name.
    """
    text = neutralise_brackets(text)
    view = _view(text)
    found = _expected_spans(expected, view.text, vocabulary) if expected else []
    return _replace(text, view, found + _general_spans(view.text, vocabulary))


def tokenize_ids(text: str, vocabulary: FrozenSet[str] = frozenset()) -> str:
    """Every personal value in free text tokenised (no expectation)."""
    return protect(text, None, vocabulary)


def tokenize_expected(kind: str, text: str, vocabulary: FrozenSet[str] = frozenset()) -> Optional[str]:
    """The text with the expected name / phone tail tokenised, or None when it is not one."""
    view = _view(neutralise_brackets(text))
    return protect(text, kind, vocabulary) if _expected_spans(kind, view.text, vocabulary) else None


def cut(text: str, limit: int) -> Tuple[str, bool]:
    """The first ``limit`` characters of tokenised text, never ending inside a token."""
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    opened = head.rfind(tokens.OPEN)
    if opened > head.rfind(tokens.CLOSE):
        closing = text.find(tokens.CLOSE, opened)
        head = text[: closing + 1] if closing >= 0 else text[:opened]
    return head, True


def scrub_reply(text: str) -> str:
    """A reply never shows a token or a hash: a token becomes its masked part (or nothing)."""

    def masked(m: re.Match) -> str:
        parts = [p for p in m.group()[1:-1].split(":")[1:] if p and not p.startswith("h=")]
        return parts[-1] if parts and re.fullmatch(r"[0-9X*]+|[\u4e00-\u9fff]\*+", parts[-1]) else ""

    return re.sub(r"h=[0-9a-f]{16,}", "", tokens.ANY_TOKEN.sub(masked, text))


class Expectations:
    """Per-sender "the next message is a name / phone-last-4" notes, expiring after EXPECT_SECONDS.

    Kept in the shared state store (``shared_state``): in Redis when ``STATE_REDIS_URL`` is set, so
    the reply may reach any replica, else in this process's memory. Only the kind is stored.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, store: Optional[Store] = None) -> None:
        self._store = store if store is not None else open_store(clock=clock)

    def set(self, sender: str, kind: str) -> None:
        self._store.set(EXPECT_PREFIX + sender, kind, EXPECT_SECONDS)

    def pop(self, sender: str) -> Optional[str]:
        return self._store.pop(EXPECT_PREFIX + sender)
