"""Runtime ``tensorflow``: a v1-style session (``tf.compat.v1``; TF 1.13 and TF 2.x).

Files in a model directory, by decoding and form (inputs ``grapheme:0`` and, for rerun,
``phoneme:0``; output ``preds:0`` unless noted):

=========== ========== =========================================================
rerun       checkpoint ``model_epoch_14_gs_27956.{meta,index,data-...}`` (output ``ToInt32:0``)
rerun       savedmodel ``saved_model/``, tag ``serve``, signature ``serving_default``
rerun       frozen     ``frozen.pb``
rerun       optimized  ``optimized.pb``
loop/incr.  checkpoint the checkpoint files; the decoding's graph is built at load
                       from the checkpoint's values (g2p.tf_graphs)
loop/incr.  frozen     ``loop.pb`` / ``incremental.pb``
loop/incr.  optimized  ``loop-optimized.pb`` / ``incremental-optimized.pb``
=========== ========== =========================================================

With ``"early_stop": true`` in the metadata, a loop/incremental graph is the early-stop one
(g2p.tf_graphs; its ``steps:0`` output is not fetched); rerun's early stop is the procedure's.
"""

from pathlib import Path

from ..checkpoint import (CHECKPOINT_OUTPUT, checkpoint_prefix, read_checkpoint_arrays,
                          restore_checkpoint, tf_v1)
from ..errors import ModelError
from ..tf_graphs import build_graph_def
from . import Backend

SAVEDMODEL_SUBDIR = "saved_model"
SIGNATURE = "serving_default"
SERVE_TAG = "serve"
INPUT_GRAPHEME = "grapheme:0"
INPUT_PHONEME = "phoneme:0"
PREDS_OUTPUT = "preds:0"


def graph_file(decoding, form):
    """The GraphDef file of a frozen/optimized form of `decoding`."""
    if decoding == "rerun":
        return {"frozen": "frozen.pb", "optimized": "optimized.pb"}[form]
    return decoding + (".pb" if form == "frozen" else "-optimized.pb")


def config_proto(settings):
    """A ConfigProto for {knob key: value} of runtime tensorflow (see g2p/knobs.py)."""
    from tensorflow.core.protobuf import config_pb2

    config = config_pb2.ConfigProto(
        device_count={"GPU": 0},
        intra_op_parallelism_threads=settings["threads.intra_op"],
        inter_op_parallelism_threads=settings["threads.inter_op"],
    )
    if not settings["grappler"]:
        config.graph_options.rewrite_options.disable_meta_optimizer = True
    if settings["xla"]:
        config.graph_options.optimizer_options.global_jit_level = config_pb2.OptimizerOptions.ON_1
    return config


def read_graph_def(path):
    v1 = tf_v1()
    graph_def = v1.GraphDef()
    with open(str(path), "rb") as fh:
        graph_def.ParseFromString(fh.read())
    return graph_def


def session_for_graph_def(graph_def, config):
    v1 = tf_v1()
    graph = v1.Graph()
    with graph.as_default():
        v1.import_graph_def(graph_def, name="")
        session = v1.Session(graph=graph, config=config)
    return graph, session


class TensorFlowBackend(Backend):
    runtime = "tensorflow"
    one_call = True

    def __init__(self, session, grapheme, phoneme, output):
        self.session = session
        self.graph = session.graph
        self._x = grapheme
        self._y = phoneme
        self._out = output

    def run_full(self, x, y):
        return self.session.run(self._out, {self._x: x, self._y: y})

    def run_loop(self, x):
        return self.session.run(self._out, {self._x: x})

    def version(self):
        import tensorflow as tf

        return tf.__version__

    def node_count(self):
        return len(self.graph.as_graph_def().node)

    def close(self):
        self.session.close()


def _missing(path, decoding, form, model_dir):
    return ModelError("%s is missing" % path,
                      hint="re-export with `python -m g2p.export --runtime tensorflow --decoding %s "
                           "--form %s --out %s`" % (decoding, form, model_dir))


def load(model_dir, metadata, settings):
    model_dir = Path(model_dir)
    decoding = metadata["decoding"]
    form = metadata.get("form") or "checkpoint"
    config = config_proto(settings)
    v1 = tf_v1()
    if decoding == "rerun" and form == "checkpoint":
        graph, session = restore_checkpoint(model_dir, config)
        out = graph.get_tensor_by_name(CHECKPOINT_OUTPUT)
    elif decoding == "rerun" and form == "savedmodel":
        graph = v1.Graph()
        with graph.as_default():
            session = v1.Session(graph=graph, config=config)
            meta_graph = v1.saved_model.loader.load(
                session, [SERVE_TAG], str(model_dir / SAVEDMODEL_SUBDIR))
        signature = meta_graph.signature_def[SIGNATURE]
        x = graph.get_tensor_by_name(signature.inputs["grapheme"].name)
        y = graph.get_tensor_by_name(signature.inputs["phoneme"].name)
        out = graph.get_tensor_by_name(signature.outputs["preds"].name)
        return TensorFlowBackend(session, x, y, out)
    elif form == "checkpoint":
        graph_def = build_graph_def(decoding, read_checkpoint_arrays(checkpoint_prefix(model_dir)),
                                    metadata.get("early_stop", False))
        graph, session = session_for_graph_def(graph_def, config)
        out = graph.get_tensor_by_name(PREDS_OUTPUT)
    elif form in ("frozen", "optimized"):
        path = model_dir / graph_file(decoding, form)
        if not path.is_file():
            raise _missing(path, decoding, form, model_dir)
        graph, session = session_for_graph_def(read_graph_def(path), config)
        out = graph.get_tensor_by_name(PREDS_OUTPUT)
    else:
        raise ModelError("form %r of decoding %s is not a TensorFlow form" % (form, decoding))
    x = graph.get_tensor_by_name(INPUT_GRAPHEME)
    y = graph.get_tensor_by_name(INPUT_PHONEME) if decoding == "rerun" else None
    return TensorFlowBackend(session, x, y, out)
