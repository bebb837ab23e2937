"""The engine goes away mid-run, for real: a test-owned dockerd is stopped (SIGTERM) while a
profiling container runs on it. `invoke profile` must exit 3 with a clear message, keep the
round already measured, mark the run interrupted, and the container left behind in the
stopped engine must be gone once the engine is back and the next run starts.

The profiler is the fixture image of second_engine.py (not TensorFlow): this test is about
the engine, the run loop and the task, which are all real here."""

import threading
import time

import pytest
from invoke import Exit

from second_engine import profile_containers
from tfopt.records import documents, store


def test_engine_loss_exits_3_keeps_results_marks_interrupted_and_leaves_nothing(
        second_engine, profile_on_second_engine, capsys):
    import docker

    profile, results_dir = profile_on_second_engine
    watcher = docker.DockerClient(base_url=second_engine.url)
    seen = {}

    def stop_engine_during_round_2():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                running = [c for c in profile_containers(watcher) if c.status == "running"
                           and c.labels.get("tfopt.round") == "2"]
            except Exception:
                return
            if running:
                seen["name"], seen["labels"] = running[0].name, running[0].labels
                time.sleep(1)  # well inside its 4 s
                second_engine.stop()
                return
            time.sleep(0.2)

    killer = threading.Thread(target=stop_engine_during_round_2)
    killer.start()
    with pytest.raises(Exit) as info:
        profile(rounds=3)
    killer.join()
    out = capsys.readouterr().out
    print(out)

    assert seen, "no round-2 container was seen running"
    assert info.value.code == 3
    message = str(info.value.message)
    assert "the Docker engine stopped answering while running container" in message
    assert "results measured so far are kept" in message

    run_id = store.list_run_ids(results_dir)[-1]
    run = documents.load_run(results_dir, run_id)
    assert run.status == "interrupted" and run.record.reason.startswith("engine lost")
    docs = documents.load_results(results_dir, run_id)
    assert {n: len(d.visits) for n, d in docs.items()} in ({"ref": 1, "fast": 1}, {"ref": 2, "fast": 1},
                                                             {"ref": 1, "fast": 2})
    assert seen["name"] == f"tfopt-{run_id}-{seen['labels']['tfopt.variant']}-r2"

    # Engine back: the container the lost run left behind is still there (the engine was
    # gone, so nobody could remove it) until the next run starts, which removes it.
    second_engine.start()
    left = [c.name for c in profile_containers(watcher)]
    assert left == [seen["name"]]
    profile(rounds=1, delay=1)
    out = capsys.readouterr().out
    assert f"removed 1 container(s) left behind by an interrupted run: {seen['name']}" in out
    assert profile_containers(watcher) == []
    latest = store.list_run_ids(results_dir)[-1]
    assert documents.load_run(results_dir, latest).status == "complete"
