"""Runtime ``openvino``: OpenVINO IR (from g2p.exporters.openvino) compiled for the CPU plugin.

Knobs (g2p/knobs.py) -> ``compile_model(model, "CPU", config)``:

====================== ===================================================================
``openvino.threads``   ``INFERENCE_NUM_THREADS`` (0 = not set: the plugin's default)
``openvino.streams``   ``NUM_STREAMS``
``openvino.hint``      ``PERFORMANCE_HINT``: latency/throughput -> ``LATENCY``/``THROUGHPUT``;
                       none = not set
``openvino.precision`` ``INFERENCE_PRECISION_HINT``: f32 -> ``f32``; default = not set (the
                       plugin picks; bf16 on CPUs with AVX512_BF16/AMX, which changes
                       predictions)
====================== ===================================================================

Explicit ``NUM_STREAMS``/``INFERENCE_NUM_THREADS`` take precedence over what the hint
would choose. :meth:`OpenVinoBackend.compiled_config` reads back what the plugin used.
"""

from pathlib import Path

from . import Backend, require_files

MODEL_FILES = ("model.xml", "model.bin")
INPUT_GRAPHEME = "grapheme:0"
INPUT_PHONEME = "phoneme:0"
OUTPUT = "preds:0"
HINTS = {"latency": "LATENCY", "throughput": "THROUGHPUT", "none": None}
PRECISIONS = {"f32": "f32", "default": None}
DEVICE = "CPU"


def compile_config(settings):
    """The ``compile_model`` config for {knob key: value} of runtime openvino."""
    config = {"NUM_STREAMS": str(settings["openvino.streams"])}
    if settings["openvino.threads"]:
        config["INFERENCE_NUM_THREADS"] = str(settings["openvino.threads"])
    hint = HINTS[settings["openvino.hint"]]
    if hint:
        config["PERFORMANCE_HINT"] = hint
    precision = PRECISIONS[settings["openvino.precision"]]
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    return config


class OpenVinoBackend(Backend):
    runtime = "openvino"
    one_call = True   # loop and incremental: the whole decode is one call of the model

    def __init__(self, compiled, nodes, decoding):
        self.compiled = compiled
        self._request = compiled.create_infer_request()
        self._nodes = nodes
        self._x = compiled.input(INPUT_GRAPHEME)
        self._y = compiled.input(INPUT_PHONEME) if decoding == "rerun" else None
        self._out = compiled.output(OUTPUT)

    def _infer(self, inputs):
        self._request.infer(inputs)
        return self._request.get_tensor(self._out).data.copy()

    def run_full(self, x, y):
        return self._infer({self._x: x, self._y: y})

    def run_loop(self, x):
        return self._infer({self._x: x})

    def compiled_config(self):
        """{property: value} the plugin compiled with, for the keys the knobs set."""
        out = {}
        for key in ("INFERENCE_NUM_THREADS", "NUM_STREAMS", "PERFORMANCE_HINT",
                    "INFERENCE_PRECISION_HINT"):
            value = self.compiled.get_property(key)
            out[key] = value.to_string() if hasattr(value, "to_string") else str(value)
        return out

    def version(self):
        import openvino as ov

        return ov.get_version()

    def node_count(self):
        return self._nodes

    def close(self):
        self._request = None
        self.compiled = None


def load(model_dir, metadata, settings):
    import openvino as ov

    require_files(model_dir, metadata, MODEL_FILES)
    core = ov.Core()
    model = core.read_model(str(Path(model_dir) / MODEL_FILES[0]))
    compiled = core.compile_model(model, DEVICE, compile_config(settings))
    return OpenVinoBackend(compiled, len(model.get_ops()), metadata["decoding"])
