"""A race and a full profile of the same grid, side by side: what racing saved, and whether
the full run agrees with the race's answer.

The race (`invoke profile --race`) took R rounds; the full run profiles every variant of the
same grid for those R rounds (`--rounds R`). Cost is compared across the two runs (visits,
container-minutes, wall minutes): that is the question, not speed. Speed is never compared
across them: the full run's verdict is computed inside the full run alone, by the race's own
rule (race_record.fastest_first: the best by estimate, and who is not significantly slower than it) and by
its report's summary (stats.fastest against the reference), and then set beside the race's.
render/race_vs_full.py writes the comparison as race-vs-full.md.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

from . import stats
from .race_record import fastest_first
from ..errors import ConfigError
from ..records.documents import RaceRecord, Run


@dataclass(frozen=True)
class Cost:
    visits: int
    container_minutes: Optional[float]
    wall_minutes: Optional[float]


def cost(run: Run) -> Cost:
    return Cost(run.visit_count, run.container_minutes, run.wall_minutes)


def saving(raced: Optional[float], full: Optional[float]) -> Optional[float]:
    """The share of the full run's cost the race did not spend (0.4 = 40% saved)."""
    return 1 - raced / full if raced is not None and full else None


@dataclass(frozen=True)
class FullVerdict:
    """What the full run alone says about the grid."""

    ranked: List[str]  # fastest first by estimate
    against_best: Dict[str, stats.Ratio]  # best/variant time ratio for every other variant (< 1: slower)
    report_fastest: List[str]  # the report summary's "fastest" (significantly faster than the reference)

    @property
    def best(self) -> str:
        return self.ranked[0]

    @property
    def contenders(self) -> List[str]:
        """The best and every variant the full run cannot call slower than it (its CI reaches 1)."""
        return [self.best] + [n for n in self.ranked[1:] if not self.against_best[n].slower]


def full_verdict(run: Run) -> FullVerdict:
    ranked = fastest_first(run.variants)
    against = {n: stats.time_ratio(run.variants[ranked[0]], run.variants[n]).overall for n in ranked[1:]}
    return FullVerdict(ranked, against, stats.fastest(run.variants, list(run.variants)))


@dataclass(frozen=True)
class Comparison:
    raced: Run
    full: Run
    record: RaceRecord
    verdict: FullVerdict

    @property
    def kept(self) -> List[str]:
        """The race's answer: its winner, or its survivors when it named none."""
        return [self.record.winner] if self.record.winner else list(self.record.survivors)

    @property
    def wrong_drops(self) -> List[str]:
        """Variants the race dropped that the full run cannot call slower than its best."""
        return [d.name for d in self.record.dropped if d.name in self.verdict.contenders]

    @property
    def agrees(self) -> bool:
        """The full run's best is among the race's survivors (its winner, when it named one),
        and no variant the race dropped is a contender in the full run."""
        return self.verdict.best in self.kept and not self.wrong_drops

    @property
    def consistent(self) -> bool:
        """Weaker than `agrees`: no wrong drop, and the race's answer is a contender in the full run."""
        return not self.wrong_drops and any(n in self.verdict.contenders for n in self.kept)


def compare(raced: Run, full: Run) -> Comparison:
    record = raced.race
    if record is None:
        raise ConfigError(f"run {raced.run_id} is not a race (its run.json has no race record)",
                          hint="give the run made with `invoke profile --race` first")
    if full.race is not None:
        raise ConfigError(f"run {full.run_id} is a race too; the second run must profile every variant",
                          hint=f"profile the same variants with --rounds {raced.rounds_done} and no --race")
    if set(raced.variants) != set(full.variants):
        missing = sorted(set(raced.variants) ^ set(full.variants))
        raise ConfigError(f"runs {raced.run_id} and {full.run_id} profiled different variants "
                          f"({', '.join(missing)} in only one)", hint="profile the same grid in both")
    return Comparison(raced, full, record, full_verdict(full))
