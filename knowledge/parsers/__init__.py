"""One parser per guide format. Each module exposes ``parse(lines) -> ParsedGuide``."""

from __future__ import annotations

import importlib
from typing import Callable, Dict, List

from knowledge.parsers.base import ParsedGuide, SourceLine

#: guide key -> parser module name (the key is the seed file's prefix, see knowledge/sources/).
PARSER_MODULES: Dict[str, str] = {
    "000": "chenzhou",
    "001": "hunan",
    "002": "yunnan",
    "003": "xianan",
    "004": "guizhou",
}


def parser_for(key: str) -> Callable[[List[SourceLine]], ParsedGuide]:
    """The ``parse`` function of the guide with this key (imported on first use)."""
    module = importlib.import_module(f"knowledge.parsers.{PARSER_MODULES[key]}")
    return module.parse
