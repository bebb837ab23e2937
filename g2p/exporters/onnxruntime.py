"""Exporter of runtime ``onnxruntime``: the decoding's frozen TF graph through tf2onnx.

Writes ``model.onnx`` (opset :data:`OPSET`). The checkpoint graph's dynamic_rnn loops
(rerun) become ONNX ``Scan`` ops, the loop graph's tf.while_loop one ``Loop``; the
incremental graph has no control flow (about 1800 plain nodes). Inputs keep TensorFlow's
tensor names (``grapheme:0``, and ``phoneme:0`` for rerun); the output is ``preds:0``, and
``steps:0`` beside it for an early-stop graph (its tf.while_loops become ``Loop`` ops
whose condition ends them).
"""

from ..runtimes.onnxruntime import MODEL_FILE, OUTPUT
from ..tf_graphs import frozen_graph_def, inputs_of, outputs_of

OPSET = 17


def export(decoding, form, out, weights_dir, early_stop=False):
    import tf2onnx

    graph_def, source_nodes = frozen_graph_def(decoding, weights_dir, early_stop)
    inputs = [name + ":0" for name in inputs_of(decoding)]
    outputs = [name + ":0" for name in outputs_of(decoding, early_stop)]
    model_proto, _ = tf2onnx.convert.from_graph_def(
        graph_def, input_names=inputs, output_names=outputs, opset=OPSET,
        output_path=str(out / MODEL_FILE))
    ops = sorted({node.op_type for node in model_proto.graph.node})
    return {"tool": "tf2onnx", "converter_version": tf2onnx.__version__, "opset": OPSET,
            "files": [MODEL_FILE], "inputs": inputs, "output": OUTPUT, "outputs": outputs,
            "source_nodes": source_nodes, "source_graph_nodes": len(graph_def.node),
            "nodes": len(model_proto.graph.node), "op_types": ops}
