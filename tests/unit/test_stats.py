import numpy as np
import pytest

from factories import aa_arms, experiment_family, linear_ms, make_result
from tfopt import stats


def test_known_median_and_iqr_pooled_across_visits():
    doc = make_result("x", samples_ms={1: [1, 2, 3, 4, 5, 6, 7, 8, 9]}, visits=3)
    pooled = stats.pooled_samples_ms(doc)
    assert sorted(pooled[1]) == pytest.approx([1, 2, 3, 4, 5, 6, 7, 8, 9])
    c = stats.summarize(doc)[1]
    assert (c.n, c.median, c.q1, c.q3, c.max) == (9, 5, 3, 7, 9)
    assert c.ci_low <= 5 <= c.ci_high
    assert 1 <= c.ci_low and c.ci_high <= 9


def test_median_ci_covers_true_median_about_95_percent_of_the_time():
    doc = make_result("x", median_ms=lambda w: 100.0 * w, sigma=0.05, visits=4, repeats=10)
    summary = stats.summarize(doc)
    covered = [c.ci_low <= 100.0 * w <= c.ci_high for w, c in summary.items()]
    assert sum(covered) >= 17  # of 20 cases; a 95% CI may miss one or two
    assert all(c.ci_high - c.ci_low < 0.1 * c.median for c in summary.values())


def test_results_are_reproducible_for_a_seed():
    doc = make_result("x", sigma=0.1)
    assert stats.summarize(doc, seed=3) == stats.summarize(doc, seed=3)
    base = make_result("a", sigma=0.1, seed=1)
    assert stats.time_ratio(base, doc, seed=3) == stats.time_ratio(base, doc, seed=3)


def test_exactly_twice_as_fast_gives_speedup_two():
    rng = np.random.default_rng(7)
    samples = {w: 100 * w * np.exp(rng.normal(0, 0.05, 12)) for w in range(1, 21)}
    a = make_result("a", samples_ms=samples)
    b = make_result("b", samples_ms={w: x / 2 for w, x in samples.items()})
    s = stats.time_ratio(a, b)
    assert s.overall.value == pytest.approx(2.0)
    assert s.overall.low <= 2.0 <= s.overall.high
    assert s.overall.low > 1.0 and s.overall.faster
    assert all(r.value == pytest.approx(2.0) for r in s.per_case.values())
    assert s.describe().endswith("x faster") and s.describe().startswith("2.0")


def test_independent_draws_two_x_faster_ci_contains_two_not_one():
    a = make_result("a", median_ms=linear_ms(100, 300), sigma=0.05, seed=1)
    b = make_result("b", median_ms=linear_ms(50, 150), sigma=0.05, seed=2)
    r = stats.time_ratio(a, b).overall
    assert r.low <= 2.0 <= r.high
    assert not r.low <= 1.0 <= r.high


def test_slower_variant_is_described_as_slower_with_inverse_ratio():
    a = make_result("a", median_ms=linear_ms(100, 300), seed=1)
    b = make_result("b", median_ms=linear_ms(300, 900), seed=2)
    s = stats.time_ratio(a, b)
    assert s.overall.slower
    assert s.describe().startswith("3.0") and s.describe().endswith("x slower")


def test_identical_distributions_are_no_significant_difference():
    a = make_result("a", median_ms=linear_ms(100, 300), sigma=0.05, seed=1)
    b = make_result("b", median_ms=linear_ms(100, 300), sigma=0.05, seed=2)
    s = stats.time_ratio(a, b)
    assert not s.overall.significant
    assert s.describe().startswith("no significant difference")
    assert "faster" not in s.describe() and "slower" not in s.describe()


def test_ratio_describe_formats():
    assert stats.Ratio(1.23, 1.19, 1.27).describe() == "1.23 ± 0.04x faster"
    assert stats.Ratio(0.5, 0.45, 0.55).describe() == "2.00 ± 0.22x slower"
    assert stats.Ratio(1.01, 0.98, 1.04).describe() == "no significant difference (1.01 ± 0.03x)"
    assert stats.Ratio(1.02, 1.01, 1.03).describe(noise_floor=0.05).startswith("within A/A noise")


def test_speedup_uses_only_common_cases():
    a = make_result("a", words=[1, 2, 3])
    b = make_result("b", words=[2, 3, 4])
    assert sorted(stats.time_ratio(a, b).per_case) == [2, 3]
    assert stats.time_ratio(make_result("a", words=[1]), make_result("b", words=[2])) is None


def test_against_reference_and_parent():
    results = experiment_family()
    assert stats.against_reference(results, "stock") is None
    assert stats.against_parent(results, "stock") is None
    to_ref = stats.against_reference(results, "frozen")
    to_parent = stats.against_parent(results, "frozen")
    assert (to_ref.baseline, to_parent.baseline) == ("stock", "mkl-1thread-omp")
    assert 4.5 < to_ref.overall.value < 5.5
    assert stats.against_parent(results, "mkl").overall.slower


def test_aa_noise_of_identical_arms_is_small_and_contains_zero():
    arms = aa_arms()
    noise = stats.aa_noise(arms["stock@A"], arms["stock@B"])
    assert noise.low <= 0.0 <= noise.high
    assert noise.floor < 0.02
    assert "noise" in noise.describe()


def test_families_order_reference_then_parent_chain():
    order = stats.families(experiment_family())
    assert order["tf1.13"] == ["stock", "avx2-fma", "mkl", "mkl-1thread", "mkl-1thread-omp",
                               "frozen", "optimized"]
    assert order["tf2.21"] == ["tf2-stock", "tf2-onednn-off"]


# ---------------------------------------------------------------- stability warnings

def kinds(doc):
    return {w.kind: w for w in stats.stability_warnings(doc)}


def test_quiet_variant_has_no_warnings():
    assert kinds(make_result("x", sigma=0.01)) == {}


def test_wide_spread_warning():
    w = kinds(make_result("x", sigma=0.3))["wide-spread"]
    assert "--pin" in w.remedy and "--repeats" in w.remedy


def test_few_samples_warning():
    w = kinds(make_result("x", visits=1, repeats=3))["few-samples"]
    assert "--repeats" in w.remedy and "--rounds" in w.remedy


def test_throttling_warning():
    w = kinds(make_result("x", throttled_share=0.3))["throttled"]
    assert "30%" in w.message
    assert "threads" in w.remedy and "cpuset" in w.remedy


def test_outlier_warning():
    samples = {1: [100.0] * 14 + [350.0]}
    w = kinds(make_result("x", samples_ms=samples))["outliers"]
    assert "3.5x" in w.message


def test_visit_drift_warning():
    samples = {w: [100.0, 100.0, 130.0] * 4 for w in (1, 2)}  # round-robin: visit 3 is slow
    assert "visit-drift" in kinds(make_result("x", samples_ms=samples, visits=3))


def test_failed_visits_without_profile_are_ignored():
    doc = make_result("x")
    doc["visits"].append({"round": 9, "exit_code": 137, "oom_killed": True, "profile": None})
    assert len(stats.profiles(doc)) == 3
    assert stats.summarize(doc)[1].n == 15


def test_ci_accounts_for_differences_between_containers():
    import numpy as np

    rng = np.random.default_rng(7)
    visits = [rng.normal(100, 1, 20), rng.normal(110, 1, 20), rng.normal(105, 1, 20)]
    nested = stats.case_stats(1, visits)
    pooled = stats.case_stats(1, np.concatenate(visits))
    assert (nested.ci_high - nested.ci_low) > 2 * (pooled.ci_high - pooled.ci_low)
    assert nested.n == 60 and abs(nested.median - pooled.median) < 1e-9


def _result_with_container_levels(name, levels_ms, calls=5, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    visits = []
    for level in levels_ms:
        cases = [{"words": w, "text": "x", "samples_ns": [int(level * w * 1e6 * (1 + 0.005 * rng.standard_normal()))
                                                         for _ in range(calls)]} for w in (1, 2, 3)]
        visits.append({"profile": {"cases": cases}})
    return {"variant": {"name": name}, "visits": visits}


def test_overall_speedup_interval_is_over_containers():
    base = _result_with_container_levels("a", [100, 101, 99])
    twice = _result_with_container_levels("b", [50, 50.5, 49.5], seed=1)
    overall = stats.time_ratio(base, twice).overall
    assert overall.low < 2.0 < overall.high and overall.faster
    assert abs(overall.value - 2.0) < 0.02


def test_drift_between_containers_is_not_mistaken_for_a_speedup():
    # Calls are tight within each container, but containers wander by ±10 %:
    # a 3 % difference must not be called significant.
    base = _result_with_container_levels("a", [100, 90, 110])
    other = _result_with_container_levels("b", [97, 87, 107], seed=1)
    speedup = stats.time_ratio(base, other)
    assert not speedup.overall.significant
    assert "no significant difference" in speedup.describe()


def test_widest_half_width_is_the_widest_relative_ci_half_width_against_the_reference():
    results = {n: make_result(n, reference="stock", median_ms=linear_ms(m, 3 * m), sigma=0.05, seed=i)
               for i, (n, m) in enumerate([("stock", 100), ("fast", 50), ("slow", 150)])}
    expected = []
    for n in ("fast", "slow"):
        r = stats.against_reference(results, n).overall
        expected.append(r.high / r.value - 1)
    assert stats.widest_half_width(results) == pytest.approx(max(expected))
    one_container = {n: make_result(n, visits=1, seed=i) for i, n in enumerate(["stock", "fast"])}
    assert stats.widest_half_width(one_container) is None
    assert stats.widest_half_width({"stock": results["stock"]}) is None
