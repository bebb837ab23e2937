"""README figures come from one committed run: generated, and checked for drift."""

import re

import pytest

from factories import experiment_family, with_floor_inputs
from tfopt import paths
from tfopt.records import documents
from tfopt.render import readme_figures
from tfopt.analysis import stats
from tfopt.errors import ConfigError

RUN = "20261124T201847Z-d0bd"


def _run(docs):
    return documents.Run(documents.RunRecord("r1", kind="profile", status="complete"), variants=docs)


README = """intro
<!-- results-run r1 -->
<!-- results-table -->
| stale |
<!-- /results-table -->
The MKL step is <!-- fig mkl.vs-parent -->9.99x faster<!-- /fig --> and the fastest is
<!-- fig tf1.13.fastest -->nobody<!-- /fig -->.
"""


def test_fill_regenerates_table_and_prose_figures_from_the_run():
    run = _run(experiment_family())
    text = readme_figures.fill(README, run)
    assert stats.against_parent(run.variants, "mkl").describe() in text
    assert "9.99x" not in text and "| stale |" not in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| variant |") and len(rows) == 1 + len(run.variants)
    assert "| stock | reference |" in text
    fastest = re.search(r"<!-- fig tf1.13.fastest -->(.*?)<!-- /fig -->", text).group(1)
    assert fastest == ", ".join(stats.fastest(run.variants, [n for n in run.variants if n != "optimized"]))
    assert readme_figures.drift(text, run) == []


def test_drift_names_the_stale_figure():
    run = _run(experiment_family())
    desc = stats.against_parent(run.variants, "mkl").describe()
    text = readme_figures.fill(README, run).replace(f"-->{desc}<!--", "-->1.8x faster<!--")
    problems = readme_figures.drift(text, run)
    assert len(problems) == 1 and "1.8x faster" in problems[0]


def test_unknown_figure_key_and_missing_run_mark_are_config_errors():
    run = _run(experiment_family())
    with pytest.raises(ConfigError, match="nope.vs-parent"):
        readme_figures.fill("<!-- fig nope.vs-parent -->x<!-- /fig -->", run)
    with pytest.raises(ConfigError, match="exactly one run"):
        readme_figures.run_id_of("no marks here")


def test_sync_writes_only_when_asked(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    load = lambda run_id: _run(experiment_family())  # noqa: E731
    assert readme_figures.sync(readme, load, write=False) and readme.read_text() == README
    readme_figures.sync(readme, load, write=True)
    assert readme_figures.sync(readme, load, write=False) == []


def test_committed_run_table_regenerates():
    run = documents.load_run(paths.PROJECT_ROOT / "results", RUN)
    table = readme_figures.results_table(run)
    assert "| tf1-mkl | tensorflow: pypi tensorflow==1.13.1 → intel-tensorflow==1.13.2 |" in table
    assert table.count("\n") == 2 + len(run.variants)


def test_the_table_says_how_far_each_variant_is_above_the_compute_bound():
    docs = experiment_family()
    for visit in docs["stock"].visits:
        profile = visit.profile
        profile["macs"] = {"per_case": {str(w): 144_691_200 * w for w in range(1, 21)}}
        profile["microbench"] = {"gmacs_per_s": 100.0}
    run = _run(docs)
    table = readme_figures.results_table(run)
    row = next(line for line in table.splitlines() if line.startswith("| stock |"))
    bound_ms = 144_691_200 * 20 / 100e9 * 1e3  # 28.9 ms at the peak
    measured = stats.summarize(docs["stock"])[20].median
    assert row.endswith(f"| {measured / bound_ms:.0f}x |")  # 48x: whole numbers from 10x up
    other = next(line for line in table.splitlines() if line.startswith("| mkl |"))
    assert other.rstrip().endswith("| — |")  # no MACs recorded: no bound claimed


def test_run_level_figures_come_from_run_json():
    run = _run(experiment_family())
    run = documents.Run(documents.RunRecord("r1", kind="profile", status="complete", rounds_done=7,
                                            widest_ci=0.0483, stop_reason="target reached"), variants=run.variants)
    text = readme_figures.fill("<!-- results-run r1 -->\n<!-- fig run.rounds -->?<!-- /fig --> rounds, "
                               "widest <!-- fig run.widest-ci -->?<!-- /fig -->\n", run)
    assert "-->7<!--" in text and "-->±4.8%<!--" in text


def test_a_figure_may_come_from_another_named_run():
    main, other = _run(experiment_family(seed=0)), _run(experiment_family(seed=5))
    other = documents.Run(documents.RunRecord("r2", kind="profile", status="complete"), variants=other.variants)
    text = "<!-- results-run r1 -->\n<!-- fig mkl.vs-parent@r2 -->?<!-- /fig -->\n"
    filled = readme_figures.fill(text, main, load=lambda run_id: {"r2": other}[run_id])
    assert stats.against_parent(other.variants, "mkl").describe() in filled
    with pytest.raises(ConfigError):
        readme_figures.fill(text, main)  # no way to read r2


def test_the_readme_quotes_its_committed_runs_exactly():
    """Every figure in README.md (table and prose) is what the committed run it names says."""
    results = paths.PROJECT_ROOT / "results"
    problems = readme_figures.sync(paths.PROJECT_ROOT / "README.md",
                                   lambda run_id: documents.load_run(results, run_id), write=False)
    assert problems == [], "run `invoke readme-figures --write`:\n" + "\n".join(problems)


def test_the_floor_column_comes_with_the_bandwidth_record():
    docs = experiment_family()
    assert "floor" not in readme_figures.results_table(_run(docs))
    docs["stock"] = with_floor_inputs(docs["stock"], gmacs=100.0)
    run = _run(docs)
    table = readme_figures.results_table(run)
    assert "| x above the compute bound, 20 words | x above the floor, 20 words |" in table
    row = next(line for line in table.splitlines() if line.startswith("| stock |"))
    floor_ms = 5 * 20e6 / 100e9 * 1e3   # 1 ms: compute-bound, 2 MB per step from L3 in 0.04 ms
    measured = stats.summarize(docs["stock"])[20].median
    assert row.endswith(f"| {measured / floor_ms:.0f}x |")
    assert readme_figures.figures(run)["stock.floor-20"] == f"{measured / floor_ms:.0f}x"
