"""One run → plots and report. Every comparison stays inside that run: a variant the run
did not measure is absent, never borrowed from another run (interleaving within a run is
what makes the comparisons fair).

Output goes to the run's own folder (results/runs/<id>/report.md, report.html, PNGs) unless
`out` says otherwise, so a user's runs never rewrite the committed reference report
(results/report.md, regenerated with `invoke report --run ID --out results`).

A multi-engine run (its parent id) renders every engine's part into the part's own folder
(results/runs/<id>@<engine>/, or <out>/<id>@<engine>/ with `out`), then the parent's report
that puts the engines side by side (tfopt/render/engines_report.py).
"""

from pathlib import Path
from typing import List, Optional

from .. import paths
from ..records import documents, store
from ..errors import ConfigError

PUBLISHED_2019 = paths.PROJECT_ROOT / "docs" / "published-2019.json"


def choose_run(results_dir: Path, run_id: Optional[str] = None) -> documents.Run:
    """The run `run_id`, or the newest run with a measurement."""
    run_id = run_id or documents.latest_run_id(results_dir)
    if not run_id:
        raise ConfigError(f"no results under {store.runs_dir(results_dir)}",
                          hint="measure first: invoke profile --variant NAME (or invoke demo)")
    return documents.load_run(results_dir, run_id)


def output_dir(results_dir: Path, run: documents.Run, out: Optional[Path] = None) -> Path:
    return Path(out) if out else store.run_dir(results_dir, run.run_id)


def part_dir(results_dir: Path, part_id: str, out: Optional[Path] = None) -> Path:
    """Where a multi-engine run's part is rendered: its own run folder, or out/<part id>/."""
    return Path(out) / part_id if out else store.run_dir(results_dir, part_id)


def render_plots(results_dir: Path, run_id: Optional[str] = None, out: Optional[Path] = None) -> List[Path]:
    from .plots import render

    run = choose_run(results_dir, run_id)
    if run.is_parent:
        return _engines_plots(results_dir, run.run_id, out)
    return render(run.variants, output_dir(results_dir, run, out), published=PUBLISHED_2019, run=run)


def render_report(results_dir: Path, run_id: Optional[str] = None, out: Optional[Path] = None) -> List[Path]:
    run = choose_run(results_dir, run_id)
    if run.is_parent:
        return _engines_report(results_dir, run.run_id, out)
    return run_report(run, output_dir(results_dir, run, out))


def run_report(run: documents.Run, out_dir: Path, published: Optional[Path] = PUBLISHED_2019) -> List[Path]:
    """The run's charts in out_dir (with the 2019 figures from `published`, when given), then its
    report.md and report.html beside them, which show those charts."""
    from . import report
    from .plots import render

    charts = render(run.variants, out_dir, published=published, run=run)
    return charts + report.write(run, out_dir, [c.name for c in charts])


def _engines_report(results_dir: Path, run_id: str, out: Optional[Path]) -> List[Path]:
    """Each part's own report in its folder (to drill down), then the parent's side-by-side report."""
    from . import engines_report

    run = documents.load_engines_run(results_dir, run_id)
    written: List[Path] = []
    part_reports = {}
    for name, part in run.parts.items():
        if part.variants or part.arms:
            folder = part_dir(results_dir, part.run_id, out)
            written += run_report(part, folder)
            part_reports[name] = folder / "report.html"
    return written + engines_report.write(run, Path(out) if out else store.run_dir(results_dir, run_id),
                                          part_reports)


def _engines_plots(results_dir: Path, run_id: str, out: Optional[Path]) -> List[Path]:
    from . import engines_report
    from .plots import render

    run = documents.load_engines_run(results_dir, run_id)
    written = [p for part in run.parts.values() if part.variants
               for p in render(part.variants, part_dir(results_dir, part.run_id, out), published=PUBLISHED_2019,
                               run=part)]
    chart = engines_report.chart(run, Path(out) if out else store.run_dir(results_dir, run_id))
    return written + ([chart] if chart else [])
