"""Produce a model form with the TensorFlow of the current environment.

    python -m g2p.export --form {checkpoint,savedmodel,frozen,optimized} --out DIR
                         [--weights-dir DIR]

Reads the checkpoint from --weights-dir (default: g2p.weights.ensure_weights()),
writes the form into DIR (created if needed; it must be empty or hold an earlier
export) and describes it in DIR/g2p-form.json:

    {"form", "tensorflow_version", "tool", "transforms", "nodes_before",
     "nodes_after", "files", "inputs", "output", "created_at"}

* checkpoint: the four checkpoint files, copied;
* savedmodel: v1 SavedModelBuilder (what ``simple_save`` does): tag ``serve``, signature
  ``serving_default`` with inputs ``grapheme``, ``phoneme`` and output ``preds``;
* frozen: ``convert_variables_to_constants`` down to an Identity node named ``preds``;
* optimized: the frozen graph through the Graph Transform tool (TF 1.x:
  strip_unused_nodes, remove_nodes(op=CheckNumerics), merge_duplicate_nodes,
  fold_constants(ignore_errors=true), fold_batch_norms, fold_old_batch_norms) or,
  where that tool no longer exists (TF 2.x), through Grappler's offline optimizer
  (``tf_optimizer.OptimizeGraph``) with the optimizers in GRAPPLER_OPTIMIZERS.
"""

import argparse
import datetime
import json
import shutil
import sys
from pathlib import Path

from .errors import G2PError, ModelError
from .vocab import FORMS

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

# Everything an export may leave in DIR (an earlier export of any form is replaced).
_ARTIFACTS = ("g2p-form.json", "saved_model", "frozen.pb", "optimized.pb", "checkpoint",
              "model_epoch_14_gs_27956.meta", "model_epoch_14_gs_27956.index",
              "model_epoch_14_gs_27956.data-00000-of-00001")


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _prepare_out(out):
    out.mkdir(parents=True, exist_ok=True)
    foreign = [p.name for p in out.iterdir() if p.name not in _ARTIFACTS]
    if foreign:
        raise ModelError("%s holds files that are not a g2p export: %s" % (out, ", ".join(sorted(foreign))),
                         hint="export into an empty directory")
    for p in out.iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(str(p))
        else:
            p.unlink()


def _freeze(graph, session):
    """A frozen GraphDef of the checkpoint graph with output node `preds`."""
    from .model import CHECKPOINT_OUTPUT, tf_v1

    v1 = tf_v1()
    with graph.as_default():
        preds = v1.identity(graph.get_tensor_by_name(CHECKPOINT_OUTPUT), name="preds")
    if preds.op.name != "preds":
        raise ModelError("the checkpoint graph already has a node named preds")
    frozen = v1.graph_util.convert_variables_to_constants(
        session, graph.as_graph_def(), ["preds"])
    return frozen


def _optimize(frozen):
    """(optimized GraphDef, tool, transforms) for a frozen GraphDef."""
    try:
        from tensorflow.tools.graph_transforms import TransformGraph
    except ImportError:
        TransformGraph = None
    if TransformGraph is not None:
        optimized = TransformGraph(frozen, ["grapheme", "phoneme"], ["preds"], GRAPH_TRANSFORMS)
        return optimized, "graph_transforms", list(GRAPH_TRANSFORMS)

    from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2
    from tensorflow.python.grappler import tf_optimizer
    from .model import tf_v1

    v1 = tf_v1()
    graph = v1.Graph()
    with graph.as_default():
        v1.import_graph_def(frozen, name="")
        # Grappler keeps the nodes of the 'train_op' collection (the fetches).
        graph.add_to_collection("train_op", graph.get_operation_by_name("preds"))
        meta_graph = v1.train.export_meta_graph(graph_def=graph.as_graph_def(), graph=graph)
    config = config_pb2.ConfigProto()
    rewrite = config.graph_options.rewrite_options
    rewrite.optimizers.extend(GRAPPLER_OPTIMIZERS)
    rewrite.meta_optimizer_iterations = rewriter_config_pb2.RewriterConfig.TWO
    rewrite.min_graph_nodes = -1
    optimized = tf_optimizer.OptimizeGraph(config, meta_graph)
    return optimized, "grappler", ["grappler:" + name for name in GRAPPLER_OPTIMIZERS]


def export(form, out, weights_dir=None):
    """Write `form` into directory `out`; return its metadata dict."""
    if form not in FORMS:
        raise ModelError("unknown form %r" % (form,), hint="use one of: " + ", ".join(FORMS))
    import tensorflow as tf

    from .model import METADATA, SAVEDMODEL_SUBDIR, GRAPH_FILES, SERVE_TAG, SIGNATURE
    from .model import CHECKPOINT_OUTPUT, restore_checkpoint, tf_v1
    from .weights import FILES, ensure_weights

    v1 = tf_v1()
    weights_dir = Path(weights_dir) if weights_dir else ensure_weights()
    out = Path(out)
    _prepare_out(out)
    graph, session = restore_checkpoint(weights_dir)
    nodes = len(graph.as_graph_def().node)
    meta = {
        "form": form,
        "tensorflow_version": tf.__version__,
        "tool": None,
        "transforms": [],
        "nodes_before": nodes,
        "nodes_after": nodes,
        "inputs": {"grapheme": "grapheme:0", "phoneme": "phoneme:0"},
        "output": CHECKPOINT_OUTPUT if form == "checkpoint" else "preds:0",
        "created_at": _now(),
    }
    try:
        if form == "checkpoint":
            for name in sorted(FILES):
                shutil.copyfile(str(weights_dir / name), str(out / name))
            meta["files"] = sorted(FILES)
        elif form == "savedmodel":
            with graph.as_default():
                x = graph.get_tensor_by_name("grapheme:0")
                y = graph.get_tensor_by_name("phoneme:0")
                preds = graph.get_tensor_by_name(CHECKPOINT_OUTPUT)
                signature = v1.saved_model.signature_def_utils.predict_signature_def(
                    inputs={"grapheme": x, "phoneme": y}, outputs={"preds": preds})
                builder = v1.saved_model.builder.SavedModelBuilder(str(out / SAVEDMODEL_SUBDIR))
                builder.add_meta_graph_and_variables(
                    session, [SERVE_TAG], signature_def_map={SIGNATURE: signature},
                    clear_devices=True)
                builder.save()
            meta["tool"] = "SavedModelBuilder"
            meta["output"] = CHECKPOINT_OUTPUT
            meta["files"] = [SAVEDMODEL_SUBDIR]
        else:
            frozen = _freeze(graph, session)
            meta["tool"] = "convert_variables_to_constants"
            meta["transforms"] = ["convert_variables_to_constants"]
            meta["nodes_after"] = len(frozen.node)
            result = frozen
            if form == "optimized":
                meta["frozen_nodes"] = len(frozen.node)
                result, tool, transforms = _optimize(frozen)
                meta["tool"] = tool
                meta["transforms"] = ["convert_variables_to_constants"] + transforms
                meta["nodes_before"] = len(frozen.node)
                meta["nodes_after"] = len(result.node)
                meta["checkpoint_nodes"] = nodes
            with open(str(out / GRAPH_FILES[form]), "wb") as fh:
                fh.write(result.SerializeToString())
            meta["files"] = [GRAPH_FILES[form]]
    finally:
        session.close()
    with open(str(out / METADATA), "w") as fh:
        json.dump(meta, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return meta


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m g2p.export",
                                     description="Export a g2p model form with this environment's TensorFlow.")
    parser.add_argument("--form", required=True, choices=FORMS)
    parser.add_argument("--out", required=True, help="output directory (empty or an earlier export)")
    parser.add_argument("--weights-dir", default=None,
                        help="checkpoint directory (default: G2P_WEIGHTS_DIR or the weights cache)")
    args = parser.parse_args(argv)
    try:
        meta = export(args.form, args.out, args.weights_dir)
    except G2PError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 4
    print(json.dumps(meta, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
