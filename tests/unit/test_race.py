"""Racing: the dropping and stopping policy in the round loop, against a stand-in engine whose
variants have known speeds (fakes.FakeEngine)."""

import pytest

from fakes import FakeEngine, visited
from plans import ALLOCATOR_GRID, ALLOCATOR_GRID_SCALES as SCALES, plan_of
from tfopt.records import documents, store
from tfopt.render import views
from tfopt.errors import ConfigError
from tfopt.plan.protocol import Protocol
from tfopt.analysis.race_record import describe_cost, history, race_cost
from tfopt.measure.race import Race
from tfopt.measure.rounds import Arm, measure


@pytest.fixture
def race(tmp_path, monkeypatch, capsys):
    plan = plan_of(tmp_path, ALLOCATOR_GRID)
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))

    def go(scales, protocol, spread=0.02, aa=()):
        engine = FakeEngine(scales, spread=spread)
        arms = [Arm(n, plan.variants[n], "img") for n in scales]
        arms += [Arm(f"{n}@{s}", plan.variants[n], "img", arm_of=n) for n in aa for s in "AB"]
        out = tmp_path / "results"
        capsys.readouterr()
        measure(engine, arms, protocol, plan.variants, out, clock=engine.clock)
        said = capsys.readouterr().out.splitlines()
        run_id = store.list_run_ids(out)[-1]
        return store.read_run_meta(store.run_dir(out, run_id)), said, engine

    return go


def test_clearly_slower_variants_are_dropped_and_the_fastest_wins(race):
    meta, said, engine = race(SCALES, Protocol(rounds=2, race=True, max_rounds=12))
    record = meta["race"]
    assert record["winner"] == "g-tcmalloc" and meta["stop_reason"].startswith("g-tcmalloc wins")
    assert {d["name"] for d in record["dropped"]} >= {"ref", "g-jemalloc"}
    assert meta["rounds_done"] > max(d["after_round"] for d in record["dropped"])  # raced on after drops
    assert min(d["after_round"] for d in record["dropped"]) == 3  # blocked by round before any drop
    for drop in record["dropped"]:
        # dropped after round k: visited exactly k times, never again
        assert visited(engine).count(drop["name"]) == drop["after_round"]
        assert "slower than g-tcmalloc" in drop["reason"] and "beyond the 2% margin" in drop["reason"]
        assert any(line.startswith(f"  ✂ dropped {drop['name']} after round {drop['after_round']}:")
                   for line in said)
    # each round visits only the survivors, and the survivor count per round is recorded
    assert [len(order) for order in meta["orders"]] == [4] + record["survivors_per_round"][:-1]
    assert record["visits"] == len(engine.specs) < record["full_visits"] == 4 * meta["rounds_done"]
    assert record["saved"] > 0 and said[-1].startswith("race cost:")
    assert meta["status"] == "complete"


def test_a_variant_within_the_margin_is_kept_but_a_separated_best_wins(race):
    scales = {"ref": 1.0, "g-system": 1.01}
    meta, said, engine = race(scales, Protocol(rounds=3, race=True, race_margin=0.05, max_rounds=10), spread=0.001)
    assert meta["race"]["dropped"] == []  # 1% slower, well within the 5% margin
    assert meta["stop_reason"].startswith("ref wins:") and "runner-up g-system (separated)" in meta["stop_reason"]
    assert meta["rounds_done"] == 3 and len(engine.specs) == 6


def test_survivors_tied_within_the_target_stop_the_race(race):
    scales = {"ref": 1.0, "g-system": 1.0, "g-tcmalloc": 1.0}
    meta, said, _ = race(scales, Protocol(rounds=2, race=True, race_tie=0.05, max_rounds=10), spread=0.003)
    assert meta["stop_reason"].startswith("tie within ±5%") and meta["race"]["winner"] is None
    assert meta["race"]["dropped"] == [] and meta["race"]["saved"] == 0


def test_the_budget_ends_an_undecided_race(race):
    scales = {"ref": 1.0, "g-system": 1.0}
    meta, said, _ = race(scales, Protocol(rounds=2, race=True, race_tie=0.001, max_rounds=4), spread=0.05)
    assert meta["stop_reason"] == "max rounds (4) reached with no winner yet"
    assert meta["race"]["winner"] is None and meta["rounds_done"] == 4
    assert any(line.startswith("  round 2 done · 2 left · ") for line in said)


def test_race_protocol_is_checked_before_any_work(race):
    with pytest.raises(ConfigError, match="takes no --target-ci"):
        Protocol(race=True, target_ci=0.05).check()
    with pytest.raises(ConfigError, match="--race-margin must be between"):
        Protocol(race=True, race_margin=1.5).check()
    Protocol(race=True, max_minutes=30).check()  # a race may be bounded by time alone
    with pytest.raises(ConfigError, match="at least two variants"):
        race({"ref": 1.0}, Protocol(race=True))
    with pytest.raises(ConfigError, match="--aa"):
        race({"ref": 1.0, "g-system": 0.5}, Protocol(race=True), aa=["ref"])


def test_race_cost_counts_visits_and_container_minutes():
    def visit(start, end):
        return {"started_at": f"2026-11-25T01:{start:02d}:00.123456789Z", "finished_at": f"2026-11-25T01:{end:02d}:00Z"}

    def doc(name, *visits):
        return documents.VariantResult.from_doc({"variant": {"name": name}, "visits": list(visits)})

    docs = {"kept": doc("kept", visit(0, 2), visit(10, 12), visit(20, 22)),  # 3 rounds, 2 min each
            "dropped": doc("dropped", visit(2, 6))}  # dropped after round 1, 4 min a visit
    cost = race_cost(docs, rounds_done=3)
    assert cost["visits"] == 4 and cost["full_visits"] == 6
    assert cost["minutes"] == pytest.approx(10, abs=0.02) and cost["full_minutes"] == pytest.approx(18, abs=0.02)
    assert cost["saved"] == pytest.approx(1 - 10 / 18, abs=0.001)
    record = documents.RaceRecord.of(Race().record(docs, rounds_done=3))
    assert describe_cost(record).startswith("race cost: 4 of 6 visits, 10.0 of ~18.0 container-minutes")
    no_times = race_cost({"a": doc("a", {"started_at": "t0", "finished_at": "t1"})}, rounds_done=2)
    assert no_times["minutes"] is None and no_times["saved"] == pytest.approx(0.5)


def test_the_report_shows_the_race(race):
    from tfopt.render.document import to_markdown
    from tfopt.render.report import _race_sections

    meta, _, _ = race(SCALES, Protocol(rounds=2, race=True, max_rounds=12))
    sections = _race_sections({"r1": documents.RunRecord.from_doc(meta),
                               "r0": documents.RunRecord("r0", kind="profile")})
    assert [s.title for s in sections] == ["Race r1"]
    text = to_markdown(sections, "t")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == meta["rounds_done"] and rows[1].startswith("| 2 | 4 | — |")  # no drop before round 3
    assert rows[2].startswith("| 3 | 2 | ") and rows[2].count("slower than g-tcmalloc") == 2
    assert f"Stopped: {meta['stop_reason']}" in text and "race cost:" in text


def test_the_race_history_is_what_the_race_knew_after_each_round(race, tmp_path):
    meta, _, _ = race(SCALES, Protocol(rounds=2, race=True, max_rounds=12))
    run = documents.load_run(tmp_path / "results", meta["run_id"])
    series = history(run)
    assert set(series) == set(SCALES) - {"g-tcmalloc"}  # the winner is the yardstick, not a line
    drops = {d["name"]: d["after_round"] for d in meta["race"]["dropped"]}
    for name, points in series.items():
        assert [p[0] for p in points] == list(range(1, drops.get(name, meta["rounds_done"]) + 1))
        assert points[0][2] is None  # one container a side after round 1: no interval
    for name in drops:
        _, value, low, _ = series[name][-1]
        assert value == pytest.approx(SCALES[name] / SCALES["g-tcmalloc"], rel=0.1)
        assert low > 1 + meta["race"]["margin"]  # what dropped it (the winner led by then)


def test_a_raced_run_gets_a_race_chart_above_its_race_table(race, tmp_path):
    meta, _, _ = race(SCALES, Protocol(rounds=2, race=True, max_rounds=12))
    out = tmp_path / "results"
    assert "race.png" in {p.name for p in views.render_plots(out, meta["run_id"])}
    written = {p.name: p for p in views.render_report(out, meta["run_id"])}
    assert written["race.png"].read_bytes()[:4] == b"\x89PNG"
    md, page = written["report.md"].read_text(), written["report.html"].read_text()
    race_md = md[md.index(f"## Race {meta['run_id']}"):]
    assert race_md.index("![race chart](race.png)") < race_md.index("| after round | survivors | dropped |")
    race_html = page[page.index(f"<h2>Race {meta['run_id']}</h2>"):]
    assert race_html.index('<img src="race.png"') < race_html.index("<th>after round</th>")


def test_a_run_that_is_not_a_race_gets_no_race_chart(race, tmp_path):
    meta, _, _ = race({"ref": 1.0, "g-system": 0.5}, Protocol(rounds=3))
    out = tmp_path / "results"
    written = {p.name for p in views.render_report(out, meta["run_id"])}
    assert "race.png" not in written and "report.md" in written
    assert not (store.run_dir(out, meta["run_id"]) / "race.png").exists()
    assert "race.png" not in (store.run_dir(out, meta["run_id"]) / "report.md").read_text()
