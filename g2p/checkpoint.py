"""The g2p_en 1.0.0 TensorFlow checkpoint: find it in a directory, restore it, read its arrays.

Everything that starts from the checkpoint goes through here: the ``tensorflow`` runtime
(its checkpoint form), the graphs of g2p.tf_graphs, and every exporter. TensorFlow is
imported only when a function runs, so importing this module costs nothing.
"""

from pathlib import Path

from .errors import ModelError
CHECKPOINT_OUTPUT = "ToInt32:0"   # the training graph's predictions (int32 [n, MAXLEN])


def tf_v1():
    """``tensorflow.compat.v1`` (present in TF 1.13 and in TF 2.x)."""
    import tensorflow as tf

    return tf.compat.v1


def checkpoint_prefix(model_dir):
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
    prefix = checkpoint_prefix(model_dir)
    graph = v1.Graph()
    with graph.as_default():
        saver = v1.train.import_meta_graph(prefix + ".meta", clear_devices=True)
        session = v1.Session(graph=graph, config=config)
        saver.restore(session, prefix)  # inside the graph context: TF 2.x is eager outside
    return graph, session


def read_checkpoint_arrays(prefix):
    """{variable name: numpy array} of the model's weights (no optimizer slots)."""
    v1 = tf_v1()
    reader = v1.train.NewCheckpointReader(prefix)
    names = reader.get_variable_to_shape_map()
    return {name: reader.get_tensor(name) for name in names
            if not name.endswith(("/Adam", "/Adam_1")) and name not in
            ("beta1_power", "beta2_power", "global_step")}
