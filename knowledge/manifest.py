"""The source manifest (knowledge/sources/manifest.yml): guides, regions, aliases, precedence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
MANIFEST_PATH = SOURCES_DIR / "manifest.yml"


@dataclass(frozen=True)
class GuideInfo:
    key: str
    file: str
    title: str
    region: str
    issuer: str
    edition: str
    date: str
    covers: str
    hard_wrapped: bool
    # an edition imported by editors (knowledge.editions): its text, kept in the editorial
    # database rather than in sources/, the guide it replaces and the date it does so from
    text_override: Optional[str] = None
    replaces: Optional[str] = None
    effective: Optional[str] = None

    @property
    def path(self) -> Path:
        return SOURCES_DIR / self.file

    def text(self) -> str:
        return self.text_override if self.text_override is not None else self.path.read_text(encoding="utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8") if self.text_override is not None else self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class LineRef:
    guide: str
    start: int
    end: int


@dataclass(frozen=True)
class RegionInfo:
    key: str
    name: str
    province: str
    level: str
    guides: List[Dict[str, object]]
    consult: List[LineRef]
    aliases: List[str]
    parent: Optional[str] = None
    caveat: Optional[str] = None


@dataclass(frozen=True)
class Manifest:
    guides: List[GuideInfo] = field(default_factory=list)
    regions: List[RegionInfo] = field(default_factory=list)

    def guide(self, key: str) -> GuideInfo:
        return next(g for g in self.guides if g.key == key)

    def guide_by_file(self, file: str) -> GuideInfo:
        return next(g for g in self.guides if g.file == file)

    def region(self, key: str) -> RegionInfo:
        return next(r for r in self.regions if r.key == key)


@lru_cache(maxsize=4)
def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    """Read and check the manifest: every guide file exists, every region names known guides."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    guides = [GuideInfo(**{**g, "key": str(g["key"]), "date": str(g["date"])}) for g in data["guides"]]
    keys = {g.key for g in guides}
    regions = []
    for r in data["regions"]:
        consult = [LineRef(str(c["guide"]), int(c["start"]), int(c["end"])) for c in r["consult"]]
        regions.append(RegionInfo(**{**r, "consult": consult}))
        for g in r["guides"]:
            if str(g["guide"]) not in keys:
                raise ValueError(f"region {r['key']} names unknown guide {g['guide']}")
    for g in guides:
        if not g.path.is_file():
            raise FileNotFoundError(f"guide {g.key}: {g.path} is missing")
    return Manifest(guides, regions)
