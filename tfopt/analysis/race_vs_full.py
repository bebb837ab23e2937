"""A race and a full profile of the same grid, side by side: what racing saved, and whether
the full run agrees with the race's answer.

The race (`invoke profile --race`) took R rounds; the full run profiles every variant of the
same grid for those R rounds (`--rounds R`). Cost is compared across the two runs (visits,
container-minutes, wall minutes): that is the question, not speed. Speed is never compared
across them: the full run's verdict is computed inside the full run alone, by the race's own
rule (tfopt/measure/race.py: the best by estimate, and who is not significantly slower than it) and by
its report's summary (stats.fastest against the reference), and then set beside the race's.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from . import stats
from ..errors import ConfigError
from ..records.documents import RaceRecord, Run
from ..measure.race import Race


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
    ranked = Race().standings(run.variants)
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


def _minutes(m: Optional[float]) -> str:
    return f"{m:.1f}" if m is not None else "—"


def _share(s: Optional[float]) -> str:
    return f"{s:.0%}" if s is not None else "—"


def _reference(run: Run) -> str:
    found = {d.reference for d in run.variants.values()}
    return ", ".join(sorted(n for n in found if n)) or "—"


def to_markdown(c: Comparison) -> str:
    race_cost, full_cost = cost(c.raced), cost(c.full)
    r, v = c.record, c.verdict
    names = sorted(c.raced.variants)
    grid_rounds = c.full.rounds_done
    answer = (f"**{r.winner}** wins" if r.winner else
              f"no single winner: {', '.join(r.survivors)} survive")
    lines = [f"# Racing against profiling fully: run {c.raced.run_id} against run {c.full.run_id}", "",
             f"The grid: {len(names)} variants ({', '.join(names)}).", "",
             f"- **Race** (`--race`, drop margin {r.margin:.0%}, tie target ±{r.tie:.0%}): "
             f"{c.raced.rounds_done} rounds, survivors per round {', '.join(map(str, r.survivors_per_round))}. "
             f"Stopped: {c.raced.stop_reason or r.verdict or '—'}. Answer: {answer}.",
             f"- **Full run** (every variant in each of {grid_rounds} rounds, the race's {c.raced.rounds_done}"
             + ("" if grid_rounds == c.raced.rounds_done else ": NOT the same number of rounds") + "): "
             f"fastest by estimate {v.best}; not significantly slower than it: "
             f"{', '.join(v.contenders)}. Its report's summary, which ranks speedups against the "
             f"reference {_reference(c.full)} and ties those whose CIs overlap the best one's: "
             + (f"tied for fastest {', '.join(v.report_fastest)}." if len(v.report_fastest) > 1 else
                f"fastest {v.report_fastest[0]}." if v.report_fastest else
                "no variant significantly faster than the reference."), ""]
    lines += ["## Drops", "", "| variant | race | full run: against its best |", "|---|---|---|"]
    dropped = {d.name: d for d in r.dropped}
    for name in v.ranked:
        race_cell = (f"dropped after round {dropped[name].after_round}: {dropped[name].reason}" if name in dropped
                     else "winner" if name == r.winner else "survived")
        full_cell = "fastest by estimate" if name == v.best else v.against_best[name].describe()
        lines.append(f"| {name} | {race_cell} | {full_cell} |")
    lines += ["", "## Cost", "",
              "Cost, not speed, is compared across the two runs, so their wall times may be set side "
              "by side; no time of one run is compared with a time of the other.", "",
              "| | race | full run | saved |", "|---|---|---|---|",
              f"| container visits | {race_cost.visits} | {full_cost.visits} | "
              f"{_share(saving(race_cost.visits, full_cost.visits))} |",
              f"| container-minutes | {_minutes(race_cost.container_minutes)} | "
              f"{_minutes(full_cost.container_minutes)} | "
              f"{_share(saving(race_cost.container_minutes, full_cost.container_minutes))} |",
              f"| wall minutes (run.json start to end) | {_minutes(race_cost.wall_minutes)} | "
              f"{_minutes(full_cost.wall_minutes)} | {_share(saving(race_cost.wall_minutes, full_cost.wall_minutes))} |",
              "", f"The race's own estimate, from its rounds alone, was {r.visits} of {r.full_visits} visits"
              + (f", {r.minutes:.1f} of ~{r.full_minutes:.1f} container-minutes" if r.minutes is not None else "")
              + f" ({r.saved:.0%} saved).", "", "## Does the full run agree?", ""]
    if c.agrees:
        lines.append(f"Yes. The full run's fastest, {v.best}, is "
                     + ("the race's winner" if r.winner else "among the race's survivors")
                     + ", and every variant the race dropped is significantly slower than it in the full run too.")
    elif c.consistent:
        lines.append(f"Partly. The full run's fastest by estimate is {v.best}, which the race did not keep, "
                     f"but the full run cannot tell it from {', '.join(v.contenders[1:])}, which the race kept; "
                     f"every variant the race dropped is significantly slower in the full run too.")
    else:
        lines.append(f"No. The full run's fastest is {v.best}"
                     + (f"; the race dropped {', '.join(c.wrong_drops)}, which the full run cannot call "
                        f"slower than its best" if c.wrong_drops else
                        f", which the race did not keep ({answer})") + ".")
    return "\n".join(lines) + "\n"


def write(raced: Run, full: Run, out: Path) -> Path:
    out.write_text(to_markdown(compare(raced, full)))
    return out
