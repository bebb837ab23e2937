"""Records write and read their own documents (tfopt/records/documents.py): old shapes still load,
the current shape round-trips exactly, unknown schema versions are refused naming the file, and
a run's status follows one rule. The fixtures under tests/fixtures/records/ are documents as
written; keep the old-shape ones as they are."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from factories import make_doc
from tfopt import paths
from tfopt.errors import ConfigError, UnknownFormat
from tfopt.records import documents, store
from tfopt.records.documents import RunRecord, VariantResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def _doc(name):
    return json.loads((FIXTURES / name).read_text())


def test_a_result_of_the_first_shape_loads_with_the_defaults_it_implies():
    r = documents.load_result(FIXTURES / "result-first-shape.json")
    assert (r.name, r.family, r.reference, r.run_id) == ("tf1-stock", "tf1.13", "tf1-stock", "20261124T193000Z-0001")
    assert (r.runtime, r.decoding, r.knobs) == ("tensorflow", "rerun", {})
    assert r.engine is None and r.machine.cpu_model == "Synthetic CPU"
    assert len(r.visits) == len(r.containers) == 2 and r.visits[0].seconds == 60.0
    assert sorted(r.containers[0].samples_ms) == [1, 2]
    assert r.tf_isa == {}  # built before images recorded their wheel's instruction counts


def test_the_current_result_shape_round_trips_exactly():
    doc = _doc("result-current.json")
    r = VariantResult.from_doc(doc)
    assert r.to_doc() == doc
    assert r.tf_isa == {"avx": 111664, "avx2": 0, "fma": 0, "avx512f": 0}
    assert r.engine.name == "local" and r.knobs == {"tensorflow.intra_op": 1}


def test_a_run_json_of_the_first_shape_loads_with_an_inferred_status():
    record = RunRecord.from_doc(_doc("run-first-shape.json"))
    assert (record.kind, record.arms, record.rounds_done) == ("profile", ("tf1-stock",), None)
    assert record.ended_as() == ("complete", False)


def test_the_current_run_json_round_trips_exactly():
    doc = _doc("run-current.json")
    record = RunRecord.from_doc(doc)
    assert record.to_doc() == doc and record.ended_as() == ("complete", True)


@pytest.mark.parametrize("fixture,readable", [("result-99.json", "tfopt.result/1"), ("run-99.json", "tfopt.run/1")])
def test_an_unknown_schema_version_is_refused_naming_the_file_and_what_is_readable(tmp_path, fixture, readable):
    run = store.run_dir(tmp_path, "20261124T193000Z-0001")
    run.mkdir(parents=True)
    shutil.copy(FIXTURES / "result-first-shape.json", run / "tf1-stock.json")
    target = run / ("run.json" if fixture.startswith("run") else "tf2-stock.json")
    shutil.copy(FIXTURES / fixture, target)
    with pytest.raises(UnknownFormat) as refused:
        documents.load_run(tmp_path, "20261124T193000Z-0001")
    assert isinstance(refused.value, ConfigError) and refused.value.exit_code == 2
    assert str(target) in str(refused.value) and "/99'" in str(refused.value) and readable in str(refused.value)


@pytest.mark.parametrize("doc,status", [
    ({"status": "running"}, ("running", True)),
    ({"status": "interrupted", "finished_at": "t"}, ("interrupted", True)),
    ({"status": "complete", "failures": {"x": "boom"}}, ("complete", True)),  # recorded: not second-guessed
    ({}, ("interrupted", False)),  # predates status, no end recorded
    ({"finished_at": "t", "failures": {}}, ("complete", False)),
    ({"finished_at": "t", "failures": {"x": "boom"}}, ("failed", False)),
])
def test_run_status_has_one_rule(doc, status):
    assert RunRecord.from_doc(dict(doc, kind="profile"), "r").ended_as() == status


def test_a_run_without_run_json_is_unknown_unless_its_parent_says(tmp_path):
    store.write_result(tmp_path, make_doc("a", run_id="r"))
    run = documents.load_run(tmp_path, "r")
    assert (run.status, run.status_recorded, run.kind) == ("unknown", False, "profile")
    assert run.describe_status() == "unknown (this run has no run.json)"
    assert RunRecord("r@lost", status="lost", found=False).ended_as() == ("lost", False)


def test_a_run_record_writes_the_keys_of_how_it_ended():
    started = RunRecord("r", kind="profile", arms=("a",), protocol={}, started_at="t0", status="running",
                        host={}, orders=(("a",),))
    assert "finished_at" not in started.to_doc() and "race" not in started.to_doc()
    cut = started.ended("interrupted", "interrupted (Ctrl-C or SIGTERM)", rounds_done=0, failures={})
    assert {"finished_at", "rounds_done", "failures"} <= set(cut.to_doc())
    assert not {"stop_reason", "widest_ci", "race"} & set(cut.to_doc())
    done = started.ended("complete", stop_reason="1 round(s) done as asked", rounds_done=1, failures={})
    assert (done.to_doc()["race"], done.to_doc()["widest_ci"]) == (None, None)
    with pytest.raises(AssertionError):
        started.ended("running")


def _committed_documents():
    listed = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "ls-files", "results/runs/*.json"],
                            capture_output=True, text=True).stdout.split()
    return [paths.PROJECT_ROOT / p for p in listed]


def test_committed_documents_of_the_current_shape_are_what_the_records_write():
    """What the writer would write for them is byte for byte what is committed: to_doc() is the
    writer, so a round trip of every current-shape document proves the shape did not change."""
    checked = 0
    for path in _committed_documents():
        doc = json.loads(path.read_text())
        if path.name == "run.json":
            if "status" in doc:
                assert RunRecord.from_doc(doc).to_doc() == doc, path
                checked += 1
        elif "knobs" in doc["variant"]:
            assert VariantResult.from_doc(doc).to_doc() == doc, path
            checked += 1
    assert checked, "no committed document of the current shape"
