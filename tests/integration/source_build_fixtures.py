"""Fixtures shared by the build-tf integration modules (test_source_build_engine.py and
test_source_build_bazel.py): a private cache and the fixture variants file."""

from pathlib import Path

import pytest

from tfopt.plan.load import load_plan

VARIANTS = Path(__file__).resolve().parents[1] / "fixtures" / "variants-fixture.yaml"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A private TFOPT_CACHE (wheelhouse, manifest, logs) for this module."""
    root = tmp_path_factory.mktemp("tfopt-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFOPT_CACHE", str(root))
        yield root


@pytest.fixture(scope="module")
def plan():
    return load_plan(VARIANTS)
