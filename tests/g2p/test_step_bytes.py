"""The bytes-per-step table against the checkpoint's arrays, and the reference step counts."""

import numpy as np

from g2p import step_bytes
from g2p.checkpoint import checkpoint_prefix, read_checkpoint_arrays
from g2p.profile import case_texts, load_corpus
from g2p.vocab import HIDDEN, PHONEMES

ENC = "bidirectional_rnn/%s/gru_cell/"
DEC = "rnn/attention_wrapper/"


def _floats(arrays, name, skip_rows=0):
    """Floats of one array, without its first `skip_rows` rows (one-hot rows: one is gathered)."""
    a = arrays[name]
    return int(np.prod(a.shape)) - skip_rows * (a.shape[1] if a.ndim == 2 else 0)


def test_weight_bytes_match_the_checkpoint(weights_dir):
    arrays = read_checkpoint_arrays(checkpoint_prefix(weights_dir))
    graphemes = arrays[ENC % "fw" + "gates/kernel"].shape[0] - HIDDEN
    encoder = sum(_floats(arrays, ENC % d + part + "/kernel", graphemes) + _floats(arrays, ENC % d + part + "/bias")
                  for d in ("fw", "bw") for part in ("gates", "candidate"))
    assert encoder * 4 == step_bytes.weight_bytes("encoder")
    assert _floats(arrays, "memory_layer/kernel") * 4 == step_bytes.weight_bytes("keys")
    phonemes = len(PHONEMES)
    decoder = (sum(_floats(arrays, DEC + "gru_cell/%s/kernel" % p, phonemes) + _floats(arrays, DEC + "gru_cell/%s/bias" % p)
                   for p in ("gates", "candidate"))
               + _floats(arrays, DEC + "bahdanau_attention/query_layer/kernel")
               + _floats(arrays, DEC + "bahdanau_attention/attention_v")
               + _floats(arrays, DEC + "attention_layer/kernel")
               + _floats(arrays, "dense/kernel") + _floats(arrays, "dense/bias"))
    assert decoder * 4 == step_bytes.weight_bytes("decoder") == 694560   # 678 KiB, issue 18
    # every array of the checkpoint is counted somewhere
    assert len(arrays) == 18


def test_reference_phonemes_are_the_checkpoints(reference_model):
    counts = step_bytes.reference_phonemes()
    words = sorted({w for s in load_corpus()["sentences"] for w in s.lower().split()})
    assert sorted(counts) == words
    assert [len(p) for p in reference_model.predict(" ".join(words))] == [counts[w] for w in words]


def test_hello_needs_six_encoder_and_five_decoder_steps():
    steps = step_bytes.document([text for _, text in case_texts(1)])["per_case"]["1"]
    assert [(s["kind"], s["count"], s["words"]) for s in steps] == \
        [("encoder", 6, 1), ("keys", 1, 1), ("decoder", 5, 1)]
    assert steps[2]["bytes"] == 694560 + 33280 and steps[2]["macs"] == 208384
    assert steps[1]["macs"] == 6 * 256 * 128


def test_twenty_words_decode_until_the_longest_pronunciation_ends():
    text = dict(case_texts(20))[20]
    counts = step_bytes.reference_phonemes()
    steps = step_bytes.document([t for _, t in case_texts(20)])["per_case"]["20"]
    decoder = [s for s in steps if s["kind"] == "decoder"]
    assert len(decoder) == 1 and decoder[0]["count"] == max(counts[w] for w in text.split()) + 1
    assert decoder[0]["words"] == 20
    encoder = [s for s in steps if s["kind"] == "encoder"]
    assert sum(s["count"] for s in encoder) == max(len(w) + 1 for w in text.split())
    assert sum(s["count"] * s["words"] for s in encoder) == sum(len(w) + 1 for w in text.split())
