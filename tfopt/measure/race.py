"""Racing (`invoke profile --race`): a dropping and stopping policy for the round loop.

The loop in runs.py runs interleaved rounds as usual; after each round this policy
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
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ..analysis import stats
from ..log import log
from ..records.documents import RaceRecord, Run, VariantResult
from ..plan.protocol import DEFAULT_MARGIN, DEFAULT_TIE


@dataclass(frozen=True)
class Drop:
    name: str
    after_round: int
    reason: str


@dataclass
class Race:
    margin: float = DEFAULT_MARGIN
    tie: float = DEFAULT_TIE
    dropped: Dict[str, Drop] = field(default_factory=dict)
    survivors_per_round: List[int] = field(default_factory=list)
    winner: Optional[str] = None

    def alive(self, name: str) -> bool:
        return name not in self.dropped

    def standings(self, measured: Dict[str, VariantResult]) -> List[str]:
        """Surviving variants, fastest first by the estimate (ties keep name order)."""
        names = sorted(n for n in measured if self.alive(n))
        if len(names) < 2:
            return names
        anchor = names[0]
        speed = {anchor: 1.0}
        for name in names[1:]:
            s = stats.time_ratio(measured[anchor], measured[name])
            if s is not None:
                speed[name] = s.overall.value
        return sorted(speed, key=lambda n: -speed[n])

    def after_round(self, round_no: int, measured: Dict[str, VariantResult]) -> List[Drop]:
        """Drop the survivors clearly slower than the best; record who is left. Nothing is
        dropped before stats.MIN_BLOCKS rounds: from then on the comparison is blocked by
        round, so drift shared by a round cancels instead of deciding a drop."""
        ranked = self.standings(measured)
        drops = []
        for name in ranked[1:] if round_no >= stats.MIN_BLOCKS else []:
            ratio = stats.time_ratio(measured[ranked[0]], measured[name]).overall  # < 1: name is slower
            if ratio.has_interval and ratio.high * (1 + self.margin) < 1:
                drops.append(Drop(name, round_no, (
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
        ranked = self.standings(measured)
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
        ranked = self.standings(measured)
        lead = ""
        if len(ranked) >= 2:
            lead = f" · {ranked[0]} leads {ranked[1]}: " + \
                   stats.time_ratio(measured[ranked[1]], measured[ranked[0]]).overall.describe()
        return f"  round {round_no} done · {len(ranked)} left{lead}"

    def record(self, results: Dict[str, VariantResult], rounds_done: int, stop_reason: Optional[str] = None) -> dict:
        """What run.json keeps of the race, with its cost against running every variant every round."""
        ranked = self.standings({n: r for n, r in results.items() if r.visits})
        cost = race_cost(results, rounds_done)
        return {"margin": self.margin, "tie": self.tie, "survivors_per_round": self.survivors_per_round,
                "dropped": [vars(d) for d in self.dropped.values()],
                "survivors": ranked, "winner": self.winner, "verdict": stop_reason, **cost}


Point = Tuple[int, float, Optional[float], Optional[float]]  # round, time / best's time, 95% CI (None: no CI)


def history(run: Run) -> Dict[str, List[Point]]:
    """Each variant's time relative to the race's best (record.best) after every round it ran,
    from the visits of those rounds alone: what the race knew then. A dropped variant's series
    ends at its drop; the best has none."""
    record, variants = run.race, run.variants
    if record.best not in variants:
        return {}
    last = {d.name: d.after_round for d in record.dropped}
    series = {}
    for name in sorted(set(variants) - {record.best}):
        points = []
        for k in range(1, last.get(name, run.rounds_done) + 1):
            found = stats.time_ratio(variants[name].first_rounds(k), variants[record.best].first_rounds(k))
            if found is not None:
                r = found.overall
                points.append((k, r.value, r.low, r.high) if r.has_interval else (k, r.value, None, None))
        series[name] = points
    return series


def race_cost(results: Dict[str, VariantResult], rounds_done: int) -> dict:
    """Visits (and container minutes, where timestamps allow) the race used, and what visiting
    every variant in every one of those rounds would have used (each variant's mean visit)."""
    visits = sum(len(r.visits) for r in results.values())
    full_visits = rounds_done * len(results)
    minutes, full_minutes = 0.0, 0.0
    for result in results.values():
        durations = [v.seconds for v in result.visits if v.seconds is not None]
        if not durations:
            minutes = full_minutes = None
            break
        minutes += sum(durations) / 60
        full_minutes += sum(durations) / len(durations) * max(rounds_done, len(result.visits)) / 60
    return {"visits": visits, "full_visits": full_visits,
            "minutes": minutes, "full_minutes": full_minutes,
            "saved": 1 - (minutes / full_minutes if minutes is not None and full_minutes
                          else visits / full_visits if full_visits else 1.0)}


def describe_cost(record: RaceRecord) -> str:
    text = f"race cost: {record.visits} of {record.full_visits} visits"
    if record.minutes is not None:
        text += f", {record.minutes:.1f} of ~{record.full_minutes:.1f} container-minutes"
    return text + f" that profiling every variant for the same rounds takes ({record.saved:.0%} saved)"

