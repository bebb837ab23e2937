"""The only module that talks to the container engine (Docker SDK for Python).

Everything tfopt creates carries the label tfopt.managed=true (tfopt.labels.MANAGED) and
every listing is filtered by it, so that `clean` and leftover removal touch nothing else.
"""

import io
import os
import re
import tarfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

from ..errors import BuildError, EngineUnavailable, RunError
from ..host import sigterm_as_ctrl_c
from ..labels import managed
from .types import ContainerInfo, ContainerOutcome, ContainerSpec, EngineInfo, ImageInfo

ENGINE_HINT = (
    "start one: `apt-get install -y docker.io debootstrap && dockerd --iptables=false --bridge=none &` "
    "(as root), or point DOCKER_HOST at a running engine"
)


def _docker():
    import docker  # imported here so that `invoke --list` works without it

    return docker


ENGINE_LOST_HINT = ("results measured so far are kept; a container this run left behind is removed "
                    "when the next `invoke profile` starts (or by `invoke clean`)")
STEP_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12,64})\s*$", re.M)  # classic builder: each step's image


def _connection_errors() -> tuple:
    """The exceptions docker-py lets through when the engine's socket goes away."""
    import requests
    import urllib3

    return (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.ProtocolError, ConnectionError)


def container_name(*parts: str) -> str:
    """A valid Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+) from readable parts."""
    text = "-".join(re.sub(r"[^a-zA-Z0-9_.-]+", "-", p).strip("-") for p in parts if p)
    return (text if re.match(r"[a-zA-Z0-9]", text) else "tfopt-" + text)[:200]


def _label_filter(labels: Dict[str, str]) -> Dict[str, List[str]]:
    """A listing filter for tfopt's own things that also carry `labels`."""
    return {"label": [f"{k}={v}" for k, v in managed(labels).items()]}


def client_arguments(url: Optional[str]) -> Dict[str, object]:
    """docker-py client arguments for an engine URL: unix:///path, tcp://host:port (TLS when
    DOCKER_TLS_VERIFY or DOCKER_CERT_PATH is set, as the docker CLI does), ssh://user@host
    (through the system's ssh), or the name of a Docker context. None: DOCKER_HOST's engine."""
    docker = _docker()
    if url is None:
        return {}
    if "://" not in url:
        context = docker.ContextAPI.get_context(url)
        if context is None:
            known = [c.Name for c in docker.ContextAPI.contexts()]
            raise EngineUnavailable(f"no Docker context named {url!r}",
                                    hint=f"known contexts: {', '.join(known)}; or give a URL "
                                         "(unix:///path, tcp://host:2376, ssh://user@host)")
        arguments: Dict[str, object] = {"base_url": context.Host}
        if context.TLSConfig:
            arguments["tls"] = context.TLSConfig
        return arguments
    if url.startswith("ssh://"):
        return {"base_url": url, "use_ssh_client": True}
    if url.startswith("tcp://") and (os.environ.get("DOCKER_TLS_VERIFY") or os.environ.get("DOCKER_CERT_PATH")):
        cert_path = Path(os.environ.get("DOCKER_CERT_PATH") or Path.home() / ".docker")
        verify = bool(os.environ.get("DOCKER_TLS_VERIFY"))
        return {"base_url": url, "tls": docker.tls.TLSConfig(
            client_cert=(str(cert_path / "cert.pem"), str(cert_path / "key.pem")),
            ca_cert=str(cert_path / "ca.pem") if verify else None, verify=verify)}
    return {"base_url": url}


class Engine:
    """A thin layer over docker-py: build, import, run, copy out, ship images, clean."""

    def __init__(self, client, url: Optional[str] = None, resolved: Optional[str] = None):
        self.client = client
        self.url = url  # as the user gave it: a URL or a Docker context's name
        self.resolved = resolved  # the URL it stands for

    @classmethod
    def connect(cls, base_url: Optional[str] = None) -> "Engine":
        """The engine DOCKER_HOST names, or the one at base_url: a URL (unix://, tcp://, ssh://)
        or a Docker context's name."""
        docker = _docker()
        where = f" at {base_url}" if base_url else ""
        try:
            arguments = client_arguments(base_url)
            if arguments:
                client = docker.DockerClient(timeout=600, **arguments)
            else:
                client = docker.from_env(timeout=600)
            client.ping()
        except EngineUnavailable:
            raise
        except Exception as exc:  # docker raises several unrelated types here
            raise EngineUnavailable(f"no Docker engine answers{where} ({exc.__class__.__name__}: {exc})",
                                    hint=ENGINE_HINT if not base_url else
                                    f"check that dockerd runs there and that this user may reach {base_url}"
                                    ) from None
        resolved = str(arguments.get("base_url") or "") or None
        if resolved and resolved.startswith("http+unix://"):  # how a context stores a socket
            resolved = "unix://" + resolved[len("http+unix://"):]
        return cls(client, base_url, resolved)

    @property
    def endpoint(self) -> str:
        """The URL this engine was reached at (the local engine's: DOCKER_HOST, else the socket)."""
        return self.resolved or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"

    def version(self) -> str:
        return self.client.version().get("Version", "unknown")

    def info(self) -> EngineInfo:
        raw = self.client.info()
        # ID alone can repeat: daemons of one host may share its key; their data roots differ
        return EngineInfo(engine_id=f"{raw.get('ID', '?')}:{raw.get('DockerRootDir', '?')}", host_name=raw.get("Name", "?"), ncpu=int(raw.get("NCPU") or 0),
                          memory_bytes=int(raw.get("MemTotal") or 0), kernel=raw.get("KernelVersion", "?"),
                          os=raw.get("OperatingSystem", "?"), architecture=raw.get("Architecture", "?"),
                          docker_version=raw.get("ServerVersion") or self.version())

    def is_swarm_manager(self) -> bool:
        return bool(self.client.info().get("Swarm", {}).get("ControlAvailable"))

    def answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except Exception:  # any failure to answer means: not answering
            return False

    def lost(self, doing: str) -> EngineUnavailable:
        return EngineUnavailable(f"the Docker engine stopped answering while {doing}", hint=ENGINE_LOST_HINT)

    # images -------------------------------------------------------------
    def image(self, ref: str) -> Optional[ImageInfo]:
        docker = _docker()
        try:
            image = self.client.images.get(ref)
        except docker.errors.ImageNotFound:
            return None
        return ImageInfo(id=image.id, tags=tuple(image.tags), size_bytes=image.attrs.get("Size"),
                         labels=dict(image.labels or {}))

    def image_id(self, ref: str) -> Optional[str]:
        image = self.image(ref)
        return image.id if image is not None else None

    def save_image(self, ref: str) -> Iterable[bytes]:
        """`docker save` of one tagged image, streamed in chunks (nothing is written to disk)."""
        try:
            return self.client.images.get(ref).save(named=True)
        except _connection_errors():
            raise self.lost(f"saving {ref}") from None

    def load_image(self, chunks: Iterable[bytes]) -> None:
        """`docker load` from a stream of chunks (e.g. another engine's save_image)."""
        try:
            for chunk in self.client.api.load_image(chunks):
                if isinstance(chunk, dict) and chunk.get("error"):
                    raise BuildError(f"loading an image into {self.endpoint} failed: {chunk['error']}")
        except _connection_errors():
            raise self.lost("loading an image") from None

    def containers_have_network(self) -> bool:
        """Whether containers get a network by default (dockerd --bridge=none gives them none)."""
        return bool(self.client.networks.list(names=["bridge"]))

    def pull(self, reference: str) -> bool:
        """True when a registry answered with the image; False when none did."""
        docker = _docker()
        repository, _, tag = reference.partition(":")
        try:
            self.client.images.pull(repository, tag=tag or "latest")
            return True
        except (docker.errors.APIError, docker.errors.ImageNotFound):
            return False

    def build(self, context: io.BufferedIOBase, tag: str, labels: Dict[str, str],
              log_path: Path, on_line: Callable[[str], None],
              buildargs: Optional[Dict[str, str]] = None, target: Optional[str] = None) -> str:
        """Build from a tar context (up to stage `target`, if given), streaming each log line
        to on_line and log_path."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        image_id = None
        steps: List[str] = []
        try:
            image_id = self._build(context, tag, labels, log_path, on_line, buildargs, steps, target)
        except _connection_errors():
            raise self.lost(f"building {tag} (log: {log_path})") from None
        finally:
            if self.answers():
                self.remove_dangling(steps)
        image = self.image(tag)
        if image is None:
            raise BuildError(f"building {tag} produced no image", hint=f"full log: {log_path}")
        return image_id or image.id

    def _build(self, context, tag, labels, log_path, on_line, buildargs, steps: List[str],
               target: Optional[str] = None) -> Optional[str]:
        image_id = None
        with open(log_path, "w") as log:
            stream = self.client.api.build(
                fileobj=context, custom_context=True, tag=tag, labels=managed(labels),
                buildargs=buildargs or {}, rm=True, forcerm=True, decode=True, pull=False,
                **({"target": target} if target else {}),
            )
            for chunk in stream:
                if "error" in chunk:
                    log.write(chunk["error"] + "\n")
                    raise BuildError(f"building {tag} failed: {chunk['error'].strip()}",
                                     hint=f"full log: {log_path}")
                text = chunk.get("stream", "")
                if text:
                    log.write(text)
                    log.flush()
                    steps.extend(STEP_IMAGE.findall(text))
                    for line in text.splitlines():
                        if line.strip():
                            on_line(line)
                if "aux" in chunk and "ID" in chunk["aux"]:
                    image_id = chunk["aux"]["ID"]
        return image_id

    def import_rootfs(self, tar_path: Path, repository: str, tag: str,
                      changes: Iterable[str] = ()) -> str:
        """`docker import` a root filesystem tarball."""
        result = self.client.api.import_image_from_file(
            str(tar_path), repository=repository, tag=tag, changes=list(changes))
        ref = f"{repository}:{tag}"
        image = self.image(ref)
        if image is None:
            raise BuildError(f"importing {tar_path} as {ref} failed: {result}")
        return image.id

    def remove_dangling(self, only_ids: Optional[Iterable[str]] = None) -> List[str]:
        """Remove untagged, childless images tfopt made: the earlier stages of a multi-stage
        build (they inherit the base image's tfopt labels). With only_ids, only those."""
        docker = _docker()
        wanted = None if only_ids is None else {i.replace("sha256:", "")[:12] for i in only_ids}
        removed = []
        filters = {"dangling": True, **_label_filter({})}
        for image in self.client.images.list(filters=filters):
            short = image.id.replace("sha256:", "")[:12]
            if wanted is not None and short not in wanted:
                continue
            try:
                self.client.images.remove(image.id, noprune=False)
                removed.append(image.short_id)
            except (docker.errors.ImageNotFound, docker.errors.APIError):
                pass  # gone already, or another build is using it right now
        return removed

    def remove_images(self, labels: Dict[str, str]) -> List[str]:
        removed = []
        for image in self.client.images.list(filters=_label_filter(labels)):
            self.client.images.remove(image.id, force=True)
            removed.append(image.short_id)
        return removed

    # containers ---------------------------------------------------------
    def run(self, spec: ContainerSpec, on_stderr: Optional[Callable[[str], None]] = None
            ) -> ContainerOutcome:
        """create → start → wait (timeout) → inspect → logs → collect → remove (always).

        Raises EngineUnavailable when the engine goes away meanwhile."""
        doing = f"running container {spec.name or spec.image}"
        docker = _docker()
        try:
            outcome = self._run(spec, on_stderr)
        except _connection_errors():
            raise self.lost(doing) from None
        except docker.errors.NotFound:
            raise RunError(f"container {spec.name or spec.image} was removed while it ran",
                           hint="another `invoke profile` or `invoke clean` on this engine removed it; "
                                "run one profiling job per engine at a time") from None
        if outcome.exit_code != 0 and not self.answers():  # killed by the engine shutting down
            raise self.lost(doing)
        return outcome

    def _run(self, spec: ContainerSpec, on_stderr) -> ContainerOutcome:
        container = self.client.containers.create(
            spec.image, spec.command, labels=managed(spec.labels), name=spec.name,
            environment=spec.environment, nano_cpus=spec.nano_cpus, mem_limit=spec.mem_limit,
            memswap_limit=spec.mem_limit, cpuset_cpus=spec.cpuset_cpus, user=spec.user,
            network_disabled=spec.network_disabled, network_mode=spec.network_mode,
            read_only=spec.read_only,
            tmpfs=spec.tmpfs or None, cap_drop=spec.cap_drop or None,
            cap_add=spec.cap_add or None, security_opt=spec.security_opt or None,
            pids_limit=spec.pids_limit, volumes=spec.volumes or None,
            working_dir=spec.working_dir, detach=True,
        )
        with sigterm_as_ctrl_c():  # `kill` too ends in the finally: the container is removed
            try:
                container.start()
                timed_out = self._wait(container, spec.timeout_s, on_stderr)
                container.reload()
                state = container.attrs["State"]
                stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
                stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
                for source, dest in spec.collect.items():
                    self._copy_out(container, source, dest)
                return ContainerOutcome(
                    exit_code=state.get("ExitCode", -1), oom_killed=bool(state.get("OOMKilled")),
                    timed_out=timed_out, stdout=stdout, stderr=stderr,
                    started_at=state.get("StartedAt", ""), finished_at=state.get("FinishedAt", ""),
                )
            finally:
                try:
                    container.remove(force=True, v=True)
                except _docker().errors.NotFound:
                    pass  # removed already
                except _docker().errors.APIError as exc:
                    if exc.status_code != 409:  # 409: its removal is already in progress
                        raise
                except Exception:
                    if self.answers():
                        raise
                    # the engine is gone: the container goes when the next run starts
                    # (tfopt.measure.pipeline.remove_leftovers)

    def _wait(self, container, timeout_s: float, on_stderr) -> bool:
        deadline = time.monotonic() + timeout_s
        if on_stderr is not None:
            buffer = b""
            for chunk in container.logs(stdout=False, stderr=True, stream=True, follow=True):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    on_stderr(line.decode("utf-8", "replace"))
                if time.monotonic() > deadline:
                    break
        remaining = max(1.0, deadline - time.monotonic())
        try:
            container.wait(timeout=remaining)
            return False
        except Exception:  # requests' ReadTimeout/ConnectionError on timeout, or the engine went away
            if not self.answers():
                raise self.lost("waiting for a container") from None
            container.kill()
            container.wait(timeout=60)
            return True

    def _copy_out(self, container, source: str, dest: Path) -> None:
        docker = _docker()
        dest.mkdir(parents=True, exist_ok=True)
        try:
            stream, _ = container.get_archive(source)
        except docker.errors.NotFound:
            raise RunError(f"{source} does not exist in the container") from None
        buffer = io.BytesIO(b"".join(stream))
        with tarfile.open(fileobj=buffer) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    target = dest / Path(member.name).name
                    with archive.extractfile(member) as src, open(target, "wb") as out:
                        out.write(src.read())

    def containers(self, labels: Dict[str, str]) -> List[ContainerInfo]:
        """tfopt's containers that carry `labels`, running or not."""
        return [ContainerInfo(name=c.name, status=c.status, labels=dict(c.labels))
                for c in self._containers(labels)]

    def _containers(self, labels: Dict[str, str]) -> list:
        return self.client.containers.list(all=True, filters=_label_filter(labels), ignore_removed=True)

    def create_marker(self, name: str, image: str, labels: Dict[str, str]) -> bool:
        """Create (never start) a container named `name`: Docker refuses a second container of
        one name on one engine, atomically, which makes it a lock. False: the name is taken."""
        docker = _docker()
        try:
            self.client.containers.create(image, ["tfopt-marker"], name=name, labels=managed(labels),
                                          network_disabled=True)
            return True
        except docker.errors.APIError as exc:
            if exc.status_code == 409:
                return False
            raise

    def marker_labels(self, name: str) -> Optional[Dict[str, str]]:
        """The labels of the container `name`, or None when there is none."""
        docker = _docker()
        try:
            return dict(self.client.containers.get(name).labels)
        except docker.errors.NotFound:
            return None

    def remove_container(self, name: str) -> bool:
        docker = _docker()
        try:
            self.client.containers.get(name).remove(force=True, v=True)
            return True
        except docker.errors.NotFound:
            return False

    def remove_containers(self, labels: Dict[str, str]) -> List[str]:
        removed = []
        for container in self._containers(labels):
            container.remove(force=True, v=True)
            removed.append(container.short_id)
        return removed

    # services (a swarm manager's) -----------------------------------------
    def remove_services(self, labels: Dict[str, str]) -> List[str]:
        """tfopt's swarm services that carry `labels`, removed (their tasks stop); none when this
        engine is not a swarm manager."""
        if not self.is_swarm_manager():
            return []
        removed, ids = [], []
        for service in self.client.api.services(filters=_label_filter(labels)):
            try:
                self.client.api.remove_service(service["ID"])
                removed.append(service["Spec"]["Name"])
                ids.append(service["ID"])
            except _docker().errors.NotFound:
                pass  # gone meanwhile
        self._wait_for_tasks_gone(ids)
        return removed

    def _wait_for_tasks_gone(self, service_ids: List[str], timeout_s: float = 60) -> None:
        """A removed service's task containers stop asynchronously; until they are gone their
        image cannot be removed (409 "image is being used by running container")."""
        deadline = time.monotonic() + timeout_s
        for service_id in service_ids:
            while time.monotonic() < deadline and self.client.api.containers(
                    all=True, filters={"label": f"com.docker.swarm.service.id={service_id}"}):
                time.sleep(0.5)

    # volumes ------------------------------------------------------------
    def ensure_volume(self, name: str, labels: Dict[str, str]) -> str:
        docker = _docker()
        try:
            return self.client.volumes.get(name).name
        except docker.errors.NotFound:
            return self.client.volumes.create(name, labels=managed(labels)).name

    def remove_volumes(self, labels: Dict[str, str]) -> List[str]:
        removed = []
        for volume in self.client.volumes.list(filters=_label_filter(labels)):
            volume.remove(force=True)
            removed.append(volume.name)
        return removed

