"""results/race-vs-full.md (`invoke race-vs-full`): a race and a full profile of the same grid
side by side, from analysis/race_vs_full.py's comparison."""

from pathlib import Path
from typing import Optional

from ..analysis.race_vs_full import Comparison, compare, cost, saving
from ..records.documents import Run
from .document import Section, Table, to_markdown as document_markdown


def _minutes(m: Optional[float]) -> str:
    return f"{m:.1f}" if m is not None else "—"


def _share(s: Optional[float]) -> str:
    return f"{s:.0%}" if s is not None else "—"


def _reference(run: Run) -> str:
    found = {d.reference for d in run.variants.values()}
    return ", ".join(sorted(n for n in found if n)) or "—"


def _answer(c: Comparison) -> str:
    r = c.record
    return f"**{r.winner}** wins" if r.winner else f"no single winner: {', '.join(r.survivors)} survive"


def _lead(c: Comparison) -> Section:
    r, v = c.record, c.verdict
    names = sorted(c.raced.variants)
    grid_rounds = c.full.rounds_done
    return Section("", paragraphs=[f"The grid: {len(names)} variants ({', '.join(names)})."], bullets=[
        f"**Race** (`--race`, drop margin {r.margin:.0%}, tie target ±{r.tie:.0%}): "
        f"{c.raced.rounds_done} rounds, survivors per round {', '.join(map(str, r.survivors_per_round))}. "
        f"Stopped: {c.raced.stop_reason or r.verdict or '—'}. Answer: {_answer(c)}.",
        f"**Full run** (every variant in each of {grid_rounds} rounds, the race's {c.raced.rounds_done}"
        + ("" if grid_rounds == c.raced.rounds_done else ": NOT the same number of rounds") + "): "
        f"fastest by estimate {v.best}; not significantly slower than it: "
        f"{', '.join(v.contenders)}. Its report's summary, which ranks speedups against the "
        f"reference {_reference(c.full)} and ties those whose CIs overlap the best one's: "
        + (f"tied for fastest {', '.join(v.report_fastest)}." if len(v.report_fastest) > 1 else
           f"fastest {v.report_fastest[0]}." if v.report_fastest else
           "no variant significantly faster than the reference.")])


def _drops(c: Comparison) -> Section:
    r, v = c.record, c.verdict
    dropped = {d.name: d for d in r.dropped}
    rows = []
    for name in v.ranked:
        race_cell = (f"dropped after round {dropped[name].after_round}: {dropped[name].reason}" if name in dropped
                     else "winner" if name == r.winner else "survived")
        full_cell = "fastest by estimate" if name == v.best else v.against_best[name].describe()
        rows.append([name, race_cell, full_cell])
    return Section("Drops", tables=[Table(["variant", "race", "full run: against its best"], rows)])


def _cost(c: Comparison) -> Section:
    race_cost, full_cost = cost(c.raced), cost(c.full)
    rows = [["container visits", str(race_cost.visits), str(full_cost.visits),
             _share(saving(race_cost.visits, full_cost.visits))],
            ["container-minutes", _minutes(race_cost.container_minutes), _minutes(full_cost.container_minutes),
             _share(saving(race_cost.container_minutes, full_cost.container_minutes))],
            ["wall minutes (run.json start to end)", _minutes(race_cost.wall_minutes),
             _minutes(full_cost.wall_minutes), _share(saving(race_cost.wall_minutes, full_cost.wall_minutes))]]
    return Section("Cost", paragraphs=[
        "Cost, not speed, is compared across the two runs, so their wall times may be set side "
        "by side; no time of one run is compared with a time of the other."],
        tables=[Table(["", "race", "full run", "saved"], rows)])


def _own_estimate(c: Comparison) -> Section:
    r = c.record
    return Section("", paragraphs=[
        f"The race's own estimate, from its rounds alone, was {r.visits} of {r.full_visits} visits"
        + (f", {r.minutes:.1f} of ~{r.full_minutes:.1f} container-minutes" if r.minutes is not None else "")
        + f" ({r.saved:.0%} saved)."])


def _agreement(c: Comparison) -> Section:
    r, v = c.record, c.verdict
    if c.agrees:
        text = (f"Yes. The full run's fastest, {v.best}, is "
                + ("the race's winner" if r.winner else "among the race's survivors")
                + ", and every variant the race dropped is significantly slower than it in the full run too.")
    elif c.consistent:
        text = (f"Partly. The full run's fastest by estimate is {v.best}, which the race did not keep, "
                f"but the full run cannot tell it from {', '.join(v.contenders[1:])}, which the race kept; "
                f"every variant the race dropped is significantly slower in the full run too.")
    else:
        text = (f"No. The full run's fastest is {v.best}"
                + (f"; the race dropped {', '.join(c.wrong_drops)}, which the full run cannot call "
                   f"slower than its best" if c.wrong_drops else
                   f", which the race did not keep ({_answer(c)})") + ".")
    return Section("Does the full run agree?", paragraphs=[text])


def to_markdown(c: Comparison) -> str:
    return document_markdown([_lead(c), _drops(c), _cost(c), _own_estimate(c), _agreement(c)],
                             f"Racing against profiling fully: run {c.raced.run_id} against run {c.full.run_id}")


def write(raced: Run, full: Run, out: Path) -> Path:
    out.write_text(to_markdown(compare(raced, full)))
    return out
