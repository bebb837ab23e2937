"""Fetch, verify and cache g2p_en 1.0.0's checkpoint. Stdlib only: never imports TensorFlow.

``ensure_weights()`` returns a directory holding the four checkpoint files, each
verified against the sha256 pinned below:

* if ``$G2P_WEIGHTS_DIR`` is set, that directory (verified, never fetched into);
* else ``${TFOPT_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tfopt}/weights/g2p_en-1.0.0/``.
  When it is missing, partial or corrupt, the ``g2p_en==1.0.0`` sdist is
  downloaded from PyPI with ``<python> -m pip download --no-deps --no-binary
  :all:``, its ``g2p_en/logdir/`` files are extracted and verified in a staging
  directory next to the cache, and the staging directory is renamed into place.

``python -m g2p.weights`` prints the directory (fetching if needed).
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from .errors import WeightsError

PACKAGE = "g2p_en"
VERSION = "1.0.0"
SDIST_NAME = "g2p_en-1.0.0.tar.gz"
SDIST_SHA256 = "c1b0dd0e253b0c00be0ba84fc6f6b1f01887084c9bd0452d768fe16ed84852d5"
LOGDIR_IN_SDIST = "g2p_en-1.0.0/g2p_en/logdir/"
CHECKPOINT_PREFIX = "model_epoch_14_gs_27956"  # the checkpoint's files in that folder

FILES = {
    "checkpoint": "542f63460fa668130607b4508f176a0918227d944f803f925dc4d237bd3f0e14",
    CHECKPOINT_PREFIX + ".data-00000-of-00001":
        "ffc0d7d5ec1ab3045ee8db02efb535cceffc085a64147fc26fbf27976ca571cc",
    CHECKPOINT_PREFIX + ".index":
        "6446ff530fa14f88b693eaf00e0e5520b1926f8651fd00d4299ddaee19004033",
    CHECKPOINT_PREFIX + ".meta":
        "ae17bacb8b71f22ca7159361aad098a1130536324724502ae71f40a12bc22236",
}

ENV_DIR = "G2P_WEIGHTS_DIR"


def cache_root():
    """${TFOPT_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tfopt} (same rule as tfopt.paths.cache_dir)."""
    explicit = os.environ.get("TFOPT_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tfopt"


def cache_dir():
    return cache_root() / "weights" / ("%s-%s" % (PACKAGE, VERSION))


def sha256_file(path):
    h = hashlib.sha256()
    with open(str(path), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def problems(directory):
    """List of what is wrong with `directory` (empty when all four files verify)."""
    directory = Path(directory)
    out = []
    if not directory.is_dir():
        return ["%s is not a directory" % directory]
    for name, digest in sorted(FILES.items()):
        path = directory / name
        if not path.is_file():
            out.append("%s is missing" % name)
            continue
        got = sha256_file(path)
        if got != digest:
            out.append("%s has sha256 %s, expected %s" % (name, got, digest))
    return out


def fetch_sdist(dest):
    """Download the g2p_en 1.0.0 sdist into directory `dest`; return its path.

    Tests replace this function to seed from a local copy.
    """
    dest = Path(dest)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--disable-pip-version-check", "--no-cache-dir",
           "%s==%s" % (PACKAGE, VERSION), "-d", str(dest)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        raise WeightsError("could not run pip to download %s==%s: %s" % (PACKAGE, VERSION, exc),
                           hint=_no_fetch_hint())
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-8:])
        raise WeightsError(
            "downloading %s==%s from PyPI failed (pip exit %d):\n%s"
            % (PACKAGE, VERSION, proc.returncode, tail),
            hint=_no_fetch_hint())
    found = sorted(dest.glob("*.tar.gz"))
    if not found:
        raise WeightsError("pip download left no .tar.gz in %s" % dest, hint=_no_fetch_hint())
    return found[0]


def _no_fetch_hint():
    return ("needs network access to PyPI once; or set %s to a directory holding the four "
            "files of g2p_en-1.0.0/g2p_en/logdir/ from the g2p_en==1.0.0 sdist; or copy them "
            "into %s" % (ENV_DIR, cache_dir()))


def extract_logdir(sdist, dest):
    """Extract the four checkpoint files of `sdist` (a .tar.gz) into directory `dest`."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(str(sdist), "r:gz") as tar:
            for name in FILES:
                member = tar.getmember(LOGDIR_IN_SDIST + name)
                src = tar.extractfile(member)
                if src is None:
                    raise WeightsError("%s in %s is not a file" % (member.name, sdist))
                with src, open(str(dest / name), "wb") as out:
                    shutil.copyfileobj(src, out)
    except (KeyError, tarfile.TarError, EOFError, OSError) as exc:
        raise WeightsError("%s is not a usable g2p_en 1.0.0 sdist: %s" % (sdist, exc),
                           hint="delete it and fetch again")


@contextlib.contextmanager
def _lock(directory):
    """An exclusive flock on directory/.lock (so concurrent fetches do not race)."""
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    with open(str(directory / ".lock"), "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_weights():
    """A directory holding the four verified checkpoint files (fetching them if needed)."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        directory = Path(explicit)
        bad = problems(directory)
        if bad:
            raise WeightsError(
                "%s=%s does not hold g2p_en 1.0.0's checkpoint: %s" % (ENV_DIR, explicit, "; ".join(bad)),
                hint="unset %s to use (and fill) the cache %s, or copy the four files of "
                     "g2p_en-1.0.0/g2p_en/logdir/ from the g2p_en==1.0.0 sdist there "
                     "(`python -m g2p.weights` prints where it cached them)" % (ENV_DIR, cache_dir()))
        return directory

    target = cache_dir()
    if target.is_dir() and not problems(target):
        return target
    parent = target.parent
    try:
        with _lock(parent):
            if target.is_dir() and not problems(target):  # another process fetched meanwhile
                return target
            staging = Path(tempfile.mkdtemp(prefix=".%s-%s." % (PACKAGE, VERSION), dir=str(parent)))
            try:
                sdist = fetch_sdist(staging / "download")
                fresh = staging / "logdir"
                extract_logdir(sdist, fresh)
                bad = problems(fresh)
                if bad:
                    raise WeightsError("the downloaded g2p_en 1.0.0 sdist does not verify: "
                                       + "; ".join(bad),
                                       hint="PyPI served something unexpected; retry, or see "
                                            "docs/g2p.md for the pinned hashes")
                if target.exists() or target.is_symlink():
                    os.rename(str(target), str(staging / "old"))
                os.rename(str(fresh), str(target))
            finally:
                shutil.rmtree(str(staging), ignore_errors=True)
    except OSError as exc:
        raise WeightsError("cannot write the weights cache %s: %s" % (parent, exc),
                           hint="set TFOPT_CACHE to a writable directory, or %s to a "
                                "directory holding the checkpoint" % ENV_DIR)
    return target


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m g2p.weights",
        description="Print the directory holding g2p_en 1.0.0's verified checkpoint "
                    "(downloading it from PyPI into the cache if needed).")
    parser.parse_args(argv)
    try:
        print(ensure_weights())
    except WeightsError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
