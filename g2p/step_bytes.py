"""Bytes and MACs of each step of the network, and the steps each profiled case needs (stdlib only).

The floor of a predict() call (tfopt/analysis/floor.py) sums, over the steps its words
need, the larger of each step's compute time and the time to stream the bytes it touches.
This module declares those bytes once, from the checkpoint's dimensions (G, P, H, T as in
g2p/macs.py; float32, 4 bytes). Three kinds of step, each run once for the whole batch:

* ``encoder`` (one input position, both directions): each direction's GRU reads its
  recurrent rows H x 3H and its biases 3H; the one-hot input selects one row (3H) of the
  input part G x 3H per word instead of streaming it. Per word: that row and h, both ways.
* ``keys`` (once per batch): memory_layer 2H x H turns every encoder output into an
  attention key, one product over all positions. Per word and position: the output (2H)
  read, the key (H) written.
* ``decoder`` (one output position): GRU rows for [attention (H), h (H)] 2H x 3H and biases
  3H, the previous phoneme's one-hot row (3H per word), query_layer H x H, attention_v H,
  attention_layer 3H x H, dense H x P and its bias P. Per word: that row, the T keys (H
  each) and T memory vectors (2H each) the attention reads, h and the attention (H each).

The decoder's weights: (2H x 3H + 3H + H x H + H + 3H x H + H x P + P) x 4 = 694 560 bytes
(678 KiB, issue 18's figure). MACs per step per word are g2p/macs.py's (one-hot products
counted as the matrix products the graph does, attention over all T positions).

Steps a case needs (``case_steps``): the encoder runs over each word's own length
(graphemes + <EOS>, at most T) -- a word's rows after its end cost no MACs, but the batch
streams the weights once per position up to its longest word; the decoder runs until every
word of the batch has emitted <EOS> (its reference phonemes + 1, at most T), every word
computed at every step (keeping the whole batch is what keeps early stop exact). The
reference phoneme counts of the profile sentences' words are in g2p/corpus.json.

``python -m g2p.step_bytes`` prints the table.
"""

import json
import sys
from pathlib import Path

from . import macs
from .vocab import BATCH_WORDS, encode

G, P, H, T = macs.G, macs.P, macs.H, macs.T
FLOAT_BYTES = 4
CORPUS = Path(__file__).resolve().parent / "corpus.json"

# {kind: (weight floats streamed once per step, floats per word per step)}
FLOATS = {
    "encoder": (2 * (H * 3 * H + 3 * H), 2 * (3 * H + H)),
    "keys": (2 * H * H, None),   # per word: (2H + H) per position of the word, see step_bytes()
    "decoder": (2 * H * 3 * H + 3 * H + H * H + H + 3 * H * H + H * P + P,
                3 * H + T * H + T * 2 * H + H + H),
}

FORMULA = ("bytes per step = 4 x (weight floats + n x floats per word); encoder (per position, both "
           "directions) weights 2(H*3H + 3H), per word 2(3H + H); keys (once) weights 2H*H, per word "
           "L_w(2H + H); decoder (per position) weights 2H*3H + 3H + H*H + H + 3H*H + H*P + P, per word "
           "3H + T*H + T*2H + 2H; with G=%d P=%d H=%d T=%d" % (G, P, H, T))


def weight_bytes(kind):
    return FLOATS[kind][0] * FLOAT_BYTES


def word_bytes(kind, length=T):
    """Bytes one word adds to a step of `kind` (for keys: a word of `length` positions)."""
    if kind == "keys":
        return length * (2 * H + H) * FLOAT_BYTES
    return FLOATS[kind][1] * FLOAT_BYTES


def word_macs(kind, length=T):
    """MACs one word costs in a step of `kind` (g2p/macs.py's counts)."""
    if kind == "encoder":
        return macs.encoder_macs() // T
    if kind == "keys":
        return length * 2 * H * H
    return macs.decoder_step_macs()


def table():
    """{kind: {"weight_bytes", "word_bytes", "word_macs"}} (keys: per word position)."""
    return {kind: {"weight_bytes": weight_bytes(kind), "word_bytes": word_bytes(kind, 1 if kind == "keys" else T),
                   "word_macs": word_macs(kind, 1 if kind == "keys" else T)} for kind in FLOATS}


def reference_phonemes():
    with open(str(CORPUS)) as fh:
        return json.load(fh)["reference_phonemes"]


def _step(kind, active, word_bytes_total, step_macs):
    return {"kind": kind, "count": 1, "words": active,
            "bytes": weight_bytes(kind) + word_bytes_total, "macs": step_macs}


def case_steps(words, phonemes):
    """The steps one batch of `words` needs, `phonemes` = {word: reference phoneme count}:
    [{"kind", "count", "words", "bytes", "macs"}], bytes and MACs per step, `words` the rows
    computed, `count` equal steps in a row."""
    lengths = [len(encode(w)) for w in words]
    steps = []
    for position in range(max(lengths)):
        active = sum(1 for n in lengths if n > position)
        steps.append(_step("encoder", active, active * word_bytes("encoder"), active * word_macs("encoder")))
    steps.append(_step("keys", len(words), sum(word_bytes("keys", n) for n in lengths),
                       sum(word_macs("keys", n) for n in lengths)))
    decoder = _step("decoder", len(words), len(words) * word_bytes("decoder"), len(words) * word_macs("decoder"))
    steps.extend(dict(decoder) for _ in range(min(T, max(phonemes[w] + 1 for w in words))))
    merged = []
    for step in steps:
        if merged and all(merged[-1][k] == step[k] for k in ("kind", "words", "bytes", "macs")):
            merged[-1]["count"] += 1
        else:
            merged.append(step)
    return merged


def per_case(sentences, phonemes):
    """{"n": [steps of every batch of the n-word sentence]}, batches of BATCH_WORDS words."""
    out = {}
    for n, text in enumerate(sentences, 1):
        words = text.lower().split()
        out[str(n)] = [step for start in range(0, len(words), BATCH_WORDS)
                       for step in case_steps(words[start:start + BATCH_WORDS], phonemes)]
    return out


def document(sentences):
    """The profile document's "steps" object for the profiled `sentences` (1..n words)."""
    return {"per_case": per_case(sentences, reference_phonemes()), "table": table(),
            "formula": FORMULA}


def main(argv=None):
    print(FORMULA)
    for kind, row in table().items():
        print("%-8s weights %8d B (%6.1f KiB)  per word %6d B  %7d MACs/word" % (
            kind, row["weight_bytes"], row["weight_bytes"] / 1024.0, row["word_bytes"], row["word_macs"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
