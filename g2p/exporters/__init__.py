"""Per-runtime exporters registered in g2p.export.EXPORTERS (they import TensorFlow)."""
