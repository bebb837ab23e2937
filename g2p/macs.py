"""Multiply-accumulates per predict(), counted from the model's dimensions (stdlib only).

G = 29 graphemes, P = 72 phonemes, H = 128 units, T = MAXLEN = 20 (g2p/vocab.py). One
pass of the whole network over one word (what TensorFlow computes, every step of the
fixed-length loops, one-hot products counted as the matrix products the graph does):

* encoder, 2 directions x T steps of a GRU on [one-hot (G), h (H)]:
  gates (G+H) x 2H + candidate (G+H) x H                 -> 2 T (G+H) 3H   = 2 411 520
* attention keys: memory (2H) x memory_layer (H) per step -> T 2H H         =   655 360
* decoder, T steps, each: GRU on [one-hot (P), attention (H), h (H)]: (P+2H) 3H;
  query layer H H; scores v.tanh(keys + query) T H; context T 2H;
  attention layer 3H H; output dense H P                 -> T x 208 384     = 4 167 680

network = encoder + keys + T x decoder step = 7 234 560 per word.
Decodings: ``rerun`` and ``loop`` run the whole network T times (g2p_en's procedure:
position j of run j is kept; ``loop`` only moves the T runs into one graph):
T x network = 144 691 200 per word. ``incremental`` runs it once (the encoder once,
one decoder position per step): 7 234 560 per word. Every product is per word, so a
predict() of n words costs n x per word, whatever the batching (20 words per batch).
Element-wise work (sigmoid, tanh, softmax, masking, adds) is not counted.

``python -m g2p.macs`` prints the table.
"""

import sys

from .vocab import GRAPHEMES, HIDDEN, MAXLEN, PHONEMES

G, P, H, T = len(GRAPHEMES), len(PHONEMES), HIDDEN, MAXLEN

FORMULA = ("per word: network = 2T(G+H)3H + T*2H*H + T*((P+2H)3H + H*H + T*H + T*2H + 3H*H + H*P)"
           " with G=%d P=%d H=%d T=%d; rerun/loop = T x network, incremental = network; "
           "predict(n words) = n x per word" % (G, P, H, T))


def encoder_macs():
    return 2 * T * (G + H) * 3 * H


def keys_macs():
    return T * 2 * H * H


def decoder_step_macs():
    return (P + 2 * H) * 3 * H + H * H + T * H + T * 2 * H + 3 * H * H + H * P


def network_macs():
    """One pass of the whole network over one word."""
    return encoder_macs() + keys_macs() + T * decoder_step_macs()


PASSES = {"rerun": T, "loop": T, "incremental": 1}


def per_word(decoding):
    if decoding not in PASSES:
        raise ValueError("unknown decoding %r (one of: %s)" % (decoding, ", ".join(PASSES)))
    return PASSES[decoding] * network_macs()


def per_predict(n_words, decoding):
    return n_words * per_word(decoding)


def per_case(decoding, max_words=20):
    """{"1": MACs of the 1-word case, ..., str(max_words): ...} (profile document's macs)."""
    return {str(n): per_predict(n, decoding) for n in range(1, max_words + 1)}


def document(decoding, max_words=20):
    """The profile document's "macs" object."""
    return {"per_case": per_case(decoding, max_words), "per_word": per_word(decoding),
            "formula": FORMULA}


def main(argv=None):
    print(FORMULA)
    for decoding in PASSES:
        print("%-12s %12d MACs/word  %7.1f M" % (decoding, per_word(decoding), per_word(decoding) / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
