"""Find host CPython interpreters by version (pyenv installs included)."""

import os
import shutil
import subprocess
from pathlib import Path

from ..errors import ConfigError


def _pyenv_root() -> Path:
    root = os.environ.get("PYENV_ROOT")
    return Path(root) if root else Path.home() / ".pyenv"


def find_host_python(version: str) -> Path:
    """Return an interpreter for `version` ("3.7" or "3.7.16").

    Looks in pyenv's versions first (newest patch release wins), then on PATH.
    """
    parts = version.split(".")
    minor = ".".join(parts[:2])
    versions = _pyenv_root() / "versions"
    if versions.is_dir():
        candidates = sorted(
            (p for p in versions.iterdir() if p.name == version or p.name.startswith(minor + ".")),
            key=lambda p: [int(x) if x.isdigit() else 0 for x in p.name.split(".")],
        )
        for prefix in reversed(candidates):
            exe = prefix / "bin" / f"python{minor}"
            if exe.exists():
                return exe
    found = shutil.which(f"python{minor}")
    if found:
        return Path(found)
    raise ConfigError(
        f"no Python {version} interpreter found on this host",
        hint=f"install it, e.g. `pyenv install {minor}`, or put python{minor} on PATH",
    )


def python_prefix(interpreter: Path) -> Path:
    """sys.prefix of an interpreter (the folder a base image copies in)."""
    out = subprocess.run(
        [str(interpreter), "-c", "import sys; print(sys.prefix)"],
        check=True, capture_output=True, text=True,
    )
    return Path(out.stdout.strip())


def full_version(interpreter: Path) -> str:
    out = subprocess.run(
        [str(interpreter), "-c", "import platform; print(platform.python_version())"],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()
