"""Runtime settings of a g2p session, in one place.

Session settings (turned into a ``tf.compat.v1.ConfigProto`` by :meth:`Settings.config_proto`):

``intra_op_threads``  ``intra_op_parallelism_threads``: threads one op (e.g. a MatMul) may
                      use. 0 = TensorFlow's default (number of cores).
``inter_op_threads``  ``inter_op_parallelism_threads``: ops run concurrently. 0 = default.
``grappler``          True (default): TensorFlow's graph optimizer (Grappler meta-optimizer)
                      runs when a session first runs the graph. False sets
                      ``graph_options.rewrite_options.disable_meta_optimizer``.
``xla``               False (default). True sets ``graph_options.optimizer_options.
                      global_jit_level = ON_1`` (XLA auto-clustering for the whole session).
                      If the TensorFlow build lacks XLA JIT it has no effect.

Every session also gets ``device_count={'GPU': 0}`` (as g2p_en did).

Environment knobs (OpenMP, MKL, oneDNN, allocator preloads, TF logging) change
TensorFlow's behaviour too, but they act when libraries load, so the package never
*sets* them: whoever starts the process does. :func:`recorded_env` records them.
"""

import os

# Environment variables recorded in every profile document (value, or None when unset).
ENV_KNOBS = (
    "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "OMP_WAIT_POLICY", "OMP_DYNAMIC",
    "KMP_AFFINITY", "KMP_BLOCKTIME", "KMP_SETTINGS", "KMP_HW_SUBSET", "KMP_DUPLICATE_LIB_OK",
    "MKL_NUM_THREADS", "MKL_DYNAMIC", "MKL_ENABLE_INSTRUCTIONS", "MKL_VERBOSE",
    "TF_ENABLE_ONEDNN_OPTS", "TF_DISABLE_MKL", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
    "ONEDNN_VERBOSE", "MKLDNN_VERBOSE", "TF_ONEDNN_USE_SYSTEM_ALLOCATOR",
    "TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS",
    "TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "TF_XLA_FLAGS",
    "TF_ENABLE_XLA", "XLA_FLAGS",
    "LD_PRELOAD", "LD_LIBRARY_PATH", "MALLOC_ARENA_MAX", "TCMALLOC_RELEASE_RATE",
    "PYTHONHASHSEED", "PYTHONOPTIMIZE",
)
# Any other variable starting with one of these is recorded too.
ENV_PREFIXES = ("OMP_", "KMP_", "MKL_", "ONEDNN_", "DNNL_", "TF_", "XLA_", "GOMP_")


def recorded_env(environ=None):
    """{name: value or None} for every knob in ENV_KNOBS plus any set ENV_PREFIXES variable."""
    environ = os.environ if environ is None else environ
    out = {name: environ.get(name) for name in ENV_KNOBS}
    for name in sorted(environ):
        if name.startswith(ENV_PREFIXES) and name not in out:
            out[name] = environ[name]
    return out


def _on_off(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise ValueError("expected on/off, got %r" % (value,))


class Settings(object):
    """Session settings. Immutable in spirit: build a new one to change them."""

    __slots__ = ("intra_op_threads", "inter_op_threads", "grappler", "xla")

    def __init__(self, intra_op_threads=0, inter_op_threads=0, grappler=True, xla=False):
        for name, value in (("intra_op_threads", intra_op_threads),
                            ("inter_op_threads", inter_op_threads)):
            if isinstance(value, bool) or int(value) != value or value < 0:
                raise ValueError("%s must be an integer >= 0, got %r" % (name, value))
        self.intra_op_threads = int(intra_op_threads)
        self.inter_op_threads = int(inter_op_threads)
        self.grappler = _on_off(grappler)
        self.xla = _on_off(xla)

    def __repr__(self):
        return "Settings(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.__slots__)

    def __eq__(self, other):
        return isinstance(other, Settings) and self.as_dict() == other.as_dict()

    def __hash__(self):
        return hash(tuple(sorted(self.as_dict().items())))

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def config_proto(self):
        """A ``tf.compat.v1.ConfigProto`` for these settings (imports TensorFlow)."""
        from tensorflow.core.protobuf import config_pb2

        config = config_pb2.ConfigProto(
            device_count={"GPU": 0},
            intra_op_parallelism_threads=self.intra_op_threads,
            inter_op_parallelism_threads=self.inter_op_threads,
        )
        if not self.grappler:
            config.graph_options.rewrite_options.disable_meta_optimizer = True
        if self.xla:
            config.graph_options.optimizer_options.global_jit_level = \
                config_pb2.OptimizerOptions.ON_1
        return config

    def describe(self):
        """Resolved settings for a profile document."""
        d = self.as_dict()
        d["grappler"] = "on" if self.grappler else "off"
        d["xla"] = "on" if self.xla else "off"
        return d


DEFAULT = Settings()
