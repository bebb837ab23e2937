"""The runtime and decoding axes: validation, knobs derived from g2p.knobs, commands, images."""

import re
import textwrap

import pytest

from g2p import knobs as g2p_knobs
from g2p import specs as g2p_specs
from plans import BASE as CONFIG_BASE, unit_plan, write
from tfopt.plan import runtimes, schema
from tfopt.build import prepare
from tfopt.plan.load import load_plan
from tfopt.plan.variant import describe
from tfopt.errors import ConfigError
from tfopt.build.images import RECIPE_DIR, ImageInputs, StageInstall
from tfopt.plan.protocol import Protocol
from tfopt.measure.rounds import profile_command
from tfopt.build.wheels import Lock
from tfopt.records.documents import VariantResult

BASE = CONFIG_BASE + "    threads: {intra_op: 1, inter_op: 1}\n"


def plan_of(tmp_path, extra=""):
    return load_plan(write(tmp_path, BASE + textwrap.indent(textwrap.dedent(extra), "  ")))


def error_of(tmp_path, extra) -> str:
    with pytest.raises(ConfigError) as info:
        plan_of(tmp_path, extra)
    return str(info.value)


# ---------------------------------------------------------------- config

def test_defaults_are_tensorflow_and_the_original_procedure(tmp_path):
    a = plan_of(tmp_path).variants["a"]
    assert (a.runtime, a.decoding, a.form) == ("tensorflow", "rerun", "checkpoint")
    assert a.knobs == {"threads.intra_op": 1, "threads.inter_op": 1, "grappler": True, "xla": False}
    assert "runtime tensorflow · decoding rerun" in "\n".join(describe(a))


def test_runtime_and_decoding_are_build_keys(tmp_path):
    plan = plan_of(tmp_path, """
      b: {extends: a, decoding: incremental}
      c: {extends: a, runtime: onnxruntime}
      d: {extends: a, xla: true}
    """)
    keys = {name: v.build_key() for name, v in plan.variants.items()}
    assert keys["a"] == keys["d"]
    assert len({keys["a"], keys["b"], keys["c"]}) == 3


@pytest.mark.parametrize("extra, expected", [
    ("  b: {extends: a, runtime: onnxruntme}\n", "did you mean 'onnxruntime'?"),
    ("  b: {extends: a, decoding: incremetal}\n", "did you mean 'incremental'?"),
    ("  b: {extends: a, runtime: onnxruntime, onnxruntime: {optimization: extnded}}\n",
     "did you mean 'extended'?"),
    ("  b: {extends: a, runtime: onnxruntime, onnxruntime: {intra_opp: 1}}\n", "did you mean 'intra_op'?"),
    ("  b: {extends: a, runtime: openvino, openvino: {streams: 0}}\n", "must be ≥ 1"),
    ("  b: {extends: a, runtime: openvino, openvino: {threads: two}}\n", "expected an integer"),
    ("  b: {extends: a, threads: {intra_op: -1}}\n", "must be ≥ 0"),
    ("  b: {extends: a, grappler: 'no'}\n", "expected bool"),
])
def test_axes_and_knobs_are_validated_with_a_suggestion(tmp_path, extra, expected):
    message = error_of(tmp_path, extra)
    assert expected in message and "variants.yaml:" in message and "'b'" in message


def test_a_knob_of_another_runtime_is_refused_where_it_is_written(tmp_path):
    message = error_of(tmp_path, "  b: {extends: a, runtime: onnxruntime, threads: {intra_op: 2}}\n")
    assert "'threads' is a setting of runtime tensorflow" in message and "runtime is onnxruntime" in message
    message = error_of(tmp_path, "  b: {extends: a, openvino: {threads: 2}}\n")
    assert "'openvino' is a setting of runtime openvino" in message and "runtime is tensorflow" in message


def test_an_inherited_knob_of_another_runtime_does_not_apply(tmp_path):
    b = plan_of(tmp_path, "  b: {extends: a, runtime: onnxruntime}\n").variants["b"]
    assert set(b.knobs) == {k.key for k in g2p_knobs.KNOBS if k.runtime == "onnxruntime"}
    assert "threads" not in b.settings and "onnxruntime" in b.settings
    assert b.changes_from(plan_of(tmp_path).variants["a"]) == {"runtime": ["tensorflow", "onnxruntime"]}


def test_form_is_refused_on_other_runtimes_saying_why(tmp_path):
    message = error_of(tmp_path, "  b: {extends: a, runtime: numpy, decoding: incremental, form: frozen}\n")
    assert "form applies to TensorFlow only" in message and "converter" in message
    b = plan_of(tmp_path, "f: {extends: a, form: frozen}\n"
                          "b: {extends: f, runtime: numpy, decoding: incremental}\n").variants["b"]
    assert b.form is None and "form" not in b.build_settings()


def test_a_form_that_cannot_hold_the_decoding_is_refused(tmp_path):
    message = error_of(tmp_path, "b: {extends: a, form: savedmodel, decoding: incremental}\n")
    assert "form 'savedmodel' cannot hold decoding 'incremental'" in message


def test_an_unsupported_combination_is_refused_with_the_image_sides_reason(tmp_path, monkeypatch):
    monkeypatch.setitem(runtimes.SUPPORT, "openvino", dict(runtimes.SUPPORT["openvino"],
                                                           loop="no Loop in this test"))
    message = error_of(tmp_path, "  b: {extends: a, runtime: openvino, decoding: loop}\n")
    assert "runtime openvino cannot run decoding 'loop': no Loop in this test" in message


def test_every_declared_knob_is_a_variants_key_with_its_default():
    for knob in g2p_knobs.KNOBS:
        section, _, sub = knob.key.partition(".")
        assert section in schema.variant_keys() and not schema.variant_keys()[section][1]  # a run key
        default = schema.defaults()[section]
        assert (default[sub] if sub else default) == knob.default


def test_a_new_knob_is_validated_and_reaches_the_profiler_without_other_edits(tmp_path, monkeypatch):
    knob = g2p_specs.Knob("onnxruntime.spin", "onnxruntime", str, "off", choices=("on", "off"), help="spin")
    monkeypatch.setattr(runtimes, "KNOBS", runtimes.KNOBS + (knob,))
    plan = plan_of(tmp_path, "  b: {extends: a, runtime: onnxruntime, onnxruntime: {spin: 'on'}}\n")
    assert "--onnxruntime-spin on" in " ".join(profile_command(plan.variants["b"], Protocol()))
    assert "did you mean 'on'?" in error_of(tmp_path, "  b: {extends: a, runtime: onnxruntime, "
                                                     "onnxruntime: {spin: 'onn'}}\n")


# ---------------------------------------------------------------- profiler command

def _flags(command):
    return {command[i]: command[i + 1] for i in range(len(command) - 1) if command[i].startswith("--")}


def test_profile_command_carries_exactly_the_runtimes_knobs():
    plan = unit_plan()
    for name, v in plan.variants.items():
        flags = _flags(profile_command(v, Protocol(max_words=3, repeats=1)))
        declared = {g2p_knobs.flag(k): k for k in g2p_knobs.KNOBS}
        used = {f for f in flags if f in declared}
        assert used == {g2p_knobs.flag(k) for k in g2p_knobs.KNOBS if k.runtime == v.runtime}, name
        assert "--form" not in flags and flags["--model-dir"] == "/opt/g2p/model"
        assert flags["--max-words"] == "3" and flags["--repeats"] == "1" and flags["--microbench"] == "on"
    ov = _flags(profile_command(plan.variants["openvino-default-precision"], Protocol()))
    assert ov["--openvino-precision"] == "default" and ov["--openvino-threads"] == "1"
    ort = _flags(profile_command(plan.variants["ort-rerun"], Protocol()))
    assert ort["--onnxruntime-optimization"] == "all" and ort["--onnxruntime-execution-mode"] == "sequential"
    assert _flags(profile_command(plan.variants["tf2-grappler-off"], Protocol()))["--grappler"] == "off"


def test_runtime_variants_resolve_their_axes_knobs_and_references():
    v = unit_plan().variants
    wanted = {"tf2-loop": ("tensorflow", "loop"), "tf2-incremental": ("tensorflow", "incremental"),
              "ort-rerun": ("onnxruntime", "rerun"), "ort-incremental": ("onnxruntime", "incremental"),
              "openvino-incremental": ("openvino", "incremental"),
              "openvino-default-precision": ("openvino", "incremental"),
              "numpy-incremental": ("numpy", "incremental"), "numba-incremental": ("numba", "incremental"),
              "tf1-incremental": ("tensorflow", "incremental")}
    for name, axes in wanted.items():
        assert (v[name].runtime, v[name].decoding) == axes, name
        assert v[name].reference == ("tf1-stock" if name.startswith("tf1") else "tf2-stock")
    assert v["openvino-incremental"].knobs["openvino.precision"] == "f32"
    assert not v["openvino-incremental"].may_change_predictions
    assert v["openvino-default-precision"].may_change_predictions
    assert v["openvino-default-precision"].build_key() == v["openvino-incremental"].build_key()
    assert v["tf1-incremental"].tensorflow.requirement == "tensorflow==1.13.1"


# ---------------------------------------------------------------- images

def _lock(tmp_path, *files):
    return Lock("k", "3.11", [], [{"file": f, "sha256": "0" * 64} for f in files], tmp_path / "lock")


def _inputs(tmp_path, runtime, converter, final):
    weights = tmp_path / "weights"
    weights.mkdir(exist_ok=True)
    (weights / "checkpoint").write_text("x")
    tf = StageInstall(["tensorflow-cpu==2.21.0"], _lock(tmp_path, "tensorflow_cpu-2.21.0.whl", "numpy-2.4.4.whl"))
    return ImageInputs(base_tag="base:1", python="/usr/bin/python3", tensorflow=tf, converter=converter,
                       final=tf if final is None else final, runtime=runtime, decoding="incremental",
                       form="checkpoint" if runtime == "tensorflow" else None, weights_dir=weights,
                       tf_sha256=None, extra_labels={})


def test_a_tensorflow_image_reuses_the_converters_install_as_its_venv(tmp_path):
    inputs = _inputs(tmp_path, "tensorflow", None, None)
    assert inputs.buildargs()["VENV"] == "tensorflow" and inputs.buildargs()["FORM"] == "checkpoint"
    installs = inputs.installs()
    assert installs["converter"] == ([], []) and installs["runtime"] == ([], [])


def test_a_converted_image_installs_only_the_converters_extra_wheels_and_its_runtime(tmp_path):
    converter = StageInstall(["tensorflow-cpu==2.21.0", "tf2onnx==1.17.0"],
                             _lock(tmp_path, "tensorflow_cpu-2.21.0.whl", "numpy-2.4.4.whl", "tf2onnx-1.17.0.whl"))
    final = StageInstall(["onnxruntime==1.32.0", "numpy==2.4.4"],
                         _lock(tmp_path, "onnxruntime-1.32.0.whl", "numpy-2.4.4.whl"))
    inputs = _inputs(tmp_path, "onnxruntime", converter, final)
    installs = inputs.installs()
    assert [p.name for p in installs["converter"][1]] == ["tf2onnx-1.17.0.whl"]
    assert not any("tensorflow" in p.name for p in installs["runtime"][1])
    args = inputs.buildargs()
    assert args["VENV"] == "runtime" and args["FORM"] == "" and args["RUNTIME"] == "onnxruntime"
    assert inputs.tag != _inputs(tmp_path, "tensorflow", None, None).tag


def test_an_image_of_a_compiled_runtime_is_labelled_with_its_target_cpu(tmp_path, monkeypatch):
    from fakes import FakeEngine
    from tfopt import labels as label
    from tfopt.build import images

    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache" / "logs").mkdir(parents=True)
    wheels = tmp_path / "cache" / "wheelhouse" / "files"
    wheels.mkdir(parents=True)
    for wheel in ("tensorflow_cpu-2.21.0.whl", "numpy-2.4.4.whl", "numba-1.0.whl", "onnxruntime-1.0.whl"):
        (wheels / wheel).write_bytes(b"")
    variants = unit_plan().variants
    for name, runtime, target in (("numba-incremental", "numba", "x86-64-v3"),
                                  ("ort-incremental", "onnxruntime", "")):
        final = StageInstall([runtime], _lock(tmp_path, runtime + "-1.0.whl"))
        built = _inputs(tmp_path, runtime, None, final)
        engine = FakeEngine(present=("base:1", built.shared_stage_tag()))
        images.ensure_image(engine, [variants[name]], built)
        assert engine.built[-1][1][label.COMPILED_FOR] == target, name
    assert g2p_specs.spec("numba").compiled and runtimes.compiled_for("numba") == "x86-64-v3"
    assert runtimes.knob("numba.fastmath").inexact and runtimes.knob("numba.fastmath").default is False


def test_the_dockerfile_has_a_stage_for_every_venv_choice_and_exports_with_the_axes():
    text = (RECIPE_DIR / "Dockerfile").read_text()
    stages = dict((name, parent) for parent, name in re.findall(r"^FROM (\S+) AS (\S+)$", text, re.M))
    assert stages["converter"] == "tensorflow"  # every runtime of one stack shares the TF install
    assert stages["venv"] == "${VENV}" and {"tensorflow", "runtime"} <= set(stages)
    assert re.search(r"g2p\.export --runtime \"\$\{RUNTIME\}\" --decoding \"\$\{DECODING\}\"", text)
    final = text[text.rindex("\nFROM "):]
    assert "COPY --from=venv /opt/venv" in final and "COPY --from=converter /opt/g2p/model" in final
    assert "wheels" not in final


def test_each_runtime_has_a_package_set_and_only_tensorflow_keeps_tensorflow():
    for runtime in runtimes.RUNTIMES:
        packages = runtimes.packages(runtime)
        if runtime == "tensorflow":
            assert packages.final is None and not packages.converter
        else:
            assert packages.final and not any(p.startswith("tensorflow") for p in packages.final)
            assert all(re.search(r"==\d", p) for p in packages.final + packages.converter)  # exact pins
    assert any(p.startswith("tf2onnx==") for p in runtimes.packages("onnxruntime").converter)
    assert any(p.startswith("openvino==") for p in runtimes.packages("openvino").converter)


def test_prepare_resolves_the_converter_set_together_with_tensorflow(monkeypatch, tmp_path):
    seen = []

    def fake_lock(python, requirements):
        seen.append(list(requirements))
        return _lock(tmp_path, *[r.split("==")[0] + ".whl" for r in requirements])

    monkeypatch.setattr(prepare, "ensure_lock", fake_lock)
    v = unit_plan().variants
    tf, converter, final = prepare._installs(v["ort-incremental"], "tensorflow-cpu==2.21.0")
    assert converter.requirements[0] == "tensorflow-cpu==2.21.0" and "tf2onnx==1.17.0" in converter.requirements
    assert final.requirements == list(runtimes.packages("onnxruntime").final)
    tf, converter, final = prepare._installs(v["tf1-incremental"], "tensorflow==1.13.1")
    assert converter is None and final is tf and tf.requirements == ["tensorflow==1.13.1", "numpy<1.17",
                                                                       "protobuf<=3.20"]



def test_the_user_is_told_when_the_gate_could_not_check_predictions():
    from factories import make_result
    from tfopt.measure.pipeline import unchecked_notes

    alone = {"ort-incremental": make_result("ort-incremental", family="tf2.21", reference="tf2-stock")}
    notes = unchecked_notes(alone, ["ort-incremental"])
    assert "its reference tf2-stock has no result here" in notes[0]
    assert "invoke profile --variant tf2-stock --variant ort-incremental" in notes[0]
    both = dict(alone, **{"tf2-stock": make_result("tf2-stock", family="tf2.21", reference="tf2-stock")})
    assert unchecked_notes(both, ["ort-incremental", "tf2-stock"]) == []


def test_every_runtime_has_its_exporter_and_runtime_module():
    """g2p.export imports g2p.exporters.<runtime>; a runtime without one would fail only at image build."""
    import importlib.util

    for runtime in g2p_specs.RUNTIMES:
        for package in ("g2p.exporters", "g2p.runtimes"):
            assert importlib.util.find_spec(f"{package}.{runtime}") is not None, (package, runtime)


def test_the_plan_takes_runtimes_decodings_and_forms_from_the_image_sides_specs():
    assert runtimes.RUNTIMES == g2p_specs.RUNTIMES and runtimes.DECODINGS == g2p_specs.DECODINGS
    assert schema.FORMS == g2p_specs.FORMS == g2p_specs.spec("tensorflow").forms
    assert schema.defaults()["form"] == g2p_specs.spec(schema.defaults()["runtime"]).default_form


def test_an_inexact_knob_needs_may_change_predictions(tmp_path, monkeypatch):
    knob = g2p_specs.Knob("onnxruntime.fast", "onnxruntime", bool, False, help="fast", inexact=True)
    monkeypatch.setattr(runtimes, "KNOBS", runtimes.KNOBS + (knob,))
    message = error_of(tmp_path, "  b: {extends: a, runtime: onnxruntime, onnxruntime: {fast: true}}\n")
    assert "variant 'b', key 'onnxruntime.fast'" in message and "may change predictions" in message
    assert "may_change_predictions: true" in message
    plan = plan_of(tmp_path, "  b: {extends: a, runtime: onnxruntime, may_change_predictions: true, "
                             "onnxruntime: {fast: true}}\n  c: {extends: a, runtime: onnxruntime}\n")
    assert plan.variants["b"].knobs["onnxruntime.fast"] is True
    assert plan.variants["c"].knobs["onnxruntime.fast"] is False


def test_jax_fast_math_needs_may_change_predictions(tmp_path):
    message = error_of(tmp_path, "  b: {extends: a, runtime: jax, decoding: incremental, "
                                 "jax: {fast_math: true}}\n")
    assert "variant 'b', key 'jax.fast_math'" in message and "may_change_predictions: true" in message
    plan = plan_of(tmp_path, "  b: {extends: a, runtime: jax, decoding: incremental, "
                             "jax: {multi_thread_eigen: true}}\n")
    assert plan.variants["b"].knobs == {"jax.fast_math": False, "jax.multi_thread_eigen": True}
