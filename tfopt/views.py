"""One run → plots and report. Every comparison stays inside that run: a variant the run
did not measure is absent, never borrowed from another run (interleaving within a run is
what makes the comparisons fair).

Output goes to the run's own folder (results/runs/<id>/report.md, report.html, PNGs) unless
`out` says otherwise, so a user's runs never rewrite the committed reference report
(results/report.md, regenerated with `invoke report --run ID --out results`).
"""

from pathlib import Path
from typing import List, Optional

from . import measurements, paths, results
from .errors import ConfigError

PUBLISHED_2019 = paths.PROJECT_ROOT / "docs" / "published-2019.json"


def choose_run(results_dir: Path, run_id: Optional[str] = None) -> measurements.Run:
    """The run `run_id`, or the newest run with a measurement."""
    run_id = run_id or measurements.latest_run_id(results_dir)
    if not run_id:
        raise ConfigError(f"no results under {results.runs_dir(results_dir)}",
                          hint="measure first: invoke profile --variant NAME (or invoke demo)")
    return measurements.load_run(results_dir, run_id)


def output_dir(results_dir: Path, run: measurements.Run, out: Optional[Path] = None) -> Path:
    return Path(out) if out else results.run_dir(results_dir, run.run_id)


def render_plots(results_dir: Path, run_id: Optional[str] = None, out: Optional[Path] = None) -> List[Path]:
    from .plots import render

    run = choose_run(results_dir, run_id)
    return render(run.docs, output_dir(results_dir, run, out), published=PUBLISHED_2019)


def render_report(results_dir: Path, run_id: Optional[str] = None, out: Optional[Path] = None) -> List[Path]:
    from .report import write

    run = choose_run(results_dir, run_id)
    return write(run.docs, output_dir(results_dir, run, out), aa=run.arm_docs, run=run,
                 published=PUBLISHED_2019)
