"""The Docker engines of one run: which they are, that each answers, a lock on each, the
run's images on each, and what machine each one is.

Engines come from `--engine` (repeatable) or the variants file's `engines:` mapping
(name → URL), parsed into Targets by tfopt/plan/engines.py; with neither, the local engine
(DOCKER_HOST's) is the only one. A tcp:// URL takes TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH.

The lock: while a run uses an engine, a container named `tfopt-engine-lock` exists on it
(created, never started, from a tiny imported image). Docker refuses a second container of
the same name on one engine atomically, so a second tfopt run, from this host or any other,
cannot take the engine; it is refused with the holder's run id, pid and host. A lock whose
holder was a process of this host that no longer exists is stale and is taken over.
"""

import io
import os
import re
import socket
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from .. import labels as label
from ..plan.engines import LOCAL, Target
from . import registry as registries
from .client import Engine, container_name
from .swarm import SwarmNode, nodes
from .types import ContainerSpec
from ..clock import utc_stamp
from ..errors import BuildError, ConfigError, EngineBusy, EngineUnavailable
from ..host import parse_cpuinfo, process_alive
from ..log import log

LOCK_NAME = "tfopt-engine-lock"
MARKER_IMAGE = ("tfopt-marker", "1")


@dataclass
class Member:
    """A connected engine of this run, and what it turned out to be."""

    target: Target
    engine: Engine  # or a SwarmNode: the same ContainerRunner, through a swarm's manager
    facts: Dict[str, object] = field(default_factory=dict)
    registry: Optional[str] = None  # HOST:PORT a swarm's nodes pull the run's images from

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def builder(self) -> Engine:
        """The engine images are built on: a swarm's manager, else the engine itself."""
        return self.engine.manager if isinstance(self.engine, SwarmNode) else self.engine

    @property
    def locks(self) -> bool:
        """Whether tfopt's lock keeps runs apart here; on a swarm node the whole-node
        reservation of every visit does (swarm.py)."""
        return not isinstance(self.engine, SwarmNode)


def connect(chosen: Sequence[Target], registry: Optional[str] = None) -> List[Member]:
    """Every engine must answer before any work starts; all that don't are named at once. A
    swarm target becomes one member per ready node, and needs a registry that answers."""
    if len(chosen) == 1 and chosen[0].swarm:
        return connect_swarm(chosen[0], registry)
    if registry:
        raise ConfigError("--registry is for --swarm runs: plain engines get the images shipped (save → load)",
                          hint="add --swarm MANAGER_URL, or leave out --registry (and the file's registry:)")
    members, missing = [], []
    for target in chosen:
        try:
            members.append(Member(target, Engine.connect(target.url)))
        except EngineUnavailable as exc:
            missing.append(f"{target.shown}: {exc.args[0]}")
    if missing:
        raise EngineUnavailable(f"{len(missing)} of {len(chosen)} engine(s) do not answer; nothing was done:\n  "
                                + "\n  ".join(missing),
                                hint="start them, fix the URL, or leave them out of --engine")
    ids: Dict[str, str] = {}
    for m in members:
        engine_id = m.engine.info().engine_id
        if engine_id in ids:
            raise ConfigError(f"engines {ids[engine_id]} and {m.name} are the same Docker engine",
                              hint="list each engine once (a context and a URL can name one engine)")
        ids[engine_id] = m.name
    return members


def connect_swarm(target: Target, registry: Optional[str]) -> List[Member]:
    """The manager and the registry must answer; each ready node is then an engine of the run,
    named by its host name (with its id's start where two nodes share one)."""
    if not registry:
        raise ConfigError("a swarm run needs a registry its nodes pull the images from",
                          hint="add --registry HOST:PORT (or registry: in the variants file)")
    try:
        manager = Engine.connect(target.url)
    except EngineUnavailable as exc:
        raise EngineUnavailable(f"swarm manager {target.shown}: {exc.args[0]}", hint=exc.hint) from None
    address = registries.check(registry)
    found = nodes(manager)
    images: Dict[str, str] = {}  # one map for all nodes: every node runs the same digests
    hosts = [n.host_name for n in found]
    members = []
    for node in found:
        name = _safe_name(node.host_name if hosts.count(node.host_name) == 1 else
                          f"{node.host_name}-{node.node_id[:6]}")
        node.images = images
        members.append(Member(Target(name, target.url, swarm=True), node, registry=address))
    return members


def _safe_name(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.") or "node"


def distribute(members: Sequence[Member], tags: Sequence[str]) -> None:
    """The run's images onto every engine: pushed once to a swarm's registry (nodes pull them by
    digest), or shipped from the first engine to each other one."""
    if not members[0].locks:
        refs = registries.push(members[0].builder, members[0].registry, tags)
        members[0].engine.images.update(refs)
        return
    for member in members[1:]:
        ship(members[0], member, tags)


# ---------------------------------------------------------------- the lock

def _marker_image(engine: Engine) -> str:
    """A tiny image (one empty file) to create lock containers from; imported, no registry."""
    ref = ":".join(MARKER_IMAGE)
    if engine.image(ref) is None:
        with tempfile.TemporaryDirectory() as tmp:
            tar_path = Path(tmp) / "marker.tar"
            with tarfile.open(tar_path, "w") as tar:
                info = tarfile.TarInfo("tfopt-marker")
                tar.addfile(info, io.BytesIO(b""))
            engine.import_rootfs(tar_path, *MARKER_IMAGE,
                                 changes=[label.label_instruction(label.managed({label.KIND: label.Kind.MARKER}))])
    return ref


def _holder(labels: Dict[str, str]) -> str:
    return (f"run {labels.get(label.RUN, '?')} (pid {labels.get(label.PID, '?')} on "
            f"{labels.get(label.CONTROLLER, '?')}, since {labels.get(label.SINCE, '?')})")


def _stale(labels: Dict[str, str]) -> bool:
    """Held by a process of this host that is gone (or by this very process, whose earlier run
    could not release it because the engine had gone away)."""
    pid = labels.get(label.PID, "")
    if labels.get(label.CONTROLLER) != socket.gethostname() or not pid.isdigit():
        return False
    return int(pid) == os.getpid() or not process_alive(int(pid))


def _docker_cli(url: Optional[str]) -> str:
    if not url:
        return "docker"
    return f"docker -H {url}" if "://" in url else f"docker --context {url}"


def acquire(member: Member, run_id: str) -> None:
    engine = member.engine
    labels = {label.KIND: label.Kind.LOCK, label.RUN: run_id, label.PID: str(os.getpid()),
              label.CONTROLLER: socket.gethostname(),
              label.SINCE: utc_stamp()}
    image = _marker_image(engine)
    for _ in range(2):
        if engine.create_marker(LOCK_NAME, image, labels):
            return
        held = engine.marker_labels(LOCK_NAME)
        if held is None:
            continue  # released meanwhile
        if not _stale(held):
            raise EngineBusy(f"engine {member.target.shown} is in use by {_holder(held)}",
                             hint="one run per engine at a time: wait for that run to end. If its process "
                                  f"is gone for good (its machine rebooted), remove the lock: "
                                  f"{_docker_cli(member.target.url)} rm {LOCK_NAME}")
        log.info(f"engine {member.name}: taking over a stale lock of {_holder(held)}")
        engine.remove_container(LOCK_NAME)
    raise EngineBusy(f"engine {member.target.shown}: could not take its lock", hint="try again")


def release(member: Member, run_id: str) -> None:
    """Remove this run's lock; a lock that is no longer ours, or a dead engine, is left alone."""
    try:
        held = member.engine.marker_labels(LOCK_NAME)
        if held and held.get(label.RUN) == run_id:
            member.engine.remove_container(LOCK_NAME)
    except Exception:  # the engine is gone: its lock is stale for the next run from this host
        if member.engine.answers():
            raise


class locked:
    """`with locked(members, run_id):` holds every engine's lock; released in any case."""

    def __init__(self, members: Sequence[Member], run_id: str):
        self.members, self.run_id = [m for m in members if m.locks], run_id
        self.held: List[Member] = []

    def __enter__(self):
        try:
            for member in self.members:
                acquire(member, self.run_id)
                self.held.append(member)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for member in self.held:
            release(member, self.run_id)
        self.held = []
        return False


def holding(engine: Engine, job: str) -> locked:
    """The lock of one connected engine for a job that is not a profiling run (a flame graph,
    a source build): it too would disturb a run measuring there."""
    return locked([Member(Target(LOCAL, engine.url), engine)], job)


# ---------------------------------------------------------------- images and facts

def ship(source: Member, target: Member, tags: Sequence[str]) -> None:
    """Each image goes from `source` to `target` by save → load, streamed; after loading, the
    tag (a hash of the image's inputs) must name the very image `source` has."""
    for tag in dict.fromkeys(tags):
        wanted = source.engine.image_id(tag)
        if wanted is None:
            raise BuildError(f"{tag} is not on engine {source.name}, so it cannot be shipped")
        if target.engine.image_id(tag) == wanted:
            log.info(f"  {target.name}: {tag} is there already")
            continue
        with log.step(f"  {target.name}: shipping {tag} from {source.name}",
                      done=f"{target.name}: {tag} shipped from {source.name}"):
            target.engine.load_image(source.engine.save_image(tag))
            got = target.engine.image_id(tag)
            if got != wanted:
                raise BuildError(f"after loading {tag} into engine {target.name}, the tag names "
                                 f"{got or 'nothing'}, not {wanted}",
                                 hint="remove the image there (docker rmi) and run again")


def probe(member: Member, image: str, run_id: str) -> Dict[str, object]:
    """The engine's machine: `docker info`, and /proc/cpuinfo read in a container there (the
    CPU of a remote engine is not the controlling host's)."""
    info = member.engine.info()
    outcome = member.engine.run(ContainerSpec(
        image=image, command=["cat", "/proc/cpuinfo"], timeout_s=120,
        name=container_name("tfopt", run_id, "probe", member.name),
        labels={label.KIND: label.Kind.PROBE, label.RUN: run_id, label.PID: str(os.getpid())}).locked_down())
    cpu = parse_cpuinfo(outcome.stdout if outcome.exit_code == 0 else "")
    facts = {"name": member.name, "endpoint": member.engine.endpoint, **asdict(info),
             "cpu_model": cpu.model, "cpu_flags": list(cpu.flags),
             **(member.engine.facts() if not member.locks else {})}
    facts.pop("engine_id", None)
    member.facts = facts
    return facts


def describe(facts: Mapping[str, object]) -> str:
    return (f"{facts.get('name')}: {facts.get('endpoint')} · host {facts.get('host_name')} · "
            f"{facts.get('cpu_model') or 'CPU unknown'} · {facts.get('ncpu')} CPU(s) · "
            f"Docker {facts.get('docker_version')}")


def status_lines(members: Sequence[Member]) -> List[str]:
    """`invoke engines`: each engine, what it says it is, and who holds its lock."""
    lines = []
    for m in members:
        info = m.engine.info()
        held = m.engine.marker_labels(LOCK_NAME) if m.locks else None
        lines.append(f"{m.name}: {m.engine.endpoint} · host {info.host_name} · {info.ncpu} CPU(s) · "
                     f"{info.memory_bytes / 2**30:.0f} GiB · {info.os} · {info.architecture} · "
                     f"Docker {info.docker_version} · "
                     + (f"in use by {_holder(held)}" + (" (stale)" if _stale(held) else "") if held else "free"))
    return lines
