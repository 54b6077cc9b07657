"""The actions' one door to the knowledge base.

Start-up work (engine, phrase indexes) happens once per action-server process; per message the
gateway runs a few indexed queries, so an edited KB shows in the next answer without retraining.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import date
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge import editorial, query
from knowledge.matching import NEGATION, PhraseIndex, best_hits, fold, label_words, load_colloquial, not_negated
from knowledge.matching import item_key as key_of_item
from knowledge.nlu_resources import build_indexes, derived_names, item_names
from knowledge.render import book
from knowledge.schema import BuildInfo, Region, make_engine
from knowledge.search import Hit, SearchEngine


@dataclass(frozen=True)
class RegionInfo:
    key: str
    name: str
    caveat: Optional[str]
    consult: str  # the guide's own consult lines, verbatim
    consult_source: str  # "file:a-b" of the consult lines, for source lines built with the answer's own
    guide_titles: Tuple[str, ...]
    consult_cited: str = ""  # the same lines as a reader sees them: 《guide title》第a–b行


class KnowledgeGateway:
    """Read-only access to the KB for the actions (thread-safe lazy start-up)."""

    def __init__(self, engine: Optional[Engine] = None, cache_seconds: float = 3600.0,
                 editorial_engine: Optional[Engine] = None) -> None:
        self._engine = engine
        # Records are read from the DB once and kept: a rebuilt KB (its build stamp) and the editors'
        # publications are polled every EDIT_POLL_SECONDS and empty the cache, so the next answer
        # reads them (no retraining, no restart); ``cache_seconds`` is only a backstop. Re-reading
        # records every 5 s was about half the action server's time per answer (py-spy).
        self._cache_seconds = cache_seconds
        self._cache: Dict[Tuple[str, str], Tuple[float, List[Dict[str, Any]]]] = {}
        self._titles_cache: Dict[str, Tuple[float, Dict[str, List[str]]]] = {}
        self._form_owners_cache: Dict[str, Tuple[float, Tuple[Dict[str, set], Dict[str, set]]]] = {}
        self._lock = threading.Lock()
        #: bumped whenever cached records are forgotten: a refill begun before stores nothing after
        self._generation = 0
        self._preloading = False
        self._indexes: Optional[Dict[str, PhraseIndex]] = None
        self._names: Dict[str, str] = {}
        self._regions: Dict[str, RegionInfo] = {}
        self._all_names: Dict[str, List[str]] = {}
        self._last_rank: Tuple[Optional[str], List[Tuple[str, float]]] = (None, [])
        self._last_hits: Tuple[Optional[str], List[Any]] = (None, [])
        self.variant_words: Dict[str, str] = {}
        self.groups: Dict[str, List[str]] = {}
        self.who_words: frozenset = frozenset()
        self._printed: Dict[str, bool] = {}
        self._folded_who: frozenset = frozenset()
        self._search: Optional[SearchEngine] = None
        self._domain: frozenset = frozenset()
        # editors' published changes, laid over the records the guides give (knowledge.editorial):
        # the publication version is polled at most every ``EDIT_POLL_SECONDS``, so a published
        # change is in the next answer within that time, without a restart or retraining
        self._editorial_engine: Optional[Engine] = editorial_engine
        self._edit_version: Optional[int] = None
        self._edit_checked = 0.0
        self._edit_failing = False
        self._changes: Dict[Tuple[str, str, str], Dict[str, Dict[str, Any]]] = {}
        # the KB build this gateway loaded and the day it chose guides for: a rebuilt KB (an
        # edition published) or a new day (an edition coming into force) reloads it in the background
        self._built: Optional[str] = None
        self._day = date.today()
        self._reloading = False

    # -- start-up -------------------------------------------------------------------------------
    def _ensure(self) -> None:
        if self._indexes is not None:
            return
        with self._lock:
            if self._indexes is not None:
                return
            self._engine = self._engine or make_engine()
            with Session(self._engine, future=True) as session:
                colloquial = load_colloquial()
                indexes = build_indexes(session, colloquial)
                self.variant_words = {str(k): str(v) for k, v in (colloquial.get("variant_words") or {}).items()}
                for word, guide_words in (colloquial.get("variant_choice_words") or {}).items():  # choice only, not search
                    self.variant_words[str(word)] = f"{self.variant_words.get(str(word), '')} {guide_words}".strip()
                self.groups = {str(k): [str(x) for x in v] for k, v in (colloquial.get("groups") or {}).items()}
                # how people say who they are (职工医保, 灵活就业, 单位 …): the label tables' words
                self.who_words = label_words(colloquial, ("insurance_types", "personnel_categories", "applicant_types", "levels"))
                self._folded_who = frozenset(fold(w) for w in self.who_words)
                # items for one group only: the words of their names that say it, and what people say for it
                people = colloquial.get("personnel_categories") or {}
                self._target_groups = []
                for label, words in (colloquial.get("target_groups") or {}).items():
                    name_words = words.get("name", []) if isinstance(words, dict) else words
                    also = words.get("said", []) if isinstance(words, dict) else []
                    said = [label, *(people.get(label) or []), *name_words, *also]
                    self._target_groups.append((tuple(map(str, name_words)), tuple(map(str, said))))
                self._all_names = item_names(session)
                self._domain = _domain_lexicon(n for names in self._all_names.values() for n in names)
                self._names = {k: v[0] for k, v in self._all_names.items()}
                for region in session.scalars(select(Region).order_by(Region.id)):
                    self._regions[region.key] = RegionInfo(
                        key=region.key,
                        name=region.name,
                        caveat=region.caveat,
                        consult=query.consult_text(region),
                        consult_source="；".join(
                            f"{c.source_file}:{c.start_line}-{c.end_line}" for c in region.consult
                        ),
                        guide_titles=tuple(rg.guide.title for rg in query.guides_in_force(region)),
                        consult_cited=_cited(region),
                    )
            for index in indexes.values():
                index.hits("预热")  # build the phrase matchers now, not on the first message
            self._search = SearchEngine.from_database(self._engine)
            self._built = _build_stamp(self._engine)
            self._day = date.today()
            self._indexes = indexes

    def warm_up(self) -> None:
        self._ensure()

    # -- lookups --------------------------------------------------------------------------------
    @property
    def indexes(self) -> Dict[str, PhraseIndex]:
        self._ensure()
        assert self._indexes is not None
        return self._indexes

    def regions(self) -> List[RegionInfo]:
        self._ensure()
        return list(self._regions.values())

    def region(self, key: Optional[str]) -> Optional[RegionInfo]:
        self._ensure()
        return self._regions.get(key or "")

    @property
    def search(self) -> SearchEngine:
        """The answer engine's retrieval over every passage of the KB (built at start-up)."""
        self._ensure()
        assert self._search is not None
        return self._search

    def evidence_items(
        self, text: str, region_key: str, expand: float = True, k: int = 5, level: Optional[str] = None
    ) -> List[Tuple[str, float, Any]]:
        """The region's ``k`` best items by the evidence of their passages for ``text`` (``expand``:
        with the guide's synonyms for everyday words, or with each counting that share of a typed
        word; ``level``: 咸安's window level only).

        An item said to be done already is left out of the words searched ("常驻的备案已经办了，摔伤
        了门诊费能报吗" asks about 门诊费用报销, not about the 备案 again). Places outside every region
        are read as 外地 (:meth:`SearchEngine.elsewhere`), here and wherever an item is chosen; an
        employer insuring the asker ("单位给我缴的") as 职工, the asker's own standing; the insurance the
        asker says they have ("我是衡阳的居民医保") chooses a variant, not the item: it is read as 医保;
        a person described by where they work ("在公司做事的亲戚") as a 职工, not as the employer's
        registration."""
        text = _EMPLOYER_FOR_ME.sub(r"职工\g<2>", self.search.elsewhere(text))
        text = _WORKS_AT.sub("职工的", _INSURED_AS.sub(r"\g<1>医保", text))
        return self.search.rank_items(self.without_negated(self.without_done(text), region_key), region_key, k=k, expand=expand, level=level)

    def who_said(self, text: str) -> Dict[str, str]:
        """Who the text says the asker is (personnel category, scheme, applicant), as the entity
        extractor reads it (for a text the actions read differently from the words as typed)."""
        found = best_hits({k: self.indexes[k] for k in WHO_KINDS if k in self.indexes}, text)
        return {k: h.value for k, h in found.items()}

    def without_negated(self, text: str, region_key: str) -> str:
        """The text without a word of an item's name that it says did not happen ("急诊抢救了一晚，没住院"
        is no evidence for 住院费用报销)."""
        names = "".join(self.search.item_names(region_key).values())

        def drop(m: "re.Match[str]") -> str:
            return m.group(1) + "  " if m.group(2) in names else m.group(0)

        return _NEGATED_NAME_WORD.sub(drop, text)

    def _item_hits(self, text: str) -> List[Any]:
        """The item phrase index's hits in ``text`` (memoised: routing asks several times per message)."""
        if self._last_hits[0] != text:
            # (not an item said not to have happened: "没住院" names no 住院费用报销; not a phrase that
            # cuts a word of the item names in two: "在外地住" of "在外地住院" — a character belongs to one word)
            pairs = self.search.name_pairs
            hits = [
                h for h in not_negated(self.indexes["service_item"].hits(text), text)
                if not (h.end > h.start and (text[h.end - 1 : h.end + 1] in pairs or text[max(0, h.start - 1) : h.start + 1] in pairs))
            ]
            self._last_hits = (text, hits)
        return self._last_hits[1]

    @staticmethod
    def _done(text: str, hit: Any) -> bool:
        """Whether a phrase hit is an item said to be done already ("办过常驻的备案")."""
        return hit.end > hit.start and bool(_DONE_BEFORE.search(text[max(0, hit.start - 4) : hit.start]))

    def done_items(self, text: str) -> set:
        """Items the text names only as done already (the background of the question)."""
        text = self.search.elsewhere(text)
        hits = self._item_hits(text)
        return {h.value for h in hits if self._done(text, h)} - {h.value for h in hits if not self._done(text, h)}

    def named_outright(self, text: str) -> set:
        """Items a phrase of the text names, or a bag of words within one clause ("派我去深圳长驻");
        not a bag whose words lie in different clauses ("公司医保注销了…，怎么查办好没")."""
        text = self.search.elsewhere(text)
        clauses = [fold(c) for c in _CLAUSE.split(text)]
        return {
            h.value for h in self._item_hits(text)
            if not self._who_bag(h) and (h.end > h.start or any(all(w in c for w in h.phrase.split("+")) for c in clauses))
        }

    def without_done(self, text: str) -> str:
        """The text without the names of items it says are done already."""
        spans = {(h.start, h.end) for h in self._item_hits(text) if self._done(text, h)}
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + " " + text[end:]
        return text

    def evidence(
        self, text: str, region_key: str, item_key: Optional[str] = None, k: int = 10, kind: Optional[str] = None
    ) -> List[Hit]:
        """The region's passages (of one item, of one kind when given) that best match ``text``."""
        return self.search.search(text, region_key, k=k, item=item_key, kind=kind)

    def document(self, region_key: str, title: str) -> List[Any]:
        """The passages of one of the region's documents (a duty list, a notice), in guide order."""
        return self.search.document(region_key, title)

    def form_titles(self, region_key: str) -> List[str]:
        """The titles of the region's forms (the guide's attached 表格 and 承诺书)."""
        return self.search.form_titles(region_key)

    def in_domain(self, text: str) -> bool:
        """Whether the words are about 医保 at all (an item name's word, or a core 医保 word).

        The KB's own text may pick an item only for such a message: "明天会不会下雨" shares
        characters with some passage of every guide, but no word of any item.
        """
        self._ensure()
        return any(text[i : i + 2] in self._domain for i in range(len(text) - 1))

    def printed(self, word: str) -> bool:
        """Whether any guide prints ``word`` (护照 as a foreigner's material, 失业保险 as who issues a 失业证)."""
        if word not in self._printed:
            self._printed[word] = any(self.search.text_share(r, word) > 0 for r in self.search.regions)
        return self._printed[word]

    def for_group_unsaid(self, key: str, text: str) -> bool:
        """Whether the item is for one group of people (医疗救助对象, 退役士兵) that ``text`` never names."""
        self._ensure()
        name = self.item_name(key)
        return any(
            any(w in name for w in name_words) and not any(w in text for w in said)
            for name_words, said in self._target_groups
        )

    def item_name(self, key: str) -> str:
        self._ensure()
        return self._names.get(key, key)

    def knows_item(self, key: Optional[str]) -> bool:
        """Whether ``key`` is an item key of the KB (values from outside are checked before use)."""
        self._ensure()
        return bool(key) and key in self._names

    def group(self, text: str) -> Optional[str]:
        """The longest family word in the text (异地就医备案 → the five 备案 items), if any."""
        self._ensure()
        folded = fold(self.search.elsewhere(text))
        found = [g for g in self.groups if fold(g) in folded]
        return max(found, key=len) if found else None

    def rank_items(self, text: str) -> List[Tuple[str, float]]:
        """Item keys by evidence in the text (memoised: one action may ask several times).

        An item said to be done already ("已经办了常驻异地的备案，门诊花的钱能报吗") is the background of
        the question, not its subject: such a mention counts for little.
        """
        text = self.search.elsewhere(text)
        if self._last_rank[0] != text:
            hits = [
                replace(h, score=h.score * DONE_WEIGHT) if self._done(text, h)
                else replace(h, score=h.score * WHO_BAG_WEIGHT) if self._who_bag(h)
                else h
                for h in self._item_hits(text)
            ]
            self._last_rank = (text, PhraseIndex.rank_hits(hits))
        return self._last_rank[1]

    def _who_bag(self, hit: Any) -> bool:
        """A bag of words made of who is asking and one more word ("灵活就业+交", "居民医保+交"), or
        a phrase made of who is asking and one character ("交居民医保"): it describes the asker
        more than it names an item."""
        if hit.end == hit.start:
            words = hit.phrase.split("+")  # a bag's words are folded already
            return len(words) == 2 and any(w in self._folded_who for w in words)
        phrase = fold(hit.phrase)
        return any(w in phrase and len(phrase) - len(w) == 1 for w in self._folded_who)

    def _cached(self, cache: Dict[Any, Tuple[float, Any]], key: Any, read: Callable[[], Any]) -> Any:
        """``read()``, kept under ``key`` until the KB or the editors' changes move (or ``cache_seconds``)."""
        now = time.monotonic()
        hit = cache.get(key)
        if hit and now - hit[0] < self._cache_seconds:  # (a preloaded entry's time is math.inf: always)
            return hit[1]
        value = read()
        cache[key] = (now, value)
        return value

    def _check_edits(self) -> None:
        """Notice a new publication of editors' changes: reload them and forget cached records."""
        now = time.monotonic()
        if now - self._edit_checked < EDIT_POLL_SECONDS:
            return
        self._edit_checked = now
        try:
            self._editorial_engine = self._editorial_engine or editorial.make_engine()
            current = editorial.version(self._editorial_engine)
            if current != self._edit_version:
                self._changes = editorial.live_changes(self._editorial_engine)
                self._edit_version = current
                self._forget_records()
            self._edit_failing = False
        except Exception:  # noqa: BLE001 — an unreachable editorial database leaves the guides' text
            if not self._edit_failing:  # once per outage, not every poll
                log.warning("editorial changes unavailable; answering from the guides alone", exc_info=True)
            self._edit_failing = True
        if self._indexes is None:
            return
        try:
            stamp = _build_stamp(self._engine)
        except Exception:  # noqa: BLE001 — mid-rebuild on a server database: ask again at the next poll
            stamp = self._built
        if stamp != self._built:  # `make kb` or a published edition rebuilt the KB
            self._forget_records(refill=False)  # (refilled once the new KB is loaded)
            self._titles_cache.clear()
            self._form_owners_cache.clear()
            self._reload_in_background()
        elif date.today() != self._day:
            self._day = date.today()
            self._reload_in_background()  # an edition may come into force today

    def _reload_in_background(self) -> None:
        """Load the KB anew (items, phrase indexes, passages) beside the one answering, then swap:
        answers go on from the old one meanwhile, and no restart or training is needed."""
        if self._reloading:
            return
        self._reloading = True

        def reload() -> None:
            try:
                fresh = KnowledgeGateway(self._engine, self._cache_seconds, self._editorial_engine)
                fresh.warm_up()
                with self._lock:
                    for name in _LOADED_STATE:
                        setattr(self, name, getattr(fresh, name))
                    self._titles_cache.clear()
                    self._form_owners_cache.clear()
                self._forget_records()
                log.info("knowledge base reloaded (build %s)", self._built)
            except Exception:  # noqa: BLE001 — the loaded KB keeps answering
                log.exception("knowledge base reload failed; answering from the loaded one")
            finally:
                self._reloading = False

        threading.Thread(target=reload, name="kb-reload", daemon=True).start()

    def wait_for_reload(self, seconds: float = 30.0) -> None:
        """Block until a background reload has finished (tests, the CLI)."""
        deadline = time.monotonic() + seconds
        while self._reloading and time.monotonic() < deadline:
            time.sleep(0.05)

    def follow_editorial(self, engine: Engine) -> None:
        """Read editors' changes from ``engine`` from now on (another store: a test's, a replica's)."""
        self._editorial_engine, self._edit_version, self._edit_checked = engine, None, 0.0
        self._changes = {}
        self._forget_records()

    def changes_published(self) -> None:
        """This process just published changes: read them on the next record read, not after the poll."""
        self._edit_checked = 0.0

    def with_changes(self, record: Dict[str, Any]) -> Dict[str, Any]:
        """``record`` with the editors' published changes to it laid over (the record itself if none)."""
        changes = self._changes.get((record["region_key"], key_of_item(record.get("code"), record["name"]), record.get("variant") or ""))
        return editorial.apply_changes(record, changes) if changes else record

    def preload_records(self) -> None:
        """Read every item's records (and the next guide's) now, and again in the background
        whenever they are forgotten (a publication, a rebuilt KB): the action server's start-up work,
        kept out of the messages' path, where a first read cost 18 ms an item. Preloaded records
        stay until forgotten, not ``cache_seconds``."""
        self._check_edits()  # the editors' changes read first: reading them later would forget the fill
        self._preloading = True
        self._fill(self._generation)

    def _forget_records(self, refill: bool = True) -> None:
        with self._lock:
            self._generation += 1
            self._cache.clear()
        if refill and self._preloading:
            generation = self._generation
            threading.Thread(target=self._fill, args=(generation,), name="kb-records", daemon=True).start()

    def _fill(self, generation: int) -> None:
        try:
            for region in self.regions():
                for key in self.item_keys(region.key):
                    for cache_key, read in (((region.key, key), self._read_records),
                                            (("next", region.key, key), self._read_next_guide)):
                        value = read(region.key, key)
                        with self._lock:
                            if generation != self._generation:  # forgotten meanwhile: a newer fill runs
                                return
                            # (an entry read ahead of time, valid until forgotten: no age limit)
                            self._cache[cache_key] = (math.inf, value)
        except Exception:  # noqa: BLE001 — records are then read when first asked for, as without
            log.exception("reading the records ahead of time failed")

    def records(self, region_key: str, item_key: str) -> List[Dict[str, Any]]:
        """Export-shaped records of the item's variants in the region (guides by precedence), with
        the editors' published changes."""
        self._check_edits()
        return self._cached(self._cache, (region_key, item_key), lambda: self._read_records(region_key, item_key))

    def _read_records(self, region_key: str, item_key: str) -> List[Dict[str, Any]]:
        self._ensure()
        engine = self._engine
        with Session(engine, future=True) as session:
            region = query.region_by_key(session, region_key)
            if region is None:
                return []
            return [
                self.with_changes(query.variant_record(v, query.region_of_guide(session, v.item.guide)))
                for v in query.variants_of_item(session, region, item_key)
            ]

    def next_guide_records(self, region_key: str, item_key: str) -> List[Dict[str, Any]]:
        """The item's records in the region's next guide after the one that answers (郴州's own guide
        first, then the Hunan provincial one): where the first is silent on a field, the manifest's
        precedence lets the next say it ("a fact missing there may come from the next guide")."""
        self._check_edits()
        return self._cached(self._cache, ("next", region_key, item_key), lambda: self._read_next_guide(region_key, item_key))

    def _read_next_guide(self, region_key: str, item_key: str) -> List[Dict[str, Any]]:
        self._ensure()
        with Session(self._engine, future=True) as session:
            region = query.region_by_key(session, region_key)
            having = [vs for vs in (query.variants_of_guide_item(session, rg.guide_id, item_key) for rg in query.guides_in_force(region)) if vs] if region else []
            # (the first guide that has the item answers; the one after it fills in)
            return [self.with_changes(query.variant_record(v, query.region_of_guide(session, v.item.guide))) for v in having[1]] if len(having) > 1 else []

    def related_records(self, region_key: str, item_key: str) -> List[Dict[str, Any]]:
        """Records of the region's item that INCLUDES the asked one, when the region merged it.

        湖南 2025 folds 产前检查费/计划生育医疗费 into “生育医疗待遇支付（含产前检查费、…）” and
        一次性生育补助金 into “生育津贴支付（含一次性生育补助金）”: found by the asked item's core
        name inside another item's printed title.
        """
        self._ensure()
        cores = set()
        for name in self._all_names.get(item_key, [item_key]):
            for form in [name, *derived_names(name)]:
                core = re.sub(r"(?:费支付|支付|费)$", "", form)
                if len(core) >= 4:
                    cores.add(fold(core))
        for key, texts in self._region_titles(region_key).items():
            if key != item_key and any(c in fold(t) for t in texts for c in cores):
                return self.records(region_key, key)
        return []

    def _region_titles(self, region_key: str) -> Dict[str, List[str]]:
        """Item key → item name, variant titles and 事项名称 texts, for the region's guides.

        Cached like records: a family question asks has_item for every member of the family.
        """
        return self._cached(self._titles_cache, region_key, lambda: self._read_region_titles(region_key))

    def _read_region_titles(self, region_key: str) -> Dict[str, List[str]]:
        from knowledge.schema import ItemField, ServiceItem, Variant

        self._ensure()
        engine = self._engine
        result: Dict[str, List[str]] = {}
        with Session(engine, future=True) as session:
            region = query.region_by_key(session, region_key)
            for rg in query.guides_in_force(region) if region else []:
                rows = session.execute(
                    select(ServiceItem.code, ServiceItem.name, Variant.title)
                    .join(Variant, Variant.item_id == ServiceItem.id)
                    .where(ServiceItem.guide_id == rg.guide_id)
                )
                for code, name, title in rows:
                    result.setdefault(code or name, [name]).append(title)
                # 事项名称 fields say what an item includes: "本事项可办理生育津贴支付和一次性生育补助金支付业务"
                named = session.execute(
                    select(ServiceItem.code, ServiceItem.name, ItemField.text)
                    .join(Variant, Variant.item_id == ServiceItem.id)
                    .join(ItemField, ItemField.variant_id == Variant.id)
                    .where(ServiceItem.guide_id == rg.guide_id, ItemField.key.in_(("name", "content")))
                )
                for code, name, text in named:
                    result.setdefault(code or name, [name]).append(text)
        return result

    def form_items(self, region_key: str) -> Dict[str, set]:
        """Form title → the keys of the region's items that refer to that form (生育津贴支付 to its
        申领表): a form of other items only is no rule of this one."""
        return self._form_owners(region_key)[0]

    def form_copy_items(self, region_key: str) -> Dict[str, set]:
        """A form copy's source ("file:a-b") → the keys of the items it is printed for: 湖南 prints a
        信用承诺书 after each of four items, each with its own promises."""
        return self._form_owners(region_key)[1]

    def _form_owners(self, region_key: str) -> Tuple[Dict[str, set], Dict[str, set]]:
        """The region's forms' owners by title and by copy, read in one query and cached."""
        return self._cached(self._form_owners_cache, region_key, lambda: self._read_form_owners(region_key))

    def _read_form_owners(self, region_key: str) -> Tuple[Dict[str, set], Dict[str, set]]:
        from knowledge.schema import Form, ServiceItem, Variant, VariantForm

        self._ensure()
        by_title: Dict[str, set] = {}
        by_copy: Dict[str, set] = {}
        with Session(self._engine, future=True) as session:
            region = query.region_by_key(session, region_key)
            for rg in query.guides_in_force(region) if region else []:
                rows = session.execute(
                    select(Form.title, Form.source_file, Form.start_line, Form.end_line, ServiceItem.code, ServiceItem.name)
                    .join(VariantForm, VariantForm.form_id == Form.id)
                    .join(Variant, Variant.id == VariantForm.variant_id)
                    .join(ServiceItem, ServiceItem.id == Variant.item_id)
                    .where(ServiceItem.guide_id == rg.guide_id)
                )
                for title, file, start, end, code, name in rows:
                    by_title.setdefault(title, set()).add(code or name)
                    by_copy.setdefault(f"{file}:{start}-{end}", set()).add(code or name)
        return by_title, by_copy

    def referral_items(self) -> List[str]:
        """The items that move a patient to another hospital (转诊), by their names."""
        self._ensure()
        return [k for k, name in self._names.items() if "转诊" in name]

    def item_named(self, region_key: str, name: str, whole: bool = True) -> Optional[str]:
        """The region's item whose printed name is ``name`` (or, ``whole=False``, contains it):
        "单位参保登记" (an employer registering itself), "长期居住" (the filing for people living
        elsewhere without moving their 户籍)."""
        self._ensure()
        return next(
            (k for k, n in self._names.items() if (n == name if whole else name in n) and self.has_item(region_key, k)), None
        )

    def has_item(self, region_key: str, item_key: str) -> bool:
        return item_key in self._region_titles(region_key)

    def item_keys(self, region_key: str) -> List[str]:
        """Every item key of the region (the staff console's lists)."""
        return list(self._region_titles(region_key))


#: The entity types that say who is asking (routing keeps them as slots: HINT_SLOTS).
WHO_KINDS = ("personnel_category", "insurance_type", "applicant_type")
#: "单位给我缴的医保", "公司帮我上的医保": the employer insures the asker, an employee (职工) — the
#: question is about the employee's record, not the employer's (单位…登记 items).
_EMPLOYER_FOR_ME = re.compile(r"(单位|公司|厂里|厂子|老板)((?:当年|以前|之前|那时|原来|当时|已经|一直)?(?:要|会|能|可以|来)?(?:给|帮|替)(?:我|他|她|我们|我爸|我妈|我老婆|我老公))")

#: "我是衡阳的居民医保": the insurance the asker has, who they are — not the
#: business asked about (the 居民医保 variant of 慢特病认定 is no answer to a 备案 question).
_INSURED_AS = re.compile(
    r"((?:我|他|她|我们|俺|老人|我爸|我妈|我家|家里)[^，,。？?！!；;]{0,6}?(?:是|参加的是?|交的是?|买的是?|参的是?|上的是?)"
    r"(?:[^，,。？?！!；;]{0,6}?的)?)(?:城乡居民医保|城乡居民基本医疗保险|居民医保|(?:城镇)?职工医保|职工基本医疗保险)"
)

#: "在公司做事的亲戚": who someone is (a 职工), said of a person, not a business.
_WORKS_AT = re.compile(r"在(?:厂里|厂子|工厂|公司|单位|企业)(?:里)?(?:上班|工作|打工|做事|干活|上工)的(?=[\u4e00-\u9fff])")

#: What separates a message's clauses.
_CLAUSE = re.compile(r"[，,。.！!？?；;\s]+")
#: A two-character word said not to have happened ("没住院", "未参保").
_NEGATED_NAME_WORD = re.compile(f"({NEGATION})([\u4e00-\u9fff]{{2}})")
#: Words before an item that say it is done already (办过, 已经办了, 备过案).
_DONE_BEFORE = re.compile(r"(?:办过|办了|已经办|已办|做过|备过|办好了)$")
#: How much such a mention counts.
DONE_WEIGHT = 0.3
#: How much a bag of "who is asking" plus one word counts as naming an item.
WHO_BAG_WEIGHT = 0.5

_default: Optional[KnowledgeGateway] = None
#: What a reload replaces: everything start-up loads from the KB.
_LOADED_STATE = ("_indexes", "_names", "_regions", "_all_names", "variant_words", "groups", "who_words", "_folded_who",
                 "_target_groups", "_domain", "_search", "_built", "_day", "_printed", "_last_rank", "_last_hits")


def _build_stamp(engine: Engine) -> Optional[str]:
    """The KB build's time and fingerprint (it changes when ``make kb`` or a published edition rebuilds it)."""
    with Session(engine, future=True) as session:
        info = session.scalars(select(BuildInfo)).first()
        return f"{info.built_at} {info.fingerprint}" if info else None
log = logging.getLogger(__name__)
#: How often the gateway asks whether editors published changes (a published change is live within it).
EDIT_POLL_SECONDS = 0.5


def gateway() -> KnowledgeGateway:
    """The process-wide gateway (KB_DATABASE_URL or the default SQLite file)."""
    global _default
    if _default is None:
        _default = KnowledgeGateway()
    return _default


#: Two-character words of item names that say nothing about 医保 (they occur in any office's work).
_GENERIC = frozenset(
    "人员 登记 查询 管理 信息 申请 支付 单位 变更 享受 认定 宣传 培训 基本 关系 减少 增加 办理 服务 相关 其他 "
    "符合 条件 对象 个人 一次 次性 业务 政策 手续 出具 协助 指导 推进 互联 联网 政务 乡镇 窗口 机构 申办 加载 金融 "
    "功能 辖区 社区 资助 补贴 恢复 暂停 终止 新增 拆分 合并 分立 注销 转入 转出 内村 卫生 生室 经办 中心 转移 接续 "
    "人民 政府 手工 零星 临时 外出 常驻 工作 长期 居住 安置 急诊 药品 双通 通道".split()
)
#: Words that are about 医保 wherever they stand.
_CORE = frozenset(
    "医保 社保 参保 报销 备案 就医 生育 门诊 住院 缴费 断缴 补缴 停保 慢病 特病 药店 救助 津贴 账户 转诊 异地 结算 "
    "待遇 医疗 农合 产检 医药 定点 续保 交保 保费 怀孕 产假 流产 出生 生娃 病历 药费 看病".split()
)


def _cited(region: Region) -> str:
    """The region's consult lines as 《guide title》第a–b行 (a file name means nothing to a resident)."""
    titles = {rg.guide.file: rg.guide.title for rg in region.guides}
    by_title: Dict[str, List[str]] = {}
    for c in region.consult:
        lines = f"第{c.start_line}行" if c.start_line == c.end_line else f"第{c.start_line}–{c.end_line}行"
        title = titles.get(c.source_file, c.source_file)
        if lines not in by_title.setdefault(title, []):
            by_title[title].append(lines)
    return "；".join(f"{book(t)}{'、'.join(ls)}" for t, ls in by_title.items())


def _domain_lexicon(names) -> frozenset:
    """The two-character words of item and variant names, less generic ones, plus core 医保 words."""
    words = set(_CORE)
    for name in names:
        words |= {name[i : i + 2] for i in range(len(name) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", name[i : i + 2])}
    return frozenset(words - _GENERIC)
