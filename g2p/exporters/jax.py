"""Exporter of runtime ``jax``: the checkpoint's weights as ``weights.npz``, as for numpy.

The XLA executables are compiled later, for the image's CPU, by ``python -m g2p.prepare``
(g2p.runtimes.jax.prepare)."""

from . import numpy as numpy_exporter


def export(decoding, form, out, weights_dir, early_stop=False):
    meta = numpy_exporter.export(decoding, form, out, weights_dir)
    return dict(meta, compiled_by="python -m g2p.prepare (XLA executables in xla/)")
