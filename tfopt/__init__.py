"""tfopt: reproducible single-CPU TensorFlow optimization experiments."""

__version__ = "0.1.0"
