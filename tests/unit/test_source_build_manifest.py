"""The built-wheel manifest, built_wheel() and the skip logic, without an engine."""

from pathlib import Path

import pytest
import yaml

from tfopt.plan.load import load_plan
from tfopt.source_build import manifest
from tfopt.source_build.recipe import resolve

FIXTURE_RECIPE = Path(__file__).resolve().parents[1] / "fixtures" / "isa-wheel"


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    from tfopt.engine.client import Engine

    def refuse(*args, **kwargs):
        raise AssertionError("a unit test tried to connect to a Docker engine")

    monkeypatch.setattr(Engine, "connect", classmethod(refuse))
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "variants.yaml"
    source = {"recipe": str(FIXTURE_RECIPE), "version": "0.1.0", "copts": "-O3 -march=haswell"}
    path.write_text(yaml.safe_dump({"variants": {"fx": {"python": "3.11", "tensorflow": {"source": source}}}}))
    return load_plan(path)


def register_fake_wheel(variant, recipe_hash, content=b"wheel bytes") -> manifest.ManifestEntry:
    folder = manifest.wheel_dir(variant, recipe_hash)
    folder.mkdir(parents=True)
    wheel = folder / "tfopt_isa_fixture-0.1.0-cp311-cp311-linux_x86_64.whl"
    wheel.write_bytes(content)
    entry = manifest.ManifestEntry(
        variant=variant, recipe_hash=recipe_hash, recipe="r", tf_version="0.1.0",
        flags={"copts": "-O3 -march=haswell"}, wheel=str(wheel), sha256=manifest.sha256_file(wheel),
        build_seconds=2.0, log="/l", built_at="2026-11-24T00:00:00+00:00", builder_image="img",
        isa={"ok": True, "required_cpu_flags": ["avx2"]})
    manifest.register(entry)
    return entry


def test_register_replaces_and_keeps_others():
    register_fake_wheel("a", "h1")
    register_fake_wheel("b", "h1")
    manifest.unregister("a", "h1")
    assert [e.variant for e in manifest.load()] == ["b"]
    again = register_fake_wheel("a", "h2")
    assert manifest.find("a", "h2") == again
    assert manifest.find("a", "h1").variant == "b"  # same recipe, so b's wheel serves a too
    assert manifest.find("a", "h3") is None
    assert manifest.manifest_path().read_text().count('"variant"') == 2


def test_built_wheel_is_the_verified_entry_for_the_current_recipe(plan):
    from tfopt.source_build.build import built_wheel

    variant = plan.variants["fx"]
    assert built_wheel(variant) is None
    register_fake_wheel("fx", "0" * 16)           # another recipe hash: not ours
    assert built_wheel(variant) is None
    entry = register_fake_wheel("fx", resolve(variant).recipe_hash)
    assert built_wheel(variant) == entry
    Path(entry.wheel).write_bytes(b"changed")
    assert built_wheel(variant) is None           # sha256 no longer matches
    Path(entry.wheel).unlink()
    assert built_wheel(variant) is None


def test_build_is_skipped_without_an_engine_when_the_wheel_is_registered(plan, capsys):
    from tfopt.source_build.build import build_tf

    entry = register_fake_wheel("fx", resolve(plan.variants["fx"]).recipe_hash)
    assert build_tf(plan, "fx") == entry
    lines = capsys.readouterr().out.splitlines()
    assert "is built" in lines[0] and "--force" in lines[0]


def test_force_and_tampering_go_to_the_engine(plan):
    from tfopt.source_build.build import build_tf

    entry = register_fake_wheel("fx", resolve(plan.variants["fx"]).recipe_hash)
    with pytest.raises(AssertionError, match="Docker engine"):
        build_tf(plan, "fx", force=True)
    Path(entry.wheel).write_bytes(b"changed")
    with pytest.raises(AssertionError, match="Docker engine"):
        build_tf(plan, "fx")
