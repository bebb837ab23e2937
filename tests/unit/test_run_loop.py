"""The round loop: precision target, stop reasons, progress and how run.json records the end.

The engine here is a stand-in that prints schema-valid profiler documents with known
container effects; tests/integration/test_engine_loss.py and test_precision_target.py run
the same loop against real engines."""

import json
import random

import pytest

from factories import profile_doc
from tfopt.records import documents, store
from tfopt.measure import rounds as runs
from tfopt.plan.load import load_plan
from tfopt.engine.client import ContainerOutcome, ImageInfo
from tfopt.errors import ConfigError, EngineUnavailable
from tfopt.plan.protocol import Protocol, parse_percent
from tfopt.measure.rounds import Arm, measure

PLAN_TEXT = """
variants:
  ref:
    python: "3.11"
    tensorflow: {pypi: tensorflow-cpu==2.21.0}
  fast:
    extends: ref
    threads: {intra_op: 1, inter_op: 1}
  other:
    extends: ref
    grappler: false
"""


class FakeEngine:
    """Each visit prints a profile scaled per variant, with a container effect of sd `spread`.
    `clock` advances `visit_s` per visit so time limits are testable without waiting."""

    def __init__(self, scales, spread=0.02, visit_s=10.0, fail=None, lose_after=None, interrupt_after=None):
        self.scales, self.spread, self.visit_s = scales, spread, visit_s
        self.fail, self.lose_after, self.interrupt_after = fail or set(), lose_after, interrupt_after
        self.specs, self.now = [], 1000.0
        self.rng = random.Random(7)

    def version(self):
        return "fake"

    def image(self, tag):
        return ImageInfo(id="sha256:" + "e" * 64, tags=(tag,), size_bytes=1, labels={})

    def run(self, spec):
        if self.lose_after is not None and len(self.specs) >= self.lose_after:
            raise EngineUnavailable("the Docker engine stopped answering while running container x")
        if self.interrupt_after is not None and len(self.specs) >= self.interrupt_after:
            raise KeyboardInterrupt
        self.specs.append(spec)
        self.now += self.visit_s
        variant = spec.labels["tfopt.variant"]
        doc = profile_doc(self.scales[variant.split("@")[0]], container_sd=self.spread,
                          seed=self.rng.randrange(1 << 30))
        code = 1 if variant in self.fail else 0
        return ContainerOutcome(code, False, False, json.dumps(doc), "boom" if code else "", "t0", "t1")


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "variants.yaml"
    path.write_text(PLAN_TEXT)
    return load_plan(path)


@pytest.fixture
def setup(plan, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))

    def go(engine, protocol, names=("ref", "fast", "other"), aa=()):
        monkeypatch.setattr(runs.time, "monotonic", lambda: engine.now)
        arms = [Arm(n, plan.variants[n], "img") for n in names]
        arms += [Arm(f"{n}@{s}", plan.variants[n], "img", arm_of=n) for n in aa for s in "AB"]
        out = tmp_path / "results"
        capsys.readouterr()
        try:
            report = measure(engine, arms, protocol, plan.variants, out)
            error = None
        except BaseException as exc:  # noqa: B036 - KeyboardInterrupt is one of the outcomes tested
            report, error = None, exc
        said = capsys.readouterr().out.splitlines()
        run_id = store.list_run_ids(out)[-1]
        return report, error, store.read_run_meta(store.run_dir(out, run_id)), said, out, run_id

    return go


SCALES = {"ref": 1.0, "fast": 0.5, "other": 0.8}


def test_target_ci_adds_rounds_until_every_speedup_is_precise_enough(setup):
    engine = FakeEngine(SCALES, spread=0.04)
    report, error, meta, said, out, run_id = setup(engine, Protocol(rounds=2, target_ci=0.05, max_rounds=30))
    assert error is None
    assert meta["status"] == "complete" and meta["target_ci"] == 0.05
    assert meta["stop_reason"].startswith("target reached")
    assert meta["widest_ci"] <= 0.05
    rounds = meta["rounds_done"]
    assert 2 < rounds < 30  # 4% container spread: 2 rounds are not enough, 30 are plenty
    from tfopt.analysis.stats import widest_half_width

    docs = documents.load_results(out, run_id)
    assert widest_half_width(docs) <= 0.05
    assert all(len(d.visits) == rounds for d in docs.values())
    # each round visits every variant once, in the order recorded for that round
    assert all(sorted(order) == ["fast", "other", "ref"] for order in meta["orders"])
    visited = [s.labels["tfopt.variant"] for s in engine.specs]
    assert visited == [n for order in meta["orders"] for n in order]
    # one round fewer would not have reached it
    fewer = {n: d.first_rounds(rounds - 1) for n, d in docs.items()}
    assert widest_half_width(fewer) is None or widest_half_width(fewer) > 0.05


def test_progress_names_round_widest_ci_its_variant_and_time_left(setup):
    engine = FakeEngine(SCALES, spread=0.04)
    _, _, meta, said, _, _ = setup(engine, Protocol(rounds=2, target_ci=0.05, max_rounds=30))
    progress = [line for line in said if line.startswith("  round") and "widest CI" in line]
    assert len(progress) == meta["rounds_done"]
    assert "not computable yet" in progress[0]  # one container per variant: no interval yet
    second = progress[1]
    assert "round 2 done" in second and "target ±5.0%" in second and "left" in second
    assert "(fast)" in second or "(other)" in second
    assert said[-1].startswith("stopped: target reached")


def test_rounds_stay_the_minimum_even_when_the_target_is_met_early(setup):
    engine = FakeEngine(SCALES, spread=0.001)
    _, _, meta, _, _, _ = setup(engine, Protocol(rounds=4, target_ci=0.5))
    assert meta["rounds_done"] == 4 and meta["stop_reason"].startswith("target reached")


def test_max_rounds_stops_an_unreachable_target(setup):
    engine = FakeEngine(SCALES, spread=0.05)
    _, error, meta, _, _, _ = setup(engine, Protocol(rounds=2, target_ci=0.0001, max_rounds=4))
    assert error is None and meta["status"] == "complete"
    assert meta["rounds_done"] == 4 and meta["stop_reason"].startswith("max rounds (4)")


def test_max_minutes_starts_no_round_that_would_end_too_late(setup):
    engine = FakeEngine(SCALES, spread=0.05, visit_s=20)  # 60 s per round of 3 visits
    _, _, meta, _, _, _ = setup(engine, Protocol(rounds=2, target_ci=0.0001, max_minutes=3.5))
    assert meta["rounds_done"] == 3  # a fourth would end at 4 min
    assert meta["stop_reason"].startswith("max minutes (3.5)")


def test_fixed_rounds_follow_the_seeded_shuffle(setup):
    engine = FakeEngine(SCALES)
    _, _, meta, said, _, _ = setup(engine, Protocol(rounds=3, seed=5))
    rng = random.Random(5)
    expected = []
    for _ in range(3):
        order = ["ref", "fast", "other"]
        rng.shuffle(order)
        expected.append(order)
    assert meta["orders"] == expected and meta["target_ci"] is None
    assert meta["stop_reason"] == "3 round(s) done as asked" and meta["status"] == "complete"
    assert any("round 2/3 done" in line for line in said)


def test_aa_arms_are_interleaved_with_the_other_variants(setup):
    engine = FakeEngine(SCALES)
    _, _, meta, _, out, run_id = setup(engine, Protocol(rounds=2), aa=["ref", "fast"])
    arms = ["fast", "fast@A", "fast@B", "other", "ref", "ref@A", "ref@B"]
    assert all(sorted(order) == arms for order in meta["orders"])
    docs = documents.load_results(out, run_id)
    assert docs["ref@A"].arm_of == "ref" and len(docs["ref@B"].visits) == 2


def test_engine_loss_marks_the_run_interrupted_and_keeps_what_was_measured(setup):
    engine = FakeEngine(SCALES, lose_after=4)
    _, error, meta, _, out, run_id = setup(engine, Protocol(rounds=3))
    assert isinstance(error, EngineUnavailable) and error.exit_code == 3
    assert meta["status"] == "interrupted" and meta["reason"].startswith("engine lost")
    assert meta["rounds_done"] == 1
    assert sum(len(d.visits) for d in documents.load_results(out, run_id).values()) == 4
    assert documents.load_run(out, run_id).status == "interrupted"


def test_ctrl_c_marks_the_run_interrupted(setup):
    engine = FakeEngine(SCALES, interrupt_after=2)
    _, error, meta, _, out, run_id = setup(engine, Protocol(rounds=3))
    assert isinstance(error, KeyboardInterrupt)
    assert meta["status"] == "interrupted" and "Ctrl-C" in meta["reason"]
    assert sum(len(d.visits) for d in documents.load_results(out, run_id).values()) == 2


def test_a_failing_variant_marks_the_run_failed_and_names_it(setup):
    engine = FakeEngine(SCALES, fail={"other"})
    report, error, meta, _, _, _ = setup(engine, Protocol(rounds=2))
    assert error is None and set(report.failures) == {"other"}
    assert meta["status"] == "failed" and meta["reason"] == "variant(s) failed: other"
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
