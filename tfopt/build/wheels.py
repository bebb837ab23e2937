"""The wheelhouse: every wheel an image installs, resolved on the host and locked.

Containers cannot download, so `pip download --only-binary=:all:` runs here for
the image's Python and platform, and each requirement set gets a lock file
(names and sha256) that images install from offline and are hashed by.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from .. import paths
from . import wheelfix
from ..errors import ConfigError, FetchError
from ..log import log
from .pythons import find_host_python

# glibc 2.36 (bookworm) runs every manylinux tag up to 2_36; pip download does
# not expand these itself when --platform is given.
PLATFORMS = ["linux_x86_64", "manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"] + [
    f"manylinux_2_{minor}_x86_64" for minor in range(5, 37)
]
LOCK_SCHEMA = 2


@dataclass
class Lock:
    key: str
    python: str
    requirements: List[str]
    wheels: List[dict]      # {"file", "sha256"}
    path: Path

    def files(self) -> List[Path]:
        return [files_dir() / w["file"] for w in self.wheels]

    def sha256_of(self, distribution: str) -> Optional[str]:
        prefix = distribution.replace("-", "_").lower() + "-"
        for wheel in self.wheels:
            if wheel["file"].lower().startswith(prefix):
                return wheel["sha256"]
        return None


def files_dir() -> Path:
    return paths.wheelhouse_dir() / "files"


def locks_dir() -> Path:
    return paths.wheelhouse_dir() / "locks"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def abi_tags(python: str) -> List[str]:
    major, minor = python.split(".")[:2]
    tag = f"cp{major}{minor}"
    return [tag + "m" if int(minor) < 8 else tag, "abi3", "none"]


def lock_key(python: str, requirements: List[str]) -> str:
    blob = json.dumps({"python": python, "requirements": requirements, "platforms": PLATFORMS,
                       "schema": LOCK_SCHEMA}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _valid(lock: Lock) -> bool:
    return all(p.exists() and sha256_file(p) == w["sha256"] for p, w in zip(lock.files(), lock.wheels))


def load_lock(path: Path) -> Lock:
    doc = json.loads(path.read_text())
    return Lock(doc["key"], doc["python"], doc["requirements"], doc["wheels"], path)


def ensure_lock(python: str, requirements: List[str]) -> Lock:
    """Reuse the lock for this requirement set when every locked file is intact, else download."""
    python = ".".join(python.split(".")[:2])
    key = lock_key(python, requirements)
    path = locks_dir() / f"{key}.json"
    if path.exists():
        lock = load_lock(path)
        if _valid(lock):
            log.info(f"wheelhouse: reusing lock {key} ({len(lock.wheels)} wheels for Python {python})")
            return lock
        log.info(f"wheelhouse: lock {key} has missing or corrupt files; downloading again")
    return _download(python, requirements, key, path)


def _download(python: str, requirements: List[str], key: str, path: Path) -> Lock:
    files_dir().mkdir(parents=True, exist_ok=True)
    locks_dir().mkdir(parents=True, exist_ok=True)
    log_path = paths.logs_dir() / f"wheels-{key}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    resolvable, repaired = list(requirements), []
    with log.step(f"wheelhouse: pip download for Python {python}: {' '.join(requirements)}",
                  still=f"downloading wheels for Python {python} (log: {log_path})") as step, \
            tempfile.TemporaryDirectory(dir=paths.wheelhouse_dir()) as tmp:
        while True:
            if _pip_download(python, resolvable, Path(tmp), log_path) == 0:
                break
            pip_log = log_path.read_text()
            broken = wheelfix.broken_distribution(pip_log)
            if broken is None or any(r.startswith(broken + "==") for r in repaired):
                tail = "\n    ".join(pip_log.strip().splitlines()[-3:])
                raise FetchError(f"pip could not download wheels for Python {python}: "
                                 f"{' '.join(requirements)}\n    {tail}",
                                 hint=f"check the requirement names and that a PyPI index answers; full log: {log_path}")
            index, fixed = _repair(python, broken, resolvable)
            resolvable[index] = str(fixed)
            repaired.append(requirements[index])
        wheels = []
        for downloaded in sorted(Path(tmp).iterdir()):
            if not downloaded.name.endswith(".whl"):
                raise FetchError(f"{downloaded.name} is not a wheel; images install wheels only")
            target = files_dir() / downloaded.name
            if not target.exists():
                os.replace(downloaded, target)
            wheels.append({"file": downloaded.name, "sha256": sha256_file(target)})
        step.done = f"wheelhouse: locked {len(wheels)} wheels as {key}"
    lock = Lock(key, python, requirements, wheels, path)
    path.write_text(json.dumps({"key": key, "python": python, "requirements": requirements,
                                "repaired": repaired, "wheels": wheels}, indent=1) + "\n")
    return lock


def resolver_python(python: str) -> str:
    """An interpreter of the target version when the host has one: pip evaluates environment
    markers (`python_version < "3.10"`) against the interpreter it runs in, not --python-version."""
    try:
        return str(find_host_python(python))
    except ConfigError:
        return sys.executable


def _pip_download(python: str, requirements: List[str], dest: Path, log_path: Path) -> int:
    command = [resolver_python(python), "-m", "pip", "download", "--disable-pip-version-check",
               "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
               "--dest", str(dest), "--find-links", str(files_dir())]
    for abi in abi_tags(python):
        command += ["--abi", abi]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    with open(log_path, "w") as pip_log:
        return subprocess.run(command + requirements, stdout=pip_log, stderr=subprocess.STDOUT).returncode


def _repair(python: str, distribution: str, requirements: List[str]) -> Tuple[int, Path]:
    """Fetch the pinned wheel pip refused, repair it, and return (its index, the repaired file)."""
    for index, requirement in enumerate(requirements):
        name, _, version = requirement.partition("==")
        if wheelfix._normalize(name) == wheelfix._normalize(distribution):
            break
    else:
        raise FetchError(f"pip refused {distribution}'s wheel and it is not a direct requirement")
    if not version:
        raise FetchError(f"pip refused {distribution}'s wheel (several .dist-info folders)",
                         hint=f"pin it exactly (e.g. {distribution}==X.Y.Z) so tfopt can repair that release")
    entry = wheelfix.find_wheel_url(name, version, abi_tags(python)[0], PLATFORMS)
    repaired = files_dir() / entry["filename"]
    if not repaired.exists():
        original = files_dir() / (entry["filename"] + ".orig")
        with log.step(f"wheelhouse: downloading {entry['filename']} to repair it (it ships two .dist-info folders)",
                      done=f"wheelhouse: downloaded {entry['filename']}"):
            wheelfix.download(entry["url"], original)
        if sha256_file(original) != entry["sha256"]:
            original.unlink()
            raise FetchError(f"{entry['filename']} does not match the index's sha256")
        wheelfix.drop_foreign_dist_info(original, repaired)
        original.unlink()
    return index, repaired


def fetch_wheel(location: str, sha256: str) -> Path:
    """A declared wheel file or URL, verified, copied into the wheelhouse."""
    name = location.rstrip("/").rsplit("/", 1)[-1]
    target = files_dir() / name
    if target.exists() and sha256_file(target) == sha256:
        return target
    files_dir().mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    try:
        if "://" in location:
            with log.step(f"wheelhouse: downloading {location}", done=f"wheelhouse: downloaded {name}",
                          still=f"downloading {name}"), \
                    urllib.request.urlopen(location, timeout=120) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
        else:
            source = Path(location).expanduser()
            if not source.exists():
                raise FetchError(f"wheel file {source} does not exist", hint="fix the path in variants.yaml")
            shutil.copyfile(source, tmp)
        actual = sha256_file(tmp)
        if actual != sha256:
            raise FetchError(f"{location} has sha256 {actual}, but variants.yaml says {sha256}",
                             hint="the file changed or the digest is wrong; check both")
        os.replace(tmp, target)
    except OSError as exc:
        raise FetchError(f"cannot fetch {location}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
