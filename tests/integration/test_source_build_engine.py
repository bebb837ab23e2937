"""build-tf end to end on a real engine, through the ISA fixture recipe (tests/fixtures/isa-wheel):
the same code path as TensorFlow (version table → builder image → cache volume → build
container → wheel → objdump → manifest), in seconds and without network."""

import contextlib
import io
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from source_build_fixtures import cache, plan  # noqa: F401  (shared fixtures)
from tfopt.errors import BuildError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def haswell(engine, cache, plan):
    from tfopt.source_build.build import build_tf

    with contextlib.redirect_stdout(io.StringIO()) as said:
        entry = build_tf(plan, "fixture-haswell")
    return entry, said.getvalue().splitlines()


@pytest.fixture(scope="module")
def x86_64(engine, cache, plan):
    from tfopt.source_build.build import build_tf

    return build_tf(plan, "fixture-x86-64")


def managed_containers(engine):
    """tfopt's build containers still present (profile containers of other tests may run meanwhile)."""
    return engine.client.containers.list(
        all=True, filters={"label": ["tfopt.managed=true", "tfopt.kind=build"]})


def manifest_entries(cache):
    path = cache / "wheelhouse" / "built" / "manifest.json"
    return json.loads(path.read_text())["entries"] if path.exists() else []


def test_haswell_build_has_fma_and_avx2(engine, cache, haswell):
    entry, lines = haswell
    assert entry.isa["counts"]["fma"] > 0, entry.isa
    assert entry.isa["counts"]["avx2"] > 0, entry.isa
    assert entry.isa["expected"] == ["fma", "avx2"]
    assert entry.isa["ok"] is True
    assert {"avx2", "fma"} <= set(entry.isa["required_cpu_flags"])
    wheel = Path(entry.wheel)
    assert wheel.name == "tfopt_isa_fixture-0.1.0-cp311-cp311-linux_x86_64.whl"
    assert wheel.parent == cache / "wheelhouse" / "built" / "fixture-haswell" / entry.recipe_hash
    assert Path(entry.log).is_file() and "tfopt[build]$" in Path(entry.log).read_text()
    assert entry.flags["copts"] == "-O3 -march=haswell" and entry.build_seconds > 0
    assert any("ISA check" in line for line in lines)
    assert not managed_containers(engine)


def test_x86_64_build_has_neither(engine, x86_64):
    assert x86_64.isa["counts"]["fma"] == 0, x86_64.isa
    assert x86_64.isa["counts"]["avx2"] == 0, x86_64.isa
    assert x86_64.isa["counts"]["avx"] == 0, x86_64.isa
    assert x86_64.isa["expected"] == [] and x86_64.isa["ok"] is True


def test_both_builds_share_builder_image_and_cache_volume(engine, haswell, x86_64):
    entry, _ = haswell
    assert entry.builder_image == x86_64.builder_image
    assert entry.recipe_hash != x86_64.recipe_hash
    image = engine.image(entry.builder_image)
    assert image.labels["tfopt.kind"] == "builder" and image.labels["tfopt.managed"] == "true"
    volume = engine.client.volumes.get("tfopt-build-cache-isa-wheel-0.1.0")
    assert volume.attrs["Labels"]["tfopt.kind"] == "build-cache"


def test_manifest_and_built_wheel(engine, cache, plan, haswell, x86_64):
    from tfopt.source_build.build import built_wheel, check_host_supports

    entry, _ = haswell
    recorded = {(e["variant"], e["recipe_hash"]) for e in manifest_entries(cache)}
    assert recorded == {("fixture-haswell", entry.recipe_hash), ("fixture-x86-64", x86_64.recipe_hash)}
    found = built_wheel(plan.variants["fixture-haswell"])
    assert found is not None and found.sha256 == entry.sha256
    if {"avx2", "fma"} <= _host_flags():
        check_host_supports(found)


def test_second_build_is_skipped_and_force_rebuilds(engine, cache, plan, haswell, capsys):
    from tfopt.source_build.build import build_tf

    entry, _ = haswell
    logs_before = sorted((cache / "logs" / "build-tf").glob("*.log"))
    capsys.readouterr()
    again = build_tf(plan, "fixture-haswell")
    lines = capsys.readouterr().out.splitlines()
    assert again.built_at == entry.built_at and again.sha256 == entry.sha256
    assert any("is built" in line for line in lines), lines
    assert sorted((cache / "logs" / "build-tf").glob("*.log")) == logs_before

    forced = build_tf(plan, "fixture-haswell", force=True)
    assert forced.log != entry.log and Path(forced.wheel).is_file()
    assert forced.isa["counts"]["fma"] > 0
    assert not managed_containers(engine)


def test_tampered_wheel_is_rebuilt(engine, cache, plan, x86_64):
    from tfopt.source_build.build import build_tf, built_wheel

    with open(x86_64.wheel, "ab") as f:
        f.write(b"tampered")
    assert built_wheel(plan.variants["fixture-x86-64"]) is None
    rebuilt = build_tf(plan, "fixture-x86-64")
    assert rebuilt.log != x86_64.log and built_wheel(plan.variants["fixture-x86-64"]) is not None


def test_failing_recipe_fails_cleanly(engine, cache, plan):
    from tfopt.source_build.build import build_tf, built_wheel

    with pytest.raises(BuildError) as caught:
        build_tf(plan, "fixture-broken")
    message = str(caught.value)
    logs = sorted((cache / "logs" / "build-tf").glob("fixture-broken-*[0-9]Z.log"))
    assert logs and str(logs[-1]) in message
    assert "exited with code" in message
    assert "no-such-cpu" in logs[-1].read_text()
    assert all(e["variant"] != "fixture-broken" for e in manifest_entries(cache))
    assert built_wheel(plan.variants["fixture-broken"]) is None
    assert not list((cache / "wheelhouse" / "built" / "fixture-broken").glob("*/*.whl"))
    assert not managed_containers(engine)


def test_wheel_installs_and_runs_on_python311(haswell, x86_64, tmp_path):
    """The lead's pipeline installs the fixture wheel into a bookworm/3.11 image: no deps, importable."""
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the fixture wheel is cp311")
    entry, _ = haswell
    if not {"avx2", "fma"} <= _host_flags():
        pytest.skip("host cannot run -march=haswell code")
    results = []
    for wheel in (entry.wheel, x86_64.wheel):
        env = tmp_path / Path(wheel).stem
        venv.create(env, with_pip=True)
        python = env / "bin" / "python"
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel], check=True)
        out = subprocess.run([python, "-c", "import tfopt_isa_fixture as m; print(m.checksum())"],
                             check=True, capture_output=True, text=True).stdout.strip()
        results.append(out)
    expected = (sum(0.5 * i + 1 for i in range(1024)), sum(3 * i + 1 for i in range(1024)))
    assert results[0] == results[1] == str(expected)


def _host_flags():
    from tfopt.source_build.isa import host_cpu_flags

    return host_cpu_flags()
