"""Which engines a run uses, how they are named and checked, the engine lock's staleness rule,
and a run across engines (stand-in engines; tests/integration/test_engines.py runs real ones)."""

import os
import socket

import pytest

from fakes import FakeEngine
from plans import REF_FAST_OTHER as PLAN_TEXT, REF_FAST_OTHER_SCALES as SCALES, plan_of
from tfopt.engine import fleet
from tfopt.records import documents, store
from tfopt.plan.load import load_plan
from tfopt.errors import ConfigError, EngineUnavailable, EnginesLost
from tfopt.engine.fleet import Member
from tfopt.plan.engines import Target, targets
from tfopt.measure.multi_engine import measure_everywhere
from tfopt.plan.protocol import Protocol
from tfopt.measure.rounds import Arm


def test_no_engine_given_means_the_local_one():
    assert targets([]) == [Target("local", None)]
    assert targets(["local", "ssh://me@box"]) == [Target("local", None), Target("box", "ssh://me@box")]


def test_engine_names_are_derived_from_urls_or_given():
    got = targets(["unix:///var/run/docker.sock", "unix:///tmp/tfopt-dockerd-x1/docker.sock",
                         "ssh://me@box2.lan", "tcp://10.0.0.7:2376", "big=ssh://me@big", "my-context"])
    assert [(t.name, t.url) for t in got] == [
        ("local", "unix:///var/run/docker.sock"), ("tfopt-dockerd-x1", "unix:///tmp/tfopt-dockerd-x1/docker.sock"),
        ("box2.lan", "ssh://me@box2.lan"), ("10.0.0.7", "tcp://10.0.0.7:2376"), ("big", "ssh://me@big"),
        ("my-context", "my-context")]


def test_names_from_the_files_engines_mapping_are_accepted():
    declared = {"second": "unix:///tmp/e2/docker.sock", "zen3": "ssh://me@zen3"}
    assert targets(["zen3"], declared) == [Target("zen3", "ssh://me@zen3")]
    assert [t.name for t in targets([], declared)] == ["second", "zen3"]


def test_bad_engine_lists_are_refused_with_what_to_do():
    with pytest.raises(ConfigError, match=r"unknown scheme 'tpc://' \(did you mean 'tcp://'\?\)"):
        targets(["tpc://box:2376"])
    with pytest.raises(ConfigError, match="two engines are named 'box'") as info:
        targets(["ssh://a@box", "tcp://box:2376"])
    assert "--engine NAME=URL" in info.value.hint
    with pytest.raises(ConfigError, match="listed twice"):
        targets(["a=ssh://me@box", "b=ssh://me@box"])
    with pytest.raises(ConfigError, match="engine local is listed twice"):
        targets(["local", "other=local"])


def test_engines_key_in_the_variants_file_is_validated_with_its_line(tmp_path):
    path = tmp_path / "variants.yaml"
    path.write_text(PLAN_TEXT + "engines:\n  second: unix:///tmp/e2/docker.sock\n  zen3: ssh://me@zen3\n")
    assert load_plan(path).engines == {"second": "unix:///tmp/e2/docker.sock", "zen3": "ssh://me@zen3"}
    lines = PLAN_TEXT.count("\n")
    path.write_text(PLAN_TEXT + "engines:\n  second: htp://box\n")
    with pytest.raises(ConfigError, match=rf"variants.yaml:{lines + 2}: engine URL 'htp://box': unknown scheme 'htp://' "
                                         r"\(did you mean 'tcp://'\?\)"):
        load_plan(path)
    path.write_text(PLAN_TEXT + "engine:\n  second: tcp://box:2376\n")
    with pytest.raises(ConfigError, match=r"unknown top-level key 'engine' \(did you mean 'engines'\?\)"):
        load_plan(path)


def test_unanswering_engines_are_all_named_before_any_work(tmp_path):
    missing = [f"unix://{tmp_path}/a/docker.sock", f"unix://{tmp_path}/b/docker.sock"]
    with pytest.raises(EngineUnavailable) as info:
        fleet.connect(targets(missing))
    message = str(info.value)
    assert "2 of 2 engine(s) do not answer; nothing was done" in message
    assert all(url in message for url in missing)


def test_a_lock_is_stale_only_when_its_holder_on_this_host_is_gone():
    here = socket.gethostname()
    assert fleet._stale({"tfopt.controller": here, "tfopt.pid": "999999999"})
    assert fleet._stale({"tfopt.controller": here, "tfopt.pid": str(os.getpid())})  # this process, earlier run
    assert not fleet._stale({"tfopt.controller": here, "tfopt.pid": str(os.getppid())})
    assert not fleet._stale({"tfopt.controller": "other-host", "tfopt.pid": "999999999"})




@pytest.fixture
def two_engines(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    plan = plan_of(tmp_path, PLAN_TEXT)

    def go(first: FakeEngine, second: FakeEngine, rounds: int = 3):
        members = [Member(Target("one", None), first, {"name": "one", "cpu_model": "A"}),
                   Member(Target("two", "unix:///x.sock"), second, {"name": "two", "cpu_model": "B"})]
        arms = [Arm(n, plan.variants[n], "img") for n in ("ref", "fast")]
        out = tmp_path / "results"
        error = None
        capsys.readouterr()
        try:
            measure_everywhere(members, arms, Protocol(rounds=rounds), plan.variants, out, "RID")
        except BaseException as exc:  # noqa: B036 - KeyboardInterrupt is one of the outcomes tested
            error = exc
        said = capsys.readouterr().out.splitlines()
        return error, store.read_run_meta(store.run_dir(out, "RID")), said, out

    return go


def test_every_engine_runs_every_round_into_its_own_part(two_engines):
    error, meta, said, out = two_engines(FakeEngine(SCALES), FakeEngine(SCALES))
    assert error is None
    assert meta["kind"] == "engines" and meta["status"] == "complete"
    assert meta["parts"] == {"one": "RID@one", "two": "RID@two"}
    assert [(e["name"], e["cpu_model"], e["status"]) for e in meta["engines"]] == [
        ("one", "A", "complete"), ("two", "B", "complete")]
    for engine in ("one", "two"):
        part = store.read_run_meta(store.run_dir(out, f"RID@{engine}"))
        assert part["parent"] == "RID" and part["engine"]["name"] == engine and part["status"] == "complete"
        docs = documents.load_results(out, f"RID@{engine}")
        assert {n: len(d.visits) for n, d in docs.items()} == {"ref": 3, "fast": 3}
        assert all(d.engine.name == engine for d in docs.values())
    assert any(line.startswith("[two] ") for line in said)


def test_an_engine_lost_mid_run_stops_only_its_part_and_exits_6(two_engines):
    error, meta, said, out = two_engines(FakeEngine(SCALES), FakeEngine(SCALES, lose_after=3))
    assert isinstance(error, EnginesLost) and error.exit_code == 6
    assert "two (unix:///x.sock)" in str(error)
    assert meta["status"] == "failed" and "engine two: lost" in meta["reason"]
    assert {e["name"]: e["status"] for e in meta["engines"]} == {"one": "complete", "two": "lost"}
    first = documents.load_results(out, "RID@one")
    assert {n: len(d.visits) for n, d in first.items()} == {"ref": 3, "fast": 3}
    second = store.read_run_meta(store.run_dir(out, "RID@two"))
    assert second["status"] == "interrupted" and second["reason"].startswith("engine lost")


def test_ctrl_c_stops_every_engine_after_its_current_container_and_marks_all_interrupted(
        two_engines, monkeypatch):
    from tfopt.measure import multi_engine

    joins = {"n": 0}
    original = multi_engine._Part.join

    def join(self, timeout=None):
        joins["n"] += 1
        if joins["n"] == 2:  # the user presses Ctrl-C while the engines measure
            raise KeyboardInterrupt
        return original(self, timeout)

    class Slow(FakeEngine):
        def run(self, spec):
            import time as clock

            clock.sleep(0.05)
            return super().run(spec)

    monkeypatch.setattr(multi_engine._Part, "join", join)
    first, second = Slow(SCALES), Slow(SCALES)
    error, meta, said, out = two_engines(first, second, rounds=50)
    assert isinstance(error, KeyboardInterrupt)
    assert meta["status"] == "interrupted"
    assert {e["name"]: e["status"] for e in meta["engines"]} == {"one": "interrupted", "two": "interrupted"}
    assert len(first.specs) < 100 and len(second.specs) < 100  # stopped long before 50 rounds × 2
    for engine in ("one", "two"):
        assert store.read_run_meta(store.run_dir(out, f"RID@{engine}"))["status"] == "interrupted"
    assert any("stopping: each engine finishes the container it is running" in line for line in said)
