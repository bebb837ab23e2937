"""README figures generated from one committed run, so prose and table cannot disagree.

Markers in README.md (invisible when rendered):

    <!-- results-run 20261124T201847Z-d0bd -->      which run the figures come from
    <!-- results-table -->…<!-- /results-table -->  the results table, regenerated whole
    <!-- fig tf1-mkl.vs-reference -->1.89 ± 0.14x slower<!-- /fig -->   one figure in prose

Figure keys: VARIANT.vs-reference, VARIANT.vs-parent, VARIANT.ms-1, VARIANT.ms-20
(ms at 1 and 20 words), VARIANT.bound-1, VARIANT.bound-20 (x above the compute bound),
VARIANT.floor-1, VARIANT.floor-20 (x above the floor, runs with the bandwidth record),
FAMILY.fastest (the variants tied for fastest), run.rounds, run.widest-ci, run.stop-reason
(from run.json). `KEY@RUN_ID` takes the figure from another committed run.
`invoke readme-figures --write` fills them in; `--check` (and a unit test) fails on drift.
"""

import re
from pathlib import Path
from typing import Callable, Dict, List, Optional

from ..analysis import compute_bound, floor, gate, stats
from ..errors import ConfigError
from ..records.documents import Run
from . import cells
from .document import Section, Table, section_markdown

RUN_MARK = re.compile(r"<!-- results-run (\S+) -->")
TABLE = re.compile(r"(<!-- results-table -->\n)(.*?)(<!-- /results-table -->)", re.S)
FIGURE = re.compile(r"(<!-- fig (\S+) -->)(.*?)(<!-- /fig -->)", re.S)


def figures(run: Run) -> Dict[str, str]:
    """Every figure key of the run with its text."""
    results = run.variants
    out: Dict[str, str] = {}
    peak = compute_bound.run_peak(results)
    gb_per_s = floor.run_bandwidths(results)
    for family, names in stats.families(results).items():
        for name in names:
            summary = stats.summarize(results[name])
            for words in (1, 20):
                if words in summary:
                    out[f"{name}.ms-{words}"] = cells.ms(summary[words].median)
                distance = compute_bound.distance(results[name], words, peak)
                if distance and distance.above:
                    out[f"{name}.bound-{words}"] = cells.times(distance.above)
                found = floor.floor(results[name], words, peak, gb_per_s) if gb_per_s else None
                if found and found.above:
                    out[f"{name}.floor-{words}"] = cells.times(found.above)
            for key, fn in (("vs-reference", stats.against_reference), ("vs-parent", stats.against_parent)):
                s = fn(results, name)
                out[f"{name}.{key}"] = s.describe() if s else "—"
        correct = [n for n in names if gate.status(results, n) != gate.DIFFERS]
        out[f"{family}.fastest"] = ", ".join(stats.fastest(results, correct)) or "none"
    if run.record.rounds_done:
        out["run.rounds"] = str(run.record.rounds_done)
    if run.record.widest_ci is not None:
        out["run.widest-ci"] = f"±{run.record.widest_ci:.1%}"
    if run.record.stop_reason:
        out["run.stop-reason"] = str(run.record.stop_reason)
    return out


def results_table(run: Run) -> str:
    """The README's results table (Markdown), one row per variant of the run."""
    f = figures(run)
    variants = run.variants
    names = [name for members in stats.families(variants).values() for name in members]
    keys = ["ms-1", "ms-20", "vs-reference", "vs-parent", "bound-20"]
    header = ["variant", "what it changes", "ms, 1 word", "ms, 20 words", "vs reference", "vs parent",
              "x above the compute bound, 20 words"]
    if any(f"{name}.floor-20" in f for name in names):   # runs before the bandwidth record have none
        keys.append("floor-20")
        header.append("x above the floor, 20 words")
    rows = [[name, cells.changes(variants[name])] + [f.get(f"{name}.{k}", "—") for k in keys] for name in names]
    table = Table(header, rows)
    return "\n".join(section_markdown(Section("", tables=[table])))


def run_id_of(text: str, where: str = "README.md") -> str:
    found = RUN_MARK.findall(text)
    if len(found) != 1:
        raise ConfigError(f"{where} must name exactly one run with <!-- results-run ID --> "
                          f"(found {len(found)})", hint="add it above the results table")
    return found[0]


def fill(text: str, run: Run, load: Optional[Callable[[str], Run]] = None) -> str:
    """`text` with its results table and every marked figure regenerated from `run`.
    A key ending in `@RUN_ID` comes from that other committed run (`load` reads it): each
    figure is still a comparison inside one run."""
    runs = {run.run_id: figures(run)}

    def known(key: str) -> Optional[str]:
        name, _, other = key.partition("@")
        run_id = other or run.run_id
        if run_id not in runs:
            if load is None:
                return None
            runs[run_id] = figures(load(run_id))
        return runs[run_id].get(name)

    unknown = [key for _, key, _, _ in FIGURE.findall(text) if known(key) is None]
    if unknown:
        raise ConfigError(f"README figure key(s) not in run {run.run_id}: {', '.join(unknown)}",
                          hint="keys: VARIANT.vs-reference, VARIANT.vs-parent, VARIANT.ms-1, "
                               "VARIANT.ms-20, VARIANT.bound-1, VARIANT.bound-20, VARIANT.floor-1, "
                               "VARIANT.floor-20, FAMILY.fastest, "
                               "run.rounds, run.widest-ci, run.stop-reason; KEY@RUN_ID for another run")
    text = TABLE.sub(lambda m: m.group(1) + results_table(run) + m.group(3), text)
    return FIGURE.sub(lambda m: m.group(1) + known(m.group(2)) + m.group(4), text)


def drift(text: str, run: Run, load: Optional[Callable[[str], Run]] = None) -> List[str]:
    """The marked figures and table rows whose text differs from the run's."""
    wanted = fill(text, run, load)
    old, new = text.splitlines(), wanted.splitlines()
    if len(old) != len(new):
        return ["the results table has a different number of rows"]
    return [f"README: {a!r} should read {b!r}" for a, b in zip(old, new) if a != b]


def sync(readme: Path, load: Callable[[str], Run], write: bool) -> List[str]:
    """Check (or with `write`, regenerate) README figures against the run it names."""
    text = readme.read_text()
    run = load(run_id_of(text, str(readme)))
    problems = drift(text, run, load)
    if write and problems:
        readme.write_text(fill(text, run, load))
    return problems
