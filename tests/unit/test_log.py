"""tfopt.log: one logger, step timings, and a per-thread prefix for multi-engine parts."""

import threading

import pytest

from tfopt import log as logging_module
from tfopt.log import duration, log


def test_a_step_prints_its_title_then_what_it_did_and_how_long_it_took(capsys, monkeypatch):
    now = [100.0]
    monkeypatch.setattr(logging_module.time, "monotonic", lambda: now[0])
    with log.step("  building image x (log: /tmp/x.log)", done="built x"):
        log.info("  Step 1/9 : FROM base")
        now[0] = 112.5
    assert capsys.readouterr().out.splitlines() == [
        "  building image x (log: /tmp/x.log)", "  Step 1/9 : FROM base", "  ✓ built x (12 s)"]


def test_a_step_can_say_what_it_achieved_once_that_is_known(capsys):
    with log.step("wheelhouse: pip download") as step:
        step.done = "wheelhouse: locked 7 wheels"
    assert capsys.readouterr().out.splitlines()[-1].startswith("✓ wheelhouse: locked 7 wheels (")


def test_a_failing_step_prints_no_tick(capsys):
    with pytest.raises(RuntimeError):
        with log.step("bootstrapping base image"):
            raise RuntimeError("debootstrap failed")
    assert capsys.readouterr().out.splitlines() == ["bootstrapping base image"]


def scripted_heartbeat(quiet_for, beats):
    """A Heartbeat whose clock reads `quiet_for` seconds after its start, and whose wait lets
    `beats` rounds pass before it says stopped (no test waits for real time)."""
    said = []
    rounds = iter([False] * beats + [True])
    heartbeat = logging_module.Heartbeat("counting the instructions", said.append, last_line=lambda: 0.0,
                                         interval=15, clock=lambda: 0.0, wait=lambda timeout: next(rounds))
    heartbeat.clock = lambda: quiet_for
    return heartbeat, said


def test_a_heartbeat_says_the_step_is_still_running_each_quiet_interval():
    heartbeat, said = scripted_heartbeat(quiet_for=47, beats=2)
    heartbeat.run()
    assert said == ["… still counting the instructions (47 s)"] * 2


def test_a_heartbeat_is_silent_while_the_step_prints_lines_of_its_own():
    timeouts = []
    rounds = iter([False, True])
    heartbeat = logging_module.Heartbeat("building image x", timeouts.append, last_line=lambda: 10.0,
                                         interval=15, clock=lambda: 0.0, wait=lambda timeout: (
                                             timeouts.append(timeout), next(rounds))[1])
    heartbeat.clock = lambda: 14.0  # the last line was printed 4 s ago
    heartbeat.run()
    assert timeouts == [15, 11.0]  # nothing said; the next look comes 15 s after that line


def test_a_quiet_step_beats_with_its_threads_prefix_and_none_after_its_end(capsys, monkeypatch):
    beaten = threading.Event()

    class Scripted(logging_module.Heartbeat):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            rounds = iter([False, True])
            self.clock = lambda: self.started + 20
            self.wait = lambda timeout: next(rounds) and (beaten.set() or True)

    monkeypatch.setattr(logging_module, "Heartbeat", Scripted)
    with log.prefixed("[zen3] "):
        with log.step("  shipping x", done="x shipped"):
            assert beaten.wait(30)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[zen3]   shipping x", "[zen3]     … still shipping x (20 s)"]
    assert lines[2].startswith("[zen3]   ✓ x shipped (") and len(lines) == 3
    assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat:")]


def test_of_nested_steps_only_the_innermost_beats(capsys, monkeypatch):
    beats = []

    class Recorded(logging_module.Heartbeat):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.wait = lambda timeout: True  # its thread ends at once; the test beats by hand
            beats.append(self)

    monkeypatch.setattr(logging_module, "Heartbeat", Recorded)
    with log.step("building image x", done="built x"):
        with log.step("  building the shared stage", done="built the shared stage"):
            beats[0].say("… still building image x (30 s)")
            beats[1].say("… still building the shared stage (20 s)")
        beats[0].say("… still building image x (60 s)")
    assert capsys.readouterr().out.splitlines()[2:5] == [
        "    … still building the shared stage (20 s)",
        "  ✓ built the shared stage (0.0 s)", "  … still building image x (60 s)"]


def test_each_thread_carries_its_own_prefix(capsys):
    def part(name):
        with log.prefixed(f"[{name}] "):
            log.info("round 1 · ref")

    threads = [threading.Thread(target=part, args=(n,)) for n in ("local", "zen3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.info("both parts done")
    assert sorted(capsys.readouterr().out.splitlines()) == [
        "[local] round 1 · ref", "[zen3] round 1 · ref", "both parts done"]


@pytest.mark.parametrize("seconds, text", [(0.42, "0.4 s"), (12.5, "12 s"), (754, "12 min 34 s")])
def test_durations_read_like_a_person_would_say_them(seconds, text):
    assert duration(seconds) == text
