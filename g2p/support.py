"""Which runtime can express which decoding: None, or why not. Pure data.

PROVISIONAL host-side copy written against CONTRACT-8; h8-g2p's module replaces it.
"""

RUNTIMES = ("tensorflow", "onnxruntime", "openvino", "numpy")
DECODINGS = ("rerun", "loop", "incremental")

SUPPORT = {
    "tensorflow": {"rerun": None, "loop": None, "incremental": None},
    "onnxruntime": {"rerun": None, "loop": None, "incremental": None},
    "openvino": {"rerun": None, "loop": None, "incremental": None},
    "numpy": {"rerun": "the NumPy network exists only as the incremental decoder",
              "loop": "the NumPy network exists only as the incremental decoder", "incremental": None},
}
