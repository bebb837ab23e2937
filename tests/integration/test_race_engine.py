"""Racing on a real engine (the test-owned second dockerd and fixture profiler image of
second_engine.py, where `fast` takes 0.6 of `ref`'s time)."""

from tfopt import results


def test_race_drops_the_slower_variant_and_names_the_winner(profile_on_second_engine, capsys):
    profile, results_dir = profile_on_second_engine
    profile(rounds=3, race=True, max_rounds=10, delay=0.2)
    out = capsys.readouterr().out
    run_id = results.list_run_ids(results_dir)[-1]
    meta = results.read_run_meta(results.run_dir(results_dir, run_id))
    race = meta["race"]
    assert meta["status"] == "complete" and race["winner"] == "fast"
    assert [(d["name"], d["after_round"]) for d in race["dropped"]] == [("ref", 2)]
    assert "✂ dropped ref after round 2:" in out and "slower than fast" in out
    assert meta["stop_reason"] == "fast wins: every other variant was dropped"
    assert meta["orders"][2] == ["fast"] and race["survivors_per_round"] == [2, 1, 1]
    docs = results.load_run(results_dir, run_id)
    assert len(docs["ref"]["visits"]) == 2 and len(docs["fast"]["visits"]) == 3
    assert race["visits"] == 5 and race["full_visits"] == 6 and "race cost: 5 of 6 visits" in out
