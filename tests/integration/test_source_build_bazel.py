"""Real Bazel on the real engine, through build-tf's TF path, on the Bazel fixture
(tests/fixtures/bazel-wheel): Bazel 0.19.1 from npm (sha256-checked), a builder image on
the debootstrapped Debian base, the cache volume, copts from the variant, the wheel,
manifest and ISA check; then a cache hit, --fetch-only, an offline build from the bundle
with the network off, and a remote cache on a fresh volume.

The fixture's one external archive and the remote cache are served by a server on the
host's loopback (tests/integration/loopback_http.py); build containers reach it through
the host network (the engine here runs with --bridge=none: containers have no other)."""

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from tfopt import paths

from loopback_http import LoopbackServer
from source_build_fixtures import cache as private_cache, plan  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
USER_CACHE = paths.cache_dir()  # before any fixture points TFOPT_CACHE elsewhere
DEP_FILES = FIXTURES / "bazel-wheel" / "distdir"
DEP_PORT = 38193  # the URL in tests/fixtures/bazel-wheel/src/WORKSPACE
DEP_SHA256 = "3bd0126695e1521981ac1c208ba0d35a0501cfeac04b11b41e974469a4438dce"
VOLUME = "tfopt-build-cache-bazel-wheel-0.1.0"


@pytest.fixture(scope="module")
def cache(private_cache):
    """The private TFOPT_CACHE of build-tf's tests; verified Bazel binaries are shared with the user's."""
    shared = USER_CACHE / "bazel"
    shared.mkdir(parents=True, exist_ok=True)
    os.symlink(shared, private_cache / "bazel")
    return private_cache


@pytest.fixture(scope="module")
def dep_server():
    """Serves fixture-dep-1.0.tar.gz where the WORKSPACE says, as GitHub serves TF's archives."""
    with LoopbackServer(DEP_FILES, DEP_PORT) as server:
        yield server


def fresh_volume(engine):
    """Drop the fixture's cache volume (tfopt made it; nothing else uses it), as on a new machine."""
    for volume in engine.client.volumes.list(filters={"name": VOLUME}):
        if volume.name == VOLUME and volume.attrs["Labels"].get("tfopt.managed") == "true":
            volume.remove(force=True)


def build(plan, name, **options):
    from tfopt.source_build.build import build_tf

    with contextlib.redirect_stdout(io.StringIO()) as said:
        entry = build_tf(plan, name, **options)
    return entry, said.getvalue().splitlines()


def bazel_summary(entry):
    """Bazel's own account of what it ran, from the build log."""
    return [line for line in Path(entry.log).read_text().splitlines() if "INFO:" in line and "process" in line]


@pytest.fixture(scope="module")
def haswell(engine, cache, plan, dep_server):
    fresh_volume(engine)
    return build(plan, "bazel-haswell")


def test_real_bazel_builds_the_haswell_fixture_with_fma_and_avx2(engine, cache, haswell, dep_server):
    entry, lines = haswell
    log = Path(entry.log).read_text()
    assert entry.isa["counts"]["fma"] > 0 and entry.isa["counts"]["avx2"] > 0, entry.isa
    assert entry.isa["expected"] == ["fma", "avx2"] and entry.isa["ok"] is True
    assert Path(entry.wheel).name == "tfopt_bazel_fixture-0.1.0-py3-none-linux_x86_64.whl"
    assert "tfopt_expect 'build:opt --copt=-march=haswell'" in log  # what configure wrote was checked
    assert "--config=opt --repository_cache=/cache/repository_cache" in log
    assert dep_server.counts["GET fixture-dep-1.0.tar.gz hit"] >= 1  # Bazel downloaded its external archive
    image = engine.image(entry.builder_image)
    assert image.labels["org.tfopt.bazel.version"] == "0.19.1" and image.labels["tfopt.kind"] == "builder"
    print(f"\nfirst build: {entry.build_seconds:.1f} s in the build container; {bazel_summary(entry)}")


def test_second_build_is_a_cache_hit(engine, cache, plan, haswell):
    first, _ = haswell
    again, _ = build(plan, "bazel-haswell", force=True)
    summary = bazel_summary(again)
    assert "INFO: 0 processes." in summary, summary
    assert again.isa["counts"] == first.isa["counts"]
    print(f"\ncache hit: build container {first.build_seconds:.1f} s → {again.build_seconds:.1f} s; {summary}")


def test_x86_64_copts_give_neither_fma_nor_avx2(engine, cache, plan, haswell):
    entry, _ = build(plan, "bazel-x86-64")
    assert entry.isa["counts"]["fma"] == 0 and entry.isa["counts"]["avx2"] == 0, entry.isa
    assert entry.isa["expected"] == [] and entry.isa["ok"] is True
    assert entry.builder_image == haswell[0].builder_image


@pytest.fixture(scope="module")
def bundle(engine, cache, plan, haswell, dep_server):
    from tfopt.source_build.build import bundle_dir, resolve

    fresh_volume(engine)
    before = dep_server.counts["GET fixture-dep-1.0.tar.gz hit"]
    assert build(plan, "bazel-haswell", fetch_only=True)[0] is None
    assert dep_server.counts["GET fixture-dep-1.0.tar.gz hit"] == before + 1
    return bundle_dir(resolve(plan.variants["bazel-haswell"], plan))


def test_fetch_only_makes_a_bundle_with_a_manifest(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    entries = {e["name"]: e for e in manifest["entries"]}
    dep = entries["fixture_dep"]
    assert dep["urls"] == [f"http://127.0.0.1:{DEP_PORT}/fixture-dep-1.0.tar.gz"] and dep["sha256"] == DEP_SHA256
    assert hashlib.sha256((bundle / dep["file"]).read_bytes()).hexdigest() == DEP_SHA256
    assert (bundle / "content_addressable" / "sha256" / DEP_SHA256 / "file").is_file()


def test_offline_build_from_the_bundle_with_the_network_off(engine, cache, plan, bundle, dep_server):
    from tfopt.source_build.build import resolve

    recipe = resolve(plan.variants["bazel-haswell"], plan, {"distdir": str(bundle)})
    assert recipe.network is False and recipe.network_mode is None
    fresh_volume(engine)
    before = dict(dep_server.counts)
    entry, _ = build(plan, "bazel-haswell", force=True, distdir=str(bundle))
    assert dict(dep_server.counts) == before  # nothing was downloaded
    assert "--distdir=/distdir" in Path(entry.log).read_text()
    assert entry.isa["counts"]["fma"] > 0 and entry.isa["counts"]["avx2"] > 0


def test_remote_cache_serves_a_build_on_a_fresh_volume(engine, cache, plan, bundle):
    with LoopbackServer() as remote:
        fresh_volume(engine)
        first, _ = build(plan, "bazel-haswell", force=True, distdir=str(bundle), remote_cache=remote.url)
        assert remote.counts["PUT ac"] >= 1 and remote.counts["PUT cas"] >= 1, remote.counts
        assert "--remote_http_cache=" + remote.url in Path(first.log).read_text()
        fresh_volume(engine)
        second, _ = build(plan, "bazel-haswell", force=True, distdir=str(bundle), remote_cache=remote.url)
    summary = bazel_summary(second)
    assert any("remote cache hit" in line for line in summary), summary
    assert remote.counts["GET ac hit"] >= 1 and remote.counts["GET cas hit"] >= 1, remote.counts
    assert second.isa["counts"] == first.isa["counts"]
    print(f"\nremote cache: fresh volume {first.build_seconds:.1f} s → {second.build_seconds:.1f} s; "
          f"{summary}; server {dict(remote.counts)}")
