"""The floor arithmetic (tfopt.analysis.floor) against hand-computed figures."""

from dataclasses import replace

import pytest

from factories import linear_ms, make_result, with_floor_inputs
from tfopt.analysis import floor

CACHES = {"L1": 32 << 10, "L2": 1 << 20, "L3": 32 << 20}
GBS = {"L1": 100.0, "L2": 80.0, "L3": 50.0, "DRAM": 10.0}
HELLO = [floor.Step("encoder", 6, 400384, 120576), floor.Step("keys", 1, 140288, 196608),
         floor.Step("decoder", 5, 727840, 208384)]


def test_level_is_the_smallest_cache_that_holds_the_bytes():
    assert floor.level_of(32 << 10, CACHES) == "L1"
    assert floor.level_of((32 << 10) + 1, CACHES) == "L2"
    assert floor.level_of(2 << 20, CACHES) == "L3"
    assert floor.level_of(33 << 20, CACHES) == "DRAM"
    assert floor.level_of(1000, {}) == "DRAM"


def test_hello_by_hand():
    # encoder: 400384 B from L2 at 80 GB/s = 5.0048 us > 120576 MACs at 50 GMAC/s = 2.41152 us, x 6
    # keys: 196608 MACs = 3.93216 us > 140288 B = 1.7536 us; decoder: 727840 B = 9.098 us > 4.16768 us, x 5
    f = floor.floor_of(1, HELLO, CACHES, GBS, 50.0, measured=0.7945096)
    assert [s.level for s in f.steps] == ["L2", "L2", "L2"]
    assert f.floor_ms == pytest.approx((6 * 5.0048 + 3.93216 + 5 * 9.098) / 1e3)
    assert f.floor_ms == pytest.approx(0.07945096)
    assert f.compute_ms == pytest.approx((6 * 2.41152 + 3.93216 + 5 * 4.16768) / 1e3)
    assert f.memory_ms == pytest.approx((6 * 5.0048 + 1.7536 + 5 * 9.098) / 1e3)
    assert f.memory_bound_steps == 11 and f.step_count == 12
    assert f.above == pytest.approx(10.0)


def test_a_step_past_l3_streams_from_dram_and_a_fast_memory_makes_it_compute_bound():
    big = [floor.Step("decoder", 2, 40 << 20, 1_000_000)]
    f = floor.floor_of(20, big, CACHES, GBS, 50.0)
    assert f.steps[0].level == "DRAM"
    assert f.floor_ms == pytest.approx(2 * (40 << 20) / 10e9 * 1e3)   # 8.388608 ms
    fast = floor.floor_of(20, big, CACHES, dict(GBS, DRAM=1e6), 50.0)
    assert fast.floor_ms == pytest.approx(2 * 1_000_000 / 50e9 * 1e3) and fast.memory_bound_steps == 0
    assert f.above is None


def test_a_level_never_measured_gives_no_floor():
    assert floor.floor_of(1, HELLO, CACHES, {"L1": 100.0}, 50.0) is None


def test_from_documents_with_the_runs_best_bandwidth():
    slow = with_floor_inputs(make_result("a", median_ms=linear_ms(1, 5), sigma=0.0, seed=1), 20.0)
    fast = with_floor_inputs(make_result("b", median_ms=linear_ms(1, 5), sigma=0.0, seed=2), 40.0)
    best = floor.run_bandwidths({"a": slow, "b": fast})
    assert best["L2"] == 40.0 and best["DRAM"] == 10.0
    assert floor.cache_sizes(slow) == CACHES
    # 1 word: 100 000 B from L2 at 40 GB/s = 2.5 us < 1e6 MACs at 50 GMAC/s = 20 us: compute-bound
    one = floor.floor(slow, 1, 50.0, best)
    assert one.floor_ms == pytest.approx(5 * 20e-6 * 1e3)
    # 20 words: 2 000 000 B > L2, from L3 at 50 GB/s = 40 us; compute 20e6 / 50e9 = 400 us
    twenty = floor.floor(slow, 20, 50.0, best)
    assert twenty.steps[0].level == "L3" and twenty.floor_ms == pytest.approx(5 * 400e-6 * 1e3)
    assert twenty.measured_ms == pytest.approx(5.0, rel=0.05)
    assert set(floor.floors(slow, 50.0, best)) >= {1, 20}


def test_old_documents_have_no_floor():
    old = make_result("old", median_ms=linear_ms(1, 5), sigma=0.0, seed=3)
    assert floor.floor(old, 1, 50.0) is None and floor.floors(old) == {}
    assert floor.run_bandwidths({"old": old}) == {}
