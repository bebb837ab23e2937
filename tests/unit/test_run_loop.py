"""The round loop: precision target, stop reasons, progress and how run.json records the end.

The engine here is a stand-in (fakes.FakeEngine) that prints schema-valid profiler documents
with known container effects; tests/integration/test_engine_loss.py and test_precision_target.py
run the same loop against real engines."""

import random
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import pytest

from fakes import FakeEngine
from plans import REF_FAST_OTHER, REF_FAST_OTHER_SCALES as SCALES, plan_of
from tfopt.records import documents, store
from tfopt.errors import ConfigError, EngineUnavailable
from tfopt.plan.protocol import Protocol, parse_percent
from tfopt.measure.rounds import Arm, RunReport, measure


@dataclass
class Measured:
    """What one measure() call left: its report or error, run.json, what it printed, where."""

    report: Optional[RunReport]
    error: Optional[BaseException]
    meta: dict
    said: List[str]
    out: Path
    run_id: str


@pytest.fixture
def plan(tmp_path):
    return plan_of(tmp_path, REF_FAST_OTHER)


@pytest.fixture
def setup(plan, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))

    def go(engine, protocol, names=("ref", "fast", "other"), aa=()) -> Measured:
        arms = [Arm(n, plan.variants[n], "img") for n in names]
        arms += [Arm(f"{n}@{s}", plan.variants[n], "img", arm_of=n) for n in aa for s in "AB"]
        out = tmp_path / "results"
        capsys.readouterr()
        try:
            report = measure(engine, arms, protocol, plan.variants, out, clock=engine.clock)
            error = None
        except BaseException as exc:  # noqa: B036 - KeyboardInterrupt is one of the outcomes tested
            report, error = None, exc
        said = capsys.readouterr().out.splitlines()
        run_id = store.list_run_ids(out)[-1]
        return Measured(report, error, store.read_run_meta(store.run_dir(out, run_id)), said, out, run_id)

    return go


def test_target_ci_adds_rounds_until_every_speedup_is_precise_enough(setup):
    engine = FakeEngine(SCALES, spread=0.04)
    run = setup(engine, Protocol(rounds=2, target_ci=0.05, max_rounds=30))
    assert run.error is None
    assert run.meta["status"] == "complete" and run.meta["target_ci"] == 0.05
    assert run.meta["stop_reason"].startswith("target reached")
    assert run.meta["widest_ci"] <= 0.05
    rounds = run.meta["rounds_done"]
    assert 2 < rounds < 30  # 4% container spread: 2 rounds are not enough, 30 are plenty
    from tfopt.analysis.stats import widest_half_width

    docs = documents.load_results(run.out, run.run_id)
    assert widest_half_width(docs) <= 0.05
    assert all(len(d.visits) == rounds for d in docs.values())
    # each round visits every variant once, in the order recorded for that round
    assert all(sorted(order) == ["fast", "other", "ref"] for order in run.meta["orders"])
    visited = [s.labels["tfopt.variant"] for s in engine.specs]
    assert visited == [n for order in run.meta["orders"] for n in order]
    # one round fewer would not have reached it
    fewer = {n: d.first_rounds(rounds - 1) for n, d in docs.items()}
    assert widest_half_width(fewer) is None or widest_half_width(fewer) > 0.05


def test_progress_names_round_widest_ci_its_variant_and_time_left(setup):
    engine = FakeEngine(SCALES, spread=0.04)
    run = setup(engine, Protocol(rounds=2, target_ci=0.05, max_rounds=30))
    progress = [line for line in run.said if line.startswith("  round") and "widest CI" in line]
    assert len(progress) == run.meta["rounds_done"]
    assert "not computable yet" in progress[0]  # one container per variant: no interval yet
    second = progress[1]
    assert "round 2 done" in second and "target ±5.0%" in second and "left" in second
    assert "(fast)" in second or "(other)" in second
    assert run.said[-1].startswith("stopped: target reached")


def test_rounds_stay_the_minimum_even_when_the_target_is_met_early(setup):
    engine = FakeEngine(SCALES, spread=0.001)
    run = setup(engine, Protocol(rounds=4, target_ci=0.5))
    assert run.meta["rounds_done"] == 4 and run.meta["stop_reason"].startswith("target reached")


def test_max_rounds_stops_an_unreachable_target(setup):
    engine = FakeEngine(SCALES, spread=0.05)
    run = setup(engine, Protocol(rounds=2, target_ci=0.0001, max_rounds=4))
    assert run.error is None and run.meta["status"] == "complete"
    assert run.meta["rounds_done"] == 4 and run.meta["stop_reason"].startswith("max rounds (4)")


def test_max_minutes_starts_no_round_that_would_end_too_late(setup):
    engine = FakeEngine(SCALES, spread=0.05, visit_s=20)  # 60 s per round of 3 visits
    run = setup(engine, Protocol(rounds=2, target_ci=0.0001, max_minutes=3.5))
    assert run.meta["rounds_done"] == 3  # a fourth would end at 4 min
    assert run.meta["stop_reason"].startswith("max minutes (3.5)")


def test_fixed_rounds_follow_the_seeded_shuffle(setup):
    engine = FakeEngine(SCALES)
    run = setup(engine, Protocol(rounds=3, seed=5))
    rng = random.Random(5)
    expected = []
    for _ in range(3):
        order = ["ref", "fast", "other"]
        rng.shuffle(order)
        expected.append(order)
    assert run.meta["orders"] == expected and run.meta["target_ci"] is None
    assert run.meta["stop_reason"] == "3 round(s) done as asked" and run.meta["status"] == "complete"
    assert any("round 2/3 done" in line for line in run.said)


def test_aa_arms_are_interleaved_with_the_other_variants(setup):
    engine = FakeEngine(SCALES)
    run = setup(engine, Protocol(rounds=2), aa=["ref", "fast"])
    arms = ["fast", "fast@A", "fast@B", "other", "ref", "ref@A", "ref@B"]
    assert all(sorted(order) == arms for order in run.meta["orders"])
    docs = documents.load_results(run.out, run.run_id)
    assert docs["ref@A"].arm_of == "ref" and len(docs["ref@B"].visits) == 2


def test_engine_loss_marks_the_run_interrupted_and_keeps_what_was_measured(setup):
    engine = FakeEngine(SCALES, lose_after=4)
    run = setup(engine, Protocol(rounds=3))
    assert isinstance(run.error, EngineUnavailable) and run.error.exit_code == 3
    assert run.meta["status"] == "interrupted" and run.meta["reason"].startswith("engine lost")
    assert run.meta["rounds_done"] == 1
    assert sum(len(d.visits) for d in documents.load_results(run.out, run.run_id).values()) == 4
    assert documents.load_run(run.out, run.run_id).status == "interrupted"


def test_ctrl_c_marks_the_run_interrupted(setup):
    engine = FakeEngine(SCALES, interrupt_after=2)
    run = setup(engine, Protocol(rounds=3))
    assert isinstance(run.error, KeyboardInterrupt)
    assert run.meta["status"] == "interrupted" and "Ctrl-C" in run.meta["reason"]
    assert sum(len(d.visits) for d in documents.load_results(run.out, run.run_id).values()) == 2


def test_a_failing_variant_marks_the_run_failed_and_names_it(setup):
    engine = FakeEngine(SCALES, fail={"other"})
    run = setup(engine, Protocol(rounds=2))
    assert run.error is None and set(run.report.failures) == {"other"}
    assert run.meta["status"] == "failed" and run.meta["reason"] == "variant(s) failed: other"
    assert [s.labels["tfopt.variant"] for s in engine.specs].count("other") == 1  # not retried


@pytest.mark.parametrize("text,value", [("5%", 0.05), ("5", 0.05), ("0.05", 0.05), ("2.5%", 0.025)])
def test_target_ci_reads_percentages(text, value):
    assert parse_percent(text, "--target-ci") == pytest.approx(value)


@pytest.mark.parametrize("protocol,message", [
    (Protocol(target_ci=1.5), "between 0% and 100%"),
    (Protocol(max_rounds=5), "bound a precision target"),
    (Protocol(rounds=5, target_ci=0.05, max_rounds=3), "below --rounds"),
])
def test_impossible_protocols_are_refused_before_work(protocol, message):
    with pytest.raises(ConfigError, match=message):
        protocol.check()
    with pytest.raises(ConfigError):
        parse_percent("five", "--target-ci")


def test_target_needs_a_variant_beside_its_reference(setup):
    engine = FakeEngine(SCALES)
    with pytest.raises(ConfigError, match="reference"):
        measure(engine, [], Protocol(target_ci=0.05), {}, None)


def test_pipeline_refuses_bad_protocols_before_touching_the_engine(plan, monkeypatch, tmp_path):
    from tfopt.measure import pipeline

    monkeypatch.setattr(pipeline.Engine, "connect", classmethod(lambda cls: pytest.fail("connected")))
    with pytest.raises(ConfigError, match="reference in the same run"):
        pipeline.profile(plan, ["fast", "other"], Protocol(target_ci=0.05), tmp_path)
    with pytest.raises(ConfigError, match="bound a precision target"):
        pipeline.profile(plan, ["ref", "fast"], Protocol(max_minutes=3), tmp_path)
    with pytest.raises(ConfigError, match="no variant named 'nope'"):
        pipeline.profile(plan, ["ref"], Protocol(), tmp_path, aa=["nope"])
