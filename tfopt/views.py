"""results → plots and report: choose which results, then hand them to plots/report."""

from pathlib import Path
from typing import List, Optional

from . import paths, results
from .errors import ConfigError

PUBLISHED_2019 = paths.PROJECT_ROOT / "docs" / "published-2019.json"


def _chosen(results_dir: Path, run_id: Optional[str]) -> dict:
    chosen = results.latest_by_variant(results_dir, run_id)
    if not chosen:
        raise ConfigError(f"no results under {results.runs_dir(results_dir)}",
                          hint="measure first: invoke profile --variant NAME (or invoke demo)")
    return chosen


def render_plots(results_dir: Path, run_id: Optional[str] = None) -> List[Path]:
    from .plots import render

    return render(_chosen(results_dir, run_id), results_dir, published=PUBLISHED_2019)


def render_report(results_dir: Path, run_id: Optional[str] = None) -> List[Path]:
    from .report import write

    return write(_chosen(results_dir, run_id), results_dir, aa=results.latest_aa(results_dir),
                 published=PUBLISHED_2019)
