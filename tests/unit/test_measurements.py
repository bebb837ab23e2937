"""The typed view of result documents (tfopt/records/documents.py): what each property falls back to."""

from factories import REFERENCE_DIGEST, make_doc

from tfopt.records.documents import Limits, VariantResult


def test_typed_result_reads_what_the_document_records():
    doc = make_doc("fast", reference="stock", may_change_predictions=True, changes={"xla": [False, True]})
    doc["variant"].update(runtime="onnxruntime", decoding="incremental")
    r = VariantResult.from_doc(doc)
    assert (r.runtime, r.decoding, r.changes, r.may_change_predictions) == (
        "onnxruntime", "incremental", {"xla": [False, True]}, True)
    assert not r.is_reference and VariantResult.from_doc(make_doc("stock", reference="stock")).is_reference
    assert r.limits == Limits(cpus=1.0, memory_bytes=4 * 2**30, cpuset=None)
    assert (r.image_size_bytes, r.image_labels) == (1_200_000_000, {})
    assert (r.tfopt_version, r.git_commit) == ("0.1.0", "0" * 40)
    assert r.protocol["repeats"] == 5


def test_results_before_runtimes_and_images_were_recorded_read_as_defaults():
    doc = make_doc("old")
    for key in ("image", "limits", "host", "protocol"):
        del doc[key]
    r = VariantResult.from_doc(doc)
    assert (r.runtime, r.decoding) == ("tensorflow", "rerun")
    assert (r.limits, r.image_size_bytes, r.image_labels, r.protocol) == (Limits(), None, {}, {})
    assert r.machine is None and r.engine is None and r.tfopt_version is None


def test_the_machine_is_the_engines_where_recorded_else_the_hosts():
    doc = make_doc("v")
    assert VariantResult.from_doc(doc).engine is None
    assert VariantResult.from_doc(doc).machine.cpu_model == "Synthetic CPU @ 3.00GHz"  # the host's
    doc["engine"] = {"name": "second", "cpu_model": "Intel Xeon", "cpu_flags": "avx avx2"}
    machine = VariantResult.from_doc(doc).machine
    assert machine == VariantResult.from_doc(doc).engine and (machine.cpu_model, machine.cpu_flags) == (
        "Intel Xeon", ("avx", "avx2"))


def test_visits_count_every_visit_and_containers_only_those_with_a_profile():
    doc = make_doc("v", visits=2, visit_digests=[REFERENCE_DIGEST, REFERENCE_DIGEST])
    doc["visits"][1]["profile"]["predictions"] = {}
    doc["visits"].append({"round": 2, "exit_code": 137, "started_at": "2026-11-24T19:30:00Z", "finished_at": None})
    r = VariantResult.from_doc(doc)
    assert [(v.round, v.seconds) for v in r.visits] == [(0, 60.0), (1, 60.0), (2, None)]
    assert len(r.containers) == 2
    assert r.predictions_digests == (REFERENCE_DIGEST, None)
