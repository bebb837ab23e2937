"""Exporter of runtime ``openvino``: the decoding's frozen TF graph as OpenVINO IR.

``openvino.convert_model`` reads the GraphDef with OpenVINO's TensorFlow frontend, from a
file: given an in-memory GraphDef, the frontend cannot read function bodies (the loop
graph's ``StatelessWhile`` fails with "'_DefinedFunction' object has no attribute
'graph'"). ``openvino.save_model`` writes ``model.xml`` + ``model.bin`` with
``compress_to_fp16=False`` (its default, True, stores the weights as f16, which would
change the network). An early-stop graph's tf.while_loops become OpenVINO ``Loop`` ops, and
its ``steps:0`` is a second output.
"""

import os
import tempfile

from ..runtimes.openvino import MODEL_FILES, OUTPUT
from ..tf_graphs import frozen_graph_def, inputs_of, outputs_of


def export(decoding, form, out, weights_dir, early_stop=False):
    import openvino as ov

    graph_def, source_nodes = frozen_graph_def(decoding, weights_dir, early_stop)
    inputs = [name + ":0" for name in inputs_of(decoding)]
    outputs = [name + ":0" for name in outputs_of(decoding, early_stop)]
    handle, source = tempfile.mkstemp(suffix=".pb")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(graph_def.SerializeToString())
        model = ov.convert_model(source, input=inputs, output=outputs)
    finally:
        os.unlink(source)
    ov.save_model(model, str(out / MODEL_FILES[0]), compress_to_fp16=False)
    return {"tool": "openvino.convert_model", "converter_version": ov.get_version(),
            "files": list(MODEL_FILES), "inputs": inputs, "output": OUTPUT, "outputs": outputs,
            "compress_to_fp16": False, "source_nodes": source_nodes,
            "source_graph_nodes": len(graph_def.node), "nodes": len(model.get_ops())}
