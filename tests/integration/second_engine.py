"""A second, test-owned Docker engine that tests may stop and start, and a tiny fixture
image that stands in for a profiler.

SecondEngine runs its own dockerd (own --data-root, --exec-root, --pidfile and a unix
socket under a temporary folder, --iptables=false --bridge=none, vfs storage), so stopping
it never touches the shared engine. Needs root and dockerd on PATH.

The fixture image is NOT a g2p image: it is a few host binaries (sh, sleep, cat, od and
their libraries) plus a `python` shell script that, whatever its arguments, sleeps
$FIXTURE_DELAY seconds and prints one of eight schema-valid profiler documents baked into
the image for $FIXTURE_SET (scaled copies of a real tf2-stock profile with container
noise). It exists so that tests of the run loop and of engine loss need no TensorFlow
image on the second engine; real-profiler behaviour is tested elsewhere on real images.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from factories import profile_doc  # noqa: E402

from tfopt.engine.client import Engine  # noqa: E402
from tfopt.errors import EngineUnavailable  # noqa: E402

# Two fixture variants for invoke profile: FIXTURE_SET picks the baked-in profiles
# (scaled per SCALES), FIXTURE_DELAY how long each container runs.
SCALES = {"ref": 1.0, "fast": 0.6}
FIXTURE_PLAN = """
variants:
  ref:
    python: "3.11"
    tensorflow: {pypi: tensorflow-cpu==2.21.0}
    env: {FIXTURE_SET: ref, FIXTURE_DELAY: "%(delay)s"}
  fast:
    extends: ref
    env: {FIXTURE_SET: fast}
"""
FIXTURE_REPOSITORY = "tfopt-fixture-profiler"
FIXTURE_TAG = "1"
FIXTURE_IMAGE = f"{FIXTURE_REPOSITORY}:{FIXTURE_TAG}"
BINARIES = ("/bin/sh", "/bin/sleep", "/bin/cat", "/usr/bin/od")
PROFILES_PER_SET = 8
SHIM = """#!/bin/sh
# tfopt test fixture, not a profiler: prints a baked-in profile document.
sleep "${FIXTURE_DELAY:-1}"
n=$(( $(od -An -N1 -tu1 /dev/urandom) % %(count)d ))
cat "/fixture/${FIXTURE_SET:-ref}/$n.json"
"""


class SecondEngine:
    """dockerd on unix://<root>/docker.sock; start(), stop() (SIGTERM, as `systemctl stop`), engine()."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.socket = self.root / "docker.sock"
        self.url = f"unix://{self.socket}"
        self.log_path = self.root / "dockerd.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout_s: float = 90) -> Engine:
        if shutil.which("dockerd") is None:
            raise EngineUnavailable("dockerd is not on PATH", hint="apt-get install -y docker.io")
        command = ["dockerd", "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
                   "--pidfile", str(self.root / "dockerd.pid"), "-H", self.url,
                   "--iptables=false", "--ip-masq=false", "--bridge=none", "--storage-driver=vfs"]
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return Engine.connect(self.url)
            except EngineUnavailable:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise EngineUnavailable(f"the second dockerd did not come up; log: {self.log_path}\n"
                                            + self.log_path.read_text()[-2000:]) from None
                time.sleep(0.5)

    def stop(self, timeout_s: float = 60) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def fixture_rootfs(out: Path, scales: Dict[str, float], container_sd: float = 0.03, seed: int = 0) -> Path:
    """A rootfs tarball: host binaries + libraries, the shim as /usr/local/bin/python, profiles."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = set(BINARIES)
        for binary in BINARIES:
            listing = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
            files.update(part for line in listing.splitlines() for part in line.split()
                         if part.startswith("/"))
        for source in files:
            target = root / source.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.realpath(source), target)
        for folder in ("tmp", "dev", "proc", "sys", "usr/local/bin", "etc"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)
        shim = root / "usr/local/bin/python"
        shim.write_text(SHIM.replace("%(count)d", str(PROFILES_PER_SET)))
        shim.chmod(0o755)
        for index, (name, scale) in enumerate(sorted(scales.items())):
            folder = root / "fixture" / name
            folder.mkdir(parents=True)
            for n in range(PROFILES_PER_SET):
                doc = profile_doc(scale, container_sd=container_sd, seed=seed + 100 * index + n)
                (folder / f"{n}.json").write_text(json.dumps(doc))
        subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
        with tarfile.open(out, "w") as tar:
            tar.add(str(root), arcname=".")
    return out


def load_fixture_image(engine: Engine, scales: Dict[str, float], work: Path) -> str:
    """Import the fixture image into `engine` (a few MB); returns its tag."""
    tar_path = fixture_rootfs(Path(work) / "fixture-rootfs.tar", scales)
    engine.import_rootfs(tar_path, FIXTURE_REPOSITORY, FIXTURE_TAG, changes=[
        'LABEL tfopt.managed="true" tfopt.kind="test-fixture"',
        "ENV PATH=/usr/local/bin:/usr/bin:/bin",
    ])
    return FIXTURE_IMAGE


def profile_containers(client) -> list:
    """tfopt's profiling containers on a docker-py client, running or not."""
    return client.containers.list(all=True, filters={"label": ["tfopt.managed=true", "tfopt.kind=profile"]},
                                  ignore_removed=True)  # a container may go between list and inspect
