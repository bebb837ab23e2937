"""Statistics over one run's results: per-case summaries, speedups, A/A noise, stability.

The independent unit is the container, not the call: calls in one container share its
CPU placement, its throttling and its allocator state. Every interval is therefore a
t-interval over per-container figures on the log scale (docs/statistics.md):

* per case (input word count), a container's figure is the log of its median call time;
* overall, it is the mean of those over the cases both sides measured (the log of the
  per-container geometric-mean time);
* a speedup compares the two sides' containers. Blocked (paired by round): when both
  sides have exactly one container in each of the same >= MIN_BLOCKS rounds, the
  differences within rounds are the units (a one-sample t over rounds, n-1 df); this
  removes host drift shared by a round. Otherwise Welch's t with Welch-Satterthwaite
  degrees of freedom over the two sides' containers.

No interval is given, and none is called significant, with fewer than two containers
(or rounds) or zero spread between them; the reason is stated instead.
"""

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats as scipy_stats

from ..records.documents import VariantResult

CONFIDENCE = 0.95
POWER = 0.80  # for the minimum detectable effect of a non-significant comparison
MIN_BLOCKS = 3  # complete rounds needed for the blocked analysis (2 leave 1 df: useless)
TAIL_TAIL_CALLS = 10  # an honest p-quantile needs n * (1 - p) >= this many calls beyond it

WIDE_SPREAD = 0.10  # IQR / median
FEW_SAMPLES = 5
THROTTLED_SHARE = 0.25  # nr_throttled / nr_periods; single-threaded TF still sees ~10%
OUTLIER_FACTOR = 2.0  # max / median
VISIT_DRIFT = 0.10  # (slowest - fastest visit) / median visit

WELCH, BLOCKED, ONE_SAMPLE, NONE = "welch", "blocked", "one-sample", "none"



# ---------------------------------------------------------------- t-intervals (vectorised)

def t_quantile(df):
    return scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, df)


def welch(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean(x) - mean(y), its standard error and Welch-Satterthwaite df, over the last axis."""
    nx, ny = x.shape[-1], y.shape[-1]
    vx, vy = x.var(axis=-1, ddof=1) / nx, y.var(axis=-1, ddof=1) / ny
    se2 = vx + vy
    with np.errstate(invalid="ignore", divide="ignore"):
        df = se2 ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1))
    return x.mean(axis=-1) - y.mean(axis=-1), np.sqrt(se2), df


def one_sample(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean(x), its standard error and n-1 df, over the last axis."""
    n = x.shape[-1]
    return x.mean(axis=-1), x.std(axis=-1, ddof=1) / np.sqrt(n), np.full(x.shape[:-1], n - 1.0)


def paired(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocked analysis: x[..., i] and y[..., i] share block i (a round)."""
    return one_sample(x - y)


def bounds(estimate, se, df):
    half = t_quantile(df) * se
    return estimate - half, estimate + half


# ---------------------------------------------------------------- interval results

@dataclass(frozen=True)
class LogInterval:
    """An estimate on the log scale with its t-interval, or the reason there is none."""

    estimate: float
    se: float = float("nan")
    df: float = float("nan")
    method: str = NONE
    units: int = 0  # containers (Welch: the smaller side) or rounds (blocked)
    reason: str = ""  # why there is no interval

    @property
    def has_interval(self) -> bool:
        return self.method != NONE

    @property
    def low(self) -> float:
        return float(bounds(self.estimate, self.se, self.df)[0]) if self.has_interval else self.estimate

    @property
    def high(self) -> float:
        return float(bounds(self.estimate, self.se, self.df)[1]) if self.has_interval else self.estimate

    @property
    def half(self) -> float:
        return float(t_quantile(self.df) * self.se) if self.has_interval else 0.0

    @property
    def detectable(self) -> Optional[float]:
        """Smallest true log difference found significant with POWER probability."""
        if not self.has_interval:
            return None
        return float((t_quantile(self.df) + scipy_stats.t.ppf(POWER, self.df)) * self.se)


def _no_interval(estimate: float, reason: str) -> LogInterval:
    return LogInterval(float(estimate), reason=reason)


def _interval(estimate, se, df, method: str, units: int) -> LogInterval:
    if not se > 0 or not np.isfinite(df):
        return _no_interval(estimate, "zero spread between containers: the uncertainty "
                                      "cannot be estimated")
    return LogInterval(float(estimate), float(se), float(df), method, units)


def compare_containers(a: Dict[Optional[int], List[float]], b: Dict[Optional[int], List[float]],
                       names: Tuple[str, str] = ("baseline", "variant")) -> LogInterval:
    """log(a) - log(b) from per-container log figures keyed by round.

    Blocked when both have exactly one container in each of the same >= MIN_BLOCKS rounds;
    Welch over containers when each side has >= 2; otherwise no interval.
    """
    xa = [v for vs in a.values() for v in vs]
    xb = [v for vs in b.values() for v in vs]
    if not xa or not xb:
        return _no_interval(float("nan"), "no container measured both")
    estimate = float(np.mean(xa) - np.mean(xb))
    rounds = sorted(r for r in a if r is not None)
    blockable = (set(a) == set(b) and None not in a and len(rounds) >= MIN_BLOCKS
                 and all(len(a[r]) == 1 and len(b[r]) == 1 for r in rounds))
    if blockable:
        x, y = np.array([a[r][0] for r in rounds]), np.array([b[r][0] for r in rounds])
        return _interval(*paired(x, y), BLOCKED, len(rounds))
    few = [f"{len(x)} container{'s' if len(x) != 1 else ''} of {n}"
           for n, x in zip(names, (xa, xb)) if len(x) < 2]
    if few:
        return _no_interval(estimate, " and ".join(few) + " (needs 2 per side)")
    return _interval(*welch(np.array(xa), np.array(xb)), WELCH, min(len(xa), len(xb)))


# ---------------------------------------------------------------- per-container figures

def profiles(result: VariantResult) -> List[dict]:
    """The profile documents of a result's visits that produced one."""
    return [c.profile for c in result.containers]


def case_logs(result: VariantResult, words: int) -> Dict[Optional[int], List[float]]:
    """log(median call time, ms) of each container that measured `words`, by round."""
    out: Dict[Optional[int], List[float]] = {}
    for c in result.containers:
        if words in c.samples_ms:
            out.setdefault(c.round, []).append(float(np.log(np.median(c.samples_ms[words]))))
    return out


def container_logs(result: VariantResult, cases: Sequence[int]) -> Dict[Optional[int], List[float]]:
    """log of each container's geometric-mean time over `cases` (the mean of log medians),
    by round; containers missing a case are left out."""
    out: Dict[Optional[int], List[float]] = {}
    for c in result.containers:
        if cases and all(w in c.samples_ms for w in cases):
            out.setdefault(c.round, []).append(
                float(np.mean([np.log(np.median(c.samples_ms[w])) for w in cases])))
    return out


def measured_cases(result: VariantResult) -> List[int]:
    return sorted({w for c in result.containers for w in c.samples_ms})


# ---------------------------------------------------------------- per-case summary

@dataclass(frozen=True)
class CaseStats:
    """One input word count of one variant (ms).

    median: geometric mean of the containers' median call times, with its t-interval
    over containers (ci_low, ci_high; equal to it when there is no interval, see `ci`).
    q1, p50, q3, p90, p99, max: of all calls pooled; p90/p99 are None when too few calls
    lie beyond them to estimate them honestly (TAIL_TAIL_CALLS)."""

    words: int
    n: int  # calls
    containers: int
    median: float
    ci_low: float
    ci_high: float
    q1: float
    p50: float
    q3: float
    max: float
    p90: Optional[float]
    p99: Optional[float]
    ci: LogInterval

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def spread(self) -> float:
        """IQR relative to the median."""
        return self.iqr / self.median if self.median else float("inf")


def calls_for_quantile(p: float) -> int:
    """Calls needed so that at least TAIL_TAIL_CALLS of them lie beyond the p-quantile."""
    return int(np.ceil(TAIL_TAIL_CALLS / (1 - p) - 1e-9))


def _tail(samples: np.ndarray, p: float) -> Optional[float]:
    return float(np.quantile(samples, p)) if len(samples) >= calls_for_quantile(p) else None


def case_stats(words: int, containers: Sequence[np.ndarray]) -> CaseStats:
    """containers: one array of call times (ms) per container."""
    logs = np.array([np.log(np.median(c)) for c in containers])
    if len(logs) >= 2:
        ci = _interval(*one_sample(logs), ONE_SAMPLE, len(logs))
    else:
        ci = _no_interval(logs.mean(), "1 container (needs 2)")
    pooled = np.concatenate(list(containers))
    q1, p50, q3 = np.percentile(pooled, [25, 50, 75])
    return CaseStats(words=words, n=len(pooled), containers=len(logs), median=float(np.exp(ci.estimate)),
                     ci_low=float(np.exp(ci.low)), ci_high=float(np.exp(ci.high)), q1=float(q1),
                     p50=float(p50), q3=float(q3), max=float(pooled.max()), p90=_tail(pooled, 0.90),
                     p99=_tail(pooled, 0.99), ci=ci)


def summarize(result: VariantResult) -> Dict[int, CaseStats]:
    """Per input word count: calls, containers, median with its CI, IQR and tail (ms)."""
    return {w: case_stats(w, [c.samples_ms[w] for c in result.containers if w in c.samples_ms])
            for w in measured_cases(result)}


# ---------------------------------------------------------------- speedups

@dataclass(frozen=True)
class Ratio:
    """A time ratio baseline/variant with its CI: > 1 means the variant is faster."""

    value: float
    low: float
    high: float
    interval: Optional[LogInterval] = None

    @classmethod
    def of(cls, log: LogInterval) -> "Ratio":
        return cls(float(np.exp(log.estimate)), float(np.exp(log.low)), float(np.exp(log.high)), log)

    @property
    def has_interval(self) -> bool:
        return self.interval is None or self.interval.has_interval

    @property
    def significant(self) -> bool:
        return self.has_interval and self.low < self.high and not (self.low <= 1.0 <= self.high)

    @property
    def faster(self) -> bool:
        return self.significant and self.low > 1.0

    @property
    def slower(self) -> bool:
        return self.significant and self.high < 1.0

    @property
    def half_width(self) -> Optional[float]:
        """The longer side of the CI relative to the estimate (0.05 = ±5%)."""
        if not self.has_interval:
            return None
        return max(self.high / self.value - 1.0, 1.0 - self.low / self.value)

    @property
    def detectable(self) -> Optional[float]:
        """The smallest relative difference this comparison would find with POWER."""
        d = self.interval.detectable if self.interval else None
        return float(np.exp(d) - 1.0) if d is not None else None

    def within(self, noise_floor: float) -> bool:
        """The difference is smaller than an A/A run's noise floor (relative, e.g. 0.03)."""
        return max(self.value, 1 / self.value) - 1.0 < noise_floor

    def figure(self) -> str:
        if self.slower:
            r, lo, hi = 1 / self.value, 1 / self.high, 1 / self.low
        else:
            r, lo, hi = self.value, self.low, self.high
        if not self.has_interval:
            return f"{r:.2f}x"
        pm = max(r - lo, hi - r)
        digits = 2 if pm >= 0.01 else 3
        return f"{r:.{digits}f} ± {pm:.{digits}f}x"

    def describe(self, noise_floor: float = 0.0) -> str:
        """'1.23 ± 0.04x faster' (± is the 95% CI half-width, its longer side), '2.10 ± 0.30x
        slower', 'no significant difference (1.01 ± 0.03x); could detect ≥ 12%',
        'within A/A noise (…)', or '1.10x; no interval: <reason>'."""
        if not self.has_interval:
            return f"{self.figure()}; no interval: {self.interval.reason}"
        if not self.significant:
            d = self.detectable
            tail = f"; could detect ≥ {d:.0%}" if d is not None else ""
            return f"no significant difference ({self.figure()}){tail}"
        if self.within(noise_floor):
            return f"within A/A noise ({self.figure()})"
        return f"{self.figure()} {'slower' if self.slower else 'faster'}"


@dataclass(frozen=True)
class Speedup:
    """How much faster `variant` is than `baseline`, per case and overall."""

    baseline: str
    variant: str
    overall: Ratio  # ratio of per-container geometric-mean times over the common cases
    per_case: Dict[int, Ratio]

    @property
    def method(self) -> str:
        return self.overall.interval.method if self.overall.interval else NONE

    def describe(self, noise_floor: float = 0.0) -> str:
        return self.overall.describe(noise_floor)


def time_ratio(baseline: VariantResult, variant: VariantResult) -> Optional[Speedup]:
    """Speedup of `variant` against `baseline` (time ratio, > 1 means faster); None when
    the two share no measured case."""
    a, b = baseline, variant
    common = sorted(set(measured_cases(a)) & set(measured_cases(b)))
    if not common:
        return None
    names = (a.name, b.name)
    per_case = {w: Ratio.of(compare_containers(case_logs(a, w), case_logs(b, w), names)) for w in common}
    overall = Ratio.of(compare_containers(container_logs(a, common), container_logs(b, common), names))
    return Speedup(baseline=a.name, variant=b.name, overall=overall, per_case=per_case)


def against_reference(results: Dict[str, VariantResult], name: str) -> Optional[Speedup]:
    """Speedup of a variant against its family's reference; None for the reference itself
    or when the reference is not in `results` (never borrowed from another run)."""
    ref = results[name].reference
    if not ref or ref == name or ref not in results:
        return None
    return time_ratio(results[ref], results[name])


def against_parent(results: Dict[str, VariantResult], name: str) -> Optional[Speedup]:
    """Speedup of a variant against the variant it extends; None without a measured parent."""
    parent = results[name].parent
    if not parent or parent not in results:
        return None
    return time_ratio(results[parent], results[name])


def fastest(results: Dict[str, VariantResult], names: Iterable[str], noise_floor: float = 0.0) -> List[str]:
    """The variants tied for fastest against their reference: the best by estimate and every
    significantly faster variant whose CI overlaps the best's. Empty when none is faster."""
    speedups = {n: against_reference(results, n) for n in names}
    faster = {n: s.overall for n, s in speedups.items()
              if s and s.overall.faster and not s.overall.within(noise_floor)}
    if not faster:
        return []
    best = max(faster, key=lambda n: faster[n].value)
    return sorted((n for n, r in faster.items() if r.high >= faster[best].low),
                  key=lambda n: -faster[n].value)


# ---------------------------------------------------------------- precision target

def widest_half_width(results: Dict[str, VariantResult]) -> Optional[float]:
    """The widest relative 95% CI half-width (0.05 = 5%) among the overall speedups of
    every non-reference variant against its reference that the report prints.

    A/A arms and variants whose reference is not in `results` are not compared, so they
    do not count. None while any printed speedup has no interval yet (fewer than two
    containers on a side, or zero spread), or when there is nothing to compare.
    """
    widths = []
    for name in results:
        if results[name].arm_of:
            continue
        s = against_reference(results, name)
        if s is None:
            continue
        if s.overall.half_width is None:
            return None
        widths.append(s.overall.half_width)
    return max(widths) if widths else None


# ---------------------------------------------------------------- A/A noise floor

@dataclass(frozen=True)
class Noise:
    """Relative time difference between two identical arms: time_b / time_a - 1."""

    arm_a: str
    arm_b: str
    family: str
    difference: float
    low: float
    high: float
    ratio: Ratio

    @property
    def floor(self) -> float:
        """Differences smaller than this (relative) are indistinguishable from noise."""
        return max(abs(self.low), abs(self.high))

    def describe(self) -> str:
        if not self.ratio.has_interval:
            return (f"{self.arm_b} against {self.arm_a}: time difference {_pct(self.difference)}; "
                    f"no interval: {self.ratio.interval.reason}, so no noise floor")
        return (f"{self.arm_b} against {self.arm_a}: time difference {_pct(self.difference)} "
                f"(95% CI {_pct(self.low)} … {_pct(self.high)}); "
                f"differences below ±{self.floor:.1%} are noise")


def _pct(x: float) -> str:
    text = f"{x:+.1%}"
    return "±0.0%" if text in ("+0.0%", "-0.0%") else text


def aa_noise(arm_a: VariantResult, arm_b: VariantResult) -> Optional[Noise]:
    """The noise floor from an A/A pair: two arms of the same variant in the same run."""
    ratio = time_ratio(arm_a, arm_b)
    if ratio is None:
        return None
    r = ratio.overall
    noise = Noise(arm_a=ratio.baseline, arm_b=ratio.variant, family=arm_a.family,
                  difference=1 / r.value - 1, low=1 / r.high - 1, high=1 / r.low - 1, ratio=r)
    return noise if r.has_interval else Noise(noise.arm_a, noise.arm_b, noise.family,
                                              noise.difference, 0.0, 0.0, r)


def aa_by_family(arms: Dict[str, VariantResult]) -> Dict[str, Noise]:
    """Each family's A/A noise from the arms of one run (pairs NAME@A, NAME@B of arm_of NAME)."""
    pairs: Dict[str, List[str]] = {}
    for name in sorted(arms):
        pairs.setdefault(arms[name].arm_of or name, []).append(name)
    out: Dict[str, Noise] = {}
    for of, names in sorted(pairs.items()):
        if len(names) != 2:
            continue
        noise = aa_noise(arms[names[0]], arms[names[1]])
        if noise is not None and noise.family not in out:
            out[noise.family] = noise
    return out


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


def _throttled_share(result: VariantResult) -> Optional[Tuple[float, int, int]]:
    throttled = sum(c.periods[0] for c in result.containers)
    periods = sum(c.periods[1] for c in result.containers)
    return (throttled / periods, throttled, periods) if periods else None


def throttling_remedy(result: VariantResult) -> str:
    """What to change so the variant stops using more threads than its CPU quota."""
    r = result
    one_thread = all(t == 1 for t in r.threads)
    omp = r.env.get("OMP_NUM_THREADS")
    if one_thread and omp != "1":
        return ("its session already has one intra-op and one inter-op thread; the extra threads "
                "are OpenMP's (MKL/oneDNN): set env OMP_NUM_THREADS=1, or pin with --pin")
    if not one_thread:
        return ("set threads: {intra_op: 1, inter_op: 1}, and env OMP_NUM_THREADS=1 for "
                "MKL/oneDNN builds; or pin with --pin")
    return "check other threads in the process (allocator, Python); or pin with --pin"


def _visit_times(result: VariantResult) -> List[float]:
    """One figure per container: geometric mean over its cases of the case median (ms)."""
    times = []
    for c in result.containers:
        medians = [np.median(s) for s in c.samples_ms.values()]
        if medians:
            times.append(float(np.exp(np.mean(np.log(medians)))))
    return times


def stability_warnings(result: VariantResult, summary: Optional[Dict[int, CaseStats]] = None
                       ) -> List[StabilityWarning]:
    """What makes this variant's numbers less trustworthy, each with what to do about it."""
    r = result
    name = r.name
    summary = summary if summary is not None else summarize(r)
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

    throttling = _throttled_share(r)
    if throttling and throttling[0] > THROTTLED_SHARE:
        share, throttled, periods = throttling
        found.append(StabilityWarning(
            name, "throttled",
            f"CPU-throttled in {share:.0%} of CFS periods ({throttled}/{periods}): more runnable "
            f"threads than its CPU quota", throttling_remedy(r)))

    outliers = [c for c in cases if c.max > OUTLIER_FACTOR * c.median]
    if outliers:
        worst = max(outliers, key=lambda c: c.max / c.median)
        found.append(StabilityWarning(
            name, "outliers",
            f"calls slower than {OUTLIER_FACTOR:g}x the median at word counts "
            f"{_words_list(outliers)}; worst {worst.max / worst.median:.1f}x at {worst.words} words",
            "medians resist a few outliers; if they recur, check for other load on the host, "
            "swapping (memory limit) or raise --repeats"))

    visits = _visit_times(r)
    if len(visits) >= 2:
        drift = (max(visits) - min(visits)) / float(np.median(visits))
        if drift > VISIT_DRIFT:
            found.append(StabilityWarning(
                name, "visit-drift",
                f"containers of this variant differ by {drift:.0%} from fastest to slowest",
                "more --rounds; check CPU frequency scaling and other load on the host"))
    return found


# ---------------------------------------------------------------- grouping

def families(results: Dict[str, VariantResult]) -> Dict[str, List[str]]:
    """Variant names by family, each family ordered reference first, then along parent
    chains (a parent before its children), ties by name."""
    by_family: Dict[str, List[str]] = {}
    for name in sorted(results):
        by_family.setdefault(results[name].family, []).append(name)

    ordered: Dict[str, List[str]] = {}
    for family, names in sorted(by_family.items()):
        members = set(names)
        children: Dict[Optional[str], List[str]] = {}
        for name in names:
            parent = results[name].parent
            children.setdefault(parent if parent in members else None, []).append(name)
        roots = children.get(None, [])
        refs = {results[n].reference for n in names}
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
