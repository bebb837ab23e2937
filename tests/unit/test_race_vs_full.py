"""A race and a full run of the same grid, compared: cost across the runs, verdicts within each.
Both runs go through the real round loop against the stand-in engine (fakes.FakeEngine)."""

import pytest

from fakes import FakeEngine
from plans import ALLOCATOR_GRID, ALLOCATOR_GRID_SCALES as RACE_SCALES, plan_of
from tfopt.records import documents, store
from tfopt.analysis import race_vs_full
from tfopt.render.race_vs_full import to_markdown
from tfopt.errors import ConfigError
from tfopt.plan.protocol import Protocol
from tfopt.measure.rounds import Arm, measure

VISIT_S = 30.0


@pytest.fixture
def profile(tmp_path, monkeypatch):
    plan = plan_of(tmp_path, ALLOCATOR_GRID)
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results"

    def go(scales, protocol):
        engine = FakeEngine(scales, visit_s=VISIT_S, timed=True)
        before = set(store.list_run_ids(out)) if out.exists() else set()
        measure(engine, [Arm(n, plan.variants[n], "img") for n in scales], protocol, plan.variants, out,
                clock=engine.clock)
        (run_id,) = set(store.list_run_ids(out)) - before
        return documents.load_run(out, run_id)

    return go


def test_a_full_run_that_confirms_the_race(profile):
    raced = profile(RACE_SCALES, Protocol(rounds=3, race=True, max_rounds=12))
    full = profile(RACE_SCALES, Protocol(rounds=raced.rounds_done))
    c = race_vs_full.compare(raced, full)
    assert c.record.winner == "g-tcmalloc" == c.verdict.best
    assert c.agrees and c.consistent and c.wrong_drops == []
    assert set(c.verdict.contenders) <= {"g-tcmalloc", "g-system"}
    race_cost, full_cost = race_vs_full.cost(raced), race_vs_full.cost(full)
    assert race_cost.visits == c.record.visits < full_cost.visits == 4 * raced.rounds_done
    assert race_cost.container_minutes == pytest.approx(race_cost.visits * VISIT_S / 60)
    assert full_cost.container_minutes == pytest.approx(full_cost.visits * VISIT_S / 60)
    text = to_markdown(c)
    saved = 1 - race_cost.visits / full_cost.visits
    assert f"| container visits | {race_cost.visits} | {full_cost.visits} | {saved:.0%} |" in text
    assert "Answer: **g-tcmalloc** wins" in text and "against the reference ref and ties" in text and "## Does the full run agree?\n\nYes." in text
    for drop in c.record.dropped:
        assert f"| {drop.name} | dropped after round {drop.after_round}: {drop.reason} |" in text


def test_a_full_run_that_contradicts_a_drop_says_so(profile):
    raced = profile(RACE_SCALES, Protocol(rounds=3, race=True, max_rounds=12))
    assert "g-jemalloc" in {d.name for d in raced.race.dropped}
    # the host changed between the runs: the variant the race dropped is now the fastest
    full = profile({**RACE_SCALES, "g-jemalloc": 0.3}, Protocol(rounds=raced.rounds_done))
    c = race_vs_full.compare(raced, full)
    assert c.verdict.best == "g-jemalloc" and c.wrong_drops == ["g-jemalloc"]
    assert not c.agrees and not c.consistent
    assert "## Does the full run agree?\n\nNo. The full run's fastest is g-jemalloc; the race dropped g-jemalloc" \
        in to_markdown(c)


def test_the_runs_must_be_a_race_and_a_full_run_of_the_same_grid(profile):
    raced = profile(RACE_SCALES, Protocol(rounds=3, race=True, max_rounds=12))
    full = profile(RACE_SCALES, Protocol(rounds=3))
    with pytest.raises(ConfigError, match="is not a race"):
        race_vs_full.compare(full, raced)
    with pytest.raises(ConfigError, match="is a race too"):
        race_vs_full.compare(raced, raced)
    smaller = profile({"ref": 1.0, "g-system": 0.5}, Protocol(rounds=3))
    with pytest.raises(ConfigError, match="profiled different variants.*g-jemalloc, g-tcmalloc in only one"):
        race_vs_full.compare(raced, smaller)


def test_the_committed_comparison_is_what_the_committed_runs_say():
    import re

    from tfopt import paths

    folder = paths.PROJECT_ROOT / "results"
    text = (folder / "race-vs-full.md").read_text()
    race_id, full_id = re.match(r"# Racing against profiling fully: run (\S+) against run (\S+)\n", text).groups()
    c = race_vs_full.compare(documents.load_run(folder, race_id), documents.load_run(folder, full_id))
    assert to_markdown(c) == text, "regenerate: invoke race-vs-full --race RACE --full FULL"
    assert c.agrees and c.full.rounds_done == c.raced.rounds_done


def test_a_full_run_whose_best_the_race_did_not_pick_but_cannot_separate_is_partial(profile):
    raced = profile(RACE_SCALES, Protocol(rounds=3, race=True, max_rounds=12))
    # in the full run g-system and the race's winner g-tcmalloc are equally fast
    full = profile({**RACE_SCALES, "g-system": 0.5}, Protocol(rounds=raced.rounds_done))
    c = race_vs_full.compare(raced, full)
    assert c.verdict.best == "g-system" and "g-tcmalloc" in c.verdict.contenders
    assert not c.agrees and c.consistent and c.wrong_drops == []
    assert "## Does the full run agree?\n\nPartly. The full run's fastest by estimate is g-system" \
        in to_markdown(c)
