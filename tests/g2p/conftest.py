"""Shared fixtures of the g2p suite. Run from the repository root with a stack's python:

    $(python -c 'from tfopt.stacks import ensure_stack; print(ensure_stack("tf2"))') -m pytest tests/g2p

Heavy things (weights, exported forms, loaded models, the CMUdict sample) are made once
per session.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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


@pytest.fixture(scope="session")
def weights_dir():
    from g2p.weights import ensure_weights

    return ensure_weights()


@pytest.fixture(scope="session")
def exported(tmp_path_factory, weights_dir):
    """{form: directory} for all four forms, each made by `python -m g2p.export`."""
    base = tmp_path_factory.mktemp("forms")
    out = {}
    for form in FORMS:
        run_module(["g2p.export", "--form", form, "--out", str(base / form),
                    "--weights-dir", str(weights_dir)])
        out[form] = base / form
    return out


@pytest.fixture(scope="session")
def reference_model(weights_dir):
    import g2p

    return g2p.load("checkpoint", weights_dir)


@pytest.fixture(scope="session")
def cmu_sample():
    """1000 CMUdict words (the evaluation sample's seed, first 1000)."""
    from g2p.evaluate import sample_words

    words, _ = sample_words(1000)
    return words


@pytest.fixture(scope="session")
def reference_predictions(reference_model, cmu_sample):
    return reference_model.predict(" ".join(cmu_sample))
