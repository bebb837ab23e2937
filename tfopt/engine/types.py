"""What callers hand an engine and get back, free of docker-py; and, as Protocols, the parts of
Engine that each kind of caller uses, so that a stand-in engine (a test's) can be checked
against the real one.
"""

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Protocol, Tuple, runtime_checkable


@dataclass
class ContainerSpec:
    """What to run and under which limits. Paths in `collect` are copied out after exit."""

    image: str
    command: List[str]
    labels: Dict[str, str]
    name: Optional[str] = None
    environment: Dict[str, str] = field(default_factory=dict)
    nano_cpus: Optional[int] = None
    mem_limit: Optional[int] = None
    cpuset_cpus: Optional[str] = None
    user: Optional[str] = None
    network_disabled: bool = True
    network_mode: Optional[str] = None   # "host": e.g. to reach a service on the host's loopback
    read_only: bool = False
    tmpfs: Dict[str, str] = field(default_factory=dict)
    cap_drop: List[str] = field(default_factory=list)
    cap_add: List[str] = field(default_factory=list)
    security_opt: List[str] = field(default_factory=list)
    pids_limit: Optional[int] = None
    volumes: Dict[str, Dict[str, str]] = field(default_factory=dict)
    working_dir: Optional[str] = None
    collect: Dict[str, Path] = field(default_factory=dict)
    timeout_s: float = 3600.0

    def locked_down(self) -> "ContainerSpec":
        """No network, non-root, no capabilities, no privilege gain, read-only root."""
        self.network_disabled = True
        self.user = self.user or "65534:65534"
        self.read_only = True
        self.tmpfs = {"/tmp": "rw,nosuid,nodev,size=512m", **self.tmpfs}
        self.cap_drop = ["ALL"]
        self.security_opt = ["no-new-privileges"]
        self.pids_limit = self.pids_limit or 512
        return self


@dataclass
class ContainerOutcome:
    exit_code: int
    oom_killed: bool
    timed_out: bool
    stdout: str
    stderr: str
    started_at: str
    finished_at: str


@dataclass(frozen=True)
class ContainerInfo:
    """A container as an engine lists it."""

    name: str
    status: str                 # "created", "running", "exited", …
    labels: Dict[str, str]


@dataclass(frozen=True)
class ImageInfo:
    """An image as an engine has it."""

    id: str
    tags: Tuple[str, ...]
    size_bytes: Optional[int]
    labels: Dict[str, str]


@dataclass(frozen=True)
class EngineInfo:
    """What an engine says of itself and its machine (`docker info`)."""

    engine_id: str
    host_name: str
    ncpu: int
    memory_bytes: int
    kernel: str
    os: str
    architecture: str
    docker_version: str


@runtime_checkable
class ContainerRunner(Protocol):
    """What measuring uses (tfopt.measure.rounds): the image's facts, and its containers."""

    def version(self) -> str: ...

    def image(self, ref: str) -> Optional[ImageInfo]: ...

    def run(self, spec: ContainerSpec, on_stderr: Optional[Callable[[str], None]] = None
            ) -> ContainerOutcome: ...


@runtime_checkable
class ImageBuilder(Protocol):
    """What building a base image uses (tfopt.build.base)."""

    def image(self, ref: str) -> Optional[ImageInfo]: ...

    def pull(self, reference: str) -> bool: ...

    def build(self, context: io.BufferedIOBase, tag: str, labels: Dict[str, str],
              log_path: Path, on_line: Callable[[str], None],
              buildargs: Optional[Dict[str, str]] = None, target: Optional[str] = None) -> str: ...


@runtime_checkable
class Cleaner(Protocol):
    """What `invoke clean` uses (tfopt.engine.clean)."""

    def remove_services(self, labels: Dict[str, str]) -> List[str]: ...

    def remove_containers(self, labels: Dict[str, str]) -> List[str]: ...

    def remove_dangling(self, only_ids: Optional[Iterable[str]] = None) -> List[str]: ...

    def remove_images(self, labels: Dict[str, str]) -> List[str]: ...

    def remove_volumes(self, labels: Dict[str, str]) -> List[str]: ...
