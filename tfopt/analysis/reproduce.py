"""Two runs of the same variants, side by side: does the second reproduce the first?

Each speedup is computed inside its own run (against that run's reference, with that
run's interval); the two runs' numbers are never put into one ratio. A variant
reproduces when its second speedup lies inside the first run's 95% CI, and the two
intervals at least overlap. render/back_to_back.py writes the comparison as back-to-back.md.
"""

from dataclasses import dataclass
from typing import List, Optional

from . import stats
from ..records.documents import Run


@dataclass(frozen=True)
class Agreement:
    variant: str
    first: Optional[stats.Ratio]
    second: Optional[stats.Ratio]

    @property
    def comparable(self) -> bool:
        return all(r is not None and r.has_interval and r.interval is not None for r in (self.first, self.second))

    @property
    def inside(self) -> bool:
        """The second run's estimate lies inside the first run's CI."""
        return self.comparable and self.first.low <= self.second.value <= self.first.high

    @property
    def overlap(self) -> bool:
        return self.comparable and self.first.low <= self.second.high and self.second.low <= self.first.high


def _speedup(run: Run, name: str) -> Optional[stats.Ratio]:
    found = stats.against_reference(run.variants, name) if name in run.variants else None
    return found.overall if found else None


def compare(first: Run, second: Run) -> List[Agreement]:
    """Every non-reference variant measured in both runs, in the first run's order."""
    names = [n for n in first.variants if n in second.variants]
    return [Agreement(n, _speedup(first, n), _speedup(second, n)) for n in names
            if _speedup(first, n) is not None or _speedup(second, n) is not None]
