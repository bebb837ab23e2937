"""The register of wheels built from source: wheelhouse/built/manifest.json.

One entry per (variant, recipe hash). An entry only counts while its wheel
exists with the recorded sha256. Writes are atomic and serialized by a lock
file, so concurrent builds of different variants do not lose each other's entry.
"""

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from .. import paths
from ..build.wheels import sha256_file

SCHEMA = "tfopt.built-wheels/1"


@dataclass
class ManifestEntry:
    variant: str
    recipe_hash: str
    recipe: str                 # the recipe folder
    tf_version: str
    flags: Dict[str, Any]       # copts, configs, xla, jobs, ram_mb
    wheel: str                  # absolute path
    sha256: str
    build_seconds: float
    log: str
    built_at: str
    builder_image: str
    isa: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "ManifestEntry":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def verified(self) -> bool:
        """The wheel is where the entry says, with the recorded digest."""
        path = Path(self.wheel)
        return path.is_file() and sha256_file(path) == self.sha256


def built_dir() -> Path:
    return paths.wheelhouse_dir() / "built"


def manifest_path() -> Path:
    return built_dir() / "manifest.json"


def wheel_dir(variant: str, recipe_hash: str) -> Path:
    return built_dir() / variant / recipe_hash


def load() -> List[ManifestEntry]:
    path = manifest_path()
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return []
    return [ManifestEntry.from_dict(e) for e in data.get("entries", [])]


def find(variant: str, recipe_hash: str) -> Optional[ManifestEntry]:
    """The variant's own entry for this recipe, else any variant's: variants that inherit
    one source build (and differ only in what runs on top of it) share its wheel."""
    matches = [entry for entry in load() if entry.recipe_hash == recipe_hash]
    own = [entry for entry in matches if entry.variant == variant]
    return (own or matches or [None])[0]


@contextmanager
def _locked() -> Iterator[None]:
    built_dir().mkdir(parents=True, exist_ok=True)
    with open(built_dir() / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(entries: List[ManifestEntry]) -> None:
    path = manifest_path()
    document = {"schema": SCHEMA, "entries": [e.as_dict() for e in entries]}
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump(document, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def register(entry: ManifestEntry) -> None:
    """Add or replace the entry for (variant, recipe hash)."""
    with _locked():
        entries = [e for e in load() if (e.variant, e.recipe_hash) != (entry.variant, entry.recipe_hash)]
        entries.append(entry)
        _write(entries)


def unregister(variant: str, recipe_hash: str) -> None:
    with _locked():
        entries = load()
        kept = [e for e in entries if (e.variant, e.recipe_hash) != (variant, recipe_hash)]
        if len(kept) != len(entries):
            _write(kept)
