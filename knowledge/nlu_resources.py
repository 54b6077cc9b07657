"""Generate the assistant's language resources from the KB into ``data/nlu/generated/``.

- ``entities.json``: phrase indexes (service item, region, insurance type, personnel category,
  applicant type, 咸安 level) read by the NLU entity component and the actions;
- ``jieba/userdict.txt``: the jieba user dictionary (item, variant, material and region names,
  colloquial phrases) so that 异地安置 or 个人账户 stay one token;
- ``lookups.yml``: Rasa lookup tables (regions, service items) for the RegexFeaturizer;
- ``kb_examples.yml``: training examples made from the KB's item names and aspect templates.

Files are rewritten only when their content changes, so Rasa's training cache stays valid when
the KB did not change the language.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.matching import OFFICIAL, PHRASE, PhraseIndex, item_key, label_index, load_colloquial
from knowledge.schema import Material, Region, RegionAlias, ServiceItem, Variant

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "nlu" / "generated"

#: Question templates per aspect intent for KB-generated examples ({x} = an item name).
TEMPLATES: Dict[str, List[str]] = {
    "ask_materials": ["办理{x}需要提交哪些材料", "{x}要准备什么资料", "{x}的申办材料清单"],
    "ask_process": ["{x}的办理流程是怎样的", "{x}按什么步骤办理", "{x}具体怎么操作"],
    "ask_time_limit": ["{x}的办理时限是多久", "{x}几个工作日能办结", "{x}要等多少天"],
    "ask_channel": ["{x}在什么地方办理", "{x}可以线上办理吗", "{x}去哪个窗口办"],
    "ask_eligibility": ["{x}的服务对象是哪些人", "哪些人可以申请{x}", "{x}谁有资格办"],
    "ask_contact": ["{x}的咨询电话是多少", "{x}有问题打哪个电话", "{x}的监督电话"],
    "ask_legal_basis": ["{x}的设定依据是什么", "{x}依据哪些政策文件", "{x}的法律依据"],
    "ask_forms": ["{x}要填写什么表格", "{x}的申请表在哪里", "{x}的表格样式"],
}

_BOOK_TITLE = re.compile(r"《([^》]{2,30})》")
_NAME_NOISE = re.compile(r"^[\d.、\s]+|[（(]初审[）)]|[。]$")


def _clean_name(name: str) -> str:
    return _NAME_NOISE.sub("", name).strip()


def item_names(session: Session) -> Dict[str, List[str]]:
    """Item value → official names: item names first (shortest first), then variant names."""
    items: Dict[str, Set[str]] = {}
    variants: Dict[str, Set[str]] = {}
    for item, variant_name in session.execute(
        select(ServiceItem, Variant.name).join(Variant, Variant.item_id == ServiceItem.id)
    ):
        key = item_key(item.code, item.name)
        items.setdefault(key, set()).add(_clean_name(item.name))
        if variant_name:
            variants.setdefault(key, set()).add(_clean_name(variant_name))
    order = lambda s: (len(s), s)  # noqa: E731
    return {
        k: sorted(v, key=order) + sorted(variants.get(k, set()) - v, key=order) for k, v in items.items()
    }


#: Words that end many official names and that people leave out: 单位参保信息变更(登记).
_GENERIC_TAIL = re.compile(r"(?:手续办理|办理|登记|支付|申请|申报|手续|认定|管理)$")
_BRACKETED = re.compile(r"[（(]([^）)]*)[）)]")


def derived_names(name: str) -> List[str]:
    """Shorter forms of an official name people actually type.

    "单位参保信息变更登记" → "单位参保信息变更"; "职工减少登记（暂停参保）" → "职工减少", "暂停参保";
    "基本医疗保险参保人员享受门诊慢特病病种待遇认定" → "门诊慢特病病种待遇".
    """
    forms: List[str] = []
    inner = [m for m in _BRACKETED.findall(name) if len(m) >= 4 and not m.startswith("含")]
    bare = _BRACKETED.sub("", name)
    for candidate in [bare, *inner]:
        core = _GENERIC_TAIL.sub("", candidate)
        core = re.sub(r"^(?:基本医疗保险参保人员享受|基本医疗保险|参保人员享受|医疗保险)", "", core)
        for form in (candidate, core):
            if len(form) >= 4 and form != name and form not in forms:
                forms.append(form)
    return forms


def build_indexes(session: Session, colloquial: Optional[dict] = None) -> Dict[str, PhraseIndex]:
    colloquial = load_colloquial() if colloquial is None else colloquial
    names = item_names(session)
    items = PhraseIndex()
    for key, official in names.items():
        for name in official:
            items.add(name, key, OFFICIAL)
            for short in derived_names(name):
                items.add(short, key, OFFICIAL * 0.9)
    for code, spec in (colloquial.get("items") or {}).items():
        _add_spec(items, str(code), spec or {})
    for name, spec in (colloquial.get("named_items") or {}).items():
        if name in names:
            _add_spec(items, name, spec or {})
    regions = PhraseIndex()
    for region in session.scalars(select(Region)):
        regions.add(region.name, region.key, OFFICIAL)
        regions.add(re.split(r"[(（]", region.name)[0], region.key, OFFICIAL)
    for alias in session.scalars(select(RegionAlias)):
        regions.add(alias.alias, alias.region.key, OFFICIAL)
    indexes = {"service_item": items, "region": regions}
    for entity, table in (
        ("insurance_type", "insurance_types"),
        ("personnel_category", "personnel_categories"),
        ("applicant_type", "applicant_types"),
        ("level", "levels"),
    ):
        indexes[entity] = label_index(colloquial.get(table) or {})
    return indexes


def _add_spec(index: PhraseIndex, key: str, spec: dict) -> None:
    for phrase in spec.get("phrases") or []:
        index.add(str(phrase), key, PHRASE)
    for words in spec.get("all_of") or []:
        index.add_bag([str(w) for w in words], key)


def _material_terms(session: Session) -> Set[str]:
    """《…》 titles and short material names: dictionary words, so a material stays one token."""
    terms: Set[str] = set()
    for text in session.scalars(select(Material.text)):
        terms.update(t for t in _BOOK_TITLE.findall(text) if len(t) <= 20)
    return terms


def _examples(names: Dict[str, List[str]]) -> Dict[str, List[str]]:
    """One templated example per item and aspect, the template chosen by a stable hash."""
    result: Dict[str, List[str]] = {intent: [] for intent in TEMPLATES}
    for key, official in sorted(names.items()):
        name = official[0]
        for intent, templates in TEMPLATES.items():
            h = int(hashlib.sha1(f"{key}|{intent}".encode()).hexdigest(), 16)
            result[intent].append(templates[h % len(templates)].format(x=name))
    return result


def render_files(session: Session) -> Dict[str, str]:
    """Relative path → content of every generated file."""
    indexes = build_indexes(session)
    names = item_names(session)
    entities = {
        "entities": {k: v.to_dict() for k, v in indexes.items()},
        "item_names": {k: v[0] for k, v in names.items()},
        # what a button may carry as a variant (actions/selection.label): channels accept no other
        "button_labels": sorted(
            {n for (n,) in session.execute(select(Variant.name)) if n}
            | {n for (n,) in session.execute(select(ServiceItem.name)) if n}
        ),
    }
    files: Dict[str, str] = {"entities.json": json.dumps(entities, ensure_ascii=False, indent=1, sort_keys=True)}

    words: Set[str] = set()
    for index in indexes.values():
        words.update(p for p in index.phrases if len(p) >= 2 and not p.isascii())
        for bag, _ in index.all_of:
            words.update(a for w in bag for a in w.split("|") if len(a) >= 2)
    words.update(_material_terms(session))
    # Frequency high enough to keep the phrase whole against jieba's built-in dictionary.
    files["jieba/userdict.txt"] = "".join(f"{w} 2000\n" for w in sorted(words))

    lookups = [
        {"lookup": "region", "examples": _block(sorted(indexes["region"].phrases))},
        {"lookup": "service_item", "examples": _block(sorted(p for p in indexes["service_item"].phrases if len(p) >= 3))},
    ]
    files["lookups.yml"] = _yaml({"version": "3.1", "nlu": lookups})
    examples = _examples(names)
    files["kb_examples.yml"] = _yaml(
        {"version": "3.1", "nlu": [{"intent": i, "examples": _block(sorted(set(ex)))} for i, ex in examples.items()]}
    )
    return files


def _block(lines: Iterable[str]) -> str:
    return "".join(f"- {line}\n" for line in lines)


class _Literal(str):
    """A string dumped as a YAML literal block (Rasa's ``examples: |``)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|"))


def _yaml(data: dict) -> str:
    def convert(node):
        if isinstance(node, dict):
            return {k: (_Literal(v) if k == "examples" else convert(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [convert(n) for n in node]
        return node

    header = "# Generated from the knowledge base by `python -m knowledge nlu`; do not edit.\n"
    return header + yaml.dump(convert(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def write(session: Session, out_dir: Path = DEFAULT_DIR) -> List[Tuple[str, bool]]:
    """Write the generated files; returns (path, changed) per file."""
    result = []
    for rel, content in render_files(session).items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        changed = not path.exists() or path.read_text(encoding="utf-8") != content
        if changed:
            path.write_text(content, encoding="utf-8")
        result.append((str(path), changed))
    return result


def load_indexes(path: Path = DEFAULT_DIR / "entities.json") -> Tuple[Dict[str, PhraseIndex], Dict[str, str]]:
    """The phrase indexes and item display names from a generated ``entities.json``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return (
        {k: PhraseIndex.from_dict(v) for k, v in data["entities"].items()},
        data.get("item_names") or {},
    )
