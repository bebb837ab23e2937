"""Racing on a real engine (the test-owned second dockerd and fixture profiler image of
second_engine.py, where `fast` takes 0.6 of `ref`'s time)."""

from tfopt.records import documents, store


def test_race_drops_the_slower_variant_and_names_the_winner(profile_on_second_engine, capsys):
    profile, results_dir = profile_on_second_engine
    profile(rounds=4, race=True, max_rounds=10, delay=0.2)
    out = capsys.readouterr().out
    run_id = store.list_run_ids(results_dir)[-1]
    meta = store.read_run_meta(store.run_dir(results_dir, run_id))
    race = meta["race"]
    assert meta["status"] == "complete" and race["winner"] == "fast"
    assert [(d["name"], d["after_round"]) for d in race["dropped"]] == [("ref", 3)]  # none before round 3
    assert "✂ dropped ref after round 3:" in out and "slower than fast" in out
    assert meta["stop_reason"] == "fast wins: every other variant was dropped"
    assert meta["orders"][3] == ["fast"] and race["survivors_per_round"] == [2, 2, 1, 1]
    docs = documents.load_results(results_dir, run_id)
    assert len(docs["ref"].visits) == 3 and len(docs["fast"].visits) == 4
    assert race["visits"] == 7 and race["full_visits"] == 8 and "race cost: 7 of 8 visits" in out
