"""Base images without a registry: debootstrap a Debian suite, `docker import` it.

Python comes from the suite itself (bookworm 3.11, bullseye 3.9) or from a
host CPython prefix (e.g. pyenv's 3.7.16), copied in at the same path along
with the Debian packages of the shared libraries it links against.
"""

import functools
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .. import __version__, paths
from .. import labels as label
from ..plan.schema import SUITE_PYTHON
from ..engine import Engine
from ..errors import BuildError, ConfigError
from ..log import log
from .pythons import find_host_python, full_version, python_prefix

DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Always present: the allocators a variant may preload, OpenMP, and CA certificates.
COMMON_PACKAGES = ("ca-certificates", "libjemalloc2", "libtcmalloc-minimal4", "libgomp1")
DISTRO_PYTHON_PACKAGES = ("python3", "python3-venv")
SKIPPED_EXTENSIONS = ("_tkinter",)  # GUI toolkits pull in X11; nothing here needs them


@dataclass(frozen=True)
class BaseSpec:
    suite: str
    python: str                      # "3.11" (distro) or "3.7" (host prefix)
    packages: Tuple[str, ...] = ()   # extra Debian packages (e.g. gcc for builders)

    @property
    def from_distro(self) -> bool:
        return SUITE_PYTHON.get(self.suite) == self.python


@dataclass(frozen=True)
class ResolvedBase:
    spec: BaseSpec
    interpreter: str                 # the python inside the image
    prefix: Optional[Path]           # host prefix copied in, if any
    python_version: str
    packages: Tuple[str, ...]
    mirror: str

    def key(self) -> str:
        blob = json.dumps({
            "suite": self.spec.suite, "python": self.python_version,
            "prefix": str(self.prefix) if self.prefix else None,
            "packages": sorted(self.packages), "mirror": self.mirror, "schema": 1,
        }, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    @property
    def tag(self) -> str:
        return f"tfopt-base:{self.spec.suite}-py{self.python_version}-{self.key()}"


@functools.lru_cache(maxsize=None)
def resolve(spec: BaseSpec) -> ResolvedBase:
    """What goes into the base image; memoized, since a host prefix means running ldd over it."""
    mirror = os.environ.get("TFOPT_DEBIAN_MIRROR", DEFAULT_MIRROR)
    packages = set(COMMON_PACKAGES) | set(spec.packages)
    if spec.from_distro:
        packages |= set(DISTRO_PYTHON_PACKAGES)
        return ResolvedBase(spec, "/usr/bin/python3", None, spec.python, tuple(sorted(packages)), mirror)
    interpreter = find_host_python(spec.python)
    prefix = python_prefix(interpreter)
    packages |= set(_packages_for_prefix(prefix, spec.suite))
    return ResolvedBase(spec, str(prefix / "bin" / f"python{spec.python}"), prefix,
                        full_version(interpreter), tuple(sorted(packages)), mirror)


def _host_suite() -> Optional[str]:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def _packages_for_prefix(prefix: Path, suite: str) -> List[str]:
    """Debian packages owning the shared libraries the prefix links against."""
    if _host_suite() != suite:
        raise ConfigError(
            f"a host Python prefix ({prefix}) can only go into a base of the host's own Debian suite "
            f"({_host_suite() or 'unknown'}), not {suite}",
            hint=f"set `suite: {_host_suite()}` for this variant, or use the suite's own Python")
    libraries = set()
    for so in prefix.rglob("*.so*"):
        if not so.is_file() or any(skip in so.name for skip in SKIPPED_EXTENSIONS):
            continue
        out = subprocess.run(["ldd", str(so)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split("=>")
            if len(parts) == 2 and parts[1].strip().startswith("/"):
                path = parts[1].split()[0]
                if not path.startswith(str(prefix)):
                    # dpkg knows a library by one of its names only (merged /usr)
                    libraries.update({path, os.path.realpath(path), path.replace("/lib/", "/usr/lib/", 1)})
    if not libraries:
        return []
    out = subprocess.run(["dpkg", "-S", *sorted(libraries)], capture_output=True, text=True).stdout
    return sorted({line.split(":", 1)[0] for line in out.splitlines() if ":" in line})


def ensure_base(engine: Engine, suite: str = "bookworm", python: Optional[str] = None,
                packages: Sequence[str] = ()) -> str:
    """The tag of a base image for (suite, python, packages), bootstrapping it if needed."""
    return provide_base(engine, BaseSpec(suite, python or SUITE_PYTHON[suite], tuple(packages))).tag


def provide_base(engine: Engine, spec: BaseSpec) -> ResolvedBase:
    """Reuse the base image; else build it on the registry's Debian image when a registry
    answers; else debootstrap it here."""
    base = resolve(spec)
    if engine.image(base.tag) is None and not _from_registry(engine, base):
        with log.step(f"bootstrapping base image {base.tag} (debootstrap {spec.suite}: a few minutes, once)",
                      done=f"base image {base.tag} bootstrapped", still=f"bootstrapping base image {base.tag}"):
            _bootstrap(engine, base)
    return base


def _labels(base: ResolvedBase) -> dict:
    return label.managed({label.KIND: label.Kind.BASE, label.VERSION: __version__,
                          label.BASE_SUITE: base.spec.suite, label.BASE_PYTHON: base.python_version,
                          label.BASE_KEY: base.key()})


def _environment(base: ResolvedBase) -> List[str]:
    bindir = str(Path(base.interpreter).parent)
    return [f"PATH={bindir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C.UTF-8", f"TFOPT_BASE_PYTHON={base.interpreter}"]


def _from_registry(engine: Engine, base: ResolvedBase) -> bool:
    """Build the base FROM debian:<suite>-slim with the same packages; False when that can't be done."""
    if base.prefix is not None:
        return False  # a host prefix needs the host's own libraries: bootstrap the host's suite
    reference = f"debian:{base.spec.suite}-slim"
    if not engine.pull(reference):
        log.info(f"no registry answers for {reference}; the base image is bootstrapped locally")
        return False
    dockerfile = "\n".join([
        f"FROM {reference}",
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
        + " ".join(base.packages) + " && rm -rf /var/lib/apt/lists/*",
        *(f"ENV {line}" for line in _environment(base)),
        'CMD ["/bin/bash"]', "",
    ]).encode()
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    context.seek(0)
    log_path = paths.logs_dir() / f"base-{base.key()}.log"
    try:
        with log.step(f"building base image {base.tag} on {reference}", done=f"base image {base.tag} built",
                      still=f"building base image {base.tag}"):
            engine.build(context, base.tag, _labels(base), log_path, lambda line: None)
    except BuildError as exc:
        log.info(f"building on {reference} failed ({exc}); the base image is bootstrapped locally")
        return False
    return True


def _bootstrap(engine: Engine, base: ResolvedBase) -> None:
    if shutil.which("debootstrap") is None:
        raise ConfigError("debootstrap is not installed", hint="apt-get install -y debootstrap")
    if os.geteuid() != 0:
        raise ConfigError("debootstrap needs root to build a base image", hint="run as root (or sudo)")
    work = Path(tempfile.mkdtemp(prefix="tfopt-rootfs-", dir=_scratch()))
    rootfs = work / "rootfs"
    log_path = paths.logs_dir() / f"base-{base.key()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log_path, "w") as debootstrap_log:
            command = ["debootstrap", "--variant=minbase", f"--include={','.join(base.packages)}",
                       base.spec.suite, str(rootfs), base.mirror]
            debootstrap_log.write("$ " + " ".join(command) + "\n")
            debootstrap_log.flush()
            result = subprocess.run(command, stdout=debootstrap_log, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            raise BuildError(f"debootstrap {base.spec.suite} failed (exit {result.returncode})",
                             hint=f"its log: {log_path}")
        if base.prefix is not None:
            _copy_prefix(base.prefix, rootfs)
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(rootfs / cache, ignore_errors=True)
        tar_path = work / "rootfs.tar"
        subprocess.run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(tar_path), "."], check=True)
        changes = [label.label_instruction(_labels(base)),
                   *(f"ENV {line}" for line in _environment(base)), 'CMD ["/bin/bash"]']
        repository, tag = base.tag.split(":")
        engine.import_rootfs(tar_path, repository, tag, changes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scratch() -> Path:
    scratch = paths.rootfs_dir()
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch


def _copy_prefix(prefix: Path, rootfs: Path) -> None:
    target = rootfs / prefix.relative_to("/")
    shutil.copytree(prefix, target, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "test", "tests", "idlelib", "tkinter",
                                                  "turtledemo", "*_tkinter*"))
    # Let the non-root profiling user reach an interpreter under e.g. /root/.pyenv.
    for parent in target.relative_to(rootfs).parents:
        if str(parent) != ".":
            os.chmod(rootfs / parent, 0o755)
    subprocess.run(["chmod", "-R", "a+rX", str(target)], check=True)
