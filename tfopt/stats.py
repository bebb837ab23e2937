"""Statistics over result documents: per-case summaries, speedups, stability, A/A noise.

Every timing is pooled per case (input word count) across a variant's visits and
reported in milliseconds. Confidence intervals are percentile bootstraps with a
seeded numpy Generator, so the same documents and seed always give the same numbers.
"""

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
from scipy import stats as scipy_stats

N_RESAMPLES = 2000
CONFIDENCE = 0.95

WIDE_SPREAD = 0.10  # IQR / median
FEW_SAMPLES = 5
THROTTLED_SHARE = 0.25  # nr_throttled / nr_periods; single-threaded TF still sees ~10%
OUTLIER_FACTOR = 2.0  # max / median
VISIT_DRIFT = 0.10  # (slowest - fastest visit) / median visit

Results = Dict[str, dict]


# ---------------------------------------------------------------- samples

def profiles(result: dict) -> List[dict]:
    """The profile documents of a result's visits that produced one."""
    return [v["profile"] for v in result.get("visits") or [] if isinstance(v.get("profile"), dict)]


def _case_samples_ms(profile: dict) -> Dict[int, List[float]]:
    cases: Dict[int, List[float]] = {}
    for case in profile.get("cases") or []:
        samples = case.get("samples_ns") or []
        if samples:
            cases.setdefault(int(case["words"]), []).extend(s / 1e6 for s in samples)
    return cases


def pooled_samples_ms(result: dict) -> Dict[int, np.ndarray]:
    """Every predict() timing (ms) of a variant, by input word count, pooled across visits."""
    pooled: Dict[int, List[float]] = {}
    for profile in profiles(result):
        for words, samples in _case_samples_ms(profile).items():
            pooled.setdefault(words, []).extend(samples)
    return {w: np.asarray(pooled[w], dtype=float) for w in sorted(pooled)}


def visit_samples_ms(result: dict) -> Dict[int, List[np.ndarray]]:
    """Timings (ms) by input word count, one array per visit (container)."""
    by_case: Dict[int, List[np.ndarray]] = {}
    for profile in profiles(result):
        for words, samples in _case_samples_ms(profile).items():
            by_case.setdefault(words, []).append(np.asarray(samples, dtype=float))
    return {w: by_case[w] for w in sorted(by_case)}


def _resampled_medians(visits, rng: np.random.Generator, n: int = N_RESAMPLES) -> np.ndarray:
    """Medians of a two-level bootstrap: containers with replacement, then calls within each.

    Calls in one container are more alike than calls in different containers, so
    resampling calls alone would overstate how sure we are.
    """
    if isinstance(visits, np.ndarray):
        visits = [visits]
    k = len(visits)
    sizes = {len(v) for v in visits}
    if len(sizes) == 1:
        m = sizes.pop()
        stacked = np.stack(visits)
        chosen = rng.integers(0, k, size=(n, k, 1))
        calls = rng.integers(0, m, size=(n, k, m))
        return np.median(stacked[chosen, calls].reshape(n, k * m), axis=1)
    medians = np.empty(n)
    for i in range(n):
        picked = [visits[j] for j in rng.integers(0, k, size=k)]
        medians[i] = np.median(np.concatenate([v[rng.integers(0, len(v), size=len(v))] for v in picked]))
    return medians


def _interval(draws: np.ndarray) -> Tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def _case_rng(seed: int, words: int) -> np.random.Generator:
    return np.random.default_rng([seed, words])


# ---------------------------------------------------------------- per-case summary

@dataclass(frozen=True)
class CaseStats:
    words: int
    n: int
    median: float  # ms
    q1: float
    q3: float
    ci_low: float  # bootstrap 95% CI of the median
    ci_high: float
    max: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def spread(self) -> float:
        """IQR relative to the median."""
        return self.iqr / self.median if self.median else float("inf")


def case_stats(words: int, samples_ms, seed: int = 0) -> CaseStats:
    """samples_ms: one array, or one array per visit (then the CI resamples visits too)."""
    visits = [samples_ms] if isinstance(samples_ms, np.ndarray) else list(samples_ms)
    low, high = _interval(_resampled_medians(visits, _case_rng(seed, words)))
    samples_ms = np.concatenate(visits)
    q1, median, q3 = np.percentile(samples_ms, [25, 50, 75])
    return CaseStats(words=words, n=len(samples_ms), median=float(median), q1=float(q1),
                     q3=float(q3), ci_low=low, ci_high=high, max=float(np.max(samples_ms)))


def summarize(result: dict, seed: int = 0) -> Dict[int, CaseStats]:
    """Per input word count: n, median, IQR and the median's bootstrap CI (ms)."""
    return {w: case_stats(w, visits, seed) for w, visits in visit_samples_ms(result).items()}


# ---------------------------------------------------------------- speedups

@dataclass(frozen=True)
class Ratio:
    """A time ratio baseline/variant with its CI: > 1 means the variant is faster."""

    value: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return not (self.low <= 1.0 <= self.high)

    @property
    def faster(self) -> bool:
        return self.significant and self.low > 1.0

    @property
    def slower(self) -> bool:
        return self.significant and self.high < 1.0

    def within(self, noise_floor: float) -> bool:
        """The difference is smaller than an A/A run's noise floor (relative, e.g. 0.03)."""
        return abs(self.value - 1.0) < noise_floor

    def describe(self, noise_floor: float = 0.0) -> str:
        """Hyperfine style: '1.23 ± 0.04x faster', '2.10 ± 0.30x slower',
        'no significant difference (1.01 ± 0.03x)' when the CI contains 1, or
        'within A/A noise (…)' when the difference is below `noise_floor`."""
        if self.slower:
            r, lo, hi = 1 / self.value, 1 / self.high, 1 / self.low
        else:
            r, lo, hi = self.value, self.low, self.high
        pm = max(r - lo, hi - r)
        digits = 2 if pm >= 0.01 else 3
        figure = f"{r:.{digits}f} ± {pm:.{digits}f}x"
        if not self.significant:
            return f"no significant difference ({figure})"
        if self.within(noise_floor):
            return f"within A/A noise ({figure})"
        return f"{figure} {'slower' if self.slower else 'faster'}"


@dataclass(frozen=True)
class Speedup:
    """How much faster `variant` is than `baseline`, per case and overall."""

    baseline: str
    variant: str
    overall: Ratio  # geometric mean over cases of the ratio of medians
    per_case: Dict[int, Ratio]

    def describe(self, noise_floor: float = 0.0) -> str:
        return self.overall.describe(noise_floor)


def time_ratio(baseline: dict, variant: dict, seed: int = 0) -> Optional[Speedup]:
    """Speedup of `variant` against `baseline` (A/B time ratio, > 1 means faster).

    Per case the ratio of medians, with a two-level bootstrap CI (containers, then
    calls). Overall: the ratio of per-container geometric-mean times over the cases
    both measured, with a Welch t-interval over containers (a bootstrap of calls when
    a side has a single container).
    None when the two share no measured case.
    """
    a, b = visit_samples_ms(baseline), visit_samples_ms(variant)
    common = sorted(set(a) & set(b))
    if not common:
        return None
    per_case: Dict[int, Ratio] = {}
    log_draws = []
    for words in common:
        rng = _case_rng(seed, words)
        draws = _resampled_medians(a[words], rng) / _resampled_medians(b[words], rng)
        value = float(np.median(np.concatenate(a[words])) / np.median(np.concatenate(b[words])))
        per_case[words] = Ratio(value, *_interval(draws))
        log_draws.append(np.log(draws))
    overall = _container_ratio(baseline, variant, common)
    if overall is None:  # fewer than two containers on a side: bootstrap calls instead
        overall_value = float(np.exp(np.mean([np.log(r.value) for r in per_case.values()])))
        overall = Ratio(overall_value, *_interval(np.exp(np.mean(log_draws, axis=0))))
    return Speedup(baseline=baseline["variant"]["name"], variant=variant["variant"]["name"],
                   overall=overall, per_case=per_case)


def container_log_index(result: dict, cases: List[int]) -> np.ndarray:
    """One number per container: the mean over `cases` of log(median call time)."""
    out = []
    for profile in profiles(result):
        samples = _case_samples_ms(profile)
        if all(w in samples for w in cases):
            out.append(np.mean([np.log(np.median(samples[w])) for w in cases]))
    return np.asarray(out)


def _container_ratio(baseline: dict, variant: dict, cases: List[int]) -> Optional[Ratio]:
    """Overall time ratio with a Welch t-interval over containers.

    Containers, not calls, are the independent units: calls in one container share
    its CPU placement, its throttling and its allocator state. With few containers
    the interval is wide, as it should be.
    """
    a, b = container_log_index(baseline, cases), container_log_index(variant, cases)
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    difference = a.mean() - b.mean()
    se = float(np.sqrt(va + vb))
    if se == 0.0:
        return Ratio(float(np.exp(difference)), float(np.exp(difference)), float(np.exp(difference)))
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    t = float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, dof))
    return Ratio(float(np.exp(difference)), float(np.exp(difference - t * se)),
                 float(np.exp(difference + t * se)))


def against_reference(results: Results, name: str, seed: int = 0) -> Optional[Speedup]:
    """Speedup of a variant against its family's reference; None for the reference itself
    or when the reference has no result."""
    ref = results[name]["variant"].get("reference")
    if not ref or ref == name or ref not in results:
        return None
    return time_ratio(results[ref], results[name], seed)


def against_parent(results: Results, name: str, seed: int = 0) -> Optional[Speedup]:
    """Speedup of a variant against the variant it extends; None without a measured parent."""
    parent = results[name]["variant"].get("parent")
    if not parent or parent not in results:
        return None
    return time_ratio(results[parent], results[name], seed)


# ---------------------------------------------------------------- A/A noise floor

@dataclass(frozen=True)
class Noise:
    """Relative time difference between two identical arms: arm_b/arm_a - 1."""

    arm_a: str
    arm_b: str
    difference: float
    low: float
    high: float

    @property
    def floor(self) -> float:
        """Differences smaller than this (relative) are indistinguishable from noise."""
        return max(abs(self.low), abs(self.high))

    def describe(self) -> str:
        return (f"{self.arm_b} against {self.arm_a}: time difference {_pct(self.difference)} "
                f"(95% CI {_pct(self.low)} … {_pct(self.high)}); "
                f"differences below ±{self.floor:.1%} are noise")


def _pct(x: float) -> str:
    text = f"{x:+.1%}"
    return "±0.0%" if text in ("+0.0%", "-0.0%") else text


def aa_noise(arm_a: dict, arm_b: dict, seed: int = 0) -> Optional[Noise]:
    """The noise floor from an A/A run: two arms of the same variant."""
    ratio = time_ratio(arm_a, arm_b, seed)
    if ratio is None:
        return None
    r = ratio.overall
    return Noise(arm_a=ratio.baseline, arm_b=ratio.variant, difference=1 / r.value - 1,
                 low=1 / r.high - 1, high=1 / r.low - 1)


# ---------------------------------------------------------------- stability

@dataclass(frozen=True)
class StabilityWarning:
    variant: str
    kind: str  # "wide-spread" | "few-samples" | "throttled" | "outliers" | "visit-drift"
    message: str
    remedy: str


def _words_list(cases: Iterable[CaseStats]) -> str:
    """Word counts as compact ranges: '1-3, 7, 10-20'."""
    words = sorted(c.words for c in cases)
    spans: List[List[int]] = []
    for w in words:
        if spans and w == spans[-1][1] + 1:
            spans[-1][1] = w
        else:
            spans.append([w, w])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _throttled_share(result: dict) -> Optional[Tuple[float, int, int]]:
    periods = throttled = 0
    for profile in profiles(result):
        cgroup = profile.get("cgroup") or {}
        periods += cgroup.get("nr_periods") or 0
        throttled += cgroup.get("nr_throttled") or 0
    return (throttled / periods, throttled, periods) if periods else None


def _visit_times(result: dict) -> List[float]:
    """One figure per visit: geometric mean over its cases of the case median (ms)."""
    times = []
    for profile in profiles(result):
        medians = [np.median(s) for s in _case_samples_ms(profile).values()]
        if medians:
            times.append(float(np.exp(np.mean(np.log(medians)))))
    return times


def stability_warnings(result: dict, summary: Optional[Dict[int, CaseStats]] = None
                       ) -> List[StabilityWarning]:
    """What makes this variant's numbers less trustworthy, each with what to do about it."""
    name = result["variant"]["name"]
    summary = summary if summary is not None else summarize(result)
    cases = list(summary.values())
    found: List[StabilityWarning] = []

    wide = [c for c in cases if c.spread > WIDE_SPREAD]
    if wide:
        worst = max(wide, key=lambda c: c.spread)
        found.append(StabilityWarning(
            name, "wide-spread",
            f"IQR above {WIDE_SPREAD:.0%} of the median at word counts {_words_list(wide)}; "
            f"worst {worst.spread:.0%} at {worst.words} words",
            "close other programs / pin with --pin / more --repeats"))

    few = [c for c in cases if c.n < FEW_SAMPLES]
    if few:
        found.append(StabilityWarning(
            name, "few-samples",
            f"fewer than {FEW_SAMPLES} samples at word counts {_words_list(few)} "
            f"(min {min(c.n for c in few)})",
            "raise --repeats or --rounds"))

    throttling = _throttled_share(result)
    if throttling and throttling[0] > THROTTLED_SHARE:
        share, throttled, periods = throttling
        found.append(StabilityWarning(
            name, "throttled",
            f"CPU-throttled in {share:.0%} of CFS periods ({throttled}/{periods})",
            "the variant uses more threads than its CPU quota; set intra/inter op threads "
            "to 1 or pin with cpuset"))

    outliers = [c for c in cases if c.max > OUTLIER_FACTOR * c.median]
    if outliers:
        worst = max(outliers, key=lambda c: c.max / c.median)
        found.append(StabilityWarning(
            name, "outliers",
            f"calls slower than {OUTLIER_FACTOR:g}x the median at word counts "
            f"{_words_list(outliers)}; worst {worst.max / worst.median:.1f}x at {worst.words} words",
            "medians resist a few outliers; if they recur, check for other load on the host, "
            "swapping (memory limit) or raise --repeats"))

    visits = _visit_times(result)
    if len(visits) >= 2:
        drift = (max(visits) - min(visits)) / float(np.median(visits))
        if drift > VISIT_DRIFT:
            found.append(StabilityWarning(
                name, "visit-drift",
                f"containers of this variant differ by {drift:.0%} from fastest to slowest",
                "more --rounds; check CPU frequency scaling and other load on the host"))
    return found


# ---------------------------------------------------------------- grouping

def families(results: Results) -> Dict[str, List[str]]:
    """Variant names by family, each family ordered reference first, then along parent
    chains (a parent before its children), ties by name."""
    by_family: Dict[str, List[str]] = {}
    for name in sorted(results):
        by_family.setdefault(results[name]["variant"].get("family") or "?", []).append(name)

    ordered: Dict[str, List[str]] = {}
    for family, names in sorted(by_family.items()):
        members = set(names)
        children: Dict[Optional[str], List[str]] = {}
        for name in names:
            parent = results[name]["variant"].get("parent")
            children.setdefault(parent if parent in members else None, []).append(name)
        roots = children.get(None, [])
        refs = {results[n]["variant"].get("reference") for n in names}
        roots.sort(key=lambda n: (n not in refs, n))
        out: List[str] = []

        def visit(n: str) -> None:
            out.append(n)
            for child in sorted(children.get(n, [])):
                visit(child)

        for root in roots:
            visit(root)
        out += [n for n in names if n not in out]  # parent cycles, defensively
        ordered[family] = out
    return ordered


# ---------------------------------------------------------------- precision target

def widest_half_width(results: Results) -> Optional[float]:
    """The widest relative 95% CI half-width (0.05 = 5%) among the overall speedups of
    every non-reference variant against its reference that the report prints.

    Relative half-width: the longer side of the CI divided by the estimate. A/A arms
    and variants whose reference is not in `results` are not compared, so they do not
    count. None while any printed speedup has no container interval yet (fewer than two
    containers on a side), or when there is nothing to compare.
    """
    widths = []
    for name, doc in results.items():
        variant = doc["variant"]
        ref = variant.get("reference")
        if variant.get("arm_of") or not ref or ref == name or ref not in results:
            continue
        a, b = visit_samples_ms(results[ref]), visit_samples_ms(doc)
        common = sorted(set(a) & set(b))
        ratio = _container_ratio(results[ref], doc, common) if common else None
        if ratio is None:
            return None
        widths.append(max(ratio.high / ratio.value - 1.0, 1.0 - ratio.low / ratio.value))
    return max(widths) if widths else None
