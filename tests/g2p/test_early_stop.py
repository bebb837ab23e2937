"""Early stop (docs/runtimes.md "Early stop"): the decode ends once every word of the batch
has emitted <EOS>, and predicts exactly what the full decode predicts.

Every runtime x decoding its spec says can stop early, on this stack: the shared word list
(3000 CMUdict words, edge cases, 300 random strings) against the checkpoint's predictions
for the fast decodings, a slice of it for rerun and loop (MAXLEN network runs per batch);
then proof that the loop really ends early: the Python loops' step counts, and the graphs'
own ``steps`` output (the while_loop's trip count) in TensorFlow, ONNX Runtime and OpenVINO.
"""

import json
import sys

import numpy as np
import pytest

import g2p
from g2p import support
from g2p.errors import UsageError
from g2p.model import encode_batch
from g2p.specs import DECODINGS, SPECS
from g2p.vocab import EOS, MAXLEN
from g2p_helpers import CMU_WORDS, differences

CONVERTED_NEED = (3, 10)   # onnxruntime 1.32 / openvino 2026.4: the tf2 stack only
# Compiled runtimes (numba, jax) test their early stop in their own modules, from a model
# directory g2p.prepare compiled once.
COMBINATIONS = [(s.name, d) for s in SPECS for d in DECODINGS if d in s.early_stop
                and not s.compiled and (not s.converters or sys.version_info >= CONVERTED_NEED)]
ONE_THREAD = {"onnxruntime": {"onnxruntime.intra_op": 1, "onnxruntime.inter_op": 1},
              "openvino": {"openvino.threads": 1, "openvino.streams": 1}}
SLOW = ("rerun", "loop")       # MAXLEN whole-network runs per batch: a slice of the words
SLOW_WORDS = 100
HELLO_STEPS = 5                # HH AH0 L OW1 <EOS>


def _form(runtime):
    return "frozen" if runtime == "tensorflow" else None


def _label(combo):
    return "%s-%s" % combo


@pytest.fixture(scope="module", params=COMBINATIONS, ids=_label)
def pair(request, export_dir):
    """(early-stop model, the same export without early stop) of one runtime x decoding."""
    runtime, decoding = request.param
    models = [g2p.load(export_dir(runtime, decoding, _form(runtime), early_stop=stop,
                                  cli=stop and decoding == "rerun"),
                       ONE_THREAD.get(runtime))
              for stop in (True, False)]
    yield models
    for model in models:
        model.close()


def _sample(decoding, words):
    if decoding not in SLOW:
        return words
    return words[:SLOW_WORDS - 40] + words[CMU_WORDS:CMU_WORDS + 20] + words[-20:]


def test_identical_to_checkpoint_and_to_the_full_decode(pair, words, reference_predictions):
    early, full = pair
    assert early.early_stop and not full.early_stop
    sample = _sample(early.decoding, words)
    expected = reference_predictions[:len(sample)] if sample is words else \
        [reference_predictions[words.index(w)] for w in sample]
    got = early.predict(" ".join(sample))
    assert len(got) == len(sample)
    assert differences(sample, got, expected) == []   # the full decode's own tests check it against the same


def test_columns_after_the_stop_are_pad(pair):
    early, _ = pair
    preds, _ = early._decode(early.backend, encode_batch(["hello", "a"]), True)
    stop = max(int(np.argmax(row == EOS)) for row in preds) + 1
    assert (preds == EOS).any(axis=1).all()
    assert stop < MAXLEN and not preds[:, stop:].any()


def test_metadata_holds_early_stop(export_dir):
    runtime, decoding = COMBINATIONS[0]
    for stop in (True, False):
        meta = json.loads((export_dir(runtime, decoding, _form(runtime), early_stop=stop)
                           / "g2p-model.json").read_text())
        assert meta["early_stop"] is stop


def test_python_loops_count_fewer_steps(export_dir):
    """numpy's decoder loop and rerun's network runs end at the batch's last <EOS>."""
    for runtime, decoding in [("numpy", "incremental"), ("tensorflow", "rerun")]:
        early = g2p.load(export_dir(runtime, decoding, _form(runtime), early_stop=True,
                                    cli=decoding == "rerun"))
        full = g2p.load(export_dir(runtime, decoding, _form(runtime)))
        assert early.predict("hello") == full.predict("hello")
        assert (early.last_steps, full.last_steps) == (HELLO_STEPS, MAXLEN)
        early.predict("hello " + "a" * 19)
        assert HELLO_STEPS < early.last_steps <= MAXLEN


def _steps_tensorflow(model_dir, x):
    model = g2p.load(model_dir)
    try:
        return int(model.backend.session.run("steps:0", {"grapheme:0": x}))
    finally:
        model.close()


def _steps_onnxruntime(model_dir, x):
    import onnx
    import onnxruntime as ort

    proto = onnx.load(str(model_dir / "model.onnx"))
    loops = [n for n in proto.graph.node if n.op_type == "Loop"]
    assert loops, "the early-stop graph converted without an ONNX Loop"
    session = ort.InferenceSession(str(model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    return int(session.run(["steps:0"], {"grapheme:0": x})[0])


def _steps_openvino(model_dir, x):
    import openvino as ov

    core = ov.Core()
    model = core.read_model(str(model_dir / "model.xml"))
    assert any(op.get_type_name() in ("Loop", "TensorIterator") for op in model.get_ops())
    compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    return int(compiled({"grapheme:0": x})[compiled.output("steps:0")])


GRAPH_STEPS = {"tensorflow": _steps_tensorflow, "onnxruntime": _steps_onnxruntime,
               "openvino": _steps_openvino}


@pytest.mark.parametrize("combo", [c for c in COMBINATIONS if c[0] in GRAPH_STEPS and c[1] != "rerun"],
                         ids=_label)
def test_graph_loop_trip_count(combo, export_dir):
    """The while_loop's own trip count: 5 for "hello", more for a batch with a longer word,
    MAXLEN only for a word whose decode never emits <EOS> within MAXLEN."""
    runtime, decoding = combo
    model_dir = export_dir(runtime, decoding, _form(runtime), early_stop=True)
    steps = GRAPH_STEPS[runtime]
    assert steps(model_dir, encode_batch(["hello"])) == HELLO_STEPS
    longer = steps(model_dir, encode_batch(["hello", "antidisestablishmentarianism"]))
    assert HELLO_STEPS < longer <= MAXLEN


def test_refused_where_a_runtime_cannot_stop_early():
    for spec in SPECS:
        for decoding in DECODINGS:
            why = support.early_stop_reason(spec.name, decoding)
            assert (why is None) == (decoding in spec.early_stop), (spec.name, decoding, why)
    with pytest.raises(UsageError, match="cannot"):
        g2p.model.check_choice("numpy", "loop", early_stop=True)
