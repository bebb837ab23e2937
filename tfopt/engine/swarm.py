"""A Docker Swarm as the engines of a run: one SwarmNode per node, each a ContainerRunner.

A visit is a replicated-job service (one task, restart none) constrained to its node, under
the variant's CPU and memory limits, reserving every CPU of the node: Swarm's scheduler then
starts no second tfopt job there until it ends, whoever submits it, which is what the engine
lock does for plain engines. Images come from the run's registry, by digest (registry.py).

What a service cannot say (Docker 20.10, API 1.41) is listed in UNENFORCED and recorded with
every result: no cpuset (moby#30477; a cpuset is refused), no `no-new-privileges`, no OOM
flag (a task killed at its memory limit shows as exit 137).
"""

import hashlib
import time
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional

from ..errors import ConfigError, EngineUnavailable, NodeLost, RunError, Unschedulable
from ..host import sigterm_as_ctrl_c
from ..labels import managed
from .client import Engine, _connection_errors, _label_filter
from .types import ContainerInfo, ContainerOutcome, ContainerSpec, EngineInfo, ImageInfo

NODE = "tfopt.node"                # the node id a service is constrained to
SCHEDULE_TIMEOUT_S = 600.0         # a job not started by then is reported with Swarm's reason
MAX_NAME = 63
POLL_S = 0.25
NODE_CHECK_S = 2.0
TMPFS_BYTES = 512 << 20
PENDING = ("new", "pending", "assigned", "accepted", "preparing", "ready", "starting")
ENDED = ("complete", "failed", "rejected", "shutdown", "orphaned", "remove")
UNENFORCED = ("no-new-privileges (services cannot set it)", "cpuset (services have none)",
              "OOM-killed flag (exit 137 instead)")


def _stamp(text: Optional[str]) -> str:
    return text or datetime.now(timezone.utc).isoformat()


class SwarmNode:
    """One node of a swarm, reached through its manager. `images` maps a local tag to the
    `repository@digest` services name it by (set once pushed)."""

    def __init__(self, manager: Engine, node: dict, images: Optional[Dict[str, str]] = None):
        self.manager = manager
        self.node_id: str = node["ID"]
        self.node = node
        self.images: Dict[str, str] = images if images is not None else {}

    @property
    def endpoint(self) -> str:
        return f"{self.manager.endpoint}#node={self.node_id[:12]}"

    @property
    def host_name(self) -> str:
        return self.node.get("Description", {}).get("Hostname", "?")

    def version(self) -> str:
        return self.node.get("Description", {}).get("Engine", {}).get("EngineVersion", "unknown")

    def info(self) -> EngineInfo:
        description = self.node.get("Description", {})
        resources = description.get("Resources", {})
        platform = description.get("Platform", {})
        return EngineInfo(engine_id=self.node_id, host_name=self.host_name,
                          ncpu=int(resources.get("NanoCPUs", 0) // 10**9),
                          memory_bytes=int(resources.get("MemoryBytes", 0)), kernel="?",
                          os=platform.get("OS", "?"), architecture=platform.get("Architecture", "?"),
                          docker_version=self.version())

    def facts(self) -> Dict[str, object]:
        """What a result records of the node beyond an engine's facts."""
        return {"backend": "swarm", "node_id": self.node_id, "manager": self.manager.endpoint,
                "images": dict(self.images), "unenforced": list(UNENFORCED)}

    def answers(self) -> bool:
        try:
            return self._node_state() == "ready"
        except Exception:  # the manager does not answer either
            return False

    def _node_state(self) -> str:
        return self.manager.client.api.inspect_node(self.node_id).get("Status", {}).get("State", "unknown")

    def image(self, ref: str) -> Optional[ImageInfo]:
        """The image as built (on the manager's engine); nodes run it by digest."""
        return self.manager.image(ref)

    # leftovers ------------------------------------------------------------
    def containers(self, labels: Dict[str, str]) -> List[ContainerInfo]:
        """tfopt's services on this node that carry `labels`, as ContainerInfo (status: the task's)."""
        found = []
        for service in self.manager.client.api.services(filters=_label_filter({**labels, NODE: self.node_id})):
            tasks = self.manager.client.api.tasks(filters={"service": service["ID"]})
            state = tasks[0]["Status"]["State"] if tasks else "created"
            found.append(ContainerInfo(name=service["Spec"]["Name"], status="running" if state == "running" else state,
                                       labels=dict(service["Spec"].get("Labels") or {})))
        return found

    def remove_container(self, name: str) -> bool:
        return remove_service(self.manager, name)

    # visits ---------------------------------------------------------------
    def run(self, spec: ContainerSpec, on_stderr: Optional[Callable[[str], None]] = None) -> ContainerOutcome:
        """create the job → wait for its task → its logs → remove the service (always)."""
        if spec.cpuset_cpus:
            raise ConfigError(f"a cpuset ({spec.cpuset_cpus}) cannot be given to a Swarm service (moby#30477)",
                              hint="leave out --pin and limits.cpuset on --swarm, or use --engine")
        if spec.collect or spec.volumes or spec.network_mode:
            raise ConfigError("a Swarm visit copies nothing out and mounts nothing: only the profiler's stdout returns",
                              hint="use --engine for this job")
        api = self.manager.client.api
        name = service_name(spec.name or f"tfopt-{int(time.time() * 1000)}")
        try:
            with sigterm_as_ctrl_c():
                api.create_service(self._task_template(spec), name=name, labels=self._labels(spec),
                                   mode={"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}})
                try:
                    return self._wait(name, spec)
                finally:
                    remove_service(self.manager, name)
        except _connection_errors():
            raise self.manager.lost(f"running job {name} on node {self.host_name}") from None

    def _labels(self, spec: ContainerSpec) -> Dict[str, str]:
        return managed({**spec.labels, NODE: self.node_id})

    def _task_template(self, spec: ContainerSpec) -> dict:
        node_cpus = int(self.node.get("Description", {}).get("Resources", {}).get("NanoCPUs", 0))
        container = {
            "Image": self.images.get(spec.image, spec.image), "Command": spec.command,
            "Env": [f"{k}={v}" for k, v in spec.environment.items()], "Labels": self._labels(spec),
            "User": spec.user, "ReadOnly": spec.read_only, "CapabilityDrop": spec.cap_drop or None,
            "CapabilityAdd": spec.cap_add or None, "Dir": spec.working_dir,
            "Mounts": [{"Type": "tmpfs", "Target": target, "TmpfsOptions": {"SizeBytes": TMPFS_BYTES, "Mode": 0o1777}}
                       for target in spec.tmpfs],
        }
        limits = {"NanoCPUs": spec.nano_cpus, "MemoryBytes": spec.mem_limit, "Pids": spec.pids_limit}
        return {
            "ContainerSpec": {k: v for k, v in container.items() if v not in (None, [], {})},
            "Resources": {"Limits": {k: v for k, v in limits.items() if v},
                          "Reservations": {"NanoCPUs": node_cpus}},  # the whole node: one visit at a time
            "RestartPolicy": {"Condition": "none", "MaxAttempts": 0},
            "Placement": {"Constraints": [f"node.id=={self.node_id}"]},
        }

    def _task(self, name: str) -> Optional[dict]:
        tasks = self.manager.client.api.tasks(filters={"service": name})
        return max(tasks, key=lambda t: t.get("CreatedAt", "")) if tasks else None

    def _wait(self, name: str, spec: ContainerSpec) -> ContainerOutcome:
        created = time.monotonic()
        running_since: Optional[float] = None
        started_at = None
        next_node_check = created + NODE_CHECK_S
        timed_out = False
        while True:
            task = self._task(name)
            state = task["Status"]["State"] if task else "new"
            now = time.monotonic()
            if state in ENDED:
                break
            if state == "running" and running_since is None:
                running_since, started_at = now, task["Status"].get("Timestamp")
            if running_since is None and now - created > SCHEDULE_TIMEOUT_S:
                reason = (task or {}).get("Status", {}).get("Err") or (task or {}).get("Status", {}).get("Message")
                raise Unschedulable(f"Swarm did not start job {name} on node {self.host_name} within "
                                    f"{SCHEDULE_TIMEOUT_S:.0f} s: {state}: {reason or 'no reason given'}",
                                    hint="`docker node ls` and `docker service ps --no-trunc` on the manager show "
                                         "why; another run's job holds the node while it measures")
            if running_since is not None and now - running_since > spec.timeout_s:
                timed_out = True
                remove_service(self.manager, name)
                break
            if now > next_node_check:
                next_node_check = now + NODE_CHECK_S
                node_state = self._node_state()
                if node_state != "ready":
                    raise NodeLost(f"node {self.host_name} ({self.node_id[:12]}) is {node_state} while job {name} "
                                   "ran on it", hint="results measured so far are kept; bring the node back "
                                                     "(`docker node ls` on the manager)")
            time.sleep(POLL_S)
        status = (task or {}).get("Status", {})
        if state == "rejected" or (state == "failed" and "ContainerStatus" not in status):
            raise RunError(f"Swarm could not run job {name} on node {self.host_name}: "
                           f"{status.get('Err') or status.get('Message')}",
                           hint="a node that cannot pull the image: check that it reaches the registry")
        exit_code = int(status.get("ContainerStatus", {}).get("ExitCode", -1)) if not timed_out else -1
        stdout, stderr = ("", "") if timed_out else self._logs(name, exit_code)
        return ContainerOutcome(exit_code=exit_code, oom_killed=False, timed_out=timed_out, stdout=stdout,
                                stderr=stderr, started_at=_stamp(started_at), finished_at=_stamp(status.get("Timestamp")))

    def _logs(self, name: str, exit_code: int) -> tuple:
        api = self.manager.client.api
        for _ in range(20):  # a finished task's logs can lag behind its state
            stdout = b"".join(api.service_logs(name, stdout=True, stderr=False, follow=False, is_tty=False))
            stderr = b"".join(api.service_logs(name, stdout=False, stderr=True, follow=False, is_tty=False))
            if stdout or exit_code != 0:
                break
            time.sleep(0.25)
        return stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def service_name(name: str) -> str:
    """A container name made a valid service name: at most 63 characters (a DNS label), its
    end replaced by a hash of the whole where it is longer."""
    if len(name) <= MAX_NAME:
        return name
    return f"{name[:MAX_NAME - 9].rstrip('-.')}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def remove_service(manager: Engine, name: str) -> bool:
    docker = __import__("docker")
    try:
        manager.client.api.remove_service(name)
        return True
    except docker.errors.NotFound:
        return False
    except Exception:
        if manager.answers():
            raise
        return False


def nodes(manager: Engine) -> List[SwarmNode]:
    """The swarm's ready, active nodes, through a manager; refused when it is not one."""
    if not manager.is_swarm_manager():
        raise EngineUnavailable(f"the engine at {manager.endpoint} is not a swarm manager",
                                hint="give a manager's endpoint to --swarm (`docker node ls` works there), "
                                     "or `docker swarm init` on it")
    ready = []
    for node in manager.client.api.nodes():
        status, availability = node.get("Status", {}).get("State"), node.get("Spec", {}).get("Availability")
        if status == "ready" and availability == "active":
            ready.append(SwarmNode(manager, node))
    if not ready:
        raise EngineUnavailable(f"the swarm at {manager.endpoint} has no ready, active node")
    return ready
