"""Environment knobs of a g2p process, recorded (never set) by the profiler.

Run knobs (threads, Grappler, XLA, ONNX Runtime and OpenVINO options) are declared
once in g2p/knobs.py. Environment knobs (OpenMP, MKL, oneDNN, allocator preloads, TF
logging) act when libraries load, so the package never *sets* them: whoever starts the
process does. :func:`recorded_env` records them.
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
