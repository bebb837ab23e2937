"""Exporter of runtime ``numba``: the checkpoint's arrays, as for ``numpy`` (``weights.npz``).

The compiled code is not made here but in the image's last step (``python -m g2p.prepare``),
which needs only numba, on the final image's own packages."""

from . import numpy as numpy_exporter


def export(decoding, form, out, weights_dir, early_stop=False):
    return numpy_exporter.export(decoding, form, out, weights_dir)
