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


@pytest.fixture(scope="module")
def second_engine():
    """A test-owned dockerd (see second_engine.py), started; stopped and removed afterwards.
    Under CI=true a failure to start it fails the test."""
    import shutil
    import tempfile
    from pathlib import Path

    from second_engine import SecondEngine
    from tfopt.errors import EngineUnavailable

    root = Path(tempfile.mkdtemp(prefix="tfopt-dockerd-", dir="/tmp"))
    second = SecondEngine(root)
    try:
        second.start()
    except EngineUnavailable as exc:
        second.stop()
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and no second dockerd: {exc}")
        pytest.skip(f"cannot start a second dockerd: {exc}")
    try:
        yield second
    finally:
        second.stop()
        shutil.rmtree(root, ignore_errors=True)
