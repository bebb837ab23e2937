"""Exporters: the checkpoint -> one runtime's model files, one module per runtime, named
after it (``g2p.exporters.<runtime>``; :func:`g2p.export.export` imports it by that name).

Run at export time (``python -m g2p.export --runtime R``), in an environment that has
TensorFlow and the runtime's converter; the final image needs only the runtime. Every
exporter but ``tensorflow``'s checkpoint form starts from :func:`g2p.tf_graphs.frozen_graph_def`
of the decoding or from the checkpoint's own arrays, so every runtime computes the same
network with the same weights.

============ ============================================== ====================================
runtime      how                                            files
============ ============================================== ====================================
tensorflow   the checkpoint copied, or the decoding's graph  checkpoint files, ``saved_model/``,
             as a SavedModel, frozen or optimized GraphDef  or a ``.pb``
numpy        the checkpoint's arrays, float32               ``weights.npz``
onnxruntime  tf2onnx ``from_graph_def``, opset 17            ``model.onnx``
openvino     ``openvino.convert_model`` on the GraphDef,     ``model.xml``, ``model.bin``
             saved as IR with weights kept in f32
============ ============================================== ====================================

OpenVINO reads the TensorFlow graph directly rather than the ONNX file: OpenVINO
2026.4 refuses tf2onnx's Scan ops ("body outputs (4) is less than
num_initial_values (6)").

Each module has ``export(decoding, form, out, weights_dir, early_stop=False) -> dict``
(metadata: at least "tool" and "files"); ``form`` is None for runtimes other than
tensorflow. With ``early_stop`` a graph exporter converts the decoding's early-stop graph
(g2p.tf_graphs: outputs ``preds`` and ``steps``); rerun's early stop, and numpy's, are the
procedure's Python loop (g2p.model), so their files do not change.
"""
