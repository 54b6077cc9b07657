"""The blind test set stays what its writers made: every fact verbatim in its guide, the split fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT / "scripts"))

from check_blind_set import load_cases, problems_of, split_of  # noqa: E402

CASES = load_cases(sorted((ROOT / "tests" / "blind").glob("*.yml")))


def test_the_set_is_big_and_broad():
    kb = [c for c in CASES if c.get("kind", "kb") == "kb"]
    assert len(kb) >= 400 and sum(1 for c in CASES if c.get("kind") == "out_of_scope") >= 20
    assert {c["region"] for c in kb} == {"chenzhou", "hunan", "yunnan", "xianan", "guizhou"}
    assert {c["persona"] for c in CASES} == {"resident", "agent", "village"}


def test_the_split_is_fixed_near_40_60():
    frozen = sum(split_of(c["id"]) == "frozen" for c in CASES)
    assert 0.55 <= frozen / len(CASES) <= 0.65
    assert split_of("bz-001") == split_of("bz-001")


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds is not next to this checkout")
def test_every_fact_is_verbatim_in_its_guide():
    guides = {p.name: p.read_text(encoding="utf-8").splitlines(keepends=True) for p in SEEDS.glob("*.txt")}
    problems = [p for c in CASES for p in problems_of(c, guides)]
    assert not problems, "\n".join(problems[:20])


def test_a_fact_with_a_typo_the_reviewed_corrections_fix_is_found_corrected():
    from eval_blind import check

    case = {"region": "guizhou", "facts": ["门（急）诊病例或出院小结（医院盖章）"]}
    reply = "【贵州省 · 产前检查费支付】4. 门（急）诊病历或出院小结（医院盖章）\n来源：《贵州省…》第469–475行"
    assert check(case, reply) == []
    assert check(case, reply.replace("病历", "记录")) != []
