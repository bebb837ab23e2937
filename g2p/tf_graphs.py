"""TensorFlow graphs of each decoding, as frozen GraphDefs (imports TensorFlow).

* rerun: the checkpoint's own graph, frozen (``convert_variables_to_constants``) down to
  an Identity ``preds`` (inputs ``grapheme``, ``phoneme``);
* loop / incremental: built here from the checkpoint's values (see build_graph_def);
  input ``grapheme`` int32 [n, 20], output ``preds`` int32 [n, 20].

Converters (g2p/convert/) use :func:`frozen_graph_def` as their TensorFlow source.
"""

from .errors import ModelError
from .runtimes.tensorflow import CHECKPOINT_OUTPUT, checkpoint_prefix, restore_checkpoint, tf_v1


def inputs_of(decoding):
    """Input placeholder names of `decoding`'s graph."""
    return ("grapheme", "phoneme") if decoding == "rerun" else ("grapheme",)


def read_checkpoint_arrays(prefix):
    """{variable name: numpy array} of the model's weights (no optimizer slots)."""
    v1 = tf_v1()
    reader = v1.train.NewCheckpointReader(prefix)
    names = reader.get_variable_to_shape_map()
    return {name: reader.get_tensor(name) for name in names
            if not name.endswith(("/Adam", "/Adam_1")) and name not in
            ("beta1_power", "beta2_power", "global_step")}


def freeze_checkpoint(weights_dir):
    """(frozen GraphDef of the checkpoint graph with output ``preds``, checkpoint node count)."""
    graph, session = restore_checkpoint(weights_dir)
    v1 = tf_v1()
    try:
        nodes = len(graph.as_graph_def().node)
        with graph.as_default():
            preds = v1.identity(graph.get_tensor_by_name(CHECKPOINT_OUTPUT), name="preds")
        if preds.op.name != "preds":
            raise ModelError("the checkpoint graph already has a node named preds")
        frozen = v1.graph_util.convert_variables_to_constants(session, graph.as_graph_def(), ["preds"])
    finally:
        session.close()
    return frozen, nodes


def frozen_graph_def(decoding, weights_dir):
    """(frozen GraphDef of `decoding`, node count of the graph it came from)."""
    if decoding == "rerun":
        return freeze_checkpoint(weights_dir)
    graph_def = build_graph_def(decoding, read_checkpoint_arrays(checkpoint_prefix(weights_dir)))
    return graph_def, len(graph_def.node)


def build_graph_def(decoding, weights):
    raise NotImplementedError("decoding %s graph: not written yet" % decoding)
