"""Runtime ``onnxruntime``: ``model.onnx`` (from g2p.exporters.onnxruntime) in an InferenceSession.

Knobs (g2p/knobs.py) -> ``onnxruntime.SessionOptions``:

========================== ==========================================================
``onnxruntime.intra_op``   ``intra_op_num_threads`` (0 = ONNX Runtime's default)
``onnxruntime.inter_op``   ``inter_op_num_threads`` (0 = ONNX Runtime's default)
``onnxruntime.optimization`` ``graph_optimization_level``: disable/basic/extended/all ->
                           ``ORT_DISABLE_ALL``/``ORT_ENABLE_BASIC``/``ORT_ENABLE_EXTENDED``/
                           ``ORT_ENABLE_ALL``
``onnxruntime.execution_mode`` ``execution_mode``: sequential/parallel ->
                           ``ORT_SEQUENTIAL``/``ORT_PARALLEL``
========================== ==========================================================

The session runs on ``CPUExecutionProvider`` only.
"""

from pathlib import Path

from . import Backend, require_files

MODEL_FILE = "model.onnx"
OUTPUT = "preds:0"
INPUT_GRAPHEME = "grapheme:0"
INPUT_PHONEME = "phoneme:0"

OPTIMIZATION_LEVELS = {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
                       "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL"}
EXECUTION_MODES = {"sequential": "ORT_SEQUENTIAL", "parallel": "ORT_PARALLEL"}


def session_options(settings):
    """``onnxruntime.SessionOptions`` for {knob key: value} of runtime onnxruntime."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = settings["onnxruntime.intra_op"]
    options.inter_op_num_threads = settings["onnxruntime.inter_op"]
    options.graph_optimization_level = getattr(
        ort.GraphOptimizationLevel, OPTIMIZATION_LEVELS[settings["onnxruntime.optimization"]])
    options.execution_mode = getattr(
        ort.ExecutionMode, EXECUTION_MODES[settings["onnxruntime.execution_mode"]])
    return options


class OnnxRuntimeBackend(Backend):
    runtime = "onnxruntime"
    one_call = True   # loop and incremental: the whole decode is one call of the model

    def __init__(self, session, nodes):
        self.session = session
        self._nodes = nodes

    def run_full(self, x, y):
        return self.session.run([OUTPUT], {INPUT_GRAPHEME: x, INPUT_PHONEME: y})[0]

    def run_loop(self, x):
        return self.session.run([OUTPUT], {INPUT_GRAPHEME: x})[0]

    def version(self):
        import onnxruntime as ort

        return ort.__version__

    def node_count(self):
        return self._nodes

    def close(self):
        self.session = None


def load(model_dir, metadata, settings):
    import onnxruntime as ort

    require_files(model_dir, metadata, [MODEL_FILE])
    session = ort.InferenceSession(str(Path(model_dir) / MODEL_FILE), session_options(settings),
                                   providers=["CPUExecutionProvider"])
    return OnnxRuntimeBackend(session, metadata.get("nodes"))
