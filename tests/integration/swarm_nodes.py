"""Test-owned swarm machinery: dockerds of the test's own (one may live in a network namespace
joined over a veth pair), a real registry (Debian's docker-registry, distribution 2.8) on the
test's own address, and teardown that leaves nothing: services, swarm membership, dockerds,
namespaces, the registry and its storage.

Namespaces are named tfopt-test-*; traffic goes only to loopback or to addresses inside them.
Needs root, dockerd, ip (iproute2), unshare and nsenter (util-linux) and docker-registry on PATH.
"""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional

from tfopt.engine.client import Engine
from tfopt.errors import EngineUnavailable

REGISTRY_BINARY = "docker-registry"
REGISTRY_CONFIG = """version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: %(root)s}
  delete: {enabled: true}
http: {addr: "%(addr)s"}
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def missing_tools() -> List[str]:
    return [t for t in ("dockerd", "ip", "unshare", "nsenter", REGISTRY_BINARY) if shutil.which(t) is None]


class Dockerd:
    """dockerd on unix://<root>/docker.sock; in network namespace `netns` (and its own UTS
    namespace named `hostname`) when given."""

    def __init__(self, root: Path, netns: Optional[str] = None, hostname: Optional[str] = None,
                 insecure_registry: Optional[str] = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = f"unix://{self.root / 'docker.sock'}"
        self.netns, self.hostname, self.insecure_registry = netns, hostname, insecure_registry
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout_s: float = 90) -> Engine:
        command = ["dockerd", "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
                   "--pidfile", str(self.root / "dockerd.pid"), "-H", self.url,
                   "--iptables=false", "--ip-masq=false", "--bridge=none"]
        if self.insecure_registry:
            command += ["--insecure-registry", self.insecure_registry]
        if self.hostname:
            command = ["unshare", "--uts", "sh", "-c", f'hostname {self.hostname} && exec "$@"', "-", *command]
        if self.netns:  # nsenter, not `ip netns exec`: that remounts /sys, hiding the cgroup mounts dockerd needs
            command = ["nsenter", f"--net=/run/netns/{self.netns}", *command]
        log = open(self.root / "dockerd.log", "a")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return Engine.connect(self.url)
            except EngineUnavailable:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise EngineUnavailable("a test dockerd did not come up:\n"
                                            + (self.root / "dockerd.log").read_text()[-2000:]) from None
                time.sleep(0.5)

    def stop(self, timeout_s: float = 60) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for mount in reversed(Path("/proc/mounts").read_text().splitlines()):
            target = mount.split()[1]
            if target.startswith(str(self.root) + "/"):  # a swarm's ingress namespace can outlive its dockerd
                subprocess.run(["umount", "-l", target], capture_output=True)

    def docker(self, *args: str, check: bool = True) -> str:
        return subprocess.run(["docker", "-H", self.url, *args], capture_output=True, text=True,
                              check=check).stdout.strip()


class Registry:
    """docker-registry serving `addr` (HOST:PORT) from its own storage folder."""

    def __init__(self, root: Path, addr: str):
        self.root, self.addr = Path(root), addr
        self.root.mkdir(parents=True, exist_ok=True)
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout_s: float = 30) -> str:
        config = self.root / "config.yml"
        config.write_text(REGISTRY_CONFIG % {"root": self.root / "storage", "addr": self.addr})
        log = open(self.root / "registry.log", "a")
        self.process = subprocess.Popen([REGISTRY_BINARY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
        host, port = self.addr.rsplit(":", 1)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                return self.addr
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError("docker-registry did not come up:\n" + (self.root / "registry.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class Veth:
    """Namespace `name` (tfopt-test-*) joined to this one by a veth pair: HOST_IP here, NODE_IP there."""

    def __init__(self, name: str, host_ip: str = "10.213.0.1", node_ip: str = "10.213.0.2"):
        assert name.startswith("tfopt-test-")
        self.name, self.host_ip, self.node_ip = name, host_ip, node_ip
        self.host_end = name.replace("tfopt-test-", "tft-")[:15]

    def create(self) -> None:
        self.delete()
        for command in (["ip", "netns", "add", self.name],
                        ["ip", "link", "add", self.host_end, "type", "veth", "peer", "name", "eth0", "netns", self.name],
                        ["ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_end],
                        ["ip", "link", "set", self.host_end, "up"],
                        ["ip", "-n", self.name, "addr", "add", f"{self.node_ip}/30", "dev", "eth0"],
                        ["ip", "-n", self.name, "link", "set", "eth0", "up"],
                        ["ip", "-n", self.name, "link", "set", "lo", "up"]):
            subprocess.run(command, check=True, capture_output=True)

    def delete(self) -> None:
        subprocess.run(["ip", "link", "del", self.host_end], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def init_swarm(manager: Dockerd, advertise: str) -> None:
    manager.docker("swarm", "init", "--advertise-addr", advertise, "--listen-addr", f"{advertise}:{free_port(advertise)}")


def join_swarm(manager: Dockerd, worker: Dockerd, advertise: str) -> None:
    token = manager.docker("swarm", "join-token", "-q", "worker")
    address = manager.docker("info", "--format", "{{range .Swarm.RemoteManagers}}{{.Addr}}{{end}}")
    worker.docker("swarm", "join", "--token", token, "--advertise-addr", advertise, address)


def leave_swarm(*daemons: Dockerd) -> None:
    for daemon in daemons:
        if daemon.process and daemon.process.poll() is None:
            daemon.docker("swarm", "leave", "--force", check=False)


def wait_for_nodes(manager: Dockerd, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = manager.docker("node", "ls", "--format", "{{.Status}}").split()
        if states.count("Ready") >= count:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the swarm did not reach {count} ready node(s): {manager.docker('node', 'ls')}")


# ---------------------------------------------------------------- what the tests run

SMALL_VARIANTS = ("numpy-incremental", "numpy-incremental-b")
SMALL_PLAN_EXTRA = """
  numpy-incremental-b:
    extends: numpy-incremental
    description: numpy-incremental again, gated against it (one image for both)
    reference: numpy-incremental
    env: {OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", TFOPT_TEST_ARM: "b"}
"""
SMALL_FLAGS = {"rounds": 1, "repeats": 1, "warmups": 0, "max_words": 2}


def small_plan(folder: Path) -> Path:
    """The shipped variants.yaml plus a second NumPy variant whose reference is the first: the
    smallest real image, and a gate that compares two real results."""
    shipped = Path(__file__).resolve().parents[2] / "variants.yaml"
    text = shipped.read_text()
    assert "\nvariants:\n" in text
    head, _, tail = text.partition("\nvariants:\n")
    plan = Path(folder) / "variants.yaml"
    plan.write_text(head + "\nvariants:\n" + SMALL_PLAN_EXTRA.lstrip("\n") + tail)
    return plan


def small_image(default_engine: Engine, plan: Path) -> str:
    """numpy-incremental's image on the default engine (built once there, as other tests do)."""
    from tfopt.build.prepare import prepare
    from tfopt.plan.load import load_plan

    prepared = prepare(default_engine, load_plan(plan).select(["numpy-incremental"]))
    return prepared["numpy-incremental"].image


def copy_image(source: Engine, target: Engine, tag: str) -> None:
    """The image and its base image (which prepare checks before it reuses the image: without
    it, the test's engine would bootstrap one, minutes)."""
    from tfopt import labels
    from tfopt.engine import fleet
    from tfopt.plan.engines import Target

    base = source.image(tag).labels.get(labels.BASE)
    fleet.ship(fleet.Member(Target("default", None), source), fleet.Member(Target("test", target.url), target),
               [tag] + ([base] if base else []))


def tfopt_services(daemon: "Dockerd", *labels: str) -> List[str]:
    """The names of tfopt's services (also carrying each `KEY=VALUE` of labels) on a manager."""
    filters = [a for label in ("tfopt.managed=true", *labels) for a in ("--filter", f"label={label}")]
    return daemon.docker("service", "ls", *filters, "--format", "{{.Name}}").split()


@contextlib.contextmanager
def two_node_swarm(default_engine: Engine, tag: str, worker_name: str, prefix: str = "tfopt-swarm2-"):
    """A manager dockerd of its own and a worker dockerd in network namespace tfopt-test-swarm
    (host name `worker_name`), joined over a veth pair, with docker-registry on the veth's host
    address and `tag` (from the default engine) on the manager. Yields {"manager", "worker",
    "registry"}; tears all of it down, swarm membership included."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    veth = Veth("tfopt-test-swarm")
    veth.create()
    registry = Registry(root / "registry", f"{veth.host_ip}:{free_port(veth.host_ip)}")
    manager = Dockerd(root / "manager", insecure_registry=registry.addr)
    worker = Dockerd(root / "worker", netns=veth.name, hostname=worker_name, insecure_registry=registry.addr)
    try:
        registry.start()
        copy_image(default_engine, manager.start(), tag)
        worker.start()
        init_swarm(manager, veth.host_ip)
        join_swarm(manager, worker, veth.node_ip)
        wait_for_nodes(manager, 2)
        yield {"manager": manager, "worker": worker, "registry": registry.addr}
    finally:
        leave_swarm(worker, manager)
        worker.stop()
        manager.stop()
        registry.stop()
        veth.delete()
        shutil.rmtree(root, ignore_errors=True)


def profile_through(swarm: dict, results: Path, **flags) -> None:
    """`invoke profile` of the small plan's variants through `swarm` (a fixture's dict)."""
    import tasks
    from invoke import Context

    flags = {**SMALL_FLAGS, "variant": list(SMALL_VARIANTS), **flags}
    tasks.profile(Context(), file=str(swarm["plan"]), results=str(results), swarm=swarm["manager"].url,
                  registry=swarm["registry"], **flags)
