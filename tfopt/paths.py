"""Where tfopt keeps what it makes. Everything below cache_dir() is a build output."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    """The user cache: $TFOPT_CACHE, else $XDG_CACHE_HOME/tfopt, else ~/.cache/tfopt."""
    explicit = os.environ.get("TFOPT_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tfopt"


def wheelhouse_dir() -> Path:
    return cache_dir() / "wheelhouse"


def logs_dir() -> Path:
    return cache_dir() / "logs"


def rootfs_dir() -> Path:
    return cache_dir() / "rootfs"


def venvs_dir() -> Path:
    return cache_dir() / "venvs"


def results_dir() -> Path:
    explicit = os.environ.get("TFOPT_RESULTS")
    return Path(explicit) if explicit else PROJECT_ROOT / "results"
