"""Helpers shared by the g2p tests (a plain module, so test files can import it)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORMS = ("checkpoint", "savedmodel", "frozen", "optimized")


def run_module(args, env=None, check=True, timeout=900):
    """Run `python -m ...` with this interpreter from the repo root; return CompletedProcess."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + (os.pathsep + full_env["PYTHONPATH"]
                                          if full_env.get("PYTHONPATH") else "")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m"] + list(args), cwd=str(ROOT), env=full_env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("python -m %s failed (%d):\n%s" % (" ".join(args), proc.returncode,
                                                              proc.stderr[-4000:]))
    return proc
