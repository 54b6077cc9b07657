"""Content hashes of generated resources, so Rasa retrains a component when its resource changes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional


def hash_path(path: Optional[str]) -> Optional[str]:
    """SHA-256 over a file, or over every file below a folder (names and bytes); None when absent."""
    if not path:
        return None
    p = Path(path)
    if not p.exists():
        return None
    digest = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        digest.update(str(f.relative_to(p) if p.is_dir() else f.name).encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()
