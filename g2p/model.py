"""The procedure, written once: words -> batches -> decode loop -> phonemes.

Imports NumPy (the arrays every runtime takes); the network itself comes from the
runtime module named by the model directory's metadata (see :mod:`g2p.runtimes`).

A model directory's metadata: g2p.modeldir.
"""

from pathlib import Path

import numpy as np

from . import support
from .errors import ModelError, UsageError
from .knobs import resolve
from .specs import DECODINGS
from .modeldir import METADATA, read_metadata
from .runtimes import check_runtime, load_backend
from .vocab import BATCH_WORDS, EOS, MAXLEN, decode, encode, words_of

def encode_batch(words):
    """int32 [n, MAXLEN] grapheme indices, 0-padded (g2p_en 1.0.0's encoding)."""
    x = np.zeros((len(words), MAXLEN), np.int32)
    for i, word in enumerate(words):
        idx = encode(word)
        x[i, :len(idx)] = idx
    return x


# Each decoder returns (preds int32 [n, MAXLEN], steps): the runtime calls its loop made
# (network runs for rerun, decoder steps for incremental), or None when the graph loops.
# With early_stop, a Python loop ends once every row has emitted <EOS>; the whole batch is
# kept, and the columns after the stop stay 0 (docs/runtimes.md "Early stop").

def decode_rerun(backend, x, early_stop=False):
    """g2p_en 1.0.0: MAXLEN runs of the whole network, keeping column j of run j."""
    preds = np.zeros(x.shape, np.int32)
    done = np.zeros((x.shape[0],), bool)
    for j in range(MAXLEN):
        out = backend.run_full(x, preds)
        preds[:, j] = out[:, j]
        if early_stop:
            done |= preds[:, j] == EOS
            if done.all():
                return preds, j + 1
    return preds, MAXLEN


def decode_loop(backend, x, early_stop=False):
    return np.asarray(backend.run_loop(x), np.int32), None


def decode_incremental(backend, x, early_stop=False):
    if backend.one_call:
        return decode_loop(backend, x, early_stop)
    preds = np.zeros(x.shape, np.int32)
    prev = np.zeros((x.shape[0],), np.int32)
    state = backend.encode(x)
    done = np.zeros((x.shape[0],), bool)
    for j in range(MAXLEN):
        prev, state = backend.step(state, prev)
        preds[:, j] = prev
        if early_stop:
            done |= prev == EOS
            if done.all():
                return preds, j + 1
    return preds, MAXLEN


DECODERS = {"rerun": decode_rerun, "loop": decode_loop, "incremental": decode_incremental}


class Model(object):
    """A loaded model directory: a runtime backend plus the procedure of its decoding."""

    def __init__(self, backend, metadata, model_dir, settings):
        self.backend = backend
        self.metadata = metadata
        self.model_dir = Path(model_dir)
        self.settings = settings
        self.runtime = metadata["runtime"]
        self.decoding = metadata["decoding"]
        self.form = metadata.get("form")
        self.early_stop = bool(metadata.get("early_stop", False))
        self._decode = DECODERS[self.decoding]
        self.last_steps = None   # what the last batch's decoder returned as its steps

    def __repr__(self):
        return "Model(runtime=%r, decoding=%r, form=%r, early_stop=%r, model_dir=%r)" % (
            self.runtime, self.decoding, self.form, self.early_stop, str(self.model_dir))

    def node_count(self):
        return self.backend.node_count()

    def predict(self, text):
        """A list of phoneme lists, one per whitespace-separated word of `text`."""
        words = words_of(text)
        result = []
        for start in range(0, len(words), BATCH_WORDS):
            result.extend(self.predict_words(words[start:start + BATCH_WORDS]))
        return result

    def predict_words(self, words):
        """Phoneme lists for one batch of (already lowercased) words."""
        if not words:
            return []
        preds, self.last_steps = self._decode(self.backend, encode_batch(words), self.early_stop)
        return [decode(row) for row in preds]

    def close(self):
        self.backend.close()


def check_choice(runtime, decoding, early_stop=False):
    check_runtime(runtime)
    if decoding not in DECODINGS:
        raise UsageError("unknown decoding %r" % (decoding,), hint="use one of: " + ", ".join(DECODINGS))
    why = support.reason(runtime, decoding)
    if why:
        raise UsageError("runtime %s cannot run decoding %s: %s" % (runtime, decoding, why))
    why = early_stop and support.early_stop_reason(runtime, decoding)
    if why:
        raise UsageError(why, hint="drop early stop, or choose a decoding it can stop early")


def load(model_dir, settings=None, expect_form=None):
    """Load any exported model directory; `settings` = {knob key or dest: value} of its runtime."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError("model directory %s does not exist" % model_dir,
                         hint="create it with `python -m g2p.export --runtime R --decoding D --out %s`"
                              % model_dir)
    metadata = read_metadata(model_dir)
    if metadata is None:
        raise ModelError("%s holds no g2p model (no %s, no checkpoint)" % (model_dir, METADATA),
                         hint="create it with `python -m g2p.export --runtime R --decoding D --out %s`"
                              % model_dir)
    if expect_form is not None and metadata.get("form") != expect_form:
        raise ModelError("%s holds form %r, not %r" % (model_dir, metadata.get("form"), expect_form),
                         hint="pass form %s, or export %s there" % (metadata.get("form"), expect_form))
    check_choice(metadata["runtime"], metadata["decoding"], metadata.get("early_stop", False))
    try:
        resolved = resolve(metadata["runtime"], settings)
    except ValueError as exc:
        raise UsageError(str(exc))
    backend = load_backend(model_dir, metadata, resolved)
    return Model(backend, metadata, model_dir, resolved)
