"""ONNX Runtime and OpenVINO: every supported decoding predicts what the checkpoint predicts.

Each combination is converted from the checkpoint by g2p.export (tf2onnx / OpenVINO's TF
frontend, as the image's converter stage does; rerun through `python -m g2p.export`) and
compared word for word with g2p_en 1.0.0's procedure on the checkpoint, on the shared word
list (3000 CMUdict words, edge cases, 300 random strings; see g2p_helpers.test_words), in
predict()'s batches of 20. Their speed is g2p.bench's job (see its docstring).
"""

import json
import os
import subprocess
import sys

import pytest

from g2p import support
from g2p.knobs import resolve
from g2p.specs import DECODINGS, SPECS
from g2p_helpers import CMU_WORDS, ROOT, differences

# The converted runtimes: those whose exporter needs a converter beside TensorFlow.
RUNTIMES = tuple(s.name for s in SPECS if s.converters)
COMBINATIONS = [(r, d) for r in RUNTIMES for d in DECODINGS if support.reason(r, d) is None]
ONE_THREAD = {"onnxruntime": {"onnxruntime.intra_op": 1, "onnxruntime.inter_op": 1},
              "openvino": {"openvino.threads": 1, "openvino.streams": 1}}
AARDVARK = [["AA1", "R", "D", "V", "AA2", "R", "K"]]

# The pinned onnxruntime/openvino have no wheels for Python 3.7 (the TF 1.13 stack); on the
# TF 2.21 stack (Python 3.11) they are in requirements-tf2.txt, so a missing one fails here.
pytestmark = pytest.mark.skipif(sys.version_info < (3, 10),
                                reason="onnxruntime 1.32 / openvino 2026.4 need Python >= 3.10 "
                                       "(runtimes of the tf2 stack only)")


def _label(combo):
    return "%s-%s" % combo


@pytest.fixture(scope="module")
def converted(export_dir):
    """{(runtime, decoding): model dir}; rerun through the command line, the rest in-process."""
    return {combo: export_dir(combo[0], combo[1], cli=combo[1] == "rerun") for combo in COMBINATIONS}


@pytest.fixture(scope="module")
def loaded(converted):
    import g2p

    models = {combo: g2p.load(path, ONE_THREAD[combo[0]]) for combo, path in converted.items()}
    yield models
    for m in models.values():
        m.close()


@pytest.mark.parametrize("combo", COMBINATIONS, ids=_label)
def test_metadata_names_runtime_and_decoding(converted, combo):
    runtime, decoding = combo
    meta = json.loads((converted[combo] / "g2p-model.json").read_text())
    assert (meta["runtime"], meta["decoding"], meta["form"]) == (runtime, decoding, None)
    assert meta["files"] and all((converted[combo] / f).is_file() for f in meta["files"])
    assert meta["tool"] == {"onnxruntime": "tf2onnx", "openvino": "openvino.convert_model"}[runtime]
    assert meta["source_nodes"] > 0 and meta["nodes"] > 0
    if runtime == "onnxruntime":
        assert meta["opset"] == 17
    else:
        assert meta["compress_to_fp16"] is False


@pytest.mark.parametrize("combo", COMBINATIONS, ids=_label)
def test_identical_to_checkpoint(loaded, combo, words, reference_predictions):
    assert len(words) >= CMU_WORDS + 300
    got = loaded[combo].predict(" ".join(words))
    assert len(got) == len(words)
    assert differences(words, got, reference_predictions) == []


@pytest.mark.parametrize("combo", COMBINATIONS, ids=_label)
def test_empty_one_word_and_batches_over_20(loaded, combo, words, reference_model):
    model = loaded[combo]
    assert model.predict("") == [] and model.predict(" \t\n") == []
    assert model.predict("AARDVARK") == model.predict("aardvark") == AARDVARK
    batch = words[-47:]   # random strings: batches of 20, 20 and 7
    text = " ".join(batch)
    assert model.predict(text) == [model.predict(w)[0] for w in batch] == reference_model.predict(text)


@pytest.mark.parametrize("runtime,settings", [
    ("onnxruntime", {"onnxruntime.intra_op": 2, "onnxruntime.inter_op": 2,
                     "onnxruntime.optimization": "disable", "onnxruntime.execution_mode": "parallel"}),
    ("onnxruntime", {"onnxruntime.intra_op": 0, "onnxruntime.optimization": "basic"}),
    ("openvino", {"openvino.threads": 0, "openvino.streams": 2, "openvino.hint": "throughput"}),
    ("openvino", {"openvino.hint": "none"}),
], ids=lambda v: v if isinstance(v, str) else "-".join(str(x) for x in v.values()))
def test_other_knob_values_predict_the_same(converted, runtime, settings, words,
                                            reference_predictions):
    import g2p

    model = g2p.load(converted[(runtime, "incremental")], settings)
    try:
        got = model.predict(" ".join(words[:400]))
    finally:
        model.close()
    assert differences(words[:400], got, reference_predictions[:400]) == []


def test_onnxruntime_knobs_map_to_session_options():
    import onnxruntime as ort

    from g2p.runtimes.onnxruntime import session_options

    options = session_options(resolve("onnxruntime", {
        "onnxruntime.intra_op": 3, "onnxruntime.inter_op": 2,
        "onnxruntime.optimization": "extended", "onnxruntime.execution_mode": "parallel"}))
    assert options.intra_op_num_threads == 3
    assert options.inter_op_num_threads == 2
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    assert options.execution_mode == ort.ExecutionMode.ORT_PARALLEL
    defaults = session_options(resolve("onnxruntime"))
    assert (defaults.intra_op_num_threads, defaults.inter_op_num_threads) == (1, 1)
    assert defaults.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert defaults.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    disabled = session_options(resolve("onnxruntime", {"onnxruntime.optimization": "disable"}))
    assert disabled.graph_optimization_level == ort.GraphOptimizationLevel.ORT_DISABLE_ALL


def test_openvino_knobs_map_to_compile_config():
    from g2p.runtimes.openvino import compile_config

    assert compile_config(resolve("openvino")) == {
        "NUM_STREAMS": "1", "INFERENCE_NUM_THREADS": "1", "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32"}
    assert compile_config(resolve("openvino", {
        "openvino.threads": 0, "openvino.streams": 2, "openvino.hint": "none",
        "openvino.precision": "default"})) == {"NUM_STREAMS": "2"}
    assert compile_config(resolve("openvino", {"openvino.hint": "throughput"}))[
        "PERFORMANCE_HINT"] == "THROUGHPUT"


def test_openvino_compiles_with_what_the_knobs_say(converted):
    import g2p

    combo = ("openvino", "rerun")
    model = g2p.load(converted[combo], {"openvino.threads": 1, "openvino.streams": 1,
                                        "openvino.hint": "latency", "openvino.precision": "f32"})
    try:
        compiled = model.backend.compiled_config()
    finally:
        model.close()
    assert compiled["INFERENCE_PRECISION_HINT"] == "f32"
    assert compiled["INFERENCE_NUM_THREADS"] == "1"
    assert compiled["NUM_STREAMS"] == "1"
    assert compiled["PERFORMANCE_HINT"] == "LATENCY"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_missing_model_file_is_a_clear_error(converted, runtime, tmp_path):
    import shutil

    import g2p
    from g2p.errors import ModelError

    source = converted[(runtime, "rerun")]
    shutil.copyfile(str(source / "g2p-model.json"), str(tmp_path / "g2p-model.json"))
    with pytest.raises(ModelError) as info:
        g2p.load(tmp_path)
    assert "is missing" in str(info.value) and "g2p.export --runtime %s" % runtime in str(info.value)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_loading_and_predicting_never_imports_tensorflow(converted, runtime):
    script = ("import sys, g2p\n"
              "m = g2p.load(sys.argv[1])\n"
              "assert m.predict('aardvark') == [['AA1', 'R', 'D', 'V', 'AA2', 'R', 'K']]\n"
              "print(sorted(n for n in sys.modules if n.split('.')[0] in "
              "('tensorflow', 'tf2onnx', 'onnx')))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", script, str(converted[(runtime, "rerun")])],
                          cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]"
