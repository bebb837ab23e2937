"""g2p_en 1.0.0's TensorFlow grapheme-to-phoneme network, as a small package.

Runs unmodified on Python 3.7 + TensorFlow 1.13.1 and on Python 3.11 +
TensorFlow 2.21 (through ``tf.compat.v1``). Importing ``g2p`` (or
``g2p.weights``) does not import TensorFlow; the first :func:`predict` or
:func:`load` call does.

>>> import g2p
>>> g2p.predict("aardvark")
[['AA1', 'R', 'D', 'V', 'AA2', 'R', 'K']]

Runtimes (tensorflow, onnxruntime, openvino, numpy), decodings (rerun, loop,
incremental) and TensorFlow forms: see ``docs/g2p.md``. A model directory is made by
``python -m g2p.export --runtime R --decoding D [--form F] --out DIR`` and loaded with
``g2p.load(DIR, settings)``.
"""

import threading

from .errors import G2PError, ModelError, RuntimeMissingError, UsageError, WeightsError  # noqa: F401
from .specs import FORMS
from .vocab import BATCH_WORDS, MAXLEN  # noqa: F401

__version__ = "1.0.0"

_default_model = None
_default_lock = threading.Lock()


def load(model_dir, settings=None, *args, **knob_values):
    """Load any exported model directory; return a :class:`g2p.model.Model`.

    `settings` is ``{knob key: value}`` for the directory's runtime (g2p/knobs.py);
    knobs may also be given as keywords by their argparse names (``threads_intra_op=1``).
    The old call ``load(form, model_dir[, settings])`` still works (it checks the form).
    """
    from .model import load as _load

    expect_form = None
    if model_dir in FORMS and settings is not None and not isinstance(settings, dict):
        expect_form, model_dir, settings = model_dir, settings, (args[0] if args else None)
    values = dict(settings or {})
    values.update(knob_values)
    return _load(model_dir, values, expect_form=expect_form)


def default_model():
    """The ``checkpoint`` form from :func:`g2p.weights.ensure_weights`, loaded once."""
    global _default_model
    with _default_lock:
        if _default_model is None:
            from .weights import ensure_weights

            _default_model = load(ensure_weights())
        return _default_model


def predict(text):
    """Phonemes for every whitespace-separated word of `text` (one list per word)."""
    if not isinstance(text, str):
        raise TypeError("predict() takes a str, not %s" % type(text).__name__)
    if not text.split():
        return []
    return default_model().predict(text)
