"""Exporter of runtime ``openvino``: the decoding's frozen TF graph as OpenVINO IR.

``openvino.convert_model`` reads the GraphDef with OpenVINO's TensorFlow frontend
(v1 while loops become ``Loop``/``TensorIterator``); ``openvino.save_model`` writes
``model.xml`` + ``model.bin`` with ``compress_to_fp16=False`` (its default, True,
stores the weights as f16, which would change the network).
"""

from ..runtimes.openvino import MODEL_FILES, OUTPUT
from ..tf_graphs import frozen_graph_def, inputs_of


def export(decoding, form, out, weights_dir):
    import openvino as ov

    graph_def, source_nodes = frozen_graph_def(decoding, weights_dir)
    inputs = [name + ":0" for name in inputs_of(decoding)]
    model = ov.convert_model(graph_def, input=inputs, output=[OUTPUT])
    ov.save_model(model, str(out / MODEL_FILES[0]), compress_to_fp16=False)
    return {"tool": "openvino.convert_model", "converter_version": ov.get_version(),
            "files": list(MODEL_FILES), "inputs": inputs, "output": OUTPUT,
            "compress_to_fp16": False, "source_nodes": source_nodes,
            "source_graph_nodes": len(graph_def.node), "nodes": len(model.get_ops())}
