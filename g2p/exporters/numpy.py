"""Exporter of runtime ``numpy``: the checkpoint's weights as ``weights.npz`` (float32).

Early stop is the procedure's loop (g2p.model.decode_incremental): the same file."""

import numpy as np

from ..checkpoint import checkpoint_prefix, read_checkpoint_arrays
from ..runtimes.numpy import WEIGHTS_FILE


def export(decoding, form, out, weights_dir, early_stop=False):
    weights = read_checkpoint_arrays(checkpoint_prefix(weights_dir))
    np.savez(str(out / WEIGHTS_FILE), **weights)
    return {"tool": "numpy.savez", "files": [WEIGHTS_FILE], "arrays": len(weights),
            "parameters": int(sum(a.size for a in weights.values()))}
