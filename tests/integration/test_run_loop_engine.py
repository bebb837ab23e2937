"""The round loop on a real engine (the test-owned second dockerd, fixture profiler image of
second_engine.py): the precision target, interruption by Ctrl-C or SIGTERM, A/A arms in
the same rounds as the other variants, container names."""

import os
import signal
import threading
import time

import docker
import pytest
from invoke import Exit

from second_engine import profile_containers
from tfopt.records import documents, store
from tfopt.measure import rounds as runs
from tfopt.analysis.stats import widest_half_width


def test_target_ci_adds_rounds_until_reached_and_records_why_it_stopped(profile_on_second_engine, capsys):
    profile, results_dir = profile_on_second_engine
    profile(rounds=2, target_ci="5%", max_rounds=14, delay=0.2)
    out = capsys.readouterr().out
    run_id = store.list_run_ids(results_dir)[-1]
    meta = store.read_run_meta(store.run_dir(results_dir, run_id))
    assert meta["status"] == "complete" and meta["target_ci"] == 0.05
    assert meta["stop_reason"].startswith("target reached"), meta["stop_reason"]
    docs = documents.load_results(results_dir, run_id)
    assert widest_half_width(docs) <= 0.05
    rounds = meta["rounds_done"]
    assert 2 < rounds < 14 and all(len(d.visits) == rounds for d in docs.values())
    assert f"round {rounds} done · widest CI ±" in out and "(fast)" in out and "left" in out
    assert "not computable yet" in out  # after round 1: one container per variant


def test_max_rounds_bounds_an_unreachable_target(profile_on_second_engine, capsys):
    profile, results_dir = profile_on_second_engine
    profile(rounds=2, target_ci="0.01%", max_rounds=3, delay=0.2)
    meta = store.read_run_meta(store.run_dir(results_dir, store.list_run_ids(results_dir)[-1]))
    assert meta["rounds_done"] == 3 and meta["stop_reason"].startswith("max rounds (3)")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interruption_keeps_results_removes_the_container_and_marks_the_run(
        second_engine, profile_on_second_engine, monkeypatch, signum):
    """Round 2's first container holds (its fixture sleeps for an hour) until the run is
    interrupted, so the signal always lands while a container runs: no polling race."""
    profile, results_dir = profile_on_second_engine
    watcher = docker.DockerClient(base_url=second_engine.url)
    spec_of = runs.container_spec

    def holding_in_round_2(arm, protocol, run_id, round_index=0):
        spec = spec_of(arm, protocol, run_id, round_index)
        if round_index == 1:
            spec.environment = {**spec.environment, "FIXTURE_DELAY": "3600"}
        return spec

    monkeypatch.setattr(runs, "container_spec", holding_in_round_2)
    held = []

    def interrupt_once_round_2_holds():
        deadline = time.monotonic() + 600
        while not held and time.monotonic() < deadline:
            held.extend(c.name for c in profile_containers(watcher)
                        if c.status == "running" and c.labels.get("tfopt.round") == "2")
            time.sleep(0.2)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=interrupt_once_round_2_holds)
    thread.start()
    with pytest.raises(Exit) as info:
        profile(rounds=3, delay=0.5)
    thread.join()
    assert held, "no round-2 container was seen running within 10 minutes"
    assert info.value.code == 130
    assert "marked interrupted" in str(info.value.message)
    run_id = store.list_run_ids(results_dir)[-1]
    record = documents.load_run(results_dir, run_id).record
    assert (record.status, record.reason) == ("interrupted", "interrupted (Ctrl-C or SIGTERM)")
    docs = documents.load_results(results_dir, run_id)
    assert sorted(len(d.visits) for d in docs.values()) == [1, 1]  # round 1 kept, round 2 held
    assert profile_containers(watcher) == []  # removed on the way out, not at the next start


def test_aa_arms_run_in_the_same_rounds_as_the_other_variants(profile_on_second_engine):
    profile, results_dir = profile_on_second_engine
    profile(rounds=2, aa=["ref"], delay=0.2)
    run_id = store.list_run_ids(results_dir)[-1]
    meta = store.read_run_meta(store.run_dir(results_dir, run_id))
    assert all(sorted(order) == ["fast", "ref", "ref@A", "ref@B"] for order in meta["orders"])
    docs = documents.load_results(results_dir, run_id)
    assert docs["ref@A"].arm_of == "ref" and len(docs["ref@B"].visits) == 2
    assert meta["kind"] == "profile" and meta["status"] == "complete"
