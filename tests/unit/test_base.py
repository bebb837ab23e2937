import pytest

from fakes import FakeEngine
from tfopt.build import base


@pytest.fixture
def bootstraps(monkeypatch, tmp_path):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path))
    calls = []
    monkeypatch.setattr(base, "_bootstrap", lambda engine, resolved: calls.append(resolved.tag))
    return calls


def test_registry_base_is_used_when_a_registry_answers(bootstraps):
    engine = FakeEngine(present=(), pulls=True, builds=True)
    resolved = base.provide_base(engine, base.BaseSpec("bookworm", "3.11"))
    assert engine.pulled == "debian:bookworm-slim" and not bootstraps
    tag, labels, dockerfile = engine.built[0]
    assert tag == resolved.tag and labels["tfopt.kind"] == "base"
    assert b"libjemalloc2" in dockerfile and b"python3-venv" in dockerfile


@pytest.mark.parametrize("pulls, builds", [(False, True), (True, False)])
def test_bootstrap_when_no_registry_or_no_network(bootstraps, pulls, builds, capsys):
    base.provide_base(FakeEngine(present=(), pulls=pulls, builds=builds), base.BaseSpec("bookworm", "3.11"))
    assert len(bootstraps) == 1
    assert any("bootstrapped locally" in line for line in capsys.readouterr().out.splitlines())


def test_host_python_prefix_is_always_bootstrapped(bootstraps):
    engine = FakeEngine(present=(), pulls=True, builds=True)
    base.provide_base(engine, base.BaseSpec("bookworm", "3.7"))
    assert bootstraps and not engine.built
