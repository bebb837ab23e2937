"""The real floor of a predict() call: per step, compute or the memory stream, whichever is longer.

A profile document made since the bandwidth microbenchmark was added carries, for each case,
the steps its words need with the bytes and MACs of each (``steps``, g2p/step_bytes.py), and
the read bandwidth of each cache level and DRAM measured in the same container with the
cache sizes read there (``bandwidth``, g2p/bandwidth.py). With the SGEMM peak
(``microbench``, compute_bound.py):

    level(step)         = the first of L1, L2, L3 whose size holds the step's bytes, else DRAM
    compute time(step)  = MACs / (peak GMAC/s × 10⁹)
    memory time(step)   = bytes / (bandwidth of level(step) GB/s × 10⁹)
    ms at the floor (n) = 1000 × Σ over the case's steps of count × max(compute, memory)
    x above the floor   = measured median ms(n) / ms at the floor(n)

The floor is the same work for every decoding (the predictions fix it: encoder over each
word's length, decoder until the batch's last <EOS>), so it says how far a variant is from
what this core could do, where the compute bound says how far it is from its own decoding's
arithmetic. As with the peak, the run's best bandwidth per level is the hardware's
(``run_bandwidths``); each image's own figure depends on the BLAS its NumPy carries.
Documents without ``steps`` or ``bandwidth`` (older runs) have no floor.
"""

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from . import compute_bound, stats
from ..records.documents import VariantResult

CACHE_LEVELS = ("L1", "L2", "L3")
DRAM = "DRAM"


@dataclass(frozen=True)
class Step:
    kind: str
    count: int
    bytes: int
    macs: int


@dataclass(frozen=True)
class StepTime:
    step: Step
    level: str
    compute_s: float
    memory_s: float

    @property
    def seconds(self) -> float:
        return self.step.count * max(self.compute_s, self.memory_s)

    @property
    def memory_bound(self) -> bool:
        return self.memory_s > self.compute_s


@dataclass(frozen=True)
class Floor:
    words: int
    steps: List[StepTime]
    measured_ms: Optional[float]

    @property
    def floor_ms(self) -> float:
        return sum(s.seconds for s in self.steps) * 1e3

    @property
    def compute_ms(self) -> float:
        return sum(s.step.count * s.compute_s for s in self.steps) * 1e3

    @property
    def memory_ms(self) -> float:
        return sum(s.step.count * s.memory_s for s in self.steps) * 1e3

    @property
    def memory_bound_steps(self) -> int:
        return sum(s.step.count for s in self.steps if s.memory_bound)

    @property
    def step_count(self) -> int:
        return sum(s.step.count for s in self.steps)

    @property
    def above(self) -> Optional[float]:
        return self.measured_ms / self.floor_ms if self.measured_ms and self.floor_ms > 0 else None


def level_of(nbytes: int, cache_bytes: Mapping[str, int]) -> str:
    """The smallest cache level that holds `nbytes`, DRAM if none does."""
    for level in CACHE_LEVELS:
        size = cache_bytes.get(level)
        if size and nbytes <= size:
            return level
    return DRAM


def step_time(step: Step, cache_bytes: Mapping[str, int], gb_per_s: Mapping[str, float],
              peak_gmacs_per_s: float) -> Optional[StepTime]:
    level = level_of(step.bytes, cache_bytes)
    if not gb_per_s.get(level):
        return None
    return StepTime(step, level, step.macs / (peak_gmacs_per_s * 1e9), step.bytes / (gb_per_s[level] * 1e9))


def floor_of(words: int, steps: Sequence[Step], cache_bytes: Mapping[str, int], gb_per_s: Mapping[str, float],
             peak_gmacs_per_s: float, measured: Optional[float] = None) -> Optional[Floor]:
    timed = [step_time(s, cache_bytes, gb_per_s, peak_gmacs_per_s) for s in steps]
    if not timed or any(t is None for t in timed):
        return None
    return Floor(words, timed, measured)


def case_steps(result: VariantResult, words: int) -> Optional[List[Step]]:
    """The steps of the n-word case (the same in every container)."""
    for profile in stats.profiles(result):
        found = ((profile.get("steps") or {}).get("per_case") or {}).get(str(words))
        if found:
            return [Step(s["kind"], int(s["count"]), int(s["bytes"]), int(s["macs"])) for s in found]
    return None


def _levels(profile: dict) -> List[dict]:
    return [x for x in ((profile.get("bandwidth") or {}).get("levels") or []) if isinstance(x, dict)]


def cache_sizes(result: VariantResult) -> Dict[str, int]:
    """{L1/L2/L3: bytes} as the container read them from sysfs."""
    for profile in stats.profiles(result):
        sizes = {x["level"]: int(x["cache_bytes"]) for x in _levels(profile)
                 if x.get("level") in CACHE_LEVELS and x.get("cache_bytes")}
        if sizes:
            return sizes
    return {}


def bandwidths(result: VariantResult) -> Dict[str, float]:
    """{level: GB/s}, the median over the variant's containers."""
    found: Dict[str, List[float]] = {}
    for profile in stats.profiles(result):
        for x in _levels(profile):
            if isinstance(x.get("gb_per_s"), (int, float)) and x["gb_per_s"] > 0:
                found.setdefault(x["level"], []).append(float(x["gb_per_s"]))
    return {level: float(np.median(v)) for level, v in found.items()}


def run_bandwidths(results: Dict[str, VariantResult]) -> Dict[str, float]:
    """The hardware's bandwidth per level as this run measured it: the best variant's figure."""
    best: Dict[str, float] = {}
    for result in results.values():
        for level, value in bandwidths(result).items():
            best[level] = max(best.get(level, 0.0), value)
    return best


def floor(result: VariantResult, words: int, peak: Optional[float] = None,
          gb_per_s: Optional[Mapping[str, float]] = None) -> Optional[Floor]:
    """`peak`, `gb_per_s`: the figures to divide by (default: this variant's own)."""
    steps, peak = case_steps(result, words), peak or compute_bound.peak_gmacs_per_s(result)
    gb_per_s = gb_per_s or bandwidths(result)
    if not steps or not peak or not gb_per_s:
        return None
    return floor_of(words, steps, cache_sizes(result), gb_per_s, peak, compute_bound.measured_ms(result, words))


def floors(result: VariantResult, peak: Optional[float] = None,
           gb_per_s: Optional[Mapping[str, float]] = None) -> Dict[int, Floor]:
    """The floor of every measured case."""
    return {n: f for n in compute_bound.measured_words(result) for f in [floor(result, n, peak, gb_per_s)] if f}
