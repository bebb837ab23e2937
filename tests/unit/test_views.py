"""invoke report / plot work on one run: the latest by default, or --run ID; nothing is
borrowed from another run, and output lands in the run's own (git-ignored) folder."""

import subprocess

import pytest

from dataclasses import replace

from factories import linear_ms, make_doc, make_result
from stats_data import flat
from tfopt import paths
from tfopt.records import documents, store
from tfopt.render import views
from tfopt.errors import ConfigError

OLD, NEW = "20261124T100000Z-0001", "20261125T100000Z-0002"


def _store(root, run_id, docs, **meta):
    store.write_run_meta(root, run_id, dict({"kind": "profile", "protocol": {"rounds": 3}}, **meta))
    for doc in docs:
        store.write_result(root, replace(doc, run_id=run_id).to_doc())


@pytest.fixture
def two_runs(tmp_path):
    _store(tmp_path, OLD, [make_result("stock"), make_result("fast", parent="stock",
                                                             median_ms=linear_ms(40, 100))],
           status="complete")
    _store(tmp_path, NEW, [make_result("stock", seed=5)], status="interrupted")
    return tmp_path


def _table_rows(md):
    return {line.split("|")[1].strip() for line in md.splitlines() if line.startswith("| ")}


def test_report_is_of_the_latest_run_and_never_borrows_a_variant(two_runs):
    written = views.render_report(two_runs, None)
    run_folder = store.run_dir(two_runs, NEW)
    assert {p.parent for p in written} == {run_folder}
    md = (run_folder / "report.md").read_text()
    assert "stock" in _table_rows(md) and "fast" not in _table_rows(md)  # fast is only in OLD
    assert f"Run {NEW}, status: interrupted" in md
    assert not (two_runs / "report.md").exists()


def test_report_of_a_chosen_run_and_an_explicit_output_folder(two_runs, tmp_path):
    views.render_report(two_runs, OLD, out=tmp_path / "reference")
    md = (tmp_path / "reference" / "report.md").read_text()
    assert {"stock", "fast"} <= _table_rows(md) and f"Run {OLD}, status: complete" in md
    assert not (store.run_dir(two_runs, OLD) / "report.md").exists()
    with pytest.raises(ConfigError, match="no run 'nope'"):
        views.render_report(two_runs, "nope")


def test_plots_are_of_one_run_in_its_folder(two_runs):
    written = views.render_plots(two_runs, OLD)
    assert {p.parent for p in written} == {store.run_dir(two_runs, OLD)}
    assert "speedup-tf1.13.png" in {p.name for p in written}
    assert "speedup-tf1.13.png" not in {p.name for p in views.render_plots(two_runs, None)}


def test_no_results_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="no results") as err:
        views.render_report(tmp_path, None)
    assert "invoke profile" in err.value.hint


def test_aa_arms_of_the_same_run_give_each_family_its_own_floor(tmp_path):
    rounds = [0, 1, 2]
    docs = [flat("t1", [100.0, 104.0, 97.0], rounds=rounds, reference="t1", family="tf1.13"),
            flat("t1-b", [98.0, 102.0, 95.5], rounds=rounds, reference="t1", parent="t1", family="tf1.13"),
            flat("t1@A", [100.0, 101.0, 99.0], rounds=rounds, reference="t1", arm_of="t1", family="tf1.13"),
            flat("t1@B", [102.0, 100.0, 100.5], rounds=rounds, reference="t1", arm_of="t1", family="tf1.13"),
            flat("t2", [50.0, 52.0, 51.0], rounds=rounds, reference="t2", family="tf2.21")]
    _store(tmp_path, NEW, docs)
    run = documents.load_run(tmp_path, NEW)
    assert sorted(run.variants) == ["t1", "t1-b", "t2"] and sorted(run.arms) == ["t1@A", "t1@B"]
    assert (run.status, run.status_recorded) == ("interrupted", False)  # no finished_at, no status
    views.render_report(tmp_path, NEW)
    md = (store.run_dir(tmp_path, NEW) / "report.md").read_text()
    assert "tf1.13: t1@B against t1@A: time difference" in md
    assert "No A/A pair in this run for tf2.21" in md
    assert "within A/A noise" in md.split("| t1-b |")[1].split("\n")[0]


def test_recorded_status_and_reason_are_shown(tmp_path):
    _store(tmp_path, OLD, [make_result("stock")], status="interrupted", reason="engine lost")
    views.render_report(tmp_path, OLD)
    md = (store.run_dir(tmp_path, OLD) / "report.md").read_text()
    assert "status: interrupted (engine lost)" in md and "This run is interrupted" in md
    _store(tmp_path, NEW, [make_result("stock")], status="running")
    assert documents.load_run(tmp_path, NEW).describe_status().startswith("running (no end recorded")


def test_old_run_json_status_is_inferred_and_said_so(tmp_path):
    _store(tmp_path, OLD, [make_result("stock")], finished_at="2026-11-24T20:34:01Z", failures={})
    run = documents.load_run(tmp_path, OLD)
    assert run.describe_status().startswith("complete (inferred")


def test_unknown_result_schema_is_refused_with_its_name():
    doc = dict(make_doc("stock"), schema="tfopt.result/9")
    with pytest.raises(ConfigError, match="stock has schema 'tfopt.result/9'"):
        documents.VariantResult.from_doc(doc)


def _committed_run_ids(root):
    """Runs tracked by git (a user's own runs in the same folder are git-ignored)."""
    import subprocess

    listed = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "ls-files", "results/runs"],
                            capture_output=True, text=True).stdout.split()
    return sorted({p.split("/")[2] for p in listed if p.endswith("/run.json")})


def test_committed_runs_still_load():
    root = paths.PROJECT_ROOT / "results"
    ids = _committed_run_ids(root)
    assert ids, "the reference run is committed under results/runs/"
    for run_id in ids:
        run = documents.load_run(root, run_id)
        if run.is_parent:  # a multi-engine run: its parts hold the results (and are committed runs too)
            assert any(part.variants for part in documents.load_engines_run(root, run_id).parts.values())
            continue
        assert run.variants or run.arms
        for result in list(run.variants.values()) + list(run.arms.values()):
            assert result.containers


def test_generated_output_in_run_folders_is_ignored_by_git():
    """./run demo writes a new run and its report there: git status must stay clean."""
    probe = ["results/runs/29990101T000000Z-abcd/report.md",
             "results/runs/29990101T000000Z-abcd/latency-tf1.13.png",
             "results/runs/29990101T000000Z-abcd/tf1-stock.json"]
    done = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "check-ignore", *probe],
                          capture_output=True, text=True)
    assert sorted(done.stdout.split()) == sorted(probe)


def test_an_aa_only_run_reports_its_pair(tmp_path):
    arms = [flat(f"t2@{side}", levels, rounds=[0, 1, 2], reference="t2", arm_of="t2", family="tf2.21")
            for side, levels in (("A", [50.0, 52.0, 51.0]), ("B", [51.0, 51.5, 50.0]))]
    _store(tmp_path, NEW, arms, kind="aa", status="complete")
    views.render_report(tmp_path, None)
    md = (store.run_dir(tmp_path, NEW) / "report.md").read_text()
    assert "tf2.21: t2@B against t2@A: time difference" in md
