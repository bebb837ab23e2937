"""The analysis of a race (`invoke profile --race`), from its records: the ranking it races by,
what it knew after each round, and what it cost against profiling every variant fully.

The racing policy itself (drop, stop) is measure/race.py; it ranks with fastest_first and
records race_cost in run.json. The report, its race chart and race-vs-full read the rest.
"""

from typing import Dict, List, Optional, Tuple

from . import stats
from ..records.documents import RaceRecord, Run, VariantResult


def fastest_first(measured: Dict[str, VariantResult]) -> List[str]:
    """Variants fastest first by the estimate of their time ratio to the first by name (ties keep
    name order; a variant sharing no case with it is left out)."""
    names = sorted(measured)
    if len(names) < 2:
        return names
    anchor = names[0]
    speed = {anchor: 1.0}
    for name in names[1:]:
        s = stats.time_ratio(measured[anchor], measured[name])
        if s is not None:
            speed[name] = s.overall.value
    return sorted(speed, key=lambda n: -speed[n])


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
