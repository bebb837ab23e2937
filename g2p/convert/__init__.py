"""Converters: a decoding's TensorFlow graph -> another runtime's model file.

Run at export time (``python -m g2p.export --runtime R``), in an environment that has
TensorFlow and the converter; the final image needs only the runtime. The source is
always :func:`g2p.tf_graphs.frozen_graph_def` of the decoding (the checkpoint's own
weights, as constants), so every runtime computes the same network.

============ ================ ============================================= ==============
runtime      module           converter                                     files
============ ================ ============================================= ==============
onnxruntime  .onnxruntime     tf2onnx ``from_graph_def``, opset 17           ``model.onnx``
openvino     .openvino        ``openvino.convert_model`` on the GraphDef,    ``model.xml``,
                              saved as IR with weights kept in f32           ``model.bin``
============ ================ ============================================= ==============

OpenVINO reads the TensorFlow graph directly rather than the ONNX file: OpenVINO
2026.4 refuses tf2onnx's Scan ops ("body outputs (4) is less than
num_initial_values (6)").
"""
