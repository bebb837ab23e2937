"""How far a variant is from the hardware's limit: its work against the core's measured peak.

Each profile document carries the multiply-accumulates one predict() call does for each
input length, counted from the model's dimensions for the decoding used (``macs``,
g2p/macs.py), and a short single-core SGEMM measured in the same container under the
same limits (``microbench.gmacs_per_s``). From them:

    ms at compute bound (n words) = MACs(n) / (peak GMAC/s × 10⁹) × 1000
    x above the bound  (n words) = measured median ms(n) / ms at compute bound(n)

The bound is what a perfect implementation of that decoding would take if it did
nothing but those MACs at the GEMM peak: no framework overhead, no memory stalls.

The microbenchmark runs NumPy's matmul, so its figure depends on the BLAS that image's
NumPy carries (NumPy 1.16's OpenBLAS in the TF 1.13 image reaches about a quarter of
what a current one does on an AVX-512 core). The hardware's limit is the best of them:
the report divides by the highest peak measured in the run (``run_peak``), and shows
each variant's own figure beside it.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from . import stats
from ..records.documents import VariantResult


@dataclass(frozen=True)
class Distance:
    words: int
    macs: int
    peak_gmacs_per_s: float
    bound_ms: float
    measured_ms: Optional[float]

    @property
    def above(self) -> Optional[float]:
        return self.measured_ms / self.bound_ms if self.measured_ms and self.bound_ms > 0 else None


def macs_per_predict(result: VariantResult, words: int) -> Optional[int]:
    """MACs of one predict() on the n-word case (the same in every container)."""
    for profile in stats.profiles(result):
        value = ((profile.get("macs") or {}).get("per_case") or {}).get(str(words))
        if isinstance(value, (int, float)):
            return int(value)
    return None


def peak_gmacs_per_s(result: VariantResult) -> Optional[float]:
    """The single-core GEMM peak, median over containers."""
    found = [(p.get("microbench") or {}).get("gmacs_per_s") for p in stats.profiles(result)]
    found = [x for x in found if isinstance(x, (int, float)) and x > 0]
    return float(np.median(found)) if found else None


def measured_ms(result: VariantResult, words: int) -> Optional[float]:
    """The n-word figure of the report's main table: the geometric mean over containers of
    each container's median call (tfopt.analysis.stats), so both tables quote the same time."""
    case = stats.summarize(result).get(words)
    return float(case.median) if case is not None else None


def run_peak(results: Dict[str, VariantResult]) -> Optional[float]:
    """The hardware's single-core peak as this run measured it: the best variant's figure."""
    found = [p for p in (peak_gmacs_per_s(r) for r in results.values()) if p]
    return max(found) if found else None


def distance(result: VariantResult, words: int, peak: Optional[float] = None) -> Optional[Distance]:
    """`peak`: the GMAC/s to divide by (default: this variant's own measurement)."""
    macs, peak = macs_per_predict(result, words), peak or peak_gmacs_per_s(result)
    if not macs or not peak:
        return None
    return Distance(words, macs, peak, macs / (peak * 1e9) * 1e3, measured_ms(result, words))


def measured_words(result: VariantResult) -> List[int]:
    return stats.measured_cases(result)


def distances(result: VariantResult, peak: Optional[float] = None) -> Dict[int, Distance]:
    """The distance at the shortest and the longest measured input."""
    words = measured_words(result)
    chosen = sorted({words[0], words[-1]}) if words else []
    return {n: d for n in chosen for d in [distance(result, n, peak)] if d}
