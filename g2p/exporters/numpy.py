"""Exporter of runtime ``numpy``: the checkpoint's weights as ``weights.npz`` (float32)."""

import numpy as np

from ..runtimes.numpy import WEIGHTS_FILE
from ..runtimes.tensorflow import checkpoint_prefix
from ..tf_graphs import read_checkpoint_arrays


def export(decoding, form, out, weights_dir):
    weights = read_checkpoint_arrays(checkpoint_prefix(weights_dir))
    np.savez(str(out / WEIGHTS_FILE), **weights)
    return {"tool": "numpy.savez", "files": [WEIGHTS_FILE], "arrays": len(weights),
            "parameters": int(sum(a.size for a in weights.values()))}
