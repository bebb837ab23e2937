"""The report of a multi-engine run (results/runs/<id>/report.md, report.html, engines-speedup.png).

A multi-engine run is one ordinary run per engine (its part), each with its own report in its
own folder. This report puts them side by side: the engines, each variant's speedup against its
reference *on each engine* (a ratio inside one engine; times are never compared across engines),
and each engine's summary and tables in columns.
"""

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..analysis import gate, stats
from . import document, plots, report
from ..records.documents import EngineFacts, EnginesRun, Run
from .cells import isa_summary, or_dash
from .document import Section, Table

CHART = "engines-speedup.png"
COMPACT_COLUMNS = ("variant", "ms-1", "ms-20", "vs-reference", "predictions")  # keys of report.FAMILY_COLUMNS
NOT_MEASURED = "not measured"

CSS = document.CSS + """
.engines { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
.engine { flex: 1 1 420px; border: 1px solid #d0d0d0; border-top: 4px solid #1565c0; border-radius: 6px;
          padding: .2em 1em .6em; background: #fff; min-width: min-content; }
.engine.empty { flex: 0 1 300px; }
.engine.troubled { border-top-color: #c62828; }
.engine h3 { margin: .4em 0 .1em; }
.engine h4 { margin: 1.1em 0 .2em; }
.engine table { width: 100%; }
.engine ul { padding-left: 1.2em; }
.engine p.facts { color: #555; font-size: 13px; margin: 0 0 .4em; }
.engine p.status { font-weight: bold; margin: .3em 0; }
.engine p.status.troubled { color: #c62828; }
.engine p.status.complete { color: #2e7d32; }
"""


@dataclass(frozen=True)
class EngineSpeedups:
    """One engine's speedups against the reference, computed inside its part only."""

    engine: str
    by_variant: Dict[str, Optional[stats.Speedup]]
    floors: Dict[str, float]  # A/A noise floor by family, from this part's own A/A arms

    def cell(self, variant: str, family: str) -> str:
        if variant not in self.by_variant:
            return NOT_MEASURED
        found = self.by_variant[variant]
        return found.describe(self.floors.get(family, 0.0)) if found else "—"


def engine_speedups(engine: str, part: Run) -> EngineSpeedups:
    return EngineSpeedups(engine=engine,
                          by_variant={n: stats.against_reference(part.variants, n) for n in part.variants},
                          floors={f: n.floor for f, n in stats.aa_by_family(part.arms).items()})


def variant_order(run: EnginesRun) -> Dict[str, List[str]]:
    """Every variant any part measured, by family (reference first, then parent chains)."""
    described = {}
    for part in run.parts.values():
        for name, result in part.variants.items():
            described.setdefault(name, result)  # only names, families and parents are read here
    return stats.families(described)


def engine_status(engine: EngineFacts, part: Run) -> Tuple[str, Optional[str]]:
    """(status, reason) of an engine's part: as the parent recorded it, else as the part did."""
    if engine.status:
        return engine.status, engine.reason
    return part.status, part.record.reason


def _status_text(engine: EngineFacts, part: Run) -> str:
    status, reason = engine_status(engine, part)
    return f"{status} ({reason})" if reason else status


def _memory(n: Optional[int]) -> str:
    return f"{n / 2**30:.0f} GiB" if n else "—"


def engines_section(run: EnginesRun) -> Section:
    rows = []
    for e in run.engines:
        part = run.parts[e.name]
        rows.append([e.name, or_dash(e.endpoint), or_dash(e.host_name), or_dash(e.cpu_model),
                     isa_summary(e.cpu_flags), or_dash(e.ncpu), _memory(e.memory_bytes),
                     or_dash(e.docker_version), or_dash(e.kernel), _status_text(e, part),
                     str(part.rounds_done)])
    started, finished = run.record.started_at, run.record.finished_at
    when = (f" Started {started}" + (f", finished {finished}." if finished else ", no end recorded.")
            if started else "")
    return Section("Engines", paragraphs=[
        f"Run {run.run_id}, status: {run.describe_status()}. Every engine ran the whole interleaved "
        f"matrix on its own, as one ordinary run (its part).{when}"],
        tables=[Table(["engine", "endpoint", "host", "CPU model", "ISA flags", "cores", "memory", "Docker",
                       "kernel", "status", "rounds done"], rows)],
        notes=["CPU model and flags are read from /proc/cpuinfo inside a container on each engine, so "
               "they describe that engine's machine. Cores and memory: what the engine reports (docker "
               "info). Rounds done: rounds this engine completed (a lost engine stops early)."])


def cross_section(run: EnginesRun, speedups: Sequence[EngineSpeedups], chart: Optional[str]) -> Section:
    order = variant_order(run)
    rows = []
    for family, names in order.items():
        for name in names:
            reference = _reference(run, name)
            if reference == name:
                continue
            rows.append([name, f"{family} · {reference}"] + [s.cell(name, family) for s in speedups]
                        + [predictions(run, name)])
    paragraphs = ["Each cell is the variant's speedup against its family's reference on that engine: "
                  "the reference's time divided by the variant's, both measured on the same engine in "
                  "the same rounds (95% CI, same statistics as each engine's own report)."]
    if not rows:
        paragraphs.append("No engine measured a variant beside its reference, so there is no speedup to show.")
    return Section("Speedup against the reference, engine by engine", paragraphs=paragraphs,
                   tables=[Table(["variant", "family · reference"] + [s.engine for s in speedups]
                                 + ["predictions"], rows)]
                   if rows else [],
                   notes=["Times are never compared across engines: engines differ in CPU, clock and load, "
                          "so only ratios measured inside one engine are put side by side. 'not measured': "
                          "that engine has no result for the variant (lost, failed, or not selected)."],
                   images=[(chart, "speedup against the reference, engine by engine")] if chart else [])


def predictions(run: EnginesRun, name: str) -> str:
    """'✓' when the variant predicts what its reference does on every engine that measured it."""
    states = {engine: gate.status(part.variants, name) for engine, part in run.parts.items() if name in part.variants}
    differs = [engine for engine, state in states.items() if state == gate.DIFFERS]
    if differs:
        return f"✗ differs on {', '.join(differs)}"
    return "✓" if all(state == gate.OK for state in states.values()) else "? unchecked"


def _reference(run: EnginesRun, name: str) -> str:
    for part in run.parts.values():
        if name in part.variants:
            return part.variants[name].reference or name
    return name


def _compact(section: Section) -> Section:
    """A family section of a part's report, cut to the columns that fit side by side."""
    tables = []
    for table in section.tables[:1]:  # the main table; the tail-latency table stays in the part's report
        tables.append(table.columns(COMPACT_COLUMNS))
    return Section(section.title, level=4, paragraphs=section.paragraphs[:1], tables=tables)


def part_sections(part: Run) -> List[Section]:
    """A part's summary and family tables, as its own report builds them (compacted)."""
    if not part.variants:
        return []
    built = report.build(part.variants, aa=part.arms, run=part)
    summary = next(s for s in built if s.kind == report.SUMMARY)
    families = [_compact(s) for s in built if s.kind == report.FAMILY]
    return [Section("Summary", level=4, bullets=summary.bullets)] + families


@dataclass(frozen=True)
class Column:
    """One engine's column of the side-by-side view."""

    engine: EngineFacts
    part: Run
    link: Optional[str]  # the part's own report, relative to the parent report; None if not rendered
    sections: List[Section]

    @property
    def troubled(self) -> bool:
        return engine_status(self.engine, self.part)[0] != "complete"

    def heading(self) -> str:
        facts = [x for x in (self.engine.cpu_model, self.engine.host_name and f"host {self.engine.host_name}",
                             self.engine.endpoint) if x]
        return " · ".join(facts) or "no engine facts recorded"

    def status_line(self) -> str:
        nothing = "" if self.part.variants else "; nothing measured"
        return f"Status: {_status_text(self.engine, self.part)} · {self.part.rounds_done} round(s) done{nothing}"


def columns(run: EnginesRun, links: Dict[str, Optional[str]]) -> List[Column]:
    return [Column(e, run.parts[e.name], links.get(e.name), part_sections(run.parts[e.name]))
            for e in run.engines]


EACH_ENGINE = ("Each engine on its own",
               "Each engine's summary and tables, from its own run (its part): comparisons inside a column "
               "only. ± is the half-width of the 95% confidence interval (its longer side). Each part's full "
               "report (charts, tail latency, stability, A/A noise, environment) is linked.")


def _markdown(head: Sequence[Section], cols: Sequence[Column], title: str) -> str:
    out = [f"# {title}", ""]
    for s in head:
        out += document.section_markdown(s)
    out += [f"## {EACH_ENGINE[0]}", "", EACH_ENGINE[1], ""]
    for col in cols:
        out += [f"### Engine {col.engine.name}", "", col.heading(), "", col.status_line(), ""]
        if col.link:
            out += [f"Full report: [{col.part.run_id}]({col.link.replace('.html', '.md')})", ""]
        for s in col.sections:
            out += document.section_markdown(s)
    return "\n".join(out)


def _html(head: Sequence[Section], cols: Sequence[Column], title: str) -> str:
    e = html.escape
    body = [line for s in head for line in document.section_html(s)]
    body += [f"<h2>{e(EACH_ENGINE[0])}</h2>", f"<p>{e(EACH_ENGINE[1])}</p>", '<div class="engines">']
    for col in cols:
        state = (" troubled" if col.troubled else "") + ("" if col.part.variants else " empty")
        status_class = "troubled" if col.troubled else "complete"
        body += [f'<section class="engine{state}" data-engine="{e(col.engine.name)}">',
                 f"<h3>Engine {e(col.engine.name)}</h3>", f'<p class="facts">{e(col.heading())}</p>',
                 f'<p class="status {status_class}">{e(col.status_line())}</p>']
        if col.link:
            body.append(f'<p><a href="{e(col.link)}">Full report of this engine '
                        f'({e(col.part.run_id)}) →</a></p>')
        body += [line for s in col.sections for line in document.section_html(s)]
        body.append("</section>")
    body.append("</div>")
    return document.html_page(title, body, CSS)


def chart(run: EnginesRun, out_dir: Path, speedups: Optional[Sequence[EngineSpeedups]] = None) -> Optional[Path]:
    """engines-speedup.png: per variant (references left out), one bar per engine."""
    speedups = speedups if speedups is not None else [engine_speedups(e.name, run.parts[e.name])
                                                      for e in run.engines]
    rows = []
    for names in variant_order(run).values():
        for name in names:
            reference = _reference(run, name)
            if reference == name:
                continue
            differs = predictions(run, name).startswith("✗")
            rows.append((f"{name}\nvs {reference}" + (f"\n{plots.DIFFERS_MARK}" if differs else ""),
                         {s.engine: s.by_variant[name].overall if s.by_variant.get(name) else None
                          for s in speedups}))
    labels = [(e.name, f"{e.name}: {e.cpu_model or 'CPU unknown'}") for e in run.engines
              if run.parts[e.name].variants]  # an engine that measured nothing only fills the chart with gaps
    return plots.engines_speedup_chart(rows, labels, Path(out_dir) / CHART)


def write(run: EnginesRun, out_dir: Path, part_reports: Dict[str, Path],
          title: str = "tfopt report: g2p on one CPU, engine by engine") -> List[Path]:
    """The chart, report.md and report.html of a multi-engine run in out_dir. `part_reports`:
    each part's rendered report.html by engine name (linked; absent for a part with no results)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    speedups = [engine_speedups(e.name, run.parts[e.name]) for e in run.engines]
    drawn = chart(run, out_dir, speedups)
    links = {name: os.path.relpath(path, out_dir) for name, path in part_reports.items()}
    head = [engines_section(run), cross_section(run, speedups, drawn.name if drawn else None)]
    cols = columns(run, links)
    title = f"{title} — run {run.run_id}"
    md, page = out_dir / "report.md", out_dir / "report.html"
    md.write_text(_markdown(head, cols, title) + "\n")
    page.write_text(_html(head, cols, title) + "\n")
    return ([drawn] if drawn else []) + [md, page]
