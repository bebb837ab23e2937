"""Engine.run when something else happens to the container or the engine meanwhile."""

import docker
import pytest
import requests

from tfopt.engine.client import ContainerSpec, Engine
from tfopt.errors import EngineUnavailable, RunError


class Response:
    def __init__(self, status_code):
        self.status_code, self.reason, self.url = status_code, "", "http://x"

    def json(self):
        return {}


class Container:
    def __init__(self, on_reload=None, on_remove=None):
        self.on_reload, self.on_remove, self.removed = on_reload, on_remove, 0

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


class Client:
    def __init__(self, container, answers=True):
        self.container, self.answers = container, answers
        self.containers = self

    def create(self, *args, **kwargs):
        return self.container

    def ping(self):
        if not self.answers:
            raise requests.exceptions.ConnectionError("gone")
        return True


SPEC = ContainerSpec(image="img", command=["x"], labels={}, name="tfopt-run-v-r1")


def test_a_container_removed_by_someone_else_is_a_run_error_not_a_traceback():
    conflict = docker.errors.APIError("409", response=Response(409))
    container = Container(on_reload=docker.errors.NotFound("gone"), on_remove=conflict)
    with pytest.raises(RunError, match="tfopt-run-v-r1 was removed while it ran"):
        Engine(Client(container)).run(SPEC)
    assert container.removed == 1


def test_connection_lost_while_waiting_is_engine_unavailable():
    container = Container(on_reload=requests.exceptions.ConnectionError("reset"),
                          on_remove=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(EngineUnavailable, match="stopped answering while running container tfopt-run-v-r1") as info:
        Engine(Client(container, answers=False)).run(SPEC)
    assert info.value.exit_code == 3 and "next `invoke profile`" in info.value.hint


def test_other_api_errors_on_removal_are_not_hidden():
    container = Container(on_remove=docker.errors.APIError("500", response=Response(500)))
    container.attrs = {"State": {"ExitCode": 0}}
    container.logs = lambda **kw: b""
    with pytest.raises(docker.errors.APIError):
        Engine(Client(container)).run(SPEC)
