"""Statistics pinned against scipy and hand-computed data sets with container effects.

Each test names the mistake it catches; docs/statistics.md lists them."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats as scipy_stats

from factories import aa_arms, experiment_family, linear_ms, make_result
from stats_data import container_result, flat
from tfopt.analysis import stats
from tfopt.records.documents import Visit

A = [100.0, 110.0, 95.0, 105.0]  # per-container times (ms), 4 containers
B = [50.0, 60.0, 52.0]  # 3 containers: unequal sizes and variances


# ---------------------------------------------------------------- overall speedup: Welch

def test_welch_interval_matches_scipy_and_hand_computed_values():
    """Catches: z = 1.96 for the t quantile, pooled df, SD for SE, arithmetic means."""
    s = stats.time_ratio(flat("a", A), flat("b", B)).overall  # no rounds: Welch
    assert s.interval.method == stats.WELCH
    # hand-computed: exp(mean log A - mean log B), Welch-Satterthwaite df = 3.2773
    assert s.value == pytest.approx(1.9012309021335654, rel=1e-9)
    assert (s.low, s.high) == pytest.approx((1.5666995136520798, 2.30719350566565), rel=1e-9)
    assert s.interval.df == pytest.approx(3.277294874188807, rel=1e-9)
    ref = scipy_stats.ttest_ind(np.log(A), np.log(B), equal_var=False).confidence_interval(0.95)
    assert (np.log(s.low), np.log(s.high)) == pytest.approx((ref.low, ref.high), rel=1e-12)


def test_geometric_not_arithmetic_mean_over_word_counts():
    # 1 word twice as fast, 20 words unchanged: geometric mean ratio √2, arithmetic ≈ 1.005
    a = container_result("a", [{1: 10.0, 20: 1000.0}] * 2 + [{1: 11.0, 20: 1100.0}])
    b = container_result("b", [{1: 5.0, 20: 1000.0}] * 2 + [{1: 5.5, 20: 1100.0}])
    s = stats.time_ratio(a, b)
    assert s.overall.value == pytest.approx(np.sqrt(2), rel=1e-9)
    assert s.per_case[1].value == pytest.approx(2.0) and s.per_case[20].value == pytest.approx(1.0)


def test_geometric_not_arithmetic_mean_over_containers():
    a, b = flat("a", [100.0, 400.0]), flat("b", [100.0, 100.0, 100.0, 100.0 + 1e-6])
    assert stats.time_ratio(a, b).overall.value == pytest.approx(2.0, rel=1e-6)  # arithmetic: 2.5


def test_speedup_above_one_means_faster_and_describes_with_the_ci_half_width():
    s = stats.time_ratio(flat("a", A), flat("b", B))
    assert s.overall.faster and s.describe() == "1.90 ± 0.41x faster"
    slow = stats.time_ratio(flat("b", B), flat("a", A))
    assert slow.overall.slower and slow.describe().endswith("x slower")
    assert slow.describe().startswith("1.90 ± ")


# ---------------------------------------------------------------- blocked (paired by round)

def test_blocked_analysis_when_both_sides_share_complete_rounds():
    a = flat("a", [100.0, 90.0, 110.0], rounds=[0, 1, 2])
    b = flat("b", [50.0, 46.0, 54.0], rounds=[0, 1, 2])
    s = stats.time_ratio(a, b).overall
    assert s.interval.method == stats.BLOCKED and s.interval.df == 2
    d = np.log([100 / 50, 90 / 46, 110 / 54])
    ref = scipy_stats.ttest_1samp(d, 0).confidence_interval(0.95)
    assert s.value == pytest.approx(1.9975816179556194, rel=1e-9)
    assert (s.low, s.high) == pytest.approx((1.899858602003615, 2.100331212115436), rel=1e-9)
    assert (np.log(s.low), np.log(s.high)) == pytest.approx((ref.low, ref.high), rel=1e-12)


def test_round_drift_shared_by_both_sides_is_removed_by_blocking():
    # The host slows down round by round; both sides feel it; b is steadily 5 % faster.
    drift = [100.0, 120.0, 140.0, 115.0]
    a = flat("a", drift, rounds=[0, 1, 2, 3])
    b = flat("b", [d / 1.05 * (1 + e) for d, e in zip(drift, [0.004, -0.003, 0.002, -0.003])],
             rounds=[0, 1, 2, 3])
    s = stats.time_ratio(a, b).overall
    assert s.interval.method == stats.BLOCKED and s.faster
    assert s.low < 1.05 < s.high


def test_incomplete_rounds_fall_back_to_welch_and_say_so():
    a = flat("a", [100.0, 90.0, 110.0], rounds=[0, 1, 2])
    b = flat("b", [50.0, 46.0], rounds=[0, 1])
    assert stats.time_ratio(a, b).overall.interval.method == stats.WELCH


def test_drift_between_containers_is_not_mistaken_for_a_speedup():
    """Catches: a call-level bootstrap / calls as the unit. Calls are tight (±0.5 %) in each
    container, containers wander ±8 % independently; pooled medians differ by 3 %."""
    levels = [92.0, 100.0, 100.0, 100.0, 108.0, 100.0]
    a = flat("a", levels, rounds=range(6), jitter=0.005, calls=5, seed=1)
    b = flat("b", [0.97 * x for x in [108.0, 100.0, 100.0, 100.0, 92.0, 100.0]], rounds=range(6),
             jitter=0.005, calls=5, seed=2)
    for r in (stats.time_ratio(a, b).overall, stats.time_ratio(a, b).per_case[1]):
        assert not r.significant
        assert r.describe().startswith("no significant difference")
    pooled = _pooled_median_ms(a, 1) / _pooled_median_ms(b, 1)
    assert pooled == pytest.approx(1 / 0.97, rel=0.01)  # what a call-level method would see


def _pooled_median_ms(doc, words):
    """The median of every call of every container: the call-level view the statistics refuse."""
    return np.median(np.concatenate([c.samples_ms[words] for c in doc.containers]))


# ---------------------------------------------------------------- per-case intervals

def test_per_case_latency_interval_is_a_t_interval_over_container_medians():
    """Catches: a call-level bootstrap of the median (it would be as narrow as one container)."""
    medians = [100.0, 110.0, 105.0]
    doc = container_result("x", [{1: m} for m in medians], jitter=0.005, calls=21)
    c = stats.summarize(doc)[1]
    logs = np.log(medians)
    ref = scipy_stats.ttest_1samp(logs, 0).confidence_interval(0.95)
    assert c.median == pytest.approx(np.exp(logs.mean()), rel=1e-9)
    assert (c.ci_low, c.ci_high) == pytest.approx((np.exp(ref.low), np.exp(ref.high)), rel=1e-9)
    assert (c.n, c.containers) == (63, 3)
    assert c.ci_high / c.ci_low > 1.15  # containers differ by 10 %, calls by 1 %


def test_per_case_speedup_interval_matches_welch_over_container_medians():
    a = container_result("a", [{5: m} for m in A])
    b = container_result("b", [{5: m} for m in B])
    r = stats.time_ratio(a, b).per_case[5]
    ref = scipy_stats.ttest_ind(np.log(A), np.log(B), equal_var=False).confidence_interval(0.95)
    assert (np.log(r.low), np.log(r.high)) == pytest.approx((ref.low, ref.high), rel=1e-12)


def test_pooled_quantiles_and_tail_need_enough_calls():
    doc = make_result("x", samples_ms={1: [1, 2, 3, 4, 5, 6, 7, 8, 9]}, visits=3)
    c = stats.summarize(doc)[1]
    assert (c.n, c.q1, c.q3, c.max) == (9, 3, 7, 9)
    assert c.p90 is None and c.p99 is None  # 9 calls: p90 needs 100, p99 needs 1000
    assert stats.calls_for_quantile(0.90) == 100 and stats.calls_for_quantile(0.99) == 1000
    many = make_result("y", samples_ms={1: list(range(1, 201))}, visits=4)
    c = stats.summarize(many)[1]
    assert c.p90 == pytest.approx(np.quantile(np.arange(1, 201), 0.9)) and c.p99 is None


# ---------------------------------------------------------------- edge cases

def test_fewer_than_two_containers_gives_no_interval_and_says_why():
    s = stats.time_ratio(flat("a", [100.0]), flat("b", [50.0, 52.0]))
    assert not s.overall.has_interval and not s.overall.significant
    assert s.describe() == "1.96x; no interval: 1 container of a (needs 2 per side)"
    c = stats.summarize(flat("a", [100.0]))[1]
    assert not c.ci.has_interval and "1 container" in c.ci.reason


def test_zero_variance_is_not_called_significant():
    s = stats.time_ratio(flat("a", [100.0, 100.0, 100.0]), flat("b", [50.0, 50.0, 50.0]))
    assert not s.overall.has_interval and not s.overall.significant and not s.overall.faster
    assert "zero spread" in s.describe()
    assert stats.widest_half_width({"a": flat("a", [100.0] * 3), "b": flat("b", [50.0] * 3)}) is None


def test_non_significant_result_states_the_minimum_detectable_effect():
    a = flat("a", [100.0, 104.0, 97.0], rounds=[0, 1, 2])
    b = flat("b", [101.0, 100.0, 99.0], rounds=[0, 1, 2])
    r = stats.time_ratio(a, b).overall
    d = np.log(np.array([100.0, 104.0, 97.0]) / [101.0, 100.0, 99.0])
    se = d.std(ddof=1) / np.sqrt(3)
    expected = np.exp((scipy_stats.t.ppf(0.975, 2) + scipy_stats.t.ppf(0.8, 2)) * se) - 1
    assert r.detectable == pytest.approx(expected, rel=1e-9)
    assert r.describe().endswith(f"; could detect ≥ {expected:.0%}")
    assert r.describe().startswith("no significant difference (")


def test_ratio_describe_formats():
    assert stats.Ratio(1.23, 1.19, 1.27).describe() == "1.23 ± 0.04x faster"
    assert stats.Ratio(0.5, 0.45, 0.55).describe() == "2.00 ± 0.22x slower"
    assert stats.Ratio(1.01, 0.98, 1.04).describe() == "no significant difference (1.01 ± 0.03x)"
    assert stats.Ratio(1.02, 1.01, 1.03).describe(noise_floor=0.05).startswith("within A/A noise")
    assert stats.Ratio(0.98, 0.97, 0.99).describe(noise_floor=0.05).startswith("within A/A noise")


# ---------------------------------------------------------------- A/A

def test_aa_difference_is_arm_b_over_arm_a_minus_one():
    """Catches: a flipped A/A sign."""
    a = flat("x@A", A, arm_of="x")
    b = flat("x@B", [1.1 * t for t in A], arm_of="x")
    noise = stats.aa_noise(a, b)
    assert noise.difference == pytest.approx(0.10, rel=1e-9)
    assert noise.low < 0.10 < noise.high  # its interval is Welch here: A varies
    assert noise.describe().startswith("x@B against x@A: time difference +10.0% (95% CI ")


def test_aa_of_identical_arms_contains_zero():
    arms = aa_arms()
    noise = stats.aa_noise(arms["stock@A"], arms["stock@B"])
    assert noise.low <= 0.0 <= noise.high and noise.floor < 0.03


def test_aa_floor_is_per_family_from_the_arms_given():
    arms = {
        "t1@A": flat("t1@A", [100.0, 101.0, 99.0], rounds=[0, 1, 2], arm_of="t1", family="tf1.13"),
        "t1@B": flat("t1@B", [102.0, 100.0, 100.0], rounds=[0, 1, 2], arm_of="t1", family="tf1.13"),
        "t2@A": flat("t2@A", [50.0, 60.0, 55.0], rounds=[0, 1, 2], arm_of="t2", family="tf2.21"),
        "t2@B": flat("t2@B", [58.0, 50.0, 54.0], rounds=[0, 1, 2], arm_of="t2", family="tf2.21"),
    }
    floors = stats.aa_by_family(arms)
    assert sorted(floors) == ["tf1.13", "tf2.21"]
    assert floors["tf1.13"].arm_a == "t1@A" and floors["tf2.21"].arm_a == "t2@A"
    assert floors["tf2.21"].floor > 2 * floors["tf1.13"].floor


# ---------------------------------------------------------------- ties, references, precision

def test_fastest_reports_ties_when_intervals_overlap():
    results = {
        "a": flat("a", [100.0, 104.0, 96.0], rounds=[0, 1, 2]),
        "b": flat("b", [50.0, 51.0, 49.5], rounds=[0, 1, 2]),
        "c": flat("c", [49.0, 52.0, 48.0], rounds=[0, 1, 2]),
        "d": flat("d", [80.0, 81.0, 79.0], rounds=[0, 1, 2]),
    }
    assert set(stats.fastest(results, ["b", "c", "d"])) == {"b", "c"}
    assert stats.fastest(results, ["d"]) == ["d"]
    assert stats.fastest(results, ["a"]) == []


def test_against_reference_and_parent_never_borrow():
    results = experiment_family()
    assert stats.against_reference(results, "stock") is None
    to_ref, to_parent = stats.against_reference(results, "frozen"), stats.against_parent(results, "frozen")
    assert (to_ref.baseline, to_parent.baseline) == ("stock", "mkl-1thread-omp")
    assert 4.5 < to_ref.overall.value < 5.5
    del results["stock"]
    assert stats.against_reference(results, "frozen") is None


def test_widest_half_width_is_the_widest_relative_ci_half_width_against_the_reference():
    results = {n: make_result(n, reference="stock", median_ms=linear_ms(m, 3 * m), sigma=0.05, seed=i)
               for i, (n, m) in enumerate([("stock", 100), ("fast", 50), ("slow", 150)])}
    expected = [stats.against_reference(results, n).overall for n in ("fast", "slow")]
    assert stats.widest_half_width(results) == pytest.approx(max(r.high / r.value - 1 for r in expected))
    one_container = {n: make_result(n, visits=1, seed=i) for i, n in enumerate(["stock", "fast"])}
    assert stats.widest_half_width(one_container) is None
    assert stats.widest_half_width({"stock": results["stock"]}) is None
    arms = dict(results, **{"fast@A": make_result("fast@A", arm_of="fast", visits=1)})
    assert stats.widest_half_width(arms) == stats.widest_half_width(results)


def test_speedup_uses_only_common_cases():
    a = make_result("a", words=[1, 2, 3])
    b = make_result("b", words=[2, 3, 4])
    assert sorted(stats.time_ratio(a, b).per_case) == [2, 3]
    assert stats.time_ratio(make_result("a", words=[1]), make_result("b", words=[2])) is None


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


def test_throttling_remedy_names_openmp_when_session_threads_are_already_one():
    one = make_result("x", throttled_share=0.3)
    one = replace(one, settings={"threads": {"intra_op": 1, "inter_op": 1}, "env": {}})
    w = kinds(one)["throttled"]
    assert "30%" in w.message and "OMP_NUM_THREADS=1" in w.remedy
    assert "already has one intra-op" in w.remedy
    default = make_result("y", throttled_share=0.3)
    default = replace(default, settings={"threads": {"intra_op": 0, "inter_op": 0}, "env": {}})
    assert "intra_op: 1" in kinds(default)["throttled"].remedy


def test_outlier_warning():
    samples = {1: [100.0] * 14 + [350.0]}
    w = kinds(make_result("x", samples_ms=samples))["outliers"]
    assert "3.5x" in w.message


def test_visit_drift_warning():
    samples = {w: [100.0, 100.0, 130.0] * 4 for w in (1, 2)}  # round-robin: visit 3 is slow
    assert "visit-drift" in kinds(make_result("x", samples_ms=samples, visits=3))


def test_failed_visits_without_profile_are_ignored():
    doc = make_result("x").with_visit(Visit(round=9, exit_code=137, oom_killed=True, profile=None))
    assert len(stats.profiles(doc)) == 3
    assert stats.summarize(doc)[1].n == 15
