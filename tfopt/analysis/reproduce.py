"""Two runs of the same variants, side by side: does the second reproduce the first?

Each speedup is computed inside its own run (against that run's reference, with that
run's interval); the two runs' numbers are never put into one ratio. A variant
reproduces when its second speedup lies inside the first run's 95% CI, and the two
intervals at least overlap.
"""

from dataclasses import dataclass
from pathlib import Path
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


def _cell(r: Optional[stats.Ratio]) -> str:
    if r is None:
        return "—"
    return f"{r.value:.2f}x [{r.low:.2f}–{r.high:.2f}]" if r.has_interval else f"{r.value:.2f}x (no interval)"


def to_markdown(first: Run, second: Run) -> str:
    rows = compare(first, second)
    inside = sum(a.inside for a in rows)
    overlap = sum(a.overlap for a in rows)
    lines = [f"# Back to back: run {first.run_id}, then run {second.run_id}", "",
             "Speedup of each variant against its family's reference, each computed inside its own "
             "run with that run's 95% CI (time ratio, above 1 = faster). The runs' numbers are never "
             "mixed in one ratio.", "",
             f"- The second run's estimate lies inside the first run's CI for {inside} of {len(rows)} variants.",
             f"- The two CIs overlap for {overlap} of {len(rows)} variants.", "",
             "| variant | first run | second run | second inside first's CI | CIs overlap |",
             "|---|---|---|---|---|"]
    for a in rows:
        lines.append(f"| {a.variant} | {_cell(a.first)} | {_cell(a.second)} | "
                     f"{'yes' if a.inside else 'no' if a.comparable else '—'} | "
                     f"{'yes' if a.overlap else 'no' if a.comparable else '—'} |")
    return "\n".join(lines) + "\n"


def write(first: Run, second: Run, out: Path) -> Path:
    out.write_text(to_markdown(first, second))
    return out
