"""Instruction counts off the demo's path: images carry only their TF wheel's sha256; a run
counts a wheel's instructions only when its report's ISA table answers something (or when
asked), and each result records the counts it was measured with."""

import hashlib
import json
from dataclasses import replace

import pytest

from fakes import FakeEngine
from plans import unit_plan
from tfopt import labels as label
from tfopt.build import images, prepare
from tfopt.build.images import ImageInputs, StageInstall
from tfopt.build.wheels import Lock, files_dir
from tfopt.errors import BuildError
from tfopt.measure.rounds import Arm, measure
from tfopt.plan.protocol import Protocol
from tfopt.records import documents, store
from tfopt.records.documents import VariantResult
from tfopt.source_build import isa

COUNTS = {"fma": 12, "avx2": 340, "avx512f": 5600, "avx": 9000, "instructions": 70000}
DEMO = ("tf2-stock", "tf2-incremental", "ort-incremental", "numpy-incremental")


@pytest.fixture
def variants():
    return unit_plan().variants


def running(variants, shas):
    """(variant, sha256 of the TF wheel it runs) as prepare sees them; None: TF does not run."""
    return [(variants[name], sha) for name, sha in shas.items()]


def test_the_demo_counts_no_instructions(variants):
    one_wheel = {"tf2-stock": "a" * 64, "tf2-incremental": "a" * 64, "ort-incremental": None,
                 "numpy-incremental": None}
    assert prepare.isa_wheels(running(variants, one_wheel)) == set()


def test_a_family_of_several_wheels_counts_each_of_them(variants):
    tf1 = {"tf1-stock": "a" * 64, "tf1-mkl": "b" * 64, "tf1-mkl-1thread": "b" * 64, "tf2-stock": "c" * 64}
    assert prepare.isa_wheels(running(variants, tf1)) == {"a" * 64, "b" * 64}  # tf2.21 has one wheel here


def test_a_source_built_wheel_is_always_counted_and_asking_counts_every_wheel(variants):
    shas = {"tf1-avx2": "d" * 64, "tf2-stock": "c" * 64, "ort-incremental": None}
    assert prepare.isa_wheels(running(variants, shas)) == {"d" * 64}
    assert prepare.isa_wheels(running(variants, shas), everything=True) == {"c" * 64, "d" * 64}


def inputs(tmp_path, runtime="tensorflow", sha="0" * 64):
    weights = tmp_path / "weights"
    weights.mkdir(exist_ok=True)
    (weights / "checkpoint").write_text("x")
    lock = Lock("k", "3.11", [], [{"file": "tensorflow_cpu-2.21.0.whl", "sha256": "0" * 64}], tmp_path / "lock")
    tf = StageInstall(["tensorflow-cpu==2.21.0"], lock)
    return ImageInputs(base_tag="base:1", python="/usr/bin/python3", tensorflow=tf, converter=None, final=tf,
                       runtime=runtime, decoding="incremental", form="checkpoint", weights_dir=weights,
                       tf_sha256=sha, extra_labels={})


def test_the_tf_wheel_of_an_image_is_the_one_tensorflow_runs_in(tmp_path, monkeypatch):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    assert inputs(tmp_path).tf_wheel() is None  # not in the wheelhouse
    wheel = files_dir() / "tensorflow_cpu-2.21.0.whl"
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"")
    assert inputs(tmp_path).tf_wheel() == wheel
    assert inputs(tmp_path, runtime="onnxruntime").tf_wheel() is None  # TF only converted that model
    assert inputs(tmp_path, sha="1" * 64).tf_wheel() is None


def test_an_image_labels_its_tf_wheel_but_counts_nothing_and_keeps_its_tag(tmp_path, monkeypatch, variants):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(isa, "library_counts", lambda *a, **k: pytest.fail("an image build disassembled"))
    files_dir().mkdir(parents=True)
    (files_dir() / "tensorflow_cpu-2.21.0.whl").write_bytes(b"")
    built = inputs(tmp_path)
    engine = FakeEngine(present=("base:1", built.shared_stage_tag()))
    tag = images.ensure_image(engine, [variants["tf2-stock"]], built)
    labels = engine.built[-1][1]
    assert labels[label.TF_WHEEL_SHA256] == "0" * 64 and label.TF_ISA not in labels
    assert tag == built.tag == inputs(tmp_path).tag  # labels are not among the inputs it is named by


def test_counting_reads_the_cache_first_and_a_wheel_it_cannot_read_costs_only_a_line(tmp_path, monkeypatch,
                                                                                      capsys):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path))
    wheel = tmp_path / "tensorflow_cpu-2.21.0.whl"
    monkeypatch.setattr(isa, "library_counts", lambda *a, **k: (COUNTS, 0, ["libtensorflow_cc.so.2"]))
    assert prepare.count_instructions(wheel, "a" * 64) == COUNTS
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("counting the instructions in tensorflow_cpu-2.21.0.whl")
    assert out[-1].startswith("✓ counted the instructions in tensorflow_cpu-2.21.0.whl (")
    monkeypatch.setattr(isa, "library_counts", lambda *a, **k: pytest.fail("counted twice"))
    assert prepare.count_instructions(wheel, "a" * 64) == COUNTS
    assert capsys.readouterr().out == "instruction counts of tensorflow_cpu-2.21.0.whl: cached\n"

    def stripped(*args, **kwargs):
        raise BuildError("libtensorflow_cc.so.2 has no .symtab (it was stripped)")

    monkeypatch.setattr(isa, "library_counts", stripped)
    assert prepare.count_instructions(wheel, "b" * 64) == {}
    assert "no instruction counts for tensorflow_cpu-2.21.0.whl: libtensorflow_cc.so.2 has no .symtab" \
        in capsys.readouterr().out


def test_each_result_records_the_counts_its_arm_was_measured_with(tmp_path, monkeypatch, variants):
    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results"
    engine = FakeEngine({"tf2-stock": 1.0, "tf2-1thread": 0.8})
    arms = [Arm("tf2-stock", variants["tf2-stock"], "img", tf_isa=COUNTS),
            Arm("tf2-1thread", variants["tf2-1thread"], "img")]
    report = measure(engine, arms, Protocol(rounds=1), variants, out, clock=engine.clock)
    folder = store.run_dir(out, report.run_id)
    assert json.loads((folder / "tf2-stock.json").read_text())["tf_isa"] == COUNTS
    assert "tf_isa" not in json.loads((folder / "tf2-1thread.json").read_text())  # not counted: not written
    run = documents.load_run(out, report.run_id)
    assert run.variants["tf2-stock"].tf_isa == COUNTS and run.variants["tf2-1thread"].tf_isa == {}


def test_a_result_reads_its_own_counts_else_an_older_images_label():
    older = VariantResult.from_doc({"variant": {"name": "v"}, "image": {"labels": {
        label.TF_ISA: "fma=12,avx2=340,avx512f=5600,avx=9000"}}})
    assert older.tf_isa == {"fma": 12, "avx2": 340, "avx512f": 5600, "avx": 9000}
    recorded = replace(older, image_labels={}, tf_isa_counts=COUNTS)
    assert VariantResult.from_doc(recorded.to_doc()).tf_isa == COUNTS


def test_prepare_counts_the_wheels_a_family_compares_and_hands_the_counts_to_its_variants(
        tmp_path, monkeypatch, variants):
    from types import SimpleNamespace

    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    files_dir().mkdir(parents=True)

    def lock(python, requirements):
        wheel = requirements[0].split("==")[0].replace("-", "_") + "-1.0-py3-none-any.whl"
        (files_dir() / wheel).write_bytes(b"")
        return Lock("k", python, requirements, [{"file": wheel, "sha256": hashlib.sha256(wheel.encode()).hexdigest()}], tmp_path / "lock")

    counted = []
    monkeypatch.setattr(prepare, "ensure_lock", lock)
    monkeypatch.setattr(prepare, "weights_dir", lambda: tmp_path)
    monkeypatch.setattr(prepare, "provide_base", lambda engine, spec: SimpleNamespace(tag="base:1",
                                                                                   interpreter="python3"))
    monkeypatch.setattr(prepare, "ensure_image", lambda engine, group, inputs, verbose: "img")
    monkeypatch.setattr(prepare, "count_instructions", lambda wheel, sha: counted.append(wheel.name) or COUNTS)
    demo = prepare.prepare(None, [variants[n] for n in DEMO if n in variants])
    assert counted == [] and all(p.tf_isa == {} for p in demo.values())
    tf1 = prepare.prepare(None, [variants[n] for n in ("tf1-stock", "tf1-mkl", "tf2-stock")])
    assert sorted(counted) == ["intel_tensorflow-1.0-py3-none-any.whl", "tensorflow-1.0-py3-none-any.whl"]
    assert tf1["tf1-stock"].tf_isa == tf1["tf1-mkl"].tf_isa == COUNTS and tf1["tf2-stock"].tf_isa == {}
    prepare.prepare(None, [variants["tf2-stock"]], isa=True)
    assert counted[-1].startswith("tensorflow_cpu")


def test_the_report_says_when_a_run_recorded_no_counts_and_marks_the_wheels_it_did_not_count():
    from dataclasses import replace

    from factories import experiment_family
    from tfopt.render import report

    results = experiment_family()
    none = report._isa_section(results)
    assert not none.tables and none.paragraphs == [report.NOT_COUNTED]
    first = sorted(results)[0]
    results[first] = replace(results[first], tf_isa_counts={"avx": 9, "avx2": 8, "fma": 7, "avx512f": 6})
    some = report._isa_section(results)
    counted = [row for row in some.tables[0].rows if first in row[0].split(", ")]
    assert counted[0][3:] == ["9", "8", "7", "6"]
    assert ("—: " + report.NOT_COUNTED) in some.notes
