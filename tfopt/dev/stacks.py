"""Host-side virtualenvs ("stacks") that run the g2p package's tests for real.

Two stacks exist:

* ``tf1``: Python 3.7 + tensorflow==1.13.1 (numpy<1.17, protobuf<=3.20), the
  write-up's baseline;
* ``tf2``: Python 3.11 + tensorflow-cpu==2.21.0.

``ensure_stack(name)`` creates (or reuses) ``venvs_dir()/name`` and installs
``tests/g2p/requirements-<name>.txt`` into it. The sha256 of that file is stored
in the venv; pip only runs again when the file changes (or the venv is broken).
Then ``<python> -m pytest tests/g2p`` from the repository root runs the suite.

This module never imports TensorFlow. Extra ``--find-links`` directories (local
wheel caches, to save download time) may be given in ``TFOPT_PIP_FIND_LINKS``
(``os.pathsep``-separated); PyPI stays the source of truth.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from .. import paths
from ..errors import ConfigError, FetchError
from ..build.pythons import find_host_python

STACKS = ("tf1", "tf2")

_PYTHON_VERSION = {"tf1": "3.7", "tf2": "3.11"}
_STAMP = "tfopt-requirements.sha256"


def requirements_file(name: str) -> Path:
    return paths.PROJECT_ROOT / "tests" / "g2p" / f"requirements-{name}.txt"


def stack_dir(name: str) -> Path:
    return paths.venvs_dir() / name


def _check_name(name: str) -> None:
    if name not in STACKS:
        raise ConfigError(
            f"unknown test stack {name!r}",
            hint="use one of: " + ", ".join(STACKS),
        )


def _stamp(req: Path, base_python: Path) -> str:
    h = hashlib.sha256(req.read_bytes())
    h.update(b"\0" + str(base_python).encode())
    return h.hexdigest()


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _works(python: Path) -> bool:
    if not python.exists():
        return False
    try:
        subprocess.run([str(python), "-c", "import sys"], check=True,
                       capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _run_logged(cmd, log: Path, what: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as fh:
        fh.write("$ " + " ".join(str(c) for c in cmd) + "\n")
        fh.flush()
        result = subprocess.run([str(c) for c in cmd], stdout=fh, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise FetchError(
            f"{what} failed (exit {result.returncode}); see {log}",
            hint="check network access to PyPI, or set TFOPT_PIP_FIND_LINKS to a local wheel directory",
        )


def ensure_stack(name: str) -> Path:
    """Create or reuse the venv for stack `name`; return the path of its python."""
    _check_name(name)
    req = requirements_file(name)
    if not req.is_file():
        raise ConfigError(f"missing requirements file {req}",
                          hint="restore tests/g2p/requirements-*.txt from git")
    version = _PYTHON_VERSION[name]
    try:
        base = find_host_python(version)
    except ConfigError as exc:
        raise ConfigError(
            f"test stack {name!r} needs Python {version}, which is not installed on this host",
            hint=f"install it (e.g. `pyenv install {version}`) or put python{version} on PATH",
        ) from exc

    venv = stack_dir(name)
    python = _venv_python(venv)
    stamp_file = venv / _STAMP
    wanted = _stamp(req, base)
    if _works(python) and stamp_file.is_file() and stamp_file.read_text().strip() == wanted:
        return python

    log = paths.logs_dir() / f"stack-{name}.log"
    if venv.exists() and not _works(python):
        shutil.rmtree(venv)
    if not venv.exists():
        venv.parent.mkdir(parents=True, exist_ok=True)
        _run_logged([base, "-m", "venv", venv], log, f"creating venv {venv}")
    if stamp_file.exists():
        stamp_file.unlink()

    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "-r", req]
    for extra in filter(None, os.environ.get("TFOPT_PIP_FIND_LINKS", "").split(os.pathsep)):
        cmd += ["--find-links", extra]
    _run_logged(cmd, log, f"installing {req.name} into {venv}")
    stamp_file.write_text(wanted + "\n")
    return python
