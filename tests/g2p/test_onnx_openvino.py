"""ONNX Runtime and OpenVINO: every supported decoding predicts what the checkpoint predicts.

Each combination is converted here from the checkpoint (tf2onnx / OpenVINO's TF frontend,
as the image's converter stage does) and compared word for word with the TensorFlow
checkpoint on 3000 CMUdict words, on seeded random strings (letters and not), and on
edge cases. The last test prints ms per predict() on one core (not asserted).
"""

import json
import os
import random
import string
import subprocess
import sys

import pytest

from g2p import support
from g2p.knobs import DECODINGS, resolve
from g2p_helpers import ROOT, run_module

RUNTIMES = ("onnxruntime", "openvino")
COMBINATIONS = [(r, d) for r in RUNTIMES for d in DECODINGS if support.reason(r, d) is None]
ONE_THREAD = {"onnxruntime": {"onnxruntime.intra_op": 1, "onnxruntime.inter_op": 1},
              "openvino": {"openvino.threads": 1, "openvino.streams": 1}}
EDGE_TEXTS = [
    "a", "z", "i o u",
    "supercalifragilisticexpialidocious",              # > 19 letters: truncated to 20 steps
    "abcdefghijklmnopqrs abcdefghijklmnopqrst",        # exactly 19 and 20 letters
    "don't x1y 3000 --- naïve café ÄBC ß",             # non-letters map to <UNK>
    "AARDVARK Aardvark aardvark",
]


def _label(combo):
    return "%s-%s" % combo


@pytest.fixture(scope="module")
def converted(tmp_path_factory, weights_dir):
    """{(runtime, decoding): model dir}, each made by `python -m g2p.export`."""
    base = tmp_path_factory.mktemp("converted")
    out = {}
    for runtime, decoding in COMBINATIONS:
        target = base / ("%s-%s" % (runtime, decoding))
        run_module(["g2p.export", "--runtime", runtime, "--decoding", decoding,
                    "--out", str(target), "--weights-dir", str(weights_dir)])
        out[(runtime, decoding)] = target
    return out


@pytest.fixture(scope="module")
def loaded(converted):
    import g2p

    models = {combo: g2p.load(path, ONE_THREAD[combo[0]]) for combo, path in converted.items()}
    yield models
    for m in models.values():
        m.close()


@pytest.fixture(scope="module")
def cmu_3000():
    from g2p.evaluate import sample_words

    words, _ = sample_words(3000)
    assert len(words) == 3000
    return words


@pytest.fixture(scope="module")
def unseen_words():
    """300 seeded random strings, 1..24 characters, mostly letters, some not."""
    rng = random.Random(8)
    alphabet = string.ascii_lowercase * 6 + "'-0123456789éß"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(300)]


@pytest.fixture(scope="module")
def tf_checkpoint(weights_dir):
    import g2p

    model = g2p.load(weights_dir, {"threads.intra_op": 1, "threads.inter_op": 1})
    yield model
    model.close()


@pytest.fixture(scope="module")
def reference(tf_checkpoint, cmu_3000, unseen_words):
    """The checkpoint's predictions, keyed by input text (TensorFlow, rerun)."""
    texts = [" ".join(cmu_3000), " ".join(unseen_words)] + EDGE_TEXTS
    return {text: tf_checkpoint.predict(text) for text in texts}


def _mismatches(words, got, want):
    assert len(got) == len(want) == len(words)
    return [(w, " ".join(a), " ".join(b)) for w, a, b in zip(words, got, want) if a != b]


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
def test_identical_to_checkpoint_on_3000_cmudict_words(loaded, combo, cmu_3000, reference):
    text = " ".join(cmu_3000)
    assert _mismatches(cmu_3000, loaded[combo].predict(text), reference[text]) == []


@pytest.mark.parametrize("combo", COMBINATIONS, ids=_label)
def test_identical_to_checkpoint_on_unseen_strings(loaded, combo, unseen_words, reference):
    text = " ".join(unseen_words)
    assert _mismatches(unseen_words, loaded[combo].predict(text), reference[text]) == []


@pytest.mark.parametrize("combo", COMBINATIONS, ids=_label)
def test_edge_cases(loaded, combo, reference):
    model = loaded[combo]
    assert model.predict("") == []
    assert model.predict(" \t\n") == []
    assert model.predict("aardvark") == [["AA1", "R", "D", "V", "AA2", "R", "K"]]
    for text in EDGE_TEXTS:
        assert model.predict(text) == reference[text], text


@pytest.mark.parametrize("combo", COMBINATIONS, ids=_label)
def test_batches_over_20_words_equal_word_by_word(loaded, combo, cmu_3000):
    model = loaded[combo]
    words = cmu_3000[:47]   # batches of 20, 20 and 7
    assert model.predict(" ".join(words)) == [model.predict(w)[0] for w in words]


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


_TIMING_SCRIPT = r"""
import json, os, statistics, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
import g2p
from g2p.profile import case_texts
texts = dict(case_texts(20))
out = {}
for label, path, settings in json.loads(sys.argv[1]):
    model = g2p.load(path, settings)
    row = {}
    for n in (1, 20):
        model.predict(texts[n])
        times = []
        for _ in range(7):
            start = time.perf_counter()
            model.predict(texts[n])
            times.append((time.perf_counter() - start) * 1000)
        row[n] = (statistics.median(times), min(times))
    out[label] = row
    model.close()
print(json.dumps(out))
"""


def test_print_ms_on_one_core(converted, weights_dir, capsys):
    """Figures, not assertions: ms per predict() of 1 and 20 words, one core, 1 thread."""
    jobs = [("tensorflow-rerun (checkpoint)", str(weights_dir),
             {"threads.intra_op": 1, "threads.inter_op": 1})]
    jobs += [(_label(c), str(p), ONE_THREAD[c[0]]) for c, p in sorted(converted.items())]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-c", _TIMING_SCRIPT, json.dumps(jobs)], cwd=str(ROOT),
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(figures) == {label for label, _, _ in jobs}
    with capsys.disabled():
        print("\nms per predict(), one core, 1 thread (median / min of 7):")
        for label, row in figures.items():
            print("  %-32s 1 word %7.2f / %7.2f   20 words %7.2f / %7.2f"
                  % (label, row["1"][0], row["1"][1], row["20"][0], row["20"][1]))
