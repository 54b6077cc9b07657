"""The answer engine's retrieval: BM25 over every KB passage, per region, free of Rasa.

Text is tokenised with jieba plus the KB-generated user dictionary (``make nlu``), and every run of
Chinese characters also gives its characters and character bigrams, so a colloquial word that jieba splits
differently from the guide ("生娃" / "生育", "报账" / "报销") still shares evidence with it. A query
is expanded with the guide's own words for what people say (``colloquial.yml``'s ``search_synonyms``
and ``variant_words``, and its insurance-type, personnel-category, applicant-type and level tables). One ``bm25s`` index per region keeps a query's work to its own region's passages.

    engine = SearchEngine.from_database()          # start-up: build passages and indexes (≈1–2 s)
    engine.search("退休了去外地住看病咋报", "yunnan")  # per message: ranked passages (≈1 ms)
    engine.rank_items("…", "yunnan")               # items by their passages' evidence
"""

from __future__ import annotations

import functools
from collections import Counter
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import bm25s
import jieba
import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.matching import label_words, load_colloquial
from knowledge.passages import Passage, build_passages
from knowledge.typos import TypoFixer
from knowledge.schema import Region, RegionAlias, make_engine

ROOT = Path(__file__).resolve().parents[1]
USER_DICT = ROOT / "data" / "nlu" / "generated" / "jieba" / "userdict.txt"

#: Words that carry no evidence about which item or fact is meant.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 哦 哈 噻 咯 啵 是 在 我 你 他 她 我们 你们 要 想 请问 请 问 一下 下 怎么 怎样 怎么办 "
    "如何 什么 啥 哪 哪里 哪儿 哪些 能 能不能 可以 可不可以 会 有 没有 和 与 及 或 或者 还 也 都 就 这 那 这个 那个 "
    "个 给 帮 把 被 对 从 到 去 来 说 吧 嗯 喂 您好 你好 谢谢 麻烦".split()
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
#: Item text that answers details once the item is known but says little of which item is meant:
#: 湖南's list-table remarks ("…可合并支付，一次性提供材料" would draw every 一次性 question).
NOT_ITEM_EVIDENCE = frozenset({"list_remarks"})
#: Item text printed alike in this share of a region's items or more is no evidence of which item
#: is meant (a family's shared text — 异地就医登记备案表, 门（急）诊病历 — still is).
BOILERPLATE_SHARE = 0.4
#: A place printed in at most this share of a region's passages is named there by a rule of its own
#: (贵州's transfers by post for 贵阳、遵义); one printed more often is the guide's own home (都匀).
PRINTED_PLACE_SHARE = 0.02
#: A sibling item scoring at least this share of the best one may lead by a word only it has.
SIBLING_SHARE = 0.6
#: …and then leads it by this factor.
SIBLING_LEAD = 1.3
#: How much an item's text as a whole (one BM25 document per item) counts next to its best passages.
ITEM_TEXT_WEIGHT = 1.0
#: How much an item whose name does what the question asks ("回来能报不" → 报销) leads others.
ACTION_LEAD = 1.5
#: "老爷子上个月走了": of a parent or an elder, 走了 says they died (the guides' 死亡 via 去世).
_ELDER = r"(?:老人|老人家|老爷子|老太太|老头|老伴|爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|公公|婆婆)"
_PASSED_AWAY = re.compile(rf"({_ELDER}[^，,。？?！!\s]{{0,5}}?)走了")
#: …and so it says in a later clause that opens with when ("老爷子是厂里退下来的，去年走了").
_PASSED_AWAY_WHEN = re.compile(rf"({_ELDER}.*?[，,。；;]\s*(?:上个?月|前几天|前些天|前段时间|去年|前年|年前|昨天|前天|上周|上个星期|今年\d*月?)(?:份)?)走了(?![一两三几\d]*[趟步回次遍]|路)")
#: An online channel as the guides name it: quoted before APP/公众号/小程序, or an APP or 服务平台 named
#: after its province or 医保 ("贵州医保APP", "国家医保服务平台").
_CHANNEL_NAME = re.compile(r"“([\u4e00-\u9fff]{2,8})”(?:APP|App|app|微信公众号|公众号|小程序)|((?:国家|[\u4e00-\u9fff]{2}省?)医保(?:APP|服务平台))")
#: What a place outside every region is to a person insured in one of them.
ELSEWHERE = "外地"
#: Characters of an item name that say nothing about it (punctuation, numbering).
_NAME_NOISE = re.compile(r"[^\u4e00-\u9fff]")


@dataclass(frozen=True)
class Hit:
    """A passage and its score for a query (BM25 × the passage kind's weight)."""

    passage: Passage
    score: float


class Tokenizer:
    """jieba with the KB dictionary, stopwords dropped, plus CJK character bigrams."""

    def __init__(self, user_dict: Optional[Path] = USER_DICT) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        if user_dict and Path(user_dict).exists():
            self._jieba.load_userdict(str(user_dict))

    def add_words(self, words) -> None:
        """Words jieba does not know yet (those it knows keep their dictionary frequency)."""
        for word in words:
            # (jieba cuts at punctuation: a name with brackets or quotes could never be one word)
            if word and word not in self._jieba.FREQ and re.fullmatch(r"[\u4e00-\u9fff]+", word):
                self._jieba.add_word(word)

    def search_words(self, text: str) -> List[str]:
        """Every word jieba sees in ``text``, the short words inside long ones too (城乡居民参保登记 →
        城乡, 居民, 参保, 登记, …)."""
        return [w for w in self._jieba.cut_for_search(text or "") if _WORD.search(w) and w not in STOPWORDS]

    def segment(self, text: str) -> List[str]:
        """jieba's dictionary words of ``text`` (no guessed new words), every character kept."""
        return self._jieba.lcut(text or "", HMM=False)

    def frequency(self, word: str) -> int:
        """How often jieba's dictionary counts ``word``."""
        return self._jieba.FREQ.get(word, 0)

    def is_word(self, text: str) -> bool:
        """Whether jieba's dictionary (general and KB) knows ``text`` as a word."""
        return self._jieba.FREQ.get(text, 0) > 0

    def words(self, text: str) -> List[str]:
        """The jieba words of ``text`` (stopwords and punctuation dropped), in order."""
        return [w for w in self._jieba.lcut(text or "") if _WORD.search(w) and w not in STOPWORDS]

    def __call__(self, text: str) -> List[str]:
        words = self.words(text)
        runs = _CJK_RUN.findall(text or "")
        bigrams = [run[i : i + 2] for run in runs for i in range(len(run) - 1)]
        chars = [c for run in runs for c in run if c not in STOPWORDS]
        return words + [f"_{b}" for b in bigrams if b not in STOPWORDS] + [f"~{c}" for c in chars]


def _wording(text: str) -> str:
    """The words of a passage, for telling text printed alike ("手机 APP、微信公众号" is "手机APP或微信公众号")."""
    return re.sub(r"[^\u4e00-\u9fff]|或", "", text or "")


class _RegionIndex:
    def __init__(self, passages: List[Passage], tokens: List[List[str]]) -> None:
        self.passages = passages
        self.bm25 = bm25s.BM25(k1=1.2, b=0.6)
        self.bm25.index(tokens, show_progress=False)
        # each item's passages as one document: an item that says the question's words all over
        # (生育, 配偶, 未参加生育保险) against one whose single short passage happens to share the
        # everyday ones (单位, 参加, 没有)
        # text printed alike in many items (湖南's 查询方式 line, "即时办结") says nothing of which
        # item is meant: no item evidence, here nor in the per-passage ranking
        owners: Dict[str, set] = {}
        for p in passages:
            if p.item:
                owners.setdefault(_wording(p.text), set()).add(p.item)
        most = max(BOILERPLATE_SHARE * len({p.item for p in passages if p.item}), 2.0)
        self.boilerplate = frozenset(id(p) for p in passages if p.item and len(owners[_wording(p.text)]) >= most)
        self.boilerplate_mask = np.array([id(p) in self.boilerplate for p in passages], dtype=bool)
        item_tokens: Dict[str, List[str]] = {}
        for p, ts in zip(passages, tokens):
            if p.item and p.kind not in NOT_ITEM_EVIDENCE and id(p) not in self.boilerplate:
                item_tokens.setdefault(p.item, []).extend(ts)
        self.item_keys = sorted(item_tokens)
        self.item_bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if self.item_keys:
            self.item_bm25.index([item_tokens[k] for k in self.item_keys], show_progress=False)
        self.weights = np.array([p.weight for p in passages], dtype=np.float32)
        self.vocab = self.bm25.vocab_dict
        # per passage, for vectorised item / level filters
        self.items = np.array([p.item or "" for p in passages], dtype=object)
        self.levels = np.array([p.level or "" for p in passages], dtype=object)
        self.kinds = np.array([p.kind or "" for p in passages], dtype=object)
        # per item, and the text outside items (forms, notices), in guide order: what the answer
        # engine looks through for one answer, grouped once here rather than per message
        self.by_item: Dict[str, List[Passage]] = {}
        self.loose: List[Passage] = []
        for p in passages:
            if p.item:
                self.by_item.setdefault(p.item, []).append(p)
            else:
                self.loose.append(p)
        self.position = {id(p): i for i, p in enumerate(passages)}
        self.form_titles = sorted({p.title for p in passages if p.kind == "form_title" and p.title})
        self.names = {p.item: p.name for p in passages if p.item and p.kind == "title" and p.name}
        # per passage outside items, the items whose name (of four characters or more) it prints:
        # a form that names another item's business binds nobody else (asked per message)
        self.long_names = [(k, n) for k, n in self.names.items() if len(n) >= 4]
        self.items_named = {p.text: self.named_in(p.text) for p in self.loose}

    def named_in(self, text: str) -> FrozenSet[str]:
        return frozenset(k for k, n in self.long_names if n in text)


class SearchEngine:
    """Ranked passages and items for a message in a region. Build once; query many times."""

    def __init__(
        self,
        passages: Sequence[Passage],
        tokenizer: Optional[Tokenizer] = None,
        expansions: Optional[Dict[str, str]] = None,
        place_names: Sequence[str] = (),
    ) -> None:
        self.tokenize = tokenizer or Tokenizer()
        # item names the generated dictionary has not seen yet (an edition imported since the last
        # `make nlu`) are words from this build on, without retraining
        self.tokenize.add_words({p.name for p in passages if p.name})
        colloquial = load_colloquial() if expansions is None else {}
        self.expansions = expansions if expansions is not None else _expansions(colloquial)
        #: Words that say which scheme a question is about (职工医保, 居民医保): they choose the
        #: variant, and nearly every item repeats them, so they are no evidence of a detail. (Who
        #: applies — 单位, 本人 — is: "单位能帮我去办不".)
        self.chooser_words = label_words(colloquial, ("insurance_types",))
        # A query is searched in its region's passages only, so the place it names is no evidence
        # (郴州 would favour every passage that prints "郴州医保"): names are dropped, longest first.
        self._places = sorted({p for p in place_names if len(p) >= 2}, key=len, reverse=True)
        by_region: Dict[str, List[Passage]] = {}
        for p in passages:
            by_region.setdefault(p.region_key, []).append(p)
        tokens = {region: [self.tokenize(p.text) for p in ps] for region, ps in by_region.items()}
        self._indexes = {region: _RegionIndex(ps, tokens[region]) for region, ps in by_region.items()}
        self._lock = threading.Lock()  # bm25s' retrieval is not documented as thread-safe
        # One message asks the same words several times (item, family, evidence, out-of-scope
        # checks): the BM25 scores of recent queries are kept.
        self._scores = functools.lru_cache(maxsize=256)(self._score_passages)
        # homophone typos of the guides' words ("备按" → 备案): words printed in two passages or more,
        # read off the tokens just made (words bare, bigrams "_"-prefixed, characters "~"-prefixed)
        passage_tokens = [set(ts) for region_tokens in tokens.values() for ts in region_tokens]
        printed_words = Counter(t for ts in passage_tokens for t in ts if not t.startswith(("_", "~")))
        self.typos = TypoFixer(
            [w for w, n in printed_words.items() if n >= 2],
            is_word=self.tokenize.is_word,
            printed={t[1:] for ts in passage_tokens for t in ts if t.startswith("_")},
            segment=self.tokenize.segment,
            frequency=self.tokenize.frequency,
        )
        dialect = {str(k): str(v) for k, v in (colloquial.get("dialect") or {}).items()}
        # one pass, longest word first at each place: a Mandarin word listed as itself (什么事) keeps
        # a shorter dialect word inside it (么事 "what") from being read again
        self._dialect = dialect
        separable = [str(w) for w in colloquial.get("separable_words") or [] if len(str(w)) == 2]
        self._separable_re = (
            re.compile(
                "|".join(f"({re.escape(w[0])})(了|过|的)?(?:个|一个|一次|次|一回)?({re.escape(w[1])})(?![历种例])" for w in separable)
            ) if separable else None
        )
        self._dialect_re = (
            re.compile("|".join(re.escape(w) for w in sorted(dialect, key=len, reverse=True))) if dialect else None
        )
        # places outside every region are 外地 ("派我去广州干两年"); a region's own name stays, and so
        # does a listed name inside one (a county named after a listed place). A name the guides
        # print ("到海南、西藏等省级统筹的省份…") is their word too: kept, with 外地 added.
        printed = "\n".join(p.text for p in passages)
        self._elsewhere = [
            (name, tuple(p for p in self._places if name in p), name in printed)
            for name in sorted({str(n) for n in colloquial.get("elsewhere") or []}, key=len, reverse=True)
            if not any(p in name for p in self._places)
        ]
        # what a question asks done ("能报不" asks 报销) and the item-name words that do it
        self._actions = [
            (re.compile(str(spec["asks"])), tuple(str(n) for n in spec.get("names") or []))
            for spec in (colloquial.get("asked_actions") or {}).values()
        ]
        # the online channels the guides name ("“湘医保”APP", "贵州医保APP", "国家医保服务平台"):
        # a question that names one asks where to do it ("能不能在湘医保上改")
        names = {m.group(1) or m.group(2) for m in _CHANNEL_NAME.finditer(printed)}
        self.channel_names = frozenset(names | {re.sub(r"APP$", "", n) for n in names})
        self._shares = functools.lru_cache(maxsize=4096)(self._text_share)
        # routing reads one message several times (phrases, family, evidence, done items)
        self.elsewhere = functools.lru_cache(maxsize=256)(self._elsewhere_of)
        self.asked_doing = functools.lru_cache(maxsize=256)(self._doing_of)
        self.name_words = functools.lru_cache(maxsize=1024)(self._words_of_name)
        # the two-character words of every item name (住院, 门诊, 备案 …): a phrase that ends or starts
        # inside one of them in a message ("在外地住" in "在外地住院") cuts a word in two
        names = {n for index in self._indexes.values() for n in index.names.values()}
        self.name_pairs = frozenset(w for n in names for w in self.name_words(n) if len(w) == 2)

    @classmethod
    def from_database(cls, engine: Optional[Engine] = None) -> "SearchEngine":
        with Session(engine or make_engine(), future=True) as session:
            places = [a for (a,) in session.execute(select(RegionAlias.alias))]
            places += [n for (n,) in session.execute(select(Region.name))]
            return cls(build_passages(session), place_names=places)

    @property
    def regions(self) -> List[str]:
        return list(self._indexes)

    @property
    def passage_count(self) -> int:
        return sum(len(i.passages) for i in self._indexes.values())

    def passages(self, region: str) -> List[Passage]:
        """Every passage of ``region``, in build order."""
        index = self._indexes.get(region)
        return index.passages if index else []

    def item_and_loose_passages(self, region: str, item: str) -> List[Passage]:
        """``item``'s passages and the region's text outside items (forms, notices), in guide order."""
        index = self._indexes.get(region)
        if index is None:
            return []
        return sorted(index.by_item.get(item, []) + index.loose, key=lambda p: index.position[id(p)])

    def item_names(self, region: str) -> Dict[str, str]:
        """Item key → its printed name (of its record's title passage), for ``region``."""
        index = self._indexes.get(region)
        if index is None:
            return {}
        return index.names

    def items_named_in(self, region: str, text: str) -> FrozenSet[str]:
        """The items (names of four characters or more) that ``text`` prints: looked up for the
        region's passages outside items (found once, at build), found anew for any other text."""
        index = self._indexes.get(region)
        if index is None:
            return frozenset()
        named = index.items_named.get(text)
        return index.named_in(text) if named is None else named

    def form_titles(self, region: str) -> List[str]:
        """The titles of the region's forms (the guide's attached 表格 and 承诺书)."""
        index = self._indexes.get(region)
        return index.form_titles if index else []

    def text_share(self, region: str, text: str) -> float:
        """The share of ``region``'s passages whose text contains ``text`` (0 where the guide never
        prints it); a word in many passages says little about any one."""
        return self._shares(region, text)

    def _text_share(self, region: str, text: str) -> float:
        index = self._indexes.get(region)
        if not index or not index.passages or not text:
            return 0.0
        return sum(1 for p in index.passages if text in p.text) / len(index.passages)

    @staticmethod
    def _joined(m: "re.Match[str]") -> str:
        """A split word joined, its aspect word after it (each word of the pattern has three groups)."""
        groups = m.groups()
        for i in range(0, len(groups), 3):
            if groups[i] is not None:
                return f"{groups[i]}{groups[i + 2]}{groups[i + 1] or ''}"
        return m.group(0)

    def normalize(self, text: str) -> str:
        """A message as the KB's lists read it: dialect words in Mandarin ("交了好多年" → "交了几年"),
        split words joined ("备了案" → 备案), then homophone typos of the guides' words corrected ("备按" → 备案)."""
        if self._dialect_re is not None:
            text = self._dialect_re.sub(lambda m: self._dialect[m.group(0)], text)
        if self._separable_re is not None:  # "上了个环" → 上环了, "备过案" → 备案过
            text = self._separable_re.sub(self._joined, text)
        return self.typos.fix(_PASSED_AWAY_WHEN.sub(r"\1去世了", _PASSED_AWAY.sub(r"\1去世了", text)))

    def _elsewhere_of(self, text: str) -> str:
        """``text`` with the places outside every region read as 外地, for choosing the item ("单位派我
        去广州干两年" is 常驻异地工作). Only for that: the answer's own lines are found with the words
        as typed, since 外地 (异地 in the guides) is what every line of such an item says."""
        also = ""
        for name, inside, printed in self._elsewhere:
            if name in text and not any(p in text for p in inside):
                if printed:
                    also = f" {ELSEWHERE}"
                else:
                    text = text.replace(name, ELSEWHERE)
        return text + also

    def _doing_of(self, text: str) -> Tuple[str, ...]:
        """The item-name words of what ``text`` asks to be done ("回来能报不" → 报销, 支付)."""
        return tuple(w for asks, names in self._actions if asks.search(text) for w in names)

    def without_places(self, text: str, printed_in: Optional[str] = None) -> str:
        """``text`` with every place name blanked out (a place is no evidence within its region);
        ``printed_in``: except the places that region's guide prints in a rule of its own (贵州's
        "贵阳市、遵义市…通过邮寄纸质材料": asked "转遵义跟转凯里有区别没", the place is the question)."""
        for place in self._places:
            if printed_in and place in text and 0 < self.text_share(printed_in, place) <= PRINTED_PLACE_SHARE:
                continue
            text = text.replace(place, " ")
        return text

    def document(self, region: str, title: str) -> List[Passage]:
        """Every passage of one document (notice, duty list …) of ``region``, in guide order."""
        index = self._indexes.get(region)
        return [p for p in index.passages if p.item is None and p.title == title] if index else []

    def synonyms(self, text: str) -> str:
        """The guide's words for the colloquial words ``text`` contains."""
        return " ".join(v for k, v in self.expansions.items() if k in text)

    def expand(self, text: str) -> str:
        """The text plus the guide's words for the colloquial words it contains."""
        return text + " " + self.synonyms(text)

    def search(
        self, text: str, region: str, k: int = 10, item: Optional[str] = None, expand: float = True, level: Optional[str] = None,
        kind: Optional[str] = None, distinctive: bool = False,
    ) -> List[Hit]:
        """The ``k`` best passages of ``region`` for ``text`` (only ``item``'s when given; only
        passages of one ``kind``, e.g. the duty lists, when given; ``distinctive``: none of the
        text many items print alike).

        ``expand=False`` searches the words as typed, without the guide's synonyms; a number between
        0 and 1 counts each synonym for that share of a word the asker typed.
        """
        index = self._indexes.get(region)
        scored = self._scores(text, region, expand) if index is not None else None
        if scored is None:
            return []
        scores = scored[0]
        if item is not None:
            scores = np.where(index.items == item, scores, 0.0)
        if level is not None:  # 咸安's 区级 / 乡镇 / 村 windows: only the asked level's items
            scores = np.where(index.levels == level, scores, 0.0)
        if kind is not None:
            scores = np.where(index.kinds == kind, scores, 0.0)
        if distinctive:
            scores = np.where(index.boilerplate_mask, 0.0, scores)
        top = np.argsort(-scores)[:k]
        return [Hit(index.passages[i], float(scores[i])) for i in top if scores[i] > 0]

    def _score_passages(self, text: str, region: str, expand: float) -> Optional[Tuple[np.ndarray, Dict[str, float]]]:
        """Weighted BM25 scores of every passage of ``region``, and each item's score as one
        document, scaled to the best item's (None when no word is indexed)."""
        index = self._indexes[region]
        text = self.without_places(text)
        weight = float(expand)
        if weight in (0.0, 1.0):  # the synonyms count as the asker's own words, or not at all
            own, added = [t for t in self.tokenize(self.expand(text) if weight else text) if t in index.vocab], []
        else:
            own = [t for t in self.tokenize(text) if t in index.vocab]
            added = [t for t in self.tokenize(self.synonyms(text)) if t in index.vocab]
        if not own and not added:
            return None
        with self._lock:
            scores = _weighted_scores(index.bm25, own, added, weight) * index.weights
            in_items = [t for t in own if t in index.item_bm25.vocab_dict]
            added_in_items = [t for t in added if t in index.item_bm25.vocab_dict]
            whole = (
                _weighted_scores(index.item_bm25, in_items, added_in_items, weight)
                if index.item_keys and (in_items or added_in_items) else []
            )
        scores.flags.writeable = False  # shared by every caller of the cache
        best = max(whole, default=0.0) or 1.0
        return scores, {k: float(v) / best for k, v in zip(index.item_keys, whole)}

    def rank_items(
        self, text: str, region: str, k: int = 5, depth: int = 40, expand: float = True, level: Optional[str] = None
    ) -> List[Tuple[str, float, Passage]]:
        """Items by the evidence of their passages: best passage plus a share of the next ones."""
        hits = self.search(text, region, k=depth, expand=expand, level=level, distinctive=True)
        scored = self._scores(text, region, expand) if hits else None
        whole = scored[1] if scored else {}
        per_item: Dict[str, List[Hit]] = {}
        for h in hits:
            if h.passage.item and h.passage.kind not in NOT_ITEM_EVIDENCE:
                per_item.setdefault(h.passage.item, []).append(h)
        asked = set(text)
        doing = self.asked_doing(text)
        ranked = []
        for item, hs in per_item.items():
            score = hs[0].score + 0.3 * sum(x.score for x in hs[1:3])
            # an item whose own name the question spells out, even split up ("单位去医保那边登记参保"
            # for 单位参保登记), leads items that merely share its words
            names = {_NAME_NOISE.sub("", n or "") for n in (hs[0].passage.name, hs[0].passage.label)} - {""}
            coverage = max((len(set(n) & asked) / len(set(n)) for n in names), default=0.0)
            does = any(w in (hs[0].passage.name or "") for w in doing)
            # the item's text as a whole: the best item's keeps its score, a weaker one's shrinks
            as_whole = (1.0 + ITEM_TEXT_WEIGHT * whole.get(item, 0.0)) / (1.0 + ITEM_TEXT_WEIGHT)
            ranked.append((item, score * as_whole * (1.0 + coverage) * (ACTION_LEAD if does else 1.0), hs[0].passage))
        ranked.sort(key=lambda r: -r[1])
        return self._by_distinct_words(ranked[:k], self.expand(text) if expand else text)

    def _by_distinct_words(self, ranked: List[Tuple[str, float, Passage]], asked: str) -> List[Tuple[str, float, Passage]]:
        """A more specific sibling leads when the question says what makes it specific:
        "城乡居民的参保登记，名字写错了想改一下" says 变更 (改 in the guide's words), which 城乡居民参保信息变更登记 adds to
        城乡居民参保登记, so the former leads although the latter's shorter name is spelled out more fully."""
        if len(ranked) < 2:
            return ranked
        top_words = self.name_words(ranked[0][2].name or "")
        for i, (item, score, passage) in enumerate(ranked[1:3], start=1):
            words = self.name_words(passage.name or "")
            if score < SIBLING_SHARE * ranked[0][1]:
                break
            # only a more specific sibling (its name holds every word of the best one's) whose
            # extra word the question says: 变更 for 城乡居民参保信息变更登记 over 城乡居民参保登记
            if top_words <= words and any(w in asked for w in words - top_words):
                ranked = [(item, ranked[0][1] * SIBLING_LEAD, passage), *ranked[:i], *ranked[i + 1 :]]
                break
        return ranked

    def _words_of_name(self, name: str) -> frozenset:
        """The words of an item name, the short ones inside long ones too (memoised as ``name_words``)."""
        return frozenset(w for w in self.tokenize.search_words(name) if 2 <= len(w) <= 4)


def _weighted_scores(bm25: "bm25s.BM25", own: List[str], added: List[str], weight: float) -> np.ndarray:
    """BM25 scores of the asker's own words plus ``weight`` × those of the synonyms added to them."""
    if not added:
        return bm25.get_scores(own)
    scores = weight * bm25.get_scores(added)
    return bm25.get_scores(own) + scores if own else scores


def _expansions(colloquial: dict) -> Dict[str, str]:
    """Colloquial word → the guide's words: ``search_synonyms``, ``variant_words`` and the label tables."""
    out: Dict[str, str] = {str(k): str(v) for k, v in (colloquial.get("variant_words") or {}).items()}
    for word, guide_words in (colloquial.get("search_synonyms") or {}).items():
        out[str(word)] = f"{out[str(word)]} {guide_words}" if str(word) in out else str(guide_words)
    for table in ("insurance_types", "personnel_categories", "applicant_types", "levels"):
        for label, words in (colloquial.get(table) or {}).items():
            for word in words or []:
                if str(word) != str(label):
                    out.setdefault(str(word), str(label))
    return out
