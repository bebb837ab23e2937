"""tfopt.log: one logger, step timings, and a per-thread prefix for multi-engine parts."""

import threading

import pytest

from tfopt import log as logging_module
from tfopt.log import duration, log


def test_a_step_prints_its_title_then_what_it_did_and_how_long_it_took(capsys, monkeypatch):
    clock = iter([100.0, 112.5])
    monkeypatch.setattr(logging_module.time, "monotonic", lambda: next(clock))
    with log.step("  building image x (log: /tmp/x.log)", done="built x"):
        log.info("  Step 1/9 : FROM base")
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
