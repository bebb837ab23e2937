"""Load a model form into a TensorFlow (v1-style) session and predict with it.

Imports TensorFlow and NumPy; ``import g2p`` does not import this module.

Layouts of a model directory (``g2p-form.json`` describes it; see g2p.export):

========== ===================================================================
checkpoint ``checkpoint``, ``model_epoch_14_gs_27956.{meta,index,data-...}``
savedmodel ``saved_model/`` (``saved_model.pb`` + ``variables/``), tag ``serve``,
           signature ``serving_default``: grapheme, phoneme -> preds
frozen     ``frozen.pb``: GraphDef, variables as constants, output node ``preds``
optimized  ``optimized.pb``: the frozen graph after graph transforms / Grappler
========== ===================================================================
"""

import json
from pathlib import Path

import numpy as np

from .errors import ModelError
from .settings import DEFAULT, Settings
from .vocab import BATCH_WORDS, FORMS, MAXLEN, decode, encode, words_of

METADATA = "g2p-form.json"
CHECKPOINT_PREFIX = "model_epoch_14_gs_27956"
SAVEDMODEL_SUBDIR = "saved_model"
GRAPH_FILES = {"frozen": "frozen.pb", "optimized": "optimized.pb"}
SIGNATURE = "serving_default"
SERVE_TAG = "serve"

# Tensor names in the original checkpoint graph.
INPUT_GRAPHEME = "grapheme:0"
INPUT_PHONEME = "phoneme:0"
CHECKPOINT_OUTPUT = "ToInt32:0"
PREDS_OUTPUT = "preds:0"


def tf_v1():
    """``tensorflow.compat.v1`` (present in TF 1.13 and in TF 2.x)."""
    import tensorflow as tf

    return tf.compat.v1


def read_metadata(model_dir):
    path = Path(model_dir) / METADATA
    if not path.is_file():
        return None
    with open(str(path)) as fh:
        return json.load(fh)


class Model(object):
    """One loaded form: a session plus its input/output tensors."""

    def __init__(self, form, session, grapheme, phoneme, output, metadata, model_dir, settings):
        self.form = form
        self.session = session
        self.graph = session.graph
        self._x = grapheme
        self._y = phoneme
        self._out = output
        self.metadata = metadata
        self.model_dir = Path(model_dir)
        self.settings = settings

    def __repr__(self):
        return "Model(form=%r, model_dir=%r)" % (self.form, str(self.model_dir))

    def node_count(self):
        return len(self.graph.as_graph_def().node)

    def predict(self, text):
        """A list of phoneme lists, one per whitespace-separated word of `text`."""
        words = words_of(text)
        result = []
        for start in range(0, len(words), BATCH_WORDS):
            result.extend(self._predict_batch(words[start:start + BATCH_WORDS]))
        return result

    def _predict_batch(self, words):
        n = len(words)
        x = np.zeros((n, MAXLEN), np.int32)  # 0: <PAD>
        for i, word in enumerate(words):
            idx = encode(word)
            x[i, :len(idx)] = idx
        # Autoregressive inference, as g2p_en 1.0.0 did: MAXLEN runs of the whole network,
        # keeping column j of run j.
        preds = np.zeros((n, MAXLEN), np.int32)
        for j in range(MAXLEN):
            out = self.session.run(self._out, {self._x: x, self._y: preds})
            preds[:, j] = out[:, j]
        return [decode(row) for row in preds]

    def close(self):
        self.session.close()


def _checkpoint_prefix(model_dir):
    v1 = tf_v1()
    prefix = v1.train.latest_checkpoint(str(model_dir))
    if prefix and Path(prefix + ".index").exists():
        return prefix
    metas = sorted(Path(model_dir).glob("*.meta"))
    if len(metas) != 1:
        raise ModelError("%s holds no single TensorFlow checkpoint (*.meta)" % model_dir,
                         hint="pass the directory from g2p.weights.ensure_weights() or from "
                              "`python -m g2p.export --form checkpoint`")
    return str(metas[0])[:-len(".meta")]


def restore_checkpoint(model_dir, config=None):
    """(graph, session) with the original training graph imported and weights restored."""
    v1 = tf_v1()
    prefix = _checkpoint_prefix(model_dir)
    graph = v1.Graph()
    with graph.as_default():
        saver = v1.train.import_meta_graph(prefix + ".meta", clear_devices=True)
        session = v1.Session(graph=graph, config=config)
        saver.restore(session, prefix)  # inside the graph context: TF 2.x is eager outside
    return graph, session


def read_graph_def(path):
    v1 = tf_v1()
    graph_def = v1.GraphDef()
    with open(str(path), "rb") as fh:
        graph_def.ParseFromString(fh.read())
    return graph_def


def load(form, model_dir, settings=None):
    """Load `form` ("checkpoint", "savedmodel", "frozen", "optimized") from `model_dir`."""
    if form not in FORMS:
        raise ModelError("unknown form %r" % (form,), hint="use one of: " + ", ".join(FORMS))
    settings = DEFAULT if settings is None else settings
    if not isinstance(settings, Settings):
        raise TypeError("settings must be a g2p.settings.Settings")
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError("model directory %s does not exist" % model_dir,
                         hint="create it with `python -m g2p.export --form %s --out %s`"
                              % (form, model_dir))
    metadata = read_metadata(model_dir)
    if metadata is not None and metadata.get("form") != form:
        raise ModelError("%s holds form %r, not %r" % (model_dir, metadata.get("form"), form),
                         hint="pass --form %s, or export %s there" % (metadata.get("form"), form))
    if metadata is None:
        if form != "checkpoint":
            raise ModelError("%s has no %s" % (model_dir, METADATA),
                             hint="create it with `python -m g2p.export --form %s --out %s`"
                                  % (form, model_dir))
        metadata = {"form": "checkpoint", "source": "g2p_en 1.0.0 sdist (g2p_en/logdir)"}

    v1 = tf_v1()
    config = settings.config_proto()
    if form == "checkpoint":
        graph, session = restore_checkpoint(model_dir, config)
        x = graph.get_tensor_by_name(INPUT_GRAPHEME)
        y = graph.get_tensor_by_name(INPUT_PHONEME)
        out = graph.get_tensor_by_name(CHECKPOINT_OUTPUT)
    elif form == "savedmodel":
        graph = v1.Graph()
        with graph.as_default():
            session = v1.Session(graph=graph, config=config)
            meta_graph = v1.saved_model.loader.load(
                session, [SERVE_TAG], str(model_dir / SAVEDMODEL_SUBDIR))
        signature = meta_graph.signature_def[SIGNATURE]
        x = graph.get_tensor_by_name(signature.inputs["grapheme"].name)
        y = graph.get_tensor_by_name(signature.inputs["phoneme"].name)
        out = graph.get_tensor_by_name(signature.outputs["preds"].name)
    else:
        path = model_dir / GRAPH_FILES[form]
        if not path.is_file():
            raise ModelError("%s is missing" % path,
                             hint="re-export with `python -m g2p.export --form %s --out %s`"
                                  % (form, model_dir))
        graph_def = read_graph_def(path)
        graph = v1.Graph()
        with graph.as_default():
            v1.import_graph_def(graph_def, name="")
            session = v1.Session(graph=graph, config=config)
        x = graph.get_tensor_by_name(INPUT_GRAPHEME)
        y = graph.get_tensor_by_name(INPUT_PHONEME)
        out = graph.get_tensor_by_name(PREDS_OUTPUT)
    return Model(form, session, x, y, out, metadata, model_dir, settings)
