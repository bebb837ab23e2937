"""Runtime ``numba``: the whole incremental decode compiled by numba into one call.

The network is :mod:`g2p.runtimes.numpy`'s, from the same ``weights.npz``; the compiled
loop is :mod:`g2p.runtimes.numba_kernel`. Single-threaded: the kernel has no parallel
loops, so numba starts no threads.

Compiled ahead of time. ``prepare(model_dir, metadata)`` (the image's last build step,
``python -m g2p.prepare``) compiles both kernels into numba's on-disk cache inside the
model directory (``numba-cache/``) for one named target CPU, :data:`TARGET`, and writes
that target to ``compiled-for.json``. ``load`` points numba at the same cache and target
before numba compiles anything, so the first prediction takes no compiler: numba keys its
cache by the target CPU name and features, which are the recorded ones on any host.

The ``-march`` question: the target is x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE),
not the build host's CPU, so an image built on an AVX-512 Zen 4 runs unchanged on a Zen 3
or any Haswell-or-later x86-64. ``load`` refuses (ModelError) on a CPU that lacks one of
the target's features, before running any compiled code; a cache miss (another numba or
source, a deleted cache) is compiled at load and said on stderr with its time.

numba reads its cache directory when the kernel module is first imported, so one process
uses one model directory's cache (a second model directory loads the kernels the first
one's cache gave; prepare each directory in its own process, as the image build does).
"""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..specs import spec
from . import Backend, require_files
from .numpy import DEC, ENC, WEIGHTS_FILE, read_weights

CACHE_DIR = "numba-cache"
TARGET_FILE = "compiled-for.json"
# A portable x86-64 level: LLVM's CPU name plus the features numba is told to use (numba
# would otherwise add the build host's features, AVX-512 included).
TARGET = {"cpu_name": spec("numba").target,
          "cpu_features": "+avx,+avx2,+bmi,+bmi2,+f16c,+fma,+lzcnt,+movbe,+xsave,"
                          "+sse4.2,+sse4.1,+ssse3,+sse3,+popcnt,+cx16,+sahf"}


def _features(target):
    return [f[1:] for f in target["cpu_features"].split(",") if f.startswith("+")]


def _cache_dir(model_dir):
    """The model directory's cache, or a copy of it in a temporary directory when the model
    directory is read-only (a profile container's root is): numba uses a cache directory only
    if it can write there, and would otherwise compile into another one."""
    cache = Path(model_dir) / CACHE_DIR
    if not cache.is_dir() or os.access(str(cache), os.W_OK):
        return cache
    copy = Path(tempfile.mkdtemp(prefix="g2p-numba-cache-")) / CACHE_DIR
    shutil.copytree(str(cache), str(copy))
    return copy


def _configure_numba(model_dir, target):
    """Point numba at the model directory's cache and the target CPU (before it compiles)."""
    os.environ["NUMBA_CACHE_DIR"] = str(_cache_dir(model_dir))
    os.environ["NUMBA_CPU_NAME"] = target["cpu_name"]
    os.environ["NUMBA_CPU_FEATURES"] = target["cpu_features"]
    from numba.core import config

    config.reload_config()


def missing_features(target):
    """The target's CPU features this host's CPU lacks (LLVM's names)."""
    import llvmlite.binding as llvm

    host = llvm.get_host_cpu_features()
    return [f for f in _features(target) if not host.get(f, False)]


class Network(object):
    """The checkpoint's arrays as the kernel takes them, float32, C-contiguous."""

    def __init__(self, w):
        def f32(a):
            return np.ascontiguousarray(a, dtype=np.float32)

        G = 29
        P = w["dense/bias"].shape[0]
        gk = np.stack([w[ENC % d + "gates/kernel"] for d in ("fw", "bw")])
        gb = np.stack([w[ENC % d + "gates/bias"] for d in ("fw", "bw")])
        ck = np.stack([w[ENC % d + "candidate/kernel"] for d in ("fw", "bw")])
        cb = np.stack([w[ENC % d + "candidate/bias"] for d in ("fw", "bw")])
        dgk = w[DEC + "gru_cell/gates/kernel"]
        dck = w[DEC + "gru_cell/candidate/kernel"]
        self.arrays = (
            f32(gk[:, :G]), f32(gk[:, G:]), f32(gb),                   # enc gates: x rows, h rows, bias
            f32(ck[:, :G]), f32(ck[:, G:]), f32(cb),                   # enc candidate
            f32(w["memory_layer/kernel"]),
            f32(dgk[:P]), f32(dgk[P:]), f32(w[DEC + "gru_cell/gates/bias"]),     # rows [a; h]
            f32(dck[:P]), f32(dck[P:]), f32(w[DEC + "gru_cell/candidate/bias"]),  # rows [a; r*h]
            f32(w[DEC + "bahdanau_attention/query_layer/kernel"]),
            f32(w[DEC + "bahdanau_attention/attention_v"]),
            f32(w[DEC + "attention_layer/kernel"]),
            f32(w["dense/kernel"]), f32(w["dense/bias"]),
        )


def _kernel_signature(arrays):
    from numba import typeof, types

    return (types.int32[:, ::1],) + tuple(typeof(a) for a in arrays) + (types.boolean,
                                                                       types.int32[:, ::1])


def _compile(kernel, arrays):
    """Compile (or load from the cache) `kernel` for its one signature; True if compiled."""
    signature = _kernel_signature(arrays)
    if signature in kernel.overloads:
        return False
    hits = sum(kernel.stats.cache_hits.values())
    kernel.compile(signature)
    return sum(kernel.stats.cache_hits.values()) == hits


class NumbaBackend(Backend):
    runtime = "numba"
    one_call = True

    def __init__(self, kernel, network, early_stop):
        self.kernel = kernel
        self.arrays = network.arrays
        self.early_stop = bool(early_stop)

    def run_loop(self, x):
        x = np.ascontiguousarray(x, dtype=np.int32)
        preds = np.zeros(x.shape, np.int32)
        self.last_steps = self.kernel(x, *self.arrays, self.early_stop, preds)   # decoder steps run
        return preds

    def version(self):
        import numba

        return numba.__version__


def read_target(model_dir):
    path = Path(model_dir) / TARGET_FILE
    if not path.is_file():
        raise ModelError("%s is missing: this numba model was never compiled" % path,
                         hint="run `python -m g2p.prepare --model %s` (the image's last build step)"
                              % model_dir)
    return json.loads(path.read_text())


def check_cpu(target, model_dir):
    missing = missing_features(target)
    if missing:
        raise ModelError("%s was compiled for %s, and this CPU lacks %s"
                         % (model_dir, target["cpu_name"], ", ".join(missing)),
                         hint="run it on a CPU with those features, or rebuild the image for a "
                              "lower target (TARGET in g2p/runtimes/numba.py)")


def load(model_dir, metadata, settings):
    require_files(model_dir, metadata, [WEIGHTS_FILE])
    target = read_target(model_dir)
    check_cpu(target, model_dir)
    _configure_numba(model_dir, target)
    from . import numba_kernel

    network = Network(read_weights(Path(model_dir) / WEIGHTS_FILE))
    kernel = numba_kernel.KERNELS[bool(settings.get("numba.fastmath", False))]
    started = time.time()
    if _compile(kernel, network.arrays):
        print("g2p numba: the compiled kernel was not in %s (cache miss); compiled it now in "
              "%.1f s. Rebuild the image (python -m g2p.prepare) to start without compiling."
              % (os.environ["NUMBA_CACHE_DIR"], time.time() - started), file=sys.stderr)
    return NumbaBackend(kernel, network, metadata.get("early_stop", False))


def prepare(model_dir, metadata):
    """Compile both kernels into the model directory's cache for TARGET; record the target."""
    require_files(model_dir, metadata, [WEIGHTS_FILE])
    check_cpu(TARGET, model_dir)
    _configure_numba(model_dir, TARGET)
    from . import numba_kernel
    import numba

    network = Network(read_weights(Path(model_dir) / WEIGHTS_FILE))
    started = time.time()
    for kernel in numba_kernel.KERNELS.values():
        _compile(kernel, network.arrays)
    record = dict(TARGET, numba=numba.__version__,
                  kernels=sorted(k.py_func.__name__ for k in numba_kernel.KERNELS.values()),
                  compile_seconds=round(time.time() - started, 1))
    (Path(model_dir) / TARGET_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record
