"""Racing (`invoke profile --race`): a dropping and stopping policy for the round loop.

The loop in measure/rounds.py runs interleaved rounds as usual; after each round this policy
compares every surviving variant with the current best (the fastest by its estimate)
using stats.time_ratio's 95% CI over containers. A variant whose whole CI says it is
slower than the best by more than the margin is dropped and visits no later round.
Nothing is dropped before stats.MIN_BLOCKS (3) rounds, when the comparison becomes blocked
by round (two containers a side leave Welch's interval one or two degrees of freedom, and a
busy host's drift then drops contenders). The race stops, once the minimum rounds are
done, when

* one variant is left, or the best is faster than the runner-up with a CI that excludes
  a tie ("separated"), or
* every survivor's CI against the best lies within ±tie ("tied within the target"),

or at the loop's own limits (--max-rounds, --max-minutes). The CIs are not widened for
the repeated looks; the margin is what keeps a lucky round from dropping a contender.

The ranking it races by, its cost and the analysis of a finished race: analysis/race_record.py.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..analysis import stats
from ..analysis.race_record import fastest_first, race_cost
from ..log import log
from ..records.documents import RaceDrop, VariantResult
from ..plan.protocol import DEFAULT_MARGIN, DEFAULT_TIE


@dataclass
class Race:
    margin: float = DEFAULT_MARGIN
    tie: float = DEFAULT_TIE
    dropped: Dict[str, RaceDrop] = field(default_factory=dict)
    survivors_per_round: List[int] = field(default_factory=list)
    winner: Optional[str] = None

    def alive(self, name: str) -> bool:
        return name not in self.dropped

    def _standings(self, measured: Dict[str, VariantResult]) -> List[str]:
        """Surviving variants, fastest first by the estimate."""
        return fastest_first({n: r for n, r in measured.items() if self.alive(n)})

    def after_round(self, round_no: int, measured: Dict[str, VariantResult]) -> List[RaceDrop]:
        """Drop the survivors clearly slower than the best; record who is left. Nothing is
        dropped before stats.MIN_BLOCKS rounds: from then on the comparison is blocked by
        round, so drift shared by a round cancels instead of deciding a drop."""
        ranked = self._standings(measured)
        drops = []
        for name in ranked[1:] if round_no >= stats.MIN_BLOCKS else []:
            ratio = stats.time_ratio(measured[ranked[0]], measured[name]).overall  # < 1: name is slower
            if ratio.has_interval and ratio.high * (1 + self.margin) < 1:
                drops.append(RaceDrop(name, round_no, (
                    f"{1 / ratio.value:.2f}x slower than {ranked[0]} (95% CI {1 / ratio.high:.2f}"
                    f"–{1 / ratio.low:.2f}x, beyond the {self.margin:.0%} margin)")))
        for drop in drops:
            self.dropped[drop.name] = drop
            log.info(f"  ✂ dropped {drop.name} after round {round_no}: {drop.reason}")
        self.survivors_per_round.append(len([n for n in ranked if self.alive(n)]))
        return drops

    def stop_reason(self, measured: Dict[str, VariantResult]) -> Optional[str]:
        """Why the race is decided, or None to race on (always None before stats.MIN_BLOCKS rounds)."""
        if len(self.survivors_per_round) < stats.MIN_BLOCKS:
            return None
        ranked = self._standings(measured)
        if len(ranked) == 1:
            self.winner = ranked[0]
            return f"{ranked[0]} wins: every other variant was dropped"
        if len(ranked) < 2:
            return None
        best, runner_up = ranked[0], ranked[1]
        lead = stats.time_ratio(measured[runner_up], measured[best]).overall
        if lead.faster:
            self.winner = best
            return f"{best} wins: {lead.describe()} than the runner-up {runner_up} (separated)"
        ratios = [stats.time_ratio(measured[best], measured[n]).overall for n in ranked[1:]]
        if all(r.has_interval and r.low * (1 + self.tie) >= 1 and r.high <= 1 + self.tie for r in ratios):
            return f"tie within ±{self.tie:.0%}: {', '.join(ranked)} (best estimate {best})"
        return None

    def progress(self, round_no: int, measured: Dict[str, VariantResult]) -> str:
        ranked = self._standings(measured)
        lead = ""
        if len(ranked) >= 2:
            lead = f" · {ranked[0]} leads {ranked[1]}: " + \
                   stats.time_ratio(measured[ranked[1]], measured[ranked[0]]).overall.describe()
        return f"  round {round_no} done · {len(ranked)} left{lead}"

    def record(self, results: Dict[str, VariantResult], rounds_done: int, stop_reason: Optional[str] = None) -> dict:
        """What run.json keeps of the race, with its cost against running every variant every round."""
        ranked = self._standings({n: r for n, r in results.items() if r.visits})
        cost = race_cost(results, rounds_done)
        return {"margin": self.margin, "tie": self.tie, "survivors_per_round": self.survivors_per_round,
                "dropped": [vars(d) for d in self.dropped.values()],
                "survivors": ranked, "winner": self.winner, "verdict": stop_reason, **cost}

