"""A short single-thread read-bandwidth microbenchmark: L1, L2, L3 and DRAM, as a matrix-vector product.

The cache sizes come from sysfs (``/sys/devices/system/cpu/cpu<N>/cache/index*``, N = the
first CPU this process may run on), read inside the container. Each level gets a float32
buffer that fits it with room to spare (half of L1d, half of L2, a quarter of L3, since the
L3 is shared with other cores; twice L3 for DRAM) and is read as the rows of a matrix
times a vector, the way a decoder step streams its weights at batch 1. Two kernels, the
better one per level is kept: one NumPy ``dot`` per pass over the buffer, and one
``matmul`` over a stride-0 stack of the buffer (many passes in one call, so the call's
overhead does not hide L1's speed; NumPy 1.16's ``matmul`` does not use BLAS for it).
``gb_per_s`` = bytes read / best of `REPEATS` timings / 1e9. Under a second in all.

Run in a child process with one BLAS thread (g2p.microbench.run_single_threaded).
``python -m g2p.bandwidth`` prints the JSON object the profile document records.
"""

import json
import os
import sys
import time

from .sysinfo import read_file

COLUMNS = 256          # floats per matrix row (1 KiB)
PASS_BYTES = 16 << 20  # bytes read per timing for the cache levels
REPEATS = 5
FIT = (("L1", 1, 0.5), ("L2", 2, 0.5), ("L3", 3, 0.25))  # (name, sysfs level, share of the cache)
DRAM_TIMES_L3 = 2
SYSFS_CPU = "/sys/devices/system/cpu"


def parse_size(text):
    """sysfs cache size ("32K", "1024K", "32M") in bytes, None if unreadable."""
    if not text:
        return None
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    try:
        return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)
    except ValueError:
        return None


def first_cpu():
    try:
        return min(os.sched_getaffinity(0))
    except (AttributeError, OSError, ValueError):
        return 0


def cache_levels(cpu=None, root=SYSFS_CPU):
    """[{"level", "type", "size_bytes", "shared_cpu_list"}] of one CPU's caches, from sysfs."""
    cpu = first_cpu() if cpu is None else cpu
    base = os.path.join(root, "cpu%d" % cpu, "cache")
    try:
        names = sorted(n for n in os.listdir(base) if n.startswith("index"))
    except OSError:
        return []
    found = []
    for name in names:
        level = read_file(os.path.join(base, name, "level"))
        found.append({"level": int(level) if level and level.isdigit() else None,
                      "type": read_file(os.path.join(base, name, "type")),
                      "size_bytes": parse_size(read_file(os.path.join(base, name, "size"))),
                      "shared_cpu_list": read_file(os.path.join(base, name, "shared_cpu_list"))})
    return found


def data_cache_bytes(caches, level):
    """The size of the data (or unified) cache of `level`, None if sysfs does not say."""
    sizes = [c["size_bytes"] for c in caches
             if c["level"] == level and c["type"] in ("Data", "Unified") and c["size_bytes"]]
    return sizes[0] if sizes else None


def buffer_sizes(caches):
    """[(level name, cache bytes or None, buffer bytes)] for the levels sysfs lets us size."""
    out = []
    for name, level, share in FIT:
        size = data_cache_bytes(caches, level)
        if size:
            out.append((name, size, int(size * share)))
    l3 = data_cache_bytes(caches, 3)
    if l3:
        out.append(("DRAM", None, l3 * DRAM_TIMES_L3))
    return out


def _best(fn, repeats):
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def read_bandwidth(buffer_bytes, pass_bytes=PASS_BYTES, repeats=REPEATS):
    """(GB/s, kernel) reading `buffer_bytes` as matrix rows, best of both kernels."""
    import numpy as np
    from numpy.lib.stride_tricks import as_strided

    rows = max(1, buffer_bytes // (COLUMNS * 4))
    matrix = np.ones((rows, COLUMNS), np.float32)
    vector = np.ones(COLUMNS, np.float32)
    passes = max(1, pass_bytes // matrix.nbytes)
    stack = as_strided(matrix, shape=(passes, rows, COLUMNS), strides=(0,) + matrix.strides)
    out = np.empty((passes, rows), np.float32)

    def dot_loop():
        for _ in range(passes):
            matrix.dot(vector)

    def stacked():
        np.matmul(stack, vector, out=out)

    timings = {}
    for kernel, fn in (("dot", dot_loop), ("matmul-stack", stacked)):
        fn()   # warm-up: page in, pull into the cache
        timings[kernel] = _best(fn, repeats)
    kernel = min(timings, key=timings.get)
    return passes * matrix.nbytes / timings[kernel] / 1e9, kernel


def measure(root=SYSFS_CPU):
    """Run in this process (its BLAS threads are whatever the environment says)."""
    import numpy as np

    start = time.perf_counter()
    cpu = first_cpu()
    caches = cache_levels(cpu, root)
    levels = []
    for name, cache_bytes, buffer_bytes in buffer_sizes(caches):
        gb_per_s, kernel = read_bandwidth(buffer_bytes, repeats=REPEATS if name != "DRAM" else 2,
                                          pass_bytes=PASS_BYTES if name != "DRAM" else buffer_bytes)
        levels.append({"level": name, "cache_bytes": cache_bytes, "buffer_bytes": buffer_bytes,
                       "gb_per_s": round(gb_per_s, 3), "kernel": kernel})
    return {"kind": "bandwidth", "levels": levels or None, "caches": caches, "cpu": cpu,
            "threads": 1, "repeats": REPEATS, "library": "numpy %s" % np.__version__,
            "seconds": round(time.perf_counter() - start, 3),
            "error": None if levels else "no cache sizes under %s/cpu%d/cache" % (root, cpu)}


def run_single_threaded(timeout=60):
    from .microbench import run_single_threaded as run_child

    return run_child(timeout, module="g2p.bandwidth", kind="bandwidth")


def main():
    print(json.dumps(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
