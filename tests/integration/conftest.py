"""Integration tests run against a real Docker engine. Under CI=true a missing
engine is a failure, never a skip."""

import os

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def engine():
    from tfopt.engine.client import Engine
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


@pytest.fixture(scope="module")
def fixture_image(second_engine, tmp_path_factory):
    """The fixture profiler image (second_engine.py), loaded into the second engine."""
    from second_engine import SCALES, load_fixture_image
    from tfopt.engine.client import Engine

    return load_fixture_image(Engine.connect(second_engine.url), SCALES, tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def profile_on_second_engine(second_engine, fixture_image, tmp_path, monkeypatch):
    """`invoke profile` (the task itself, in this process) pointed at the second engine, every
    variant's image being the fixture image. Returns (profile(**flags), results folder);
    the flag `delay` sets how long each fixture container runs."""
    import sys
    from pathlib import Path

    from invoke import Context

    from second_engine import FIXTURE_PLAN
    from tfopt.measure import pipeline
    from tfopt.build.prepare import Prepared

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import tasks

    monkeypatch.setenv("DOCKER_HOST", second_engine.url)
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "prepare", lambda engine, variants, verbose, isa=False:
                        {v.name: Prepared(v, fixture_image) for v in variants})
    results_dir = tmp_path / "results"

    def profile(delay=4, **flags):
        plan = tmp_path / "variants.yaml"
        plan.write_text(FIXTURE_PLAN % {"delay": delay})
        flags.setdefault("variant", ["ref", "fast"])
        tasks.profile(Context(), file=str(plan), results=str(results_dir), repeats=1, warmups=0, **flags)

    return profile, results_dir
