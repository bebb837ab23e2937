"""Integration tests run against a real Docker engine. Under CI=true a missing
engine is a failure, never a skip."""

import os

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def engine():
    from tfopt.engine import Engine
    from tfopt.errors import EngineUnavailable

    try:
        return Engine.connect()
    except EngineUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and no Docker engine: {exc}")
        pytest.skip(f"no Docker engine: {exc}")
