"""Offline bundles: every external archive a Bazel build downloads, for builds without network.

`invoke build-tf --fetch-only` runs `bazel fetch` in the builder (network on) and copies out
Bazel's repository cache (as repository_cache.tar) and `bazel query --output=build '//external:*'`. From these:

    BUNDLE/manifest.json                          name, urls, sha256, file of each download
    BUNDLE/<file name of its first URL>           what `bazel --distdir` looks up by name
    BUNDLE/content_addressable/sha256/<sha>/file  the repository cache itself (also serves
                                                  downloads whose rule names no URL list)

`--distdir BUNDLE` mounts it at /distdir; the build seeds its repository cache from it and
passes --distdir, with the container's network off.
"""

import json
import os
import shutil
import tarfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

from ..errors import ConfigError
from .bazel import parse_external

MANIFEST = "manifest.json"
SCHEMA = "tfopt.bazel-bundle/1"


def make(staging: Path, target: Path, variant: str) -> Path:
    """Turn a fetch container's output (external.txt, content_addressable/) into a bundle at target."""
    archive = staging / "repository_cache.tar"
    if not archive.is_file():
        raise ConfigError(f"the fetch left no repository_cache.tar in {staging}; nothing to bundle")
    query = (staging / "external.txt").read_text() if (staging / "external.txt").is_file() else ""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("content_addressable/")
                   and ".." not in Path(m.name).parts and (m.isfile() or m.isdir())]
        tar.extractall(target, members=members)
    store = target / "content_addressable" / "sha256"
    entries, named = [], set()
    for name, urls, sha in parse_external(query):
        blob = store / sha / "file"
        if not blob.is_file():
            continue  # declared but not needed by this target (or platform)
        file_name = Path(urlparse(urls[0]).path).name
        if not (target / file_name).exists():
            os.link(blob, target / file_name)
        named.add(sha)
        entries.append({"name": name, "urls": urls, "sha256": sha, "file": file_name, "bytes": blob.stat().st_size})
    unnamed = sorted(p.name for p in store.iterdir() if p.name not in named)
    document = {"schema": SCHEMA, "variant": variant, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "entries": sorted(entries, key=lambda e: e["name"]),
                "unnamed_sha256": unnamed}
    (target / MANIFEST).write_text(json.dumps(document, indent=1) + "\n")
    return target


def summary(target: Path) -> str:
    document = json.loads((target / MANIFEST).read_text())
    size = sum(e["bytes"] for e in document["entries"])
    return (f"{len(document['entries'])} archives, {size / 1e6:.1f} MB named in {MANIFEST}; "
            f"{len(document['unnamed_sha256'])} more by sha256 only")


def check(folder: Path) -> None:
    """A usable --distdir: a tfopt bundle, or any folder of archives named as their URLs end."""
    if not folder.is_dir():
        raise ConfigError(f"--distdir {folder}: no such folder",
                          hint="make one with invoke build-tf --variant NAME --fetch-only on a connected machine")
    if not any(folder.iterdir()):
        raise ConfigError(f"--distdir {folder} is empty", hint="copy the bundle that --fetch-only made into it")
