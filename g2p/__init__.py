"""g2p_en 1.0.0's TensorFlow grapheme-to-phoneme network, as a small package.

Runs unmodified on Python 3.7 + TensorFlow 1.13.1 and on Python 3.11 +
TensorFlow 2.21 (through ``tf.compat.v1``). Importing ``g2p`` (or
``g2p.weights``) does not import TensorFlow; the first :func:`predict` or
:func:`load` call does.

>>> import g2p
>>> g2p.predict("aardvark")
[['AA1', 'R', 'D', 'V', 'AA2', 'R', 'K']]

Model forms (see ``docs/g2p.md``): ``checkpoint``, ``savedmodel``, ``frozen``,
``optimized``; each is produced by ``python -m g2p.export --form FORM --out DIR``
and loaded with ``g2p.load(FORM, DIR, settings)``.
"""

import threading

from .errors import G2PError, ModelError, WeightsError  # noqa: F401
from .vocab import BATCH_WORDS, FORMS, MAXLEN  # noqa: F401

__version__ = "1.0.0"

_default_model = None
_default_lock = threading.Lock()


def load(form, model_dir, settings=None):
    """Load model `form` from `model_dir`; return a :class:`g2p.model.Model`.

    `settings` is a :class:`g2p.settings.Settings` (default: TF defaults).
    """
    from .model import load as _load

    return _load(form, model_dir, settings)


def default_model():
    """The ``checkpoint`` form from :func:`g2p.weights.ensure_weights`, loaded once."""
    global _default_model
    with _default_lock:
        if _default_model is None:
            from .weights import ensure_weights

            _default_model = load("checkpoint", ensure_weights())
        return _default_model


def predict(text):
    """Phonemes for every whitespace-separated word of `text` (one list per word)."""
    if not isinstance(text, str):
        raise TypeError("predict() takes a str, not %s" % type(text).__name__)
    if not text.split():
        return []
    return default_model().predict(text)
