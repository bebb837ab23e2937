"""A short single-core SGEMM microbenchmark: the measured peak this core reaches.

NumPy ``matmul`` of two float32 N x N matrices (N = 256: three matrices take 768 KiB,
about one core's L2, and BLAS blocks for its caches anyway) in a child process started
with OPENBLAS/OMP/MKL_NUM_THREADS=1, so the figure is one thread's however many cores
the container sees. Each of `repeats` rounds times `calls` products; the best round
gives ``gmacs_per_s`` = N^3 x calls / seconds / 1e9. Takes well under 2 s.

``python -m g2p.microbench`` prints the JSON object the profile document records.
"""

import json
import os
import subprocess
import sys
import time

N = 256
CALLS = 20
REPEATS = 7
SINGLE_THREAD_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def measure(n=N, calls=CALLS, repeats=REPEATS):
    """Run in this process (its BLAS threads are whatever the environment says)."""
    import numpy as np

    rng = np.random.RandomState(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)   # warm-up: page in, pick the kernel
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            np.matmul(a, b, out=out)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return {"kind": "sgemm", "gmacs_per_s": round(n ** 3 * calls / best / 1e9, 3), "n": n,
            "calls": calls, "repeats": repeats, "best_seconds": round(best, 6),
            "threads": 1, "library": "numpy %s matmul" % np.__version__}


def run_single_threaded(timeout=30, module="g2p.microbench", kind="sgemm"):
    """`python -m module` (its JSON on stdout) in a child process pinned to one BLAS thread;
    {"kind", <figure>: None, "error"} if it cannot run."""
    env = dict(os.environ)
    env.update({name: "1" for name in SINGLE_THREAD_ENV})
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run([sys.executable, "-m", module], env=env, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return _failed(kind, str(exc))
    if proc.returncode != 0:
        return _failed(kind, proc.stderr.strip()[-500:])
    return json.loads(proc.stdout)


FIGURE = {"sgemm": "gmacs_per_s", "bandwidth": "levels"}


def _failed(kind, error):
    return {"kind": kind, FIGURE[kind]: None, "error": error}


def main():
    print(json.dumps(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
