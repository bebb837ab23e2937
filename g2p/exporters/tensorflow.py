"""Exporter of runtime ``tensorflow``: a decoding's graph in a form.

* checkpoint: the four checkpoint files, copied (loop/incremental build their graph
  from them at load);
* savedmodel (rerun only): v1 SavedModelBuilder (what ``simple_save`` does): tag
  ``serve``, signature ``serving_default`` with inputs ``grapheme``, ``phoneme`` and
  output ``preds``;
* frozen: the decoding's frozen GraphDef (g2p.tf_graphs.frozen_graph_def);
* optimized: the frozen graph through the Graph Transform tool (TF 1.x:
  strip_unused_nodes, remove_nodes(op=CheckNumerics), merge_duplicate_nodes,
  fold_constants(ignore_errors=true), fold_batch_norms, fold_old_batch_norms) or,
  where that tool no longer exists (TF 2.x), through Grappler's offline optimizer
  (``tf_optimizer.OptimizeGraph``) with the optimizers in GRAPPLER_OPTIMIZERS.
"""

import shutil

from ..checkpoint import CHECKPOINT_OUTPUT, restore_checkpoint, tf_v1
from ..runtimes.tensorflow import SAVEDMODEL_SUBDIR, SERVE_TAG, SIGNATURE, graph_file
from ..tf_graphs import frozen_graph_def, inputs_of, outputs_of
from ..weights import FILES

GRAPH_TRANSFORMS = [
    'strip_unused_nodes(type=int32, shape="-1,20")',
    "remove_nodes(op=CheckNumerics)",
    "merge_duplicate_nodes",
    "fold_constants(ignore_errors=true)",
    "fold_batch_norms",
    "fold_old_batch_norms",
]
# Grappler optimizers chosen to match the Graph Transform list above: debug_stripper
# (removes CheckNumerics/Assert), pruning (unused nodes), constfold, arithmetic
# (includes common-subexpression / duplicate-node merging), dependency, loop, remap
# (op fusions, e.g. batch norms).
GRAPPLER_OPTIMIZERS = ["debug_stripper", "pruning", "constfold", "arithmetic",
                       "dependency", "loop", "remap"]


def optimize(frozen, inputs, outputs=("preds",)):
    """(optimized GraphDef, tool, transforms) for a frozen GraphDef with these outputs."""
    try:
        from tensorflow.tools.graph_transforms import TransformGraph
    except ImportError:
        TransformGraph = None
    if TransformGraph is not None:
        optimized = TransformGraph(frozen, list(inputs), list(outputs), GRAPH_TRANSFORMS)
        return optimized, "graph_transforms", list(GRAPH_TRANSFORMS)

    from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2
    from tensorflow.python.grappler import tf_optimizer

    v1 = tf_v1()
    graph = v1.Graph()
    with graph.as_default():
        v1.import_graph_def(frozen, name="")
        # Grappler keeps the nodes of the 'train_op' collection (the fetches).
        for name in outputs:
            graph.add_to_collection("train_op", graph.get_operation_by_name(name))
        meta_graph = v1.train.export_meta_graph(graph_def=graph.as_graph_def(), graph=graph)
    config = config_pb2.ConfigProto()
    rewrite = config.graph_options.rewrite_options
    rewrite.optimizers.extend(GRAPPLER_OPTIMIZERS)
    rewrite.meta_optimizer_iterations = rewriter_config_pb2.RewriterConfig.TWO
    rewrite.min_graph_nodes = -1
    optimized = tf_optimizer.OptimizeGraph(config, meta_graph)
    return optimized, "grappler", ["grappler:" + name for name in GRAPPLER_OPTIMIZERS]


def _savedmodel(out, weights_dir):
    graph, session = restore_checkpoint(weights_dir)
    v1 = tf_v1()
    try:
        with graph.as_default():
            x = graph.get_tensor_by_name("grapheme:0")
            y = graph.get_tensor_by_name("phoneme:0")
            preds = graph.get_tensor_by_name(CHECKPOINT_OUTPUT)
            signature = v1.saved_model.signature_def_utils.predict_signature_def(
                inputs={"grapheme": x, "phoneme": y}, outputs={"preds": preds})
            builder = v1.saved_model.builder.SavedModelBuilder(str(out / SAVEDMODEL_SUBDIR))
            builder.add_meta_graph_and_variables(
                session, [SERVE_TAG], signature_def_map={SIGNATURE: signature}, clear_devices=True)
            builder.save()
        return len(graph.as_graph_def().node)
    finally:
        session.close()


def export(decoding, form, out, weights_dir, early_stop=False):
    inputs = inputs_of(decoding)
    meta = {"inputs": {name: name + ":0" for name in inputs},
            "output": CHECKPOINT_OUTPUT if (decoding, form) == ("rerun", "checkpoint") else "preds:0",
            "transforms": []}
    if form == "checkpoint":
        for name in sorted(FILES):
            shutil.copyfile(str(weights_dir / name), str(out / name))
        meta.update(tool=None, files=sorted(FILES))
        return meta
    if form == "savedmodel":
        nodes = _savedmodel(out, weights_dir)
        meta.update(tool="SavedModelBuilder", files=[SAVEDMODEL_SUBDIR], nodes_before=nodes,
                    nodes_after=nodes)
        return meta
    frozen, nodes_before = frozen_graph_def(decoding, weights_dir, early_stop)
    meta.update(tool="convert_variables_to_constants" if decoding == "rerun" else "g2p.tf_graphs",
                transforms=["convert_variables_to_constants"] if decoding == "rerun" else [],
                nodes_before=nodes_before, nodes_after=len(frozen.node))
    result = frozen
    if form == "optimized":
        result, tool, transforms = optimize(frozen, inputs, outputs_of(decoding, early_stop))
        meta.update(tool=tool, transforms=meta["transforms"] + transforms,
                    frozen_nodes=len(frozen.node), nodes_before=len(frozen.node),
                    nodes_after=len(result.node), checkpoint_nodes=nodes_before)
    name = graph_file(decoding, form)
    with open(str(out / name), "wb") as fh:
        fh.write(result.SerializeToString())
    meta["files"] = [name]
    return meta
