"""The development set is a fair test: big and broad enough, disjoint from training data, and every
fact it expects is really in the knowledge base for that region and item."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from knowledge import query
from knowledge.schema import Guide

ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load((ROOT / "tests/dev/dev_set.yml").read_text(encoding="utf-8"))["cases"]


def squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text or "")


def training_examples():
    for path in sorted((ROOT / "data/nlu").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield line[2:].strip()


def test_size_and_breadth():
    assert len(CASES) >= 300
    assert len({c["id"] for c in CASES}) == len(CASES)
    regions = Counter(c["expect"]["region"] for c in CASES if c["expect"]["region"])
    assert set(regions) == {"chenzhou", "hunan", "yunnan", "xianan", "guizhou"}
    assert min(regions.values()) >= 45
    assert sum(len(c["turns"]) > 1 for c in CASES) >= 30
    assert sum(c["expect"]["aspect"] == "out_of_scope" for c in CASES) >= 20
    assert {c["persona"] for c in CASES} == {"resident", "agent", "village"}


def test_disjoint_from_training_data():
    train = {squash(t) for t in training_examples()}
    overlap = [t for c in CASES for t in c["turns"] if squash(t) in train and not t.startswith("/")]
    assert overlap == []


@pytest.fixture(scope="module")
def records(kb_engine):
    with Session(kb_engine, future=True) as session:
        out = {}
        for guide in session.query(Guide):
            region = query.region_of_guide(session, guide)
            out.setdefault(region.key, []).extend(query.variant_record(v, region) for v in query.variants(session, guide))
        return out


def test_every_expected_fact_is_in_the_kb(records):
    missing = []
    for case in CASES:
        e = case["expect"]
        if not e.get("facts") or not e.get("region") or not e.get("item"):
            continue
        recs = [r for r in records[e["region"]] if (r["code"] or r["name"]) == e["item"]]
        if e.get("variant"):
            recs = [r for r in recs if r["variant"] == e["variant"]]
        blob = squash(" ".join(str(r) for r in recs))
        missing += [(case["id"], f) for f in e["facts"] if squash(f) not in blob]
    assert missing == []
