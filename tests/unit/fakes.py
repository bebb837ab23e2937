"""Stand-ins for the Docker engine, one of each, shared by the unit tests.

`FakeEngine` stands in for tfopt.engine.client.Engine: it builds and pulls (as told), removes by
label (recording what it was asked), and runs profiling containers that print schema-valid
profiler documents with known speeds per variant. `FakeDockerClient` stands in for the docker-py
client under Engine. tests/integration runs the same code against real engines."""

import json
import random
import threading
import time
from typing import Iterable, Optional

import requests

from factories import profile_doc
from tfopt.engine.client import ContainerOutcome, ImageInfo
from tfopt.errors import BuildError, EngineUnavailable

IMAGE = "img"


class FakeEngine:
    """Each visit prints a profile scaled per variant (`scales`, by variant name), with a container
    effect of sd `spread`. `clock()` advances `visit_s` per visit, so time limits are testable
    without waiting. `fail` names variants whose container exits 1; after `lose_after` or
    `interrupt_after` visits the engine is lost or the user presses Ctrl-C. With `timed`, each
    container reports its start and finish on that clock (else placeholders). `present` are the
    images the engine holds; `pulls` and `builds` say whether a pull or a build succeeds.
    Safe to run from a thread (a multi-engine run's part)."""

    def __init__(self, scales=None, spread=0.02, visit_s=10.0, fail=None, lose_after=None, interrupt_after=None,
                 timed=False, present: Iterable[str] = (IMAGE,), pulls=True, builds=True):
        self.scales, self.spread, self.visit_s, self.timed = scales or {}, spread, visit_s, timed
        self.fail, self.lose_after, self.interrupt_after = fail or set(), lose_after, interrupt_after
        self.present, self.pulls, self.builds = set(present), pulls, builds
        self.specs, self.now = [], 1000.0
        self.pulled: Optional[str] = None
        self.built, self.removals = [], []
        self.rng = random.Random(7)
        self.mutex = threading.Lock()

    def clock(self) -> float:
        return self.now

    def version(self):
        return "fake"

    def image(self, tag):
        if tag not in self.present:
            return None
        return ImageInfo(id="sha256:" + "e" * 64, tags=(tag,), size_bytes=1, labels={})

    def pull(self, reference):
        self.pulled = reference
        return self.pulls

    def build(self, context, tag, labels, log_path, on_line, buildargs=None):
        self.built.append((tag, labels, context.read()))
        if not self.builds:
            raise BuildError("apt-get could not reach a mirror")
        self.present.add(tag)
        return "sha256:x"

    def run(self, spec):
        with self.mutex:
            if self.lose_after is not None and len(self.specs) >= self.lose_after:
                raise EngineUnavailable("the Docker engine stopped answering while running container x")
            if self.interrupt_after is not None and len(self.specs) >= self.interrupt_after:
                raise KeyboardInterrupt
            self.specs.append(spec)
            self.now += self.visit_s
            variant = spec.labels["tfopt.variant"]
            doc = profile_doc(self.scales[variant.split("@")[0]], container_sd=self.spread,
                              seed=self.rng.randrange(1 << 30))
            code = 1 if variant in self.fail else 0
            started, finished = (_stamp(self.now - self.visit_s), _stamp(self.now)) if self.timed else ("t0", "t1")
            return ContainerOutcome(code, False, False, json.dumps(doc), "boom" if code else "", started, finished)

    def remove_services(self, labels):
        self.removals.append(("services", labels))
        return []

    def remove_containers(self, labels):
        self.removals.append(("containers", labels))
        return ["c1"]

    def remove_dangling(self, only_ids=None):
        self.removals.append(("dangling", only_ids))
        return ["d1"]

    def remove_images(self, labels):
        self.removals.append(("images", labels))
        return ["i1", "i2"]

    def remove_volumes(self, labels):
        self.removals.append(("volumes", labels))
        return []


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime(seconds))


def visited(engine: FakeEngine):
    """The variants (arms) the engine ran, in order."""
    return [s.labels["tfopt.variant"] for s in engine.specs]


# ---------------------------------------------------------------- docker-py

class FakeResponse:
    """What docker.errors.APIError(response=...) reads."""

    def __init__(self, status_code):
        self.status_code, self.reason, self.url = status_code, "", "http://x"

    def json(self):
        return {}


class FakeContainer:
    """A docker-py container that exits 0; `on_reload`/`on_remove` are raised by reload()/remove()."""

    def __init__(self, on_reload=None, on_remove=None):
        self.on_reload, self.on_remove, self.removed = on_reload, on_remove, 0
        self.attrs = {"State": {"ExitCode": 0}}

    def start(self):
        pass

    def wait(self, timeout=None):
        return {"StatusCode": 0}

    def reload(self):
        if self.on_reload:
            raise self.on_reload

    def remove(self, **kwargs):
        self.removed += 1
        if self.on_remove:
            raise self.on_remove

    def logs(self, **kwargs):
        return b""


class FakeCollection:
    """client.containers / .images / .volumes: list() records its label filters and finds nothing;
    create() hands out the client's one container."""

    def __init__(self, client):
        self.client = client

    def list(self, **kwargs):
        self.client.listed.append(kwargs["filters"]["label"])
        return []

    def create(self, *args, **kwargs):
        return self.client.container


class FakeDockerClient:
    """A docker-py client whose engine answers ping() unless `answers` is false."""

    def __init__(self, container: Optional[FakeContainer] = None, answers=True):
        self.container, self.answers, self.listed = container, answers, []
        self.containers, self.images, self.volumes = FakeCollection(self), FakeCollection(self), FakeCollection(self)

    def ping(self):
        if not self.answers:
            raise requests.exceptions.ConnectionError("gone")
        return True
