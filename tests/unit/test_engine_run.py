"""Engine.run when something else happens to the container or the engine meanwhile."""

import docker
import pytest
import requests

from fakes import FakeContainer, FakeDockerClient, FakeResponse
from tfopt.engine.client import ContainerSpec, Engine
from tfopt.errors import EngineUnavailable, RunError

SPEC = ContainerSpec(image="img", command=["x"], labels={}, name="tfopt-run-v-r1")


def test_a_container_removed_by_someone_else_is_a_run_error_not_a_traceback():
    conflict = docker.errors.APIError("409", response=FakeResponse(409))
    container = FakeContainer(on_reload=docker.errors.NotFound("gone"), on_remove=conflict)
    with pytest.raises(RunError, match="tfopt-run-v-r1 was removed while it ran"):
        Engine(FakeDockerClient(container)).run(SPEC)
    assert container.removed == 1


def test_connection_lost_while_waiting_is_engine_unavailable():
    container = FakeContainer(on_reload=requests.exceptions.ConnectionError("reset"),
                              on_remove=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(EngineUnavailable, match="stopped answering while running container tfopt-run-v-r1") as info:
        Engine(FakeDockerClient(container, answers=False)).run(SPEC)
    assert info.value.exit_code == 3 and "next `invoke profile`" in info.value.hint


def test_other_api_errors_on_removal_are_not_hidden():
    container = FakeContainer(on_remove=docker.errors.APIError("500", response=FakeResponse(500)))
    with pytest.raises(docker.errors.APIError):
        Engine(FakeDockerClient(container)).run(SPEC)
