"""results/back-to-back.md (`invoke compare-runs`): two runs of the same variants side by side,
from analysis/reproduce.py's agreements."""

from pathlib import Path
from typing import Optional

from ..analysis import reproduce, stats
from ..records.documents import Run
from .document import Section, Table, to_markdown as document_markdown


def _cell(r: Optional[stats.Ratio]) -> str:
    if r is None:
        return "—"
    return f"{r.value:.2f}x [{r.low:.2f}–{r.high:.2f}]" if r.has_interval else f"{r.value:.2f}x (no interval)"


def _yes_no(answer: bool, comparable: bool) -> str:
    return "yes" if answer else "no" if comparable else "—"


def to_markdown(first: Run, second: Run) -> str:
    rows = reproduce.compare(first, second)
    inside = sum(a.inside for a in rows)
    overlap = sum(a.overlap for a in rows)
    table = Table(["variant", "first run", "second run", "second inside first's CI", "CIs overlap"],
                  [[a.variant, _cell(a.first), _cell(a.second), _yes_no(a.inside, a.comparable),
                    _yes_no(a.overlap, a.comparable)] for a in rows])
    lead = Section("", paragraphs=[
        "Speedup of each variant against its family's reference, each computed inside its own "
        "run with that run's 95% CI (time ratio, above 1 = faster). The runs' numbers are never "
        "mixed in one ratio."],
        bullets=[f"The second run's estimate lies inside the first run's CI for {inside} of {len(rows)} variants.",
                 f"The two CIs overlap for {overlap} of {len(rows)} variants."],
        tables=[table])
    return document_markdown([lead], f"Back to back: run {first.run_id}, then run {second.run_id}")


def write(first: Run, second: Run, out: Path) -> Path:
    out.write_text(to_markdown(first, second))
    return out
